// EASE on the CPU (kernels/item_item.hpp): the Gram matrix, its inverse through LAPACK's
// Cholesky routines, B from the inverse, and top-N lists from x_u B.
//
// One items x items double matrix is allocated and transformed in place: G = X^T X + lambda I
// (full, symmetric), dpotrf/dpotri leave P = G^-1 in one triangle, the other is mirrored from
// it, then B_ij = -P_ij / P_jj. LAPACK is column-major; a symmetric matrix reads the same either
// way, so the row-major buffer is handed over as it is.
#include <cassert>
#include <climits>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cpu/item_lists.hpp"
#include "kernels/item_item.hpp"
#include "kernels/validate.hpp"

// LAPACK's Fortran entry points (reference LAPACK, OpenBLAS and MKL all export them); the
// trailing argument is the hidden length of the character argument that gfortran passes.
extern "C" {
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info,
             std::size_t uplo_length);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info,
             std::size_t uplo_length);
}

namespace tailor {
namespace {

using cpu::ListEntry;

double ease_value(const EaseParams& p, float w) { return p.weighted ? w : 1.0; }

// G = X^T X + lambda I, full: threads take rows i (items), each summing over i's customers.
void gram(const CsrView& ci, const CsrView& ic, const EaseParams& p, int threads,
          std::vector<double>& g) {
  const std::int64_t n = ic.rows;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
  for (std::int64_t i = 0; i < n; ++i) {
    double* row = g.data() + i * n;
    for (std::int64_t k = cpu::row_begin(ic, i); k < cpu::row_end(ic, i); ++k) {
      const std::uint32_t u = ic.indices[k];
      const double xi = ease_value(p, ic.data[k]);
      for (std::int64_t q = cpu::row_begin(ci, u); q < cpu::row_end(ci, u); ++q)
        row[ci.indices[q]] += xi * ease_value(p, ci.data[q]);
    }
    row[i] += p.regularization;
  }
}

// g <- g^-1 for a symmetric positive definite g (n x n), both triangles filled.
void invert_spd(std::vector<double>& g, std::int64_t n, int threads) {
  const int dim = static_cast<int>(n);
  const char uplo = 'L';  // column-major lower = row-major upper
  int info = 0;
  dpotrf_(&uplo, &dim, g.data(), &dim, &info, 1);
  if (info > 0)
    throw std::runtime_error("EASE: LAPACK dpotrf: X^T X + lambda I is not positive definite "
                             "(leading minor " + std::to_string(info) +
                             "); a larger lambda makes it so");
  if (info < 0) throw std::runtime_error("EASE: LAPACK dpotrf: argument " +
                                         std::to_string(-info) + " is invalid");
  dpotri_(&uplo, &dim, g.data(), &dim, &info, 1);
  if (info != 0)
    throw std::runtime_error("EASE: LAPACK dpotri failed with info " + std::to_string(info));
  // The inverse is in the row-major upper triangle (r <= c); mirror it below.
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16)
  for (std::int64_t r = 1; r < n; ++r)
    for (std::int64_t c = 0; c < r; ++c) g[r * n + c] = g[c * n + r];
}

// P -> B in place: B_ij = -P_ij / P_jj, B_ii = 0.
void weights_from_inverse(std::vector<double>& p, std::int64_t n, int threads) {
  std::vector<double> diagonal(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) diagonal[j] = p[j * n + j];
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    double* row = p.data() + i * n;
    for (std::int64_t j = 0; j < n; ++j) row[j] = -row[j] / diagonal[j];
    row[i] = 0.0;
  }
}

