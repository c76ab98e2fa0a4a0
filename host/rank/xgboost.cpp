#include "host/rank/xgboost.hpp"

#include <fmt/format.h>
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "host/core/error.hpp"

namespace tailor {

namespace {

void check(int rc, const char* call) {
  if (rc != 0) throw RunError(fmt::format("XGBoost {}: {}", call, XGBGetLastError()));
}

// Owns a DMatrixHandle.
class DMatrix {
 public:
  DMatrix(const FeatureMatrix& x, const std::vector<std::string>& names) {
    if (x.values.size() != static_cast<std::size_t>(x.rows * x.cols))
      throw RunError(fmt::format("ranker features: {} values for {} x {}", x.values.size(),
                                 x.rows, x.cols));
    check(XGDMatrixCreateFromMat(x.values.data(), static_cast<bst_ulong>(x.rows),
                                 static_cast<bst_ulong>(x.cols),
                                 std::numeric_limits<float>::quiet_NaN(), &h_),
          "XGDMatrixCreateFromMat");
    if (names.empty()) return;
    std::vector<const char*> c_names;
    for (const auto& n : names) c_names.push_back(n.c_str());
    check(XGDMatrixSetStrFeatureInfo(h_, "feature_name", c_names.data(),
                                     static_cast<bst_ulong>(c_names.size())),
          "XGDMatrixSetStrFeatureInfo");
  }
  ~DMatrix() { XGDMatrixFree(h_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  [[nodiscard]] DMatrixHandle get() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

void set(BoosterHandle h, const char* key, const std::string& value) {
  check(XGBoosterSetParam(h, key, value.c_str()), "XGBoosterSetParam");
}

void set_params(BoosterHandle h, const BoosterParams& p, int threads) {
  set(h, "objective", p.objective);
  set(h, "tree_method", "hist");
  set(h, "max_depth", std::to_string(p.max_depth));
  set(h, "eta", fmt::format("{}", p.learning_rate));
  set(h, "min_child_weight", fmt::format("{}", p.min_child_weight));
  set(h, "subsample", fmt::format("{}", p.subsample));
  set(h, "colsample_bytree", fmt::format("{}", p.colsample));
  set(h, "lambda", fmt::format("{}", p.lambda));
  set(h, "seed", std::to_string(p.seed));
  set(h, "verbosity", "0");
  if (threads > 0) set(h, "nthread", std::to_string(threads));
}

void check_groups(std::int64_t rows, std::span<const float> labels,
                  std::span<const std::uint32_t> groups) {
  const std::uint64_t total =
      std::accumulate(groups.begin(), groups.end(), std::uint64_t{0});
  if (static_cast<std::int64_t>(labels.size()) != rows || static_cast<std::int64_t>(total) != rows)
    throw RunError(fmt::format("ranker training: {} rows, {} labels, groups summing to {}", rows,
                               labels.size(), total));
}

}  // namespace

void validate_booster_params(const BoosterParams& b, const std::string& where) {
  const auto bad = [&](const char* key, auto value, const char* rule) {
    throw InputError(fmt::format("{}: {} = {}: {}", where, key, value, rule));
  };
  if (b.rounds < 1 || b.rounds > 100000) bad("rounds", b.rounds, "must be in 1..100000");
  if (b.max_depth < 1 || b.max_depth > 32) bad("max_depth", b.max_depth, "must be in 1..32");
  if (!(b.learning_rate > 0 && b.learning_rate <= 1))
    bad("learning_rate", b.learning_rate, "must be in (0, 1]");
  if (!(b.min_child_weight >= 0)) bad("min_child_weight", b.min_child_weight, "must be >= 0");
  if (!(b.subsample > 0 && b.subsample <= 1)) bad("subsample", b.subsample, "must be in (0, 1]");
  if (!(b.colsample > 0 && b.colsample <= 1)) bad("colsample", b.colsample, "must be in (0, 1]");
  if (!(b.lambda >= 0)) bad("lambda", b.lambda, "must be >= 0");
  static const char* objectives[] = {"rank:ndcg", "rank:pairwise", "rank:map", "binary:logistic"};
  if (std::find(std::begin(objectives), std::end(objectives), b.objective) == std::end(objectives))
    bad("objective", b.objective,
        "must be one of rank:ndcg, rank:pairwise, rank:map, binary:logistic");
}

Booster::Booster() = default;
Booster::~Booster() {
  if (handle_) XGBoosterFree(handle_);
}
Booster::Booster(Booster&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
Booster& Booster::operator=(Booster&& other) noexcept {
  std::swap(handle_, other.handle_);
  return *this;
}

Booster Booster::train(const FeatureMatrix& x, std::span<const float> labels,
                       std::span<const std::uint32_t> group_sizes,
                       const std::vector<std::string>& feature_names, const BoosterParams& p,
                       int threads) {
  check_groups(x.rows, labels, group_sizes);
  DMatrix d(x, feature_names);
  check(XGDMatrixSetFloatInfo(d.get(), "label", labels.data(), labels.size()),
        "XGDMatrixSetFloatInfo(label)");
  check(XGDMatrixSetUIntInfo(d.get(), "group", group_sizes.data(), group_sizes.size()),
        "XGDMatrixSetUIntInfo(group)");
  Booster b;
  DMatrixHandle mats[] = {d.get()};
  check(XGBoosterCreate(mats, 1, &b.handle_), "XGBoosterCreate");
  set_params(b.handle_, p, threads);
  for (int round = 0; round < p.rounds; ++round)
    check(XGBoosterUpdateOneIter(b.handle_, round, d.get()), "XGBoosterUpdateOneIter");
  return b;
}

Booster Booster::from_json(const std::string& json, int threads) {
  Booster b;
  check(XGBoosterCreate(nullptr, 0, &b.handle_), "XGBoosterCreate");
  check(XGBoosterLoadModelFromBuffer(b.handle_, json.data(), json.size()),
        "XGBoosterLoadModelFromBuffer");
  if (threads > 0) set(b.handle_, "nthread", std::to_string(threads));
  return b;
}

std::vector<float> Booster::predict(const FeatureMatrix& x) const {
  if (x.rows == 0) return {};
  DMatrix d(x, {});
  const char* config = R"({"type": 0, "training": false, "iteration_begin": 0,
                           "iteration_end": 0, "strict_shape": false})";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* out = nullptr;
  check(XGBoosterPredictFromDMatrix(handle_, d.get(), config, &shape, &dim, &out),
        "XGBoosterPredictFromDMatrix");
  return {out, out + x.rows};
}

std::string Booster::to_json() const {
  bst_ulong len = 0;
  const char* data = nullptr;
  check(XGBoosterSaveModelToBuffer(handle_, R"({"format": "json"})", &len, &data),
        "XGBoosterSaveModelToBuffer");
  return {data, data + len};
}

Importances Booster::importances(const std::vector<std::string>& feature_names) const {
  bst_ulong n = 0, dim = 0;
  const char** names = nullptr;
  const bst_ulong* shape = nullptr;
  const float* scores = nullptr;
  check(XGBoosterFeatureScore(handle_, R"({"importance_type": "total_gain"})", &n, &names, &dim,
                              &shape, &scores),
        "XGBoosterFeatureScore");
  Importances out;
  double total = 0.0;
  for (bst_ulong k = 0; k < n; ++k) total += scores[k];
  for (bst_ulong k = 0; k < n; ++k) {
    std::string name = names[k];
    // Models trained without names call their features f0, f1, ...
    if (name.size() > 1 && name[0] == 'f' && std::all_of(name.begin() + 1, name.end(), ::isdigit)) {
      const auto idx = std::stoul(name.substr(1));
      if (idx < feature_names.size()) name = feature_names[idx];
    }
    out.emplace_back(name, total > 0 ? scores[k] / total : 0.0);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace tailor
