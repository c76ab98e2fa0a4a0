// Exact top-N from low-precision scores: score every pair in bf16 (or tf32) with fp32
// accumulation, bound the error of each score, keep every item that could still be in the exact
// top-N, re-score those exactly and select with the tie rule.
//
// This header is plain C++ usable from .cpp and .cu files: the per-pair pieces (rounding,
// bound, exact score, ranking key) are __host__ __device__ under nvcc, so the fused GPU kernel
// and the CPU reference (kernels/cpu/rerank_cpu.cpp) share one definition of each.
// docs/exact-topn.md has the derivation of the bound and the definition of the exact list.
//
// ---- The exact list (what "exact" means) --------------------------------------------------
// key(x, y) = (float) sum_{i=0}^{k-1} (double) x_i * (double) y_i, summed in double in index
// order i = 0, 1, ..., k-1 and rounded once to float (round to nearest even). Every product of
// two floats is exact in double (24 + 24 <= 53 significant bits), so a fused multiply-add gives
// the same bits as a multiply then add: the key is reproducible bit for bit by any IEEE double
// unit, the GPU's included, whatever the compiler's contraction settings. A list is ordered by
// key descending, equal keys by lower item index (the tie rule of kernels.hpp, applied to the
// reported float scores); a NaN key ranks below every number, NaNs tie, -0 is reported as +0.
// It differs from cpu_topn's fp32-accumulated scores in the last bits only, but the ranking
// is defined on these keys, not on any one fp32 summation order.
//
// ---- The error bound (derivation in docs/exact-topn.md) -----------------------------------
// x, y in R^k (floats), x~, y~ their roundings to the low precision (unit roundoff u: 2^-8 for
// bf16, 2^-11 for tf32), s~ = the fp32-accumulated sum of x~_i * y~_i in any order. With
//   S      = sum_i |x_i||y_i|  <=  |x|_2 |y|_2                          (Cauchy-Schwarz)
//   L1(v)  = sum_i |v_i|
//   g      = gamma_k = k*ua / (1 - k*ua), ua the accumulation unit (kTensorCoreAccumUnit)
//   tiny   = 2^-126, the flush-to-zero threshold (covers subnormal inputs, products and sums
//            whether the hardware keeps or flushes them)
// the key obeys
//   |key - s~| <= [2u + u^2 + g(1+u)^2 + 2^-24(1+2^-20) + k 2^-52] * S
//                 + (1+g)(1+u) tiny (L1(x) + L1(y)) + (1+g) k (tiny^2 + 3 tiny)
// The first three terms are the input rounding, the accumulation, and the last two the key's
// own rounding (double sum, then to float). pair_bound() evaluates this with |x|_2 |y|_2 for S,
// in float, with coefficients rounded up and inflated by 2^-10 so that the float evaluation of
// E, s~ - E and s~ + E can only widen the interval: s~ - E <= key <= s~ + E holds as computed.
// Assumption: no overflow (finite factors whose products and partial sums stay below FLT_MAX);
// where something overflows, E or s~ is inf or NaN and the item is always a candidate.
//
// ---- The candidate rule -------------------------------------------------------------------
// Over the customer's eligible items (not excluded as seen), lower_j = s~_j - E_j,
// upper_j = s~_j + E_j. t = the n-th largest lower bound (-inf with fewer than n eligible
// items). Every item with upper_j >= t (or NaN) is a candidate: an item with upper_j < t has a
// key strictly below n other keys, so it is in no top-n list, ties included. The candidates are
// re-scored with key() and the best n taken by rank_key().
#pragma once

#include <math.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/host_device.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

// The low precision the tensor cores multiply in.
enum class Precision { bf16, tf32 };

const char* to_string(Precision p);

