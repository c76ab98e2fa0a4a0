// TIFU-KNN (Hu, Sun, Cheng, He, Wang, Zhang, SIGIR 2020): next-basket lists from time-decayed
// personal item frequencies, blended with those of the customer's nearest neighbours.
//
// A customer's baskets are the rows sharing customer and time (or, with basket_window > 0, the
// rows within that many seconds of the basket's first row), each one a set of items. In time
// order they are cut into groups of group_size baskets counted back from the most recent, so
// the most recent group is full and the oldest holds the rest. With r_b = within_decay and
// r_g = across_decay, for groups g_1 .. g_K (g_K the most recent) holding baskets B_1 .. B_|g|:
//
//   group vector     v(g) = 1/|g| * sum_{i=1..|g|} r_b^(|g| - i) * B_i        (B_i 0/1 per item)
//   personal vector  u    = 1/K   * sum_{j=1..K}   r_g^(K - j)   * v(g_j)
//   score            p    = alpha * u + (1 - alpha) * mean of u over the k nearest customers
//
// Nearest is by Euclidean distance between personal vectors, among the other customers with
// history (ties: lower customer index). Lists rank items by p (ties: lower item index) and hold
// only items with p > 0, so they include items the customer bought before.
#pragma once

#include <cstdint>
#include <vector>

#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct TifuKnnParams {
  int group_size = 7;              // baskets per group (m)
  double within_decay = 0.9;       // r_b, in (0, 1]
  double across_decay = 0.7;       // r_g, in (0, 1]
  int neighbours = 300;            // k, >= 0 (0: the personal vector alone)
  double alpha = 0.7;              // weight of the personal vector, in [0, 1]
  std::int64_t basket_window = 0;  // seconds, >= 0 (0: a basket is one timestamp)
};

// InputError naming the first parameter out of range.
void validate_tifuknn_params(const TifuKnnParams& p);

// InputError when `data` has no interaction times, which TIFU-KNN's baskets are made of.
void check_tifuknn_times(const Dataset& data);

// The personal vectors u, one row per customer of `data` (items as columns), from the rows r
// with rows[r] true. InputError without a time column.
Csr tifu_personal_vectors(const Dataset& data, const std::vector<bool>& rows,
                          const TifuKnnParams& p);

// Lists of at most n items for the given customers (row indices of `personal`), blending each
// with its neighbours among all rows of `personal`; `exclude` (optional, same shape) removes
// items per customer. Customers without history get empty lists. threads < 1: all OpenMP offers.
TopNResult tifuknn_lists(const Csr& personal, const std::vector<std::uint32_t>& customers,
                         const Csr* exclude, int n, const TifuKnnParams& p, int threads);

// Per thread: the accumulators of TifuKnnBlend::blend, sized for the personal vectors' shape
// (all zero between customers).
struct TifuKnnScratch {
  std::vector<double> dot;                   // per customer: u_c . u_v of the neighbour search
  std::vector<std::uint32_t> dot_touched;
  std::vector<double> score;                 // per item: the blended score p
  std::vector<std::uint32_t> score_touched;  // items with a score, each once
  TifuKnnScratch(std::int64_t customers, std::int64_t items);
  void clear_scores();  // score back to all zero, score_touched empty
};

// The blended vector p of one customer at a time, for callers that rank items under their own
// rules (campaign slots): the neighbour search's index (the transpose of the personal vectors,
// their norms) is built once. tifuknn_lists ranks the same p.
class TifuKnnBlend {
 public:
  // `personal` (tifu_personal_vectors) must outlive the blend. InputError for bad parameters.
  TifuKnnBlend(const Csr& personal, const TifuKnnParams& p, int threads);
  [[nodiscard]] TifuKnnScratch scratch() const;
  // Adds customer c's p into s.score, the items it reaches listed in s.score_touched (every
  // entry > 0); nothing for a customer without history. Read them, then s.clear_scores().
  void blend(std::uint32_t c, TifuKnnScratch& s) const;
  [[nodiscard]] const Csr& personal() const { return *u_; }

 private:
  const Csr* u_;
  Csr by_item_;
  std::vector<double> norm2_;            // per customer, |u|^2
  std::vector<std::uint32_t> by_norm_;   // customers with history, by (|u|^2, index)
  TifuKnnParams p_;
};

}  // namespace tailor
