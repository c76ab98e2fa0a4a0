// HTML report: self-contained output, one chart per expected figure, complete tables, escaping,
// tolerance of missing optional parts, errors on an unknown kind, atomic writing.
//
// Set TAILOR_REPORT_SAMPLE_DIR to a folder to also write the two sample reports there
// (evaluation.html, sweep.html) for a look in a browser or with scripts/render_report.sh.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/report/report.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> kModels = {"ials", "popularity", "buy_again", "random"};
const std::vector<std::string> kFamilies = {"precision", "recall",   "ndcg",     "map",
                                            "hit_rate",  "mrr",      "coverage", "popularity"};

// Plausible metric values: `quality` scales the ranking metrics, larger k recalls more.
json metrics(double quality, double popularity) {
  json m = json::object();
  for (int k : {10, 20}) {
    const double g = k == 10 ? 1.0 : 1.35;
    const std::string at = "@" + std::to_string(k);
    m["precision" + at] = 0.05 * quality / g;
    m["recall" + at] = 0.08 * quality * g;
    m["ndcg" + at] = 0.07 * quality * (1 + (g - 1) / 2);
    m["map" + at] = 0.03 * quality;
    m["hit_rate" + at] = std::min(1.0, 0.3 * quality * g);
    m["mrr" + at] = 0.15 * quality;
    m["coverage" + at] = 0.4 / (1 + quality) * g;
    m["popularity" + at] = popularity;
  }
  return m;
}

// What evaluation and sweep results share: the input, the protocol, the cutoffs and the split.
json result(const std::string& kind, const std::string& input, const std::string& created_at) {
  json r;
  r["kind"] = kind;
  r["input"] = input;
  r["protocol"] = "new";
  r["k"] = {10, 20};
  r["created_at"] = created_at;
  r["split"] = {{"kind", "time"},
                {"spec", "time:2011-11-01"},
                {"seed", 42},
                {"rows", {{"train", 350000}, {"test", 47000}, {"fold_in", 0}}},
                {"test_customers", 1800}};
  return r;
}

json evaluation(const std::string& input = "data/retail.h5") {
  json r = result("evaluation", input, "2024-05-02 14:03:11 UTC");
  r["customers"] = {{"evaluated", 1700}, {"without_relevant", 100}};
  r["parameters"] = {{"factors", 64},   {"regularization", 0.05}, {"alpha", 1},
                     {"iterations", 15}, {"cg_steps", 3}};
  const std::vector<double> quality = {1.0, 0.62, 0.81, 0.04};
  const std::vector<double> popularity = {120.5, 410.2, 95.1, 12.3};
  for (std::size_t i = 0; i < kModels.size(); ++i)
    r["models"][kModels[i]] = metrics(quality[i], popularity[i]);
  const std::vector<std::string> buckets = {"1-4", "5-9", "10-19", "20-49", "50+"};
  const std::vector<int> customers = {300, 420, 510, 330, 140};
  for (std::size_t i = 0; i < kModels.size(); ++i) {
    for (std::size_t b = 0; b < buckets.size(); ++b) {
      // Buy-again gains most for active customers; the model is steadier.
      double lift = kModels[i] == "buy_again" ? 0.5 + 0.25 * static_cast<double>(b)
                                              : 0.8 + 0.1 * static_cast<double>(b);
      json row = metrics(quality[i] * lift, popularity[i]);
      row["bucket"] = buckets[b];
      row["customers"] = customers[b];
      r["buckets"][kModels[i]].push_back(row);
    }
  }
  for (int e = 1; e <= 15; ++e) {
    double t = 1 - std::exp(-0.35 * e);
    r["epochs"].push_back({{"epoch", e},
                           {"objective", 98000.0 * std::exp(-0.3 * e) + 21000.0},
                           {"seconds", 0.08},
                           {"recall@20", 0.108 * t},
                           {"ndcg@20", 0.082 * t}});
  }
  r["timings"] = {{"train", 1.2}, {"score", 0.1}, {"metrics", 0.01}};
  return r;
}

