// cpu_ranking_metrics on hand-computed cases (every value derived in the comments from the
// definitions in kernels/kernels.hpp), its argument checks, and a randomised comparison with a
// direct transcription of the definitions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/kernels.hpp"

namespace tailor {
namespace {

// Lists and relevant sets built from plain vectors.
struct Case {
  TopNResult lists;
  Csr relevant;
};

Case make_case(const std::vector<std::vector<std::uint32_t>>& lists,
               const std::vector<std::vector<std::uint32_t>>& relevant, std::int64_t items = 100) {
  Case c;
  c.lists.offsets.push_back(0);
  for (const auto& l : lists) {
    for (auto i : l) {
      c.lists.items.push_back(i);
      c.lists.scores.push_back(1.0f);  // every score tied: only the list order may matter
    }
    c.lists.offsets.push_back(static_cast<std::int64_t>(c.lists.items.size()));
  }
  c.relevant.rows = static_cast<std::int64_t>(relevant.size());
  c.relevant.cols = items;
  c.relevant.indptr.push_back(0);
  for (const auto& r : relevant) {
    std::vector<std::uint32_t> sorted = r;
    std::sort(sorted.begin(), sorted.end());
    for (auto i : sorted) {
      c.relevant.indices.push_back(i);
      c.relevant.data.push_back(1.0f);
    }
    c.relevant.indptr.push_back(static_cast<std::int64_t>(c.relevant.indices.size()));
  }
  return c;
}

float value(const std::vector<float>& out, std::size_t nk, std::int64_t c, std::size_t j,
            RankingMetric m) {
  return out[(static_cast<std::size_t>(c) * nk + j) * kRankingMetricCount + m];
}

// 1 / log2(r + 1): the gain of a relevant item at position r.
double g(int r) { return 1.0 / std::log2(static_cast<double>(r + 1)); }

constexpr double kTol = 1e-6;

// Expected values at one cutoff, in RankingMetric order.
struct Expected {
  double hits, precision, recall, ndcg, ap, hit, rr;
};

void expect_metrics(const std::vector<float>& out, std::size_t nk, std::int64_t c, std::size_t j,
                    const Expected& e) {
  SCOPED_TRACE("customer " + std::to_string(c) + " cutoff #" + std::to_string(j));
  EXPECT_NEAR(value(out, nk, c, j, kHits), e.hits, kTol);
  EXPECT_NEAR(value(out, nk, c, j, kPrecision), e.precision, kTol);
  EXPECT_NEAR(value(out, nk, c, j, kRecall), e.recall, kTol);
  EXPECT_NEAR(value(out, nk, c, j, kNdcg), e.ndcg, kTol);
  EXPECT_NEAR(value(out, nk, c, j, kAp), e.ap, kTol);
  EXPECT_NEAR(value(out, nk, c, j, kHit), e.hit, kTol);
  EXPECT_NEAR(value(out, nk, c, j, kRr), e.rr, kTol);
}

TEST(RankingMetrics, NamesMatchEnum) {
  EXPECT_STREQ(kRankingMetricNames[kHits], "hits");
  EXPECT_STREQ(kRankingMetricNames[kNdcg], "ndcg");
  EXPECT_STREQ(kRankingMetricNames[kAp], "map");
  EXPECT_STREQ(kRankingMetricNames[kRr], "mrr");
}

TEST(RankingMetrics, RelevantItemsAtKnownPositions) {
  // List 5 3 9 1 7, relevant {1, 3, 8}: relevant items at positions 2 (item 3) and 4 (item 1);
  // item 8 is never listed. |relevant| = 3.
  // IDCG for 3 relevant items = 1 + 1/log2(3) + 1/log2(4) = 2.1309297535714578.
  const Case c = make_case({{5, 3, 9, 1, 7}}, {{1, 3, 8}});
  const std::vector<int> ks = {1, 3, 5, 10};
  const auto out = cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 1);
  ASSERT_EQ(out.size(), ks.size() * kRankingMetricCount);
  const double idcg3 = g(1) + g(2) + g(3);
  EXPECT_NEAR(idcg3, 2.1309297535714578, 1e-12);
  // k = 1: position 1 (item 5) is not relevant: everything 0; the first hit (2) is past k.
  expect_metrics(out, 4, 0, 0, {0, 0, 0, 0, 0, 0, 0});
  // k = 3: one hit at position 2. precision 1/3; recall 1/min(3,3) = 1/3;
  // ndcg = (1/log2 3) / idcg3 = 0.6309297535714575 / 2.1309297535714578 = 0.2960819109658652;
  // ap = precision@2 / min(3,3) = (1/2) / 3 = 1/6; rr = 1/2.
  expect_metrics(out, 4, 0, 1, {1, 1.0 / 3, 1.0 / 3, 0.2960819109658652, 1.0 / 6, 1, 0.5});
  // k = 5: hits at 2 and 4. precision 2/5; recall 2/3;
  // ndcg = (1/log2 3 + 1/log2 5) / idcg3 = 1.0616063116448506 / 2.1309... = 0.49818925746641285;
  // ap = (1/2 + 2/4) / 3 = 1/3; rr = 1/2.
  expect_metrics(out, 4, 0, 2, {2, 0.4, 2.0 / 3, 0.49818925746641285, 1.0 / 3, 1, 0.5});
  // k = 10, list of 5: same hits; precision divides by k: 2/10; recall by min(10, 3) = 3;
  // ndcg and ap unchanged (IDCG and the AP denominator are capped by |relevant| = 3).
  expect_metrics(out, 4, 0, 3, {2, 0.2, 2.0 / 3, 0.49818925746641285, 1.0 / 3, 1, 0.5});
}

TEST(RankingMetrics, KLargerThanListAndRelevantLargerThanK) {
  // List 2 4 6 (all relevant), relevant {2, 4, 6, 8, 10}: |relevant| = 5.
  const Case c = make_case({{2, 4, 6}}, {{10, 8, 6, 4, 2}});
  const std::vector<int> ks = {2, 10};
  const auto out = cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 1);
  // k = 2 (relevant set larger than k): 2 hits; precision 2/2 = 1; recall 2/min(2,5) = 1;
  // ndcg = (1 + 1/log2 3) / (1 + 1/log2 3) = 1; ap = (1/1 + 2/2) / min(2,5) = 1; rr = 1.
  expect_metrics(out, 2, 0, 0, {2, 1, 1, 1, 1, 1, 1});
  // k = 10, list of 3: 3 hits; precision 3/10 (not 3/3, not 3/5); recall 3/min(10,5) = 0.6;
  // ndcg = (1 + 1/log2 3 + 1/log2 4) / IDCG(5), IDCG(5) = that + 1/log2 5 + 1/log2 6
  //      = 2.1309297535714578 / 2.9484591188793923 = 0.7227265726449519;
  // ap = (1/1 + 2/2 + 3/3) / min(10, 5) = 3/5; rr = 1.
  expect_metrics(out, 2, 0, 1, {3, 0.3, 0.6, 0.7227265726449519, 0.6, 1, 1});
  EXPECT_NEAR((g(1) + g(2) + g(3)) / (g(1) + g(2) + g(3) + g(4) + g(5)), 0.7227265726449519,
              1e-12);
}

