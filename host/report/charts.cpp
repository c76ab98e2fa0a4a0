// SVG charts for the HTML reports: axes with nice ticks, legends that wrap, and the bar, line and
// scatter charts of charts.hpp, drawn with plain string building.
#include "host/report/charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace tailor::charts {

// ---- text -------------------------------------------------------------------------------------

std::string escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string format_count(double v) {
  if (std::fabs(v) >= 1e15 || v != std::floor(v)) return fmt::format("{:g}", v);
  auto n = static_cast<long long>(v);
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

namespace {

constexpr double kChartH = 330.0;  // the least height of a chart
constexpr double kFontTick = 11.0;
constexpr double kFontLabel = 12.0;
constexpr double kLegendRow = 18.0;

template <class T>
double dbl(T v) {
  return static_cast<double>(v);
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// At most `max_chars` characters (UTF-8 aware); a cut text ends with an ellipsis.
std::string truncate_utf8(const std::string& s, std::size_t max_chars) {
  if (utf8_length(s) <= max_chars) return s;
  std::size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (chars == max_chars - 1) break;
    ++chars;
  }
  return s.substr(0, i) + "…";
}

// Width estimate for the system sans-serif font: 0.58 em per character on average.
double text_width(std::string_view s, double font_size) {
  return 0.58 * font_size * dbl(utf8_length(s));
}

// Short value labels drawn on bars.
std::string format_short(double v) {
  double a = std::fabs(v);
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.3f}", v);
}

std::string coord(double v) { return fmt::format("{:.1f}", v); }

// ---- axes ------------------------------------------------------------------------------------

double nice_number(double x, bool round) {
  double e = std::floor(std::log10(x));
  double f = x / std::pow(10.0, e);
  double nf;
  if (round)
    nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * std::pow(10.0, e);
}

struct Axis {
  double lo = 0, hi = 1;
  double step = 0;  // linear tick step; 0 on a log axis
  bool log = false;
  bool exact = false;  // ticks are data values: label them as written ({:g})
  std::vector<double> ticks;

  [[nodiscard]] double fraction(double v) const {
    if (log) return (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return (v - lo) / (hi - lo);
  }
};

// Ticks at nice multiples. `extend` widens [lo, hi] to the enclosing ticks (value axes);
// otherwise the range stays as given and ticks fall inside it (epoch and parameter axes).
Axis linear_axis(double lo, double hi, bool extend, double min_step = 0) {
  if (!(hi > lo)) {
    double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  Axis a;
  a.step = std::max(nice_number(nice_number(hi - lo, false) / 4.0, true), min_step);
  double first = std::ceil(lo / a.step - 1e-9) * a.step;
  double last = std::floor(hi / a.step + 1e-9) * a.step;
  if (extend) {
    lo = std::floor(lo / a.step + 1e-9) * a.step;
    hi = std::ceil(hi / a.step - 1e-9) * a.step;
    first = lo;
    last = hi;
  }
  a.lo = lo;
  a.hi = hi;
  auto n = static_cast<long long>(std::llround((last - first) / a.step));
  for (long long i = 0; i <= n; ++i) {
    double v = first + dbl(i) * a.step;
    a.ticks.push_back(std::fabs(v) < a.step * 1e-9 ? 0.0 : v);
  }
  return a;
}

// Decades enclosing [lo, hi] (lo > 0); 2x and 5x ticks too when there are few decades.
Axis log_axis(double lo, double hi) {
  Axis a;
  a.log = true;
  double d0 = std::floor(std::log10(lo) + 1e-9);
  double d1 = std::max(std::ceil(std::log10(hi) - 1e-9), d0 + 1);
  a.lo = std::pow(10.0, d0);
  a.hi = std::pow(10.0, d1);
  for (double d = d0; d <= d1 + 1e-9; d += 1) {
    double p = std::pow(10.0, d);
    a.ticks.push_back(p);
    if (d1 - d0 <= 2 && d < d1) {
      a.ticks.push_back(2 * p);
      a.ticks.push_back(5 * p);
    }
  }
  std::sort(a.ticks.begin(), a.ticks.end());
  return a;
}

std::string tick_label(const Axis& a, double v) {
  if (a.log || a.exact) return fmt::format("{:g}", v);
  if (v == 0) return "0";
  double big = std::max(std::fabs(a.lo), std::fabs(a.hi));
  double scale = 1;
  const char* suffix = "";
  if (big >= 1e6) {
    scale = 1e6;
    suffix = "M";
  } else if (big >= 1e4) {
    scale = 1e3;
    suffix = "k";
  }
  double s = a.step / scale;
  int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(s) - 1e-9)), 0, 6);
  std::string out = fmt::format("{:.{}f}", v / scale, decimals);
  if (out.rfind("-0", 0) == 0 && std::stod(out) == 0) out.erase(0, 1);
  return out + suffix;
}

