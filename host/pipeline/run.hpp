// The pipeline stages chained: load -> train -> recommend -> export -> manifest.
// The CLI subcommands (train, recommend, run) are thin wrappers over these functions.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "host/campaign/score_source.hpp"
#include "host/data/input.hpp"
#include "host/pipeline/config.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// The campaign stage of `tailor run` (config with a [campaign] section): builds the lists with
// the discovery and model slots ranked by `scores` (make_score_source), checks the QA gates (a
// breach writes <manifest>.rejected.json, publishes nothing and throws RunError), then writes
// the CSV, JSON lines and HDF5 exports. Adds "campaign", "qa" and "outputs" to the manifest.
void run_campaign_stage(const RunConfig& config, const LoadedInput& input,
                        const ScoreSource& scores, const Backend& backend,
                        nlohmann::json& manifest);

// Whether `tailor run` trains the [model] section's model (iALS, or BPR with algorithm = "bpr"):
// without a campaign (plain lists are that model's), with [campaign] model = "ials" (the slot
// takes the [model] section's factors, whichever algorithm), or when [model] path asks for the
// model file. A campaign with a history model as its slot model and no model path trains nothing
// but that model.
bool run_trains_model(const RunConfig& config);

// The model of the config's [model] section (config.algorithm) on `input`: iALS, BPR, or a
// history model with the parameters of its own section (fit_history_model).
Model train_configured(const RunConfig& config, const LoadedInput& input, const Backend& backend,
                       bool report_objective, bool log_epochs, TrainResult* result = nullptr);

// `tailor recommend`: the lists of a saved model for every customer of an interactions file.
struct RecommendJob {
  std::filesystem::path input;     // interactions: histories and seen items
  std::filesystem::path model;     // a model written by `tailor train` or `tailor run`
  std::filesystem::path output;    // the CSV
  std::filesystem::path manifest;  // empty: <output>.manifest.json
  TopNParams topn;                 // as validate_topn_params accepts
  int threads = 0;                 // for loading; 0 = all cores
};

// Load -> score -> export -> manifest on `backend`, through the same scoring, export and
// manifest code as run_pipeline without a campaign. Returns the manifest written.
nlohmann::json run_recommend(const RecommendJob& job, const Backend& backend);

// `tailor run`: the nightly job, computed on `backend` (made once from config.device). Writes
// the model (if configured and trained, run_trains_model), the export and, last, the manifest;
// returns the manifest.
nlohmann::json run_pipeline(const RunConfig& config, const Backend& backend);

}  // namespace tailor
