// cpu_item_neighbours and cpu_item_knn_topn against a direct transcription of the definitions
// in kernels/item_item.hpp: a dense weighted matrix, every cosine in double, a full sort per
// item and per customer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "item_shop.hpp"
#include "kernels/item_item.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using Dense = std::vector<std::vector<double>>;
using testing::dense;
using testing::item_shop;

// A (customers x items) under the weighting, from the stored pairs of ci.
Dense weighted_matrix(const Csr& ci, const ItemKnnParams& p) {
  const Dense w = dense(ci);
  const auto customers = static_cast<double>(ci.rows);
  std::vector<double> n(static_cast<std::size_t>(ci.cols), 0.0), length(w.size(), 0.0);
  double total = 0.0, with_items = 0.0;
  for (std::int64_t u = 0; u < ci.rows; ++u) {
    for (std::int64_t k = ci.indptr[u]; k < ci.indptr[u + 1]; ++k) {
      n[ci.indices[k]] += 1.0;
      length[u] += ci.data[k];
    }
    total += length[u];
    if (ci.indptr[u + 1] > ci.indptr[u]) with_items += 1.0;
  }
  const double mean = total / with_items;
  Dense a = w;
  for (std::int64_t u = 0; u < ci.rows; ++u)
    for (std::int64_t k = ci.indptr[u]; k < ci.indptr[u + 1]; ++k) {
      const std::uint32_t i = ci.indices[k];
      const double x = w[u][i];
      if (p.weighting == KnnWeighting::none) {
        a[u][i] = 1.0;
      } else if (p.weighting == KnnWeighting::tfidf) {
        a[u][i] = std::sqrt(x) * (std::log((1.0 + customers) / (1.0 + n[i])) + 1.0);
      } else {
        const double idf = std::log(1.0 + (customers - n[i] + 0.5) / (n[i] + 0.5));
        const double norm = 1.0 - p.bm25_b + p.bm25_b * length[u] / mean;
        a[u][i] = x * (p.bm25_k1 + 1.0) / (x + p.bm25_k1 * norm) * idf;
      }
    }
  return a;
}

// sim(i, j) for every pair, 0 on the diagonal and where a column is all zero.
Dense similarities(const Dense& a, std::size_t items, double shrinkage) {
  Dense sim(items, std::vector<double>(items, 0.0));
  std::vector<double> norm(items, 0.0);
  for (const auto& row : a)
    for (std::size_t i = 0; i < items; ++i) norm[i] += row[i] * row[i];
  for (std::size_t i = 0; i < items; ++i)
    for (std::size_t j = 0; j < items; ++j) {
      if (i == j || norm[i] == 0.0 || norm[j] == 0.0) continue;
      double dot = 0.0;
      for (const auto& row : a) dot += row[i] * row[j];
      sim[i][j] = dot / (std::sqrt(norm[i]) * std::sqrt(norm[j]) + shrinkage);
    }
  return sim;
}

// Each row cut to its best K positive entries (similarity descending, item ascending).
Dense truncate(const Dense& sim, int k) {
  Dense out(sim.size(), std::vector<double>(sim.size(), 0.0));
  for (std::size_t i = 0; i < sim.size(); ++i) {
    std::vector<bool> positive(sim.size());
    for (std::size_t j = 0; j < sim.size(); ++j) positive[j] = sim[i][j] > 0.0;
    for (const std::uint32_t j : testing::reference_list(sim[i], positive, k)) out[i][j] = sim[i][j];
  }
  return out;
}

struct Reference {
  Dense sim, sim_k;
  Dense score;  // customers x items
};

Reference reference(const Csr& ci, const ItemKnnParams& p) {
  Reference r;
  const auto items = static_cast<std::size_t>(ci.cols);
  r.sim = similarities(weighted_matrix(ci, p), items, p.shrinkage);
  r.sim_k = truncate(r.sim, p.neighbours);
  const Dense w = dense(ci);
  r.score.assign(w.size(), std::vector<double>(items, 0.0));
  for (std::size_t u = 0; u < w.size(); ++u)
    for (std::size_t i = 0; i < items; ++i) {
      if (w[u][i] == 0.0) continue;
      const double weight = p.weighted_scores ? w[u][i] : 1.0;
      for (std::size_t j = 0; j < items; ++j) r.score[u][j] += weight * r.sim_k[i][j];
    }
  return r;
}

