// HTML report: header, metric tables and inline SVG charts (charts.hpp) for an evaluation or a
// sweep result, one function per section of the page.
//
// Everything is built with plain strings: no script, no external font or stylesheet, so the
// file renders the same offline. Every value read from the JSON is checked for type; a missing or
// malformed optional part leaves its chart or row out.
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
#include "host/report/charts.hpp"

namespace tailor {
namespace {

using nlohmann::json;
using namespace charts;

const std::vector<std::string> kBaselineOrder = {"popularity", "buy_again", "random"};
// Metric families in reading order; unknown families follow alphabetically.
const std::vector<std::string> kFamilyOrder = {"precision", "recall",   "ndcg",     "map",
                                               "hit_rate",  "mrr",      "coverage", "popularity"};
// Hyper-parameters in the order people think of them; unknown ones follow alphabetically.
const std::vector<std::string> kParamOrder = {"factors", "regularization", "alpha", "iterations",
                                              "cg_steps"};


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

// ---- text -------------------------------------------------------------------------------------

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

// ---- HTML pieces ------------------------------------------------------------------------------

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

// One row per model: baselines tagged as such.
std::vector<TableRow> table_rows(const std::vector<std::string>& names,
                                 const std::vector<const json*>& metrics) {
  std::vector<TableRow> rows;
  for (std::size_t i = 0; i < names.size(); ++i)
    rows.push_back({names[i], is_baseline(names[i]) ? "baseline" : "", metrics[i]});
  return rows;
}

// Runs of keys of one family: (family, its keys), in key order.
using Families = std::vector<std::pair<std::string, std::vector<MetricKey>>>;

Families metric_families(const std::vector<MetricKey>& keys) {
  Families families;
  for (const auto& m : keys) {
    if (families.empty() || families.back().first != m.family) families.push_back({m.family, {}});
    families.back().second.push_back(m);
  }
  return families;
}

// The two header rows: the families (a family without cut-offs spans both rows), then "@k".
std::string metrics_head(const Families& families) {
  std::string out = "<thead><tr class=\"fam\"><th rowspan=\"2\">model</th>";
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
  return out + "</tr></thead>\n";
}

// The best value of each ranked column, where the rows do not all tie.
std::map<std::string, double> column_best(const std::vector<TableRow>& rows,
                                          const std::vector<MetricKey>& keys) {
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
  return best;
}

// One model's row: its name and tag, then each metric ("–" where missing, bold where best).
std::string metrics_row(const TableRow& r, const std::vector<MetricKey>& keys,
                        const std::map<std::string, double>& best) {
  std::string out = "<tr><td>" + escape(r.name);
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
    out += std::string(is_best ? "<td class=\"b\">" : "<td>") +
           escape(format_metric(m.family, *v)) + "</td>";
  }
  return out + "</tr>\n";
}

// Models x metrics, grouped by metric family with k in the second header row. The best value
// of each column is bold; popularity@k (mean popularity of the recommended items) is not ranked.
std::string metrics_table(const std::vector<TableRow>& rows) {
  std::vector<const json*> objects;
  for (const auto& r : rows) objects.push_back(r.metrics);
  const auto keys = metric_keys(objects);
  if (keys.empty()) return {};
  // Many columns (four cut-offs, say): a denser table still fits 1200 px.
  std::string out = keys.size() > 12 ? "<div class=\"scroll\"><table class=\"dense\">\n"
                                     : "<div class=\"scroll\"><table>\n";
  out += metrics_head(metric_families(keys)) + "<tbody>\n";
  const std::map<std::string, double> best = column_best(rows, keys);
  for (const auto& r : rows) out += metrics_row(r, keys, best);
  out += "</tbody></table></div>\n";
  return out;
}

// One bar series per model over `keys` (metric keys such as "recall@10"); NaN where a model
// lacks one.
std::vector<BarSeries> model_series(const std::vector<std::string>& names,
                                    const std::vector<std::string>& colours,
                                    const std::vector<const json*>& metrics,
                                    const std::vector<std::string>& keys) {
  std::vector<BarSeries> series;
  for (std::size_t i = 0; i < names.size(); ++i) {
    BarSeries s{names[i], colours[i], {}};
    for (const auto& key : keys)
      s.values.push_back(metrics[i] ? number_at(*metrics[i], key).value_or(kNaN) : kNaN);
    series.push_back(std::move(s));
  }
  return series;
}

// (epoch, value of `key`) of every epoch object that has both.
std::vector<std::pair<double, double>> epoch_points(const json& epochs, const std::string& key) {
  std::vector<std::pair<double, double>> points;
  for (const auto& e : epochs) {
    auto x = number_at(e, "epoch");
    auto y = number_at(e, key);
    if (x && y) points.emplace_back(*x, *y);
  }
  return points;
}

// The card at the top of a page: title, what is reported on which input, and the facts (rows
// with an empty value are left out), the creation time last.
std::string page_head(const json& result, const std::string& title, const std::string& what,
                      const std::string& input, std::vector<MetaRow> meta) {
  std::string out = "<header class=\"card\">\n<h1>" + title + "</h1>\n";
  out += "<p class=\"sub\">" + escape(join({what, input.empty() ? "" : "on " + input}, " ")) +
         "</p>\n";
  meta.push_back({"Created", created_at(result)});
  return out + meta_list(meta) + "</header>\n";
}

std::string page(const std::string& title, const std::string& body) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape(title) + "</title>\n<style>" + kStyle +
         "</style>\n</head>\n<body>\n<main>\n";
  out += body;
  out += "<footer>Rendered by tailor " TAILOR_VERSION
         ". Self-contained: the charts are inline SVG; hover a bar or point for its "
         "value.</footer>\n";
  out += "</main>\n</body>\n</html>\n";
  return out;
}

