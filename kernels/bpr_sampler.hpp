// The BPR triple sampler, one piece of code for the CPU engine, the CUDA kernel and the tests.
//
// Sample s of epoch e is a pure function of (seed, e, s): a splitmix64 stream keyed by the three
// (a counter-based generator, so samples can be drawn in any order, by any thread or warp, and
// both backends draw the same triples). A sample:
//   1. the positive: a stored interaction chosen uniformly among all nnz (so customers are drawn
//      in proportion to their activity, as in Rendle et al. and implicit), its customer found by
//      binary search in indptr;
//   2. the negative: drawn (uniformly or from the popularity table) and rejected while it is in
//      the customer's sorted row (binary search), at most kMaxRejections times; after that the
//      draw falls back to an exactly uniform choice among the customer's non-positives, so a
//      customer who bought all but one item still gets that item at once. Only with popularity
//      negatives, and only for customers whose positives hold most of the popularity mass, does
//      the fallback make the distribution differ from the stated one.
//   3. a customer who bought every item has no negative: the sample is skipped (customer = -1).
// Everything here is header-only and callable from device code when compiled by nvcc.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/kernels.hpp"

#if defined(__CUDACC__)
#define TAILOR_BPR_HD __host__ __device__ __forceinline__
#else
#define TAILOR_BPR_HD inline
#endif

namespace tailor::bpr {

// Rejection draws of a negative before the exact fallback (see above).
inline constexpr int kMaxRejections = 32;
// The epoch key of objective()'s fixed evaluation sample: no training epoch ever uses it.
inline constexpr std::uint64_t kObjectiveEpoch = ~std::uint64_t{0};
// objective_samples = 0 means min(nnz, this).
inline constexpr std::int64_t kDefaultObjectiveSamples = 65536;

// splitmix64's output function (Steele, Lea, Flood 2014).
TAILOR_BPR_HD std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

struct SampleRng {
  std::uint64_t state = 0;

  TAILOR_BPR_HD std::uint64_t next() {
    state += 0x9e3779b97f4a7c15ULL;
    return mix64(state);
  }
  // Uniform in [0, n), n >= 1. Plain modulo: its bias is below n / 2^64, far under anything a
  // test or a model could notice for n < 2^32.
  TAILOR_BPR_HD std::uint64_t below(std::uint64_t n) { return next() % n; }
  // Uniform in [0, 1) with 53 random bits.
  TAILOR_BPR_HD double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// The generator of sample `sample` in epoch `epoch`.
TAILOR_BPR_HD SampleRng sample_rng(std::uint64_t seed, std::uint64_t epoch, std::uint64_t sample) {
  const std::uint64_t key = mix64(seed ^ mix64(epoch + 0xd1b54a32d192ed03ULL));
  return SampleRng{mix64(key + sample * 0x9e3779b97f4a7c15ULL)};
}

// Whether `item` is in row[0 .. len) (sorted ascending).
TAILOR_BPR_HD bool row_contains(const std::uint32_t* row, std::int64_t len, std::uint32_t item) {
  std::int64_t lo = 0;
  std::int64_t hi = len;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (row[mid] < item)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < len && row[lo] == item;
}

// The r-th (0-based) item of 0, 1, 2, ... that is not in row[0 .. len) (strictly ascending).
// row[j] - j counts the missing items below row[j] and never decreases, so the answer is r plus
// the number of row entries j with row[j] - j <= r.
TAILOR_BPR_HD std::uint32_t nth_missing(const std::uint32_t* row, std::int64_t len,
                                        std::uint64_t r) {
  std::int64_t lo = 0;
  std::int64_t hi = len;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (static_cast<std::uint64_t>(row[mid]) - static_cast<std::uint64_t>(mid) <= r)
      lo = mid + 1;
    else
      hi = mid;
  }
  return static_cast<std::uint32_t>(r + static_cast<std::uint64_t>(lo));
}

// One unrestricted draw: uniform over [0, n_items), or from the inclusive cumulative weights
// cdf[0 .. n_items) (cdf[n_items - 1] is the total) when cdf is not null.
TAILOR_BPR_HD std::uint32_t draw_item(std::int64_t n_items, const double* cdf, SampleRng& rng) {
  if (cdf == nullptr) return static_cast<std::uint32_t>(rng.below(static_cast<std::uint64_t>(n_items)));
  const double u = rng.unit() * cdf[n_items - 1];
  std::int64_t lo = 0;  // the first index with cdf > u
  std::int64_t hi = n_items - 1;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (cdf[mid] > u)
      hi = mid;
    else
      lo = mid + 1;
  }
  return static_cast<std::uint32_t>(lo);
}

