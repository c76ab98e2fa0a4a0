#include "host/eval/sweep.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <type_traits>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/io/time.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"
#include "host/train/train_bpr.hpp"

namespace tailor {
namespace {

template <class T>
std::vector<T> parse_list(const std::string& flag, const std::string& text) {
  std::vector<T> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      std::size_t used = 0;
      T v;
      if constexpr (std::is_integral_v<T>) v = static_cast<T>(std::stol(part, &used));
      else v = std::stof(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
      out.push_back(v);
    } catch (const std::exception&) {
      throw InputError(fmt::format("{} '{}': '{}' is not a number", flag, text, part));
    }
  }
  if (out.empty()) throw InputError(fmt::format("{} '{}': no value given", flag, text));
  return out;
}

// The metric trials are ranked by: o.metric, or ndcg at the largest cutoff. InputError when the
// evaluation does not compute it.
std::string chosen_metric(const Evaluation& ev, const SweepOptions& o) {
  const std::string metric = o.metric.empty() ? fmt::format("ndcg@{}", ev.max_k()) : o.metric;
  const nlohmann::json probe = ev.metrics(ev.baseline_lists("popularity", o.seed));
  if (!probe.contains(metric))
    throw InputError(fmt::format("--metric '{}': not computed; choose one of the metrics at k = {}",
                                 metric, fmt::join(ev.ks(), ",")));
  return metric;
}

// With o.random_trials, that many distinct points of the grid, drawn with o.seed.
template <class Params>
void keep_random_trials(std::vector<Params>& grid, const SweepOptions& o) {
  if (o.random_trials <= 0 || o.random_trials >= static_cast<int>(grid.size())) return;
  std::mt19937_64 rng(o.seed);
  std::shuffle(grid.begin(), grid.end(), rng);
  grid.resize(static_cast<std::size_t>(o.random_trials));
}

// The trials: the whole grid (factors, then regularization, alpha, iterations, the last one
// varying fastest), or o.random_trials distinct points of it drawn with o.seed.
std::vector<IalsParams> trial_grid(const SweepOptions& o) {
  std::vector<IalsParams> grid;
  for (int f : o.space.factors)
    for (float r : o.space.regularization)
      for (float a : o.space.alpha)
        for (int it : o.space.iterations) {
          IalsParams p = o.base;
          p.factors = f;
          p.regularization = r;
          p.alpha = a;
          p.iterations = it;
          validate_ials_params(p, "sweep");
          grid.push_back(p);
        }
  keep_random_trials(grid, o);
  return grid;
}

// The BPR trials, as trial_grid: factors, regularization, learning rate, item bias, bias
// regularization, epochs, the last one varying fastest.
std::vector<BprParams> bpr_trial_grid(const SweepOptions& o) {
  const BprSweepSpace& s = o.bpr_space;
  std::vector<BprParams> grid;
  for (int f : s.factors)
    for (float r : s.regularization)
      for (float lr : s.learning_rate)
        for (bool bias : s.item_bias)
          for (float br : s.bias_regularization)
            for (int e : s.epochs) {
              BprParams p = o.bpr_base;
              p.factors = f;
              p.regularization = r;
              p.learning_rate = lr;
              p.item_bias = bias;
              p.bias_regularization = br;
              p.epochs = e;
              validate_bpr_params(p, "sweep");
              grid.push_back(p);
            }
  keep_random_trials(grid, o);
  return grid;
}

// A trial's best epoch so far, and early stopping: the trial ends after `patience` epochs in a
// row without a higher score than the best.
struct BestEpoch {
  double score = -1.0;
  int epoch = 0;
  nlohmann::json metrics;
  int since = 0;  // epochs since the best one

