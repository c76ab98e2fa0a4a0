// tailor evaluate: train on a split (or take a model) and score it beside the baselines.
#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <sstream>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/data/input.hpp"
#include "host/eval/evaluate.hpp"
#include "host/pipeline/config.hpp"
#include "host/rank/ranker.hpp"
#include "host/report/report.hpp"
#include "host/train/item_models.hpp"
#include "host/train/planner.hpp"
#include "host/train/train.hpp"

namespace tailor::cli {
namespace {

// --knn-*, --ease-* and --tifu-* for the models --models names: InputError for a flag whose
// model is not among them.
void apply_history_flags(const HistoryModelFlags& f, ItemModelOptions& o) {
  if (f.any_knn() && !o.itemknn) throw InputError("evaluate: --knn-* flags need itemknn in --models");
  if (f.any_ease() && !o.ease) throw InputError("evaluate: --ease-* flags need ease in --models");
  if (f.any_tifu() && !o.tifuknn)
    throw InputError("evaluate: --tifu-* flags need tifuknn in --models");
  HistoryModelParams p{o.knn, o.ease_params, o.ease_max_bytes, o.tifu};
  f.apply(p, "evaluate");
  o.knn = p.itemknn;
  o.ease_params = p.ease;
  o.ease_max_bytes = p.ease_max_bytes;
  o.tifu = p.tifuknn;
}

// "ials,bpr,itemknn,ease,tifuknn,ranker" -> which models evaluate fits (ranker: whether the
// two-stage ranker is among them); InputError naming an unknown one.
void parse_models(const std::string& text, EvaluateOptions& o, bool& ranker) {
  ranker = false;
  o.train_ials = false;
  std::stringstream ss(text);
  std::string name;
  bool any = false;
  while (std::getline(ss, name, ',')) {
    if (name == "ials") o.train_ials = true;
    else if (name == "bpr") o.train_bpr = true;
    else if (name == "itemknn") o.item_models.itemknn = true;
    else if (name == "ease") o.item_models.ease = true;
    else if (name == "tifuknn") o.item_models.tifuknn = true;
    else if (name == "ranker") ranker = true;
    else
      throw InputError(fmt::format(
          "--models '{}': unknown model '{}': use ials, bpr, itemknn, ease, tifuknn or ranker",
          text, name));
    any = true;
  }
  if (!any) throw InputError(fmt::format("--models '{}': no model given", text));
}

struct EvaluateArgs {
  std::string input, json, report, config;
  EvalFlags eval;
  bool no_epochs = false;
  std::string model_file, model_name = "ials", models = "ials";
  ModelFlags model;
  BprFlags bpr;
  HistoryModelFlags item_models;
  DeviceFlags device;
};

void declare(CLI::App& cmd, EvaluateArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  a.eval.add_to(cmd, "time:YYYY-MM-DD | last:K | random:F | customers:F",
                "Cutoffs, e.g. 10,20 [10,20]");
  cmd.add_option("--config", a.config, "Take the [model] section of a nightly config");
  cmd.add_option("--json", a.json, "Write the results as JSON");
  cmd.add_option("--report", a.report, "Write a self-contained HTML report");
  cmd.add_flag("--no-epoch-metrics", a.no_epochs, "Score only the final model");
  cmd.add_option("--model-file", a.model_file,
                 "Score this model (same ids as --input) instead of training one");
  cmd.add_option("--model-name", a.model_name, "Name of the model in the results [ials]");
  cmd.add_option("--models", a.models,
                 "Models to fit, of ials, bpr, itemknn, ease, tifuknn and ranker [ials]");
  a.model.add_to(cmd);
  a.bpr.add_to(cmd, "bpr-");
  a.item_models.add_to(cmd);
  a.device.add_to(cmd);
}

// The ranker's parameters: [ranker] of --config (its label window, else 30 days), with the
// sources' parameters as this evaluation sets them.
RankerParams evaluation_ranker_params(const EvaluateArgs& a, const EvaluateOptions& o) {
  RankerParams p;
  if (!a.config.empty()) p = ranker_params(load_config(a.config), p.horizon_seconds);
  p.sources.ials = o.ials;
  p.sources.itemknn = o.item_models.knn;
  p.sources.tifuknn = o.item_models.tifu;
  validate_ranker_params(p, a.config.empty() ? "evaluate" : a.config + ": [ranker]");
  return p;
}

// The options without the external model, which the caller loads after the input, and
// without the ranker, which needs the data.
EvaluateOptions evaluate_options(const EvaluateArgs& a, bool& ranker) {
  EvaluateOptions opts;
  if (!a.config.empty()) {
    const RunConfig config = load_config(a.config);
    opts.ials = config.ials;
    opts.bpr = config.bpr;
  }
  a.model.apply(opts.ials);
  validate_ials_params(opts.ials, "evaluate");
  a.eval.apply(opts);
  opts.per_epoch_metrics = !a.no_epochs;
  opts.model_name = a.model_name;
  parse_models(a.models, opts, ranker);
  if (a.bpr.any() && !opts.train_bpr)
    throw InputError("evaluate: --bpr-* flags need bpr in --models");
  a.bpr.apply(opts.bpr);
  validate_bpr_params(opts.bpr, "evaluate");
  apply_history_flags(a.item_models, opts.item_models);
  return opts;
}

int run(const EvaluateArgs& a) {
  bool ranker = false;
  EvaluateOptions opts = evaluate_options(a, ranker);
  const LoadedInput input = load_input(a.input, a.device.threads);
  if (ranker)
    opts.external.push_back(ranker_evaluation(input.data, evaluation_ranker_params(a, opts)));
  std::optional<Model> external;
  if (!a.model_file.empty()) {
    external = load_model(a.model_file);
    if (external->history_model())
      throw InputError(fmt::format("evaluate --model-file {}: a {} model is scored from the "
                                   "histories of the split's training rows; fit it there with "
                                   "--models {}",
                                   a.model_file, external->algorithm, external->algorithm));
    opts.model = &*external;
  }
  const nlohmann::json result = evaluate(input.data, opts, a.device.backend());
  std::cout << format_evaluation(result);
  if (!a.json.empty()) write_file_atomically(a.json, result.dump(2) + "\n");
  if (!a.report.empty()) write_report(a.report, result);
  return 0;
}

}  // namespace

Command evaluate_command() {
  return make_command<EvaluateArgs>(
      "evaluate", "Train on a split and score model and baselines", declare, run);
}

}  // namespace tailor::cli