// ---- evaluation -------------------------------------------------------------------------------

// The models of an evaluation in table order (model_order), their colours and metrics.
struct EvaluationModels {
  std::vector<std::string> names;
  std::vector<std::string> colours;
  std::vector<const json*> metrics;  // per name; nullptr where not an object
};

EvaluationModels evaluation_models(const json& result) {
  EvaluationModels m;
  const json* models = object_at(result, "models");
  if (models) m.names = model_order(*models);
  m.colours = model_colours(m.names);
  for (const auto& n : m.names) m.metrics.push_back(object_at(*models, n));
  return m;
}

// The facts of an evaluation: split, customers, parameters, timings.
std::vector<MetaRow> evaluation_meta(const json& result, const std::set<int>& ks) {
  auto meta = common_meta(result, ks);
  if (const json* c = object_at(result, "customers")) {
    std::vector<std::string> parts;
    if (auto e = number_at(*c, "evaluated")) parts.push_back(format_count(*e) + " evaluated");
    if (auto w = number_at(*c, "without_relevant"))
      parts.push_back(format_count(*w) + " without relevant items");
    if (auto cs = number_at(*c, "cold_start")) {
      const std::string list = string_at(result, "cold_start");
      parts.push_back(format_count(*cs) + " cold start" +
                      (list.empty() ? "" : " (given the " + list + " list)"));
    }
    meta.push_back({"Customers", join(parts, " · ")});
  }
  meta.push_back({"Parameters", params_text(object_at(result, "parameters"))});
  if (const json* t = object_at(result, "timings")) {
    std::vector<std::string> parts;
    for (const auto& name : ordered_names(*t, {"train", "score", "metrics"}))
      if (auto v = number_at(*t, name)) parts.push_back(name + " " + format_seconds(*v));
    meta.push_back({"Timings", join(parts, " · ")});
  }
  return meta;
}

// Table of every model and metric.
std::string evaluation_metrics(const EvaluationModels& m) {
  const std::string table = metrics_table(table_rows(m.names, m.metrics));
  if (table.empty()) return {};
  return "<h2>Metrics</h2>\n<section class=\"card\">\n" + table +
         "<p class=\"note\">Bold: best value in each column. popularity@k is the mean "
         "popularity of the recommended items (lower means less obvious recommendations) and "
         "is not ranked.</p>\n</section>\n";
}

// (a) Model against baselines for each k, one chart per metric family.
std::string evaluation_bars(const EvaluationModels& m, const std::set<int>& ks) {
  std::vector<std::string> figs;
  for (const std::string fam : {"recall", "ndcg", "map", "hit_rate"}) {
    std::vector<std::string> groups, keys;
    for (int k : ks) {
      groups.push_back("k = " + std::to_string(k));
      keys.push_back(fam + "@" + std::to_string(k));
    }
    figs.push_back(figure(fam + "@k by model",
                          bar_chart(fam + " at each cut-off k, by model", groups, {},
                                    model_series(m.names, m.colours, m.metrics, keys),
                                    "cut-off k", fam, kChartW)));
  }
  const std::string section = grid(figs);
  return section.empty() ? std::string() : "<h2>Model against baselines</h2>\n" + section;
}

