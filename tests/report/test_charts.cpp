// The SVG charts of the HTML reports (host/report/charts.hpp), read back from their markup: one
// bar per finite value, bar heights in proportion to the values and growing from the zero line,
// axis titles and tick labels, long labels cut and rotated, one path per line series with its
// dots and marked point, one dot per scatter point with the best on top, exact ticks for few x
// values, no chart for empty or all-NaN input, and every text escaped.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "host/report/charts.hpp"

namespace tailor::charts {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// Every match of `re` in `svg`, as its groups (group 0 left out).
std::vector<std::vector<std::string>> matches(const std::string& svg, const std::string& re) {
  const std::regex r(re);
  std::vector<std::vector<std::string>> out;
  for (std::sregex_iterator it(svg.begin(), svg.end(), r), end; it != end; ++it) {
    std::vector<std::string> groups;
    for (std::size_t g = 1; g < it->size(); ++g) groups.push_back((*it)[g]);
    out.push_back(groups);
  }
  return out;
}

// A bar as drawn: its box, colour and tooltip.
struct Bar {
  double x, y, w, h;
  std::string fill, title;
};

std::vector<Bar> bars(const std::string& svg) {
  std::vector<Bar> out;
  const std::string bar = R"re(<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" )re"
                          R"re(height="([\d.]+)" fill="([^"]*)"><title>([^<]*)</title>)re";
  for (const auto& m : matches(svg, bar))
    out.push_back(
        {std::stod(m[0]), std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), m[4], m[5]});
  return out;
}

// The y of every horizontal axis line (the zero line of a bar chart, the x axis of the others).
std::vector<double> axis_lines(const std::string& svg) {
  std::vector<double> out;
  for (const auto& m : matches(svg, R"re(<line class="axis" x1="[\d.]+" y1="([-\d.]+)" )re"
                                    R"re(x2="[\d.]+" y2="([-\d.]+)"/>)re"))
    if (m[0] == m[1]) out.push_back(std::stod(m[0]));
  return out;
}

// The texts of the tick labels, in order.
std::vector<std::string> ticks(const std::string& svg) {
  std::vector<std::string> out;
  for (const auto& m : matches(svg, R"re(<text class="tick"[^>]*>([^<]*)</text>)re"))
    out.push_back(m[0]);
  return out;
}

// (width, height) of the viewBox.
std::pair<double, double> view_box(const std::string& svg) {
  const auto m = matches(svg, R"re(<svg viewBox="0 0 ([\d.]+) ([\d.]+)")re");
  if (m.size() != 1) return {0, 0};
  return {std::stod(m[0][0]), std::stod(m[0][1])};
}

// ---- text -------------------------------------------------------------------------------------

TEST(Charts, TextHelpers) {
  EXPECT_EQ(escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(escape("é · plain"), "é · plain");
  EXPECT_EQ(format_count(350000), "350,000");
  EXPECT_EQ(format_count(-1234567), "-1,234,567");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(0), "0");
  EXPECT_EQ(format_count(1.5), "1.5");
  EXPECT_EQ(format_count(1e15), "1e+15");
}

// ---- bars -------------------------------------------------------------------------------------

TEST(Charts, BarChartDrawsOneBarPerFiniteValue) {
  const std::vector<BarSeries> series = {{"model", "#111111", {0.2, 0.4, kNaN}},
                                         {"baseline", "#222222", {0.1, 0.05, 0.3}}};
  const std::string svg = bar_chart("recall by model", {"k = 10", "k = 20", "k = 50"}, {},
                                    series, "cut-off k", "recall", kChartW);
  const std::vector<Bar> b = bars(svg);
  ASSERT_EQ(b.size(), 5u);  // six values, one of them NaN
  // Group by group, series by series; the tooltip names both and the value.
  EXPECT_EQ(b[0].title, "model · k = 10: 0.200");
  EXPECT_EQ(b[1].title, "baseline · k = 10: 0.100");
  EXPECT_EQ(b[4].title, "baseline · k = 50: 0.300");
  EXPECT_EQ(b[0].fill, "#111111");
  EXPECT_EQ(b[1].fill, "#222222");
  for (std::size_t k = 1; k < b.size(); ++k) EXPECT_GT(b[k].x, b[k - 1].x);
  EXPECT_EQ(b[0].w, b[1].w);
  EXPECT_EQ(count(svg, "<svg "), 1u);
  EXPECT_EQ(count(svg, "</svg>"), 1u);
  EXPECT_EQ(view_box(svg).first, kChartW);
  EXPECT_GE(view_box(svg).second, 330.0);
  EXPECT_THAT(svg, HasSubstr(R"(aria-label="recall by model")"));
  // A legend entry per series.
  EXPECT_EQ(count(svg, R"(width="14" height="11" rx="2")"), 2u);
  EXPECT_THAT(svg, HasSubstr(">model</text>"));
  EXPECT_THAT(svg, HasSubstr(">baseline</text>"));
}