TEST(RankingMetrics, ListOrderNotScoresOrItemIndex) {
  // Every score in these lists is tied; the metrics must follow list order. Customer 0 lists 9
  // before 1 with relevant {1}: the hit is at position 2. Customer 1 lists 1 before 9: position 1.
  const Case c = make_case({{9, 1}, {1, 9}}, {{1}, {1}});
  const std::vector<int> ks = {1, 2};
  const auto out = cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 1);
  // Customer 0, k = 1: nothing.  k = 2: precision 1/2, recall 1/min(2,1) = 1,
  // ndcg = (1/log2 3) / 1 = 0.6309297535714575, ap = (1/2) / 1, rr = 1/2.
  expect_metrics(out, 2, 0, 0, {0, 0, 0, 0, 0, 0, 0});
  expect_metrics(out, 2, 0, 1, {1, 0.5, 1, 0.6309297535714575, 0.5, 1, 0.5});
  // Customer 1: a perfect list at both cutoffs except precision@2 = 1/2.
  expect_metrics(out, 2, 1, 0, {1, 1, 1, 1, 1, 1, 1});
  expect_metrics(out, 2, 1, 1, {1, 0.5, 1, 1, 1, 1, 1});
}

TEST(RankingMetrics, ApAndMrrOverInterleavedHits) {
  // List 7 1 2 8 3 9 with relevant {1, 2, 3, 4}: hits at positions 2, 3, 5.
  // k = 6: precision@2 = 1/2, @3 = 2/3, @5 = 3/5; ap = (1/2 + 2/3 + 3/5) / min(6, 4)
  //      = (0.5 + 0.666667 + 0.6) / 4 = 1.7666667 / 4 = 0.44166667;
  // dcg = 1/log2 3 + 1/log2 4 + 1/log2 6 = 0.63093 + 0.5 + 0.38685 = 1.51778;
  // idcg(4) = 1 + 0.63093 + 0.5 + 0.43068 = 2.56161; ndcg = 0.59251; recall 3/4; precision 3/6;
  // rr = 1/2 (first hit at position 2).
  const Case c = make_case({{7, 1, 2, 8, 3, 9}}, {{1, 2, 3, 4}});
  const std::vector<int> ks = {6};
  const auto out = cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 1);
  const double ndcg = (g(2) + g(3) + g(5)) / (g(1) + g(2) + g(3) + g(4));
  EXPECT_NEAR(ndcg, 0.59251, 1e-5);
  expect_metrics(out, 1, 0, 0, {3, 0.5, 0.75, ndcg, (0.5 + 2.0 / 3 + 0.6) / 4, 1, 0.5});
}

