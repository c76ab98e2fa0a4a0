// The CUDA backend against the CPU reference backend (kernels/cpu/), through kernels/kernels.hpp
// alone. Every test except the first two starts with TAILOR_REQUIRE_GPU() and is skipped where no
// CUDA device is usable; the first two check exactly that situation and run everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/backend.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::all_close;
using testing::max_abs;
using testing::random_csr;
using testing::random_factors;

int cpu_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

bool close(double got, double ref, double rtol) {
  return std::abs(got - ref) <= rtol * std::max(1.0, std::abs(ref));
}

// Work sizes past what any kernel keeps resident at once on device 0 (every architecture allows
// at most 32 blocks and 2048 threads per SM), times 10: a grid-stride or claim loop must go round.
std::int64_t multiprocessors() {
  const CudaProbe probe = probe_cuda();
  return probe.devices.empty() ? 1 : std::max(1, probe.devices.front().multiprocessors);
}
std::int64_t blocks_past_resident() { return 10 * 32 * multiprocessors() + 7; }
std::int64_t threads_past_resident() { return 10 * 2048 * multiprocessors() + 7; }

// ---- runs everywhere ----------------------------------------------------------------------------

TEST(CudaDevice, CountAndDescriptionNeverThrow) {
  int count = -1;
  EXPECT_NO_THROW(count = cuda_device_count());
  EXPECT_GE(count, 0);
  if (!cuda_built()) EXPECT_EQ(count, 0);
  std::string description;
  EXPECT_NO_THROW(description = cuda_device_description());
  EXPECT_FALSE(description.empty());
  std::printf("cuda_built=%d devices=%d: %s\n", cuda_built() ? 1 : 0, count, description.c_str());
}

TEST(CudaDevice, BackendThrowsWithoutDevice) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is usable here";
  EXPECT_THROW((void)Backend::cuda(0), std::runtime_error);
}

// ---- iALS ---------------------------------------------------------------------------------------

struct IalsProblem {
  Csr customer_items;
  Csr item_customers;
  IalsParams params;
  std::vector<float> X0;
  std::vector<float> Y0;
};

// customers x items with ~10% empty rows and one heavy row of `heavy` items.
IalsProblem make_problem(std::int64_t customers, std::int64_t items, int factors,
                         ConfidenceScaling scaling, std::uint64_t seed, std::int64_t heavy) {
  IalsProblem pr;
  pr.customer_items = random_csr(customers, items, 30, seed, heavy);
  pr.item_customers = transpose(pr.customer_items, cpu_threads());
  pr.params.factors = factors;
  pr.params.regularization = 0.1f;
  pr.params.cg_steps = 3;
  pr.params.scaling = scaling;
  pr.params.alpha = scaling == ConfidenceScaling::linear ? 2.0f : 4.0f;
  pr.params.log_epsilon = 0.5f;
  pr.X0 = random_factors(customers, factors, seed + 1, 0.1f);
  pr.Y0 = random_factors(items, factors, seed + 2, 0.1f);
  return pr;
}

const char* scaling_name(ConfidenceScaling s) {
  return s == ConfidenceScaling::linear ? "linear" : "log";
}

TEST(CudaIals, HalfStepsMatchCpuOverShapes) {
  TAILOR_REQUIRE_GPU();
  const std::int64_t customers = 211;  // not a multiple of any block size
  const std::int64_t items = 2500;
  const std::int64_t heavy = 2000;  // one customer with thousands of items
  for (int factors : {1, 3, 17, 64, 100, 256, 512, 1000}) {
    for (ConfidenceScaling scaling : {ConfidenceScaling::linear, ConfidenceScaling::log}) {
      const std::uint64_t seed = 1000 + static_cast<std::uint64_t>(factors) * 10 +
                                 (scaling == ConfidenceScaling::log ? 1 : 0);
      const std::string label = "factors=" + std::to_string(factors) +
                                " scaling=" + scaling_name(scaling) +
                                " seed=" + std::to_string(seed);
      SCOPED_TRACE(label);
      std::printf("half-step case %s\n", label.c_str());
      const IalsProblem pr = make_problem(customers, items, factors, scaling, seed, heavy);
      auto cpu = make_cpu_ials(pr.customer_items.view(), pr.item_customers.view(), pr.params,
                               cpu_threads());
      auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(), pr.item_customers.view(), pr.params);
      EXPECT_EQ(gpu->backend_name(), "cuda");

      std::vector<float> Xc(pr.X0.size()), Yc(pr.Y0.size()), Xg(pr.X0.size()), Yg(pr.Y0.size());
      // CG in fp32 on both sides, different summation orders: a few 1e-4 of the largest value.
      const double rtol = 1e-3;

      cpu->set_factors(pr.X0, pr.Y0);
      gpu->set_factors(pr.X0, pr.Y0);
      cpu->solve_customers();
      gpu->solve_customers();
      cpu->get_factors(Xc, Yc);
      gpu->get_factors(Xg, Yg);
      EXPECT_TRUE(all_close(Xg, Xc, factors, 1e-3 * max_abs(Xc), rtol)) << "solve_customers X";
      EXPECT_TRUE(all_close(Yg, pr.Y0, factors, 0.0, 0.0)) << "solve_customers changed Y";

      cpu->set_factors(pr.X0, pr.Y0);
      gpu->set_factors(pr.X0, pr.Y0);
      cpu->solve_items();
      gpu->solve_items();
      cpu->get_factors(Xc, Yc);
      gpu->get_factors(Xg, Yg);
      EXPECT_TRUE(all_close(Yg, Yc, factors, 1e-3 * max_abs(Yc), rtol)) << "solve_items Y";
      EXPECT_TRUE(all_close(Xg, pr.X0, factors, 0.0, 0.0)) << "solve_items changed X";
    }
  }
}

