// HTML report: header, metric tables and inline SVG charts for an evaluation or a sweep result.
//
// Everything is drawn here with plain string building: no script, no external font or stylesheet,
// so the file renders the same offline. Text width is estimated from the character count (the
// page uses the system sans-serif font), which is enough to lay out legends, margins and to
// decide when x labels must be rotated. Every value read from the JSON is checked for type;
// a missing or malformed optional part leaves its chart or row out.
#include "host/report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Chart geometry in SVG user units (CSS pixels at 100%). Two charts side by side fit the
// 1180 px content width; a wide chart spans both columns.
constexpr double kChartW = 560.0;
constexpr double kWideW = 1140.0;
constexpr double kChartH = 330.0;
constexpr double kFontTick = 11.0;
constexpr double kFontLabel = 12.0;
constexpr double kLegendRow = 18.0;

// Fixed colours so a series keeps its colour across every chart of a report. The trained
// model(s) take the strong blue first; baselines have their own hues; random is grey.
constexpr const char* kModelColours[] = {"#1f5fbf", "#c0392b", "#7b4fb8", "#14919b", "#b8860b"};
constexpr const char* kPopularityColour = "#e8871e";
constexpr const char* kBuyAgainColour = "#2e9e5b";
constexpr const char* kRandomColour = "#8c96a0";
// Distinct hues for many lines (trial curves, several metrics); blue excluded so the
// highlighted series stands out.
constexpr const char* kPalette[] = {"#e8871e", "#2e9e5b", "#c0392b", "#7b4fb8", "#14919b",
                                    "#8c564b", "#d6609f", "#7f7f1f", "#5c6bc0", "#b8860b"};
constexpr const char* kHighlight = "#1f5fbf";

const std::vector<std::string> kBaselineOrder = {"popularity", "buy_again", "random"};
// Metric families in reading order; unknown families follow alphabetically.
const std::vector<std::string> kFamilyOrder = {"precision", "recall",   "ndcg",     "map",
                                               "hit_rate",  "mrr",      "coverage", "popularity"};
// Hyper-parameters in the order people think of them; unknown ones follow alphabetically.
const std::vector<std::string> kParamOrder = {"factors", "regularization", "alpha", "iterations",
                                              "cg_steps"};

template <class T>
double dbl(T v) {
  return static_cast<double>(v);
}

// ---- JSON access that never throws -----------------------------------------------------------

