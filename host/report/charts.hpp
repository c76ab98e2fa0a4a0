// SVG charts for the HTML reports (host/report/report.hpp): grouped bars, lines and a scatter,
// each one inline <svg> element built as a string. Sizes are SVG user units (CSS pixels at
// 100%); the classes tick, value, axis, gridline and axis-title are styled by the page. Text
// width is estimated from the character count (the page uses the system sans-serif font), which
// is enough to lay out legends and margins and to decide when x labels must be rotated. Every
// text is HTML-escaped. Also the text helpers the pages share with the charts.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tailor::charts {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Chart widths. Two charts side by side fit the 1180 px content width; a wide chart spans both
// columns.
inline constexpr double kChartW = 560.0;
inline constexpr double kWideW = 1140.0;

// Fixed colours so a series keeps its colour across every chart of a report. The trained
// model(s) take the strong blue first; baselines have their own hues; random is grey.
inline constexpr const char* kModelColours[] = {"#1f5fbf", "#c0392b", "#7b4fb8", "#14919b",
                                                "#b8860b"};
inline constexpr const char* kPopularityColour = "#e8871e";
inline constexpr const char* kBuyAgainColour = "#2e9e5b";
inline constexpr const char* kRandomColour = "#8c96a0";
// Distinct hues for many lines (trial curves, several metrics); blue excluded so the
// highlighted series stands out.
inline constexpr const char* kPalette[] = {"#e8871e", "#2e9e5b", "#c0392b", "#7b4fb8",
                                           "#14919b", "#8c564b", "#d6609f", "#7f7f1f",
                                           "#5c6bc0", "#b8860b"};
inline constexpr const char* kHighlight = "#1f5fbf";

// ---- text -------------------------------------------------------------------------------------

// & < > " ' as HTML entities.
std::string escape(std::string_view s);
// 350000 -> "350,000"; non-integers keep up to 6 significant digits.
std::string format_count(double v);

// ---- charts -----------------------------------------------------------------------------------

enum class Swatch { Box, Line, Dot };

struct LegendItem {
  std::string name;
  std::string colour;
  Swatch swatch = Swatch::Box;
  bool emphasis = false;  // bold, and a thicker line or a larger dot
};

struct BarSeries {
  std::string name;
  std::string colour;
  std::vector<double> values;  // one per group; NaN where missing
};

// Grouped bars: one cluster per group, one bar per series, a legend of the series. sublabels
// (one per group, may be shorter or empty) go under the group labels unless those are rotated.
// Returns "" when there is no finite value, no group or no series.
std::string bar_chart(const std::string& label, const std::vector<std::string>& groups,
                      const std::vector<std::string>& sublabels,
                      const std::vector<BarSeries>& series, const std::string& x_title,
                      const std::string& y_title, double width);

struct LineSeries {
  std::string name;
  std::string colour;
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending
  double stroke = 2;
  double opacity = 1;
  std::optional<double> marked_x;  // a point drawn larger (the best epoch)
};

// Lines over a numeric x axis (epochs: integer ticks, the first epoch labelled). Returns "" when
// no series has a point.
std::string line_chart(const std::string& label, const std::vector<LineSeries>& series,
                       const std::vector<LegendItem>& legend, const std::string& x_title,
                       const std::string& y_title, double width);

struct ScatterPoint {
  double x = 0, y = 0;
  std::string tip;
  bool best = false;  // drawn larger, on top
};

// Points over a linear or log x axis; with 8 distinct x values or fewer the ticks are those
// values when their labels fit. Returns "" without points.
std::string scatter_chart(const std::string& label, const std::vector<ScatterPoint>& points,
                          const std::vector<LegendItem>& legend, bool log_x,
                          const std::string& x_title, const std::string& y_title, double width);

}  // namespace tailor::charts