TEST(CudaIals, ObjectiveMatchesCpu) {
  TAILOR_REQUIRE_GPU();
  for (int factors : {1, 17, 256}) {
    for (ConfidenceScaling scaling : {ConfidenceScaling::linear, ConfidenceScaling::log}) {
      const std::uint64_t seed = 2000 + static_cast<std::uint64_t>(factors) * 10 +
                                 (scaling == ConfidenceScaling::log ? 1 : 0);
      const std::string label = "factors=" + std::to_string(factors) +
                                " scaling=" + scaling_name(scaling) +
                                " seed=" + std::to_string(seed);
      SCOPED_TRACE(label);
      const IalsProblem pr = make_problem(300, 700, factors, scaling, seed, 600);
      auto cpu = make_cpu_ials(pr.customer_items.view(), pr.item_customers.view(), pr.params,
                               cpu_threads());
      auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(), pr.item_customers.view(), pr.params);
      cpu->set_factors(pr.X0, pr.Y0);
      gpu->set_factors(pr.X0, pr.Y0);
      for (int round = 0; round < 2; ++round) {  // at the initial factors, then after a step
        const Objective c = cpu->objective();
        const Objective g = gpu->objective();
        std::printf("objective %s round %d: cpu total %.9g gpu total %.9g\n", label.c_str(), round,
                    c.total, g.total);
        EXPECT_TRUE(close(g.data, c.data, 1e-4)) << g.data << " vs " << c.data;
        EXPECT_TRUE(close(g.regularization, c.regularization, 1e-5))
            << g.regularization << " vs " << c.regularization;
        EXPECT_TRUE(close(g.total, c.total, 1e-4)) << g.total << " vs " << c.total;
        EXPECT_TRUE(close(g.normalized, c.normalized, 1e-4))
            << g.normalized << " vs " << c.normalized;
        EXPECT_NEAR(g.total, g.data + g.regularization, 1e-9 * std::max(1.0, std::abs(g.total)));
        // Move both to the same new point for the second round.
        std::vector<float> X(pr.X0.size()), Y(pr.Y0.size());
        cpu->solve_customers();
        cpu->get_factors(X, Y);
        gpu->set_factors(X, Y);
      }
    }
  }
}

TEST(CudaIals, FactorsRoundTripAndChecks) {
  TAILOR_REQUIRE_GPU();
  const IalsProblem pr = make_problem(50, 40, 7, ConfidenceScaling::linear, 31, 0);
  auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(), pr.item_customers.view(), pr.params);
  std::vector<float> X(pr.X0.size()), Y(pr.Y0.size());
  // Before set_factors both backends start from the same seeded factors.
  auto cpu = make_cpu_ials(pr.customer_items.view(), pr.item_customers.view(), pr.params, 1);
  std::vector<float> Xc(pr.X0.size()), Yc(pr.Y0.size());
  cpu->get_factors(Xc, Yc);
  gpu->get_factors(X, Y);
  EXPECT_EQ(X, Xc);
  EXPECT_EQ(Y, Yc);
  gpu->set_factors(pr.X0, pr.Y0);
  gpu->get_factors(X, Y);
  EXPECT_EQ(X, pr.X0);
  EXPECT_EQ(Y, pr.Y0);
  std::vector<float> short_x(X.size() - 1);
  EXPECT_THROW(gpu->set_factors(short_x, pr.Y0), std::invalid_argument);
  EXPECT_THROW(gpu->get_factors(X, std::span<float>(Y).first(Y.size() - 1)), std::invalid_argument);

  IalsParams bad = pr.params;
  bad.factors = kMaxFactors + 1;
  EXPECT_THROW((void)tailor::testing::cuda_backend().ials(pr.customer_items.view(), pr.item_customers.view(), bad),
               std::invalid_argument);
  bad.factors = 0;
  EXPECT_THROW((void)tailor::testing::cuda_backend().ials(pr.customer_items.view(), pr.item_customers.view(), bad),
               std::invalid_argument);
}

TEST(CudaIals, TrainingLowersTheObjective) {
  TAILOR_REQUIRE_GPU();
  const IalsProblem pr = make_problem(400, 300, 32, ConfidenceScaling::log, 41, 250);
  auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(), pr.item_customers.view(), pr.params);
  gpu->set_factors(pr.X0, pr.Y0);
  double previous = gpu->objective().total;
  for (int it = 0; it < 5; ++it) {
    gpu->solve_customers();
    gpu->solve_items();
    const double now = gpu->objective().total;
    EXPECT_TRUE(std::isfinite(now));
    EXPECT_LE(now, previous * (1.0 + 1e-6)) << "iteration " << it;
    previous = now;
  }
}

