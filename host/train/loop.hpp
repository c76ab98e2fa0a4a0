// The one epoch loop both trainers (iALS in train.cpp, BPR in train_bpr.cpp) run: timing, the
// log line with an ETA, the divergence check, the per-epoch hooks with early stopping, and the
// final download of the factors with their finiteness check.
#pragma once

#include <functional>
#include <span>
#include <stdexcept>
#include <string>

#include "host/core/error.hpp"
#include "host/train/train.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

// What one epoch of an engine produced.
struct EpochStep {
  EpochReport report;    // seconds: the epoch's own work (objective excluded); epoch: by the loop
  std::string detail;    // the log line after "train: e/E epochs"
  std::string diverged;  // non-empty: training diverged, this is the error (RunError)
};

struct TrainingLoop {
  int epochs = 1;
  bool log_epochs = true;
  // Runs epoch `epoch` (1-based) on the engine and reports it.
  std::function<EpochStep(int epoch)> step;
  // Called after the epoch's log line (the trainer's own on_epoch callback).
  std::function<void(int epoch)> notify;
  // As TrainOptions::after_epoch; unset: the factors stay on the engine until the end.
  std::function<bool(const EpochReport&, std::span<const float> X, std::span<const float> Y)>
      after_epoch;
  const char* divergence_hint = "";  // what to change when the factors are not finite
};

// The engine make() returns; a parameter the kernels refuse (std::invalid_argument) is bad input,
// its message prefixed with `where` ("fold-in: ...") unless that is empty.
template <class Make>
auto make_engine(const std::string& where, Make&& make) {
  try {
    return make();
  } catch (const std::invalid_argument& e) {
    throw InputError(where.empty() ? std::string(e.what()) : where + ": " + e.what());
  }
}

// Runs the loop on `engine` (IalsEngine or BprEngine), appending to result.epochs and leaving
// the final factors in result.customer_factors / item_factors (sized by the caller).
template <class Engine>
void run_training_loop(Engine& engine, const TrainingLoop& loop, TrainResult& result) {
  run_training_loop(loop, result, [&](std::span<float> X, std::span<float> Y) {
    engine.get_factors(X, Y);
  });
}

void run_training_loop(const TrainingLoop& loop, TrainResult& result,
                       const std::function<void(std::span<float>, std::span<float>)>& download);

}  // namespace tailor
