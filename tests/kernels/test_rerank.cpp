// The exact re-rank (kernels/rerank.hpp): rounding helpers against hand-checked bit patterns,
// the error bound on millions of adversarial pairs, the candidate set containing the exact
// top-N, and rerank_topn equal to a brute force in double (with the same key definition) on a
// grid of shapes, including planted near-ties that bf16 orders wrongly. Seeds are fixed and
// printed on failure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"
#include "kernels/rerank.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::random_csr;
using testing::random_factors;

// The reference: every eligible item's key (double dot in index order, rounded to float), a full
// sort by (key desc, item asc) with NaN lowest, the first n.
TopNResult brute_force(const FactorsView& X, const FactorsView& Y, const CsrView* seen,
                       const TopNParams& p) {
  TopNResult r;
  r.offsets.push_back(0);
  const auto k = static_cast<std::size_t>(X.cols);
  for (std::int64_t u = 0; u < X.rows; ++u) {
    std::set<std::uint32_t> ex;
    if (p.exclude_seen)
      for (std::int64_t j = seen->indptr[u]; j < seen->indptr[u + 1]; ++j) ex.insert(seen->indices[j]);
    struct Entry {
      double score;
      std::uint32_t item;
    };
    std::vector<Entry> all;
    for (std::int64_t j = 0; j < Y.rows; ++j) {
      if (ex.count(static_cast<std::uint32_t>(j))) continue;
      double acc = 0.0;
      for (std::size_t l = 0; l < k; ++l)
        acc += static_cast<double>(X.data[static_cast<std::size_t>(u) * k + l]) *
               static_cast<double>(Y.data[static_cast<std::size_t>(j) * k + l]);
      all.push_back({static_cast<double>(static_cast<float>(acc)), static_cast<std::uint32_t>(j)});
    }
    std::sort(all.begin(), all.end(), [](const Entry& a, const Entry& b) {
      const bool an = std::isnan(a.score), bn = std::isnan(b.score);
      if (an != bn) return bn;
      if (!an && a.score != b.score) return a.score > b.score;
      return a.item < b.item;
    });
    const std::size_t len = std::min<std::size_t>(all.size(), static_cast<std::size_t>(p.n));
    if (len < static_cast<std::size_t>(p.n)) ++r.short_lists;
    for (std::size_t i = 0; i < len; ++i) {
      r.items.push_back(all[i].item);
      r.scores.push_back(static_cast<float>(all[i].score) + 0.0f);
    }
    r.offsets.push_back(static_cast<std::int64_t>(r.items.size()));
  }
  return r;
}

// Bitwise equality of two results (the key is reproducible, so no tolerance is needed).
void expect_same(const TopNResult& got, const TopNResult& want, const std::string& what) {
  ASSERT_EQ(got.offsets, want.offsets) << what;
  EXPECT_EQ(got.short_lists, want.short_lists) << what;
  for (std::size_t i = 0; i < want.items.size(); ++i) {
    ASSERT_EQ(got.items[i], want.items[i]) << what << " at entry " << i;
    const bool both_nan = std::isnan(got.scores[i]) && std::isnan(want.scores[i]);
    if (!both_nan) {
      ASSERT_EQ(rerank::float_bits(got.scores[i]), rerank::float_bits(want.scores[i]))
          << what << " at entry " << i << ": " << got.scores[i] << " vs " << want.scores[i];
    }
  }
}