// Customers without interactions end exactly 0.0, as on the CPU (whose test explains why): the
// CG kernel writes zeros for an empty row in the customer half-step instead of shrinking the
// start.
TEST(CudaIals, CustomersWithoutInteractionsEndExactlyZero) {
  TAILOR_REQUIRE_GPU();
  const IalsProblem pr = make_problem(300, 200, 24, ConfidenceScaling::linear, 43, 120);
  auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(),
                                                  pr.item_customers.view(), pr.params);
  gpu->set_factors(pr.X0, pr.Y0);
  for (int it = 0; it < 3; ++it) {
    gpu->solve_customers();
    gpu->solve_items();
  }
  std::vector<float> X(pr.X0.size()), Y(pr.Y0.size());
  gpu->get_factors(X, Y);
  const Csr& ci = pr.customer_items;
  std::int64_t empty = 0;
  for (std::int64_t u = 0; u < ci.rows; ++u) {
    if (ci.indptr[u + 1] != ci.indptr[u]) continue;
    ++empty;
    for (int a = 0; a < 24; ++a)
      ASSERT_EQ(X[static_cast<std::size_t>(u * 24 + a)], 0.0f) << "customer " << u;
  }
  EXPECT_GT(empty, 0);
}

// customers x items: every customer bought item 0 (a row of `customers` entries on the item side,
// claimed first) and 1..8 other random items.
Csr with_one_item_everybody_bought(std::int64_t customers, std::int64_t items, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> r, c;
  std::vector<float> w;
  for (std::int64_t u = 0; u < customers; ++u) {
    std::set<std::uint32_t> picked = {0};
    const auto extra = 1 + static_cast<int>(rng() % 8);
    while (static_cast<int>(picked.size()) <= extra)
      picked.insert(1 + static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(items - 1)));
    for (const auto i : picked) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(i);
      w.push_back(1.0f + static_cast<float>(rng() % 3));
    }
  }
  return build_csr(customers, items, r.data(), c.data(), w.data(),
                   static_cast<std::int64_t>(r.size()), cpu_threads());
}

// Linear confidence (alpha 2, lambda 0.1, 3 CG steps) over `customer_items`, factors from `seed`.
IalsProblem linear_problem(Csr customer_items, int factors, std::uint64_t seed) {
  IalsProblem pr;
  pr.customer_items = std::move(customer_items);
  pr.item_customers = transpose(pr.customer_items, cpu_threads());
  pr.params.factors = factors;
  pr.params.regularization = 0.1f;
  pr.params.cg_steps = 3;
  pr.params.alpha = 2.0f;
  pr.X0 = random_factors(pr.customer_items.rows, factors, seed, 0.1f);
  pr.Y0 = random_factors(pr.customer_items.cols, factors, seed + 1, 0.1f);
  return pr;
}

// Ten times more rows than blocks fit on the device, one of them 10^4+ entries long: every row
// is claimed exactly once (a lost or doubled claim leaves a row unsolved or solved twice from
// different data, and the comparison fails there).
TEST(CudaIals, RowsFarBeyondTheResidentGridAndOneHeavyRow) {
  TAILOR_REQUIRE_GPU();
  const std::int64_t customers = blocks_past_resident();
  const std::int64_t items = 500;
  for (const int factors : {32, 100}) {
    SCOPED_TRACE("customers=" + std::to_string(customers) + " factors=" + std::to_string(factors));
    const IalsProblem pr =
        linear_problem(with_one_item_everybody_bought(customers, items, 77), factors, 78);
    auto cpu = make_cpu_ials(pr.customer_items.view(), pr.item_customers.view(), pr.params,
                             cpu_threads());
    auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(),
                                                    pr.item_customers.view(), pr.params);
    std::vector<float> Xc(pr.X0.size()), Yc(pr.Y0.size()), Xg(pr.X0.size()), Yg(pr.Y0.size());
    for (int half = 0; half < 2; ++half) {
      cpu->set_factors(pr.X0, pr.Y0);
      gpu->set_factors(pr.X0, pr.Y0);
      if (half == 0) {
        cpu->solve_customers();
        gpu->solve_customers();
      } else {
        cpu->solve_items();
        gpu->solve_items();
      }
      cpu->get_factors(Xc, Yc);
      gpu->get_factors(Xg, Yg);
      EXPECT_TRUE(all_close(Xg, Xc, factors, 1e-3 * max_abs(Xc), 1e-3)) << "half " << half;
      EXPECT_TRUE(all_close(Yg, Yc, factors, 1e-3 * max_abs(Yc), 1e-3)) << "half " << half;
    }
  }
}

// Two million customers with positive factors: X^T X sums 2M same-signed terms per entry, where
// one fp32 accumulation drifts by ~1e-4 (tests/kernels/test_ials_layout.cpp). The chunked Gram
// summed in double keeps the objective and the item solve (both built on X^T X) with the CPU's.
TEST(CudaIals, GramInDoubleAgreesWithTheCpuAtTwoMillionRows) {
  TAILOR_REQUIRE_GPU();
  const std::int64_t customers = 2'000'000;
  const std::int64_t items = 1000;
  const int factors = 32;
  IalsProblem pr = linear_problem(random_csr(customers, items, 3, 91), factors, 92);
  for (float& x : pr.X0) x = 0.1f + std::abs(x) / 2;  // same sign: the sums only grow
  auto cpu = make_cpu_ials(pr.customer_items.view(), pr.item_customers.view(), pr.params,
                           cpu_threads());
  auto gpu = tailor::testing::cuda_backend().ials(pr.customer_items.view(),
                                                  pr.item_customers.view(), pr.params);
  cpu->set_factors(pr.X0, pr.Y0);
  gpu->set_factors(pr.X0, pr.Y0);
  const Objective c = cpu->objective();
  const Objective g = gpu->objective();
  std::printf("2M rows: objective data cpu %.10g gpu %.10g (relative %.3g)\n", c.data, g.data,
              std::abs(g.data - c.data) / std::abs(c.data));
  EXPECT_TRUE(close(g.data, c.data, 1e-5)) << g.data << " vs " << c.data;
  EXPECT_TRUE(close(g.regularization, c.regularization, 1e-6));
  cpu->solve_items();
  gpu->solve_items();
  std::vector<float> Xc(pr.X0.size()), Yc(pr.Y0.size()), Xg(pr.X0.size()), Yg(pr.Y0.size());
  cpu->get_factors(Xc, Yc);
  gpu->get_factors(Xg, Yg);
  EXPECT_TRUE(all_close(Yg, Yc, factors, 1e-3 * max_abs(Yc), 1e-3)) << "solve_items Y";
}