  // Records one epoch; false when the trial should stop.
  bool observe(int at, double s, nlohmann::json m, int patience) {
    if (s > score) {
      score = s;
      epoch = at;
      metrics = std::move(m);
      since = 0;
      return true;
    }
    return ++since < patience;
  }
};

nlohmann::json trial_params(const BprParams& p) { return bpr_parameters(p); }

nlohmann::json trial_params(const IalsParams& p) {
  return {{"factors", p.factors},
          {"regularization", decimal(p.regularization)},
          {"alpha", decimal(p.alpha)},
          {"iterations", p.iterations},
          {"cg_steps", p.cg_steps},
          {"confidence", to_string(p.scaling)}};
}

// The after_epoch hook of a trial: scores `metric` with `scoring` (the factor width and
// fold-in), records the epoch, keeps the best one and stops after `patience` epochs without one.
auto trial_hook(const Evaluation& ev, const IalsParams& scoring, const std::string& metric,
                int patience, nlohmann::json& epochs, BestEpoch& best) {
  return [&ev, scoring, &metric, patience, &epochs, &best](
             const EpochReport& r, std::span<const float> X, std::span<const float> Y) {
    nlohmann::json m = ev.metrics(ev.model_lists(X, Y, scoring));
    const double score = m[metric].get<double>();
    epochs.push_back({{"epoch", r.epoch}, {metric, score}, {"seconds", r.seconds}});
    return best.observe(r.epoch, score, std::move(m), patience);
  };
}

// Trains one trial (IalsParams or BprParams), scoring `metric` after every epoch; {"params",
// "best_epoch", "score", "metrics" (all metrics at the best epoch), "epochs", "seconds"}.
template <class Params>
nlohmann::json run_trial(const Evaluation& ev, const Params& p, const std::string& metric,
                         int patience, const Backend& backend) {
  const auto start = std::chrono::steady_clock::now();
  nlohmann::json epochs = nlohmann::json::array();
  BestEpoch best;
  if constexpr (std::is_same_v<Params, BprParams>) {
    BprTrainOptions topts;
    topts.bpr = p;
    topts.report_objective = false;
    topts.log_epochs = false;  // one line per trial, not one per epoch
    topts.after_epoch = trial_hook(ev, bpr_scoring_params(p), metric, patience, epochs, best);
    (void)train_bpr(ev.train(), topts, backend);
  } else {
    TrainOptions topts;
    topts.ials = p;
    topts.report_objective = false;
    topts.log_epochs = false;
    topts.after_epoch = trial_hook(ev, p, metric, patience, epochs, best);
    (void)train_ials(ev.train(), topts, backend);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"params", trial_params(p)},
          {"best_epoch", best.epoch},
          {"score", best.score},
          {"metrics", best.metrics},
          {"epochs", epochs},
          {"seconds", seconds}};
}

// The best trial against the popularity baseline on the ranking metric:
// {"metric", "best_trial", "best", "popularity", "popularity_wins"}. When popularity scores
// higher, no trial is worth using, and a warning says so; --best still writes the best trial.
nlohmann::json against_popularity(const nlohmann::json& best, const nlohmann::json& popularity,
                                  const std::string& metric) {
  const double b = best["score"].get<double>();
  const double pop = popularity.value(metric, 0.0);
  const bool wins = pop > b;
  if (wins)
    spdlog::warn("sweep: popularity beats every trial: {} = {:.5f} against {:.5f} for the best "
                 "trial (trial {}); a configuration from this sweep (--best) recommends worse "
                 "than the most popular items",
                 metric, pop, b, best["trial"].get<int>());
  return {{"metric", metric},
          {"best_trial", best["trial"]},
          {"best", b},
          {"popularity", pop},
          {"popularity_wins", wins}};
}

}  // namespace

std::vector<float> parse_float_list(const std::string& flag, const std::string& text) {
  return parse_list<float>(flag, text);
}
std::vector<int> parse_int_list(const std::string& flag, const std::string& text) {
  return parse_list<int>(flag, text);
}

namespace {

// One trial's knobs for the log line.
std::string trial_text(const IalsParams& p) {
  return fmt::format("factors {} regularization {} alpha {}", p.factors, p.regularization, p.alpha);
}
std::string trial_text(const BprParams& p) {
  return fmt::format("factors {} regularization {} learning rate {} item bias {} (lambda {})",
                     p.factors, p.regularization, p.learning_rate, p.item_bias ? "on" : "off",
                     p.bias_regularization);
}

// Every trial of the grid, in grid order, numbered from 1.
template <class Params>
std::vector<nlohmann::json> run_trials(const Evaluation& ev, const std::vector<Params>& grid,
                                       const SweepOptions& o, const std::string& metric,
                                       const Backend& backend) {
  spdlog::info("sweep: {} {} trials on split {}, metric {}, patience {}", grid.size(),
               o.algorithm, o.split.text, metric, o.patience);
  std::vector<nlohmann::json> trials;
  for (std::size_t t = 0; t < grid.size(); ++t) {
    nlohmann::json trial = run_trial(ev, grid[t], metric, o.patience, backend);
    trial["trial"] = t + 1;
    spdlog::info("sweep: trial {}/{}: {}: {} = {:.5f} at epoch {} ({:.1f}s)", t + 1, grid.size(),
                 trial_text(grid[t]), metric, trial["score"].get<double>(),
                 trial["best_epoch"].get<int>(), trial["seconds"].get<double>());
    trials.push_back(std::move(trial));
  }
  return trials;
}

}  // namespace