json sweep(const std::string& input = "data/retail.h5") {
  json r = result("sweep", input, "2024-05-02 15:40:00 UTC");
  r["metric"] = "ndcg@20";
  const std::vector<int> factors = {32, 64, 128, 32, 64, 128, 256, 64, 128, 256, 32, 64};
  const std::vector<double> reg = {0.001, 0.01, 0.1, 1.0, 0.05, 0.005, 0.02, 0.2, 0.01, 0.5, 0.03, 0.002};
  const std::vector<double> alpha = {1, 2, 5, 10, 20, 40, 1, 5, 10, 2, 40, 20};
  int best = 0;
  double best_score = -1;
  for (std::size_t t = 0; t < factors.size(); ++t) {
    // A smooth optimum near factors 128, regularization 0.02, alpha 10.
    double q = 1.0 - 0.08 * std::pow(std::log2(factors[t] / 128.0), 2) -
               0.05 * std::pow(std::log10(reg[t] / 0.02), 2) -
               0.04 * std::pow(std::log10(alpha[t] / 10.0), 2);
    json trial;
    trial["trial"] = t + 1;
    trial["params"] = {{"factors", factors[t]},
                       {"regularization", reg[t]},
                       {"alpha", alpha[t]},
                       {"iterations", 15}};
    int best_epoch = 0;
    double top = -1;
    for (int e = 1; e <= 15; ++e) {
      // Rises, then over-fits a little after epoch ~9 on the weaker settings.
      double v = 0.085 * q * (1 - std::exp(-0.3 * e)) - 0.0015 * (1.3 - q) * std::max(0, e - 8);
      trial["epochs"].push_back({{"epoch", e}, {"ndcg@20", v}});
      if (v > top) {
        top = v;
        best_epoch = e;
      }
    }
    trial["best_epoch"] = best_epoch;
    trial["score"] = top;
    trial["metrics"] = metrics(top / 0.07 / 1.175, 120);
    trial["metrics"]["ndcg@20"] = top;
    trial["seconds"] = 0.8 + factors[t] / 64.0;
    if (top > best_score) {
      best_score = top;
      best = static_cast<int>(t);
    }
    r["trials"].push_back(trial);
  }
  r["best"] = {{"trial", best + 1},
               {"params", r["trials"][best]["params"]},
               {"score", best_score},
               {"best_epoch", r["trials"][best]["best_epoch"]}};
  r["baselines"] = {{"popularity", metrics(0.62, 410.2)},
                    {"buy_again", metrics(0.81, 95.1)},
                    {"random", metrics(0.04, 12.3)}};
  return r;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

void expect_self_contained(const std::string& html) {
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "http://"), 0u);
  EXPECT_EQ(count(html, "https://"), 0u);
  EXPECT_EQ(count(html, "<script"), 0u);
  EXPECT_EQ(count(html, "<link"), 0u);
  EXPECT_EQ(count(html, "@import"), 0u);
  EXPECT_EQ(count(html, "url("), 0u);
  EXPECT_EQ(count(html, "<svg"), count(html, "</svg>"));
  EXPECT_EQ(count(html, "<table"), count(html, "</table>"));
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// The text between the first "<table" and its "</table>" after `from`.
std::string table_after(const std::string& html, const std::string& from) {
  auto start = html.find("<table", html.find(from));
  auto end = html.find("</table>", start);
  if (start == std::string::npos || end == std::string::npos) return {};
  return html.substr(start, end - start);
}

void write_sample(const std::string& name, const json& result) {
  const char* dir = std::getenv("TAILOR_REPORT_SAMPLE_DIR");
  if (dir == nullptr || *dir == '\0') return;
  fs::create_directories(dir);
  write_report(fs::path(dir) / name, result);
}

// The report of `result`, checked to be self-contained (and written as a sample when asked).
std::string self_contained_report(const std::string& sample_name, const json& result) {
  const std::string html = render_report_html(result);
  write_sample(sample_name, result);
  expect_self_contained(html);
  return html;
}

TEST(Report, EvaluationIsSelfContainedWithEveryChart) {
  const std::string html = self_contained_report("evaluation.html", evaluation());
  // recall, ndcg, map, hit_rate by model; ndcg and recall by bucket; metrics and objective per epoch.
  EXPECT_EQ(count(html, "<svg"), 4u + 2u + 2u);
  for (const auto* caption : {"recall@k by model", "ndcg@k by model", "map@k by model",
                              "hit_rate@k by model", "ndcg@20 by customer activity",
                              "Test metrics per epoch", "Training objective per epoch"})
    EXPECT_NE(html.find(caption), std::string::npos) << caption;
  EXPECT_NE(html.find("2024-05-02 14:03:11 UTC"), std::string::npos);
  EXPECT_NE(html.find("time:2011-11-01"), std::string::npos);
  EXPECT_NE(html.find("350,000"), std::string::npos);
}