// ---- top-N --------------------------------------------------------------------------------------

struct TopNCase {
  std::int64_t customers;
  std::int64_t items;
  int factors;
  int n;
  bool exclude_seen;
  std::size_t budget;
  std::uint64_t seed;
};

// Scores within this distance count as tied (fp32 dot products of O(1) values).
constexpr double kScoreAtol = 1e-4;
constexpr double kScoreRtol = 1e-4;

bool tied(double a, double b) {
  return std::abs(a - b) <= kScoreAtol + kScoreRtol * std::max(std::abs(a), std::abs(b));
}

// Checks `gpu` on its own (valid items, no duplicates, nothing seen, scores that are the real
// scores of their items, best first with the tie rule, nothing better left out) and against the
// CPU result `cpu` under the tie rule: a different item at a position is accepted only if its
// score ties with the CPU's item there.
void expect_topn_agrees(const TopNResult& gpu, const TopNResult& cpu, const std::vector<float>& C,
                        const std::vector<float>& I, std::int64_t customers, std::int64_t items,
                        int k, const CsrView* seen, const TopNParams& p) {
  ASSERT_EQ(gpu.customers(), customers);
  ASSERT_EQ(cpu.customers(), customers);
  EXPECT_EQ(gpu.offsets, cpu.offsets) << "list lengths differ";
  EXPECT_EQ(gpu.short_lists, cpu.short_lists);
  ASSERT_EQ(gpu.items.size(), static_cast<std::size_t>(gpu.offsets.back()));
  ASSERT_EQ(gpu.scores.size(), gpu.items.size());

  auto score = [&](std::int64_t u, std::uint32_t i) {
    double s = 0.0;
    for (int f = 0; f < k; ++f)
      s += static_cast<double>(C[u * k + f]) *
           static_cast<double>(I[i * static_cast<std::int64_t>(k) + f]);
    return s;
  };
  int failures = 0;
  auto fail = [&](std::int64_t u, const std::string& what) {
    if (++failures <= 10) ADD_FAILURE() << "customer " << u << ": " << what;
  };

  std::int64_t short_lists = 0;
  for (std::int64_t u = 0; u < customers; ++u) {
    std::set<std::uint32_t> excluded;
    if (p.exclude_seen)
      for (std::int64_t e = seen->indptr[u]; e < seen->indptr[u + 1]; ++e)
        excluded.insert(seen->indices[e]);
    const std::int64_t eligible = items - static_cast<std::int64_t>(excluded.size());
    const std::int64_t b = gpu.offsets[u];
    const std::int64_t len = gpu.offsets[u + 1] - b;
    if (len != std::min<std::int64_t>(p.n, eligible))
      fail(u, "list length " + std::to_string(len) + ", expected min(n, eligible) = " +
                  std::to_string(std::min<std::int64_t>(p.n, eligible)));
    if (len < p.n) ++short_lists;

    std::set<std::uint32_t> listed;
    for (std::int64_t j = 0; j < len; ++j) {
      const std::uint32_t id = gpu.items[b + j];
      const float s = gpu.scores[b + j];
      if (id >= items) {
        fail(u, "item " + std::to_string(id) + " out of range");
        continue;
      }
      if (!listed.insert(id).second) fail(u, "duplicate item " + std::to_string(id));
      if (excluded.count(id) != 0) fail(u, "seen item " + std::to_string(id) + " recommended");
      if (!tied(s, score(u, id)))
        fail(u, "item " + std::to_string(id) + " has score " + std::to_string(s) + ", true " +
                    std::to_string(score(u, id)));
      if (j > 0) {
        const float prev = gpu.scores[b + j - 1];
        if (s > prev || (s == prev && id < gpu.items[b + j - 1]))
          fail(u, "position " + std::to_string(j) +
                      " breaks the order (higher score first, "
                      "then lower item index)");
      }
      // Against the CPU at the same position (same list lengths checked above).
      if (u < cpu.customers() && cpu.offsets[u] + j < cpu.offsets[u + 1]) {
        const std::uint32_t cid = cpu.items[cpu.offsets[u] + j];
        if (!tied(s, cpu.scores[cpu.offsets[u] + j]))
          fail(u, "position " + std::to_string(j) + " score " + std::to_string(s) + " vs CPU " +
                      std::to_string(cpu.scores[cpu.offsets[u] + j]));
        if (cid != id && !tied(score(u, id), score(u, cid)))
          fail(u, "position " + std::to_string(j) + " item " + std::to_string(id) + " vs CPU " +
                      std::to_string(cid) + " without a tied score");
      }
    }
    // Nothing eligible that was left out scores clearly better than the last listed item.
    if (len > 0 && len == p.n) {
      const double last = gpu.scores[b + len - 1];
      for (std::uint32_t i = 0; i < items; ++i) {
        if (listed.count(i) != 0 || excluded.count(i) != 0) continue;
        const double s = score(u, i);
        if (s > last && !tied(s, last)) {
          fail(u, "item " + std::to_string(i) + " with score " + std::to_string(s) +
                      " is missing (last listed " + std::to_string(last) + ")");
          break;
        }
      }
    }
  }
  EXPECT_EQ(gpu.short_lists, short_lists);
}