TEST(RerankRounding, Bf16MatchesRoundToNearestEven) {
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1). 1 + 3*2^-8: to 1 + 2^-6.
  EXPECT_EQ(rerank::round_to_bf16(1.0f + 0x1p-8f), 1.0f);
  EXPECT_EQ(rerank::round_to_bf16(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f);
  EXPECT_EQ(rerank::round_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 1.0f + 0x1p-7f);
  EXPECT_EQ(rerank::round_to_bf16(-1.0f - 0x1p-8f - 0x1p-20f), -1.0f - 0x1p-7f);
  EXPECT_EQ(rerank::round_to_bf16(std::numeric_limits<float>::max()),
            std::numeric_limits<float>::infinity());
  EXPECT_EQ(rerank::round_to_bf16(-std::numeric_limits<float>::infinity()),
            -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(rerank::round_to_bf16(std::numeric_limits<float>::quiet_NaN())));
  // A signalling NaN whose payload sits in the low half must not round to inf.
  EXPECT_TRUE(std::isnan(rerank::round_to_bf16(rerank::bits_float(0x7f800001u))));
  EXPECT_EQ(rerank::round_to_bf16(0x1p-130f), 0x1p-130f);  // bf16 subnormals are kept
  EXPECT_EQ(rerank::round_to_bf16(0x1p-140f), 0.0f);       // below half the least one
  // Exhaustive over a range: result representable in bf16, error <= half an ulp, ties even.
  for (std::uint32_t b = 0x3f800000u; b < 0x40000000u; b += 7) {
    const float f = rerank::bits_float(b);
    const float r = rerank::round_to_bf16(f);
    ASSERT_EQ(rerank::float_bits(r) & 0xffffu, 0u);
    const double err = std::fabs(static_cast<double>(r) - f);
    ASSERT_LE(err, 0x1p-8) << f;
    if (err == 0x1p-8) {
      ASSERT_EQ((rerank::float_bits(r) >> 16) & 1u, 0u) << f;
    }
  }
}

TEST(RerankRounding, Tf32RoundsToNearestTiesAway) {
  EXPECT_EQ(rerank::round_to_tf32(1.0f + 0x1p-11f), 1.0f + 0x1p-10f);  // tie: away from zero
  EXPECT_EQ(rerank::round_to_tf32(-1.0f - 0x1p-11f), -1.0f - 0x1p-10f);
  EXPECT_EQ(rerank::round_to_tf32(1.0f + 0x1p-12f), 1.0f);
  EXPECT_EQ(rerank::round_to_tf32(1.0f + 0x1p-11f + 0x1p-20f), 1.0f + 0x1p-10f);
  EXPECT_TRUE(std::isnan(rerank::round_to_tf32(std::numeric_limits<float>::quiet_NaN())));
  for (std::uint32_t b = 0x3f800000u; b < 0x40000000u; b += 13) {
    const float f = rerank::bits_float(b);
    const float r = rerank::round_to_tf32(f);
    ASSERT_EQ(rerank::float_bits(r) & 0x1fffu, 0u);
    ASSERT_LE(std::fabs(static_cast<double>(r) - f), 0x1p-11) << f;
  }
}

TEST(RerankKey, OrdersLikeTheTieRule) {
  using rerank::rank_key;
  EXPECT_GT(rank_key(2.0f, 5), rank_key(1.0f, 0));
  EXPECT_GT(rank_key(1.0f, 0), rank_key(1.0f, 1));  // equal scores: lower index first
  EXPECT_EQ(rank_key(-0.0f, 3), rank_key(0.0f, 3));
  EXPECT_GT(rank_key(-std::numeric_limits<float>::infinity(), 9),
            rank_key(std::numeric_limits<float>::quiet_NaN(), 0));
  EXPECT_GT(rank_key(-1.0f, 0), rank_key(-2.0f, 0));
  for (float s : {0.0f, -1.5f, 3.25f, 1e-40f, -1e30f}) {
    EXPECT_EQ(rerank::rank_key_score(rank_key(s, 7)), s + 0.0f);
    EXPECT_EQ(rerank::rank_key_item(rank_key(s, 7)), 7u);
  }
}

// Vectors built to stress the bound: wide exponent ranges, mixed signs, near-cancellation
// (y close to a sign-flipped permutation of x's magnitudes), subnormal and tiny entries, values
// just off the bf16/tf32 grid.
class AdversarialPairs {
 public:
  explicit AdversarialPairs(std::uint64_t seed) : rng_(seed) {}

