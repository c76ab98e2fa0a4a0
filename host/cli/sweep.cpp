// tailor sweep: a search of a model's hyper-parameters on a validation split: iALS or BPR with
// their epochs, or one of the models without epochs (host/eval/sweep_lists.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <vector>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/data/input.hpp"
#include "host/eval/sweep.hpp"
#include "host/eval/sweep_lists.hpp"
#include "host/pipeline/config.hpp"
#include "host/rank/ranker.hpp"
#include "host/report/report.hpp"
#include "host/train/model.hpp"

namespace tailor::cli {
namespace {

struct SweepArgs {
  std::string input, metric, json, report, best, base, model_name = "ials", config;
  std::vector<std::string> grid;
  EvalFlags eval;
  // Unset: the algorithm's defaults (SweepSpace, BprSweepSpace).
  std::optional<std::string> factors, regularization, alpha, iterations;
  std::optional<std::string> learning_rate, epochs, item_bias, bias_regularization;
  std::optional<std::string> negatives, schedule;
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
  cmd.add_option("--grid-regularization", a.regularization,
                 "Values to try [iALS 0.01,0.05,0.1,0.5; BPR 0.001,0.01,0.1]");
  cmd.add_option("--grid-alpha", a.alpha, "iALS: values to try [1,5,20]");
  cmd.add_option("--grid-iterations", a.iterations, "iALS: most epochs per trial [30]");
  cmd.add_option("--grid-learning-rate", a.learning_rate, "BPR: values to try [0.01,0.05]");
  cmd.add_option("--grid-epochs", a.epochs, "BPR: most epochs per trial [100]");
  cmd.add_option("--grid-item-bias", a.item_bias, "BPR: on, off or on,off [on]");
  cmd.add_option("--grid-bias-regularization", a.bias_regularization,
                 "BPR: item bias L2 weights to try [0.01]");
  cmd.add_option("--random", a.options.random_trials,
                 "Random search: this many grid points [0 = all]")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--patience", a.options.patience,
                 "Epochs without improvement before stopping [3]")
      ->check(CLI::PositiveNumber);
  cmd.add_option("--seed", a.options.seed, "Seed of the random search and baseline [42]");
  cmd.add_option("--model", a.model_name,
                 "Model to tune: ials, bpr, itemknn, ease, tifuknn or ranker [ials]");
  cmd.add_option("--grid", a.grid,
                 "For models other than ials and bpr: KNOB=V1,V2,... (repeatable; default grid per "
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
  cmd.add_option("--negatives", a.negatives, "BPR: uniform or popularity [uniform]")
      ->check(CLI::IsMember({"uniform", "popularity"}));
  cmd.add_option("--lr-schedule", a.schedule, "BPR: constant or linear [constant]")
      ->check(CLI::IsMember({"constant", "linear"}));
  a.device.add_to(cmd);
}

// "on,off" -> {true, false}; InputError for anything else.
std::vector<bool> parse_switch_list(const std::string& flag, const std::string& text) {
  std::vector<bool> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part != "on" && part != "off")
      throw InputError(fmt::format("{} '{}': '{}' is not on or off", flag, text, part));
    out.push_back(part == "on");
  }
  if (out.empty()) throw InputError(fmt::format("{} '{}': no value given", flag, text));
  return out;
}

// The flags of the other factor model than --model's: an InputError when any was given.
void refuse_other_algorithm(const SweepArgs& a) {
  const bool bpr = a.model_name == "bpr";
  const bool ials_given = a.alpha || a.iterations || a.model.cg_steps || a.model.confidence;
  const bool bpr_given = a.learning_rate || a.epochs || a.item_bias || a.bias_regularization ||
                         a.negatives || a.schedule;
  if (bpr && ials_given)
    throw InputError("sweep: --grid-alpha, --grid-iterations, --cg-steps and --confidence are "
                     "iALS flags; --model bpr searches --grid-learning-rate, --grid-epochs, "
                     "--grid-item-bias, --grid-bias-regularization");
  if (!bpr && bpr_given)
    throw InputError("sweep: --grid-learning-rate, --grid-epochs, --grid-item-bias, "
                     "--grid-bias-regularization, --negatives and --lr-schedule are BPR flags; "
                     "add --model bpr");
}

void bpr_space(const SweepArgs& a, SweepOptions& sw) {
  BprSweepSpace& s = sw.bpr_space;
  if (a.factors) s.factors = parse_int_list("--grid-factors", *a.factors);
  if (a.regularization)
    s.regularization = parse_float_list("--grid-regularization", *a.regularization);
  if (a.learning_rate) s.learning_rate = parse_float_list("--grid-learning-rate", *a.learning_rate);
  if (a.epochs) s.epochs = parse_int_list("--grid-epochs", *a.epochs);
  if (a.item_bias) s.item_bias = parse_switch_list("--grid-item-bias", *a.item_bias);
  if (a.bias_regularization)
    s.bias_regularization =
        parse_float_list("--grid-bias-regularization", *a.bias_regularization);
  if (a.negatives) sw.bpr_base.negatives = parse_negatives(*a.negatives);
  if (a.schedule) sw.bpr_base.schedule = parse_schedule(*a.schedule);
}

void ials_space(const SweepArgs& a, SweepOptions& sw) {
  SweepSpace& s = sw.space;
  a.model.apply(sw.base);
  if (a.factors) s.factors = parse_int_list("--grid-factors", *a.factors);
  if (a.regularization)
    s.regularization = parse_float_list("--grid-regularization", *a.regularization);
  if (a.alpha) s.alpha = parse_float_list("--grid-alpha", *a.alpha);
  if (a.iterations) s.iterations = parse_int_list("--grid-iterations", *a.iterations);
}

SweepOptions sweep_options(const SweepArgs& a) {
  refuse_other_algorithm(a);
  SweepOptions sw = a.options;
  sw.algorithm = a.model_name;
  a.eval.apply(sw);
  sw.metric = a.metric;
  if (sw.algorithm == "bpr")
    bpr_space(a, sw);
  else
    ials_space(a, sw);
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
    throw InputError(fmt::format("sweep --model {}: --best writes iALS and BPR configs only; put the best "
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
  if (a.model_name != "ials" && a.model_name != "bpr") return run_list_sweep(a);
  if (!a.grid.empty())
    throw InputError("sweep: --grid is for --model itemknn, ease, tifuknn or ranker; iALS and "
                     "BPR take --grid-factors and the like");
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