// The activity buckets in order of first appearance, with "n = customers" under each.
struct Buckets {
  std::vector<std::string> labels, sublabels;
  std::map<std::string, std::size_t> index;  // label -> position
};

Buckets bucket_labels(const json& buckets, const std::vector<std::string>& models) {
  Buckets b;
  for (const auto& n : models) {
    const json* list = array_at(buckets, n);
    if (list == nullptr) continue;
    for (const auto& row : *list) {
      std::string label = string_at(row, "bucket");
      if (label.empty() || b.index.count(label)) continue;
      b.index[label] = b.labels.size();
      b.labels.push_back(label);
      auto c = number_at(row, "customers");
      b.sublabels.push_back(c ? "n = " + format_count(*c) : "");
    }
  }
  return b;
}

// Metric `key` per bucket, one bar series per model with a bucket list.
std::string bucket_figure(const json& buckets, const std::vector<std::string>& models,
                          const Buckets& b, const std::string& key) {
  const std::vector<std::string> colours = model_colours(models);
  std::vector<BarSeries> series;
  for (std::size_t i = 0; i < models.size(); ++i) {
    const json* list = array_at(buckets, models[i]);
    if (list == nullptr) continue;
    BarSeries s{models[i], colours[i], std::vector<double>(b.labels.size(), kNaN)};
    for (const auto& row : *list) {
      auto it = b.index.find(string_at(row, "bucket"));
      auto v = number_at(row, key);
      if (it != b.index.end() && v) s.values[it->second] = *v;
    }
    series.push_back(std::move(s));
  }
  return figure(key + " by customer activity",
                bar_chart(key + " per activity bucket, by model", b.labels, b.sublabels, series,
                          "activity bucket (n = customers)", key, kChartW));
}

// (b) Per activity bucket, at the largest k.
std::string evaluation_buckets(const json& result, const std::set<int>& ks) {
  std::vector<std::string> figs;
  if (const json* buckets = object_at(result, "buckets"); buckets && !ks.empty()) {
    const std::vector<std::string> models = model_order(*buckets);
    const Buckets b = bucket_labels(*buckets, models);
    const std::string kmax = std::to_string(*ks.rbegin());
    for (const std::string fam : {"ndcg", "recall"})
      figs.push_back(bucket_figure(*buckets, models, b, fam + "@" + kmax));
  }
  const std::string section = grid(figs);
  if (section.empty()) return {};
  return "<h2>By customer activity</h2>\n" + section +
         "<p class=\"note\">Test customers grouped into activity buckets as defined by the "
         "evaluation; n is the number of customers in each bucket.</p>\n";
}

// Every test metric per epoch, one line each; the first in the highlight colour.
std::string epoch_metrics_figure(const json& epochs) {
  std::vector<const json*> eobjs;
  for (const auto& e : epochs) eobjs.push_back(&e);
  std::vector<LineSeries> lines;
  std::vector<LegendItem> legend;
  std::size_t colour = 0;
  for (const auto& m : metric_keys(eobjs)) {
    if (m.key == "epoch" || m.key == "objective" || m.key == "seconds") continue;
    LineSeries s{m.key, colour == 0 ? kHighlight : kPalette[(colour - 1) % std::size(kPalette)],
                 epoch_points(epochs, m.key), 2, 1, std::nullopt};
    ++colour;
    if (s.points.empty()) continue;
    legend.push_back({s.name, s.colour, Swatch::Line, false});
    lines.push_back(std::move(s));
  }
  return figure("Test metrics per epoch", line_chart("test metrics per training epoch", lines,
                                                     legend, "epoch", "metric value", kChartW));
}

