// Argument checks shared by the CPU and CUDA entry points: every public kernel entry point
// calls these first and throws std::invalid_argument with a precise message; internals assert.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "kernels/item_item.hpp"
#include "kernels/kernels.hpp"

namespace tailor::detail {

inline void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

// The shortest text that reads back as v ("0.05", not "0.050000").
inline std::string shortest(float v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}
inline std::string shortest(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

// The one set of rules for model parameters, applied at every entry point (config, command
// line, training, fold-in, the kernels): the first rule `p` breaks as "key = value: rule", or an
// empty string when there is none.
inline std::string ials_params_problem(const IalsParams& p) {
  if (p.factors < 1 || p.factors > kMaxFactors)
    return "factors = " + std::to_string(p.factors) + ": the iALS kernels support 1.." +
           std::to_string(kMaxFactors);
  if (p.iterations < 1) return "iterations = " + std::to_string(p.iterations) + ": must be >= 1";
  if (p.cg_steps < 1) return "cg_steps = " + std::to_string(p.cg_steps) + ": must be >= 1";
  if (!(p.regularization >= 0.0f) || !std::isfinite(p.regularization))
    return "regularization = " + shortest(p.regularization) + ": must be finite and >= 0";
  if (!(p.alpha >= 0.0f) || !std::isfinite(p.alpha))
    return "alpha = " + shortest(p.alpha) + ": must be finite and >= 0";
  if (!(p.log_epsilon > 0.0f) || !std::isfinite(p.log_epsilon))
    return "log_epsilon = " + shortest(p.log_epsilon) + ": must be finite and > 0";
  return {};
}

// The rates and weights of BPR: finite and in range.
inline std::string bpr_weights_problem(const BprParams& p) {
  if (!(p.learning_rate > 0.0f) || !std::isfinite(p.learning_rate))
    return "learning_rate = " + shortest(p.learning_rate) + ": must be finite and > 0";
  if (!(p.regularization >= 0.0f) || !std::isfinite(p.regularization))
    return "regularization = " + shortest(p.regularization) + ": must be finite and >= 0";
  if (!(p.bias_regularization >= 0.0f) || !std::isfinite(p.bias_regularization))
    return "bias_regularization = " + shortest(p.bias_regularization) +
           ": must be finite and >= 0";
  if (!(p.popularity_exponent >= 0.0f) || !std::isfinite(p.popularity_exponent))
    return "popularity_exponent = " + shortest(p.popularity_exponent) + ": must be finite and >= 0";
  if (!(p.lr_floor >= 0.0f && p.lr_floor <= 1.0f))
    return "lr_floor = " + shortest(p.lr_floor) + ": must be in [0, 1]";
  return {};
}

inline std::string bpr_params_problem(const BprParams& p) {
  if (p.factors < 1 || p.factors > kMaxFactors)
    return "factors = " + std::to_string(p.factors) + ": the BPR kernels support 1.." +
           std::to_string(kMaxFactors);
  if (bpr_width(p) > kMaxFactors)
    return "factors = " + std::to_string(p.factors) + " with item_bias: the bias takes one of the " +
           std::to_string(kMaxFactors) + " columns the kernels support, so factors must be <= " +
           std::to_string(kMaxFactors - 1) + " (or item_bias = false)";
  if (p.epochs < 1) return "epochs = " + std::to_string(p.epochs) + ": must be >= 1";
  if (std::string problem = bpr_weights_problem(p); !problem.empty()) return problem;
  if (p.samples_per_epoch < 0)
    return "samples_per_epoch = " + std::to_string(p.samples_per_epoch) + ": must be >= 0";
  if (p.objective_samples < 0)
    return "objective_samples = " + std::to_string(p.objective_samples) + ": must be >= 0";
  return {};
}

inline void validate_ials_problem(const CsrView& customer_items, const CsrView& item_customers,
                                  const IalsParams& p) {
  if (std::string problem = ials_params_problem(p); !problem.empty())
    throw std::invalid_argument("iALS: " + problem);
  require(customer_items.rows == item_customers.cols && customer_items.cols == item_customers.rows,
          "iALS: item-major matrix is not the transpose shape of the customer-major matrix");
  require(customer_items.nnz() == item_customers.nnz(),
          "iALS: customer-major and item-major matrices hold different numbers of interactions");
  require(customer_items.rows >= 1 && customer_items.cols >= 1,
          "iALS: the interaction matrix is empty");
  require(customer_items.data != nullptr && item_customers.data != nullptr,
          "iALS: interaction weights are missing");
}

inline void validate_topn(const FactorsView& customers, const FactorsView& items,
                          const CsrView* seen, const TopNParams& p) {
  require(p.n >= 1 && p.n <= kMaxTopN, "top-N: n must be in 1.." + std::to_string(kMaxTopN) +
                                           ", got " + std::to_string(p.n));
  require(customers.cols == items.cols, "top-N: customer and item factors differ in width (" +
                                            std::to_string(customers.cols) + " vs " +
                                            std::to_string(items.cols) + ")");
  require(customers.cols >= 1, "top-N: factors must have at least one column");
  require(items.rows >= 1, "top-N: there are no items to score");
  require(items.rows <= std::numeric_limits<std::uint32_t>::max(),
          "top-N: item indices are 32-bit, got " + std::to_string(items.rows) + " items");
  require(customers.rows == 0 || (customers.data != nullptr && items.data != nullptr),
          "top-N: factor data is null");
  if (p.exclude_seen) {
    require(seen != nullptr, "top-N: exclude_seen needs the interaction matrix");
    require(seen->rows == customers.rows && seen->cols == items.rows,
            "top-N: interaction matrix is " + std::to_string(seen->rows) + " x " +
                std::to_string(seen->cols) + ", factors are " + std::to_string(customers.rows) +
                " customers x " + std::to_string(items.rows) + " items");
  }
}

// Checks shared by cpu_ranking_metrics and cuda_ranking_metrics: well-formed lists (offsets from
// 0, non-decreasing, ending at items.size()), one relevant row per list, every relevant row
// non-empty and strictly ascending (the kernels binary-search it), at least one cutoff, each >= 1.
// O(customers + nnz): the same order as computing the metrics.
inline void validate_ranking_metrics(const TopNResult& lists, const CsrView& relevant,
                                     std::span<const int> ks) {
  require(!ks.empty(), "ranking metrics: no cutoffs given");
  for (const int k : ks)
    require(k >= 1, "ranking metrics: every cutoff k must be >= 1, got " + std::to_string(k));
  require(lists.scores.empty() || lists.scores.size() == lists.items.size(),
          "ranking metrics: lists hold " + std::to_string(lists.items.size()) + " items but " +
              std::to_string(lists.scores.size()) + " scores");
  const std::int64_t customers = lists.customers();
  if (!lists.offsets.empty()) {
    require(lists.offsets.front() == 0, "ranking metrics: list offsets must start at 0");
    for (std::int64_t c = 0; c < customers; ++c)
      require(lists.offsets[c] <= lists.offsets[c + 1],
              "ranking metrics: list offsets decrease at customer " + std::to_string(c));
    require(lists.offsets.back() == static_cast<std::int64_t>(lists.items.size()),
            "ranking metrics: list offsets end at " + std::to_string(lists.offsets.back()) +
                ", but there are " + std::to_string(lists.items.size()) + " items");
  }
  require(relevant.rows == customers,
          "ranking metrics: " + std::to_string(customers) + " lists but " +
              std::to_string(relevant.rows) + " rows of relevant items");
  if (customers == 0) return;
  require(relevant.indptr != nullptr && relevant.indices != nullptr,
          "ranking metrics: the relevant-item matrix has no data");
  for (std::int64_t c = 0; c < customers; ++c) {
    const std::int64_t b = relevant.indptr[c];
    const std::int64_t e = relevant.indptr[c + 1];
    require(e > b, "ranking metrics: customer " + std::to_string(c) +
                       " has no relevant items (leave such customers out)");
    for (std::int64_t j = b + 1; j < e; ++j)
      require(relevant.indices[j - 1] < relevant.indices[j],
              "ranking metrics: relevant items of customer " + std::to_string(c) +
                  " are not strictly ascending");
  }
}

}  // namespace tailor::detail

namespace tailor::detail {

inline void validate_bpr_problem(const CsrView& customer_items, const BprParams& p) {
  if (std::string problem = bpr_params_problem(p); !problem.empty())
    throw std::invalid_argument("BPR: " + problem);
  require(customer_items.rows >= 1 && customer_items.cols >= 1,
          "BPR: the interaction matrix is empty");
  require(customer_items.cols <= std::numeric_limits<std::uint32_t>::max(),
          "BPR: item indices are 32-bit, got " + std::to_string(customer_items.cols) + " items");
  require(customer_items.nnz() >= 1, "BPR: there are no interactions to sample positives from");
  require(customer_items.indptr != nullptr && customer_items.indices != nullptr,
          "BPR: the interaction matrix has no data");
}

}  // namespace tailor::detail

namespace tailor::detail {

inline std::string item_knn_params_problem(const ItemKnnParams& p) {
  if (p.neighbours < 1) return "neighbours = " + std::to_string(p.neighbours) + ": must be >= 1";
  if (!(p.shrinkage >= 0.0f) || !std::isfinite(p.shrinkage))
    return "shrinkage = " + shortest(p.shrinkage) + ": must be finite and >= 0";
  if (!(p.bm25_k1 > 0.0f) || !std::isfinite(p.bm25_k1))
    return "bm25_k1 = " + shortest(p.bm25_k1) + ": must be finite and > 0";
  if (!(p.bm25_b >= 0.0f && p.bm25_b <= 1.0f))
    return "bm25_b = " + shortest(p.bm25_b) + ": must be in [0, 1]";
  return {};
}

inline std::string ease_params_problem(const EaseParams& p) {
  if (!(p.regularization > 0.0) || !std::isfinite(p.regularization))
    return "lambda = " + shortest(p.regularization) + ": must be finite and > 0";
  return {};
}

// The customer x item matrix of an item-item model and its transpose (`who`: "item kNN", "EASE").
inline void validate_item_matrices(const char* who, const CsrView& customer_items,
                                   const CsrView& item_customers) {
  const std::string w = who;
  require(customer_items.rows == item_customers.cols && customer_items.cols == item_customers.rows,
          w + ": item-major matrix is not the transpose shape of the customer-major matrix");
  require(customer_items.nnz() == item_customers.nnz(),
          w + ": customer-major and item-major matrices hold different numbers of interactions");
  require(customer_items.cols >= 1, w + ": there are no items");
  require(customer_items.cols <= std::numeric_limits<std::uint32_t>::max(),
          w + ": item indices are 32-bit, got " + std::to_string(customer_items.cols) + " items");
  require(customer_items.nnz() == 0 ||
              (customer_items.data != nullptr && item_customers.data != nullptr),
          w + ": interaction weights are missing");
}

// The customers scored by an item-item model: `items` columns, `seen` (when excluding) one row
// per customer and the same columns.
inline void validate_item_scoring(const char* who, std::int64_t items, const CsrView& customers,
                                  const CsrView* seen, const TopNParams& p) {
  const std::string w = who;
  require(p.n >= 1 && p.n <= kMaxTopN, w + ": n must be in 1.." + std::to_string(kMaxTopN) +
                                           ", got " + std::to_string(p.n));
  require(customers.cols == items, w + ": customer rows have " + std::to_string(customers.cols) +
                                       " columns, the model has " + std::to_string(items) +
                                       " items");
  if (!p.exclude_seen) return;
  require(seen != nullptr, w + ": exclude_seen needs the interaction matrix");
  require(seen->rows == customers.rows && seen->cols == items,
          w + ": interaction matrix is " + std::to_string(seen->rows) + " x " +
              std::to_string(seen->cols) + ", expected " + std::to_string(customers.rows) +
              " customers x " + std::to_string(items) + " items");
}

}  // namespace tailor::detail