nlohmann::json sweep(const Dataset& data, const SweepOptions& o, const Backend& backend) {
  if (o.algorithm != "ials" && o.algorithm != "bpr")
    throw InputError(fmt::format("sweep: algorithm '{}': use ials or bpr", o.algorithm));
  Split split = make_split(data, o.split);
  Evaluation ev(data, split, o.protocol, o.ks, backend, o.cold_start, o.seed);
  const std::string metric = chosen_metric(ev, o);
  std::vector<nlohmann::json> sorted =
      o.algorithm == "bpr" ? run_trials(ev, bpr_trial_grid(o), o, metric, backend)
                           : run_trials(ev, trial_grid(o), o, metric, backend);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a["score"].template get<double>() > b["score"].template get<double>();
  });

  nlohmann::json baselines = nlohmann::json::object();
  for (const char* name : {"popularity", "buy_again", "random"})
    baselines[name] = ev.metrics(ev.baseline_lists(name, o.seed));

  const auto& b = sorted.front();
  return {{"kind", "sweep"},
          {"algorithm", o.algorithm},
          {"input", data.path.string()},
          {"created_at", utc_now_iso8601()},
          {"metric", metric},
          {"split", split.describe()},
          {"protocol", to_string(o.protocol)},
          {"k", ev.ks()},
          {"patience", o.patience},
          {"customers",
           {{"evaluated", ev.customers().size()},
            {"without_relevant", ev.without_relevant()},
            {"cold_start", ev.cold_start_rows().size()}}},
          {"cold_start", to_string(o.cold_start)},
          {"trials", sorted},
          {"best",
           {{"trial", b["trial"]},
            {"params", b["params"]},
            {"score", b["score"]},
            {"best_epoch", b["best_epoch"]}}},
          {"baselines", baselines},
          {"best_against_popularity", against_popularity(b, baselines["popularity"], metric)}};
}

std::string format_sweep(const nlohmann::json& r) {
  const std::string metric = r["metric"];
  // The third knob: iALS's alpha, BPR's learning rate (and its item bias after it).
  const bool bpr = r.value("algorithm", std::string("ials")) == "bpr";
  const char* third = bpr ? "learning_rate" : "alpha";
  std::string out = fmt::format("split {}  protocol {}  metric {}\n\n{:>5} {:>8} {:>14} {:>13}{} {:>10} {:>10} {:>8}\n",
                                r["split"].value("spec", std::string("?")), r["protocol"].get<std::string>(),
                                metric, "trial", "factors", "regularization", third,
                                bpr ? fmt::format(" {:>9}", "item_bias") : "", "best_epoch",
                                metric, "seconds");
  for (const auto& t : r["trials"]) {
    const auto& p = t["params"];
    const std::string bias =
        bpr ? fmt::format(" {:>9}", p["item_bias"].get<bool>()
                                        ? fmt::format("{}", p["bias_regularization"].get<double>())
                                        : "off")
            : "";
    out += fmt::format("{:>5} {:>8} {:>14} {:>13}{} {:>10} {:>10.5f} {:>8.1f}\n", t["trial"].get<int>(),
                       p["factors"].get<int>(), p["regularization"].get<double>(),
                       p[third].get<double>(), bias, t["best_epoch"].get<int>(),
                       t["score"].get<double>(), t["seconds"].get<double>());
  }
  out += "\nbaselines:";
  for (const auto& [name, m] : r["baselines"].items())
    out += fmt::format("  {} {:.5f}", name, m.value(metric, 0.0));
  out += "\n";
  const auto c = r.value("best_against_popularity", nlohmann::json::object());
  if (c.value("popularity_wins", false))
    out += fmt::format("\npopularity beats every trial: {} {:.5f} against {:.5f} for trial {}\n",
                       metric, c["popularity"].get<double>(), c["best"].get<double>(),
                       c["best_trial"].get<int>());
  return out;
}

}  // namespace tailor
