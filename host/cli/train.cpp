// tailor train: an iALS, BPR, item kNN, EASE or TIFU-KNN model from an interactions file, saved
// for `tailor recommend`.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "host/cli/command.hpp"
#include "host/cli/flags.hpp"
#include "host/core/error.hpp"
#include "host/train/history_model.hpp"
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
  HistoryModelFlags history;
};

void declare(CLI::App& cmd, TrainArgs& a) {
  cmd.add_option("--input", a.input, "HDF5 interactions file")->required();
  cmd.add_option("--model", a.model_path, "Model file to write")->required();
  a.model.add_to(cmd);
  a.device.add_to(cmd);
  cmd.add_flag("--no-objective", a.no_objective, "Skip the per-epoch objective");
  cmd.add_option("--algorithm", a.algorithm, "ials, bpr, itemknn, ease or tifuknn [ials]")
      ->check(CLI::IsMember({"ials", "bpr", "itemknn", "ease", "tifuknn"}));
  a.bpr.add_to(cmd);
  a.history.add_to(cmd);
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

// The history model's parameters: its own flags; every other model's flags are refused.
HistoryModelParams history_params(const TrainArgs& a) {
  const HistoryModelFlags& h = a.history;
  const bool wrong = (h.any_knn() && a.algorithm != "itemknn") ||
                     (h.any_ease() && a.algorithm != "ease") ||
                     (h.any_tifu() && a.algorithm != "tifuknn");
  if (wrong || a.bpr.any() || a.model.any())
    throw InputError(fmt::format("train: --algorithm {} takes only its own flags ({}); the "
                                 "others belong to another algorithm",
                                 a.algorithm,
                                 a.algorithm == "itemknn" ? "--knn-*"
                                 : a.algorithm == "ease"  ? "--ease-*"
                                                          : "--tifu-*"));
  HistoryModelParams p;
  h.apply(p, "train");
  return p;
}

void refuse_history_flags(const TrainArgs& a) {
  if (a.history.any_knn() || a.history.any_ease() || a.history.any_tifu())
    throw InputError(fmt::format("train: --knn-*, --ease-* and --tifu-* flags need --algorithm "
                                 "itemknn, ease or tifuknn (not {})",
                                 a.algorithm));
}

Model train(const TrainArgs& a, TrainResult& result) {
  if (is_history_algorithm(a.algorithm)) {
    const HistoryModelParams p = history_params(a);
    const Backend backend = a.device.backend();
    return fit_history_model(a.algorithm, load_input(a.input, a.device.threads), p, backend,
                             &result);
  }
  refuse_history_flags(a);
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
  if (model.history_model())
    spdlog::info("train: {} in {:.2f}s on {}; model -> {}", model.algorithm, result.seconds,
                 result.backend, a.model_path);
  else
    spdlog::info("train: {} epochs in {:.2f}s on {}; model -> {}", result.epochs.size(),
                 result.seconds, result.backend, a.model_path);
  return 0;
}

}  // namespace

Command train_command() {
  return make_command<TrainArgs>("train", "Train an iALS, BPR, item kNN, EASE or TIFU-KNN model", declare, run);
}

}  // namespace tailor::cli