const json* member(const json& j, const std::string& key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::optional<double> number(const json* j) {
  if (j == nullptr || !j->is_number()) return std::nullopt;
  double v = j->get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<double> number_at(const json& j, const std::string& key) {
  return number(member(j, key));
}

std::string string_at(const json& j, const std::string& key) {
  const json* v = member(j, key);
  if (v == nullptr) return {};
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number() || v->is_boolean()) return v->dump();
  return {};
}

const json* object_at(const json& j, const std::string& key) {
  const json* v = member(j, key);
  return v != nullptr && v->is_object() ? v : nullptr;
}

const json* array_at(const json& j, const std::string& key) {
  const json* v = member(j, key);
  return v != nullptr && v->is_array() ? v : nullptr;
}

// ---- text ------------------------------------------------------------------------------------

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

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
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

// 350000 -> "350,000"; non-integers keep up to 6 significant digits.
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

std::string format_param(const json& v) {
  if (v.is_number()) {
    double d = v.get<double>();
    if (d == std::floor(d) && std::fabs(d) < 1e15) return format_count(d);
    return fmt::format("{:g}", d);
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

std::string format_seconds(double s) {
  return s < 10 ? fmt::format("{:.2f} s", s) : fmt::format("{:.1f} s", s);
}

// Metric values in tables: ranking metrics to 4 decimals, popularity (a mean count) to 1.
std::string format_metric(const std::string& family, double v) {
  if (family == "popularity" || std::fabs(v) >= 100) return fmt::format("{:.1f}", v);
  return fmt::format("{:.4f}", v);
}

// Short value labels drawn on bars.
std::string format_short(double v) {
  double a = std::fabs(v);
  if (a >= 100) return fmt::format("{:.0f}", v);
  if (a >= 10) return fmt::format("{:.1f}", v);
  return fmt::format("{:.3f}", v);
}

std::string coord(double v) { return fmt::format("{:.1f}", v); }

// ---- metric keys ("recall@20") ---------------------------------------------------------------

struct MetricKey {
  std::string key;
  std::string family;
  int k = -1;  // -1: the key has no "@k" suffix
};

MetricKey parse_metric(const std::string& key) {
  MetricKey m{key, key, -1};
  auto at = key.rfind('@');
  if (at != std::string::npos && at + 1 < key.size()) {
    std::string tail = key.substr(at + 1);
    if (std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        tail.size() < 9) {
      m.family = key.substr(0, at);
      m.k = std::stoi(tail);
    }
  }
  return m;
}

std::size_t order_index(const std::vector<std::string>& order, const std::string& name) {
  auto it = std::find(order.begin(), order.end(), name);
  return static_cast<std::size_t>(it - order.begin());
}

bool metric_less(const MetricKey& a, const MetricKey& b) {
  auto ia = order_index(kFamilyOrder, a.family), ib = order_index(kFamilyOrder, b.family);
  if (ia != ib) return ia < ib;
  if (a.family != b.family) return a.family < b.family;
  return a.k < b.k;
}

// The numeric metric keys found in any of `objects`, in family then k order.
std::vector<MetricKey> metric_keys(const std::vector<const json*>& objects) {
  std::set<std::string> seen;
  std::vector<MetricKey> keys;
  for (const json* o : objects) {
    if (o == nullptr || !o->is_object()) continue;
    for (auto it = o->begin(); it != o->end(); ++it) {
      if (!number(&it.value())) continue;
      if (seen.insert(it.key()).second) keys.push_back(parse_metric(it.key()));
    }
  }
  std::sort(keys.begin(), keys.end(), metric_less);
  return keys;
}

std::vector<std::string> ordered_names(const json& obj, const std::vector<std::string>& order) {
  std::vector<std::string> names;
  if (!obj.is_object()) return names;
  for (auto it = obj.begin(); it != obj.end(); ++it) names.push_back(it.key());
  std::stable_sort(names.begin(), names.end(), [&](const std::string& a, const std::string& b) {
    return order_index(order, a) < order_index(order, b);
  });
  return names;
}

bool is_baseline(const std::string& name) {
  return std::find(kBaselineOrder.begin(), kBaselineOrder.end(), name) != kBaselineOrder.end();
}

// Trained models first (as listed), then the baselines in a fixed order.
std::vector<std::string> model_order(const json& models) {
  std::vector<std::string> out;
  if (!models.is_object()) return out;
  for (auto it = models.begin(); it != models.end(); ++it)
    if (!is_baseline(it.key())) out.push_back(it.key());
  for (const auto& b : kBaselineOrder)
    if (models.contains(b)) out.push_back(b);
  return out;
}

std::string model_colour(const std::string& name, std::size_t model_index) {
  if (name == "popularity") return kPopularityColour;
  if (name == "buy_again") return kBuyAgainColour;
  if (name == "random") return kRandomColour;
  return kModelColours[model_index % std::size(kModelColours)];
}

// Colour of each name in `names` (model_order output): trained models cycle through the
// model colours, baselines keep theirs.
std::vector<std::string> model_colours(const std::vector<std::string>& names) {
  std::vector<std::string> out;
  std::size_t models = 0;
  for (const auto& n : names) out.push_back(model_colour(n, is_baseline(n) ? 0 : models++));
  return out;
}

std::set<int> k_values(const json& result, const std::vector<MetricKey>& keys) {
  std::set<int> ks;
  if (const json* k = array_at(result, "k")) {
    for (const auto& v : *k)
      if (auto d = number(&v); d && *d >= 1 && *d < 1e9) ks.insert(static_cast<int>(*d));
  }
  if (ks.empty())
    for (const auto& m : keys)
      if (m.k > 0) ks.insert(m.k);
  return ks;
}

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

enum class Swatch { Box, Line, Dot };

struct LegendItem {
  std::string name;
  std::string colour;
  Swatch swatch = Swatch::Box;
  bool emphasis = false;
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
        out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>)",
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
    out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="end" dominant-baseline="central">{}</text>)",
                       coord(p.x - 7), coord(y), escape(tick_label(a, t)));
  }
  out += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(p.x),
                     coord(p.y), coord(p.x), coord(p.y + p.h));
  double cx = 14, cy = p.y + p.h / 2;
  out += fmt::format(
      R"~(<text class="axis-title" x="{}" y="{}" text-anchor="middle" dominant-baseline="central" transform="rotate(-90 {} {})">{}</text>)~",
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

// ---- bar chart -------------------------------------------------------------------------------

struct BarSeries {
  std::string name;
  std::string colour;
  std::vector<double> values;  // one per group; NaN where missing
};

// Grouped bars: one cluster per group, one bar per series. Returns "" when there is no value.
std::string bar_chart(const std::string& label, const std::vector<std::string>& groups,
                      const std::vector<std::string>& sublabels,
                      const std::vector<BarSeries>& series, const std::string& x_title,
                      const std::string& y_title, double width) {
  double vmin = 0, vmax = 0;
  bool any = false;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) {
        any = true;
        vmin = std::min(vmin, v);
        vmax = std::max(vmax, v);
      }
  if (!any || groups.empty() || series.empty()) return {};
  // Headroom above the tallest bar for its value label.
  Axis ya = vmax == vmin ? linear_axis(vmin, vmin + 1, true)
                         : linear_axis(vmin, vmax + (vmax - vmin) * 0.08, true);

  std::vector<LegendItem> legend;
  for (const auto& s : series) legend.push_back({s.name, s.colour, Swatch::Box, false});

  // Labels longer than this are cut with an ellipsis (the bar tooltips keep the full text).
  constexpr std::size_t kMaxLabel = 22;
  std::vector<std::string> shown;
  for (const auto& g : groups)
    shown.push_back(truncate_utf8(g, kMaxLabel));
  double left = 14 + 10 + widest_tick(ya) + 10;
  const double right = 14;
  double widest_label = 0;
  for (const auto& g : shown) widest_label = std::max(widest_label, text_width(g, kFontLabel));
  bool rotate = widest_label > (width - left - right) / dbl(groups.size()) - 8;
  if (rotate) {
    // A label rotated by -35 degrees reaches cos(35) of its width left of its group centre:
    // make room for the first one.
    double first_reach = widest_label * 0.82 - (width - left - right) / dbl(groups.size()) / 2;
    left = std::max(left, first_reach + 8);
  }
  const double plot_w = width - left - right;
  const double top = legend_top_margin(legend, plot_w);
  const double group_w = plot_w / dbl(groups.size());
  const bool has_sub = std::any_of(sublabels.begin(), sublabels.end(),
                                   [](const std::string& s) { return !s.empty(); });
  // Rotated labels at -35 degrees need sin(35) of their width below the axis.
  const double label_band = rotate ? 12 + widest_label * 0.58 + 6 : 20;
  const double sub_band = has_sub && !rotate ? 15 : 0;
  const double bottom = label_band + sub_band + 28;
  const double height = std::max(kChartH, top + 160 + bottom);
  Plot p{left, top, plot_w, height - top - bottom};

  std::string out = open_svg(width, height, label);
  draw_legend(out, legend, p.x, 8, p.w);
  draw_y_axis(out, p, ya, y_title);

  const double ns = dbl(series.size());
  const double bar_w = std::min(group_w * 0.8 / ns, 46.0);
  const double gap = bar_w > 6 ? 1.5 : 0.0;
  const double y0 = p.y + p.h * (1 - ya.fraction(0));
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double gx = p.x + group_w * dbl(g);
    const double start = gx + (group_w - bar_w * ns) / 2;
    for (std::size_t s = 0; s < series.size(); ++s) {
      double v = g < series[s].values.size() ? series[s].values[g] : kNaN;
      if (!std::isfinite(v)) continue;
      double x = start + bar_w * dbl(s);
      double yv = p.y + p.h * (1 - ya.fraction(v));
      double y = std::min(yv, y0), h = std::max(std::fabs(y0 - yv), 0.5);
      out += fmt::format(
          R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{} · {}: {}</title></rect>)",
          coord(x + gap / 2), coord(y), coord(bar_w - gap), coord(h), escape(series[s].colour),
          escape(series[s].name), escape(groups[g]), escape(format_short(v)));
      std::string vl = format_short(v);
      if (bar_w - gap >= text_width(vl, 10) + 2)
        out += fmt::format(R"(<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>)",
                           coord(x + bar_w / 2), coord(y - 4), escape(vl));
    }
    const double cx = gx + group_w / 2, base = p.y + p.h;
    if (rotate) {
      out += fmt::format(
          R"~(<text x="{}" y="{}" text-anchor="end" transform="rotate(-35 {} {})">{}</text>)~",
          coord(cx + 4), coord(base + 14), coord(cx + 4), coord(base + 14), escape(shown[g]));
    } else {
      out += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", coord(cx),
                         coord(base + 17), escape(shown[g]));
      if (g < sublabels.size() && !sublabels[g].empty())
        out += fmt::format(R"(<text class="tick" x="{}" y="{}" text-anchor="middle">{}</text>)",
                           coord(cx), coord(base + 32), escape(sublabels[g]));
    }
  }
  out += fmt::format(R"(<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"/>)", coord(p.x),
                     coord(y0), coord(p.x + p.w), coord(y0));
  out += fmt::format(R"(<text class="axis-title" x="{}" y="{}" text-anchor="middle">{}</text>)",
                     coord(p.x + p.w / 2), coord(height - 10), escape(x_title));
  out += "</svg>";
  return out;
}

