// The run manifest: what went in (inputs, model, parameters) and what came out (exports with
// their fingerprints, counts, timings), written last so that its presence says the run finished.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "host/campaign/campaign.hpp"
#include "host/data/input.hpp"
#include "host/export/export.hpp"
#include "host/score/recommend.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"

namespace tailor {

// A manifest skeleton: tool version, command, start time, host.
nlohmann::json new_manifest(const std::string& command);
nlohmann::json describe_input(const LoadedInput& input);
nlohmann::json describe_params(const IalsParams& p);
nlohmann::json describe_params(const BprParams& p);
nlohmann::json describe_model_params(const Model& m);  // by the model's algorithm
nlohmann::json describe_training(const TrainResult& r);
nlohmann::json describe_recommendations(const Recommendations& r, const TopNParams& p);
nlohmann::json describe_export(const ExportSummary& s);  // format "csv"
nlohmann::json describe_export(const ExportSummary& s, const char* format);
nlohmann::json describe_campaign(const Campaign& campaign);

// Written last, atomically, pretty-printed.
void write_manifest(const std::filesystem::path& path, const nlohmann::json& manifest);

}  // namespace tailor