double widest_tick(const Axis& a) {
  double w = 0;
  for (double t : a.ticks) w = std::max(w, text_width(tick_label(a, t), kFontTick));
  return w;
}

// ---- SVG drawing -----------------------------------------------------------------------------

struct Plot {
  double x = 0, y = 0, w = 0, h = 0;  // plot area, SVG units
};

double legend_item_width(const LegendItem& item) {
  return 18 + 6 + text_width(item.name, kFontLabel) + 18;
}

// Legend items flow left to right and wrap; returns the rows needed within `width`.
int legend_rows(const std::vector<LegendItem>& items, double width) {
  if (items.empty()) return 0;
  int rows = 1;
  double x = 0;
  for (const auto& item : items) {
    double w = legend_item_width(item);
    if (x > 0 && x + w > width) {
      ++rows;
      x = 0;
    }
    x += w;
  }
  return rows;
}

void draw_legend(std::string& out, const std::vector<LegendItem>& items, double x0, double y0,
                 double width) {
  double x = 0, y = y0;
  for (const auto& item : items) {
    double w = legend_item_width(item);
    if (x > 0 && x + w > width) {
      x = 0;
      y += kLegendRow;
    }
    double sx = x0 + x, cy = y + kLegendRow / 2;
    const std::string colour = escape(item.colour);
    switch (item.swatch) {
      case Swatch::Box:
        out += fmt::format(R"(<rect x="{}" y="{}" width="14" height="11" rx="2" fill="{}"/>)",
                           coord(sx), coord(cy - 5.5), colour);
        break;
      case Swatch::Line:
        out += fmt::format(
            R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>)",
                           coord(sx), coord(cy), coord(sx + 18), coord(cy), colour,
                           item.emphasis ? 3.5 : 2);
        break;
      case Swatch::Dot:
        out += fmt::format(R"(<circle cx="{}" cy="{}" r="{}" fill="{}"{}/>)", coord(sx + 7),
                           coord(cy), item.emphasis ? 6 : 4.5, colour,
                           item.emphasis ? R"( stroke="#1f2933" stroke-width="1.2")" : "");
        break;
    }
    out += fmt::format(R"(<text x="{}" y="{}" dominant-baseline="central"{}>{}</text>)",
                       coord(sx + 24), coord(cy), item.emphasis ? R"( font-weight="600")" : "",
                       escape(item.name));
    x += w;
  }
}

std::string open_svg(double w, double h, const std::string& label) {
  return fmt::format(
      R"(<svg viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">)", coord(w),
      coord(h), coord(w), coord(h), escape(label));
}

// Horizontal gridlines, y tick labels, the y axis line and its rotated title.
void draw_y_axis(std::string& out, const Plot& p, const Axis& a, const std::string& title) {
  for (double t : a.ticks) {
    double y = p.y + p.h * (1 - a.fraction(t));
    out += fmt::format(R"(<line class="gridline" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(p.x),
                       coord(y), coord(p.x + p.w), coord(y));
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="end" )"
                       R"(dominant-baseline="central">{}</text>)",
                       coord(p.x - 7), coord(y), escape(tick_label(a, t)));
  }
  out += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(p.x),
                     coord(p.y), coord(p.x), coord(p.y + p.h));
  double cx = 14, cy = p.y + p.h / 2;
  out += fmt::format(
      R"~(<text class="axis-title" x="{}" y="{}" text-anchor="middle" )~"
      R"~(dominant-baseline="central" transform="rotate(-90 {} {})">{}</text>)~",
      coord(cx), coord(cy), coord(cx), coord(cy), escape(title));
}

