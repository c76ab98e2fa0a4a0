// The CUDA BPR engine against the CPU one. The GPU draws the same triples as the CPU (one sampler
// compiled for both), so sampling is compared exactly; parallel training is Hogwild with atomics
// and not bitwise reproducible, so it is judged by what it achieves on a planted problem, while
// the serial launch (one warp) is compared with the one-thread CPU engine update by update, with
// and without the item bias. Every test
// except the first two starts with TAILOR_REQUIRE_GPU() and is skipped without a usable device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpr_test_util.hpp"
#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "host/train/train_bpr.hpp"
#include "kernels/bpr_sampler.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::all_close;
using testing::max_abs;
using testing::random_csr;
using testing::random_factors;

// Each customer's `top` best items under rank-4 Gaussian true factors are its positives.
Csr planted(std::int64_t customers, std::int64_t items, int top, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto best = testing::planted_top_items(customers, items, top, rng);
  std::vector<std::uint32_t> r, c;
  for (std::int64_t u = 0; u < customers; ++u)
    for (auto i : best[static_cast<std::size_t>(u)]) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(i);
    }
  return build_csr(customers, items, r.data(), c.data(), nullptr,
                   static_cast<std::int64_t>(r.size()), 1);
}

BprParams planted_params() {
  BprParams p;
  p.factors = 16;
  p.learning_rate = 0.05f;
  p.regularization = 0.01f;
  p.epochs = 40;
  p.seed = 7;
  return p;
}

// Two epochs of the serial CUDA launch against the one-thread CPU engine, factors compared
// with atol + rtol |ref| after each.
void expect_serial_matches_cpu(const Csr& m, const BprParams& p) {
  const int w = bpr_width(p);
  auto cpu = make_cpu_bpr(m.view(), p, 1);
  auto gpu = make_cuda_bpr(tailor::testing::cuda_backend().cuda_context(), m.view(), p,
                           BprLaunch::serial);
  std::vector<float> Xc(static_cast<std::size_t>(m.rows) * w), Yc(static_cast<std::size_t>(m.cols) * w);
  std::vector<float> Xg(Xc.size()), Yg(Yc.size());
  for (int e = 0; e < 2; ++e) {
    const BprStats a = cpu->epoch();
    const BprStats b = gpu->epoch();
    EXPECT_EQ(b.samples, a.samples);
    EXPECT_EQ(b.skipped, a.skipped);
    EXPECT_NEAR(b.loss, a.loss, 1e-5 * std::max(1.0, a.loss)) << "epoch " << e;
    cpu->get_factors(Xc, Yc);
    gpu->get_factors(Xg, Yg);
    const double scale = std::max(max_abs(Xc), max_abs(Yc));
    std::printf("k=%d bias=%d epoch %d: cpu loss %.7f gpu loss %.7f\n", p.factors,
                p.item_bias ? 1 : 0, e, a.loss, b.loss);
    EXPECT_TRUE(all_close(Xg, Xc, w, 1e-4 * scale, 1e-4)) << "X after epoch " << e;
    EXPECT_TRUE(all_close(Yg, Yc, w, 1e-4 * scale, 1e-4)) << "Y after epoch " << e;
    if (!p.item_bias) continue;
    for (std::int64_t u = 0; u < m.rows; ++u)
      ASSERT_EQ(Xg[static_cast<std::size_t>(u * w + p.factors)], 1.0f) << "customer " << u;
  }
}

// ---- runs everywhere ----------------------------------------------------------------------------

// The CUDA factory validates before it touches the device (a null context is never used).
TEST(CudaBpr, RefusesBadFactorCountsBeforeTouchingTheDevice) {
  if (!cuda_built()) GTEST_SKIP() << "no CUDA backend in this build";
  const Csr m = random_csr(20, 15, 5, 1);
  BprParams p;
  for (const int k : {0, kMaxFactors + 1}) {
    p.factors = k;
    EXPECT_THROW((void)make_cuda_bpr(nullptr, m.view(), p), std::invalid_argument)
        << "factors " << k;
  }
}

// ---- needs a GPU --------------------------------------------------------------------------------

