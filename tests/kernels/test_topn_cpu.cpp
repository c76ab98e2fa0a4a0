// cpu_topn against a brute-force reference: every score in double, a full sort by (score desc,
// item asc). Lists are compared with a tie rule: a different item at a position is accepted only
// when its reference score ties the expected one within float tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "isa_scope.hpp"
#include "kernels/cpu/isa.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::random_csr;
using testing::random_factors;

using testing::IsaScope;
using testing::isas;

struct Ref {
  std::vector<double> score;               // (items) every item's score in double
  std::vector<std::uint32_t> list;         // the eligible items, best first, full length
  std::vector<bool> excluded;              // (items)
};

Ref reference(const std::vector<float>& X, const std::vector<float>& Y, int k, std::int64_t u,
              std::int64_t items, const Csr* seen) {
  Ref r;
  const auto ks = static_cast<std::size_t>(k);
  r.score.resize(static_cast<std::size_t>(items));
  r.excluded.assign(static_cast<std::size_t>(items), false);
  if (seen != nullptr)
    for (std::int64_t p = seen->indptr[u]; p < seen->indptr[u + 1]; ++p)
      r.excluded[seen->indices[p]] = true;
  for (std::int64_t i = 0; i < items; ++i) {
    double s = 0.0;
    for (std::size_t a = 0; a < ks; ++a)
      s += static_cast<double>(X[static_cast<std::size_t>(u) * ks + a]) *
           Y[static_cast<std::size_t>(i) * ks + a];
    r.score[static_cast<std::size_t>(i)] = s;
    if (!r.excluded[static_cast<std::size_t>(i)]) r.list.push_back(static_cast<std::uint32_t>(i));
  }
  std::sort(r.list.begin(), r.list.end(), [&](std::uint32_t a, std::uint32_t b) {
    if (r.score[a] != r.score[b]) return r.score[a] > r.score[b];
    return a < b;
  });
  return r;
}

// Float tolerance of one score: the kernel sums k float products; its error is bounded by about
// k * eps * sum |x_l y_l|, and the factors here are at most 0.5 in magnitude.
double score_tol(int k) { return 1e-6 + 4e-7 * k; }

// Checks one result against the reference for every customer; returns the number of failures
// (and reports the first few).
void expect_matches(const TopNResult& got, const std::vector<float>& X, const std::vector<float>& Y,
                    int k, std::int64_t customers, std::int64_t items, const Csr* seen, int n) {
  ASSERT_EQ(got.customers(), customers);
  ASSERT_EQ(got.offsets.front(), 0);
  ASSERT_EQ(static_cast<std::size_t>(got.offsets.back()), got.items.size());
  ASSERT_EQ(got.items.size(), got.scores.size());
  const double tol = score_tol(k);
  std::int64_t short_lists = 0;
  int reported = 0;
  const auto fail = [&](std::int64_t u, const std::string& what) {
    if (reported++ < 8) ADD_FAILURE() << "customer " << u << ": " << what;
  };
  for (std::int64_t u = 0; u < customers; ++u) {
    const Ref ref = reference(X, Y, k, u, items, seen);
    const auto b = static_cast<std::size_t>(got.offsets[u]);
    const auto len = static_cast<std::size_t>(got.offsets[u + 1] - got.offsets[u]);
    const std::size_t want_len = std::min(ref.list.size(), static_cast<std::size_t>(n));
    if (len < static_cast<std::size_t>(n)) ++short_lists;
    if (len != want_len) {
      fail(u, "list length " + std::to_string(len) + ", want " + std::to_string(want_len));
      continue;
    }
    std::set<std::uint32_t> in_list;
    for (std::size_t j = 0; j < len; ++j) {
      const std::uint32_t item = got.items[b + j];
      const float s = got.scores[b + j];
      if (item >= items) {
        fail(u, "item " + std::to_string(item) + " out of range");
        break;
      }
      if (!in_list.insert(item).second) fail(u, "item " + std::to_string(item) + " twice");
      if (ref.excluded[item]) fail(u, "excluded item " + std::to_string(item) + " listed");
      // The reported score is the item's own score.
      if (std::abs(s - ref.score[item]) > tol)
        fail(u, "item " + std::to_string(item) + " scored " + std::to_string(s) + ", reference " +
                    std::to_string(ref.score[item]));
      // Position j holds the reference's j-th item, or one whose score ties it.
      const std::uint32_t want = ref.list[j];
      if (item != want && std::abs(ref.score[item] - ref.score[want]) > 2 * tol)
        fail(u, "position " + std::to_string(j) + ": item " + std::to_string(item) + " (" +
                    std::to_string(ref.score[item]) + "), want item " + std::to_string(want) +
                    " (" + std::to_string(ref.score[want]) + ")");
      // Best first; equal scores by lower item index.
      if (j > 0) {
        const float prev = got.scores[b + j - 1];
        if (prev < s || (prev == s && got.items[b + j - 1] > item))
          fail(u, "out of order at position " + std::to_string(j));
      }
    }
  }
  EXPECT_EQ(got.short_lists, short_lists);
}

