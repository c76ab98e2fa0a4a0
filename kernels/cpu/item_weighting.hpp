// The weighted customer x item matrix of item kNN (kernels/item_item.hpp): a_ui for every stored
// pair under none / tfidf / bm25, in both layouts, and the column norms |a_i|. Shared by the CPU
// kernel (item_knn_cpu.cpp) and the CUDA launcher (kernels/cuda/item_knn.cu), which compute the
// similarities from the same doubles.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/cpu/item_lists.hpp"
#include "kernels/item_item.hpp"

namespace tailor::cpu {

// The value a_ui of every stored pair under the weighting (kernels/item_item.hpp).
class Weighting {
 public:
  Weighting(const CsrView& customer_items, const CsrView& item_customers, const ItemKnnParams& p)
      : kind_(p.weighting), k1_(p.bm25_k1) {
    const auto customers = static_cast<double>(customer_items.rows);
    idf_.resize(static_cast<std::size_t>(item_customers.rows));
    for (std::int64_t i = 0; i < item_customers.rows; ++i) {
      const auto n = static_cast<double>(row_end(item_customers, i) -
                                         row_begin(item_customers, i));
      idf_[i] = kind_ == KnnWeighting::bm25 ? std::log(1.0 + (customers - n + 0.5) / (n + 0.5))
                                            : std::log((1.0 + customers) / (1.0 + n)) + 1.0;
    }
    if (kind_ == KnnWeighting::bm25) length_norms(customer_items, p.bm25_b);
  }

  [[nodiscard]] double value(std::int64_t u, std::uint32_t i, float w) const {
    if (kind_ == KnnWeighting::none) return 1.0;
    if (kind_ == KnnWeighting::tfidf) return std::sqrt(static_cast<double>(w)) * idf_[i];
    const double denominator = w + k1_ * norm_[u];
    return denominator > 0.0 ? w * (k1_ + 1.0) / denominator * idf_[i] : 0.0;
  }

 private:
  // norm_u = 1 - b + b L_u / L, L the mean row sum over customers with items.
  void length_norms(const CsrView& ci, double b) {
    std::vector<double> sums(static_cast<std::size_t>(ci.rows), 0.0);
    double total = 0.0;
    std::int64_t with_items = 0;
    for (std::int64_t u = 0; u < ci.rows; ++u) {
      for (std::int64_t k = row_begin(ci, u); k < row_end(ci, u); ++k)
        sums[u] += ci.data[k];
      total += sums[u];
      if (row_end(ci, u) > row_begin(ci, u)) ++with_items;
    }
    const double mean = with_items > 0 ? total / static_cast<double>(with_items) : 0.0;
    norm_.resize(sums.size());
    for (std::size_t u = 0; u < sums.size(); ++u)
      norm_[u] = 1.0 - b + b * (mean > 0.0 ? sums[u] / mean : 1.0);
  }

  KnnWeighting kind_;
  double k1_;
  std::vector<double> idf_;   // per item
  std::vector<double> norm_;  // per customer (bm25)
};

// a_ui at every stored position of m, whose rows are customers (or, transposed, items).
inline std::vector<double> weighted_values(const CsrView& m, const Weighting& w,
                                           bool rows_are_items) {
  std::vector<double> a(static_cast<std::size_t>(m.nnz()));
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (std::int64_t k = row_begin(m, r); k < row_end(m, r); ++k)
      a[k] = rows_are_items ? w.value(m.indices[k], static_cast<std::uint32_t>(r), m.data[k])
                            : w.value(r, m.indices[k], m.data[k]);
  return a;
}

// The weighted matrix in both layouts, and |a_i| per item.
struct WeightedMatrix {
  CsrView ci, ic;
  std::vector<double> a_ci, a_ic;  // values at the positions of ci and ic
  std::vector<double> norm;        // per item
};

inline WeightedMatrix weight_matrix(const CsrView& ci, const CsrView& ic,
                                    const ItemKnnParams& p) {
  const Weighting w(ci, ic, p);
  WeightedMatrix m{ci, ic, weighted_values(ci, w, false), weighted_values(ic, w, true), {}};
  m.norm.assign(static_cast<std::size_t>(ic.rows), 0.0);
  for (std::int64_t i = 0; i < ic.rows; ++i) {
    double sq = 0.0;
    for (std::int64_t k = row_begin(ic, i); k < row_end(ic, i); ++k)
      sq += m.a_ic[k] * m.a_ic[k];
    m.norm[i] = std::sqrt(sq);
  }
  return m;
}

}  // namespace tailor::cpu
