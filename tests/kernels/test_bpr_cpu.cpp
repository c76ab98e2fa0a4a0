// The BPR sampler and the CPU BPR engine: negatives are never positives, the samplers' frequencies
// match their stated distributions, training on a planted low-rank problem lowers the sampled
// loss and orders held-out positives above negatives, one thread is reproducible from the seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <stdexcept>
#include <vector>

#include "bpr_test_util.hpp"
#include "host/core/error.hpp"
#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "host/train/train_bpr.hpp"
#include "kernels/bpr_sampler.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::random_csr;

// A planted problem: true scores U V^T of rank 4 (Gaussian factors); each customer's `top` best
// items are its positives, `held` of them (chosen at random) held out of training.
struct Planted {
  Csr train;
  std::vector<std::vector<std::uint32_t>> held;  // per customer, sorted
  std::vector<std::vector<std::uint32_t>> top;   // per customer, sorted: train + held
};

Planted planted(std::int64_t customers, std::int64_t items, int top, int held, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto best = testing::planted_top_items(customers, items, top, rng);
  Planted p;
  p.held.resize(static_cast<std::size_t>(customers));
  p.top.resize(static_cast<std::size_t>(customers));
  std::vector<std::uint32_t> r, c;
  for (std::int64_t u = 0; u < customers; ++u) {
    std::vector<std::uint32_t> mine = best[static_cast<std::size_t>(u)];
    std::shuffle(mine.begin(), mine.end(), rng);
    auto& h = p.held[static_cast<std::size_t>(u)];
    h.assign(mine.begin(), mine.begin() + held);
    std::sort(h.begin(), h.end());
    for (int t = held; t < top; ++t) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(mine[static_cast<std::size_t>(t)]);
    }
    std::sort(mine.begin(), mine.end());
    p.top[static_cast<std::size_t>(u)] = mine;
  }
  p.train = build_csr(customers, items, r.data(), c.data(), nullptr,
                      static_cast<std::int64_t>(r.size()), 1);
  return p;
}

// The fraction of (held-out positive, item outside the customer's top) pairs that the factors
// order correctly: an AUC over held-out data (ties count half).
double held_out_auc(const Planted& p, const std::vector<float>& X, const std::vector<float>& Y,
                    int k) {
  const std::int64_t items = p.train.cols;
  double good = 0.0;
  double pairs = 0.0;
  for (std::size_t u = 0; u < p.held.size(); ++u) {
    auto score = [&](std::uint32_t i) {
      double d = 0.0;
      for (int f = 0; f < k; ++f)
        d += static_cast<double>(X[u * k + f]) * static_cast<double>(Y[i * k + f]);
      return d;
    };
    for (const std::uint32_t pos : p.held[u]) {
      const double sp = score(pos);
      for (std::int64_t j = 0; j < items; ++j) {
        const auto jj = static_cast<std::uint32_t>(j);
        if (std::binary_search(p.top[u].begin(), p.top[u].end(), jj)) continue;
        const double sn = score(jj);
        good += sp > sn ? 1.0 : (sp == sn ? 0.5 : 0.0);
        pairs += 1.0;
      }
    }
  }
  return good / pairs;
}

BprParams planted_params() {
  BprParams p;
  p.factors = 8;
  p.learning_rate = 0.05f;
  p.regularization = 0.01f;
  p.epochs = 40;
  p.seed = 7;
  return p;
}

struct TrainedRun {
  BprStats before, after, first_epoch, last_epoch;
  double auc_before = 0.0, auc_after = 0.0;
};