// Customer r's list: s = x_r B over every item, the excluded ones (mark) left out, best n.
std::vector<ListEntry> ease_customer_list(const EaseWeights& w, const CsrView& customers,
                                          std::int64_t r, const EaseParams& p, int n,
                                          std::vector<double>& scores,
                                          const std::vector<char>& excluded,
                                          std::vector<ListEntry>& pool) {
  if (cpu::row_end(customers, r) == cpu::row_begin(customers, r)) return {};
  const std::int64_t items = w.items;
  std::fill(scores.begin(), scores.end(), 0.0);
  for (std::int64_t q = cpu::row_begin(customers, r); q < cpu::row_end(customers, r); ++q) {
    const double x = ease_value(p, customers.data != nullptr ? customers.data[q] : 1.0f);
    const double* row = w.b.data() + static_cast<std::int64_t>(customers.indices[q]) * items;
    for (std::int64_t j = 0; j < items; ++j) scores[j] += x * row[j];
  }
  pool.clear();  // reused from customer to customer: its capacity is the item count
  for (std::int64_t j = 0; j < items; ++j)
    if (excluded[j] == 0)
      pool.push_back({static_cast<float>(scores[j]) + 0.0f, static_cast<std::uint32_t>(j), 0});
  cpu::keep_best(pool, n);
  return pool;
}

}  // namespace

std::size_t ease_matrix_bytes(std::int64_t items) {
  if (items <= 0) return 0;
  const auto n = static_cast<std::size_t>(items);
  const std::size_t limit = std::numeric_limits<std::size_t>::max() / sizeof(double);
  if (n > limit / n) return std::numeric_limits<std::size_t>::max();
  return n * n * sizeof(double);
}

EaseWeights cpu_ease_weights(const CsrView& customer_items, const CsrView& item_customers,
                             const EaseParams& params, int threads) {
  if (std::string problem = detail::ease_params_problem(params); !problem.empty())
    throw std::invalid_argument("EASE: " + problem);
  detail::validate_item_matrices("EASE", customer_items, item_customers);
  const std::int64_t n = item_customers.rows;
  detail::require(n <= INT_MAX, "EASE: LAPACK takes at most " + std::to_string(INT_MAX) +
                                    " items, got " + std::to_string(n));
  detail::require(ease_matrix_bytes(n) < std::numeric_limits<std::size_t>::max(),
                  "EASE: an item x item matrix of " + std::to_string(n) +
                      " items does not fit in memory");
  threads = cpu::resolve_threads(threads);
  EaseWeights w;
  w.items = n;
  w.b.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(n), 0.0);
  gram(customer_items, item_customers, params, threads, w.b);
  invert_spd(w.b, n, threads);
  weights_from_inverse(w.b, n, threads);
  return w;
}

TopNResult cpu_ease_topn(const EaseWeights& weights, const CsrView& customers,
                         const CsrView* seen, const EaseParams& params, const TopNParams& topn,
                         int threads) {
  detail::validate_item_scoring("EASE", weights.items, customers, seen, topn);
  detail::require(weights.b.size() == static_cast<std::size_t>(weights.items) *
                                          static_cast<std::size_t>(weights.items),
                  "EASE: the weight matrix is not items x items");
  detail::require(!params.weighted || customers.nnz() == 0 || customers.data != nullptr,
                  "EASE: weighted scores need the customers' weights");
  const auto items = static_cast<std::size_t>(weights.items);
  const CsrView* exclude = topn.exclude_seen ? seen : nullptr;
  std::vector<std::vector<ListEntry>> per(static_cast<std::size_t>(customers.rows));
#pragma omp parallel num_threads(cpu::resolve_threads(threads))
  {
    std::vector<double> scores(items);
    std::vector<char> mark(items, 0);
    std::vector<ListEntry> pool;
    pool.reserve(items);
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t r = 0; r < customers.rows; ++r) {
      cpu::mark_row(exclude, r, mark, 1);
      per[r] = ease_customer_list(weights, customers, r, params, topn.n, scores, mark, pool);
      cpu::mark_row(exclude, r, mark, 0);
    }
  }
  return cpu::gather_lists(per, topn.n, nullptr);
}

}  // namespace tailor