ItemNeighbours neighbours_of(const Csr& ci, const ItemKnnParams& p, int threads = 2) {
  const Csr ic = transpose(ci, 1);
  return cpu_item_neighbours(ci.view(), ic.view(), p, threads);
}

// The lists of every customer of ci, excluding `seen` when given.
ItemKnnLists lists_of(const ItemNeighbours& nb, const Csr& ci, const Csr* seen,
                      const ItemKnnParams& p, TopNParams t, int threads = 2) {
  const CsrView customers = ci.view();
  const CsrView s = seen != nullptr ? seen->view() : CsrView{};
  t.exclude_seen = seen != nullptr;
  return cpu_item_knn_topn(nb, customers, seen != nullptr ? &s : nullptr, p, t, threads);
}

// Every neighbour row: ascending, the reference's best K (a different item only on a tie at
// the cut), with its similarity.
void expect_neighbours(const ItemNeighbours& nb, const Reference& ref, int k) {
  ASSERT_EQ(nb.indptr.size(), ref.sim.size() + 1);
  for (std::size_t i = 0; i < ref.sim.size(); ++i) {
    std::size_t positive = 0;
    for (const double s : ref.sim[i]) positive += s > 0.0 ? 1 : 0;
    const std::int64_t b = nb.indptr[i], e = nb.indptr[i + 1];
    ASSERT_EQ(static_cast<std::size_t>(e - b), std::min<std::size_t>(positive, k)) << "item " << i;
    double weakest = 2.0;
    for (std::int64_t q = b; q < e; ++q) {
      const std::uint32_t j = nb.indices[q];
      if (q > b) EXPECT_LT(nb.indices[q - 1], j) << "item " << i << ": not ascending";
      EXPECT_NE(j, i);
      EXPECT_NEAR(nb.similarity[q], ref.sim[i][j], 1e-6) << "sim(" << i << ", " << j << ")";
      weakest = std::min(weakest, ref.sim[i][j]);
    }
    // Nothing left out beats what was kept.
    for (std::size_t j = 0; j < ref.sim.size(); ++j)
      if (ref.sim_k[i][j] == 0.0 && j != i) EXPECT_LE(ref.sim[i][j], weakest + 1e-9);
  }
}

// Every customer's list against the reference, excluding `seen` (may be null).
void expect_lists(const ItemKnnLists& got, const Csr& ci, const Reference& ref, const Csr* seen,
                  int n, const ItemKnnParams& p) {
  const Dense w = dense(ci);
  ASSERT_EQ(got.lists.customers(), ci.rows);
  ASSERT_EQ(got.because.size(), got.lists.items.size());
  const Dense excluded = seen ? dense(*seen) : Dense(w.size(), std::vector<double>(w[0].size()));
  for (std::int64_t u = 0; u < ci.rows; ++u) {
    std::vector<bool> keep(ref.score[u].size());
    for (std::size_t j = 0; j < keep.size(); ++j)
      keep[j] = ref.score[u][j] > 0.0 && excluded[u][j] == 0.0;
    testing::expect_list(got.lists, u, ref.score[u], testing::reference_list(ref.score[u], keep, n));
    for (std::int64_t q = got.lists.offsets[u]; q < got.lists.offsets[u + 1]; ++q) {
      const std::uint32_t j = got.lists.items[q], x = got.because[q];
      ASSERT_GT(w[u][x], 0.0) << "because item " << x << " is not in customer " << u << "'s history";
      double best = 0.0;
      for (std::size_t i = 0; i < w[u].size(); ++i)
        if (w[u][i] > 0.0) best = std::max(best, (p.weighted_scores ? w[u][i] : 1.0) * ref.sim_k[i][j]);
      EXPECT_NEAR((p.weighted_scores ? w[u][x] : 1.0) * ref.sim_k[x][j], best, 1e-6)
          << "customer " << u << " item " << j << ": because " << x;
    }
  }
}