// (c) Training curves: the test metrics and the objective per epoch.
std::string evaluation_training(const json& result) {
  std::vector<std::string> figs;
  if (const json* epochs = array_at(result, "epochs")) {
    figs.push_back(epoch_metrics_figure(*epochs));
    const LineSeries obj{"objective", "#7b4fb8", epoch_points(*epochs, "objective"), 2, 1,
                         std::nullopt};
    if (!obj.points.empty())
      figs.push_back(figure("Training objective per epoch",
                            line_chart("training objective per epoch", {obj},
                                       {{"objective", obj.colour, Swatch::Line, false}}, "epoch",
                                       "objective", kChartW)));
  }
  const std::string section = grid(figs);
  return section.empty() ? std::string() : "<h2>Training</h2>\n" + section;
}

std::string render_evaluation(const json& result) {
  const EvaluationModels m = evaluation_models(result);
  const std::set<int> ks = k_values(result, metric_keys(m.metrics));
  const std::string input = string_at(result, "input");
  std::vector<std::string> trained;
  for (const auto& n : m.names)
    if (!is_baseline(n)) trained.push_back(n);
  std::string body = page_head(result, "Evaluation report", join(trained, ", "), input,
                               evaluation_meta(result, ks));
  body += evaluation_metrics(m);
  body += evaluation_bars(m, ks);
  body += evaluation_buckets(result, ks);
  body += evaluation_training(result);
  return page("tailor evaluation" + (input.empty() ? "" : " — " + input), body);
}

// ---- sweep ------------------------------------------------------------------------------------

struct Trial {
  const json* j = nullptr;
  double id = kNaN;
  double score = kNaN;
};

std::string trial_name(double id) {
  return std::isfinite(id) ? "trial " + format_count(id) : "trial ?";
}

// The trials (objects only) with their score: "score", else the metric among their metrics. Best
// first; trials without a score last, in file order.
std::vector<Trial> ranked_trials(const json& result, const std::string& metric) {
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
  return trials;
}

// The chosen trial and what the result says of it; each part from the trial where there is one,
// else from the "best" object.
struct Best {
  const json* obj = nullptr;     // result["best"], when an object
  const Trial* trial = nullptr;  // the trial "best" names, else the top score
  double id = kNaN;
  const json* metrics = nullptr;
  const json* params = nullptr;  // from "best" first
  double score = kNaN;
};

const Trial* chosen_trial(const json* best_obj, const std::vector<Trial>& trials) {
  const Trial* best = nullptr;
  if (best_obj)
    if (auto id = number_at(*best_obj, "trial"))
      for (const auto& t : trials)
        if (t.id == *id) best = &t;
  if (best == nullptr && !trials.empty() && std::isfinite(trials.front().score))
    best = &trials.front();
  return best;
}

Best find_best(const json& result, const std::vector<Trial>& trials) {
  Best b;
  b.obj = object_at(result, "best");
  b.trial = chosen_trial(b.obj, trials);
  const json* trial = b.trial ? b.trial->j : nullptr;
  b.id = b.trial ? b.trial->id : (b.obj ? number_at(*b.obj, "trial").value_or(kNaN) : kNaN);
  b.metrics = trial ? object_at(*trial, "metrics") : nullptr;
  if (b.metrics == nullptr && b.obj) b.metrics = object_at(*b.obj, "metrics");
  b.params = b.obj ? object_at(*b.obj, "params") : nullptr;
  if (b.params == nullptr && trial) b.params = object_at(*trial, "params");
  b.score = b.trial ? b.trial->score : kNaN;
  if (!std::isfinite(b.score) && b.obj) b.score = number_at(*b.obj, "score").value_or(kNaN);
  return b;
}

// Hyper-parameters of any trial, in kParamOrder and then alphabetically.
std::vector<std::string> parameter_names(const std::vector<Trial>& trials) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& t : trials)
    if (const json* p = object_at(*t.j, "params"))
      for (auto it = p->begin(); it != p->end(); ++it)
        if (seen.insert(it.key()).second) names.push_back(it.key());
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    auto ia = order_index(kParamOrder, a), ib = order_index(kParamOrder, b);
    return ia != ib ? ia < ib : a < b;
  });
  return names;
}

// The metric the trials are ranked by; "score" when the result names none.
std::string ranking_metric(const json& result) {
  std::string m = string_at(result, "metric");
  return m.empty() ? std::string("score") : m;
}

