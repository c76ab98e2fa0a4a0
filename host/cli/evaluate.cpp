// tailor evaluate: train on a split (or take a model) and score it beside the baselines.
#include <iostream>
#include <optional>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/atomic_file.hpp"
#include "host/data/input.hpp"
#include "host/eval/evaluate.hpp"
#include "host/pipeline/config.hpp"
#include "host/report/report.hpp"
#include "host/train/train.hpp"

namespace tailor::cli {
namespace {

struct EvaluateArgs {
  std::string input, json, report, config;
  EvalFlags eval;
  bool no_epochs = false;
  std::string model_file, model_name = "ials";
  ModelFlags model;
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
  a.model.add_to(cmd);
  a.device.add_to(cmd);
}

// The options without the external model, which the caller loads after the input.
EvaluateOptions evaluate_options(const EvaluateArgs& a) {
  EvaluateOptions opts;
  if (!a.config.empty()) opts.ials = load_config(a.config).ials;
  a.model.apply(opts.ials);
  validate_ials_params(opts.ials, "evaluate");
  a.eval.apply(opts);
  opts.per_epoch_metrics = !a.no_epochs;
  opts.model_name = a.model_name;
  return opts;
}

int run(const EvaluateArgs& a) {
  EvaluateOptions opts = evaluate_options(a);
  const LoadedInput input = load_input(a.input, a.device.threads);
  std::optional<Model> external;
  if (!a.model_file.empty()) {
    external = load_model(a.model_file);
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