TEST(ItemKnnCpu, CosineOnTheHandMadeShop) {
  // Customers per item: i0 {c0, c1, c4}, i1 {c0, c1, c2}, i2 {c0, c2}, i3 {c2, c4}, i4 {c2}.
  const Csr ci = item_shop();
  ItemKnnParams p;
  p.neighbours = 2;
  const ItemNeighbours nb = neighbours_of(ci, p);
  // By hand: sim(i0, i1) = 2 / (sqrt 3 sqrt 3); i0's next best are i2 and i3, both
  // 1 / (sqrt 3 sqrt 2): the tie goes to the lower item, i2.
  ASSERT_EQ(nb.indptr[1] - nb.indptr[0], 2);
  EXPECT_EQ(nb.indices[0], 1u);
  EXPECT_NEAR(nb.similarity[0], 2.0 / 3.0, 1e-7);
  EXPECT_EQ(nb.indices[1], 2u);
  EXPECT_NEAR(nb.similarity[1], 1.0 / std::sqrt(6.0), 1e-7);
  // i1's best two: i2 (2 / sqrt 6) and i0 (2 / 3). c1 (i0, i1) then gets i2 alone, scored
  // 1 / sqrt 6 (through i0) + 2 / sqrt 6 (through i1), because of i1.
  TopNParams t;
  t.n = 5;
  const ItemKnnLists got = lists_of(nb, ci, &ci, p, t, 1);
  ASSERT_EQ(got.lists.offsets[2] - got.lists.offsets[1], 1);
  const std::int64_t at = got.lists.offsets[1];
  EXPECT_EQ(got.lists.items[at], 2u);
  EXPECT_NEAR(got.lists.scores[at], 3.0 / std::sqrt(6.0), 1e-6);
  EXPECT_EQ(got.because[at], 1u);
  const Reference ref = reference(ci, p);
  expect_neighbours(nb, ref, p.neighbours);
  expect_lists(got, ci, ref, &ci, t.n, p);
}

TEST(ItemKnnCpu, EveryWeightingShrinkageAndScoreWeightMatchTheDefinition) {
  const Csr ci = item_shop();
  for (const KnnWeighting weighting : {KnnWeighting::none, KnnWeighting::tfidf, KnnWeighting::bm25})
    for (const float shrinkage : {0.0f, 2.5f})
      for (const bool weighted : {false, true})
        for (const int k : {1, 2, 3, 100}) {
          SCOPED_TRACE(::testing::Message() << "weighting " << static_cast<int>(weighting)
                                            << " shrinkage " << shrinkage << " weighted "
                                            << weighted << " K " << k);
          ItemKnnParams p;
          p.weighting = weighting;
          p.shrinkage = shrinkage;
          p.weighted_scores = weighted;
          p.neighbours = k;
          p.bm25_k1 = 0.9f;
          p.bm25_b = 0.4f;
          const ItemNeighbours nb = neighbours_of(ci, p);
          const Reference ref = reference(ci, p);
          expect_neighbours(nb, ref, k);
          TopNParams t;
          t.n = 3;
          expect_lists(lists_of(nb, ci, &ci, p, t), ci, ref, &ci, 3, p);
          expect_lists(lists_of(nb, ci, nullptr, p, t), ci, ref, nullptr, 3, p);
        }
}

TEST(ItemKnnCpu, TopKKeepsTheBestKPerItem) {
  const Csr ci = item_shop();
  for (const int k : {1, 2, 3}) {
    ItemKnnParams p;
    p.neighbours = k;
    const ItemNeighbours nb = neighbours_of(ci, p);
    for (std::int64_t i = 0; i < nb.items; ++i) EXPECT_LE(nb.indptr[i + 1] - nb.indptr[i], k);
    expect_neighbours(nb, reference(ci, p), k);
  }
}