// What every part of a sweep page reads. Holds pointers into its own trials: not copied.
struct Sweep {
  explicit Sweep(const json& r)
      : result(r),
        metric(ranking_metric(r)),
        metric_key(parse_metric(metric)),
        input(string_at(r, "input")),
        trials(ranked_trials(r, metric)),
        best(find_best(r, trials)),
        best_label("best (" + trial_name(best.id) + ")"),
        params(parameter_names(trials)) {
    if (best.metrics) {
      names.push_back(best_label);
      objects.push_back(best.metrics);
    }
    if (const json* baselines = object_at(r, "baselines"))
      for (const auto& b : model_order(*baselines)) {
        names.push_back(b);
        objects.push_back(object_at(*baselines, b));
      }
    colours = model_colours(names);
    keys = metric_keys(objects);
    ks = k_values(r, keys);
  }
  Sweep(const Sweep&) = delete;
  Sweep& operator=(const Sweep&) = delete;

  const json& result;
  std::string metric;  // ranking_metric
  MetricKey metric_key;
  std::string input;
  std::vector<Trial> trials;  // best first
  Best best;
  std::string best_label;           // "best (trial 3)"
  std::vector<std::string> params;  // hyper-parameter names
  // The best trial (when it has metrics) and the baselines: names, metrics, colours.
  std::vector<std::string> names;
  std::vector<const json*> objects;
  std::vector<std::string> colours;
  std::vector<MetricKey> keys;  // metric keys of `objects`
  std::set<int> ks;
};

// The best trial against the popularity baseline ("best_against_popularity"); "" without it.
std::string popularity_text(const json& result) {
  const json* c = object_at(result, "best_against_popularity");
  if (c == nullptr) return {};
  const auto best = number_at(*c, "best"), pop = number_at(*c, "popularity");
  if (!best || !pop) return {};
  const std::string metric = string_at(*c, "metric");
  const json* wins = member(*c, "popularity_wins");
  if (wins && wins->is_boolean() && wins->get<bool>())
    return fmt::format("popularity beats every trial: {} {:.4f} against {:.4f} for the best; the "
                       "best configuration recommends worse than the most popular items",
                       metric, *pop, *best);
  return fmt::format("best trial {} {:.4f}, popularity {:.4f}", metric, *best, *pop);
}

// Metric, trial count, the best trial and its parameters, and the best against popularity.
std::vector<MetaRow> sweep_meta(const Sweep& s) {
  auto meta = common_meta(s.result, s.ks);
  meta.push_back({"Metric", s.metric});
  meta.push_back({"Trials", format_count(static_cast<double>(s.trials.size()))});
  if (s.best.obj || s.best.trial) {
    std::vector<std::string> parts{trial_name(s.best.id)};
    if (std::isfinite(s.best.score))
      parts.push_back(s.metric + " " + fmt::format("{:.4f}", s.best.score));
    if (s.best.obj)
      if (auto e = number_at(*s.best.obj, "best_epoch"))
        parts.push_back("epoch " + format_count(*e));
    meta.push_back({"Best", join(parts, " · ")});
    meta.push_back({"Best parameters", params_text(s.best.params)});
  }
  meta.push_back({"Against popularity", popularity_text(s.result)});
  return meta;
}

// Best trial against baselines: the table and bars of the ranking metrics at each cut-off.
std::string best_against_baselines(const Sweep& s) {
  const std::string table = metrics_table(table_rows(s.names, s.objects));
  std::vector<std::string> groups;
  for (const auto& m : s.keys)
    if (m.k > 0 && (m.family == "recall" || m.family == "ndcg" || m.family == "map" ||
                    m.family == "hit_rate"))
      groups.push_back(m.key);
  const std::string bars =
      figure("Best trial against baselines",
             bar_chart("best trial against baselines", groups, {},
                       model_series(s.names, s.colours, s.objects, groups), "metric", "value",
                       kWideW),
             true);
  if (table.empty() && bars.empty()) return {};
  std::string out = "<h2>Best trial against baselines</h2>\n";
  if (!table.empty())
    out += "<section class=\"card\">\n" + table +
           "<p class=\"note\">Bold: best value in each column. popularity@k is the mean "
           "popularity of the recommended items and is not ranked.</p>\n</section>\n";
  if (!bars.empty()) out += "<div class=\"grid\" style=\"margin-top:16px\">\n" + bars + "</div>\n";
  return out;
}

