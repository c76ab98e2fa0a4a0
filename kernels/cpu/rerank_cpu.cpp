// rerank_topn: the approximate-then-exact top-N on the CPU (kernels/rerank.hpp has the rule).
//
// Per customer, one pass over the eligible items computes the low-precision score s~ and the
// bound E (two floats per item, a per-thread buffer of items entries), the n-th largest lower
// bound s~ - E is found with nth_element, a second pass keeps the items whose upper bound
// reaches it, and those are re-scored exactly. This is the reference for the fused GPU kernel,
// written for clarity over speed: it scores every pair twice where the GPU would keep a running
// list of N' entries.
#include <omp.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "kernels/kernels.hpp"
#include "kernels/rerank.hpp"
#include "kernels/validate.hpp"

namespace tailor {

const char* to_string(Precision p) { return p == Precision::bf16 ? "bf16" : "tf32"; }

namespace {

// The items rounded once to the low precision, and their norms (from the unrounded factors).
struct PreparedItems {
  std::vector<float> low;  // items x k
  std::vector<rerank::RowNorms> norms;
};

PreparedItems prepare_items(const FactorsView& items, Precision precision, int threads) {
  const auto krow = static_cast<std::size_t>(items.cols);
  PreparedItems p;
  p.low.resize(static_cast<std::size_t>(items.rows) * krow);
  p.norms.resize(static_cast<std::size_t>(items.rows));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t j = 0; j < items.rows; ++j) {
    const float* y = items.data + static_cast<std::size_t>(j) * krow;
    float* out = p.low.data() + static_cast<std::size_t>(j) * krow;
    for (std::size_t l = 0; l < krow; ++l) out[l] = rerank::round_to(precision, y[l]);
    p.norms[static_cast<std::size_t>(j)] = rerank::row_norms(y, items.cols);
  }
  return p;
}

// Per-thread scratch for one customer at a time.
struct Scratch {
  std::vector<float> xlow;
  std::vector<float> approx;            // s~ per eligible item, in visiting order
  std::vector<float> bound;             // E per eligible item
  std::vector<std::uint32_t> eligible;  // the eligible items, ascending
  std::vector<float> lower;             // lower bounds, reordered by nth_element
  std::vector<std::uint64_t> keys;      // exact rank keys of the candidates
};

// Fills s.keys with the candidates' exact rank keys (unsorted) for customer u.
void score_customer(const FactorsView& customers, const FactorsView& items,
                    const PreparedItems& prep, const CsrView* seen, bool exclude, int n,
                    Precision precision, const rerank::BoundCoeffs& coeffs, std::int64_t u,
                    Scratch& s) {
  const int k = customers.cols;
  const auto krow = static_cast<std::size_t>(k);
  const float* x = customers.data + static_cast<std::size_t>(u) * krow;
  s.xlow.resize(krow);
  for (std::size_t l = 0; l < krow; ++l) s.xlow[l] = rerank::round_to(precision, x[l]);
  const rerank::RowNorms xn = rerank::row_norms(x, k);

  s.approx.clear();
  s.bound.clear();
  s.eligible.clear();
  const std::uint32_t* e = nullptr;
  const std::uint32_t* e_end = nullptr;
  if (exclude) {
    e = seen->indices + seen->indptr[u];
    e_end = seen->indices + seen->indptr[u + 1];
  }
  const auto ni = static_cast<std::uint32_t>(items.rows);
  for (std::uint32_t j = 0; j < ni; ++j) {
    if (e != e_end && *e == j) {  // seen rows are sorted ascending and unique
      ++e;
      continue;
    }
    const float* yl = prep.low.data() + static_cast<std::size_t>(j) * krow;
    s.eligible.push_back(j);
    s.approx.push_back(rerank::lowp_dot(s.xlow.data(), yl, k));
    s.bound.push_back(rerank::pair_bound(coeffs, xn, prep.norms[j]));
  }

  const std::size_t count = s.eligible.size();
  float t = -std::numeric_limits<float>::infinity();
  if (count >= static_cast<std::size_t>(n)) {
    s.lower.resize(count);
    for (std::size_t i = 0; i < count; ++i) s.lower[i] = rerank::lower_bound(s.approx[i], s.bound[i]);
    std::nth_element(s.lower.begin(), s.lower.begin() + (n - 1), s.lower.end(), std::greater<>());
    t = s.lower[static_cast<std::size_t>(n - 1)];
  }

  s.keys.clear();
  for (std::size_t i = 0; i < count; ++i) {
    if (!rerank::is_candidate(s.approx[i], s.bound[i], t)) continue;
    const std::uint32_t j = s.eligible[i];
    const float key = rerank::exact_score(x, items.data + static_cast<std::size_t>(j) * krow, k);
    s.keys.push_back(rerank::rank_key(key, j));
  }
}

}  // namespace