namespace rerank {

TAILOR_HD inline std::uint32_t float_bits(float f) {
  std::uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}
TAILOR_HD inline float bits_float(std::uint32_t u) {
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

// Rounds to the nearest bf16 (8 significant bits), ties to even, and back to float: the value
// __float2bfloat16_rn gives. Overflow goes to +-inf, NaN stays NaN (quiet), subnormals are kept.
TAILOR_HD inline float round_to_bf16(float f) {
  const std::uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bits_float(u | 0x00400000u);  // NaN: quiet it
  const std::uint32_t lsb = (u >> 16) & 1u;
  return bits_float((u + 0x7fffu + lsb) & 0xffff0000u);
}

// Rounds to the nearest tf32 (11 significant bits), ties away from zero, and back to float: the
// value cvt.rna.tf32.f32 (wmma::__float_to_tf32) gives. The GPU kernel must round its operands
// this way before the mma: a tensor core fed raw floats truncates them, which has twice the
// error (u = 2^-10) and is not what the bound assumes.
TAILOR_HD inline float round_to_tf32(float f) {
  const std::uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return bits_float(u | 0x00400000u);
  return bits_float((u + 0x1000u) & 0xffffe000u);
}

TAILOR_HD inline float round_to(Precision p, float f) {
  return p == Precision::bf16 ? round_to_bf16(f) : round_to_tf32(f);
}

// Unit roundoff of the input rounding: |round(x) - x| <= u |x| in the normal range.
TAILOR_HD inline double unit_roundoff(Precision p) {
  return p == Precision::bf16 ? 0x1p-8 : 0x1p-11;
}

// Accumulation unit for the tensor cores' fp32 adds. Round to nearest is 2^-24 and truncation
// 2^-23; tensor cores add several aligned products at once and truncate each to the largest
// one's precision (Fasi, Higham, Mikaitis, Pranesh 2021), so we allow 2^-22, four times round
// to nearest. Even for k = 1024 the accumulation term (2^-12) is below bf16's 2u = 2^-7.
inline constexpr double kTensorCoreAccumUnit = 0x1p-22;

// Smallest positive normal float; anything below it may be flushed to zero by the hardware.
inline constexpr double kTiny = 0x1p-126;

// The least float >= d (inf where d exceeds FLT_MAX).
TAILOR_HD inline float round_up_to_float(double d) {
  float f = static_cast<float>(d);
  if (static_cast<double>(f) < d) f = nextafterf(f, INFINITY);
  return f;
}

// Coefficients of E = rel * |x|_2 |y|_2 + lin * (L1(x) + L1(y)) + cst, for one precision and
// factor count k (1 .. kMaxFactors). Computed in double on the host, rounded up to float.
struct BoundCoeffs {
  float rel = 0.0f;
  float lin = 0.0f;
  float cst = 0.0f;
};

TAILOR_HD inline BoundCoeffs bound_coefficients(Precision p, int k,
                                                double accum_unit = kTensorCoreAccumUnit) {
  const double u = unit_roundoff(p);
  const double kd = static_cast<double>(k);
  const double g = kd * accum_unit / (1.0 - kd * accum_unit);
  // Margin for evaluating E, s~ - E and s~ + E in float (see docs/exact-topn.md, step 5).
  const double inflate = 1.0 + 0x1p-10;
  const double rel = 2.0 * u + u * u + g * (1.0 + u) * (1.0 + u)  // inputs, accumulation
                     + 0x1p-24 * (1.0 + 0x1p-20) + kd * 0x1p-52;   // the key's own rounding
  const double lin = (1.0 + g) * (1.0 + u) * kTiny;
  const double cst = (1.0 + g) * kd * (kTiny * kTiny + 3.0 * kTiny);
  BoundCoeffs c;
  c.rel = round_up_to_float(rel * inflate);
  c.lin = round_up_to_float(lin * inflate);
  c.cst = round_up_to_float(cst * inflate + 16.0 * 0x1p-149);  // + float rounding of E itself
  return c;
}

// Per-row norms for the bound, each an upper bound of the true value rounded up to float.
struct RowNorms {
  float l2 = 0.0f;
  float l1 = 0.0f;
};

TAILOR_HD inline RowNorms row_norms(const float* v, int k) {
  double sq = 0.0, ab = 0.0;
  for (int i = 0; i < k; ++i) {
    const double d = static_cast<double>(v[i]);
    sq += d * d;
    ab += fabs(d);
  }
  // The double sums are off by at most k 2^-53 relative (k <= 1024): inflate by 2^-30.
  const double margin = 1.0 + 0x1p-30;
  return {round_up_to_float(sqrt(sq) * margin), round_up_to_float(ab * margin)};
}

// E for one pair, in float. s~ - E <= key(x, y) <= s~ + E holds as evaluated in float.
TAILOR_HD inline float pair_bound(const BoundCoeffs& c, const RowNorms& x, const RowNorms& y) {
  return c.rel * x.l2 * y.l2 + c.lin * (x.l1 + y.l1) + c.cst;
}

// s~: the low-precision score as the CPU reference computes it (fp32 sum in index order of the
// products of already-rounded operands; each product is exact in float). The GPU's tree order
// gives other bits; the bound holds for any order.
TAILOR_HD inline float lowp_dot(const float* xl, const float* yl, int k) {
  float acc = 0.0f;
  for (int i = 0; i < k; ++i) acc += xl[i] * yl[i];
  return acc;
}

// The exact key: double products and sum in index order, rounded once to float.
TAILOR_HD inline float exact_score(const float* x, const float* y, int k) {
  double acc = 0.0;
  for (int i = 0; i < k; ++i) acc += static_cast<double>(x[i]) * static_cast<double>(y[i]);
  return static_cast<float>(acc);
}

// A 64-bit key whose unsigned order is the list order: the score mapped to an integer that
// sorts like the float (NaN lowest, -0 equal to +0) in the high half, the item index inverted
// in the low half (equal scores: the lower index is the larger key). The same encoding as
// cpu_topn's candidates.
TAILOR_HD inline std::uint64_t rank_key(float score, std::uint32_t item) {
  const float s = score + 0.0f;  // -0 becomes +0
  const std::uint32_t u = float_bits(s);
  const bool nan = (u & 0x7fffffffu) > 0x7f800000u;
  const std::uint32_t ordered = nan ? 0u : (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  return (static_cast<std::uint64_t>(ordered) << 32) | static_cast<std::uint32_t>(~item);
}
TAILOR_HD inline std::uint32_t rank_key_item(std::uint64_t key) {
  return ~static_cast<std::uint32_t>(key);
}
TAILOR_HD inline float rank_key_score(std::uint64_t key) {
  const auto ordered = static_cast<std::uint32_t>(key >> 32);
  if (ordered == 0) return NAN;
  return bits_float((ordered & 0x80000000u) ? (ordered & 0x7fffffffu) : ~ordered);
}

// The candidate test: may an item with this approximate score and bound still be in the top
// n, given the threshold t (the n-th largest lower bound)? NaN anywhere: yes.
TAILOR_HD inline bool is_candidate(float approx, float bound, float threshold) {
  return !(approx + bound < threshold);
}
// The lower bound that enters the threshold; NaN counts as -inf (it only lowers t).
TAILOR_HD inline float lower_bound(float approx, float bound) {
  const float lo = approx - bound;
  return lo == lo ? lo : -INFINITY;
}

}  // namespace rerank

// What the approximate pass let through, for choosing the GPU's running list length N'.
struct RerankStats {
  std::vector<std::int32_t> candidates;  // per customer: items re-scored exactly
  std::int64_t total = 0;                // sum of candidates
  std::int64_t max = 0;                  // the largest candidate set
  [[nodiscard]] double mean() const {
    return candidates.empty() ? 0.0 : static_cast<double>(total) / static_cast<double>(candidates.size());
  }
};

// The approximate-then-exact pipeline on the CPU, the reference for the fused GPU kernel:
// every customer against every eligible item in `precision` (rounded operands, fp32 sums), the
// candidate rule above, exact re-scoring of the candidates, the best params.n by rank_key.
// Arguments as cpu_topn (kernels.hpp); scores in the result are the exact keys. Memory: per
// thread two floats per item plus the candidates; params.memory_budget is not used.
// `stats`, when given, receives the candidate counts. Throws std::invalid_argument on bad
// shapes or n, as cpu_topn.
TopNResult rerank_topn(const FactorsView& customers, const FactorsView& items, const CsrView* seen,
                       const TopNParams& params, Precision precision, int threads,
                       RerankStats* stats = nullptr);

// The candidate set of one customer (ascending item indices), as rerank_topn computes it.
std::vector<std::uint32_t> rerank_candidates(const FactorsView& customers,
                                             const FactorsView& items, const CsrView* seen,
                                             const TopNParams& params, Precision precision,
                                             std::int64_t customer);

}  // namespace tailor