TEST(RankingMetrics, EmptyListsAndNoHits) {
  // An empty list and a list without hits: all zero at every cutoff.
  const Case c = make_case({{}, {4, 5}}, {{1}, {1, 2}});
  const std::vector<int> ks = {1, 5};
  const auto out = cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 2);
  for (std::int64_t u = 0; u < 2; ++u)
    for (std::size_t j = 0; j < 2; ++j) expect_metrics(out, 2, u, j, {0, 0, 0, 0, 0, 0, 0});
}

TEST(RankingMetrics, UnsortedAndRepeatedCutoffs) {
  // Cutoffs in any order, repeated: each written where asked. List 1 2 3, relevant {3}.
  const Case c = make_case({{1, 2, 3}}, {{3}});
  const std::vector<int> ks = {3, 1, 3, 2};
  const auto out = cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 1);
  // k = 3: hit at 3; precision 1/3; recall 1; ndcg 1/log2(4) / 1 = 0.5; ap (1/3) / 1; rr 1/3.
  const Expected at3 = {1, 1.0 / 3, 1, 0.5, 1.0 / 3, 1, 1.0 / 3};
  expect_metrics(out, 4, 0, 0, at3);
  expect_metrics(out, 4, 0, 1, {0, 0, 0, 0, 0, 0, 0});
  expect_metrics(out, 4, 0, 2, at3);
  expect_metrics(out, 4, 0, 3, {0, 0, 0, 0, 0, 0, 0});
}

TEST(RankingMetrics, SlicedRelevantRows) {
  // A view of rows [1, 3) whose indptr does not start at 0.
  const Case all = make_case({{}, {}, {}}, {{9}, {1, 2}, {3}});
  const Case part = make_case({{2, 1}, {5, 3}}, {{1, 2}, {3}});
  const std::vector<int> ks = {2};
  const CsrView sliced = all.relevant.view().slice(1, 3);
  ASSERT_EQ(sliced.indptr[0], 1);
  EXPECT_EQ(cpu_ranking_metrics(part.lists, sliced, ks, 1),
            cpu_ranking_metrics(part.lists, part.relevant.view(), ks, 1));
}

TEST(RankingMetrics, NoCustomers) {
  const Case c = make_case({}, {});
  const std::vector<int> ks = {5};
  EXPECT_TRUE(cpu_ranking_metrics(c.lists, c.relevant.view(), ks, 1).empty());
  TopNResult none;  // no offsets at all: zero customers too
  EXPECT_TRUE(cpu_ranking_metrics(none, c.relevant.view(), ks, 1).empty());
}