void run_topn_case(const TopNCase& c) {
  const std::string label =
      "customers=" + std::to_string(c.customers) + " items=" + std::to_string(c.items) +
      " factors=" + std::to_string(c.factors) + " n=" + std::to_string(c.n) +
      " exclude_seen=" + std::to_string(c.exclude_seen) + " budget=" + std::to_string(c.budget) +
      " seed=" + std::to_string(c.seed);
  SCOPED_TRACE(label);
  std::printf("top-N case %s\n", label.c_str());
  // random_csr needs max_per_row <= cols; the heavy row sees every item.
  const int per_row = static_cast<int>(std::min<std::int64_t>(40, c.items));
  const Csr seen = random_csr(c.customers, c.items, per_row, c.seed, c.items);
  const auto C = random_factors(c.customers, c.factors, c.seed + 1);
  const auto I = random_factors(c.items, c.factors, c.seed + 2);
  TopNParams p;
  p.n = c.n;
  p.exclude_seen = c.exclude_seen;
  p.memory_budget = c.budget;
  const CsrView sv = seen.view();
  const CsrView* sp = c.exclude_seen ? &sv : nullptr;
  const FactorsView cf{C.data(), c.customers, c.factors};
  const FactorsView itf{I.data(), c.items, c.factors};
  const TopNResult gpu = tailor::testing::cuda_backend().topn(cf, itf, sp, p);
  const TopNResult cpu = cpu_topn(cf, itf, sp, p, cpu_threads());
  expect_topn_agrees(gpu, cpu, C, I, c.customers, c.items, c.factors, sp, p);
}

constexpr std::size_t kDefaultBudget = std::size_t{1} << 30;

TEST(CudaTopN, NEqualsOne) {
  TAILOR_REQUIRE_GPU();
  run_topn_case({97, 1000, 32, 1, true, kDefaultBudget, 501});
}

TEST(CudaTopN, NEqualsItemCount) {
  TAILOR_REQUIRE_GPU();
  run_topn_case({64, 77, 16, 77, true, kDefaultBudget, 502});
  run_topn_case({64, 77, 16, 77, false, kDefaultBudget, 503});
}

TEST(CudaTopN, ItemsNotAMultipleOf32) {
  TAILOR_REQUIRE_GPU();
  for (std::int64_t items : {1, 31, 33, 333, 1025})
    run_topn_case(
        {50, items, 8, 20, true, kDefaultBudget, 5000 + static_cast<std::uint64_t>(items)});
}

TEST(CudaTopN, ExcludeSeenFalse) {
  TAILOR_REQUIRE_GPU();
  run_topn_case({40, 500, 24, 10, false, kDefaultBudget, 505});
}

TEST(CudaTopN, TinyBudgetForcesManyBatches) {
  TAILOR_REQUIRE_GPU();
  // About 8 KiB of tile and sort buffers per customer: a few customers per batch, ~100 batches.
  run_topn_case({300, 500, 12, 15, true, std::size_t{32} << 10, 506});
  run_topn_case({300, 500, 12, 15, false, std::size_t{32} << 10, 507});
}

TEST(CudaTopN, BudgetTooSmallForOneCustomerThrows) {
  TAILOR_REQUIRE_GPU();
  const auto C = random_factors(4, 8, 1);
  const auto I = random_factors(1000, 8, 2);
  TopNParams p;
  p.exclude_seen = false;
  p.memory_budget = 1000;  // one customer needs 16 bytes per item
  EXPECT_THROW((void)tailor::testing::cuda_backend().topn({C.data(), 4, 8}, {I.data(), 1000, 8}, nullptr, p),
               std::runtime_error);
  p.memory_budget = kDefaultBudget;
  p.n = 0;
  EXPECT_THROW((void)tailor::testing::cuda_backend().topn({C.data(), 4, 8}, {I.data(), 1000, 8}, nullptr, p),
               std::invalid_argument);
  p.n = kMaxTopN + 1;
  EXPECT_THROW((void)tailor::testing::cuda_backend().topn({C.data(), 4, 8}, {I.data(), 1000, 8}, nullptr, p),
               std::invalid_argument);
  p.n = 5;
  p.exclude_seen = true;  // without the interaction matrix
  EXPECT_THROW((void)tailor::testing::cuda_backend().topn({C.data(), 4, 8}, {I.data(), 1000, 8}, nullptr, p),
               std::invalid_argument);
}

