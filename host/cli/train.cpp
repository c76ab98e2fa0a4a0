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
  std::string algorithm = "ials";
  BprFlags bpr;
};

void declare(CLI::App& cmd, TrainArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  cmd.add_option("--model", a.model_path, "Model file to write")->required();
  a.model.add_to(cmd);
  a.device.add_to(cmd);
  cmd.add_flag("--no-objective", a.no_objective, "Skip the per-epoch objective");
  cmd.add_option("--algorithm", a.algorithm, "ials or bpr [ials]")
      ->check(CLI::IsMember({"ials", "bpr"}));
  a.bpr.add_to(cmd);
}

// BPR takes the shared model flags that mean the same for it; the iALS-only ones are refused.
BprTrainOptions bpr_options(const TrainArgs& a) {
  BprTrainOptions opts;
  apply_to_bpr(a.model, opts.bpr, "train");
  a.bpr.apply(opts.bpr);
  validate_bpr_params(opts.bpr, "train");
  opts.report_objective = !a.no_objective;
  return opts;
}

TrainOptions ials_options(const TrainArgs& a) {
  if (a.bpr.any())
    throw InputError("train: --learning-rate, --epochs, --negatives, --lr-schedule, --item-bias "
                     "and --bias-regularization are BPR flags; add --algorithm bpr");
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
  return make_command<TrainArgs>("train", "Train an iALS or BPR model", declare, run);
}

}  // namespace tailor::cli
