// kernels/backend: the CPU Backend hands every operation to the CPU reference with its own
// threads and memory budget, so a run through the Backend computes exactly what the kernels do.
#include "kernels/backend.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "host/data/csr.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::random_csr;
using testing::random_factors;

TEST(Backend, CpuTopNIsTheCpuKernel) {
  const Backend b = Backend::cpu({2, std::size_t{1} << 20});
  const Csr seen = random_csr(37, 101, 9, 4);
  const auto x = random_factors(37, 16, 5);
  const auto y = random_factors(101, 16, 6);
  const CsrView sv = seen.view();
  TopNParams p;
  p.n = 13;
  p.memory_budget = 0;  // the backend's
  const TopNResult got = b.topn({x.data(), 37, 16}, {y.data(), 101, 16}, &sv, p);
  p.memory_budget = std::size_t{1} << 20;
  const TopNResult want = cpu_topn({x.data(), 37, 16}, {y.data(), 101, 16}, &sv, p, 2);
  EXPECT_EQ(got.offsets, want.offsets);
  EXPECT_EQ(got.items, want.items);
  EXPECT_EQ(got.scores, want.scores);
  EXPECT_EQ(got.short_lists, want.short_lists);
}

TEST(Backend, CpuIalsEngineIsTheCpuEngine) {
  const Backend b = Backend::cpu({1});
  const Csr ci = random_csr(20, 15, 4, 7);
  const Csr ic = transpose(ci, 1);
  IalsParams p;
  p.factors = 5;
  auto a = b.ials(ci.view(), ic.view(), p);
  auto c = make_cpu_ials(ci.view(), ic.view(), p, 1);
  EXPECT_EQ(a->backend_name(), "cpu");
  for (auto* e : {a.get(), c.get()}) {
    e->solve_customers();
    e->solve_items();
  }
  std::vector<float> xa(20 * 5), ya(15 * 5), xc(20 * 5), yc(15 * 5);
  a->get_factors(xa, ya);
  c->get_factors(xc, yc);
  EXPECT_EQ(xa, xc);
  EXPECT_EQ(ya, yc);
  EXPECT_THROW((void)b.ials(ci.view(), ic.view(), IalsParams{.factors = 0}),
               std::invalid_argument);
}

TEST(Backend, CpuMetricsAreTheCpuKernel) {
  const Backend b = Backend::cpu({2});
  TopNResult lists;
  lists.offsets = {0, 3, 5};
  lists.items = {4, 1, 7, 2, 0};
  lists.scores = {5, 4, 3, 2, 1};
  Csr relevant;
  relevant.rows = 2;
  relevant.cols = 8;
  relevant.indptr = {0, 2, 3};
  relevant.indices = {1, 7, 3};
  relevant.data = {1, 1, 1};
  const std::vector<int> ks = {1, 3};
  EXPECT_EQ(b.ranking_metrics(lists, relevant.view(), ks),
            cpu_ranking_metrics(lists, relevant.view(), ks, 1));
}

// The scorer a campaign gets keeps a block's rows under 64 MiB and hands out room for them.
TEST(Backend, CpuScorerBlocksStaySmall) {
  for (const int items : {3, 5000, 300000}) {
    const auto y = random_factors(items, 4, 2);
    const auto s = Backend::cpu({2}).scorer({y.data(), items, 4});
    const auto& cpu = dynamic_cast<const CpuScorer&>(*s);
    EXPECT_GE(s->block_rows(), cpu.tile_rows());
    EXPECT_LE(s->block_rows(), 4 * cpu.tile_rows());
    EXPECT_TRUE(s->block_rows() == cpu.tile_rows() ||
                static_cast<double>(s->block_rows()) * s->stride() * 4 <= 64.0 * (1 << 20))
        << items;
    HostRows rows = s->rows();
    EXPECT_EQ(rows.size(), static_cast<std::size_t>(cpu.padded_rows(s->block_rows())) *
                               static_cast<std::size_t>(s->stride()));
    const auto x = random_factors(s->block_rows(), 4, 3);
    s->score(x.data(), s->block_rows(), rows.data());  // writes inside rows().size()
    double dot = 0;
    for (int l = 0; l < 4; ++l) dot += double(x[l]) * y[l];
    EXPECT_NEAR(rows.data()[0], dot, 1e-5);
  }
}

// Item kNN and EASE fitted through the CPU Backend are the CPU kernels' results, bit for bit.
TEST(Backend, CpuItemModelsAreTheCpuKernels) {
  const Backend b = Backend::cpu({2});
  const Csr ci = random_csr(60, 45, 8, 11);
  const Csr ic = transpose(ci, 1);
  for (const KnnWeighting weighting :
       {KnnWeighting::none, KnnWeighting::tfidf, KnnWeighting::bm25}) {
    ItemKnnParams p;
    p.weighting = weighting;
    p.neighbours = 6;
    p.shrinkage = 2.0f;
    const ItemNeighbours got = b.item_neighbours(ci.view(), ic.view(), p);
    const ItemNeighbours want = cpu_item_neighbours(ci.view(), ic.view(), p, 1);
    EXPECT_EQ(got.items, want.items);
    EXPECT_EQ(got.indptr, want.indptr);
    EXPECT_EQ(got.indices, want.indices);
    EXPECT_EQ(got.similarity, want.similarity);
  }
  for (const bool weighted : {false, true}) {
    EaseParams p;
    p.regularization = 3.0;
    p.weighted = weighted;
    const EaseWeights got = b.ease_weights(ci.view(), ic.view(), p);
    EXPECT_EQ(got.items, 45);
    EXPECT_EQ(got.b, cpu_ease_weights(ci.view(), ic.view(), p, 2).b);
  }
  EXPECT_THROW((void)b.item_neighbours(ci.view(), ic.view(), ItemKnnParams{.neighbours = 0}),
               std::invalid_argument);
  EXPECT_THROW((void)b.ease_weights(ci.view(), ic.view(), EaseParams{.regularization = 0.0}),
               std::invalid_argument);
}

TEST(Backend, NamesItsThreads) {
  EXPECT_EQ(Backend::cpu({1}).name(), "cpu (1 thread)");
  EXPECT_EQ(Backend::cpu({4}).name(), "cpu (4 threads)");
  EXPECT_FALSE(Backend::cpu().is_cuda());
  EXPECT_EQ(Backend::cpu().memory_budget(), BackendOptions{}.memory_budget);
}

}  // namespace
}  // namespace tailor