// A negative for the customer whose sorted items are row[0 .. len): never one of them. Returns
// -1 when there is none (len >= n_items).
TAILOR_BPR_HD std::int64_t sample_negative(const std::uint32_t* row, std::int64_t len,
                                           std::int64_t n_items, const double* cdf,
                                           SampleRng& rng) {
  if (len >= n_items) return -1;
  for (int t = 0; t < kMaxRejections; ++t) {
    const std::uint32_t j = draw_item(n_items, cdf, rng);
    if (!row_contains(row, len, j)) return j;
  }
  return nth_missing(row, len, rng.below(static_cast<std::uint64_t>(n_items - len)));
}

// The customer matrix as the sampler sees it: indptr (rows + 1, absolute offsets, indptr[0]
// may be non-zero), indices, and the popularity table (null for uniform negatives).
struct SamplerView {
  const std::int64_t* indptr = nullptr;
  const std::uint32_t* indices = nullptr;
  std::int64_t rows = 0;
  std::int64_t items = 0;
  const double* cdf = nullptr;
};

// Sample `sample` of epoch `epoch`.
TAILOR_BPR_HD BprTriple sample_triple(const SamplerView& m, std::uint64_t seed,
                                      std::uint64_t epoch, std::uint64_t sample) {
  SampleRng rng = sample_rng(seed, epoch, sample);
  const std::int64_t base = m.indptr[0];
  const std::int64_t nnz = m.indptr[m.rows] - base;
  const std::int64_t pos = base + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(nnz)));
  std::int64_t lo = 0;  // the last row r with indptr[r] <= pos (empty rows are passed over)
  std::int64_t hi = m.rows - 1;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo + 1) / 2;
    if (m.indptr[mid] <= pos)
      lo = mid;
    else
      hi = mid - 1;
  }
  BprTriple t;
  const std::uint32_t* row = m.indices + m.indptr[lo];
  const std::int64_t len = m.indptr[lo + 1] - m.indptr[lo];
  const std::int64_t neg = sample_negative(row, len, m.items, m.cdf, rng);
  if (neg < 0) return t;  // skipped
  t.customer = lo;
  t.positive = m.indices[pos];
  t.negative = static_cast<std::uint32_t>(neg);
  return t;
}

// Inclusive cumulative popularity weights (1 + count_i)^exponent over the items of a
// customers x items matrix, in double (the sampler compares against them on both backends).
inline std::vector<double> popularity_cdf(const CsrView& m, double exponent) {
  std::vector<double> count(static_cast<std::size_t>(m.cols), 0.0);
  for (std::int64_t p = m.indptr[0]; p < m.indptr[m.rows]; ++p) count[m.indices[p]] += 1.0;
  double total = 0.0;
  for (auto& c : count) {
    total += std::pow(1.0 + c, exponent);
    c = total;
  }
  return count;
}

// Default starting factors of a BPR engine: uniform in [-0.5, 0.5) / factors (implicit's BPR
// convention: small, of both signs, so the first gradients already separate items).
inline std::vector<float> initial_factors(std::int64_t rows, int factors, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  std::vector<float> f(static_cast<std::size_t>(rows) * static_cast<std::size_t>(factors));
  const float scale = 1.0f / static_cast<float>(factors);
  for (auto& x : f) x = u(rng) * scale;
  return f;
}

// rows x factors values widened to rows x (factors + 1), `last` in the new last column.
inline std::vector<float> with_last_column(const std::vector<float>& f, std::int64_t rows,
                                           int factors, float last) {
  const auto k = static_cast<std::size_t>(factors);
  std::vector<float> out(static_cast<std::size_t>(rows) * (k + 1));
  for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r) {
    std::copy_n(f.begin() + static_cast<std::ptrdiff_t>(r * k), k,
                out.begin() + static_cast<std::ptrdiff_t>(r * (k + 1)));
    out[r * (k + 1) + k] = last;
  }
  return out;
}

// The starting factors of a BPR engine, rows x bpr_width(p): initial_factors from p.seed
// (customers) or from a seed derived from it (items); with the item bias, the customers' extra
// column is the fixed 1 and the items' biases start at 0. Without it, exactly initial_factors.
inline std::vector<float> initial_customer_factors(std::int64_t rows, const BprParams& p) {
  std::vector<float> f = initial_factors(rows, p.factors, p.seed);
  return p.item_bias ? with_last_column(f, rows, p.factors, 1.0f) : f;
}
inline std::vector<float> initial_item_factors(std::int64_t rows, const BprParams& p) {
  std::vector<float> f = initial_factors(rows, p.factors, p.seed ^ 0x9e3779b97f4a7c15ULL);
  return p.item_bias ? with_last_column(f, rows, p.factors, 0.0f) : f;
}

// Numerically stable -ln sigma(x) = ln(1 + e^-x).
TAILOR_BPR_HD double neg_log_sigmoid(double x) {
  return x >= 0.0 ? log1p(exp(-x)) : -x + log1p(exp(x));
}

}  // namespace tailor::bpr