TEST(ItemKnnCpu, AwkwardShapes) {
  const Csr ci = item_shop();
  ItemKnnParams p;
  p.neighbours = 50;  // more than the items: every positive similarity stays
  const ItemNeighbours nb = neighbours_of(ci, p);
  // i5 has no customers: no neighbours, and no list ever holds it.
  EXPECT_EQ(nb.indptr[6] - nb.indptr[5], 0);
  for (std::int64_t q = 0; q < static_cast<std::int64_t>(nb.indices.size()); ++q)
    EXPECT_NE(nb.indices[q], 5u);
  TopNParams t;
  t.n = 6;
  const ItemKnnLists got = lists_of(nb, ci, nullptr, p, t);
  // c3 has no items: an empty list, counted short.
  EXPECT_EQ(got.lists.offsets[4] - got.lists.offsets[3], 0);
  EXPECT_EQ(got.lists.short_lists, 5);  // nobody reaches i5, so every list is short of 6
  for (const std::uint32_t item : got.lists.items) EXPECT_NE(item, 5u);
  expect_lists(got, ci, reference(ci, p), nullptr, t.n, p);
  // No customers at all: no lists.
  Csr none;
  none.cols = 6;
  none.indptr = {0};
  const ItemKnnLists empty = lists_of(nb, none, &none, p, TopNParams{});
  EXPECT_EQ(empty.lists.customers(), 0);
}

TEST(ItemKnnCpu, RandomShopsAgreeWithTheReferenceOnAnyThreadCount) {
  for (const std::uint64_t seed : {3u, 11u}) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    const Csr ci = testing::random_csr(60, 37, 9, seed, 30);
    ItemKnnParams p;
    p.neighbours = 5;
    p.weighting = seed == 3 ? KnnWeighting::bm25 : KnnWeighting::tfidf;
    const Reference ref = reference(ci, p);
    const ItemNeighbours one = neighbours_of(ci, p, 1), two = neighbours_of(ci, p, 2);
    EXPECT_EQ(one.indices, two.indices);
    EXPECT_EQ(one.similarity, two.similarity);
    expect_neighbours(two, ref, p.neighbours);
    TopNParams t;
    t.n = 7;
    expect_lists(lists_of(two, ci, &ci, p, t), ci, ref, &ci, 7, p);
  }
}

TEST(ItemKnnCpu, BadArgumentsAreRefused) {
  const Csr ci = item_shop();
  const Csr ic = transpose(ci, 1);
  auto message = [&](const ItemKnnParams& p) {
    try {
      (void)cpu_item_neighbours(ci.view(), ic.view(), p, 1);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ItemKnnParams p;
  p.neighbours = 0;
  EXPECT_EQ(message(p), "item kNN: neighbours = 0: must be >= 1");
  p = {};
  p.shrinkage = -1.0f;
  EXPECT_EQ(message(p), "item kNN: shrinkage = -1: must be finite and >= 0");
  p = {};
  p.bm25_b = 1.5f;
  EXPECT_EQ(message(p), "item kNN: bm25_b = 1.5: must be in [0, 1]");
  EXPECT_THROW((void)cpu_item_neighbours(ci.view(), ci.view(), ItemKnnParams{}, 1),
               std::invalid_argument);  // not the transpose shape
  const ItemNeighbours nb = neighbours_of(ci, ItemKnnParams{});
  TopNParams t;
  t.n = 0;
  EXPECT_THROW((void)lists_of(nb, ci, &ci, {}, t), std::invalid_argument);
  const CsrView customers = ci.view(), wrong_width = ic.view();
  EXPECT_THROW((void)cpu_item_knn_topn(nb, customers, nullptr, {}, TopNParams{}, 1),
               std::invalid_argument);  // excluding seen items without them
  EXPECT_THROW((void)cpu_item_knn_topn(nb, wrong_width, nullptr, {}, TopNParams{}, 1),
               std::invalid_argument);  // rows of the wrong width
}

}  // namespace
}  // namespace tailor