TrainedRun train_planted(const Planted& p, const BprParams& params, int threads) {
  auto engine = make_cpu_bpr(p.train.view(), params, threads);
  const int k = bpr_width(params);  // the item bias, when on, is the last column
  std::vector<float> X(static_cast<std::size_t>(p.train.rows) * k);
  std::vector<float> Y(static_cast<std::size_t>(p.train.cols) * k);
  TrainedRun r;
  engine->get_factors(X, Y);
  r.auc_before = held_out_auc(p, X, Y, k);
  r.before = engine->objective();
  for (int e = 0; e < params.epochs; ++e) {
    const BprStats s = engine->epoch();
    if (e == 0) r.first_epoch = s;
    r.last_epoch = s;
  }
  r.after = engine->objective();
  engine->get_factors(X, Y);
  r.auc_after = held_out_auc(p, X, Y, k);
  std::printf("threads=%d negatives=%s: eval loss %.4f -> %.4f, eval acc %.3f -> %.3f, "
              "train loss %.4f -> %.4f, held-out AUC %.3f -> %.3f\n",
              threads, params.negatives == BprNegatives::uniform ? "uniform" : "popularity",
              r.before.loss, r.after.loss, r.before.accuracy, r.after.accuracy,
              r.first_epoch.loss, r.last_epoch.loss, r.auc_before, r.auc_after);
  return r;
}

// ---- the sampler on its own ---------------------------------------------------------------------

TEST(BprSampler, NthMissingMatchesBruteForce) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const std::uint32_t n = 1 + static_cast<std::uint32_t>(rng() % 40);
    std::vector<std::uint32_t> row;
    for (std::uint32_t i = 0; i < n; ++i)
      if (rng() % 3 == 0) row.push_back(i);
    std::vector<std::uint32_t> missing;
    for (std::uint32_t i = 0; i < n; ++i)
      if (!std::binary_search(row.begin(), row.end(), i)) missing.push_back(i);
    for (std::size_t r = 0; r < missing.size(); ++r)
      ASSERT_EQ(bpr::nth_missing(row.data(), static_cast<std::int64_t>(row.size()), r),
                missing[r])
          << "trial " << trial << " r " << r;
    for (std::uint32_t i = 0; i < n; ++i)
      ASSERT_EQ(bpr::row_contains(row.data(), static_cast<std::int64_t>(row.size()), i),
                std::binary_search(row.begin(), row.end(), i));
  }
}

TEST(BprSampler, NegativeNeverAPositive) {
  constexpr std::int64_t kItems = 37;  // not a power of two
  std::mt19937_64 pick(3);
  const std::vector<double> cdf = [&] {
    std::vector<double> c(kItems);
    double t = 0.0;
    for (std::int64_t i = 0; i < kItems; ++i) c[i] = (t += 1.0 + static_cast<double>(i % 5));
    return c;
  }();
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::uint32_t> row;
    const int density = 1 + trial % 10;  // up to nearly full rows
    for (std::uint32_t i = 0; i < kItems; ++i)
      if (static_cast<int>(pick() % 10) < density) row.push_back(i);
    if (static_cast<std::int64_t>(row.size()) == kItems) row.pop_back();
    const auto len = static_cast<std::int64_t>(row.size());
    for (const double* table : {static_cast<const double*>(nullptr), cdf.data()}) {
      for (std::uint64_t s = 0; s < 2000; ++s) {
        bpr::SampleRng rng = bpr::sample_rng(5, static_cast<std::uint64_t>(trial), s);
        const std::int64_t j = bpr::sample_negative(row.data(), len, kItems, table, rng);
        ASSERT_GE(j, 0);
        ASSERT_LT(j, kItems);
        ASSERT_FALSE(std::binary_search(row.begin(), row.end(), static_cast<std::uint32_t>(j)))
            << "trial " << trial << " sample " << s << " drew positive " << j;
      }
    }
  }
}

TEST(BprSampler, AllButOneItemGivesThatItem) {
  constexpr std::int64_t kItems = 1000;
  for (const std::uint32_t missing : {0u, 1u, 517u, 999u}) {
    std::vector<std::uint32_t> row;
    for (std::uint32_t i = 0; i < kItems; ++i)
      if (i != missing) row.push_back(i);
    std::vector<double> cdf(kItems);
    for (std::int64_t i = 0; i < kItems; ++i) cdf[i] = static_cast<double>(i + 1);
    for (const double* table : {static_cast<const double*>(nullptr), static_cast<const double*>(cdf.data())})
      for (std::uint64_t s = 0; s < 500; ++s) {
        bpr::SampleRng rng = bpr::sample_rng(1, 0, s);
        ASSERT_EQ(bpr::sample_negative(row.data(), kItems - 1, kItems, table, rng), missing);
      }
    // Every item bought: no negative exists.
    row.insert(std::lower_bound(row.begin(), row.end(), missing), missing);
    bpr::SampleRng rng = bpr::sample_rng(1, 0, 0);
    EXPECT_EQ(bpr::sample_negative(row.data(), kItems, kItems, nullptr, rng), -1);
  }
}