  void next(std::vector<float>& x, std::vector<float>& y) {
    const int k = pick_k();
    x.resize(static_cast<std::size_t>(k));
    y.resize(static_cast<std::size_t>(k));
    const int mode = static_cast<int>(rng_() % 5);
    for (int i = 0; i < k; ++i) x[i] = value(mode);
    for (int i = 0; i < k; ++i) {
      if (mode == 2) {
        // Cancellation: y_i = +-c / x_i-ish so that products nearly cancel in pairs.
        const float c = std::ldexp(1.0f + unit_(rng_) * 0x1p-9f, static_cast<int>(rng_() % 20) - 10);
        y[i] = (i % 2 ? -c : c) / (x[i] != 0.0f ? x[i] : 1.0f);
      } else {
        y[i] = value(mode);
      }
    }
    if (mode == 2 && k % 2 == 1) y[k - 1] = 0.0f;
  }

 private:
  int pick_k() {
    static constexpr int ks[] = {1, 2, 3, 7, 16, 31, 64, 100, 128, 257, 1024};
    return ks[rng_() % (sizeof ks / sizeof ks[0])];
  }
  float value(int mode) {
    const float sign = (rng_() & 1) ? -1.0f : 1.0f;
    const float m = 1.0f + unit_(rng_);
    switch (mode) {
      case 0:  // ordinary factors
        return sign * m * 0.05f;
      case 1:  // wide exponent range, products up to ~2^80 and down to ~2^-80
        return sign * std::ldexp(m, static_cast<int>(rng_() % 80) - 40);
      case 3:  // subnormal and near-underflow entries mixed with normal ones
        return sign * (rng_() % 3 == 0 ? std::ldexp(m, -135 - static_cast<int>(rng_() % 10))
                                       : std::ldexp(m, -60 - static_cast<int>(rng_() % 10)));
      default:  // just off the bf16 grid: halfway points plus a nudge either way
        return sign * std::ldexp(1.0f + (static_cast<float>(rng_() % 128) + 0.5f) * 0x1p-7f +
                                     (unit_(rng_) - 0.5f) * 0x1p-20f,
                                 static_cast<int>(rng_() % 16) - 8);
    }
  }
  std::mt19937_64 rng_;
  std::uniform_real_distribution<float> unit_{0.0f, 1.0f};
};

TEST(RerankBound, HoldsOnMillionsOfAdversarialPairs) {
  for (const Precision prec : {Precision::bf16, Precision::tf32}) {
    const std::uint64_t seed = 20261124u + static_cast<std::uint64_t>(prec);
    AdversarialPairs gen(seed);
    std::vector<float> x, y, xl, yl;
    double worst_ratio = 0.0;
    const int pairs = 1'000'000;
    for (int p = 0; p < pairs; ++p) {
      gen.next(x, y);
      const int k = static_cast<int>(x.size());
      xl.resize(x.size());
      yl.resize(y.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        xl[i] = rerank::round_to(prec, x[i]);
        yl[i] = rerank::round_to(prec, y[i]);
      }
      const float approx = rerank::lowp_dot(xl.data(), yl.data(), k);
      const float key = rerank::exact_score(x.data(), y.data(), k);
      const rerank::BoundCoeffs c = rerank::bound_coefficients(prec, k);
      const float e = rerank::pair_bound(c, rerank::row_norms(x.data(), k), rerank::row_norms(y.data(), k));
      // The property the candidate rule relies on, evaluated in float as the pipeline does.
      ASSERT_TRUE(approx - e <= key && key <= approx + e)
          << to_string(prec) << " seed " << seed << " pair " << p << " k " << k << ": key " << key
          << " approx " << approx << " bound " << e;
      // The same in exact arithmetic (doubles hold these differences to 2^-53 relative).
      const double err = std::fabs(static_cast<double>(key) - static_cast<double>(approx));
      ASSERT_LE(err, static_cast<double>(e)) << to_string(prec) << " pair " << p;
      if (e > 0.0f) worst_ratio = std::max(worst_ratio, err / static_cast<double>(e));
    }
    std::printf("  %s: %d pairs, largest |key - s~| / E = %.3g\n", to_string(prec), pairs,
                worst_ratio);
  }
}