TEST(CudaTopN, EveryItemExcluded) {
  TAILOR_REQUIRE_GPU();
  const std::int64_t customers = 12;
  const std::int64_t items = 45;
  const int k = 6;
  // Customers 0 and 5 have bought everything, customer 7 all but item 44, the rest item 3 only.
  std::vector<std::uint32_t> r, c;
  for (std::uint32_t u = 0; u < customers; ++u) {
    const auto upto =
        static_cast<std::uint32_t>((u == 0 || u == 5) ? items : (u == 7 ? items - 1 : 0));
    for (std::uint32_t i = 0; i < upto; ++i) {
      r.push_back(u);
      c.push_back(i);
    }
    if (upto == 0) {
      r.push_back(u);
      c.push_back(3);
    }
  }
  const Csr seen = build_csr(customers, items, r.data(), c.data(), nullptr,
                             static_cast<std::int64_t>(r.size()), 1);
  const auto C = random_factors(customers, k, 601);
  const auto I = random_factors(items, k, 602);
  TopNParams p;
  p.n = 10;
  const CsrView sv = seen.view();
  const FactorsView cf{C.data(), customers, k};
  const FactorsView itf{I.data(), items, k};
  const TopNResult gpu = tailor::testing::cuda_backend().topn(cf, itf, &sv, p);
  const TopNResult cpu = cpu_topn(cf, itf, &sv, p, cpu_threads());
  expect_topn_agrees(gpu, cpu, C, I, customers, items, k, &sv, p);
  ASSERT_EQ(gpu.customers(), customers);
  EXPECT_EQ(gpu.offsets[1] - gpu.offsets[0], 0);
  EXPECT_EQ(gpu.offsets[6] - gpu.offsets[5], 0);
  ASSERT_EQ(gpu.offsets[8] - gpu.offsets[7], 1);
  EXPECT_EQ(gpu.items[static_cast<std::size_t>(gpu.offsets[7])], 44u);
  EXPECT_EQ(gpu.short_lists, 3);
}

TEST(CudaTopN, TiesFollowItemOrder) {
  TAILOR_REQUIRE_GPU();
  // Small integer factors make every score exact in fp32, so ties are exact on both backends.
  // Items come in groups of identical rows; customer 0 is all zeros, so every score is +0.0 or
  // -0.0 (0 * negative), which must tie.
  const std::int64_t customers = 20;
  const std::int64_t items = 150;
  const int k = 5;
  std::vector<float> C(static_cast<std::size_t>(customers) * k);
  std::vector<float> I(static_cast<std::size_t>(items) * k);
  for (std::size_t i = 0; i < C.size(); ++i)
    C[i] = static_cast<float>(static_cast<int>(i * 7 % 5) - 2);
  for (int f = 0; f < k; ++f) C[static_cast<std::size_t>(f)] = 0.0f;
  for (std::int64_t i = 0; i < items; ++i)
    for (int f = 0; f < k; ++f)
      I[static_cast<std::size_t>(i * k + f)] =
          static_cast<float>(static_cast<int>((i / 10 * 3 + f) % 5) - 2);
  const Csr seen = random_csr(customers, items, 10, 701);
  const CsrView sv = seen.view();
  const FactorsView cf{C.data(), customers, k};
  const FactorsView itf{I.data(), items, k};
  for (bool exclude : {true, false}) {
    SCOPED_TRACE(exclude ? "exclude_seen" : "keep seen");
    TopNParams p;
    p.n = 37;
    p.exclude_seen = exclude;
    const TopNResult gpu = tailor::testing::cuda_backend().topn(cf, itf, exclude ? &sv : nullptr, p);
    const TopNResult cpu = cpu_topn(cf, itf, exclude ? &sv : nullptr, p, cpu_threads());
    expect_topn_agrees(gpu, cpu, C, I, customers, items, k, exclude ? &sv : nullptr, p);
    // Exact scores: the lists must be identical, not merely tie-equivalent.
    EXPECT_EQ(gpu.items, cpu.items);
    // The zero customer: the first eligible items in index order, every score +0.0.
    std::vector<std::uint32_t> expected;
    for (std::uint32_t i = 0; i < items && expected.size() < static_cast<std::size_t>(p.n); ++i) {
      bool is_seen = false;
      for (std::int64_t e = sv.indptr[0]; e < sv.indptr[1]; ++e) is_seen |= sv.indices[e] == i;
      if (!exclude || !is_seen) expected.push_back(i);
    }
    const std::vector<std::uint32_t> got(gpu.items.begin(), gpu.items.begin() + gpu.offsets[1]);
    EXPECT_EQ(got, expected);
    for (std::int64_t j = 0; j < gpu.offsets[1]; ++j) {
      EXPECT_EQ(gpu.scores[static_cast<std::size_t>(j)], 0.0f);
      EXPECT_FALSE(std::signbit(gpu.scores[static_cast<std::size_t>(j)]));
    }
  }
}

TEST(CudaTopN, SlicedInteractionMatrix) {
  TAILOR_REQUIRE_GPU();
  // Rows [10, 60) of a larger problem: the seen view's indptr does not start at 0.
  const std::int64_t all = 80, items = 300;
  const int k = 16;
  const Csr seen = random_csr(all, items, 50, 801, 280);
  const auto C = random_factors(all, k, 802);
  const auto I = random_factors(items, k, 803);
  const CsrView sv = seen.view().slice(10, 60);
  ASSERT_NE(sv.indptr[0], 0);
  TopNParams p;
  p.n = 25;
  const FactorsView cf{C.data() + 10 * k, 50, k};
  const FactorsView itf{I.data(), items, k};
  const TopNResult gpu = tailor::testing::cuda_backend().topn(cf, itf, &sv, p);
  const TopNResult cpu = cpu_topn(cf, itf, &sv, p, cpu_threads());
  const std::vector<float> Cs(C.begin() + 10 * k, C.begin() + 60 * k);
  expect_topn_agrees(gpu, cpu, Cs, I, 50, items, k, &sv, p);
}