TEST(Report, EvaluationTableHasEveryModelAndMetric) {
  const std::string html = render_report_html(evaluation());
  const std::string table = table_after(html, "<h2>Metrics</h2>");
  ASSERT_FALSE(table.empty());
  for (const auto& m : kModels) EXPECT_NE(table.find(">" + m + "<"), std::string::npos) << m;
  for (const auto& f : kFamilies) {
    EXPECT_NE(table.find(">" + f + "<"), std::string::npos) << f;
    for (int k : {10, 20})
      EXPECT_NE(table.find("title=\"" + f + "@" + std::to_string(k) + "\""), std::string::npos)
          << f << "@" << k;
  }
  // ials is best on the 14 ranked columns it leads (all but coverage; popularity is not ranked).
  EXPECT_GE(count(table, "class=\"b\""), 12u);
  EXPECT_NE(table.find("<td class=\"b\">0.0800</td>"), std::string::npos);  // ials recall@10
}

TEST(Report, SweepIsSelfContainedWithEveryChart) {
  const json r = sweep();
  const std::string html = self_contained_report("sweep.html", r);
  // factors, regularization, alpha vary (iterations is fixed); curves; best vs baselines.
  EXPECT_EQ(count(html, "<svg"), 3u + 1u + 1u);
  EXPECT_NE(html.find("ndcg@20 against regularization"), std::string::npos);
  EXPECT_NE(html.find("regularization (log scale)"), std::string::npos);
  EXPECT_NE(html.find("alpha (log scale)"), std::string::npos);
  EXPECT_EQ(html.find("factors (log scale)"), std::string::npos);  // 32..256 spans 8x
  EXPECT_NE(html.find("Held fixed across trials: iterations = 15"), std::string::npos);
  const int best = r["best"]["trial"].get<int>();
  EXPECT_NE(html.find("best (trial " + std::to_string(best) + ")"), std::string::npos);

  const std::string models = table_after(html, "<h2>Best trial against baselines</h2>");
  for (const auto* m : {"popularity", "buy_again", "random"})
    EXPECT_NE(models.find(std::string(">") + m + "<"), std::string::npos) << m;
  for (const auto& f : kFamilies) EXPECT_NE(models.find(">" + f + "<"), std::string::npos) << f;
}

TEST(Report, SweepTrialsTableIsSortedByScore) {
  const json r = sweep();
  const std::string html = render_report_html(r);
  const std::string table = table_after(html, "<h2>Trials</h2>");
  ASSERT_FALSE(table.empty());
  std::vector<double> scores;
  std::istringstream rows(table);
  std::string line;
  while (std::getline(rows, line)) {
    if (line.rfind("<tr", 0) != 0 || line.find("<td>") == std::string::npos) continue;
    // The score is the cell after rank, trial, 4 parameters and the best epoch.
    std::size_t pos = 0;
    for (int cell = 0; cell < 8; ++cell) pos = line.find("<td", pos) + 3;
    pos = line.find('>', pos) + 1;
    scores.push_back(std::stod(line.substr(pos)));
  }
  ASSERT_EQ(scores.size(), r["trials"].size());
  for (std::size_t i = 1; i < scores.size(); ++i) EXPECT_GE(scores[i - 1], scores[i]) << i;
  EXPECT_EQ(count(table, "<tr class=\"best\">"), 1u);
}

TEST(Report, TextIsEscaped) {
  const std::string path = "runs/<b>&\"x\".h5";
  for (const json& r : {evaluation(path), sweep(path)}) {
    json copy = r;
    copy["models"]["<i>model</i>"] = metrics(0.5, 10);
    const std::string html = render_report_html(copy);
    EXPECT_EQ(html.find("<b>&"), std::string::npos);
    EXPECT_EQ(html.find("<i>"), std::string::npos);
    EXPECT_NE(html.find("runs/&lt;b&gt;&amp;&quot;x&quot;.h5"), std::string::npos);
  }
  json e = evaluation(path);
  e["models"]["<i>model</i>"] = metrics(0.5, 10);
  EXPECT_NE(render_report_html(e).find("&lt;i&gt;model&lt;/i&gt;"), std::string::npos);
}