TEST(RerankBound, CoefficientsAreWhatTheDerivationSays) {
  // bf16, k = 64: rel ~ 2u = 2^-7 plus small terms; tf32: ~ 2^-10.
  const auto b = rerank::bound_coefficients(Precision::bf16, 64);
  EXPECT_GT(b.rel, 0x1p-7f);
  EXPECT_LT(b.rel, 0x1p-7f * 1.01f);
  const auto t = rerank::bound_coefficients(Precision::tf32, 64);
  EXPECT_GT(t.rel, 0x1p-10f);
  EXPECT_LT(t.rel, 0x1p-10f * 1.03f);  // gamma_64 = 2^-16 is 1.6% of 2^-10
  EXPECT_GT(b.cst, 0.0f);
  EXPECT_LT(b.cst, 0x1p-100f);
}

struct Shape {
  std::int64_t customers;
  std::int64_t items;
  int k;
  int n;
  bool exclude;
};

TEST(RerankTopn, EqualsBruteForceOnAGridOfShapes) {
  const Shape shapes[] = {
      {37, 100, 8, 1, true},    {64, 257, 16, 10, true},  {50, 33, 32, 33, false},
      {20, 33, 32, 33, true},   {41, 1000, 64, 20, true}, {9, 31, 5, 100, false},
      {13, 500, 128, 50, true}, {1, 7, 3, 7, true},
  };
  std::uint64_t seed = 1000;
  for (const Precision prec : {Precision::bf16, Precision::tf32}) {
    for (const Shape& s : shapes) {
      ++seed;
      const auto X = random_factors(s.customers, s.k, seed);
      const auto Y = random_factors(s.items, s.k, seed + 7);
      // Heavy row: every item seen by one customer (an empty list).
      const Csr seen = random_csr(s.customers, s.items, 6, seed + 13, s.items);
      const FactorsView xv{X.data(), s.customers, s.k};
      const FactorsView yv{Y.data(), s.items, s.k};
      const CsrView sv = seen.view();
      TopNParams p;
      p.n = s.n;
      p.exclude_seen = s.exclude;
      const std::string what = std::string(to_string(prec)) + " seed " + std::to_string(seed) +
                               " shape " + std::to_string(s.customers) + "x" +
                               std::to_string(s.items) + " k " + std::to_string(s.k) + " n " +
                               std::to_string(s.n);
      RerankStats stats;
      const TopNResult got = rerank_topn(xv, yv, &sv, p, prec, 2, &stats);
      expect_same(got, brute_force(xv, yv, &sv, p), what);
      ASSERT_EQ(stats.candidates.size(), static_cast<std::size_t>(s.customers));
      for (std::int64_t u = 0; u < s.customers; ++u)
        EXPECT_GE(stats.candidates[static_cast<std::size_t>(u)], got.offsets[u + 1] - got.offsets[u]);
      std::printf("  %s: candidates mean %.1f max %lld for n %d\n", what.c_str(), stats.mean(),
                  static_cast<long long>(stats.max), s.n);
      // The same lists whatever the thread count.
      expect_same(rerank_topn(xv, yv, &sv, p, prec, 1), got, what + " 1 thread");
    }
  }
}

TEST(RerankTopn, AllItemsSeenGivesAnEmptyList) {
  const std::int64_t nc = 3, ni = 40;
  const int k = 8;
  const auto X = random_factors(nc, k, 5);
  const auto Y = random_factors(ni, k, 6);
  std::vector<std::uint32_t> rows, cols;
  for (std::uint32_t j = 0; j < ni; ++j) {  // customer 1 has seen everything
    rows.push_back(1);
    cols.push_back(j);
  }
  rows.push_back(0);
  cols.push_back(3);
  std::vector<float> w(rows.size(), 1.0f);
  const Csr seen = build_csr(nc, ni, rows.data(), cols.data(), w.data(),
                             static_cast<std::int64_t>(rows.size()), 1);
  const CsrView sv = seen.view();
  TopNParams p;
  p.n = 5;
  const FactorsView xv{X.data(), nc, k}, yv{Y.data(), ni, k};
  const TopNResult got = rerank_topn(xv, yv, &sv, p, Precision::bf16, 2);
  EXPECT_EQ(got.offsets[2] - got.offsets[1], 0);
  EXPECT_EQ(got.short_lists, 1);
  expect_same(got, brute_force(xv, yv, &sv, p), "all seen");
}