// x axis line, ticks and labels for a numeric axis; `inset` keeps points off the plot edges.
void draw_x_axis(std::string& out, const Plot& p, const Axis& a, double inset,
                 const std::string& title) {
  double bottom = p.y + p.h;
  out += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(p.x),
                     coord(bottom), coord(p.x + p.w), coord(bottom));
  for (double t : a.ticks) {
    double x = p.x + inset + (p.w - 2 * inset) * a.fraction(t);
    out += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(x),
                       coord(bottom), coord(x), coord(bottom + 5));
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>)",
                       coord(x), coord(bottom + 18), escape(tick_label(a, t)));
  }
  out += fmt::format(R"(<text class="axis-title" x="{}" y="{}" text-anchor="middle">{}</text>)",
                     coord(p.x + p.w / 2), coord(bottom + 38), escape(title));
}

double legend_top_margin(const std::vector<LegendItem>& legend, double width) {
  return 10 + kLegendRow * legend_rows(legend, width) + 10;
}


// The y of value v on axis a in plot p (SVG y grows downwards).
double y_at(const Plot& p, const Axis& a, double v) { return p.y + p.h * (1 - a.fraction(v)); }

// The svg element with its legend on top and its y axis: what every chart starts with.
std::string chart_frame(double width, double height, const std::string& label,
                        const std::vector<LegendItem>& legend, const Plot& p, const Axis& ya,
                        const std::string& y_title) {
  std::string out = open_svg(width, height, label);
  draw_legend(out, legend, p.x, 8, p.w);
  draw_y_axis(out, p, ya, y_title);
  return out;
}

// ---- bar chart --------------------------------------------------------------------------------

// The range of the finite values with 0 in it (bars grow from 0); false when none is finite.
bool bar_range(const std::vector<BarSeries>& series, double& vmin, double& vmax) {
  vmin = 0;
  vmax = 0;
  bool any = false;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) {
        any = true;
        vmin = std::min(vmin, v);
        vmax = std::max(vmax, v);
      }
  return any;
}

// Where a bar chart's parts go.
struct BarLayout {
  Plot p;
  double height = 0;
  double group_w = 0;                // width of one cluster
  double bar_w = 0, gap = 0;         // one bar, and the gap between neighbours
  double y0 = 0;                     // y of the value 0
  bool rotate = false;               // x labels at -35 degrees
  std::vector<std::string> shown;    // group labels as drawn (long ones cut)
};

// Margins from the tick labels, the legend and the group labels: labels that do not fit their
// cluster are rotated, which needs room to the left (the first one) and below.
BarLayout bar_layout(const Axis& ya, const std::vector<LegendItem>& legend,
                     const std::vector<std::string>& groups,
                     const std::vector<std::string>& sublabels, std::size_t n_series,
                     double width) {
  BarLayout l;
  // Labels longer than this are cut with an ellipsis (the bar tooltips keep the full text).
  constexpr std::size_t kMaxLabel = 22;
  for (const auto& g : groups) l.shown.push_back(truncate_utf8(g, kMaxLabel));
  double left = 14 + 10 + widest_tick(ya) + 10;
  const double right = 14;
  double widest_label = 0;
  for (const auto& g : l.shown) widest_label = std::max(widest_label, text_width(g, kFontLabel));
  l.rotate = widest_label > (width - left - right) / dbl(groups.size()) - 8;
  if (l.rotate) {
    // A label rotated by -35 degrees reaches cos(35) of its width left of its group centre:
    // make room for the first one.
    double first_reach = widest_label * 0.82 - (width - left - right) / dbl(groups.size()) / 2;
    left = std::max(left, first_reach + 8);
  }
  const double plot_w = width - left - right;
  const double top = legend_top_margin(legend, plot_w);
  l.group_w = plot_w / dbl(groups.size());
  const bool has_sub = std::any_of(sublabels.begin(), sublabels.end(),
                                   [](const std::string& s) { return !s.empty(); });
  // Rotated labels at -35 degrees need sin(35) of their width below the axis.
  const double label_band = l.rotate ? 12 + widest_label * 0.58 + 6 : 20;
  const double sub_band = has_sub && !l.rotate ? 15 : 0;
  const double bottom = label_band + sub_band + 28;
  l.height = std::max(kChartH, top + 160 + bottom);
  l.p = Plot{left, top, plot_w, l.height - top - bottom};
  l.bar_w = std::min(l.group_w * 0.8 / dbl(n_series), 46.0);
  l.gap = l.bar_w > 6 ? 1.5 : 0.0;
  l.y0 = y_at(l.p, ya, 0);
  return l;
}