std::string trace(const char* what, cpu::Isa isa, int k, std::int64_t customers, std::int64_t items,
                  int n, std::uint64_t seed) {
  return std::string(what) + " isa=" + cpu::isa_name(isa) + " k=" + std::to_string(k) +
         " customers=" + std::to_string(customers) + " items=" + std::to_string(items) +
         " n=" + std::to_string(n) + " seed=" + std::to_string(seed);
}

TEST(TopnCpu, MatchesBruteForceOverShapes) {
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    for (const int k : {1, 3, 17, 64, 100}) {
      for (const std::int64_t items : {std::int64_t{33}, std::int64_t{100}, std::int64_t{1007}}) {
        // n = the item count (capped at kMaxTopN): every eligible item, lists short where some
        // are excluded.
        for (const int n : {1, 10, static_cast<int>(std::min<std::int64_t>(items, kMaxTopN))}) {
          for (const bool exclude : {true, false}) {
            const std::int64_t customers = 37;
            const std::uint64_t seed = 4000 + static_cast<std::uint64_t>(k * 131 + items + n);
            SCOPED_TRACE(trace(exclude ? "exclude" : "keep seen", isa, k, customers, items, n,
                               seed));
            const Csr seen = random_csr(customers, items, 20, seed, items);  // one heavy customer
            const CsrView sv = seen.view();
            const std::vector<float> X = random_factors(customers, k, seed + 1);
            const std::vector<float> Y = random_factors(items, k, seed + 2);
            TopNParams p;
            p.n = n;
            p.exclude_seen = exclude;
            const TopNResult r = cpu_topn({X.data(), customers, k}, {Y.data(), items, k},
                                          exclude ? &sv : nullptr, p, 2);
            expect_matches(r, X, Y, k, customers, items, exclude ? &seen : nullptr, n);
          }
        }
      }
    }
  }
}

// A customer who has seen every item gets an empty list, counted as short; one who has seen all
// but one gets that one.
TEST(TopnCpu, CustomerWithEveryItemExcluded) {
  const int k = 8;
  const std::int64_t customers = 5, items = 40;
  std::vector<std::uint32_t> r, c;
  for (std::uint32_t i = 0; i < items; ++i) {
    r.push_back(1);
    c.push_back(i);
    if (i != 17) {
      r.push_back(3);
      c.push_back(i);
    }
  }
  r.push_back(0);
  c.push_back(5);
  const Csr seen = build_csr(customers, items, r.data(), c.data(), nullptr,
                             static_cast<std::int64_t>(r.size()), 1);
  const CsrView sv = seen.view();
  const std::vector<float> X = random_factors(customers, k, 11);
  const std::vector<float> Y = random_factors(items, k, 12);
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    SCOPED_TRACE(cpu::isa_name(isa));
    TopNParams p;
    p.n = 10;
    const TopNResult res = cpu_topn({X.data(), customers, k}, {Y.data(), items, k},
                                    &sv, p, 2);
    expect_matches(res, X, Y, k, customers, items, &seen, p.n);
    EXPECT_EQ(res.offsets[2] - res.offsets[1], 0);
    ASSERT_EQ(res.offsets[4] - res.offsets[3], 1);
    EXPECT_EQ(res.items[static_cast<std::size_t>(res.offsets[3])], 17u);
    EXPECT_EQ(res.short_lists, 2);
  }
}