TEST(Charts, BarsAreScaledToTheirValuesFromTheZeroLine) {
  const std::string svg = bar_chart("label", {"a", "b", "c", "d"}, {},
                                    {{"s", "#333333", {1.0, 2.0, 4.0, -1.0}}}, "x", "y", kWideW);
  const std::vector<Bar> b = bars(svg);
  ASSERT_EQ(b.size(), 4u);
  // Positive bars stand on the zero line, the negative one hangs from it; heights follow the
  // values (coordinates are written to 0.1).
  const std::vector<double> lines = axis_lines(svg);
  ASSERT_EQ(lines.size(), 1u);
  const double zero = lines[0];
  EXPECT_NEAR(b[0].y + b[0].h, zero, 0.11);
  EXPECT_NEAR(b[1].y + b[1].h, zero, 0.11);
  EXPECT_NEAR(b[2].y + b[2].h, zero, 0.11);
  EXPECT_NEAR(b[3].y, zero, 0.11);
  EXPECT_NEAR(b[1].h / b[0].h, 2.0, 0.01);
  EXPECT_NEAR(b[2].h / b[0].h, 4.0, 0.01);
  EXPECT_NEAR(b[3].h / b[0].h, 1.0, 0.01);
  // Value labels above the bars in the short format.
  EXPECT_THAT(svg, HasSubstr(">4.000</text>"));
  EXPECT_THAT(svg, HasSubstr(">-1.000</text>"));
}

TEST(Charts, BarChartAxesAndLabels) {
  const std::string svg = bar_chart("label", {"1-4", "5-9"}, {"n = 300", ""},
                                    {{"s", "#333333", {12.5, 250}}}, "activity bucket", "ndcg@20",
                                    kChartW);
  EXPECT_THAT(svg, HasSubstr(R"(class="axis-title")"));
  EXPECT_THAT(svg, HasSubstr(">activity bucket</text>"));
  EXPECT_THAT(svg, HasSubstr("rotate(-90"));  // the y title runs up the axis
  EXPECT_THAT(svg, HasSubstr(">ndcg@20</text>"));
  EXPECT_THAT(svg, HasSubstr(">1-4</text>"));
  EXPECT_THAT(svg, HasSubstr(">5-9</text>"));
  // y ticks from 0 at nice steps, then the one sublabel given.
  const std::vector<std::string> t = ticks(svg);
  ASSERT_GE(t.size(), 3u);
  EXPECT_EQ(t[0], "0");
  EXPECT_EQ(t.back(), "n = 300");
  EXPECT_THAT(svg, HasSubstr(">250</text>"));  // values >= 100 without decimals
  EXPECT_THAT(svg, HasSubstr(">12.5</text>"));
}

TEST(Charts, LongBarLabelsAreCutAndRotated) {
  const std::string long_name = "a product category with a very long name";
  const std::string svg = bar_chart("label", {long_name, "short", "other", "more", "last"},
                                    {"n = 1", "n = 2", "", "", ""},
                                    {{"s", "#333333", {1, 2, 3, 4, 5}}}, "x", "y", kChartW);
  EXPECT_THAT(svg, HasSubstr("rotate(-35"));
  EXPECT_THAT(svg, HasSubstr(">a product category wi…</text>"));  // 21 characters and an ellipsis
  EXPECT_THAT(svg, HasSubstr("· " + long_name + ": "));  // the tooltip keeps the whole name
  EXPECT_THAT(svg, Not(HasSubstr(">n = 1</text>")));    // no sublabels under rotated labels
}