// Each non-positive item's count is Binomial(N, 1 / (items - len)): within 5 sigma, and the
// positives never appear.
TEST(BprSampler, UniformFrequenciesWithinBinomialBounds) {
  constexpr std::int64_t kItems = 50;
  const std::vector<std::uint32_t> row{0, 3, 4, 10, 11, 12, 30, 49};
  constexpr std::int64_t kDraws = 200000;
  std::vector<std::int64_t> count(kItems, 0);
  for (std::int64_t s = 0; s < kDraws; ++s) {
    bpr::SampleRng rng = bpr::sample_rng(99, 3, static_cast<std::uint64_t>(s));
    ++count[static_cast<std::size_t>(
        bpr::sample_negative(row.data(), static_cast<std::int64_t>(row.size()), kItems, nullptr,
                             rng))];
  }
  const double p = 1.0 / static_cast<double>(kItems - static_cast<std::int64_t>(row.size()));
  const double mean = static_cast<double>(kDraws) * p;
  const double sigma = std::sqrt(static_cast<double>(kDraws) * p * (1.0 - p));
  for (std::int64_t i = 0; i < kItems; ++i) {
    if (std::binary_search(row.begin(), row.end(), static_cast<std::uint32_t>(i))) {
      EXPECT_EQ(count[i], 0) << "positive " << i;
    } else {
      EXPECT_NEAR(static_cast<double>(count[i]), mean, 5.0 * sigma) << "item " << i;
    }
  }
}

// Popularity negatives follow (1 + buyers)^0.75 (within 5 sigma) and so prefer popular items.
TEST(BprSampler, PopularityPrefersPopularItems) {
  // 200 customers; item i is bought by the first 10 * i customers (item 0 by nobody), and
  // customer 199 (last) buys only item 19, so its negatives are items 0..18.
  constexpr std::int64_t kItems = 20;
  constexpr std::int64_t kCustomers = 200;
  std::vector<std::uint32_t> r, c;
  for (std::int64_t i = 0; i < kItems; ++i)
    for (std::int64_t u = 0; u < 10 * i && u < kCustomers - 1; ++u) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(static_cast<std::uint32_t>(i));
    }
  r.push_back(kCustomers - 1);
  c.push_back(kItems - 1);
  const Csr m = build_csr(kCustomers, kItems, r.data(), c.data(), nullptr,
                          static_cast<std::int64_t>(r.size()), 1);
  const std::vector<double> cdf = bpr::popularity_cdf(m.view(), 0.75);
  std::vector<double> w(kItems);
  for (std::int64_t i = 0; i < kItems; ++i) {
    std::int64_t buyers = 0;
    for (std::int64_t u = 0; u < kCustomers; ++u)
      buyers += std::binary_search(m.indices.begin() + m.indptr[u],
                                   m.indices.begin() + m.indptr[u + 1],
                                   static_cast<std::uint32_t>(i))
                    ? 1
                    : 0;
    w[i] = std::pow(1.0 + static_cast<double>(buyers), 0.75);
    ASSERT_NEAR(cdf[i] - (i > 0 ? cdf[i - 1] : 0.0), w[i], 1e-9 * w[i]) << "item " << i;
  }
  const std::uint32_t* row = m.indices.data() + m.indptr[kCustomers - 1];
  const std::int64_t len = m.indptr[kCustomers] - m.indptr[kCustomers - 1];
  ASSERT_EQ(len, 1);
  constexpr std::int64_t kDraws = 200000;
  std::vector<std::int64_t> count(kItems, 0);
  for (std::int64_t s = 0; s < kDraws; ++s) {
    bpr::SampleRng rng = bpr::sample_rng(4, 0, static_cast<std::uint64_t>(s));
    ++count[static_cast<std::size_t>(bpr::sample_negative(row, len, kItems, cdf.data(), rng))];
  }
  EXPECT_EQ(count[kItems - 1], 0);
  const double total = std::accumulate(w.begin(), w.end() - 1, 0.0);  // without item 19
  for (std::int64_t i = 0; i + 1 < kItems; ++i) {
    const double p = w[i] / total;
    const double mean = static_cast<double>(kDraws) * p;
    const double sigma = std::sqrt(static_cast<double>(kDraws) * p * (1.0 - p));
    EXPECT_NEAR(static_cast<double>(count[i]), mean, 5.0 * sigma) << "item " << i;
  }
  EXPECT_GT(count[18], 3 * count[1]);
}