// Items that are copies of one factor row score exactly alike, so the index rule decides: the
// listed copies of a row are its lowest-index eligible copies, in ascending index order.
TEST(TopnCpu, ExactTiesGoToTheLowerItemIndex) {
  const int k = 19;
  const std::int64_t customers = 23, items = 203, distinct = 7;
  const std::uint64_t seed = 808;
  SCOPED_TRACE("seed=" + std::to_string(seed));
  const std::vector<float> base = random_factors(distinct, k, seed);
  std::vector<float> Y(static_cast<std::size_t>(items) * k);
  std::vector<int> copy_of(static_cast<std::size_t>(items));
  for (std::int64_t i = 0; i < items; ++i) {
    copy_of[static_cast<std::size_t>(i)] = static_cast<int>((i * 5 + i / 9) % distinct);
    std::copy_n(base.begin() + copy_of[static_cast<std::size_t>(i)] * k, k,
                Y.begin() + static_cast<std::ptrdiff_t>(i * k));
  }
  const std::vector<float> X = random_factors(customers, k, seed + 1);
  const Csr seen = random_csr(customers, items, 30, seed + 2);
  const CsrView sv = seen.view();
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    for (const int n : {1, 13, 40, 150}) {
      SCOPED_TRACE(std::string(cpu::isa_name(isa)) + " n=" + std::to_string(n));
      TopNParams p;
      p.n = n;
      const TopNResult res = cpu_topn({X.data(), customers, k}, {Y.data(), items, k},
                                      &sv, p, 2);
      expect_matches(res, X, Y, k, customers, items, &seen, n);
      for (std::int64_t u = 0; u < customers; ++u) {
        std::vector<bool> excluded(static_cast<std::size_t>(items), false);
        for (std::int64_t q = seen.indptr[u]; q < seen.indptr[u + 1]; ++q)
          excluded[seen.indices[q]] = true;
        // For each distinct row: how many copies are listed, and are they the first eligible ones?
        std::vector<std::vector<std::uint32_t>> listed(distinct);
        for (std::int64_t j = res.offsets[u]; j < res.offsets[u + 1]; ++j) {
          const std::uint32_t item = res.items[static_cast<std::size_t>(j)];
          listed[static_cast<std::size_t>(copy_of[item])].push_back(item);
        }
        for (std::int64_t d = 0; d < distinct; ++d) {
          std::vector<std::uint32_t> first_eligible;
          for (std::uint32_t i = 0; i < items && first_eligible.size() < listed[d].size(); ++i)
            if (copy_of[i] == d && !excluded[i]) first_eligible.push_back(i);
          EXPECT_EQ(listed[d], first_eligible) << "customer " << u << ", row " << d;
        }
        // Equal scores appear in ascending index order.
        for (std::int64_t j = res.offsets[u] + 1; j < res.offsets[u + 1]; ++j) {
          const auto a = static_cast<std::size_t>(j - 1), b = static_cast<std::size_t>(j);
          if (res.scores[a] == res.scores[b]) EXPECT_LT(res.items[a], res.items[b]);
        }
      }
    }
  }
}

// The blocking follows the memory budget; the answer must not. A few KB forces one register tile
// at a time; results, threads or not, are identical to the default's bit for bit.
TEST(TopnCpu, TinyMemoryBudgetGivesIdenticalResults) {
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    for (const int k : {3, 64}) {
      const std::int64_t customers = 101, items = 1007;
      const std::uint64_t seed = 99 + static_cast<std::uint64_t>(k);
      SCOPED_TRACE(trace("budget", isa, k, customers, items, 25, seed));
      const Csr seen = random_csr(customers, items, 50, seed, 900);
      const CsrView sv = seen.view();
      const std::vector<float> X = random_factors(customers, k, seed + 1);
      const std::vector<float> Y = random_factors(items, k, seed + 2);
      TopNParams p;
      p.n = 25;
      const TopNResult big = cpu_topn({X.data(), customers, k}, {Y.data(), items, k},
                                      &sv, p, 2);
      expect_matches(big, X, Y, k, customers, items, &seen, p.n);
      for (const std::size_t budget : {std::size_t{1}, std::size_t{4096}, std::size_t{40000}}) {
        for (const int threads : {1, 3}) {
          SCOPED_TRACE("budget=" + std::to_string(budget) + " threads=" + std::to_string(threads));
          TopNParams q = p;
          q.memory_budget = budget;
          const TopNResult small = cpu_topn({X.data(), customers, k}, {Y.data(), items, k},
                                            &sv, q, threads);
          EXPECT_EQ(small.offsets, big.offsets);
          EXPECT_EQ(small.items, big.items);
          EXPECT_EQ(small.scores, big.scores);
          EXPECT_EQ(small.short_lists, big.short_lists);
        }
      }
    }
  }
}