// Ten times more customers in one batch than mask blocks fit on the device.
TEST(CudaTopN, BatchFarBeyondTheResidentGrid) {
  TAILOR_REQUIRE_GPU();
  run_topn_case({blocks_past_resident(), 64, 8, 10, true, kDefaultBudget, 1301});
}

TEST(CudaTopN, NoCustomers) {
  TAILOR_REQUIRE_GPU();
  const auto I = random_factors(10, 4, 901);
  TopNParams p;
  p.exclude_seen = false;
  const TopNResult r = tailor::testing::cuda_backend().topn({nullptr, 0, 4}, {I.data(), 10, 4}, nullptr, p);
  EXPECT_EQ(r.customers(), 0);
  EXPECT_TRUE(r.items.empty());
}

// ---- ranking metrics ------------------------------------------------------------------------------

// Random lists (some empty, some longer than the largest cutoff, some items repeated across
// customers) and random relevant rows (1 .. 40 items, never empty) over `items` items.
struct MetricsProblem {
  TopNResult lists;
  Csr relevant;
};

MetricsProblem random_metrics_problem(std::int64_t customers, std::int64_t items, int max_len,
                                      std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  MetricsProblem p;
  p.lists.offsets.push_back(0);
  std::vector<std::uint32_t> r, c;
  std::vector<std::uint32_t> all(static_cast<std::size_t>(items));
  for (std::int64_t i = 0; i < items; ++i) all[i] = static_cast<std::uint32_t>(i);
  for (std::int64_t u = 0; u < customers; ++u) {
    std::shuffle(all.begin(), all.end(), rng);
    const auto len = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(max_len + 1));
    for (std::int64_t j = 0; j < std::min(len, items); ++j) {
      p.lists.items.push_back(all[j]);
      p.lists.scores.push_back(static_cast<float>(-j));
    }
    p.lists.offsets.push_back(static_cast<std::int64_t>(p.lists.items.size()));
    // Relevant items drawn mostly from the head of the list so that hits are common.
    const auto nrel = static_cast<std::int64_t>(1 + rng() % 40);
    std::set<std::uint32_t> rel;
    while (static_cast<std::int64_t>(rel.size()) < std::min(nrel, items))
      rel.insert(rng() % 2 == 0 ? all[rng() % static_cast<std::uint64_t>(std::min<std::int64_t>(
                                                 items, std::max<std::int64_t>(len, 1)))]
                                : static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(items)));
    for (const auto i : rel) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(i);
    }
  }
  p.relevant = build_csr(customers, items, r.data(), c.data(), nullptr,
                         static_cast<std::int64_t>(r.size()), 1);
  return p;
}

TEST(CudaRankingMetrics, MatchesCpuOnRandomLists) {
  TAILOR_REQUIRE_GPU();
  struct Shape {
    std::int64_t customers;
    std::int64_t items;
    int max_len;
    std::vector<int> ks;
    std::uint64_t seed;
  };
  const std::vector<Shape> shapes = {
      {1, 10, 5, {1, 10}, 1101},
      {257, 500, 50, {1, 5, 10, 20, 50, 100}, 1102},
      {5000, 3000, 200, {10, 3, 200, 1000}, 1103},
      {1000, 40, 40, {7, 7, 1}, 1104},
  };
  for (const Shape& s : shapes) {
    const std::string label = "customers=" + std::to_string(s.customers) +
                              " items=" + std::to_string(s.items) +
                              " max_len=" + std::to_string(s.max_len) +
                              " seed=" + std::to_string(s.seed);
    SCOPED_TRACE(label);
    std::printf("ranking metrics case %s\n", label.c_str());
    const MetricsProblem p = random_metrics_problem(s.customers, s.items, s.max_len, s.seed);
    const auto gpu = tailor::testing::cuda_backend().ranking_metrics(p.lists, p.relevant.view(), s.ks);
    const auto cpu = cpu_ranking_metrics(p.lists, p.relevant.view(), s.ks, cpu_threads());
    // Both sum in double in the same order; only the last float rounding may differ.
    EXPECT_TRUE(all_close(gpu, cpu, static_cast<int>(s.ks.size()) * kRankingMetricCount, 1e-6,
                          1e-6));
  }
}

// Ten times more customers than threads fit on the device (one thread per customer).
TEST(CudaRankingMetrics, CustomersFarBeyondTheResidentThreads) {
  TAILOR_REQUIRE_GPU();
  const std::int64_t customers = threads_past_resident();
  const MetricsProblem p = random_metrics_problem(customers, 30, 10, 1105);
  const std::vector<int> ks = {1, 5, 10};
  const auto gpu = tailor::testing::cuda_backend().ranking_metrics(p.lists, p.relevant.view(), ks);
  const auto cpu = cpu_ranking_metrics(p.lists, p.relevant.view(), ks, cpu_threads());
  EXPECT_TRUE(all_close(gpu, cpu, static_cast<int>(ks.size()) * kRankingMetricCount, 1e-6, 1e-6));
}

