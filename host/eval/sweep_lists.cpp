#include "host/eval/sweep_lists.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>

#include "host/core/error.hpp"
#include "host/io/time.hpp"

namespace tailor {
namespace {

// Every point of the grid, the last axis varying fastest.
std::vector<nlohmann::json> grid_points(const std::vector<SweepAxis>& axes) {
  std::vector<nlohmann::json> points = {nlohmann::json::object()};
  for (const auto& [name, values] : axes) {
    std::vector<nlohmann::json> next;
    for (const auto& p : points)
      for (const double v : values) {
        nlohmann::json q = p;
        q[name] = v;
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  return points;
}

// n distinct points drawn with the seed, in grid order.
std::vector<nlohmann::json> draw(std::vector<nlohmann::json> points, int n, std::uint64_t seed) {
  if (n <= 0 || n >= static_cast<int>(points.size())) return points;
  std::vector<std::size_t> order(points.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  order.resize(static_cast<std::size_t>(n));
  std::sort(order.begin(), order.end());
  std::vector<nlohmann::json> out;
  for (const auto k : order) out.push_back(points[k]);
  return out;
}

[[noreturn]] void unknown_knob(const std::string& model, const std::string& knob) {
  throw InputError(fmt::format("sweep --model {}: unknown knob '{}' (the knobs: {})", model, knob,
                               [&] {
                                 std::string names;
                                 for (const auto& [n, v] : default_sweep_axes(model))
                                   names += (names.empty() ? "" : ", ") + n;
                                 return names;
                               }()));
}

void apply_knn(ItemKnnParams& p, const std::string& knob, double v) {
  if (knob == "neighbours") p.neighbours = static_cast<int>(v);
  else if (knob == "shrinkage") p.shrinkage = static_cast<float>(v);
  else if (knob == "weighting") p.weighting = static_cast<KnnWeighting>(static_cast<int>(v));
  else if (knob == "bm25_k1") p.bm25_k1 = static_cast<float>(v);
  else if (knob == "bm25_b") p.bm25_b = static_cast<float>(v);
  else unknown_knob("itemknn", knob);
}

void apply_tifu(TifuKnnParams& p, const std::string& knob, double v) {
  if (knob == "group_size") p.group_size = static_cast<int>(v);
  else if (knob == "within_decay") p.within_decay = v;
  else if (knob == "across_decay") p.across_decay = v;
  else if (knob == "alpha") p.alpha = v;
  else if (knob == "neighbours") p.neighbours = static_cast<int>(v);
  else unknown_knob("tifuknn", knob);
}

// The model's metrics and the baselines' from one evaluation of the trial.
nlohmann::json run_trial(const Dataset& data, const ListSweepOptions& o, const nlohmann::json& point,
                         bool with_baselines, const Backend& backend) {
  EvaluateOptions e;
  e.split = o.split;
  e.protocol = o.protocol;
  e.ks = o.ks;
  e.cold_start = o.cold_start;
  e.seed = o.seed;
  e.train_ials = false;
  e.baselines = with_baselines;
  if (o.external)
    e.external.push_back(o.external(point));
  else
    e.item_models = apply_point(o.model, o.base, point);
  return evaluate(data, e, backend);
}

nlohmann::json against_popularity(const nlohmann::json& best, double popularity,
                                  const std::string& metric) {
  const double b = best["score"].get<double>();
  const bool wins = popularity > b;
  if (wins)
    spdlog::warn("sweep: popularity beats every trial: {} = {:.5f} against {:.5f} for the best",
                 metric, popularity, b);
  return {{"metric", metric}, {"best_trial", best["trial"]}, {"best", b},
          {"popularity", popularity}, {"popularity_wins", wins}};
}

}  // namespace

std::vector<SweepAxis> default_sweep_axes(const std::string& model) {
  if (model == "itemknn")
    return {{"neighbours", {10, 20, 50, 100}}, {"shrinkage", {0, 10}}, {"weighting", {0, 1, 2}}};
  if (model == "ease") return {{"lambda", {50, 200, 500, 1000, 3000}}};
  if (model == "tifuknn")
    return {{"group_size", {3, 7}}, {"within_decay", {0.9, 1.0}}, {"across_decay", {0.7, 0.9}},
            {"alpha", {0.3, 0.7, 0.9}}};
  if (model == "ranker")
    return {{"max_depth", {3, 4, 6}}, {"min_child_weight", {1, 10}}, {"train_windows", {1, 3}}};
  throw InputError(fmt::format(
      "sweep --model '{}': unknown model: use ials, bpr, itemknn, ease, tifuknn or ranker", model));
}

SweepAxis parse_sweep_axis(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw InputError(fmt::format("--grid '{}': expected KNOB=V1,V2,... (e.g. neighbours=10,20)",
                                 text));
  SweepAxis axis{text.substr(0, eq), {}};
  std::stringstream ss(text.substr(eq + 1));
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      std::size_t used = 0;
      axis.second.push_back(std::stod(part, &used));
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw InputError(fmt::format("--grid '{}': '{}' is not a number", text, part));
    }
  }
  if (axis.second.empty()) throw InputError(fmt::format("--grid '{}': no value given", text));
  return axis;
}

ItemModelOptions apply_point(const std::string& model, const ItemModelOptions& base,
                             const nlohmann::json& point) {
  ItemModelOptions o = base;
  o.itemknn = model == "itemknn";
  o.ease = model == "ease";
  o.tifuknn = model == "tifuknn";
  if (!o.itemknn && !o.ease && !o.tifuknn) default_sweep_axes(model);  // InputError for names
  for (const auto& [knob, value] : point.items()) {
    const double v = value.get<double>();
    if (o.itemknn) apply_knn(o.knn, knob, v);
    else if (o.tifuknn) apply_tifu(o.tifu, knob, v);
    else if (knob == "lambda") o.ease_params.regularization = v;
    else unknown_knob(model, knob);
  }
  if (o.itemknn && (o.knn.weighting < KnnWeighting::none || o.knn.weighting > KnnWeighting::bm25))
    throw InputError("sweep --model itemknn: weighting must be 0 (none), 1 (tfidf) or 2 (bm25)");
  validate_item_knn_params(o.knn, "sweep --model itemknn");
  validate_ease_params(o.ease_params, "sweep --model ease");
  validate_tifuknn_params(o.tifu);
  return o;
}

nlohmann::json sweep_lists(const Dataset& data, const ListSweepOptions& o, const Backend& backend) {
  const std::vector<SweepAxis> axes = o.axes.empty() ? default_sweep_axes(o.model) : o.axes;
  const std::vector<nlohmann::json> points = draw(grid_points(axes), o.random_trials, o.seed);
  const std::string metric = o.metric.empty() ? fmt::format("ndcg@{}", o.ks.back()) : o.metric;
  spdlog::info("sweep: {} trials of {} on split {}, metric {}", points.size(), o.model,
               o.split.text, metric);
  std::vector<nlohmann::json> trials;
  nlohmann::json first;
  for (std::size_t t = 0; t < points.size(); ++t) {
    const auto start = std::chrono::steady_clock::now();
    nlohmann::json r = run_trial(data, o, points[t], t == 0, backend);
    const nlohmann::json& m = r["models"][o.model];
    if (!m.contains(metric))
      throw InputError(fmt::format("--metric '{}': not computed; choose one of the metrics at "
                                   "k = {}",
                                   metric, fmt::join(o.ks, ",")));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("sweep: trial {}/{}: {}: {} = {:.5f} ({:.1f}s)", t + 1, points.size(),
                 points[t].dump(), metric, m[metric].get<double>(), secs);
    trials.push_back({{"trial", t + 1}, {"params", points[t]}, {"score", m[metric]},
                      {"metrics", m}, {"seconds", secs}});
    if (t == 0) first = std::move(r);
  }
  std::stable_sort(trials.begin(), trials.end(), [](const auto& a, const auto& b) {
    return a["score"].template get<double>() > b["score"].template get<double>();
  });
  nlohmann::json baselines = nlohmann::json::object();
  for (const char* name : {"popularity", "buy_again", "random"})
    baselines[name] = first["models"][name];
  const auto& best = trials.front();
  return {{"kind", "sweep"}, {"model", o.model}, {"input", data.path.string()},
          {"created_at", utc_now_iso8601()}, {"metric", metric}, {"split", first["split"]},
          {"protocol", to_string(o.protocol)}, {"k", o.ks}, {"customers", first["customers"]},
          {"trials", trials},
          {"best", {{"trial", best["trial"]}, {"params", best["params"]}, {"score", best["score"]}}},
          {"baselines", baselines},
          {"best_against_popularity",
           against_popularity(best, baselines["popularity"].value(metric, 0.0), metric)}};
}

std::string format_list_sweep(const nlohmann::json& r) {
  const std::string metric = r["metric"];
  std::string out = fmt::format("model {}  split {}  protocol {}  metric {}\n\n{:>5} {:>10} {:>8}  {}\n",
                                r["model"].get<std::string>(),
                                r["split"].value("spec", std::string("?")),
                                r["protocol"].get<std::string>(), metric, "trial", metric,
                                "seconds", "parameters");
  for (const auto& t : r["trials"])
    out += fmt::format("{:>5} {:>10.5f} {:>8.1f}  {}\n", t["trial"].get<int>(),
                       t["score"].get<double>(), t["seconds"].get<double>(), t["params"].dump());
  out += "\nbaselines:";
  for (const auto& [name, m] : r["baselines"].items())
    out += fmt::format("  {} {:.5f}", name, m.value(metric, 0.0));
  out += "\n";
  const auto& c = r["best_against_popularity"];
  if (c.value("popularity_wins", false))
    out += fmt::format("\npopularity beats every trial: {} {:.5f} against {:.5f}\n", metric,
                       c["popularity"].get<double>(), c["best"].get<double>());
  return out;
}

}  // namespace tailor