// ---- line chart ------------------------------------------------------------------------------

struct LineSeries {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
  double stroke = 2;
  double opacity = 1;
  std::optional<double> marked_x;  // a point drawn larger (the best epoch)
};

std::string line_chart(const std::string& label, const std::vector<LineSeries>& series,
                       const std::vector<LegendItem>& legend, const std::string& x_title,
                       const std::string& y_title, double width) {
  double xmin = 0, xmax = 0, ymin = 0, ymax = 0;
  bool any = false;
  for (const auto& s : series)
    for (auto [x, y] : s.points) {
      if (!any) {
        xmin = xmax = x;
        ymin = ymax = y;
        any = true;
      }
      xmin = std::min(xmin, x);
      xmax = std::max(xmax, x);
      ymin = std::min(ymin, y);
      ymax = std::max(ymax, y);
    }
  if (!any) return {};
  if (xmax == xmin) {
    xmin -= 1;
    xmax += 1;
  }
  Axis xa = linear_axis(xmin, xmax, false, 1.0);
  // Epochs start at 1: label the first one when the first nice tick is well past it.
  if (xmin == std::floor(xmin) && !xa.ticks.empty() && xa.ticks.front() - xmin >= 0.5 * xa.step)
    xa.ticks.insert(xa.ticks.begin(), xmin);
  // Leave headroom below and above the data so lines do not run along the frame.
  double pad = (ymax - ymin) * 0.05;
  double lo = ymin - pad;
  if (ymin >= 0 && lo < 0) lo = 0;  // metrics and objectives are not negative
  Axis ya = linear_axis(lo, ymax + pad, true);

  const double left = 14 + 10 + widest_tick(ya) + 10;
  const double right = 18;
  const double plot_w = width - left - right;
  const double top = legend_top_margin(legend, plot_w);
  const double bottom = 52;
  const double height = std::max(kChartH, top + 160 + bottom);
  Plot p{left, top, plot_w, height - top - bottom};

  std::string out = open_svg(width, height, label);
  draw_legend(out, legend, p.x, 8, p.w);
  draw_y_axis(out, p, ya, y_title);
  draw_x_axis(out, p, xa, 0, x_title);

  auto px = [&](double x) { return p.x + p.w * xa.fraction(x); };
  auto py = [&](double y) { return p.y + p.h * (1 - ya.fraction(y)); };
  // Draw faint series first so the emphasised ones sit on top.
  std::vector<std::size_t> order(series.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return series[a].stroke < series[b].stroke; });
  for (std::size_t i : order) {
    const auto& s = series[i];
    if (s.points.empty()) continue;
    std::string path;
    for (auto [x, y] : s.points) path += fmt::format("{}{},{}", path.empty() ? "M" : " L", coord(px(x)), coord(py(y)));
    out += fmt::format(
        R"(<path d="{}" fill="none" stroke="{}" stroke-width="{}" stroke-opacity="{}" stroke-linejoin="round"><title>{}</title></path>)",
        path, escape(s.colour), s.stroke, s.opacity, escape(s.name));
    if (s.points.size() <= 40 && s.opacity >= 0.99) {
      for (auto [x, y] : s.points)
        out += fmt::format(R"(<circle cx="{}" cy="{}" r="2.6" fill="{}"><title>{} · {}: {}</title></circle>)",
                           coord(px(x)), coord(py(y)), escape(s.colour), escape(s.name),
                           escape(format_count(x)), escape(fmt::format("{:.6g}", y)));
    }
    if (s.marked_x) {
      for (auto [x, y] : s.points)
        if (x == *s.marked_x)
          out += fmt::format(
              R"(<circle cx="{}" cy="{}" r="5.5" fill="{}" stroke="#fff" stroke-width="1.5"><title>{} · best epoch {}: {}</title></circle>)",
              coord(px(x)), coord(py(y)), escape(s.colour), escape(s.name),
              escape(format_count(x)), escape(fmt::format("{:.6g}", y)));
    }
  }
  out += "</svg>";
  return out;
}

// ---- scatter ---------------------------------------------------------------------------------

struct ScatterPoint {
  double x = 0, y = 0;
  std::string tip;
  bool best = false;
};