TEST(Charts, BarChartWithoutValuesIsEmpty) {
  EXPECT_EQ(bar_chart("l", {"a", "b"}, {}, {{"s", "#333", {kNaN, kNaN}}}, "x", "y", kChartW), "");
  EXPECT_EQ(bar_chart("l", {"a"}, {}, {{"s", "#333", {}}}, "x", "y", kChartW), "");
  EXPECT_EQ(bar_chart("l", {}, {}, {{"s", "#333", {1.0}}}, "x", "y", kChartW), "");
  EXPECT_EQ(bar_chart("l", {"a"}, {}, {}, "x", "y", kChartW), "");
  // Series shorter than the groups: the missing values are left out.
  const std::string short_series =
      bar_chart("l", {"a", "b"}, {}, {{"s", "#333", {1.0}}}, "x", "y", kChartW);
  EXPECT_EQ(bars(short_series).size(), 1u);
  // All values equal (zero): still an axis and bars of the least height.
  const std::string zeros = bar_chart("l", {"a"}, {}, {{"s", "#333", {0.0}}}, "x", "y", kChartW);
  ASSERT_EQ(bars(zeros).size(), 1u);
  EXPECT_EQ(bars(zeros)[0].h, 0.5);
}

TEST(Charts, EveryTextIsEscaped) {
  const std::string evil = "<b>\"R&D\" 'x'</b>";
  const std::string svg = bar_chart(evil, {evil}, {evil}, {{evil, "#333", {1.0}}}, evil, evil,
                                    kChartW);
  EXPECT_THAT(svg, Not(HasSubstr("<b>")));
  EXPECT_THAT(svg, Not(HasSubstr("\"R&D\"")));
  EXPECT_THAT(svg, HasSubstr("&lt;b&gt;&quot;R&amp;D&quot; &#39;x&#39;&lt;/b&gt;"));
  const std::string lines = line_chart(evil, {{evil, "#333", {{1, 1}, {2, 2}}}},
                                       {{evil, "#333", Swatch::Line, true}}, evil, evil, kChartW);
  EXPECT_THAT(lines, Not(HasSubstr("<b>")));
  const std::string dots = scatter_chart(evil, {{1, 1, evil, false}, {2, 2, evil, true}},
                                         {{evil, "#333", Swatch::Dot, false}}, false, evil, evil,
                                         kChartW);
  EXPECT_THAT(dots, Not(HasSubstr("<b>")));
  EXPECT_EQ(count(dots, "&lt;b&gt;"), 2u + 1u + 2u + 1u);  // tips, legend, titles, aria-label
}

// ---- lines ------------------------------------------------------------------------------------

std::vector<std::pair<double, double>> curve(int epochs, double scale) {
  std::vector<std::pair<double, double>> points;
  for (int e = 1; e <= epochs; ++e) points.emplace_back(e, scale * (1 - std::exp(-0.3 * e)));
  return points;
}