// Triples drawn through the engine: positives are stored pairs, negatives never are, a
// customer with all but one item always gets that item, one with every item is skipped.
TEST(BprSampler, EngineTriplesRespectRows) {
  constexpr std::int64_t kItems = testing::kSamplerItems;
  const Csr m = testing::sampler_edge_cases();
  ASSERT_EQ(m.indptr[31] - m.indptr[30], kItems);
  for (const BprNegatives neg : {BprNegatives::uniform, BprNegatives::popularity}) {
    BprParams p;
    p.factors = 4;
    p.negatives = neg;
    auto engine = make_cpu_bpr(m.view(), p, 1);
    const std::int64_t n = 50000;
    const std::vector<BprTriple> t = engine->sample(2, 0, n);
    std::int64_t skipped = 0;
    std::int64_t row10 = 0;
    for (const BprTriple& x : t) {
      if (x.skipped()) {
        ++skipped;
        continue;
      }
      const auto b = m.indices.begin() + m.indptr[x.customer];
      const auto e = m.indices.begin() + m.indptr[x.customer + 1];
      ASSERT_TRUE(std::binary_search(b, e, x.positive));
      ASSERT_FALSE(std::binary_search(b, e, x.negative))
          << "customer " << x.customer << " negative " << x.negative;
      ASSERT_NE(x.customer, 30);
      if (x.customer == 10) {
        ++row10;
        ASSERT_EQ(x.negative, 7u);
      }
    }
    // Positives are uniform over stored pairs: row 30 holds kItems of nnz of them.
    const double expect_skipped =
        static_cast<double>(n) * static_cast<double>(kItems) / static_cast<double>(m.nnz());
    EXPECT_NEAR(static_cast<double>(skipped), expect_skipped, 6.0 * std::sqrt(expect_skipped));
    EXPECT_GT(row10, 0);
    // The epoch's statistics count the same skips.
    p.samples_per_epoch = n;
    auto trainer = make_cpu_bpr(m.view(), p, 1);
    (void)trainer->epoch();
    (void)trainer->epoch();
    const BprStats s = trainer->epoch();  // epoch 2: the triples above
    EXPECT_EQ(s.samples, n);
    EXPECT_EQ(s.skipped, skipped);
  }
}

// ---- training -----------------------------------------------------------------------------------

TEST(BprCpu, PlantedProblemLossFallsAndHeldOutOrderingRises) {
  const Planted p = planted(400, 120, 15, 3, 2024);
  const TrainedRun r = train_planted(p, planted_params(), 1);
  EXPECT_NEAR(r.before.loss, std::log(2.0), 0.01);  // tiny initial factors: x ~ 0
  EXPECT_LT(r.after.loss, 0.6 * r.before.loss);
  EXPECT_LT(r.last_epoch.loss, r.first_epoch.loss);
  EXPECT_GT(r.after.accuracy, 0.9);
  EXPECT_NEAR(r.auc_before, 0.5, 0.1);
  EXPECT_GT(r.auc_after, 0.85);
}

TEST(BprCpu, PlantedProblemPopularityNegativesAndThreads) {
  const Planted p = planted(400, 120, 15, 3, 2025);
  BprParams params = planted_params();
  params.negatives = BprNegatives::popularity;
  params.schedule = LrSchedule::linear;
  const TrainedRun r = train_planted(p, params, 2);
  EXPECT_LT(r.after.loss, 0.7 * r.before.loss);
  EXPECT_GT(r.auc_after, 0.8);
  EXPECT_NEAR(r.last_epoch.learning_rate, bpr_learning_rate(params, params.epochs - 1), 1e-9);
}