TEST(Report, MissingOptionalPartsAreSkipped) {
  // Only the kind.
  for (const char* kind : {"evaluation", "sweep"}) {
    std::string html;
    EXPECT_NO_THROW(html = render_report_html(json{{"kind", kind}})) << kind;
    expect_self_contained(html);
    EXPECT_EQ(count(html, "<svg"), 0u) << kind;
  }

  // Evaluation without buckets, epochs, timings or created_at: just the four bar charts.
  json e = evaluation();
  for (const auto* key : {"buckets", "epochs", "timings", "created_at", "split", "parameters"}) e.erase(key);
  std::string html = render_report_html(e);
  expect_self_contained(html);
  EXPECT_EQ(count(html, "<svg"), 4u);

  // Epochs without objective; buckets for one model only; a metric of the wrong type.
  e = evaluation();
  for (auto& ep : e["epochs"]) ep.erase("objective");
  e["buckets"] = {{"ials", e["buckets"]["ials"]}};
  e["models"]["ials"]["recall@10"] = "n/a";
  e["k"] = "twenty";
  EXPECT_NO_THROW(html = render_report_html(e));
  EXPECT_EQ(count(html, "<svg"), 4u + 2u + 1u);

  // Wrong types everywhere.
  json odd = {{"kind", "evaluation"}, {"models", 3},     {"buckets", {{"ials", "x"}}},
              {"epochs", {1, 2}},     {"split", "time"}, {"customers", nullptr}};
  EXPECT_NO_THROW(html = render_report_html(odd));
  EXPECT_EQ(count(html, "<svg"), 0u);

  // Sweep without baselines, epochs, best; one trial missing params and score; one parameter
  // given as a string.
  json s = sweep();
  s.erase("baselines");
  s.erase("best");
  for (auto& t : s["trials"]) t.erase("epochs");
  s["trials"][0].erase("params");
  s["trials"][1].erase("score");
  s["trials"][2]["params"]["factors"] = "many";
  EXPECT_NO_THROW(html = render_report_html(s));
  expect_self_contained(html);
  EXPECT_EQ(count(html, "<svg"), 3u + 1u);  // scatters and the best-trial bars

  json bad_trials = {{"kind", "sweep"}, {"trials", {1, "x", nullptr, json::object()}}, {"best", 5}};
  EXPECT_NO_THROW(html = render_report_html(bad_trials));

  // One trial: parameters cannot vary, so no scatter; curves and bars remain.
  s = sweep();
  s["trials"] = json::array({s["trials"][0]});
  s["best"]["trial"] = 1;
  EXPECT_NO_THROW(html = render_report_html(s));
  EXPECT_EQ(count(html, "<svg"), 1u + 1u);

  // Unix seconds for created_at.
  e = evaluation();
  e["created_at"] = 1714658591;
  EXPECT_NE(render_report_html(e).find("2024-05-02 14:03:11 UTC"), std::string::npos);
}

TEST(Report, ManyTrialsShareOneLegendEntry) {
  json s = sweep();
  json extra = s["trials"];
  for (auto t : extra) {
    t["trial"] = t["trial"].get<int>() + 100;
    t["score"] = t["score"].get<double>() * 0.9;
    s["trials"].push_back(t);
  }
  const std::string html = render_report_html(s);
  EXPECT_NE(html.find("other trials (23)"), std::string::npos);
}

TEST(Report, UnknownKindThrows) {
  EXPECT_THROW(render_report_html(json::object()), InputError);
  EXPECT_THROW(render_report_html(json{{"kind", "recommendations"}}), InputError);
  EXPECT_THROW(render_report_html(json{{"kind", 3}}), InputError);
  EXPECT_THROW(render_report_html(json::array()), InputError);
  EXPECT_THROW(render_report_html(json()), InputError);
}

TEST(Report, WriteReportIsAtomic) {
  const fs::path dir = fs::temp_directory_path() /
                       ("tailor_test_report_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                        "_" + std::to_string(std::rand()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "report.html";
  write_report(out, evaluation());
  ASSERT_TRUE(fs::exists(out));
  std::ifstream in(out, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), render_report_html(evaluation()));
  // Replacing it leaves one file and no temporary beside it.
  write_report(out, sweep());
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"report.html"});
  // A bad result leaves the previous report in place and no temporary.
  EXPECT_THROW(write_report(out, json{{"kind", "nope"}}), InputError);
  names.clear();
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"report.html"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tailor