TEST(Charts, LineChartDrawsAPathAndDotsPerSeries) {
  LineSeries best{"best", "#111111", curve(15, 0.1), 3.2, 1, 9.0};
  LineSeries faint{"faint", "#999999", curve(15, 0.05), 1.2, 0.6, std::nullopt};
  LineSeries many{"many", "#555555", curve(60, 0.07), 2, 1, std::nullopt};
  LineSeries empty{"empty", "#000000", {}, 2, 1, std::nullopt};
  const std::string svg = line_chart("curves", {best, faint, many, empty}, {}, "epoch", "ndcg",
                                     kWideW);
  EXPECT_EQ(count(svg, "<path "), 3u);  // none for the empty series
  // Dots for the opaque series with at most 40 points only; the marked epoch larger.
  EXPECT_EQ(count(svg, R"(r="2.6")"), 15u);
  EXPECT_EQ(count(svg, R"(r="5.5")"), 1u);
  EXPECT_THAT(svg, HasSubstr("best · best epoch 9: "));
  // The faint series is drawn first so the thick one lies on top.
  EXPECT_LT(svg.find("<title>faint</title>"), svg.find("<title>best</title>"));
  // A path point per value, left to right, higher values higher up.
  const auto path = matches(svg, R"re(<path d="([^"]*)" fill="none" stroke="#111111")re");
  ASSERT_EQ(path.size(), 1u);
  const auto xy = matches(path[0][0], R"re(([\d.]+),([\d.]+))re");
  ASSERT_EQ(xy.size(), 15u);
  for (std::size_t k = 1; k < xy.size(); ++k) {
    EXPECT_GT(std::stod(xy[k][0]), std::stod(xy[k - 1][0]));
    EXPECT_LE(std::stod(xy[k][1]), std::stod(xy[k - 1][1]));
  }
  EXPECT_THAT(svg, HasSubstr(">epoch</text>"));
  EXPECT_THAT(svg, HasSubstr(">ndcg</text>"));
}

TEST(Charts, LineChartTicksTheFirstEpoch) {
  const std::string svg = line_chart("l", {{"s", "#333", curve(15, 1), 2, 1, std::nullopt}}, {},
                                     "epoch", "v", kChartW);
  const std::vector<std::string> t = ticks(svg);
  // y ticks (with one decimal here), then x ticks: epoch 1 and the nice steps after it.
  const auto one = std::find(t.begin(), t.end(), "1");
  ASSERT_NE(one, t.end());
  EXPECT_NE(std::find(one, t.end(), "5"), t.end());
  EXPECT_EQ(axis_lines(svg).size(), 1u);  // the x axis
}

TEST(Charts, LineChartWithoutPointsIsEmpty) {
  EXPECT_EQ(line_chart("l", {}, {}, "x", "y", kChartW), "");
  EXPECT_EQ(line_chart("l", {{"s", "#333", {}, 2, 1, std::nullopt}}, {}, "x", "y", kChartW), "");
  // One point: the x range widens around it.
  const std::string one =
      line_chart("l", {{"s", "#333", {{3, 0.5}}, 2, 1, std::nullopt}}, {}, "x", "y", kChartW);
  EXPECT_EQ(count(one, "<path "), 1u);
  EXPECT_EQ(count(one, R"(r="2.6")"), 1u);
}

// ---- scatter ----------------------------------------------------------------------------------

TEST(Charts, ScatterDrawsEveryPointWithTheBestOnTop) {
  const std::vector<ScatterPoint> points = {
      {32, 0.05, "trial 1", false}, {64, 0.07, "trial 2", true}, {128, 0.06, "trial 3", false},
      {64, 0.04, "trial 4", false}};
  const std::string svg = scatter_chart("ndcg against factors", points,
                                        {{"trial", kHighlight, Swatch::Dot, false}}, false,
                                        "factors", "ndcg", kChartW);
  EXPECT_EQ(count(svg, R"(fill-opacity="0.7")"), 3u);
  EXPECT_EQ(count(svg, R"(r="6.5")"), 1u);
  EXPECT_GT(svg.find("<title>trial 2</title>"), svg.find("<title>trial 4</title>"));
  // Three distinct values: ticked exactly.
  const std::vector<std::string> t = ticks(svg);
  for (const char* v : {"32", "64", "128"}) EXPECT_NE(std::find(t.begin(), t.end(), v), t.end());
  EXPECT_THAT(svg, HasSubstr(">factors</text>"));
  // The higher score is drawn higher.
  const auto cy = [&](const std::string& tip) {
    const auto m = matches(svg, R"re(cy="([\d.]+)"[^>]*><title>)re" + tip + "<");
    return m.empty() ? -1.0 : std::stod(m[0][0]);
  };
  EXPECT_LT(cy("trial 2"), cy("trial 1"));
  EXPECT_LT(cy("trial 1"), cy("trial 4"));
}

TEST(Charts, ScatterOnALogAxis) {
  std::vector<ScatterPoint> points;
  for (double reg : {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0})
    points.push_back({reg, 0.05 + reg / 10, "r", false});
  const std::string svg = scatter_chart("l", points, {}, true, "regularization", "ndcg", kChartW);
  EXPECT_THAT(svg, HasSubstr(">regularization (log scale)</text>"));
  const std::vector<std::string> t = ticks(svg);
  for (const char* decade : {"0.001", "0.01", "0.1", "1"})
    EXPECT_NE(std::find(t.begin(), t.end(), decade), t.end()) << decade;
  EXPECT_EQ(scatter_chart("l", {}, {}, false, "x", "y", kChartW), "");
}

}  // namespace
}  // namespace tailor::charts