// Same seed, same (epoch, sample) keys: the GPU draws exactly the CPU's triples, including the
// skipped ones (row 30 holds every item) and the all-but-one row (row 10 misses only item 7).
TEST(CudaBpr, SamplesMatchTheCpuAndNeverHitPositives) {
  TAILOR_REQUIRE_GPU();
  constexpr std::int64_t kItems = testing::kSamplerItems;
  const Csr m = testing::sampler_edge_cases();
  for (const BprNegatives neg : {BprNegatives::uniform, BprNegatives::popularity}) {
    BprParams p;
    p.factors = 4;
    p.negatives = neg;
    p.seed = 1234;
    auto cpu = make_cpu_bpr(m.view(), p, 1);
    auto gpu = tailor::testing::cuda_backend().bpr(m.view(), p);
    for (const int epoch : {0, 5}) {
      const std::vector<BprTriple> want = cpu->sample(epoch, 17, 30000);
      const std::vector<BprTriple> got = gpu->sample(epoch, 17, 30000);
      ASSERT_EQ(got.size(), want.size());
      std::int64_t skipped = 0;
      for (std::size_t s = 0; s < got.size(); ++s) {
        ASSERT_EQ(got[s].customer, want[s].customer) << "sample " << s;
        ASSERT_EQ(got[s].positive, want[s].positive) << "sample " << s;
        ASSERT_EQ(got[s].negative, want[s].negative) << "sample " << s;
        if (got[s].skipped()) {
          ++skipped;
          continue;
        }
        const auto b = m.indices.begin() + m.indptr[got[s].customer];
        const auto e = m.indices.begin() + m.indptr[got[s].customer + 1];
        ASSERT_TRUE(std::binary_search(b, e, got[s].positive));
        ASSERT_FALSE(std::binary_search(b, e, got[s].negative));
        if (got[s].customer == 10) ASSERT_EQ(got[s].negative, 7u);
      }
      EXPECT_GT(skipped, 0);
    }
  }
}

// objective() changes nothing, so for the same factors both backends see the same triples and
// differ only by the float summation order of each dot product.
TEST(CudaBpr, ObjectiveMatchesTheCpuForTheSameFactors) {
  TAILOR_REQUIRE_GPU();
  const Csr m = planted(500, 150, 12, 3);
  for (const int k : {1, 16, 33, 130}) {
    BprParams p;
    p.factors = k;
    p.objective_samples = 20000;
    auto cpu = make_cpu_bpr(m.view(), p, 1);
    auto gpu = tailor::testing::cuda_backend().bpr(m.view(), p);
    const int w = bpr_width(p);  // the item bias column included
    const std::vector<float> X = random_factors(m.rows, w, 10 + static_cast<std::uint64_t>(k));
    const std::vector<float> Y = random_factors(m.cols, w, 20 + static_cast<std::uint64_t>(k));
    cpu->set_factors(X, Y);
    gpu->set_factors(X, Y);
    const BprStats a = cpu->objective();
    const BprStats b = gpu->objective();
    std::printf("k=%d: cpu loss %.6f acc %.5f, gpu loss %.6f acc %.5f\n", k, a.loss, a.accuracy,
                b.loss, b.accuracy);
    EXPECT_NEAR(b.loss, a.loss, 1e-4 * std::max(1.0, a.loss)) << "k=" << k;
    EXPECT_NEAR(b.accuracy, a.accuracy, 1e-3) << "k=" << k;  // near-ties may flip
    EXPECT_EQ(b.samples, a.samples);
    EXPECT_EQ(b.skipped, a.skipped);
    // Unchanged factors.
    std::vector<float> X2(X.size()), Y2(Y.size());
    gpu->get_factors(X2, Y2);
    EXPECT_EQ(X2, X);
    EXPECT_EQ(Y2, Y);
  }
}

// Training on the GPU lowers the sampled loss and orders the planted positives; two runs from
// the same seed both get there (their factors may differ: Hogwild is not deterministic).
TEST(CudaBpr, LowersTheLossOnAPlantedProblem) {
  TAILOR_REQUIRE_GPU();
  const Csr m = planted(2000, 400, 20, 5);
  for (const BprNegatives neg : {BprNegatives::uniform, BprNegatives::popularity}) {
    BprParams p = planted_params();
    p.negatives = neg;
    double last_loss[2] = {0.0, 0.0};
    for (int run = 0; run < 2; ++run) {
      auto gpu = tailor::testing::cuda_backend().bpr(m.view(), p);
      const BprStats before = gpu->objective();
      BprStats first, last;
      for (int e = 0; e < p.epochs; ++e) {
        const BprStats s = gpu->epoch();
        if (e == 0) first = s;
        last = s;
      }
      const BprStats after = gpu->objective();
      std::printf("%s run %d: eval loss %.4f -> %.4f, acc %.3f -> %.3f, train loss %.4f -> %.4f\n",
                  neg == BprNegatives::uniform ? "uniform" : "popularity", run, before.loss,
                  after.loss, before.accuracy, after.accuracy, first.loss, last.loss);
      EXPECT_NEAR(before.loss, std::log(2.0), 0.01);
      EXPECT_LT(after.loss, 0.7 * before.loss);
      EXPECT_GT(after.accuracy, 0.85);
      EXPECT_LT(last.loss, first.loss);
      EXPECT_EQ(gpu->epochs_done(), p.epochs);
      std::vector<float> X(static_cast<std::size_t>(m.rows) * bpr_width(p));
      std::vector<float> Y(static_cast<std::size_t>(m.cols) * bpr_width(p));
      gpu->get_factors(X, Y);
      for (const float v : X) ASSERT_TRUE(std::isfinite(v));
      for (const float v : Y) ASSERT_TRUE(std::isfinite(v));
      last_loss[run] = after.loss;
    }
    EXPECT_NEAR(last_loss[0], last_loss[1], 0.1);
  }
}

