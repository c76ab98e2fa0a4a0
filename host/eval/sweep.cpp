#include "host/eval/sweep.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/io/time.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"

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

}  // namespace

std::vector<float> parse_float_list(const std::string& flag, const std::string& text) {
  return parse_list<float>(flag, text);
}
std::vector<int> parse_int_list(const std::string& flag, const std::string& text) {
  return parse_list<int>(flag, text);
}

nlohmann::json sweep(const Dataset& data, const SweepOptions& o, const Backend& backend) {
  Split split = make_split(data, o.split);
  Evaluation ev(data, split, o.protocol, o.ks, backend);
  const std::string metric = o.metric.empty() ? fmt::format("ndcg@{}", ev.max_k()) : o.metric;
  {
    // The metric must be one the evaluation computes.
    nlohmann::json probe = ev.metrics(ev.baseline_lists("popularity", o.seed));
    if (!probe.contains(metric))
      throw InputError(fmt::format("--metric '{}': not computed; choose one of the metrics at k = {}",
                                   metric, fmt::join(ev.ks(), ",")));
  }

  // The grid, in a fixed order; random search draws distinct points from it.
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
  if (o.random_trials > 0 && o.random_trials < static_cast<int>(grid.size())) {
    std::mt19937_64 rng(o.seed);
    std::shuffle(grid.begin(), grid.end(), rng);
    grid.resize(static_cast<std::size_t>(o.random_trials));
  }
  spdlog::info("sweep: {} trials on split {}, metric {}, patience {}", grid.size(), o.split.text,
               metric, o.patience);

  nlohmann::json trials = nlohmann::json::array();
  for (std::size_t t = 0; t < grid.size(); ++t) {
    const IalsParams& p = grid[t];
    const auto start = std::chrono::steady_clock::now();
    nlohmann::json epochs = nlohmann::json::array(), best_metrics;
    double best = -1.0;
    int best_epoch = 0, since_best = 0;
    TrainOptions topts;
    topts.ials = p;
    topts.report_objective = false;
    topts.after_epoch = [&](const EpochReport& r, std::span<const float> X, std::span<const float> Y) {
      nlohmann::json m = ev.metrics(ev.model_lists(X, Y, p));
      const double score = m[metric].get<double>();
      epochs.push_back({{"epoch", r.epoch}, {metric, score}, {"seconds", r.seconds}});
      if (score > best) {
        best = score;
        best_epoch = r.epoch;
        best_metrics = m;
        since_best = 0;
      } else if (++since_best >= o.patience) {
        return false;
      }
      return true;
    };
    topts.log_epochs = false;  // one line per trial, not one per epoch
    (void)train_ials(ev.train(), topts, backend);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("sweep: trial {}/{}: factors {} regularization {} alpha {}: {} = {:.5f} at epoch "
                 "{} ({:.1f}s)",
                 t + 1, grid.size(), p.factors, p.regularization, p.alpha, metric, best, best_epoch,
                 seconds);
    trials.push_back({{"trial", t + 1},
                      {"params",
                       {{"factors", p.factors},
                        {"regularization", decimal(p.regularization)},
                        {"alpha", decimal(p.alpha)},
                        {"iterations", p.iterations},
                        {"cg_steps", p.cg_steps},
                        {"confidence", to_string(p.scaling)}}},
                      {"best_epoch", best_epoch},
                      {"score", best},
                      {"metrics", best_metrics},
                      {"epochs", epochs},
                      {"seconds", seconds}});
  }
  std::vector<nlohmann::json> sorted(trials.begin(), trials.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a["score"].template get<double>() > b["score"].template get<double>();
  });

  nlohmann::json baselines = nlohmann::json::object();
  for (const char* name : {"popularity", "buy_again", "random"})
    baselines[name] = ev.metrics(ev.baseline_lists(name, o.seed));

  const auto& b = sorted.front();
  return {{"kind", "sweep"},
          {"input", data.path.string()},
          {"created_at", utc_now_iso8601()},
          {"metric", metric},
          {"split", split.describe()},
          {"protocol", to_string(o.protocol)},
          {"k", ev.ks()},
          {"patience", o.patience},
          {"customers", {{"evaluated", ev.customers().size()}, {"without_relevant", ev.without_relevant()}}},
          {"trials", sorted},
          {"best",
           {{"trial", b["trial"]}, {"params", b["params"]}, {"score", b["score"]}, {"best_epoch", b["best_epoch"]}}},
          {"baselines", baselines}};
}

std::string format_sweep(const nlohmann::json& r) {
  const std::string metric = r["metric"];
  std::string out = fmt::format("split {}  protocol {}  metric {}\n\n{:>5} {:>8} {:>14} {:>8} {:>10} {:>10} {:>8}\n",
                                r["split"].value("spec", std::string("?")), r["protocol"].get<std::string>(),
                                metric, "trial", "factors", "regularization", "alpha", "best_epoch",
                                metric, "seconds");
  for (const auto& t : r["trials"])
    out += fmt::format("{:>5} {:>8} {:>14} {:>8} {:>10} {:>10.5f} {:>8.1f}\n", t["trial"].get<int>(),
                       t["params"]["factors"].get<int>(), t["params"]["regularization"].get<double>(),
                       t["params"]["alpha"].get<double>(), t["best_epoch"].get<int>(),
                       t["score"].get<double>(), t["seconds"].get<double>());
  out += "\nbaselines:";
  for (const auto& [name, m] : r["baselines"].items())
    out += fmt::format("  {} {:.5f}", name, m.value(metric, 0.0));
  return out + "\n";
}

}  // namespace tailor