TEST(RerankTopn, CandidateSetContainsTheExactTopN) {
  std::uint64_t seed = 77;
  for (const Precision prec : {Precision::bf16, Precision::tf32}) {
    for (const int n : {1, 5, 40}) {
      ++seed;
      const std::int64_t nc = 24, ni = 300;
      const int k = 24;
      auto X = random_factors(nc, k, seed);
      auto Y = random_factors(ni, k, seed + 1);
      // Clusters of near-duplicate items make many approximate scores overlap.
      for (std::int64_t j = 1; j < ni; j += 3)
        for (int l = 0; l < k; ++l)
          Y[static_cast<std::size_t>(j * k + l)] = Y[static_cast<std::size_t>((j - 1) * k + l)] * (1.0f + 1e-4f);
      const Csr seen = random_csr(nc, ni, 10, seed + 2);
      const CsrView sv = seen.view();
      const FactorsView xv{X.data(), nc, k}, yv{Y.data(), ni, k};
      TopNParams p;
      p.n = n;
      const TopNResult ref = brute_force(xv, yv, &sv, p);
      for (std::int64_t u = 0; u < nc; ++u) {
        const auto cand = rerank_candidates(xv, yv, &sv, p, prec, u);
        for (std::int64_t j = ref.offsets[u]; j < ref.offsets[u + 1]; ++j)
          ASSERT_TRUE(std::binary_search(cand.begin(), cand.end(), ref.items[j]))
              << to_string(prec) << " seed " << seed << " customer " << u << " item "
              << ref.items[j];
        // And the set is a real filter: not everything survives.
        if (ref.offsets[u + 1] - ref.offsets[u] == n)
          EXPECT_LT(static_cast<std::int64_t>(cand.size()), ni - (sv.indptr[u + 1] - sv.indptr[u]));
      }
    }
  }
}