TEST(BprCpu, SameSeedSameFactorsWithOneThread) {
  const Planted p = planted(150, 60, 10, 2, 5);
  BprParams params = planted_params();
  params.epochs = 3;
  auto run = [&](std::uint64_t seed) {
    params.seed = seed;
    auto engine = make_cpu_bpr(p.train.view(), params, 1);
    for (int e = 0; e < params.epochs; ++e) (void)engine->epoch();
    const auto w = static_cast<std::size_t>(bpr_width(params));
    std::vector<float> XY(static_cast<std::size_t>(p.train.rows + p.train.cols) * w);
    engine->get_factors(std::span<float>(XY).first(static_cast<std::size_t>(p.train.rows) * w),
                        std::span<float>(XY).subspan(static_cast<std::size_t>(p.train.rows) * w));
    return XY;
  };
  const std::vector<float> a = run(13), b = run(13), c = run(14);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(BprCpu, ObjectiveIsFixedAndThreadIndependent) {
  const Planted p = planted(300, 80, 12, 2, 6);
  BprParams params = planted_params();
  params.objective_samples = 5000;
  auto one = make_cpu_bpr(p.train.view(), params, 1);
  auto two = make_cpu_bpr(p.train.view(), params, 3);
  const BprStats a = one->objective(), b = one->objective(), c = two->objective();
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.loss, c.loss);
  EXPECT_EQ(a.accuracy, c.accuracy);
  EXPECT_EQ(a.samples, 5000);
  EXPECT_EQ(one->sample(0, 100, 50).size(), 50u);
  EXPECT_EQ(one->epochs_done(), 0);
}

TEST(BprCpu, LearningRateSchedule) {
  BprParams p;
  p.learning_rate = 0.1f;
  p.epochs = 10;
  EXPECT_FLOAT_EQ(bpr_learning_rate(p, 0), 0.1f);
  EXPECT_FLOAT_EQ(bpr_learning_rate(p, 9), 0.1f);
  p.schedule = LrSchedule::linear;
  p.lr_floor = 0.25f;
  EXPECT_FLOAT_EQ(bpr_learning_rate(p, 0), 0.1f);
  EXPECT_FLOAT_EQ(bpr_learning_rate(p, 5), 0.05f);
  EXPECT_FLOAT_EQ(bpr_learning_rate(p, 8), 0.025f);   // 0.2 clamped to the floor 0.25
  EXPECT_FLOAT_EQ(bpr_learning_rate(p, 50), 0.025f);  // past the end: the floor
}

TEST(BprCpu, RefusesBadParameters) {
  const Csr m = random_csr(20, 15, 5, 8);
  BprParams p;
  for (const int k : {0, -3, kMaxFactors + 1}) {
    p.factors = k;
    EXPECT_THROW((void)make_cpu_bpr(m.view(), p, 1), std::invalid_argument) << "factors " << k;
  }
  // The item bias takes one of the kMaxFactors columns.
  p.factors = kMaxFactors;
  EXPECT_THROW((void)make_cpu_bpr(m.view(), p, 1), std::invalid_argument);
  p.factors = kMaxFactors - 1;
  EXPECT_NO_THROW((void)make_cpu_bpr(m.view(), p, 1));
  p.factors = kMaxFactors;
  p.item_bias = false;
  EXPECT_NO_THROW((void)make_cpu_bpr(m.view(), p, 1));
  p.item_bias = true;
  p.factors = 4;
  p.bias_regularization = -1.0f;
  EXPECT_THROW((void)make_cpu_bpr(m.view(), p, 1), std::invalid_argument);
  p.bias_regularization = 0.01f;
  p.learning_rate = 0.0f;
  EXPECT_THROW((void)make_cpu_bpr(m.view(), p, 1), std::invalid_argument);
  p.learning_rate = 0.01f;
  p.lr_floor = 1.5f;
  EXPECT_THROW((void)make_cpu_bpr(m.view(), p, 1), std::invalid_argument);
  p.lr_floor = 0.1f;
  const Csr empty = build_csr(5, 5, nullptr, nullptr, nullptr, 0, 1);
  EXPECT_THROW((void)make_cpu_bpr(empty.view(), p, 1), std::invalid_argument);
  auto engine = make_cpu_bpr(m.view(), p, 1);
  std::vector<float> X(20 * 5), Y(15 * 5 + 1);  // 4 factors + the bias
  EXPECT_THROW(engine->set_factors(X, Y), std::invalid_argument);
  EXPECT_THROW(engine->get_factors(X, Y), std::invalid_argument);
}