std::string scatter_chart(const std::string& label, const std::vector<ScatterPoint>& points,
                          const std::vector<LegendItem>& legend, bool log_x,
                          const std::string& x_title, const std::string& y_title, double width) {
  if (points.empty()) return {};
  double xmin = points[0].x, xmax = xmin, ymin = points[0].y, ymax = ymin;
  for (const auto& pt : points) {
    xmin = std::min(xmin, pt.x);
    xmax = std::max(xmax, pt.x);
    ymin = std::min(ymin, pt.y);
    ymax = std::max(ymax, pt.y);
  }
  Axis xa = log_x ? log_axis(xmin, xmax) : linear_axis(xmin, xmax, false);
  double pad = (ymax - ymin) * 0.08;
  double lo = ymin - pad;
  if (ymin >= 0 && lo < 0) lo = 0;
  Axis ya = linear_axis(lo, ymax + pad, true);

  const double left = 14 + 10 + widest_tick(ya) + 10;
  const double right = 18;
  const double plot_w = width - left - right;
  const double top = legend_top_margin(legend, plot_w);
  const double bottom = 52;
  const double height = std::max(kChartH, top + 160 + bottom);
  Plot p{left, top, plot_w, height - top - bottom};
  double inset = log_x ? 6 : 16;
  // Few distinct values (factors 32, 64, 128): tick exactly those when their labels fit.
  {
    std::set<double> distinct;
    for (const auto& pt : points) distinct.insert(pt.x);
    if (distinct.size() <= 8) {
      double widest = 0, closest = std::numeric_limits<double>::infinity(), prev = kNaN;
      for (double v : distinct) {
        widest = std::max(widest, text_width(fmt::format("{:g}", v), kFontTick));
        double x = (p.w - 2 * inset) * xa.fraction(v);
        if (std::isfinite(prev)) closest = std::min(closest, x - prev);
        prev = x;
      }
      if (closest >= widest + 8) {
        xa.ticks.assign(distinct.begin(), distinct.end());
        xa.exact = true;
        // The ticks are the data: the axis may end at them (a log axis need not reach the
        // next decade); the inset keeps the end points off the frame.
        xa.lo = *distinct.begin();
        xa.hi = *distinct.rbegin();
        inset = 16;
      }
    }
  }

  std::string out = open_svg(width, height, label);
  draw_legend(out, legend, p.x, 8, p.w);
  draw_y_axis(out, p, ya, y_title);
  draw_x_axis(out, p, xa, inset, x_title + (log_x ? " (log scale)" : ""));

  auto px = [&](double x) { return p.x + inset + (p.w - 2 * inset) * xa.fraction(x); };
  auto py = [&](double y) { return p.y + p.h * (1 - ya.fraction(y)); };
  for (int pass = 0; pass < 2; ++pass) {  // best point last, on top
    for (const auto& pt : points) {
      if (pt.best != (pass == 1)) continue;
      if (pt.best)
        out += fmt::format(
            R"(<circle cx="{}" cy="{}" r="6.5" fill="{}" stroke="#1f2933" stroke-width="1.2"><title>{}</title></circle>)",
            coord(px(pt.x)), coord(py(pt.y)), kPopularityColour, escape(pt.tip));
      else
        out += fmt::format(
            R"(<circle cx="{}" cy="{}" r="4.5" fill="{}" fill-opacity="0.7" stroke="{}" stroke-width="0.8"><title>{}</title></circle>)",
            coord(px(pt.x)), coord(py(pt.y)), kHighlight, kHighlight, escape(pt.tip));
    }
  }
  out += "</svg>";
  return out;
}

// ---- HTML pieces -----------------------------------------------------------------------------