// The bars of group g, one per series with a value there, each with a tooltip and, when it fits
// on the bar, its value above it.
void draw_bars(std::string& out, const BarLayout& l, const Axis& ya,
               const std::vector<BarSeries>& series, const std::string& group, std::size_t g) {
  const double gx = l.p.x + l.group_w * dbl(g);
  const double start = gx + (l.group_w - l.bar_w * dbl(series.size())) / 2;
  for (std::size_t s = 0; s < series.size(); ++s) {
    double v = g < series[s].values.size() ? series[s].values[g] : kNaN;
    if (!std::isfinite(v)) continue;
    double x = start + l.bar_w * dbl(s);
    double yv = y_at(l.p, ya, v);
    double y = std::min(yv, l.y0), h = std::max(std::fabs(l.y0 - yv), 0.5);
    out += fmt::format(
        R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}">)"
        R"(<title>{} · {}: {}</title></rect>)",
        coord(x + l.gap / 2), coord(y), coord(l.bar_w - l.gap), coord(h), escape(series[s].colour),
        escape(series[s].name), escape(group), escape(format_short(v)));
    std::string vl = format_short(v);
    if (l.bar_w - l.gap >= text_width(vl, 10) + 2)
      out += fmt::format(R"(<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>)",
                         coord(x + l.bar_w / 2), coord(y - 4), escape(vl));
  }
}

// The label of group g under the axis, rotated or with its sublabel under it.
void draw_group_label(std::string& out, const BarLayout& l, const std::string& sublabel,
                      std::size_t g) {
  const double cx = l.p.x + l.group_w * dbl(g) + l.group_w / 2, base = l.p.y + l.p.h;
  if (l.rotate) {
    out += fmt::format(
        R"~(<text x="{}" y="{}" text-anchor="end" transform="rotate(-35 {} {})">{}</text>)~",
        coord(cx + 4), coord(base + 14), coord(cx + 4), coord(base + 14), escape(l.shown[g]));
    return;
  }
  out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", coord(cx),
                     coord(base + 17), escape(l.shown[g]));
  if (!sublabel.empty())
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>)",
                       coord(cx), coord(base + 32), escape(sublabel));
}

// ---- line chart -------------------------------------------------------------------------------

// The bounding box of a set of points.
struct Extent {
  double xmin = 0, xmax = 0, ymin = 0, ymax = 0;

  void add(double x, double y, bool first) {
    if (first) {
      xmin = xmax = x;
      ymin = ymax = y;
    }
    xmin = std::min(xmin, x);
    xmax = std::max(xmax, x);
    ymin = std::min(ymin, y);
    ymax = std::max(ymax, y);
  }
};

// A value axis over [ymin, ymax] with `pad` of the range as headroom on both sides; it does not
// go below 0 for values that do not (metrics and objectives are not negative).
Axis padded_value_axis(double ymin, double ymax, double pad_fraction) {
  double pad = (ymax - ymin) * pad_fraction;
  double lo = ymin - pad;
  if (ymin >= 0 && lo < 0) lo = 0;
  return linear_axis(lo, ymax + pad, true);
}

// The plot area of a line or scatter chart (`height` gets the chart's height).
Plot xy_plot(const Axis& ya, const std::vector<LegendItem>& legend, double width,
             double& height) {
  const double left = 14 + 10 + widest_tick(ya) + 10;
  const double right = 18;
  const double plot_w = width - left - right;
  const double top = legend_top_margin(legend, plot_w);
  const double bottom = 52;
  height = std::max(kChartH, top + 160 + bottom);
  return Plot{left, top, plot_w, height - top - bottom};
}

