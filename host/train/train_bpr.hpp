// Training stage for BPR (Rendle et al. 2009) on the run's backend: per-epoch sampled loss,
// ordering accuracy and an ETA, mirroring train_ials (host/train/train.hpp).
#pragma once

#include <functional>
#include <span>

#include "host/core/device.hpp"
#include "host/data/dataset.hpp"
#include "host/train/train.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct BprEpochReport {
  int epoch = 0;         // 1-based
  double seconds = 0.0;  // this epoch's SGD (objective excluded)
  BprStats train;        // over the epoch's own samples, each taken just before its update
  BprStats objective;    // on the fixed evaluation sample after the epoch (if report_objective)
};

struct BprTrainOptions {
  // Hogwild SGD: only a CPU backend with one thread gives the same factors on every run; the
  // CUDA engine is never bitwise reproducible.
  BprParams bpr;
  bool report_objective = true;  // evaluate the fixed sample after every epoch
  bool log_epochs = true;        // a log line per epoch with loss, accuracy and the ETA
  std::function<void(const BprEpochReport&)> on_epoch;
  // As TrainOptions::after_epoch: the EpochReport's objective carries the BPR loss (data = total
  // = normalized = the evaluation-sample loss, or the epoch's training loss without
  // report_objective; regularization = 0). Returning false stops training there.
  std::function<bool(const EpochReport&, std::span<const float> X, std::span<const float> Y)>
      after_epoch;
};

// Trains from seeded initial factors (bpr::initial_customer_factors and initial_item_factors:
// uniform in [-0.5, 0.5) / factors, customers from seed, items from a derived seed; with the item
// bias a last column of 1 for customers and 0 for items). The factors of the result, and of the
// model, have bpr_width(options.bpr) columns. TrainResult::epochs holds one EpochReport per
// epoch whose Objective fields carry the BPR loss as described above. Throws InputError for
// unsupported parameters and RunError if training diverges (non-finite loss or factors).
TrainResult train_bpr(const InteractionMatrices& m, const BprTrainOptions& options,
                      const Backend& backend);

// The same as train_model (host/train/train.hpp) for BPR.
Model train_bpr_model(const LoadedInput& input, const BprTrainOptions& options,
                      const Backend& backend, TrainResult* result = nullptr);

}  // namespace tailor
