#include "host/train/loop.hpp"

#include "host/core/error.hpp"
#include "host/core/progress.hpp"

namespace tailor {

void run_training_loop(const TrainingLoop& loop, TrainResult& result,
                       const std::function<void(std::span<float>, std::span<float>)>& download) {
  Progress progress("train", loop.epochs, "epochs");
  for (int epoch = 1; epoch <= loop.epochs; ++epoch) {
    EpochStep step = loop.step(epoch);
    step.report.epoch = epoch;
    if (!step.diverged.empty()) throw RunError(step.diverged);
    result.epochs.push_back(step.report);
    if (loop.log_epochs) progress.update(epoch, step.detail, true);
    if (loop.notify) loop.notify(epoch);
    if (loop.after_epoch) {
      download(result.customer_factors, result.item_factors);
      if (!loop.after_epoch(step.report, result.customer_factors, result.item_factors)) break;
    }
  }
  download(result.customer_factors, result.item_factors);
  check_finite_factors(result.customer_factors, "customer", loop.divergence_hint);
  check_finite_factors(result.item_factors, "item", loop.divergence_hint);
}

}  // namespace tailor