// Pairs of items whose exact scores differ by less than the bf16 error, built so that bf16 puts
// them in the wrong order; with x = (1, 1, r...) and base y = (b0, b1, r'...) on the bf16 grid:
//   A = (b0 + 0.45 ulp, b1,            ...)  bf16: (b0,       b1)  exact: base + 0.45 ulp
//   B = (b0 + 0.55 ulp, b1 - 0.2 ulp,  ...)  bf16: (b0 + ulp, b1)  exact: base + 0.35 ulp
// so bf16 ranks B above A while exactly A > B. A copy of A at a higher index plants an exact
// tie on top (the tie rule must put the lower index first).
TEST(RerankTopn, PlantedNearTiesThatBf16OrdersWrongly) {
  const int k = 16;
  const int groups = 40;
  std::mt19937_64 rng(4242);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(k));
  x[0] = 1.0f;
  x[1] = 1.0f;
  for (int l = 2; l < k; ++l) x[l] = rerank::round_to_bf16(unit(rng) - 0.5f);
  std::vector<float> Y;
  std::vector<std::uint32_t> order_a, order_b;
  const float ulp = 0x1p-7f;  // bf16 ulp in [1, 2)
  for (int g = 0; g < groups; ++g) {
    std::vector<float> base(static_cast<std::size_t>(k));
    // Group g's base score increases with g by far more than the bf16 error, so groups do not mix.
    base[0] = 1.0f + static_cast<float>(g % 64) * ulp;
    base[1] = 1.0f + static_cast<float>(g / 64 + 64) * ulp;
    for (int l = 2; l < k; ++l) base[l] = rerank::round_to_bf16(0.001f * (unit(rng) - 0.5f));
    auto a = base, b = base;
    a[0] += 0.45f * ulp;
    b[0] += 0.55f * ulp;
    b[1] -= 0.2f * ulp;
    const auto ib = static_cast<std::uint32_t>(Y.size() / k);  // B first: lower index
    Y.insert(Y.end(), b.begin(), b.end());
    Y.insert(Y.end(), a.begin(), a.end());
    Y.insert(Y.end(), a.begin(), a.end());  // exact tie with A at a higher index
    order_b.push_back(ib);
    order_a.push_back(ib + 1);
  }
  const std::int64_t ni = static_cast<std::int64_t>(Y.size()) / k;
  const FactorsView xv{x.data(), 1, k}, yv{Y.data(), ni, k};
  for (int g = 0; g < groups; ++g) {  // the plant works: bf16 says B > A, exact says A > B
    const float* ya = Y.data() + static_cast<std::size_t>(order_a[g]) * k;
    const float* yb = Y.data() + static_cast<std::size_t>(order_b[g]) * k;
    std::vector<float> al(ya, ya + k), bl(yb, yb + k);
    for (auto& v : al) v = rerank::round_to_bf16(v);
    for (auto& v : bl) v = rerank::round_to_bf16(v);
    ASSERT_GT(rerank::lowp_dot(x.data(), bl.data(), k), rerank::lowp_dot(x.data(), al.data(), k));
    ASSERT_GT(rerank::exact_score(x.data(), ya, k), rerank::exact_score(x.data(), yb, k));
  }
  for (const int n : {1, 2, 3, 4, 7, 30, static_cast<int>(ni)}) {
    TopNParams p;
    p.n = n;
    p.exclude_seen = false;
    RerankStats stats;
    const TopNResult got = rerank_topn(xv, yv, nullptr, p, Precision::bf16, 2, &stats);
    expect_same(got, brute_force(xv, yv, nullptr, p), "planted n " + std::to_string(n));
    if (n >= 3) {  // the best group: A, its copy, then B
      EXPECT_EQ(got.items[0], order_a[groups - 1]);
      EXPECT_EQ(got.items[1], order_a[groups - 1] + 1);
      EXPECT_EQ(got.items[2], order_b[groups - 1]);
    }
  }
}

TEST(RerankTopn, AgreesWithCpuTopnUpToFloatRounding) {
  const std::int64_t nc = 30, ni = 700;
  const int k = 32;
  const auto X = random_factors(nc, k, 91);
  const auto Y = random_factors(ni, k, 92);
  const Csr seen = random_csr(nc, ni, 12, 93);
  const CsrView sv = seen.view();
  const FactorsView xv{X.data(), nc, k}, yv{Y.data(), ni, k};
  TopNParams p;
  p.n = 15;
  const TopNResult a = rerank_topn(xv, yv, &sv, p, Precision::tf32, 2);
  const TopNResult b = cpu_topn(xv, yv, &sv, p, 2);
  ASSERT_EQ(a.offsets, b.offsets);
  for (std::size_t i = 0; i < a.scores.size(); ++i)
    EXPECT_NEAR(a.scores[i], b.scores[i], 1e-5f * (1.0f + std::fabs(a.scores[i]))) << i;
}

TEST(RerankTopn, RejectsBadArguments) {
  const auto X = random_factors(2, 4, 1);
  const auto Y = random_factors(5, 4, 2);
  TopNParams p;
  p.n = 0;
  p.exclude_seen = false;
  const FactorsView xv{X.data(), 2, 4}, yv{Y.data(), 5, 4};
  EXPECT_THROW(rerank_topn(xv, yv, nullptr, p, Precision::bf16, 1), std::invalid_argument);
  p.n = 3;
  p.exclude_seen = true;
  EXPECT_THROW(rerank_topn(xv, yv, nullptr, p, Precision::bf16, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tailor
