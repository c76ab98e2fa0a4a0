// The pipeline stages chained: load -> train -> recommend -> export -> manifest.
// The CLI subcommands (train, recommend, run) are thin wrappers over these functions.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "host/campaign.hpp"
#include "host/campaign_export.hpp"
#include "host/config.hpp"
#include "host/dataset.hpp"
#include "host/export.hpp"
#include "host/model.hpp"
#include "host/recommend.hpp"
#include "host/train.hpp"
#include "host/train_bpr.hpp"

namespace tailor {

struct LoadedInput {
  std::filesystem::path path;
  std::string file_fingerprint;  // of the file's bytes
  Dataset data;
  InteractionMatrices matrices;
  double seconds = 0.0;
};

// rows(data), when set, picks the log rows that become interactions (e.g. all but returns; an
// empty result keeps every row); the matrices are built once, from those rows.
LoadedInput load_input(const std::filesystem::path& path, int threads,
                       const std::function<std::vector<bool>(const Dataset&)>& rows = {});

// Trains on `input` and packs the result with its ids, parameters and data fingerprint.
Model train_model(const LoadedInput& input, const TrainOptions& options, TrainResult* result = nullptr);
// The same for BPR (host/train_bpr.hpp).
Model train_bpr_model(const LoadedInput& input, const BprTrainOptions& options,
                      TrainResult* result = nullptr);

// A manifest skeleton: tool version, command, start time, host.
nlohmann::json new_manifest(const std::string& command);
nlohmann::json describe_input(const LoadedInput& input);
nlohmann::json describe_params(const IalsParams& p);
nlohmann::json describe_params(const BprParams& p);
nlohmann::json describe_model_params(const Model& m);  // by the model's algorithm
nlohmann::json describe_training(const TrainResult& r);
nlohmann::json describe_recommendations(const Recommendations& r, const TopNParams& p);
nlohmann::json describe_export(const ExportSummary& s);
nlohmann::json describe_campaign(const Campaign& campaign);

// The campaign stage of `tailor run` (config with a [campaign] section): builds the lists, checks
// the QA gates (a breach writes <manifest>.rejected.json, publishes nothing and throws RunError),
// then writes the CSV, JSON lines and HDF5 exports. Adds "campaign", "qa" and "outputs" to the
// manifest.
void run_campaign_stage(const RunConfig& config, const LoadedInput& input, const Model& model,
                        nlohmann::json& manifest);

// `tailor run`: the nightly job. Writes the model (if configured), the export and, last, the
// manifest; returns the manifest.
nlohmann::json run_pipeline(const RunConfig& config);

}  // namespace tailor
