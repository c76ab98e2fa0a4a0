// The model file: HDF5 with factors, ids, hyper-parameters, training history and the
// fingerprint of the data it was trained on (format documented in docs/model-format.md).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/core/names.hpp"
#include "host/train/history_params.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

inline constexpr const char* kModelFormat = "tailor-model";
inline constexpr std::int64_t kModelFormatVersion = 1;

// The two-stage ranker a model file may carry (host/rank/ranker.hpp), as stored: the booster as
// XGBoost's JSON model, its parameters as JSON, its feature names, the time it was fitted as of.
struct RankerPart {
  std::string booster;
  std::string parameters;
  std::vector<std::string> features;
  std::int64_t as_of = 0;
};

struct Model {
  // "ials" and "bpr" (factor models), or "itemknn", "ease" and "tifuknn" (history models).
  std::string algorithm = "ials";
  IalsParams params;  // iALS parameters; for every algorithm params.factors is the factor width
                      // (0 for the history models, which have no factors)
  BprParams bpr;      // BPR parameters when algorithm == "bpr"
  // The history models: their parameters, and item kNN's neighbour lists or EASE's weights over
  // item_ids (TIFU-KNN keeps only parameters: its personal vectors are the histories of the
  // file it is applied to). customer_ids are the training customers, for the record; a history
  // model lists any customer with history in that file.
  HistoryModelParams history;
  ItemNeighbours neighbours;  // "itemknn"
  EaseWeights ease_weights;   // "ease"
  std::vector<std::string> customer_ids;
  std::vector<std::string> item_ids;
  std::vector<float> customer_factors;  // customers x params.factors
  std::vector<float> item_factors;      // items x params.factors
  std::string data_fingerprint;         // data_fingerprint() of the training matrix
  std::string training_input;           // path of the training file, as given
  // ISO 8601 UTC, and each epoch's seconds: kept in memory and in the manifest, not in the file
  // (the same training gives the same bytes); files written before this read them back.
  std::string created_at;
  std::string tailor_version = TAILOR_VERSION;
  std::vector<double> objective;        // per epoch (empty when not computed)
  std::vector<double> epoch_seconds;
  std::optional<RankerPart> ranker;     // /ranker, when the campaign's slot model is the ranker

  [[nodiscard]] bool history_model() const { return is_history_algorithm(algorithm); }
  [[nodiscard]] std::int64_t customers() const { return static_cast<std::int64_t>(customer_ids.size()); }
  [[nodiscard]] std::int64_t items() const { return static_cast<std::int64_t>(item_ids.size()); }
  [[nodiscard]] FactorsView customer_view() const {
    return {customer_factors.data(), customers(), params.factors};
  }
  [[nodiscard]] FactorsView item_view() const { return {item_factors.data(), items(), params.factors}; }
};

// Written atomically (temporary file, fsync, rename).
void save_model(const std::filesystem::path& path, const Model& model);
// Validates the format, version and shapes; InputError naming the file and dataset otherwise.
Model load_model(const std::filesystem::path& path);

// A float parameter as the double with the same shortest decimal form (0.05f -> 0.05, not
// 0.0500000007), so JSON outputs show the value the user wrote.
double decimal(float f);

inline constexpr NameTable<ConfidenceScaling, 2> kScalingNames{
    "confidence scaling",
    {{{ConfidenceScaling::linear, "linear"}, {ConfidenceScaling::log, "log"}}}};
inline constexpr NameTable<BprNegatives, 2> kNegativesNames{
    "negative sampling",
    {{{BprNegatives::uniform, "uniform"}, {BprNegatives::popularity, "popularity"}}}};
inline constexpr NameTable<LrSchedule, 2> kScheduleNames{
    "learning-rate schedule",
    {{{LrSchedule::constant, "constant"}, {LrSchedule::linear, "linear"}}}};

const char* to_string(ConfidenceScaling s);
ConfidenceScaling parse_scaling(const std::string& name);  // "linear" | "log"; InputError
BprNegatives parse_negatives(const std::string& name);      // "uniform" | "popularity"
const char* to_string(BprNegatives n);
LrSchedule parse_schedule(const std::string& name);         // "constant" | "linear"
const char* to_string(LrSchedule s);

}  // namespace tailor
