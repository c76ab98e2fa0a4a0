// tailor train: an iALS or BPR model from an interactions file, saved for `tailor recommend`.
#include <spdlog/spdlog.h>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/error.hpp"
#include "host/train/train.hpp"
#include "host/train/train_bpr.hpp"

namespace tailor::cli {
namespace {

struct TrainArgs {
  std::string input, model_path;
  ModelFlags model;
  DeviceFlags device;
  bool no_objective = false;
  std::string algorithm = "ials", negatives = "uniform", schedule = "constant";
  BprParams bpr;
};

void declare(CLI::App& cmd, TrainArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  cmd.add_option("--model", a.model_path, "Model file to write")->required();
  a.model.add_to(cmd);
  a.device.add_to(cmd);
  cmd.add_flag("--no-objective", a.no_objective, "Skip the per-epoch objective");
  cmd.add_option("--algorithm", a.algorithm, "ials or bpr [ials]")
      ->check(CLI::IsMember({"ials", "bpr"}));
  cmd.add_option("--learning-rate", a.bpr.learning_rate, "BPR: SGD step size [0.01]");
  cmd.add_option("--epochs", a.bpr.epochs, "BPR: epochs of sampled triples [100]");
  cmd.add_option("--negatives", a.negatives, "BPR: uniform or popularity [uniform]")
      ->check(CLI::IsMember({"uniform", "popularity"}));
  cmd.add_option("--lr-schedule", a.schedule, "BPR: constant or linear decay [constant]")
      ->check(CLI::IsMember({"constant", "linear"}));
}

// BPR takes the shared model flags that mean the same for it; the iALS-only ones are refused.
BprTrainOptions bpr_options(const TrainArgs& a) {
  const ModelFlags& m = a.model;
  if (m.alpha || m.cg_steps || m.iterations || m.confidence)
    throw InputError("--alpha, --cg-steps, --iterations and --confidence are iALS flags; BPR "
                     "takes --epochs, --learning-rate, --negatives, --lr-schedule");
  BprTrainOptions opts;
  opts.bpr = a.bpr;
  if (m.factors) opts.bpr.factors = *m.factors;
  if (m.regularization) opts.bpr.regularization = *m.regularization;
  if (m.seed) opts.bpr.seed = *m.seed;
  opts.bpr.negatives = parse_negatives(a.negatives);
  opts.bpr.schedule = parse_schedule(a.schedule);
  opts.report_objective = !a.no_objective;
  return opts;
}

TrainOptions ials_options(const TrainArgs& a) {
  TrainOptions opts;
  a.model.apply(opts.ials);
  validate_ials_params(opts.ials, "train");
  opts.report_objective = !a.no_objective;
  return opts;
}

Model train(const TrainArgs& a, TrainResult& result) {
  if (a.algorithm == "bpr") {
    const BprTrainOptions opts = bpr_options(a);
    const Backend backend = a.device.backend();
    return train_bpr_model(load_input(a.input, a.device.threads), opts, backend, &result);
  }
  const TrainOptions opts = ials_options(a);
  const Backend backend = a.device.backend();
  return train_model(load_input(a.input, a.device.threads), opts, backend, &result);
}

int run(const TrainArgs& a) {
  TrainResult result;
  const Model model = train(a, result);
  save_model(a.model_path, model);
  spdlog::info("train: {} epochs in {:.2f}s on {}; model -> {}", result.epochs.size(),
               result.seconds, result.backend, a.model_path);
  return 0;
}

}  // namespace

Command train_command() {
  return make_command<TrainArgs>("train", "Train an iALS model", declare, run);
}

}  // namespace tailor::cli
