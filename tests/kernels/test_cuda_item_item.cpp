// The CUDA fits of the item-item models (cuda_item_neighbours, cuda_ease_weights) against the CPU
// reference (cpu_item_neighbours, cpu_ease_weights) on random shops with fixed, printed seeds.
// Every test starts with TAILOR_REQUIRE_GPU() and is skipped where no CUDA device is usable.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/backend.hpp"
#include "kernels/item_item.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using tailor::testing::cuda_backend;
using tailor::testing::random_csr;

int cpu_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

// customers x items with rows of 1..max_per_row items (about 10% of customers without any), all
// of them among `used` items spread over the catalogue, so items - used items have no customers.
struct Shop {
  Csr ci, ic;
};
Shop make_shop(std::int64_t customers, std::int64_t items, std::int64_t used, int max_per_row,
               std::uint64_t seed) {
  Shop s;
  s.ci = random_csr(customers, used, max_per_row, seed);
  for (std::uint32_t& j : s.ci.indices)
    j = static_cast<std::uint32_t>(static_cast<std::int64_t>(j) * items / used);
  s.ci.cols = items;
  s.ic = transpose(s.ci, cpu_threads());
  return s;
}

// Customers and items without a single interaction.
Shop empty_shop(std::int64_t customers, std::int64_t items) {
  Shop s;
  s.ci = build_csr(customers, items, nullptr, nullptr, nullptr, 0, 1);
  s.ic = transpose(s.ci, 1);
  return s;
}

// ---- item kNN ---------------------------------------------------------------------------------

using Row = std::vector<std::pair<float, std::uint32_t>>;  // (similarity, item) in list order

