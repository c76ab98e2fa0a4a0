// A learning-to-rank booster over XGBoost's C API (Debian libxgboost-dev): train on groups of
// rows (one group per customer), predict, serialise to JSON and back, feature importances.
// Every failing call throws RunError with XGBoost's own message.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace tailor {

// A dense row-major feature matrix; NaN marks a missing value (XGBoost learns where it goes).
struct FeatureMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> values;  // rows x cols
};

struct BoosterParams {
  std::string objective = "rank:ndcg";  // or "rank:pairwise", "rank:map", "binary:logistic"
  int rounds = 100;                     // boosting rounds (trees), >= 1
  int max_depth = 4;                    // 1..32
  double learning_rate = 0.1;           // eta, in (0, 1]
  double min_child_weight = 10.0;       // >= 0
  double subsample = 1.0;               // in (0, 1]
  double colsample = 1.0;               // colsample_bytree, in (0, 1]
  double lambda = 1.0;                  // L2 on leaf weights, >= 0
  std::uint64_t seed = 42;
};

// InputError "{where}: {key} = {value}: {rule}" for the first parameter out of range.
void validate_booster_params(const BoosterParams& b, const std::string& where);

// (feature name, share of the total gain), largest first; features never split on are left out.
using Importances = std::vector<std::pair<std::string, double>>;

class Booster {
 public:
  Booster();
  ~Booster();
  Booster(Booster&& other) noexcept;
  Booster& operator=(Booster&& other) noexcept;
  Booster(const Booster&) = delete;
  Booster& operator=(const Booster&) = delete;

  // Trains a new model: `group_sizes` splits the rows into consecutive groups (they must sum to
  // x.rows), labels has one entry per row. threads < 1: all the threads OpenMP offers.
  static Booster train(const FeatureMatrix& x, std::span<const float> labels,
                       std::span<const std::uint32_t> group_sizes,
                       const std::vector<std::string>& feature_names, const BoosterParams& p,
                       int threads);
  // A model saved by to_json().
  static Booster from_json(const std::string& json, int threads);

  // One score per row of x (x.cols must be the trained feature count); higher ranks first.
  [[nodiscard]] std::vector<float> predict(const FeatureMatrix& x) const;
  [[nodiscard]] std::string to_json() const;
  [[nodiscard]] Importances importances(const std::vector<std::string>& feature_names) const;

 private:
  void* handle_ = nullptr;  // BoosterHandle
};

}  // namespace tailor
