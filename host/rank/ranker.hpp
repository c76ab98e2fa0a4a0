// The two-stage ranker: candidates and features from host/rank/features.hpp, ordered by a
// learning-to-rank booster (host/rank/xgboost.hpp) trained strictly in the past.
//
// Fitting as of T with horizon h: the features are built as of T - h (from the rows at or before
// T - h only) and labelled 1 where the customer bought the item in (T - h, T], else 0; customers
// who bought none of their candidates in that window carry no ranking signal and are left out.
// With train_windows = W the windows (T - kh, T - (k-1)h], k = 1..W, each with its features as
// of its own start, are stacked into one training set.
// Applying as of T builds the features from the rows at or before T and orders each customer's
// candidates by the booster's score.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"
#include "host/eval/evaluate.hpp"
#include "host/rank/features.hpp"
#include "host/rank/xgboost.hpp"
#include "host/train/model.hpp"
#include "kernels/backend.hpp"

namespace tailor {

struct RankerParams {
  RankerSourceParams sources;
  BoosterParams booster;
  std::int64_t horizon_seconds = 30 * 86400;  // label window h, > 0
  int train_windows = 3;                      // label windows stacked, 1..52
  // The most customers per label window the booster trains on (a seeded sample of those who
  // bought in the window when there are more); 0: all of them.
  std::int64_t max_train_customers = 200000;
};

// InputError "{where}: {key} = {value}: {rule}".
void validate_ranker_params(const RankerParams& p, const std::string& where);

struct RankerModel {
  RankerParams params;
  Booster booster;
  std::vector<std::string> feature_names;
  Importances importances;             // share of the total gain per feature
  std::int64_t as_of = 0;              // T of the fit
  std::int64_t train_customers = 0;    // groups
  std::int64_t train_rows = 0;         // candidates
  std::int64_t train_positives = 0;    // candidates bought in the label window
  double feature_seconds = 0.0;        // the snapshot as of T - h and its features
  double train_seconds = 0.0;          // the booster
};

// Fits as of `as_of` from the rows of `data` (rows after as_of are never read). InputError when
// the label window holds no purchase of a candidate (nothing to learn from).
RankerModel fit_ranker(const Dataset& data, std::int64_t as_of, const RankerParams& p,
                       const Backend& backend);

// Every candidate of the given customers with its booster score. The features are built and
// scored batch_customers customers at a time, so only the (item, score) pairs of all customers
// are held at once.
struct CandidateScores {
  std::vector<std::uint32_t> customers;    // customers with candidates, in the order asked
  std::vector<std::int64_t> offsets;       // (customers + 1) into items and scores
  std::vector<std::uint32_t> items;
  std::vector<float> scores;
};
CandidateScores score_candidates(const RankerModel& model, const RankerSnapshot& snapshot,
                                 std::span<const std::uint32_t> customers,
                                 std::size_t batch_customers = 20000);

// Each customer's list of at most n candidates by the booster's score (ties: lower item index),
// from `snapshot` (as of the application time, built with the model's source parameters).
// `exclude` (optional, customers x items) drops items per customer; customers without history
// get empty lists.
TopNResult ranker_lists(const RankerModel& model, const RankerSnapshot& snapshot,
                        std::span<const std::uint32_t> customers, const Csr* exclude, int n);

// The ranker as `tailor evaluate` scores it (host/eval/evaluate.hpp ExternalModel): fitted and
// applied as of a time split's cut, with p's label window; InputError for other splits. `data`
// must outlive the evaluation.
ExternalModel ranker_evaluation(const Dataset& data, const RankerParams& p);

// p with a sweep point applied ({"max_depth": 4, ...}: max_depth, min_child_weight, rounds,
// learning_rate, subsample, colsample, lambda, train_windows); InputError for another knob.
RankerParams apply_ranker_point(RankerParams p, const nlohmann::json& point);

// What a report records of a fit: parameters, sizes, times, importances.
nlohmann::json describe(const RankerModel& m);

// The ranker as a model file stores it (Model::ranker), and back; InputError naming `where` when
// the stored parameters or features do not fit this build.
RankerPart to_model_part(const RankerModel& m);
RankerModel from_model_part(const RankerPart& part, const std::string& where, int threads);

// The model file's ranker group (/ranker: the booster as JSON, the feature names, the parameters
// as a JSON attribute); see docs/model-format.md.
std::string ranker_params_json(const RankerParams& p);
RankerParams ranker_params_from_json(const std::string& json, const std::string& where);

}  // namespace tailor
