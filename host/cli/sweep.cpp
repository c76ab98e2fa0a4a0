// tailor sweep: a search of a model's hyper-parameters on a validation split: iALS with its
// epochs and early stopping, or one of the models without epochs (host/eval/sweep_lists.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/atomic_file.hpp"
#include "host/data/input.hpp"
#include "host/core/error.hpp"
#include "host/eval/sweep.hpp"
#include "host/eval/sweep_lists.hpp"
#include "host/pipeline/config.hpp"
#include "host/rank/ranker.hpp"
#include "host/report/report.hpp"

namespace tailor::cli {
namespace {

struct SweepArgs {
  std::string input, metric, json, report, best, base, model_name = "ials", config;
  std::vector<std::string> grid;
  EvalFlags eval;
  std::string factors = "32,64,128", regularization = "0.01,0.05,0.1,0.5", alpha = "1,5,20",
              iterations = "30";
  SweepOptions options;
  ModelFlags model;
  DeviceFlags device;
};

// The search itself: split, cutoffs, metric and the grid.
void declare_search(CLI::App& cmd, SweepArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  a.eval.add_to(cmd, "Validation split, e.g. time:2011-10-01", "Cutoffs [10,20]");
  cmd.add_option("--metric", a.metric, "What to maximise, e.g. recall@20 [ndcg@<largest k>]");
  cmd.add_option("--grid-factors", a.factors, "Values to try [32,64,128]");
  cmd.add_option("--grid-regularization", a.regularization, "Values to try [0.01,0.05,0.1,0.5]");
  cmd.add_option("--grid-alpha", a.alpha, "Values to try [1,5,20]");
  cmd.add_option("--grid-iterations", a.iterations, "Most epochs per trial [30]");
  cmd.add_option("--random", a.options.random_trials,
                 "Random search: this many grid points [0 = all]")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--patience", a.options.patience,
                 "Epochs without improvement before stopping [3]")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--seed", a.options.seed, "Seed of the random search and baseline [42]");
  cmd.add_option("--model", a.model_name,
                 "Model to tune: ials, itemknn, ease, tifuknn or ranker [ials]");
  cmd.add_option("--grid", a.grid,
                 "For models other than ials: KNOB=V1,V2,... (repeatable; default grid per "
                 "model, docs/evaluation.md)");
  cmd.add_option("--config", a.config,
                 "Nightly config whose [tifuknn], [ranker] and [model] set what is not searched");
}

void declare(CLI::App& cmd, SweepArgs& a) {
  declare_search(cmd, a);
  cmd.add_option("--json", a.json, "Write all trials as JSON");
  cmd.add_option("--report", a.report, "Write a self-contained HTML report");
  cmd.add_option("--best", a.best, "Write the best configuration as a `tailor run` TOML");
  cmd.add_option("--base-config", a.base, "Nightly config whose other sections --best keeps");
  cmd.add_option("--cg-steps", a.model.cg_steps, "CG steps per row [3]");
  cmd.add_option("--confidence", a.model.confidence, "linear or log [linear]")
      ->check(CLI::IsMember({"linear", "log"}));
  a.device.add_to(cmd);
}

SweepOptions sweep_options(const SweepArgs& a) {
  SweepOptions sw = a.options;
  a.model.apply(sw.base);
  a.eval.apply(sw);
  sw.metric = a.metric;
  sw.space.factors = parse_int_list("--grid-factors", a.factors);
  sw.space.regularization = parse_float_list("--grid-regularization", a.regularization);
  sw.space.alpha = parse_float_list("--grid-alpha", a.alpha);
  sw.space.iterations = parse_int_list("--grid-iterations", a.iterations);
  return sw;
}

// The search over a model without epochs: item kNN, EASE, TIFU-KNN or the ranker.
ListSweepOptions list_sweep_options(const SweepArgs& a, const Dataset& data) {
  const SweepOptions sw = sweep_options(a);
  ListSweepOptions o;
  o.split = sw.split;
  o.protocol = sw.protocol;
  o.ks = sw.ks;
  o.cold_start = sw.cold_start;
  o.metric = sw.metric;
  o.random_trials = sw.random_trials;
  o.seed = sw.seed;
  o.model = a.model_name;
  for (const auto& g : a.grid) o.axes.push_back(parse_sweep_axis(g));
  std::optional<RunConfig> cfg;
  if (!a.config.empty()) cfg = load_config(a.config);
  if (cfg) o.base.tifu = cfg->tifuknn;
  if (o.model == "ranker") {
    RankerParams base = cfg ? ranker_params(*cfg, RankerParams{}.horizon_seconds) : RankerParams{};
    o.external = [&data, base](const nlohmann::json& point) {
      return ranker_evaluation(data, apply_ranker_point(base, point));
    };
  }
  default_sweep_axes(o.model);  // InputError for an unknown model
  return o;
}

int run_list_sweep(const SweepArgs& a) {
  if (!a.best.empty())
    throw InputError(fmt::format("sweep --model {}: --best writes iALS configs only; put the best "
                                 "trial's parameters into the [{}] section",
                                 a.model_name, a.model_name));
  const LoadedInput input = load_input(a.input, a.device.threads);
  const ListSweepOptions o = list_sweep_options(a, input.data);
  const nlohmann::json result = sweep_lists(input.data, o, a.device.backend());
  std::cout << format_list_sweep(result);
  if (!a.json.empty()) write_file_atomically(a.json, result.dump(2) + "\n");
  if (!a.report.empty()) write_report(a.report, result);
  return 0;
}

int run(const SweepArgs& a) {
  if (a.model_name != "ials") return run_list_sweep(a);
  if (!a.grid.empty()) throw InputError("sweep: --grid is for --model itemknn, ease, tifuknn or ranker; iALS takes --grid-factors and the like");
  const SweepOptions sw = sweep_options(a);
  const LoadedInput input = load_input(a.input, a.device.threads);
  const nlohmann::json result = sweep(input.data, sw, a.device.backend());
  std::cout << format_sweep(result);
  if (!a.json.empty()) write_file_atomically(a.json, result.dump(2) + "\n");
  if (!a.report.empty()) write_report(a.report, result);
  if (!a.best.empty())
    write_best_config(a.best, result,
                      a.base.empty() ? std::nullopt
                                     : std::optional<std::filesystem::path>(a.base));
  return 0;
}

}  // namespace

Command sweep_command() {
  return make_command<SweepArgs>("sweep", "Search a model's hyper-parameters on a validation split",
                                 declare, run);
}

}  // namespace tailor::cli