constexpr const char* kStyle = R"(
:root{--fg:#1f2933;--muted:#616e7c;--line:#d9dee3;--head:#f0f3f6}
*{box-sizing:border-box}
body{margin:0;background:#f4f6f8;color:var(--fg);font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:28px 20px 36px}
h1{font-size:24px;font-weight:650;margin:0 0 2px}
.sub{color:var(--muted);margin:0 0 14px}
h2{font-size:17px;font-weight:650;margin:30px 0 10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 18px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:5px 22px;margin:0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:5px 9px;text-align:right;border-bottom:1px solid #e8ebee;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:var(--head);font-weight:600;border-bottom:1px solid var(--line)}
thead tr.fam th{text-align:center;border-left:1px solid var(--line)}
thead tr.fam th:first-child{border-left:none;text-align:left}
table.dense{font-size:12px}
table.dense th,table.dense td{padding:4px 5px}
td.b{font-weight:700}
tr.best td{background:#eef4fc}
tbody tr:hover td{background:#f7f9fb}
.tag{display:inline-block;font-size:11px;line-height:16px;color:var(--muted);border:1px solid var(--line);border-radius:3px;padding:0 5px;margin-left:7px;font-weight:400}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 12px 4px}
figure.wide{grid-column:1/-1}
figcaption{font-weight:600;margin:0 0 2px 4px}
figure svg{display:block;width:100%;height:auto}
.note{color:var(--muted);font-size:12.5px;margin:8px 2px 0}
svg text{font-family:inherit;font-size:12px;fill:#3e4c59}
svg .tick{font-size:11px;fill:#616e7c}
svg .axis-title{font-weight:600;fill:#3e4c59}
svg .value{font-size:10px;fill:#3e4c59}
svg .gridline{stroke:#e6e9ed;stroke-width:1}
svg .axis{stroke:#9aa5b1;stroke-width:1}
footer{color:var(--muted);font-size:12px;margin-top:28px}
)";

std::string figure(const std::string& caption, const std::string& svg, bool wide = false,
                   const std::string& note = {}) {
  if (svg.empty()) return {};
  std::string out = wide ? R"(<figure class="wide">)" : "<figure>";
  out += "<figcaption>" + escape(caption) + "</figcaption>" + svg;
  if (!note.empty()) out += R"(<p class="note">)" + escape(note) + "</p>";
  return out + "</figure>\n";
}

std::string grid(const std::vector<std::string>& figures) {
  std::string body;
  for (const auto& f : figures) body += f;
  if (body.empty()) return {};
  return "<div class=\"grid\">\n" + body + "</div>\n";
}

struct MetaRow {
  std::string term;
  std::string value;  // plain text, escaped when written
};

std::string meta_list(const std::vector<MetaRow>& rows) {
  std::string out = "<dl class=\"meta\">\n";
  for (const auto& r : rows)
    if (!r.value.empty())
      out += "<dt>" + escape(r.term) + "</dt><dd>" + escape(r.value) + "</dd>\n";
  return out + "</dl>\n";
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& s : parts) {
    if (s.empty()) continue;
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

std::string created_at(const json& result) {
  const json* c = member(result, "created_at");
  if (c == nullptr) return {};
  if (c->is_string()) return c->get<std::string>();
  if (auto t = number(c)) {  // Unix seconds
    auto secs = static_cast<std::time_t>(*t);
    std::tm tm{};
    if (gmtime_r(&secs, &tm) == nullptr) return {};
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    return buf;
  }
  return {};
}

std::vector<MetaRow> common_meta(const json& result, const std::set<int>& ks) {
  std::vector<MetaRow> rows;
  rows.push_back({"Input", string_at(result, "input")});
  rows.push_back({"Protocol", string_at(result, "protocol")});
  std::vector<std::string> kt;
  for (int k : ks) kt.push_back(std::to_string(k));
  rows.push_back({"Cut-offs k", join(kt, ", ")});
  if (const json* split = object_at(result, "split")) {
    std::vector<std::string> parts;
    parts.push_back(string_at(*split, "spec"));
    std::string kind = string_at(*split, "kind");
    if (!kind.empty()) parts.push_back(kind + " split");
    if (auto seed = number_at(*split, "seed")) parts.push_back("seed " + format_count(*seed));
    rows.push_back({"Split", join(parts, " · ")});
    if (const json* r = object_at(*split, "rows")) {
      std::vector<std::string> rp;
      for (const auto& [key, name] : std::vector<std::pair<std::string, std::string>>{
               {"train", "train"}, {"test", "test"}, {"fold_in", "fold-in"}})
        if (auto v = number_at(*r, key)) rp.push_back(name + " " + format_count(*v));
      rows.push_back({"Rows", join(rp, " · ")});
    }
    if (auto tc = number_at(*split, "test_customers"))
      rows.push_back({"Test customers", format_count(*tc)});
  }
  return rows;
}

std::string params_text(const json* params) {
  if (params == nullptr) return {};
  std::vector<std::string> parts;
  for (const auto& name : ordered_names(*params, kParamOrder))
    parts.push_back(name + " " + format_param((*params)[name]));
  return join(parts, " · ");
}

struct TableRow {
  std::string name;
  std::string tag;  // "baseline", "best trial", ...
  const json* metrics = nullptr;
};

// Models x metrics, grouped by metric family with k in the second header row. The best value
// of each column is bold; popularity@k (mean popularity of the recommended items) is not ranked.
std::string metrics_table(const std::vector<TableRow>& rows) {
  std::vector<const json*> objects;
  for (const auto& r : rows) objects.push_back(r.metrics);
  const auto keys = metric_keys(objects);
  if (keys.empty()) return {};

  std::vector<std::pair<std::string, std::vector<MetricKey>>> families;
  for (const auto& m : keys) {
    if (families.empty() || families.back().first != m.family) families.push_back({m.family, {}});
    families.back().second.push_back(m);
  }
  // Many columns (four cut-offs, say): a denser table still fits 1200 px.
  std::string out = keys.size() > 12 ? "<div class=\"scroll\"><table class=\"dense\">\n"
                                     : "<div class=\"scroll\"><table>\n";
  out += "<thead><tr class=\"fam\"><th rowspan=\"2\">model</th>";
  for (const auto& [fam, ms] : families) {
    if (ms.size() == 1 && ms[0].k < 0)
      out += "<th rowspan=\"2\">" + escape(fam) + "</th>";
    else
      out += fmt::format("<th colspan=\"{}\">{}</th>", ms.size(), escape(fam));
  }
  out += "</tr>\n<tr>";
  for (const auto& [fam, ms] : families)
    for (const auto& m : ms)
      if (m.k >= 0) out += "<th title=\"" + escape(m.key) + "\">@" + std::to_string(m.k) + "</th>";
  out += "</tr></thead>\n<tbody>\n";

  std::map<std::string, double> best;
  for (const auto& m : keys) {
    if (m.family == "popularity") continue;
    double b = -std::numeric_limits<double>::infinity();
    double w = std::numeric_limits<double>::infinity();
    for (const auto& r : rows)
      if (r.metrics)
        if (auto v = number_at(*r.metrics, m.key)) {
          b = std::max(b, *v);
          w = std::min(w, *v);
        }
    if (b > w) best[m.key] = b;  // no bold where every row ties
  }
  for (const auto& r : rows) {
    out += "<tr><td>" + escape(r.name);
    if (!r.tag.empty()) out += "<span class=\"tag\">" + escape(r.tag) + "</span>";
    out += "</td>";
    for (const auto& m : keys) {
      std::optional<double> v = r.metrics ? number_at(*r.metrics, m.key) : std::nullopt;
      if (!v) {
        out += "<td>–</td>";
        continue;
      }
      auto b = best.find(m.key);
      bool is_best = b != best.end() && *v == b->second;
      out += std::string(is_best ? "<td class=\"b\">" : "<td>") + escape(format_metric(m.family, *v)) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table></div>\n";
  return out;
}

std::string page(const std::string& title, const std::string& body) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<main>\n";
  out += body;
  out += "<footer>Rendered by tailor " TAILOR_VERSION
         ". Self-contained: the charts are inline SVG; hover a bar or point for its value.</footer>\n";
  out += "</main>\n</body>\n</html>\n";
  return out;
}

// ---- evaluation ------------------------------------------------------------------------------

std::string render_evaluation(const json& result) {
  const json* models = object_at(result, "models");
  const std::vector<std::string> names = models ? model_order(*models) : std::vector<std::string>{};
  const std::vector<std::string> colours = model_colours(names);
  std::vector<const json*> metric_objects;
  for (const auto& n : names) metric_objects.push_back(object_at(*models, n));
  const auto keys = metric_keys(metric_objects);
  const std::set<int> ks = k_values(result, keys);
  const std::string input = string_at(result, "input");

  std::string body = "<header class=\"card\">\n<h1>Evaluation report</h1>\n";
  std::vector<std::string> trained;
  for (const auto& n : names)
    if (!is_baseline(n)) trained.push_back(n);
  body += "<p class=\"sub\">" +
          escape(join({join(trained, ", "), input.empty() ? "" : "on " + input}, " ")) + "</p>\n";
  auto meta = common_meta(result, ks);
  if (const json* c = object_at(result, "customers")) {
    std::vector<std::string> parts;
    if (auto e = number_at(*c, "evaluated")) parts.push_back(format_count(*e) + " evaluated");
    if (auto w = number_at(*c, "without_relevant"))
      parts.push_back(format_count(*w) + " without relevant items");
    meta.push_back({"Customers", join(parts, " · ")});
  }
  meta.push_back({"Parameters", params_text(object_at(result, "parameters"))});
  if (const json* t = object_at(result, "timings")) {
    std::vector<std::string> parts;
    for (const auto& name : ordered_names(*t, {"train", "score", "metrics"}))
      if (auto v = number_at(*t, name)) parts.push_back(name + " " + format_seconds(*v));
    meta.push_back({"Timings", join(parts, " · ")});
  }
  meta.push_back({"Created", created_at(result)});
  body += meta_list(meta) + "</header>\n";

  // Table of every model and metric.
  std::vector<TableRow> rows;
  for (std::size_t i = 0; i < names.size(); ++i)
    rows.push_back({names[i], is_baseline(names[i]) ? "baseline" : "", metric_objects[i]});
  std::string table = metrics_table(rows);
  if (!table.empty()) {
    body += "<h2>Metrics</h2>\n<section class=\"card\">\n" + table;
    body += "<p class=\"note\">Bold: best value in each column. popularity@k is the mean "
            "popularity of the recommended items (lower means less obvious recommendations) and "
            "is not ranked.</p>\n</section>\n";
  }

  // (a) Model against baselines for each k, one chart per metric family.
  std::vector<std::string> figs;
  for (const std::string fam : {"recall", "ndcg", "map", "hit_rate"}) {
    std::vector<std::string> groups;
    std::vector<int> gk;
    for (int k : ks) {
      groups.push_back("k = " + std::to_string(k));
      gk.push_back(k);
    }
    std::vector<BarSeries> series;
    for (std::size_t i = 0; i < names.size(); ++i) {
      BarSeries s{names[i], colours[i], {}};
      for (int k : gk) {
        auto v = metric_objects[i] ? number_at(*metric_objects[i], fam + "@" + std::to_string(k))
                                   : std::nullopt;
        s.values.push_back(v ? *v : kNaN);
      }
      series.push_back(std::move(s));
    }
    figs.push_back(figure(fam + "@k by model",
                          bar_chart(fam + " at each cut-off k, by model", groups, {}, series,
                                    "cut-off k", fam, kChartW)));
  }
  std::string section = grid(figs);
  if (!section.empty()) body += "<h2>Model against baselines</h2>\n" + section;

  // (b) Per activity bucket.
  figs.clear();
  if (const json* buckets = object_at(result, "buckets"); buckets && !ks.empty()) {
    const std::vector<std::string> bnames = model_order(*buckets);
    const std::vector<std::string> bcolours = model_colours(bnames);
    std::vector<std::string> labels, sublabels;
    std::map<std::string, std::size_t> index;
    for (const auto& n : bnames) {
      const json* list = array_at(*buckets, n);
      if (list == nullptr) continue;
      for (const auto& b : *list) {
        std::string label = string_at(b, "bucket");
        if (label.empty() || index.count(label)) continue;
        index[label] = labels.size();
        labels.push_back(label);
        auto c = number_at(b, "customers");
        sublabels.push_back(c ? "n = " + format_count(*c) : "");
      }
    }
    const std::string kmax = std::to_string(*ks.rbegin());
    for (const std::string fam : {"ndcg", "recall"}) {
      const std::string key = fam + "@" + kmax;
      std::vector<BarSeries> series;
      for (std::size_t i = 0; i < bnames.size(); ++i) {
        const json* list = array_at(*buckets, bnames[i]);
        if (list == nullptr) continue;
        BarSeries s{bnames[i], bcolours[i], std::vector<double>(labels.size(), kNaN)};
        for (const auto& b : *list) {
          auto it = index.find(string_at(b, "bucket"));
          auto v = number_at(b, key);
          if (it != index.end() && v) s.values[it->second] = *v;
        }
        series.push_back(std::move(s));
      }
      figs.push_back(figure(key + " by customer activity",
                            bar_chart(key + " per activity bucket, by model", labels, sublabels,
                                      series, "activity bucket (n = customers)", key, kChartW)));
    }
  }
  section = grid(figs);
  if (!section.empty())
    body += "<h2>By customer activity</h2>\n" + section +
            "<p class=\"note\">Test customers grouped into activity buckets as defined by the "
            "evaluation; n is the number of customers in each bucket.</p>\n";

  // (c) Training curves.
  figs.clear();
  if (const json* epochs = array_at(result, "epochs")) {
    std::vector<const json*> eobjs;
    for (const auto& e : *epochs) eobjs.push_back(&e);
    std::vector<LineSeries> metric_lines;
    std::vector<LegendItem> legend;
    std::size_t colour = 0;
    for (const auto& m : metric_keys(eobjs)) {
      if (m.key == "epoch" || m.key == "objective" || m.key == "seconds") continue;
      LineSeries s{m.key, colour == 0 ? kHighlight : kPalette[(colour - 1) % std::size(kPalette)], {}, 2, 1, std::nullopt};
      ++colour;
      for (const auto& e : *epochs) {
        auto x = number_at(e, "epoch");
        auto y = number_at(e, m.key);
        if (x && y) s.points.emplace_back(*x, *y);
      }
      if (s.points.empty()) continue;
      legend.push_back({s.name, s.colour, Swatch::Line, false});
      metric_lines.push_back(std::move(s));
    }
    figs.push_back(figure("Test metrics per epoch",
                          line_chart("test metrics per training epoch", metric_lines, legend,
                                     "epoch", "metric value", kChartW)));
    LineSeries obj{"objective", "#7b4fb8", {}, 2, 1, std::nullopt};
    for (const auto& e : *epochs) {
      auto x = number_at(e, "epoch");
      auto y = number_at(e, "objective");
      if (x && y) obj.points.emplace_back(*x, *y);
    }
    if (!obj.points.empty())
      figs.push_back(figure("Training objective per epoch",
                            line_chart("training objective per epoch", {obj},
                                       {{"objective", obj.colour, Swatch::Line, false}}, "epoch",
                                       "objective", kChartW)));
  }
  section = grid(figs);
  if (!section.empty()) body += "<h2>Training</h2>\n" + section;

  return page("tailor evaluation" + (input.empty() ? "" : " — " + input), body);
}

// ---- sweep -----------------------------------------------------------------------------------

struct Trial {
  const json* j = nullptr;
  double id = kNaN;
  double score = kNaN;
};

std::string trial_name(double id) {
  return std::isfinite(id) ? "trial " + format_count(id) : "trial ?";
}

std::string render_sweep(const json& result) {
  const std::string metric = [&] {
    std::string m = string_at(result, "metric");
    return m.empty() ? std::string("score") : m;
  }();
  const MetricKey metric_key = parse_metric(metric);
  const std::string input = string_at(result, "input");

  std::vector<Trial> trials;
  if (const json* arr = array_at(result, "trials")) {
    for (const auto& t : *arr) {
      if (!t.is_object()) continue;
      Trial tr{&t, kNaN, kNaN};
      if (auto id = number_at(t, "trial")) tr.id = *id;
      if (auto s = number_at(t, "score"))
        tr.score = *s;
      else if (const json* m = object_at(t, "metrics"))
        if (auto v = number_at(*m, metric)) tr.score = *v;
      trials.push_back(tr);
    }
  }
  std::stable_sort(trials.begin(), trials.end(), [](const Trial& a, const Trial& b) {
    if (std::isfinite(a.score) != std::isfinite(b.score)) return std::isfinite(a.score);
    return a.score > b.score;
  });

  // The best trial: the one "best" names, else the top score.
  const json* best_obj = object_at(result, "best");
  const Trial* best = nullptr;
  if (best_obj)
    if (auto id = number_at(*best_obj, "trial"))
      for (const auto& t : trials)
        if (t.id == *id) best = &t;
  if (best == nullptr && !trials.empty() && std::isfinite(trials.front().score)) best = &trials.front();
  const double best_id = best ? best->id : (best_obj ? number_at(*best_obj, "trial").value_or(kNaN) : kNaN);
  const json* best_metrics = best ? object_at(*best->j, "metrics") : nullptr;
  if (best_metrics == nullptr && best_obj) best_metrics = object_at(*best_obj, "metrics");
  const json* best_params = best_obj ? object_at(*best_obj, "params") : nullptr;
  if (best_params == nullptr && best) best_params = object_at(*best->j, "params");
  double best_score = best ? best->score : kNaN;
  if (!std::isfinite(best_score) && best_obj) best_score = number_at(*best_obj, "score").value_or(kNaN);

  const json* baselines = object_at(result, "baselines");
  std::vector<std::string> names;
  std::vector<const json*> objects;
  const std::string best_label = "best (" + trial_name(best_id) + ")";
  if (best_metrics) {
    names.push_back(best_label);
    objects.push_back(best_metrics);
  }
  if (baselines)
    for (const auto& b : model_order(*baselines)) {
      names.push_back(b);
      objects.push_back(object_at(*baselines, b));
    }
  const std::vector<std::string> colours = model_colours(names);
  const auto keys = metric_keys(objects);
  const std::set<int> ks = k_values(result, keys);

  // Header.
  std::string body = "<header class=\"card\">\n<h1>Hyper-parameter sweep report</h1>\n";
  body += "<p class=\"sub\">" +
          escape(join({fmt::format("{} trials ranked by {}", trials.size(), metric),
                       input.empty() ? "" : "on " + input},
                      " ")) +
          "</p>\n";
  auto meta = common_meta(result, ks);
  meta.push_back({"Metric", metric});
  meta.push_back({"Trials", format_count(dbl(trials.size()))});
  if (best_obj || best) {
    std::vector<std::string> parts{trial_name(best_id)};
    if (std::isfinite(best_score)) parts.push_back(metric + " " + fmt::format("{:.4f}", best_score));
    if (best_obj)
      if (auto e = number_at(*best_obj, "best_epoch")) parts.push_back("epoch " + format_count(*e));
    meta.push_back({"Best", join(parts, " · ")});
    meta.push_back({"Best parameters", params_text(best_params)});
  }
  meta.push_back({"Created", created_at(result)});
  body += meta_list(meta) + "</header>\n";

  // Best trial against baselines: table and bars.
  std::vector<TableRow> rows;
  for (std::size_t i = 0; i < names.size(); ++i)
    rows.push_back({names[i], is_baseline(names[i]) ? "baseline" : "", objects[i]});
  std::string table = metrics_table(rows);
  std::vector<std::string> groups;
  std::vector<BarSeries> series;
  for (const auto& m : keys)
    if (m.k > 0 && (m.family == "recall" || m.family == "ndcg" || m.family == "map" ||
                    m.family == "hit_rate"))
      groups.push_back(m.key);
  for (std::size_t i = 0; i < names.size(); ++i) {
    BarSeries s{names[i], colours[i], {}};
    for (const auto& g : groups) s.values.push_back(objects[i] ? number_at(*objects[i], g).value_or(kNaN) : kNaN);
    series.push_back(std::move(s));
  }
  std::string bars = figure("Best trial against baselines",
                            bar_chart("best trial against baselines", groups, {}, series, "metric",
                                      "value", kWideW),
                            true);
  if (!table.empty() || !bars.empty()) {
    body += "<h2>Best trial against baselines</h2>\n";
    if (!table.empty())
      body += "<section class=\"card\">\n" + table +
              "<p class=\"note\">Bold: best value in each column. popularity@k is the mean "
              "popularity of the recommended items and is not ranked.</p>\n</section>\n";
    if (!bars.empty()) body += "<div class=\"grid\" style=\"margin-top:16px\">\n" + bars + "</div>\n";
  }

  // (a) The metric against each hyper-parameter.
  std::vector<std::string> param_names;
  {
    std::set<std::string> seen;
    for (const auto& t : trials)
      if (const json* p = object_at(*t.j, "params"))
        for (auto it = p->begin(); it != p->end(); ++it)
          if (seen.insert(it.key()).second) param_names.push_back(it.key());
    std::stable_sort(param_names.begin(), param_names.end(), [](const std::string& a, const std::string& b) {
      auto ia = order_index(kParamOrder, a), ib = order_index(kParamOrder, b);
      return ia != ib ? ia < ib : a < b;
    });
  }
  std::vector<std::string> figs, fixed;
  for (const auto& name : param_names) {
    std::vector<ScatterPoint> points;
    std::set<double> distinct;
    std::string shown;  // the value as written, for a parameter held fixed
    for (const auto& t : trials) {
      const json* p = object_at(*t.j, "params");
      auto x = p ? number_at(*p, name) : std::nullopt;
      if (!x || !std::isfinite(t.score)) continue;
      distinct.insert(*x);
      shown = format_param((*p)[name]);
      points.push_back({*x, t.score,
                        fmt::format("{} · {} = {} · {} = {:.4f}", trial_name(t.id), name,
                                    format_param((*p)[name]), metric, t.score),
                        best != nullptr && &t == best});
    }
    if (distinct.size() < 2) {
      if (distinct.size() == 1) fixed.push_back(name + " = " + shown);
      continue;
    }
    const double lo = *distinct.begin(), hi = *distinct.rbegin();
    const bool log_x = lo > 0 && hi / lo > 10;
    std::vector<LegendItem> legend{{"trial", kHighlight, Swatch::Dot, false}};
    if (best) legend.push_back({best_label, kPopularityColour, Swatch::Dot, true});
    figs.push_back(figure(metric + " against " + name,
                          scatter_chart(metric + " against " + name, points, legend, log_x, name,
                                        metric, kChartW)));
  }
  std::string section = grid(figs);
  if (!section.empty()) {
    body += "<h2>" + escape(metric) + " against each hyper-parameter</h2>\n" + section;
    if (!fixed.empty())
      body += "<p class=\"note\">Held fixed across trials: " + escape(join(fixed, ", ")) + ".</p>\n";
  }

  // (b) The metric per epoch for each trial, the best highlighted.
  std::vector<LineSeries> lines;
  const bool few = trials.size() <= std::size(kPalette);
  std::size_t colour = 0;
  std::vector<const Trial*> by_id;
  for (const auto& t : trials) by_id.push_back(&t);
  std::stable_sort(by_id.begin(), by_id.end(), [](const Trial* a, const Trial* b) { return a->id < b->id; });
  std::vector<LegendItem> legend;
  for (const Trial* t : by_id) {
    const json* epochs = array_at(*t->j, "epochs");
    if (epochs == nullptr) continue;
    const bool is_best = t == best;
    LineSeries s{trial_name(t->id), "", {}, 2, 1, std::nullopt};
    for (const auto& e : *epochs) {
      auto x = number_at(e, "epoch");
      auto y = number_at(e, metric);
      if (x && y) s.points.emplace_back(*x, *y);
    }
    if (s.points.empty()) continue;
    if (is_best) {
      s.name += " (best)";
      s.colour = kHighlight;
      s.stroke = 3.2;
      if (auto be = number_at(*t->j, "best_epoch")) s.marked_x = *be;
    } else if (few) {
      s.colour = kPalette[colour++ % std::size(kPalette)];
      s.stroke = 1.6;
      s.opacity = 0.75;
    } else {
      s.colour = "#9aa5b1";
      s.stroke = 1.2;
      s.opacity = 0.6;
    }
    if (few || is_best) legend.push_back({s.name, s.colour, Swatch::Line, is_best});
    lines.push_back(std::move(s));
  }
  if (!few && lines.size() > 1)
    legend.push_back({fmt::format("other trials ({})", lines.size() - (best ? 1 : 0)), "#9aa5b1",
                      Swatch::Line, false});
  // The best trial first in the legend.
  std::stable_partition(legend.begin(), legend.end(), [](const LegendItem& l) { return l.emphasis; });
  std::string curves = figure(metric + " per epoch, each trial",
                              line_chart(metric + " per epoch for each trial", lines, legend,
                                         "epoch", metric, kWideW),
                              true, "The large dot marks the best trial's chosen epoch.");
  if (!curves.empty()) body += "<h2>Training curves</h2>\n<div class=\"grid\">\n" + curves + "</div>\n";

  // Trials table sorted by score.
  if (!trials.empty()) {
    std::vector<std::string> extra;  // other metrics at the chosen metric's cut-off
    {
      std::vector<const json*> mo;
      for (const auto& t : trials) mo.push_back(object_at(*t.j, "metrics"));
      for (const auto& m : metric_keys(mo))
        if (m.key != metric && m.k == metric_key.k && m.family != "popularity" && m.family != "coverage")
          extra.push_back(m.key);
    }
    std::string t = "<h2>Trials</h2>\n<section class=\"card\"><div class=\"scroll\"><table>\n<thead><tr><th>rank</th><th>trial</th>";
    for (const auto& p : param_names) t += "<th>" + escape(p) + "</th>";
    t += "<th>best epoch</th><th>" + escape(metric) + "</th>";
    for (const auto& e : extra) t += "<th>" + escape(e) + "</th>";
    t += "<th>seconds</th></tr></thead>\n<tbody>\n";
    int rank = 0;
    for (const auto& tr : trials) {
      ++rank;
      const json* p = object_at(*tr.j, "params");
      const json* m = object_at(*tr.j, "metrics");
      t += std::string(&tr == best ? "<tr class=\"best\">" : "<tr>") + "<td>" + std::to_string(rank) + "</td>";
      t += "<td>" + escape(std::isfinite(tr.id) ? format_count(tr.id) : "?") + "</td>";
      for (const auto& pn : param_names) {
        const json* v = p ? member(*p, pn) : nullptr;
        t += "<td>" + escape(v ? format_param(*v) : "–") + "</td>";
      }
      auto be = number_at(*tr.j, "best_epoch");
      t += "<td>" + escape(be ? format_count(*be) : "–") + "</td>";
      t += std::string(&tr == best ? "<td class=\"b\">" : "<td>") +
           escape(std::isfinite(tr.score) ? fmt::format("{:.4f}", tr.score) : "–") + "</td>";
      for (const auto& e : extra) {
        auto v = m ? number_at(*m, e) : std::nullopt;
        t += "<td>" + escape(v ? format_metric(parse_metric(e).family, *v) : "–") + "</td>";
      }
      auto sec = number_at(*tr.j, "seconds");
      t += "<td>" + escape(sec ? fmt::format("{:.2f}", *sec) : "–") + "</td></tr>\n";
    }
    t += "</tbody></table></div>\n<p class=\"note\">Sorted by " + escape(metric) +
         " at each trial's best epoch; the highlighted row is the chosen trial.</p></section>\n";
    body += t;
  }

  return page("tailor sweep" + (input.empty() ? "" : " — " + input), body);
}

}  // namespace

std::string render_report_html(const json& result) {
  const json* kind = member(result, "kind");
  if (kind == nullptr || !kind->is_string())
    throw InputError("report: the result has no \"kind\" (expected \"evaluation\" or \"sweep\")");
  const auto k = kind->get<std::string>();
  if (k == "evaluation") return render_evaluation(result);
  if (k == "sweep") return render_sweep(result);
  throw InputError("report: unknown result kind \"" + k + "\" (expected \"evaluation\" or \"sweep\")");
}

void write_report(const std::filesystem::path& path, const json& result) {
  write_file_atomically(path, render_report_html(result));
}

}  // namespace tailor
