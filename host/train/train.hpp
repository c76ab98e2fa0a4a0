// Training stage: iALS on the run's backend, with the objective and an ETA per epoch.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "host/core/device.hpp"
#include "host/data/dataset.hpp"
#include "host/data/input.hpp"
#include "host/train/model.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct EpochReport {
  int epoch = 0;          // 1-based
  double seconds = 0.0;   // this epoch's two half-steps (objective excluded)
  Objective objective;    // after the epoch
};

struct TrainOptions {
  IalsParams ials;
  bool report_objective = true;  // compute the full objective after every epoch
  bool log_epochs = true;        // a log line per epoch with the objective and the ETA
  std::function<void(const EpochReport&)> on_epoch;  // called after each epoch
  // Called after each epoch with the current factors (customers x k, items x k), e.g. to score a
  // validation split; returning false stops training there (early stopping). Copying the
  // factors off the device each epoch costs time, so leave it unset when not needed.
  std::function<bool(const EpochReport&, std::span<const float> X, std::span<const float> Y)>
      after_epoch;
};

struct TrainResult {
  std::vector<float> customer_factors;  // customers x factors, row-major
  std::vector<float> item_factors;      // items x factors
  std::vector<EpochReport> epochs;
  std::string backend;                  // the engine's name: "cpu", "cuda", "cpu (2 threads)"
  Device device = Device::cpu;          // where it ran: cpu or cuda
  double seconds = 0.0;                 // whole stage, upload and download included
};

// The one check of model parameters (kernels/validate.hpp) for every entry point: the config,
// the command line, training and fold-in. InputError "{where}: {key} = {value}: {rule}".
void validate_ials_params(const IalsParams& p, const std::string& where);
void validate_bpr_params(const BprParams& p, const std::string& where);

// Seeded initial factors: uniform in [0, 0.01), the same for both backends.
std::vector<float> initial_factors(std::int64_t rows, int factors, std::uint64_t seed);

// RunError naming the first non-finite value of `factors` ("customer"/"item" in `what`), with a
// hint on what to change; training calls it on its result.
void check_finite_factors(const std::vector<float>& factors, const char* what, const char* hint);

// Trains on `backend` from seeded initial factors. Throws InputError for unsupported parameters
// (e.g. factors above kMaxFactors) and RunError if training diverges (non-finite factors).
TrainResult train_ials(const InteractionMatrices& m, const TrainOptions& options,
                       const Backend& backend);

// The whole problem's size, as the log and the initial factors see it.
struct IalsShape {
  std::int64_t customers = 0, items = 0, interactions = 0;
};
// train_ials on the engine `make` makes (a sharded run's make_cpu_ials_shard): the same initial
// factors from the seed, epochs, log lines and divergence checks.
TrainResult train_ials_with(const std::function<std::unique_ptr<IalsEngine>()>& make,
                            const IalsShape& shape, const TrainOptions& options, Device device);

// A trained result packed with the ids, provenance and history of the data it came from (the
// factors are moved out of r); the caller sets the algorithm and its parameters.
Model pack_model(const LoadedInput& input, TrainResult& r, bool with_objective);
// The same from the parts (a sharded run has no LoadedInput).
Model pack_model(const std::vector<std::string>& customer_ids,
                 const std::vector<std::string>& item_ids, const std::string& data_fingerprint,
                 const std::filesystem::path& input_path, TrainResult& r, bool with_objective);

// Trains on `input` and packs the result with its ids, parameters and data fingerprint.
Model train_model(const LoadedInput& input, const TrainOptions& options, const Backend& backend,
                  TrainResult* result = nullptr);

}  // namespace tailor