TEST(BprTrain, TrainsOnCpuAndReportsEpochs) {
  const Planted p = planted(200, 70, 10, 2, 9);
  InteractionMatrices m;
  m.customer_items = p.train;
  m.item_customers = transpose(p.train, 1);
  BprTrainOptions o;
  o.bpr = planted_params();
  o.bpr.epochs = 5;
  o.log_epochs = false;
  int seen = 0;
  o.on_epoch = [&](const BprEpochReport& r) {
    ++seen;
    EXPECT_EQ(r.epoch, seen);
    EXPECT_TRUE(std::isfinite(r.objective.loss));
  };
  const TrainResult r = train_bpr(m, o, Backend::cpu({1}));
  EXPECT_EQ(seen, 5);
  ASSERT_EQ(r.epochs.size(), 5u);
  EXPECT_LT(r.epochs.back().objective.total, r.epochs.front().objective.total);
  EXPECT_EQ(r.customer_factors.size(), static_cast<std::size_t>(200 * (o.bpr.factors + 1)));
  EXPECT_EQ(r.item_factors.size(), static_cast<std::size_t>(70 * (o.bpr.factors + 1)));
  EXPECT_EQ(r.device, Device::cpu);
  // The same seed on one thread: the same factors.
  o.on_epoch = nullptr;
  const TrainResult again = train_bpr(m, o, Backend::cpu({1}));
  EXPECT_EQ(r.customer_factors, again.customer_factors);
  EXPECT_EQ(r.item_factors, again.item_factors);
  o.bpr.factors = kMaxFactors + 1;
  EXPECT_THROW((void)train_bpr(m, o, Backend::cpu({1})), InputError);
}

// ---- the item bias -------------------------------------------------------------------------------

// A popularity-dominated shop: item i is chosen with weight 1 / (i + 1), customers differ only
// by chance. Each customer buys `bought` distinct items drawn by weight; `held` of them are
// held out of training.
Planted popularity_shop(std::int64_t customers, std::int64_t items, int bought, int held,
                        std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> weight(static_cast<std::size_t>(items));
  for (std::int64_t i = 0; i < items; ++i) weight[i] = 1.0 / static_cast<double>(i + 1);
  Planted p;
  std::vector<std::uint32_t> r, c;
  for (std::int64_t u = 0; u < customers; ++u) {
    std::vector<double> w = weight;
    std::vector<std::uint32_t> mine;
    for (int t = 0; t < bought; ++t) {
      std::discrete_distribution<std::uint32_t> pick(w.begin(), w.end());
      const std::uint32_t i = pick(rng);
      w[i] = 0.0;  // distinct items
      mine.push_back(i);
    }
    std::vector<std::uint32_t> h(mine.begin(), mine.begin() + held);
    for (int t = held; t < bought; ++t) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(mine[static_cast<std::size_t>(t)]);
    }
    std::sort(h.begin(), h.end());
    std::sort(mine.begin(), mine.end());
    p.held.push_back(h);
    p.top.push_back(mine);
  }
  p.train = build_csr(customers, items, r.data(), c.data(), nullptr,
                      static_cast<std::int64_t>(r.size()), 1);
  return p;
}

