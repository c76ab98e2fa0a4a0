// The pipeline stages chained: load -> train -> recommend -> export -> manifest.
// The CLI subcommands (train, recommend, run) are thin wrappers over these functions.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <string>

#include "host/data/input.hpp"
#include "host/pipeline/config.hpp"
#include "host/train/model.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// The campaign stage of `tailor run` (config with a [campaign] section): builds the lists, checks
// the QA gates (a breach writes <manifest>.rejected.json, publishes nothing and throws RunError),
// then writes the CSV, JSON lines and HDF5 exports. Adds "campaign", "qa" and "outputs" to the
// manifest.
void run_campaign_stage(const RunConfig& config, const LoadedInput& input, const Model& model,
                        const Backend& backend, nlohmann::json& manifest);

// `tailor run`: the nightly job, computed on `backend` (made once from config.device). Writes
// the model (if configured), the export and, last, the manifest; returns the manifest.
nlohmann::json run_pipeline(const RunConfig& config, const Backend& backend);

}  // namespace tailor