TEST(CudaRankingMetrics, SlicedRelevantRowsAndNoCustomers) {
  TAILOR_REQUIRE_GPU();
  const MetricsProblem all = random_metrics_problem(300, 200, 30, 1201);
  // Lists of customers [100, 250) against the matching slice of the relevant matrix, whose
  // indptr does not start at 0.
  TopNResult part;
  part.offsets.push_back(0);
  for (std::int64_t u = 100; u < 250; ++u) {
    for (std::int64_t e = all.lists.offsets[u]; e < all.lists.offsets[u + 1]; ++e) {
      part.items.push_back(all.lists.items[e]);
      part.scores.push_back(all.lists.scores[e]);
    }
    part.offsets.push_back(static_cast<std::int64_t>(part.items.size()));
  }
  const CsrView sliced = all.relevant.view().slice(100, 250);
  ASSERT_NE(sliced.indptr[0], 0);
  const std::vector<int> ks = {1, 10, 25};
  EXPECT_TRUE(all_close(tailor::testing::cuda_backend().ranking_metrics(part, sliced, ks),
                        cpu_ranking_metrics(part, sliced, ks, cpu_threads()),
                        static_cast<int>(ks.size()) * kRankingMetricCount, 1e-6, 1e-6));

  TopNResult none;
  none.offsets.push_back(0);
  const Csr empty = build_csr(0, 10, nullptr, nullptr, nullptr, 0, 1);
  EXPECT_TRUE(tailor::testing::cuda_backend().ranking_metrics(none, empty.view(), ks).empty());
  // The same argument checks as the CPU backend.
  const std::vector<int> bad_ks = {0};
  EXPECT_THROW((void)tailor::testing::cuda_backend().ranking_metrics(part, sliced, bad_ks), std::invalid_argument);
  EXPECT_THROW((void)tailor::testing::cuda_backend().ranking_metrics(none, sliced, ks), std::invalid_argument);
}

// ---- the Scorer campaigns use ----------------------------------------------------------------

// Score rows of a block of customers from `scorer`, as the campaign reads them (row r at
// r * stride()).
std::vector<float> scored_rows(const Scorer& scorer, const std::vector<float>& x, int rows) {
  HostRows out = scorer.rows();
  scorer.score(x.data(), rows, out.data());
  std::vector<float> dense(static_cast<std::size_t>(rows) * scorer.items());
  for (int r = 0; r < rows; ++r)
    std::copy_n(out.data() + static_cast<std::size_t>(r) * scorer.stride(), scorer.items(),
                dense.begin() + static_cast<std::ptrdiff_t>(r) * scorer.items());
  return dense;
}

// The CUDA scorer's rows equal the CPU scorer's to float rounding, over awkward shapes (one
// item, items not a multiple of 32, k = 1 and k above 128, one customer and a full block).
TEST(CudaScorer, RowsMatchTheCpuScorer) {
  TAILOR_REQUIRE_GPU();
  for (const auto& [items, k] : std::vector<std::pair<int, int>>{
           {1, 1}, {33, 3}, {1000, 64}, {257, 130}, {4099, 17}}) {
    SCOPED_TRACE(::testing::Message() << items << " items, k = " << k);
    const auto y = random_factors(items, k, 11 + items);
    const FactorsView iv{y.data(), items, k};
    const auto gpu = tailor::testing::cuda_backend().scorer(iv);
    const CpuScorer cpu(iv, cpu_threads());
    ASSERT_EQ(gpu->items(), items);
    ASSERT_GE(gpu->stride(), items);
    for (const int rows : {1, 7, gpu->block_rows()}) {
      const auto x = random_factors(rows, k, 5 + rows);
      const double scale = max_abs(x) * max_abs(y) * k;
      EXPECT_TRUE(all_close(scored_rows(*gpu, x, std::min(rows, gpu->block_rows())),
                            scored_rows(cpu, x, std::min(rows, cpu.block_rows())), items,
                            1e-6 * scale, 1e-5))
          << rows << " rows";
      if (rows > cpu.block_rows()) break;  // the CPU reference takes smaller blocks
    }
  }
}

// Campaign threads call score() at once; the rows each gets are its own customers'.
TEST(CudaScorer, ConcurrentCallsKeepTheirRows) {
  TAILOR_REQUIRE_GPU();
  const int items = 500, k = 32, rows = 16, callers = 8;
  const auto y = random_factors(items, k, 3);
  const FactorsView iv{y.data(), items, k};
  const auto gpu = tailor::testing::cuda_backend().scorer(iv);
  const CpuScorer cpu(iv, 1);
  std::vector<std::vector<float>> x(callers), got(callers);
  for (int t = 0; t < callers; ++t) x[t] = random_factors(rows, k, 100 + t);
  std::vector<std::thread> threads;
  for (int t = 0; t < callers; ++t)
    threads.emplace_back([&, t] { got[t] = scored_rows(*gpu, x[t], rows); });
  for (auto& th : threads) th.join();
  for (int t = 0; t < callers; ++t)
    EXPECT_TRUE(all_close(got[t], scored_rows(cpu, x[t], rows), items, 1e-5, 1e-5)) << t;
}

TEST(CudaScorer, RefusesMoreRowsThanABlock) {
  TAILOR_REQUIRE_GPU();
  const auto y = random_factors(10, 4, 1);
  const auto gpu = tailor::testing::cuda_backend().scorer({y.data(), 10, 4});
  const auto x = random_factors(gpu->block_rows() + 1, 4, 2);
  HostRows out = gpu->rows();
  EXPECT_THROW(gpu->score(x.data(), gpu->block_rows() + 1, out.data()), std::invalid_argument);
}

}  // namespace
}  // namespace tailor