TopNResult rerank_topn(const FactorsView& customers, const FactorsView& items, const CsrView* seen,
                       const TopNParams& params, Precision precision, int threads,
                       RerankStats* stats) {
  detail::validate_topn(customers, items, seen, params);
  threads = threads >= 1 ? threads : omp_get_max_threads();
  const std::int64_t nc = customers.rows;
  const int n = static_cast<int>(std::min<std::int64_t>(params.n, items.rows));
  const bool exclude = params.exclude_seen;
  const rerank::BoundCoeffs coeffs = rerank::bound_coefficients(precision, customers.cols);

  TopNResult result;
  result.offsets.assign(static_cast<std::size_t>(nc) + 1, 0);
  if (stats) {
    stats->candidates.assign(static_cast<std::size_t>(nc), 0);
    stats->total = 0;
    stats->max = 0;
  }
  if (nc == 0) return result;
  const PreparedItems prep = prepare_items(items, precision, threads);

  // Each customer's list goes to its own n slots first; compacted below.
  std::vector<std::uint64_t> best(static_cast<std::size_t>(nc) * static_cast<std::size_t>(n));
  std::vector<int> lens(static_cast<std::size_t>(nc));
#pragma omp parallel num_threads(threads)
  {
    Scratch s;
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t u = 0; u < nc; ++u) {
      score_customer(customers, items, prep, seen, exclude, n, precision, coeffs, u, s);
      const int got = static_cast<int>(std::min<std::size_t>(s.keys.size(), static_cast<std::size_t>(n)));
      if (got < static_cast<int>(s.keys.size()))
        std::nth_element(s.keys.begin(), s.keys.begin() + (got - 1), s.keys.end(), std::greater<>());
      std::sort(s.keys.begin(), s.keys.begin() + got, std::greater<>());
      std::copy(s.keys.begin(), s.keys.begin() + got,
                best.begin() + static_cast<std::ptrdiff_t>(u * n));
      lens[static_cast<std::size_t>(u)] = got;
      if (stats) stats->candidates[static_cast<std::size_t>(u)] = static_cast<std::int32_t>(s.keys.size());
    }
  }

  std::size_t total = 0;
  for (const int len : lens) total += static_cast<std::size_t>(len);
  result.items.resize(total);
  result.scores.resize(total);
  std::size_t at = 0;
  for (std::int64_t u = 0; u < nc; ++u) {
    const int len = lens[static_cast<std::size_t>(u)];
    if (len < params.n) ++result.short_lists;
    const std::uint64_t* b = best.data() + static_cast<std::size_t>(u) * static_cast<std::size_t>(n);
    for (int j = 0; j < len; ++j, ++at) {
      result.items[at] = rerank::rank_key_item(b[j]);
      result.scores[at] = rerank::rank_key_score(b[j]);
    }
    result.offsets[static_cast<std::size_t>(u) + 1] = static_cast<std::int64_t>(at);
  }
  if (stats) {
    for (const std::int32_t c : stats->candidates) {
      stats->total += c;
      stats->max = std::max<std::int64_t>(stats->max, c);
    }
  }
  return result;
}

std::vector<std::uint32_t> rerank_candidates(const FactorsView& customers,
                                             const FactorsView& items, const CsrView* seen,
                                             const TopNParams& params, Precision precision,
                                             std::int64_t customer) {
  detail::validate_topn(customers, items, seen, params);
  detail::require(customer >= 0 && customer < customers.rows,
                  "rerank: customer " + std::to_string(customer) + " out of range");
  const int n = static_cast<int>(std::min<std::int64_t>(params.n, items.rows));
  const PreparedItems prep = prepare_items(items, precision, 1);
  Scratch s;
  score_customer(customers, items, prep, seen, params.exclude_seen, n, precision,
                 rerank::bound_coefficients(precision, customers.cols), customer, s);
  std::vector<std::uint32_t> out;
  out.reserve(s.keys.size());
  for (const std::uint64_t key : s.keys) out.push_back(rerank::rank_key_item(key));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tailor