// The metric against hyper-parameter `name`, one point per scored trial that has it; "" when
// the parameter does not vary (`fixed` then gets "name = value" if one trial has it).
std::string parameter_figure(const Sweep& s, const std::string& name,
                             std::vector<std::string>& fixed) {
  std::vector<ScatterPoint> points;
  std::set<double> distinct;
  std::string shown;  // the value as written, for a parameter held fixed
  for (const auto& t : s.trials) {
    const json* p = object_at(*t.j, "params");
    auto x = p ? number_at(*p, name) : std::nullopt;
    if (!x || !std::isfinite(t.score)) continue;
    distinct.insert(*x);
    shown = format_param((*p)[name]);
    points.push_back({*x, t.score,
                      fmt::format("{} · {} = {} · {} = {:.4f}", trial_name(t.id), name,
                                  format_param((*p)[name]), s.metric, t.score),
                      s.best.trial != nullptr && &t == s.best.trial});
  }
  if (distinct.size() < 2) {
    if (distinct.size() == 1) fixed.push_back(name + " = " + shown);
    return {};
  }
  const double lo = *distinct.begin(), hi = *distinct.rbegin();
  const bool log_x = lo > 0 && hi / lo > 10;
  std::vector<LegendItem> legend{{"trial", kHighlight, Swatch::Dot, false}};
  if (s.best.trial) legend.push_back({s.best_label, kPopularityColour, Swatch::Dot, true});
  return figure(s.metric + " against " + name,
                scatter_chart(s.metric + " against " + name, points, legend, log_x, name,
                              s.metric, kChartW));
}

// (a) The metric against each hyper-parameter.
std::string parameter_section(const Sweep& s) {
  std::vector<std::string> figs, fixed;
  for (const auto& name : s.params) figs.push_back(parameter_figure(s, name, fixed));
  const std::string section = grid(figs);
  if (section.empty()) return {};
  std::string out = "<h2>" + escape(s.metric) + " against each hyper-parameter</h2>\n" + section;
  if (!fixed.empty())
    out += "<p class=\"note\">Held fixed across trials: " + escape(join(fixed, ", ")) + ".</p>\n";
  return out;
}

// A trial's curve style: the best one thick in the highlight colour with its chosen epoch
// marked; with few trials each its own colour, with many all grey.
void style_curve(LineSeries& line, const Trial& t, bool is_best, bool few, std::size_t& colour) {
  if (is_best) {
    line.name += " (best)";
    line.colour = kHighlight;
    line.stroke = 3.2;
    if (auto be = number_at(*t.j, "best_epoch")) line.marked_x = *be;
  } else if (few) {
    line.colour = kPalette[colour++ % std::size(kPalette)];
    line.stroke = 1.6;
    line.opacity = 0.75;
  } else {
    line.colour = "#9aa5b1";
    line.stroke = 1.2;
    line.opacity = 0.6;
  }
}

// (b) The metric per epoch for each trial (in trial order), the best highlighted.
std::string curves_section(const Sweep& s) {
  std::vector<LineSeries> lines;
  std::vector<LegendItem> legend;
  const bool few = s.trials.size() <= std::size(kPalette);
  std::size_t colour = 0;
  std::vector<const Trial*> by_id;
  for (const auto& t : s.trials) by_id.push_back(&t);
  std::stable_sort(by_id.begin(), by_id.end(),
                   [](const Trial* a, const Trial* b) { return a->id < b->id; });
  for (const Trial* t : by_id) {
    const json* epochs = array_at(*t->j, "epochs");
    if (epochs == nullptr) continue;
    const bool is_best = t == s.best.trial;
    LineSeries line{trial_name(t->id), "", epoch_points(*epochs, s.metric), 2, 1, std::nullopt};
    if (line.points.empty()) continue;
    style_curve(line, *t, is_best, few, colour);
    if (few || is_best) legend.push_back({line.name, line.colour, Swatch::Line, is_best});
    lines.push_back(std::move(line));
  }
  if (!few && lines.size() > 1)
    legend.push_back({fmt::format("other trials ({})", lines.size() - (s.best.trial ? 1 : 0)),
                      "#9aa5b1", Swatch::Line, false});
  // The best trial first in the legend.
  std::stable_partition(legend.begin(), legend.end(),
                        [](const LegendItem& l) { return l.emphasis; });
  const std::string curves = figure(s.metric + " per epoch, each trial",
                                    line_chart(s.metric + " per epoch for each trial", lines,
                                               legend, "epoch", s.metric, kWideW),
                                    true, "The large dot marks the best trial's chosen epoch.");
  if (curves.empty()) return {};
  return "<h2>Training curves</h2>\n<div class=\"grid\">\n" + curves + "</div>\n";
}