TEST(RankingMetrics, InvalidInputsThrow) {
  const Case c = make_case({{1, 2}, {3}}, {{1}, {3}});
  const std::vector<int> ok = {1, 5};
  EXPECT_NO_THROW((void)cpu_ranking_metrics(c.lists, c.relevant.view(), ok, 1));
  const std::vector<int> zero = {5, 0};
  const std::vector<int> negative = {-1};
  const std::vector<int> none;
  EXPECT_THROW((void)cpu_ranking_metrics(c.lists, c.relevant.view(), zero, 1),
               std::invalid_argument);
  EXPECT_THROW((void)cpu_ranking_metrics(c.lists, c.relevant.view(), negative, 1),
               std::invalid_argument);
  EXPECT_THROW((void)cpu_ranking_metrics(c.lists, c.relevant.view(), none, 1),
               std::invalid_argument);
  // More relevant rows than lists.
  const Case three = make_case({{}, {}, {}}, {{1}, {3}, {4}});
  EXPECT_THROW((void)cpu_ranking_metrics(c.lists, three.relevant.view(), ok, 1),
               std::invalid_argument);
  // A customer without relevant items.
  const Case empty_row = make_case({{1, 2}, {3}}, {{1}, {}});
  EXPECT_THROW((void)cpu_ranking_metrics(empty_row.lists, empty_row.relevant.view(), ok, 1),
               std::invalid_argument);
  // A relevant row out of order (or with a duplicate): binary search would be wrong.
  Case unsorted = make_case({{1, 2}, {3}}, {{1, 2}, {3}});
  std::swap(unsorted.relevant.indices[0], unsorted.relevant.indices[1]);
  EXPECT_THROW((void)cpu_ranking_metrics(unsorted.lists, unsorted.relevant.view(), ok, 1),
               std::invalid_argument);
  Case dup = make_case({{1, 2}, {3}}, {{1, 2}, {3}});
  dup.relevant.indices[1] = 1;
  EXPECT_THROW((void)cpu_ranking_metrics(dup.lists, dup.relevant.view(), ok, 1),
               std::invalid_argument);
  // Malformed list offsets.
  Case bad = make_case({{1, 2}, {3}}, {{1}, {3}});
  bad.lists.offsets.back() = 2;  // ends before the last item
  EXPECT_THROW((void)cpu_ranking_metrics(bad.lists, bad.relevant.view(), ok, 1),
               std::invalid_argument);
  bad = make_case({{1, 2}, {3}}, {{1}, {3}});
  bad.lists.offsets[1] = 4;  // decreasing
  EXPECT_THROW((void)cpu_ranking_metrics(bad.lists, bad.relevant.view(), ok, 1),
               std::invalid_argument);
}

// The definitions transcribed directly, one cutoff at a time, for the randomised check.
std::vector<double> reference(const std::vector<std::uint32_t>& list,
                              const std::set<std::uint32_t>& rel, int k) {
  const auto top = std::min<std::size_t>(list.size(), static_cast<std::size_t>(k));
  const double denom = static_cast<double>(std::min<std::size_t>(k, rel.size()));
  double hits = 0, dcg = 0, ap = 0, rr = 0;
  for (std::size_t p = 0; p < top; ++p) {
    if (rel.count(list[p]) == 0) continue;
    const int r = static_cast<int>(p) + 1;
    hits += 1;
    dcg += g(r);
    ap += hits / r;
    if (rr == 0) rr = 1.0 / r;
  }
  double idcg = 0;
  for (int r = 1; r <= static_cast<int>(denom); ++r) idcg += g(r);
  return {hits, hits / k, hits / denom, dcg / idcg, ap / denom, hits > 0 ? 1.0 : 0.0, rr};
}

TEST(RankingMetrics, MatchesDefinitionsOnRandomLists) {
  const std::uint64_t seed = 20240611;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  const std::uint32_t items = 60;
  const int customers = 500;
  std::vector<std::vector<std::uint32_t>> lists(customers), rels(customers);
  for (int c = 0; c < customers; ++c) {
    std::vector<std::uint32_t> all(items);
    for (std::uint32_t i = 0; i < items; ++i) all[i] = i;
    std::shuffle(all.begin(), all.end(), rng);
    lists[c].assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(rng() % 30));
    std::shuffle(all.begin(), all.end(), rng);
    rels[c].assign(all.begin(), all.begin() + 1 + static_cast<std::ptrdiff_t>(rng() % 20));
  }
  const Case cs = make_case(lists, rels, items);
  const std::vector<int> ks = {1, 5, 10, 20, 50};
  const auto out1 = cpu_ranking_metrics(cs.lists, cs.relevant.view(), ks, 1);
  const auto out4 = cpu_ranking_metrics(cs.lists, cs.relevant.view(), ks, 4);
  EXPECT_EQ(out1, out4);  // thread count changes nothing
  int failures = 0;
  for (int c = 0; c < customers; ++c) {
    const std::set<std::uint32_t> rel(rels[c].begin(), rels[c].end());
    for (std::size_t j = 0; j < ks.size(); ++j) {
      const auto ref = reference(lists[c], rel, ks[j]);
      for (int m = 0; m < kRankingMetricCount; ++m) {
        const float got = value(out1, ks.size(), c, j, static_cast<RankingMetric>(m));
        if (std::abs(got - ref[m]) > 1e-6 && ++failures <= 10)
          ADD_FAILURE() << "customer " << c << " k " << ks[j] << " "
                        << kRankingMetricNames[m] << ": got " << got << ", expected " << ref[m];
      }
    }
  }
}

}  // namespace
}  // namespace tailor