// Non-finite factors: NaN scores rank below every number, the lists stay valid and complete.
TEST(TopnCpu, NanScoresRankLast) {
  const int k = 4;
  const std::int64_t customers = 3, items = 50;
  std::vector<float> X = random_factors(customers, k, 5);
  std::vector<float> Y = random_factors(items, k, 6);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (std::int64_t i = 0; i < items; i += 3) Y[static_cast<std::size_t>(i * k)] = nan;  // 17 NaN
  TopNParams p;
  p.n = 40;  // more than the 33 real scores
  p.exclude_seen = false;
  for (const cpu::Isa isa : isas()) {
    const IsaScope scope(isa);
    SCOPED_TRACE(cpu::isa_name(isa));
    const TopNResult r = cpu_topn({X.data(), customers, k}, {Y.data(), items, k}, nullptr, p, 2);
    ASSERT_EQ(r.items.size(), static_cast<std::size_t>(customers * p.n));
    for (std::int64_t u = 0; u < customers; ++u) {
      std::set<std::uint32_t> distinct;
      for (std::int64_t j = r.offsets[u]; j < r.offsets[u + 1]; ++j) {
        const auto at = static_cast<std::size_t>(j);
        distinct.insert(r.items[at]);
        const bool nan_item = r.items[at] % 3 == 0;
        EXPECT_EQ(std::isnan(r.scores[at]), nan_item);
        // the first 33 are the real scores, then NaN items by ascending index
        EXPECT_EQ(nan_item, j - r.offsets[u] >= 33) << "position " << j - r.offsets[u];
        if (j > r.offsets[u] && nan_item && std::isnan(r.scores[at - 1]))
          EXPECT_LT(r.items[at - 1], r.items[at]);
      }
      EXPECT_EQ(distinct.size(), static_cast<std::size_t>(p.n));
    }
  }
}

TEST(TopnCpu, NoCustomersGivesAnEmptyResult) {
  const std::vector<float> Y = random_factors(10, 4, 1);
  const Csr seen = random_csr(0, 10, 3, 1);
  const CsrView sv = seen.view();
  TopNParams p;
  const TopNResult r = cpu_topn({nullptr, 0, 4}, {Y.data(), 10, 4}, &sv, p, 2);
  EXPECT_EQ(r.customers(), 0);
  EXPECT_TRUE(r.items.empty());
  EXPECT_EQ(r.short_lists, 0);
}

TEST(TopnCpu, RefusesBadArguments) {
  const int k = 4;
  const std::vector<float> X = random_factors(6, k, 1), Y = random_factors(9, k, 2);
  const Csr seen = random_csr(6, 9, 3, 3);
  const CsrView sv = seen.view();
  const FactorsView xv{X.data(), 6, k}, yv{Y.data(), 9, k};
  TopNParams p;
  p.n = 0;
  EXPECT_THROW(cpu_topn(xv, yv, &sv, p, 1), std::invalid_argument);
  p.n = kMaxTopN + 1;
  EXPECT_THROW(cpu_topn(xv, yv, &sv, p, 1), std::invalid_argument);
  p.n = 5;
  EXPECT_THROW(cpu_topn(xv, {Y.data(), 9, k - 1}, &sv, p, 1), std::invalid_argument);
  EXPECT_THROW(cpu_topn(xv, yv, nullptr, p, 1), std::invalid_argument);
  const Csr wrong = random_csr(6, 8, 3, 3);
  const CsrView wv = wrong.view();
  EXPECT_THROW(cpu_topn(xv, yv, &wv, p, 1), std::invalid_argument);
  p.exclude_seen = false;
  EXPECT_NO_THROW(cpu_topn(xv, yv, nullptr, p, 1));
}

}  // namespace
}  // namespace tailor

namespace tailor {
namespace {

// CpuScorer gives the same scores as a double-precision dot product for awkward shapes: item
// counts that are not a multiple of the panel, row counts that are not a multiple of the tile.
TEST(CpuScorer, MatchesDotProductsOverShapes) {
  for (const cpu::Isa isa : testing::isas()) {
    const testing::IsaScope scope(isa);
    for (const auto& [rows, items, k] : std::vector<std::tuple<int, int, int>>{
             {1, 1, 1}, {5, 17, 3}, {7, 16, 64}, {13, 100, 33}, {6, 257, 128}, {2, 5, 1000}}) {
      SCOPED_TRACE(::testing::Message() << rows << " x " << items << ", k = " << k);
      const auto x = testing::random_factors(rows, k, 3 + rows);
      const auto y = testing::random_factors(items, k, 7 + items);
      const CpuScorer scorer({y.data(), items, k}, 2);
      ASSERT_EQ(scorer.items(), items);
      ASSERT_GE(scorer.stride(), items);
      std::vector<float> out(static_cast<std::size_t>(scorer.padded_rows(rows)) *
                             static_cast<std::size_t>(scorer.stride()));
      scorer.score(x.data(), rows, out.data());
      for (int r = 0; r < rows; ++r)
        for (int i = 0; i < items; ++i) {
          double dot = 0.0;
          for (int l = 0; l < k; ++l)
            dot += double(x[static_cast<std::size_t>(r) * k + l]) * y[static_cast<std::size_t>(i) * k + l];
          ASSERT_NEAR(out[static_cast<std::size_t>(r) * scorer.stride() + i], dot,
                      1e-5 * (1.0 + std::sqrt(double(k))))
              << "row " << r << " item " << i;
        }
    }
  }
}

}  // namespace
}  // namespace tailor