// Epochs: integer ticks inside the range, the first epoch labelled when the first nice tick is
// well past it.
Axis epoch_axis(double xmin, double xmax) {
  if (xmax == xmin) {
    xmin -= 1;
    xmax += 1;
  }
  Axis xa = linear_axis(xmin, xmax, false, 1.0);
  if (xmin == std::floor(xmin) && !xa.ticks.empty() && xa.ticks.front() - xmin >= 0.5 * xa.step)
    xa.ticks.insert(xa.ticks.begin(), xmin);
  return xa;
}

// SVG coordinates of data values: x between the plot edges less `inset`, y as y_at.
struct Mapping {
  const Plot& p;
  const Axis& xa;
  const Axis& ya;
  double inset = 0;

  [[nodiscard]] double x(double v) const {
    return p.x + inset + (p.w - 2 * inset) * xa.fraction(v);
  }
  [[nodiscard]] double y(double v) const { return y_at(p, ya, v); }
};

// One series: its path, a dot per point when there are few and the line is opaque, and the
// marked point drawn larger.
void draw_line_series(std::string& out, const LineSeries& s, const Mapping& m) {
  std::string path;
  for (auto [x, y] : s.points)
    path += fmt::format("{}{},{}", path.empty() ? "M" : " L", coord(m.x(x)), coord(m.y(y)));
  out += fmt::format(
      R"(<path d="{}" fill="none" stroke="{}" stroke-width="{}" stroke-opacity="{}" )"
      R"(stroke-linejoin="round"><title>{}</title></path>)",
      path, escape(s.colour), s.stroke, s.opacity, escape(s.name));
  if (s.points.size() <= 40 && s.opacity >= 0.99) {
    for (auto [x, y] : s.points)
      out += fmt::format(
          R"(<circle cx="{}" cy="{}" r="2.6" fill="{}"><title>{} · {}: {}</title></circle>)",
          coord(m.x(x)), coord(m.y(y)), escape(s.colour), escape(s.name),
          escape(format_count(x)), escape(fmt::format("{:.6g}", y)));
  }
  if (!s.marked_x) return;
  for (auto [x, y] : s.points)
    if (x == *s.marked_x)
      out += fmt::format(
          R"(<circle cx="{}" cy="{}" r="5.5" fill="{}" stroke="#fff" stroke-width="1.5">)"
          R"(<title>{} · best epoch {}: {}</title></circle>)",
          coord(m.x(x)), coord(m.y(y)), escape(s.colour), escape(s.name),
          escape(format_count(x)), escape(fmt::format("{:.6g}", y)));
}

// ---- scatter ----------------------------------------------------------------------------------

// Few distinct x values (factors 32, 64, 128): tick exactly those when their labels fit. The
// ticks are the data then, so the axis may end at them (a log axis need not reach the next
// decade); the inset keeps the end points off the frame.
void use_exact_ticks(const std::vector<ScatterPoint>& points, const Plot& p, Axis& xa,
                     double& inset) {
  std::set<double> distinct;
  for (const auto& pt : points) distinct.insert(pt.x);
  if (distinct.size() > 8) return;
  double widest = 0, closest = std::numeric_limits<double>::infinity(), prev = kNaN;
  for (double v : distinct) {
    widest = std::max(widest, text_width(fmt::format("{:g}", v), kFontTick));
    double x = (p.w - 2 * inset) * xa.fraction(v);
    if (std::isfinite(prev)) closest = std::min(closest, x - prev);
    prev = x;
  }
  if (!(closest >= widest + 8)) return;
  xa.ticks.assign(distinct.begin(), distinct.end());
  xa.exact = true;
  xa.lo = *distinct.begin();
  xa.hi = *distinct.rbegin();
  inset = 16;
}

// The points, the best one last (on top) and larger.
void draw_scatter_points(std::string& out, const std::vector<ScatterPoint>& points,
                         const Mapping& m) {
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& pt : points) {
      if (pt.best != (pass == 1)) continue;
      if (pt.best)
        out += fmt::format(
            R"(<circle cx="{}" cy="{}" r="6.5" fill="{}" stroke="#1f2933" stroke-width="1.2">)"
            R"(<title>{}</title></circle>)",
            coord(m.x(pt.x)), coord(m.y(pt.y)), kPopularityColour, escape(pt.tip));
      else
        out += fmt::format(
            R"(<circle cx="{}" cy="{}" r="4.5" fill="{}" fill-opacity="0.7" stroke="{}" )"
            R"(stroke-width="0.8"><title>{}</title></circle>)",
            coord(m.x(pt.x)), coord(m.y(pt.y)), kHighlight, kHighlight, escape(pt.tip));
    }
  }
}

}  // namespace