// The share of held-out items among each customer's `n` best-scored items outside its training
// items (recall@n over the held-out items), factors of width w.
double held_out_recall(const Planted& p, const std::vector<float>& X, const std::vector<float>& Y,
                       int w, int n) {
  const std::int64_t items = p.train.cols;
  double found = 0.0, total = 0.0;
  for (std::size_t u = 0; u < p.held.size(); ++u) {
    std::vector<std::pair<double, std::uint32_t>> scored;
    const auto b = p.train.indices.begin() + p.train.indptr[u];
    const auto e = p.train.indices.begin() + p.train.indptr[u + 1];
    for (std::int64_t i = 0; i < items; ++i) {
      const auto ii = static_cast<std::uint32_t>(i);
      if (std::binary_search(b, e, ii)) continue;
      double d = 0.0;
      for (int f = 0; f < w; ++f) d += static_cast<double>(X[u * w + f]) * Y[ii * w + f];
      scored.emplace_back(-d, ii);
    }
    std::partial_sort(scored.begin(), scored.begin() + n, scored.end());
    for (int t = 0; t < n; ++t)
      found += std::binary_search(p.held[u].begin(), p.held[u].end(), scored[t].second) ? 1 : 0;
    total += static_cast<double>(p.held[u].size());
  }
  return found / total;
}

struct Factors {
  std::vector<float> X, Y;
};

Factors train_factors(const Csr& m, const BprParams& params) {
  auto engine = make_cpu_bpr(m.view(), params, 1);
  for (int e = 0; e < params.epochs; ++e) (void)engine->epoch();
  const auto w = static_cast<std::size_t>(bpr_width(params));
  Factors f{std::vector<float>(static_cast<std::size_t>(m.rows) * w),
            std::vector<float>(static_cast<std::size_t>(m.cols) * w)};
  engine->get_factors(f.X, f.Y);
  return f;
}

// One epoch on one thread against the update written out in double over the same triples: the
// k factors as in Rendle et al., the customer's bias column never moves, the items' bias column
// takes g - lambda_b b. Checked for several k (1, a multiple of 8, an odd one).
TEST(BprBias, CpuEpochMatchesADoubleReference) {
  const Planted p = planted(120, 50, 8, 0, 31);
  for (const int k : {1, 8, 13}) {
    SCOPED_TRACE("k=" + std::to_string(k));
    BprParams params = planted_params();
    params.factors = k;
    params.learning_rate = 0.1f;
    params.bias_regularization = 0.05f;
    params.samples_per_epoch = 3000;
    auto engine = make_cpu_bpr(p.train.view(), params, 1);
    const int w = k + 1;
    std::vector<float> X0(static_cast<std::size_t>(p.train.rows) * w);
    std::vector<float> Y0(static_cast<std::size_t>(p.train.cols) * w);
    engine->get_factors(X0, Y0);
    for (std::int64_t u = 0; u < p.train.rows; ++u) ASSERT_EQ(X0[u * w + k], 1.0f);
    for (std::int64_t i = 0; i < p.train.cols; ++i) ASSERT_EQ(Y0[i * w + k], 0.0f);
    std::vector<double> X(X0.begin(), X0.end()), Y(Y0.begin(), Y0.end());
    const double lr = params.learning_rate, lambda = params.regularization;
    const double lambda_b = params.bias_regularization;
    for (const BprTriple& t : engine->sample(0, 0, params.samples_per_epoch)) {
      double* xu = X.data() + t.customer * w;
      double* yi = Y.data() + static_cast<std::int64_t>(t.positive) * w;
      double* yj = Y.data() + static_cast<std::int64_t>(t.negative) * w;
      double x = 0.0;
      for (int f = 0; f < w; ++f) x += xu[f] * (yi[f] - yj[f]);
      const double g = 1.0 / (1.0 + std::exp(x));
      for (int f = 0; f < w; ++f) {
        const double u = xu[f], a = yi[f], b = yj[f];
        const double reg = f < k ? lambda : lambda_b;
        if (f < k) xu[f] = u + lr * (g * (a - b) - lambda * u);
        yi[f] = a + lr * (g * u - reg * a);
        yj[f] = b + lr * (-g * u - reg * b);
      }
    }
    (void)engine->epoch();
    std::vector<float> Xg(X0.size()), Yg(Y0.size());
    engine->get_factors(Xg, Yg);
    const std::vector<float> Xr(X.begin(), X.end()), Yr(Y.begin(), Y.end());
    EXPECT_TRUE(testing::all_close(Xg, Xr, w, 1e-5, 1e-4)) << "customer factors";
    EXPECT_TRUE(testing::all_close(Yg, Yr, w, 1e-5, 1e-4)) << "item factors";
    double moved = 0.0;
    for (std::int64_t u = 0; u < p.train.rows; ++u) ASSERT_EQ(Xg[u * w + k], 1.0f) << "u " << u;
    for (std::int64_t i = 0; i < p.train.cols; ++i) moved += std::abs(Yg[i * w + k]);
    EXPECT_GT(moved, 0.1) << "the item biases never moved";
  }
}