// Other ranking metrics of the trials at the chosen metric's cut-off, for the trials table.
std::vector<std::string> extra_metrics(const Sweep& s) {
  std::vector<const json*> mo;
  for (const auto& t : s.trials) mo.push_back(object_at(*t.j, "metrics"));
  std::vector<std::string> extra;
  for (const auto& m : metric_keys(mo))
    if (m.key != s.metric && m.k == s.metric_key.k && m.family != "popularity" &&
        m.family != "coverage")
      extra.push_back(m.key);
  return extra;
}

std::string td(const std::string& text) { return "<td>" + escape(text) + "</td>"; }

// One trial's row: rank, id, parameters, best epoch, score, other metrics, seconds.
std::string trial_row(const Sweep& s, const Trial& tr, int rank,
                      const std::vector<std::string>& extra) {
  const bool is_best = &tr == s.best.trial;
  const json* p = object_at(*tr.j, "params");
  const json* m = object_at(*tr.j, "metrics");
  std::string t = std::string(is_best ? "<tr class=\"best\">" : "<tr>") + "<td>" +
                  std::to_string(rank) + "</td>";
  t += td(std::isfinite(tr.id) ? format_count(tr.id) : "?");
  for (const auto& pn : s.params) {
    const json* v = p ? member(*p, pn) : nullptr;
    t += td(v ? format_param(*v) : "–");
  }
  auto be = number_at(*tr.j, "best_epoch");
  t += td(be ? format_count(*be) : "–");
  t += std::string(is_best ? "<td class=\"b\">" : "<td>") +
       escape(std::isfinite(tr.score) ? fmt::format("{:.4f}", tr.score) : "–") + "</td>";
  for (const auto& e : extra) {
    auto v = m ? number_at(*m, e) : std::nullopt;
    t += td(v ? format_metric(parse_metric(e).family, *v) : "–");
  }
  auto sec = number_at(*tr.j, "seconds");
  return t + td(sec ? fmt::format("{:.2f}", *sec) : "–") + "</tr>\n";
}

// Trials table sorted by score.
std::string trials_table(const Sweep& s) {
  if (s.trials.empty()) return {};
  const std::vector<std::string> extra = extra_metrics(s);
  std::string t =
      "<h2>Trials</h2>\n<section class=\"card\"><div class=\"scroll\"><table>\n<thead><tr>"
      "<th>rank</th><th>trial</th>";
  for (const auto& p : s.params) t += "<th>" + escape(p) + "</th>";
  t += "<th>best epoch</th><th>" + escape(s.metric) + "</th>";
  for (const auto& e : extra) t += "<th>" + escape(e) + "</th>";
  t += "<th>seconds</th></tr></thead>\n<tbody>\n";
  int rank = 0;
  for (const auto& tr : s.trials) t += trial_row(s, tr, ++rank, extra);
  t += "</tbody></table></div>\n<p class=\"note\">Sorted by " + escape(s.metric) +
       " at each trial's best epoch; the highlighted row is the chosen trial.</p></section>\n";
  return t;
}

std::string render_sweep(const json& result) {
  const Sweep s(result);
  std::string body =
      page_head(result, "Hyper-parameter sweep report",
                fmt::format("{} trials ranked by {}", s.trials.size(), s.metric), s.input,
                sweep_meta(s));
  body += best_against_baselines(s);
  body += parameter_section(s);
  body += curves_section(s);
  body += trials_table(s);
  return page("tailor sweep" + (s.input.empty() ? "" : " — " + s.input), body);
}

}  // namespace

std::string render_report_html(const json& result) {
  const json* kind = member(result, "kind");
  if (kind == nullptr || !kind->is_string())
    throw InputError("report: the result has no \"kind\" (expected \"evaluation\" or \"sweep\")");
  const auto k = kind->get<std::string>();
  if (k == "evaluation") return render_evaluation(result);
  if (k == "sweep") return render_sweep(result);
  throw InputError("report: unknown result kind \"" + k +
                   "\" (expected \"evaluation\" or \"sweep\")");
}

void write_report(const std::filesystem::path& path, const json& result) {
  write_file_atomically(path, render_report_html(result));
}

}  // namespace tailor