// One warp taking the samples in index order applies the CPU engine's updates (threads = 1) in
// the CPU's order: after an epoch the factors differ only by fp32 rounding (dot products summed
// across lanes, fused multiply-adds). k = 130 runs the lanes' update loop past lane 31; with the
// item bias the bias column lands on lane k % 32 (k = 31 puts it on the last lane, k = 32 wraps
// it to lane 0 of a second pass), and the customers' bias column must stay exactly 1.
TEST(CudaBpr, SerialEpochsMatchTheCpuWithOneThread) {
  TAILOR_REQUIRE_GPU();
  const Csr m = planted(300, 120, 10, 11);
  for (const bool bias : {true, false})
    for (const int k : {1, 16, 31, 32, 33, 130}) {
      SCOPED_TRACE("k=" + std::to_string(k) + (bias ? " with item bias" : " without"));
      BprParams p = planted_params();
      p.factors = k;
      p.item_bias = bias;
      p.bias_regularization = 0.05f;  // not lambda: a mix-up of the two shows
      expect_serial_matches_cpu(m, p);
    }
}

// The parallel (Hogwild) kernel with k = 130 learns the planted problem as well as k = 16 does.

TEST(CudaBpr, LearnsWithMoreFactorsThanAWarpHasLanes) {
  TAILOR_REQUIRE_GPU();
  const Csr m = planted(2000, 400, 20, 5);
  BprParams p = planted_params();
  p.factors = 130;
  auto gpu = tailor::testing::cuda_backend().bpr(m.view(), p);
  const BprStats before = gpu->objective();
  for (int e = 0; e < p.epochs; ++e) (void)gpu->epoch();
  const BprStats after = gpu->objective();
  std::printf("k=130: eval loss %.4f -> %.4f, acc %.3f -> %.3f\n", before.loss, after.loss,
              before.accuracy, after.accuracy);
  EXPECT_LT(after.loss, 0.7 * before.loss);
  EXPECT_GT(after.accuracy, 0.85);
  const auto w = static_cast<std::size_t>(bpr_width(p));
  std::vector<float> X(static_cast<std::size_t>(m.rows) * w);
  std::vector<float> Y(static_cast<std::size_t>(m.cols) * w);
  gpu->get_factors(X, Y);
  // Every factor moved from its initial value, including those past lane 31; the customers'
  // bias column did not, the items' did.
  const std::vector<float> X0 = bpr::initial_customer_factors(m.rows, p);
  for (int f = 0; f < p.factors; ++f) {
    double moved = 0.0;
    for (std::int64_t u = 0; u < m.rows; ++u)
      moved += std::abs(X[static_cast<std::size_t>(u) * w + f] -
                        X0[static_cast<std::size_t>(u) * w + f]);
    EXPECT_GT(moved, 0.0) << "factor " << f << " never updated";
  }
  double bias_moved = 0.0;
  for (std::int64_t u = 0; u < m.rows; ++u) ASSERT_EQ(X[static_cast<std::size_t>(u) * w + 130], 1.0f);
  for (std::int64_t i = 0; i < m.cols; ++i) bias_moved += std::abs(Y[static_cast<std::size_t>(i) * w + 130]);
  EXPECT_GT(bias_moved, 0.0) << "the item biases never moved";
}

TEST(CudaBpr, TrainBprOnTheGpu) {
  TAILOR_REQUIRE_GPU();
  InteractionMatrices m;
  m.customer_items = planted(800, 200, 15, 8);
  m.item_customers = transpose(m.customer_items, 1);
  BprTrainOptions o;
  o.bpr = planted_params();
  o.bpr.epochs = 10;
  o.log_epochs = false;
  const TrainResult r = train_bpr(m, o, tailor::testing::cuda_backend());
  EXPECT_EQ(r.device, Device::cuda);
  ASSERT_EQ(r.epochs.size(), 10u);
  EXPECT_LT(r.epochs.back().objective.total, r.epochs.front().objective.total);
}

}  // namespace
}  // namespace tailor
