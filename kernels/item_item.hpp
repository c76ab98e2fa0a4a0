// Item-item models: co-purchase kNN and EASE (Steck 2019), on the CPU and on CUDA.
//
// Both score a customer from the items in their row of a customer x item matrix, with no
// customer factors, so a customer the model never saw is scored from its history as it stands.
// Plain C++ like kernels/kernels.hpp; kernels/cpu/item_knn_cpu.cpp and ease_cpu.cpp implement
// them on the CPU, kernels/cuda/item_knn.cu and ease.cu fit them on the GPU (scoring runs on
// the CPU for both backends). Notation: C customers, w_ui >= 0 the stored weight of customer u
// and item i, I_u the items of u, n_i the number of customers of item i.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/kernels.hpp"

namespace tailor {

// ---- item-item kNN ----------------------------------------------------------------------------
// How the customer x item matrix A is filled before item columns a_i are compared:
//   none : a_ui = 1 for every stored pair (binary co-purchases)
//   tfidf: a_ui = sqrt(w_ui) idf_i,  idf_i = ln((1 + C) / (1 + n_i)) + 1
//   bm25 : a_ui = w_ui (k1 + 1) / (w_ui + k1 (1 - b + b L_u / L)) idf_i,
//          idf_i = ln(1 + (C - n_i + 0.5) / (n_i + 0.5)),
//          L_u = sum_i w_ui, L = the mean of L_u over customers with at least one item
enum class KnnWeighting { none, tfidf, bm25 };

struct ItemKnnParams {
  int neighbours = 20;  // K: the most similar items kept per item, >= 1 (implicit's default)
  // s >= 0 in sim(i, j) = a_i . a_j / (|a_i| |a_j| + s): s > 0 pulls pairs with little support
  // towards 0.
  float shrinkage = 0.0f;
  KnnWeighting weighting = KnnWeighting::none;
  float bm25_k1 = 1.2f;  // > 0
  float bm25_b = 0.75f;  // in [0, 1]
  // score(u, j) = sum over i in I_u of r_ui sim_K(i, j), with r_ui = w_ui when set, else 1.
  bool weighted_scores = false;
};

// Each item's K nearest items: row i holds the items j != i with sim(i, j) > 0 that rank in the
// first K by (similarity descending, item ascending); stored ascending by item, so view() is a
// CsrView (items x items, data = the similarities). An item without customers has no row
// entries, and K above the item count keeps every positive similarity.
struct ItemNeighbours {
  std::int64_t items = 0;
  std::vector<std::int64_t> indptr;     // (items + 1)
  std::vector<std::uint32_t> indices;   // neighbour items
  std::vector<float> similarity;        // sim(i, j), in (0, 1]
  [[nodiscard]] CsrView view() const {
    return {items, items, indptr.data(), indices.data(), similarity.data()};
  }
};

// customer_items: customers x items with weights; item_customers: its transpose. Similarities
// are accumulated in double. threads < 1 means all the threads OpenMP offers. Throws
// std::invalid_argument on bad parameters or shapes.
ItemNeighbours cpu_item_neighbours(const CsrView& customer_items, const CsrView& item_customers,
                                   const ItemKnnParams& params, int threads);

// Lists with, per entry, the item of the customer's history that contributed most to its score
// (the largest r_ui sim_K(i, j); on a tie the lower i): the "because you bought X" item.
struct ItemKnnLists {
  TopNResult lists;
  std::vector<std::uint32_t> because;  // parallel to lists.items
};

// The top-N of every row of `customers` (customers x items; data, the weights r_ui, is read
// only with params.weighted_scores). Only items with a score > 0 are listed (an item no
// neighbour list reaches has no score), so lists may be shorter than n and a customer without
// items gets an empty one; order and `seen` as cpu_topn (kernels/kernels.hpp).
ItemKnnLists cpu_item_knn_topn(const ItemNeighbours& neighbours, const CsrView& customers,
                               const CsrView* seen, const ItemKnnParams& params,
                               const TopNParams& topn, int threads);

// ---- EASE (Steck 2019) -------------------------------------------------------------------------
// The item x item weights B minimising |X - X B|^2 + lambda |B|^2 subject to diag(B) = 0, in
// closed form:
//   P = (X^T X + lambda I)^-1,   B_ij = -P_ij / P_jj (i != j),   B_ii = 0
// with x_ui = 1 for every stored pair (or w_ui when weighted). Scores: s_u = x_u B.
struct EaseParams {
  double regularization = 500.0;  // lambda > 0 (X^T X + lambda I is then positive definite)
  bool weighted = false;          // x_ui = w_ui instead of 1
};

// B, items x items, row-major: row i holds what item i in a customer's history adds to every
// item's score. Needs items^2 doubles (ease_matrix_bytes), allocated once.
struct EaseWeights {
  std::int64_t items = 0;
  std::vector<double> b;  // (items x items)
};

// Bytes of the one items x items matrix EASE holds (the Gram, then P, then B, in place);
// SIZE_MAX when that does not fit in size_t.
std::size_t ease_matrix_bytes(std::int64_t items);

// Gram X^T X from item_customers and customer_items (OpenMP over items), then LAPACK's
// Cholesky factorisation and inverse (dpotrf, dpotri). Throws std::invalid_argument on bad
// parameters or shapes, std::runtime_error when LAPACK fails (naming the routine and its info).
EaseWeights cpu_ease_weights(const CsrView& customer_items, const CsrView& item_customers,
                             const EaseParams& params, int threads);

// The top-N of every row of `customers` under s_u = x_u B: every item not excluded is a
// candidate (an item scores 0 when no history item reaches it), but a customer without items
// gets an empty list. Order and `seen` as cpu_topn.
TopNResult cpu_ease_topn(const EaseWeights& weights, const CsrView& customers,
                         const CsrView* seen, const EaseParams& params, const TopNParams& topn,
                         int threads);

// ---- the CUDA backend (kernels/cuda/item_knn.cu, ease.cu) ---------------------------------------
// The fits on the GPU of `context`; host code reaches them through Backend (kernels/backend.hpp).
// Same arguments, checks and results as the CPU functions; std::runtime_error without the CUDA
// build, on a device error, or when the device memory does not suffice.

// cpu_item_neighbours on the GPU. The dot products are accumulated in double in the CPU's order
// and rounded the same way, so the similarities are the CPU's (tests allow 1e-6 relative, and a
// different neighbour only where two similarities tie within it). memory_budget: bytes of the
// per-batch similarity rows (24 bytes per item pair of a batch, plus the sort's scratch); batches
// of items are sized to it, and std::runtime_error says so when one item does not fit.
ItemNeighbours cuda_item_neighbours(cuda::Context& context, const CsrView& customer_items,
                                    const CsrView& item_customers, const ItemKnnParams& params,
                                    std::size_t memory_budget);

// cpu_ease_weights on the GPU: the Gram matrix on the device, cuSOLVER's dpotrf and dpotri,
// B from the inverse, all in double; B agrees with the CPU's to rounding (tests: 1e-9 + 1e-7 |b|).
// Needs ease_matrix_bytes(items) of device memory (checked against the free memory first:
// std::runtime_error naming the bytes needed and free); cuSOLVER failures (devInfo != 0) are
// std::runtime_error naming the routine and its info.
EaseWeights cuda_ease_weights(cuda::Context& context, const CsrView& customer_items,
                              const CsrView& item_customers, const EaseParams& params);

}  // namespace tailor