Row list_order(const ItemNeighbours& nb, std::int64_t i) {
  Row row;
  for (std::int64_t k = nb.indptr[i]; k < nb.indptr[i + 1]; ++k)
    row.emplace_back(nb.similarity[k], nb.indices[k]);
  std::sort(row.begin(), row.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  return row;
}

// got against the CPU's want: the same row lengths; rows stored ascending by item without
// duplicates; in list order every similarity within 1e-6 relative of the CPU's, and a different
// item at a position only where the CPU's similarities there tie within that tolerance. Returns
// the number of rows that are identical to the bit.
std::int64_t expect_neighbours(const ItemNeighbours& got, const ItemNeighbours& want) {
  EXPECT_EQ(got.items, want.items);
  EXPECT_EQ(got.indptr.size(), want.indptr.size());
  if (got.indptr.size() != want.indptr.size()) return 0;
  std::int64_t identical = 0, reported = 0;
  for (std::int64_t i = 0; i < want.items && reported < 10; ++i) {
    for (std::int64_t k = got.indptr[i] + 1; k < got.indptr[i + 1]; ++k)
      EXPECT_LT(got.indices[k - 1], got.indices[k]) << "item " << i << ": not ascending";
    const Row g = list_order(got, i), w = list_order(want, i);
    if (g.size() != w.size()) {
      ADD_FAILURE() << "item " << i << ": " << g.size() << " neighbours, the CPU has " << w.size();
      ++reported;
      continue;
    }
    identical += g == w ? 1 : 0;
    for (std::size_t p = 0; p < g.size(); ++p) {
      const float tol = 1e-6f * std::max(1.0f, std::abs(w[p].first));
      const bool ok = std::abs(g[p].first - w[p].first) <= tol;
      EXPECT_TRUE(ok) << "item " << i << " position " << p << ": " << g[p].first << " vs "
                      << w[p].first;
      if (!ok) ++reported;
      if (g[p].second == w[p].second) continue;
      // A swapped item: its CPU similarity must tie with the one the CPU put here.
      const auto cpu_of = [&](std::uint32_t j) {
        for (const auto& e : w)
          if (e.second == j) return e.first;
        return -1.0f;  // not among the CPU's K: only allowed at the tied tail
      };
      const float other = cpu_of(g[p].second);
      EXPECT_TRUE(other < 0.0f ? std::abs(g[p].first - w.back().first) <= tol
                               : std::abs(other - w[p].first) <= tol)
          << "item " << i << " position " << p << ": neighbour " << g[p].second << ", the CPU has "
          << w[p].second;
    }
  }
  return identical;
}

struct KnnCase {
  std::int64_t customers, items, used;
  int max_per_row;
};

TEST(CudaItemKnn, MatchesCpuForEachWeightingShrinkageAndK) {
  TAILOR_REQUIRE_GPU();
  const KnnCase cases[] = {{50, 1, 1, 1}, {200, 33, 30, 6}, {400, 257, 200, 12},
                           {300, 1000, 900, 40}};
  std::uint64_t seed = 7100;
  for (const KnnCase& c : cases) {
    const Shop s = make_shop(c.customers, c.items, c.used, c.max_per_row, ++seed);
    for (KnnWeighting weighting : {KnnWeighting::none, KnnWeighting::tfidf, KnnWeighting::bm25})
      for (float shrinkage : {0.0f, 5.0f})
        for (int k : {1, 7, static_cast<int>(c.items) + 10}) {
          ItemKnnParams p;
          p.weighting = weighting;
          p.shrinkage = shrinkage;
          p.neighbours = k;
          const std::string label = "items=" + std::to_string(c.items) + " seed=" +
                                    std::to_string(seed) + " weighting=" +
                                    std::to_string(static_cast<int>(weighting)) + " shrinkage=" +
                                    std::to_string(shrinkage) + " K=" + std::to_string(k);
          SCOPED_TRACE(label);
          const ItemNeighbours want =
              cpu_item_neighbours(s.ci.view(), s.ic.view(), p, cpu_threads());
          const ItemNeighbours got = cuda_backend().item_neighbours(s.ci.view(), s.ic.view(), p);
          const std::int64_t identical = expect_neighbours(got, want);
          std::printf("knn %s: %lld of %lld rows identical to the cpu\n", label.c_str(),
                      static_cast<long long>(identical), static_cast<long long>(c.items));
        }
  }
}

TEST(CudaItemKnn, TiesFollowTheCpuRuleExactly) {
  TAILOR_REQUIRE_GPU();
  // Every customer buys 4 consecutive items of 40 (wrapping), one customer per start: binary
  // columns with equal norms and many equal dot products, so K cuts through tie groups.
  std::vector<std::uint32_t> r, c;
  for (std::uint32_t u = 0; u < 40; ++u)
    for (std::uint32_t d = 0; d < 4; ++d) {
      r.push_back(u);
      c.push_back((u + d) % 40);
    }
  const std::vector<float> w(r.size(), 1.0f);
  const Csr ci =
      build_csr(40, 40, r.data(), c.data(), w.data(), static_cast<std::int64_t>(r.size()), 1);
  const Csr ic = transpose(ci, 1);
  for (int k : {1, 2, 3, 5, 40}) {
    SCOPED_TRACE("K=" + std::to_string(k));
    ItemKnnParams p;
    p.neighbours = k;
    const ItemNeighbours want = cpu_item_neighbours(ci.view(), ic.view(), p, 1);
    const ItemNeighbours got = cuda_backend().item_neighbours(ci.view(), ic.view(), p);
    EXPECT_EQ(got.indptr, want.indptr);
    EXPECT_EQ(got.indices, want.indices);
    EXPECT_EQ(got.similarity, want.similarity);
  }
}

TEST(CudaItemKnn, TinyBudgetForcesManyBatchesWithTheSameResult) {
  TAILOR_REQUIRE_GPU();
  const Shop s = make_shop(300, 257, 250, 15, 7201);
  ItemKnnParams p;
  p.weighting = KnnWeighting::bm25;
  p.neighbours = 9;
  cuda::Context& context = *cuda_backend().cuda_context();
  const ItemNeighbours whole =
      cuda_item_neighbours(context, s.ci.view(), s.ic.view(), p, std::size_t{1} << 30);
  // A few items per batch (24 bytes per item pair, plus the sort's scratch): many batches.
  const ItemNeighbours batched =
      cuda_item_neighbours(context, s.ci.view(), s.ic.view(), p, 4 * 257 * 24 + 65536);
  EXPECT_EQ(batched.indptr, whole.indptr);
  EXPECT_EQ(batched.indices, whole.indices);
  EXPECT_EQ(batched.similarity, whole.similarity);
  expect_neighbours(whole, cpu_item_neighbours(s.ci.view(), s.ic.view(), p, cpu_threads()));
  EXPECT_THROW((void)cuda_item_neighbours(context, s.ci.view(), s.ic.view(), p, 100),
               std::runtime_error);
}

TEST(CudaItemKnn, NoInteractionsGiveEmptyRows) {
  TAILOR_REQUIRE_GPU();
  const Shop s = empty_shop(5, 12);
  const ItemNeighbours got = cuda_backend().item_neighbours(s.ci.view(), s.ic.view(), {});
  EXPECT_EQ(got.items, 12);
  EXPECT_EQ(got.indptr, std::vector<std::int64_t>(13, 0));
  EXPECT_TRUE(got.indices.empty());
  ItemKnnParams bad;
  bad.neighbours = 0;
  EXPECT_THROW((void)cuda_backend().item_neighbours(s.ci.view(), s.ic.view(), bad),
               std::invalid_argument);
}

// ---- EASE -------------------------------------------------------------------------------------

// |got - want| <= 1e-9 + 1e-7 |want| everywhere; prints the largest difference.
void expect_weights(const EaseWeights& got, const EaseWeights& want, const std::string& label) {
  ASSERT_EQ(got.items, want.items);
  ASSERT_EQ(got.b.size(), want.b.size());
  double worst = 0.0;
  int reported = 0;
  for (std::size_t e = 0; e < want.b.size(); ++e) {
    const double diff = std::abs(got.b[e] - want.b[e]);
    worst = std::max(worst, diff);
    if (diff > 1e-9 + 1e-7 * std::abs(want.b[e]) && reported++ < 10)
      ADD_FAILURE() << label << ": B[" << e / want.items << "][" << e % want.items
                    << "] = " << got.b[e] << ", the CPU has " << want.b[e];
  }
  std::printf("ease %s: max |B_cuda - B_cpu| = %.3g\n", label.c_str(), worst);
}

TEST(CudaEase, MatchesCpuOverShapes) {
  TAILOR_REQUIRE_GPU();
  struct EaseCase {
    std::int64_t customers, items, used;
    int max_per_row;
    double lambda;
  };
  const EaseCase cases[] = {{30, 1, 1, 1, 10.0},      {200, 33, 30, 8, 5.0},
                            {500, 257, 240, 20, 50.0}, {500, 257, 257, 60, 1.0},
                            {800, 600, 550, 40, 500.0}};
  std::uint64_t seed = 7300;
  for (const EaseCase& c : cases)
    for (bool weighted : {false, true}) {
      const Shop s = make_shop(c.customers, c.items, c.used, c.max_per_row, ++seed);
      EaseParams p;
      p.regularization = c.lambda;
      p.weighted = weighted;
      const std::string label = "items=" + std::to_string(c.items) + " lambda=" +
                                std::to_string(c.lambda) + " weighted=" +
                                std::to_string(weighted ? 1 : 0) + " seed=" + std::to_string(seed);
      SCOPED_TRACE(label);
      const EaseWeights want = cpu_ease_weights(s.ci.view(), s.ic.view(), p, cpu_threads());
      expect_weights(cuda_backend().ease_weights(s.ci.view(), s.ic.view(), p), want, label);
    }
}

TEST(CudaEase, NoInteractionsGiveZeroWeights) {
  TAILOR_REQUIRE_GPU();
  const Shop s = empty_shop(4, 9);
  const EaseWeights w = cuda_backend().ease_weights(s.ci.view(), s.ic.view(), {});
  EXPECT_EQ(w.items, 9);
  EXPECT_EQ(w.b, std::vector<double>(81, 0.0));
}

TEST(CudaEase, TooLargeForTheDeviceNamesTheBytes) {
  TAILOR_REQUIRE_GPU();
  // 2,000,000 items: 32 TB for the matrix, far beyond any device.
  const Shop s = empty_shop(3, 2000000);
  try {
    (void)cuda_backend().ease_weights(s.ci.view(), s.ic.view(), {});
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    std::printf("%s\n", what.c_str());
    EXPECT_NE(what.find("the item x item matrix of 2000000 items needs 32000016000040 bytes"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("free on device"), std::string::npos) << what;
  }
  EaseParams bad;
  bad.regularization = 0.0;
  EXPECT_THROW((void)cuda_backend().ease_weights(s.ci.view(), s.ic.view(), bad),
               std::invalid_argument);
}

}  // namespace
}  // namespace tailor