// On a shop where popularity is all there is, the learned biases follow it: the more customers
// bought an item, the higher its bias (rank correlation), and the head outranks the tail.
TEST(BprBias, PopularItemsGetOrderedBiases) {
  const Planted p = popularity_shop(600, 60, 10, 0, 41);
  BprParams params = planted_params();
  params.epochs = 20;
  const Factors f = train_factors(p.train, params);
  const int w = bpr_width(params);
  std::vector<double> buyers(60, 0.0), bias(60);
  for (const auto i : p.train.indices) buyers[i] += 1.0;
  for (std::size_t i = 0; i < 60; ++i) bias[i] = f.Y[i * w + params.factors];
  auto ranks = [](const std::vector<double>& v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t q = 0; q < order.size(); ++q) r[order[q]] = static_cast<double>(q);
    return r;
  };
  const std::vector<double> rb = ranks(buyers), rv = ranks(bias);
  double d2 = 0.0;
  for (std::size_t i = 0; i < 60; ++i) d2 += (rb[i] - rv[i]) * (rb[i] - rv[i]);
  const double spearman = 1.0 - 6.0 * d2 / (60.0 * (60.0 * 60.0 - 1.0));
  const double head = (bias[0] + bias[1] + bias[2]) / 3.0;
  const double tail = (bias[57] + bias[58] + bias[59]) / 3.0;
  std::printf("bias rank correlation with buyers %.3f, head %.3f, tail %.3f\n", spearman, head,
              tail);
  EXPECT_GT(spearman, 0.9);
  EXPECT_GT(head, tail + 0.5);
}

// There, BPR with the bias finds the held-out purchases (which follow popularity) far better
// than BPR without it after the same few epochs at the default learning rate: one column
// learns popularity at once, while the factors alone (started at +-0.5 / k) learn it slowly.
// Trained long enough (20 epochs at 0.05) both reach a recall of 0.55 on this shop: the bias
// is faster, not a higher ceiling, when popularity is all there is.
TEST(BprBias, WithBiasBeatsWithoutOnAPopularityShop) {
  const Planted p = popularity_shop(600, 200, 12, 3, 43);
  BprParams params = planted_params();
  params.learning_rate = BprParams{}.learning_rate;
  params.epochs = 5;
  const Factors with = train_factors(p.train, params);
  const double r_with = held_out_recall(p, with.X, with.Y, bpr_width(params), 10);
  params.item_bias = false;
  const Factors without = train_factors(p.train, params);
  const double r_without = held_out_recall(p, without.X, without.Y, bpr_width(params), 10);
  std::printf("held-out recall@10: with bias %.3f, without %.3f\n", r_with, r_without);
  EXPECT_GT(r_with, r_without + 0.05);
}

// Without the bias, an engine is exactly what it was before the bias existed: rows of `factors`
// columns, started from bpr::initial_factors.
TEST(BprBias, OffKeepsThePlainModel) {
  const Planted p = planted(50, 30, 5, 0, 3);
  BprParams params = planted_params();
  params.item_bias = false;
  EXPECT_EQ(bpr_width(params), params.factors);
  auto engine = make_cpu_bpr(p.train.view(), params, 1);
  std::vector<float> X(static_cast<std::size_t>(50 * params.factors));
  std::vector<float> Y(static_cast<std::size_t>(30 * params.factors));
  engine->get_factors(X, Y);
  EXPECT_EQ(X, bpr::initial_factors(50, params.factors, params.seed));
  EXPECT_EQ(Y, bpr::initial_factors(30, params.factors, params.seed ^ 0x9e3779b97f4a7c15ULL));
}

}  // namespace
}  // namespace tailor