std::string bar_chart(const std::string& label, const std::vector<std::string>& groups,
                      const std::vector<std::string>& sublabels,
                      const std::vector<BarSeries>& series, const std::string& x_title,
                      const std::string& y_title, double width) {
  double vmin = 0, vmax = 0;
  if (!bar_range(series, vmin, vmax) || groups.empty() || series.empty()) return {};
  // Headroom above the tallest bar for its value label.
  const Axis ya = vmax == vmin ? linear_axis(vmin, vmin + 1, true)
                               : linear_axis(vmin, vmax + (vmax - vmin) * 0.08, true);
  std::vector<LegendItem> legend;
  for (const auto& s : series) legend.push_back({s.name, s.colour, Swatch::Box, false});
  const BarLayout l = bar_layout(ya, legend, groups, sublabels, series.size(), width);

  std::string out = chart_frame(width, l.height, label, legend, l.p, ya, y_title);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    draw_bars(out, l, ya, series, groups[g], g);
    draw_group_label(out, l, g < sublabels.size() ? sublabels[g] : std::string(), g);
  }
  out += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(l.p.x),
                     coord(l.y0), coord(l.p.x + l.p.w), coord(l.y0));
  out += fmt::format(R"(<text class="axis-title" x="{}" y="{}" text-anchor="middle">{}</text>)",
                     coord(l.p.x + l.p.w / 2), coord(l.height - 10), escape(x_title));
  out += "</svg>";
  return out;
}

std::string line_chart(const std::string& label, const std::vector<LineSeries>& series,
                       const std::vector<LegendItem>& legend, const std::string& x_title,
                       const std::string& y_title, double width) {
  Extent e;
  bool any = false;
  for (const auto& s : series)
    for (auto [x, y] : s.points) {
      e.add(x, y, !any);
      any = true;
    }
  if (!any) return {};
  const Axis xa = epoch_axis(e.xmin, e.xmax);
  // Leave headroom below and above the data so lines do not run along the frame.
  const Axis ya = padded_value_axis(e.ymin, e.ymax, 0.05);
  double height = 0;
  const Plot p = xy_plot(ya, legend, width, height);

  std::string out = chart_frame(width, height, label, legend, p, ya, y_title);
  draw_x_axis(out, p, xa, 0, x_title);
  // Draw faint series first so the emphasised ones sit on top.
  std::vector<std::size_t> order(series.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return series[a].stroke < series[b].stroke;
  });
  const Mapping m{p, xa, ya, 0};
  for (std::size_t i : order)
    if (!series[i].points.empty()) draw_line_series(out, series[i], m);
  out += "</svg>";
  return out;
}

std::string scatter_chart(const std::string& label, const std::vector<ScatterPoint>& points,
                          const std::vector<LegendItem>& legend, bool log_x,
                          const std::string& x_title, const std::string& y_title, double width) {
  if (points.empty()) return {};
  Extent e;
  for (const auto& pt : points) e.add(pt.x, pt.y, &pt == &points.front());
  Axis xa = log_x ? log_axis(e.xmin, e.xmax) : linear_axis(e.xmin, e.xmax, false);
  const Axis ya = padded_value_axis(e.ymin, e.ymax, 0.08);
  double height = 0;
  const Plot p = xy_plot(ya, legend, width, height);
  double inset = log_x ? 6 : 16;
  use_exact_ticks(points, p, xa, inset);

  std::string out = chart_frame(width, height, label, legend, p, ya, y_title);
  draw_x_axis(out, p, xa, inset, x_title + (log_x ? " (log scale)" : ""));
  draw_scatter_points(out, points, Mapping{p, xa, ya, inset});
  out += "</svg>";
  return out;
}

}  // namespace tailor::charts
