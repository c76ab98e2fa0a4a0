// Sharded CPU iALS (make_cpu_ials_shard) against the one-process engine: ranks run as threads of
// this process with an in-memory exchange, each holding only its own rows of both matrices, and
// the factors and objective after every epoch must be the one-process ones bit for bit, for
// even and uneven shards (a rank without customers, a rank without items, one huge item).
#include <gtest/gtest.h>

#include <barrier>
#include <cstring>
#include <thread>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::random_csr;
using testing::random_factors;

// The exchange of ranks that are threads: blocks and sums pass through shared buffers between
// barriers; sums add rank by rank, in rank order.
class ThreadExchange final : public IalsExchange {
 public:
  struct Shared {
    explicit Shared(int ranks) : ranks(ranks), sync(ranks), slots(static_cast<std::size_t>(ranks)) {}
    int ranks;
    std::barrier<> sync;
    std::vector<float> rows;
    std::vector<std::vector<double>> slots;
  };
  ThreadExchange(Shared& shared, int rank) : s_(shared), rank_(rank) {}
  [[nodiscard]] int rank() const override { return rank_; }
  [[nodiscard]] int ranks() const override { return s_.ranks; }

  void share_rows(float* F, std::span<const std::int64_t> starts, int width) override {
    const auto w = static_cast<std::size_t>(width);
    if (rank_ == 0) s_.rows.assign(static_cast<std::size_t>(starts.back()) * w, 0.0f);
    s_.sync.arrive_and_wait();
    const auto b = static_cast<std::size_t>(starts[rank_]) * w;
    const auto e = static_cast<std::size_t>(starts[rank_ + 1]) * w;
    std::copy(F + b, F + e, s_.rows.begin() + static_cast<std::ptrdiff_t>(b));
    s_.sync.arrive_and_wait();
    std::copy(s_.rows.begin(), s_.rows.end(), F);
    s_.sync.arrive_and_wait();
  }

  void sum(std::span<double> v) override {
    s_.slots[rank_].assign(v.begin(), v.end());
    s_.sync.arrive_and_wait();
    for (std::size_t j = 0; j < v.size(); ++j) {
      double total = 0.0;
      for (const auto& slot : s_.slots) total += slot[j];
      v[j] = total;
    }
    s_.sync.arrive_and_wait();
  }

 private:
  Shared& s_;
  int rank_;
};

// Rows [b, e) of m as a matrix of their own (columns unchanged).
Csr rows_of(const Csr& m, std::int64_t b, std::int64_t e) {
  Csr out;
  out.rows = e - b;
  out.cols = m.cols;
  for (std::int64_t r = b; r <= e; ++r) out.indptr.push_back(m.indptr[r] - m.indptr[b]);
  out.indices.assign(m.indices.begin() + m.indptr[b], m.indices.begin() + m.indptr[e]);
  out.data.assign(m.data.begin() + m.indptr[b], m.data.begin() + m.indptr[e]);
  return out;
}

struct Epochs {
  std::vector<std::vector<float>> X, Y;  // after each epoch
  std::vector<double> objective;
};

Epochs one_process(const Csr& ci, const Csr& ic, const IalsParams& p, const std::vector<float>& X0,
                const std::vector<float>& Y0, int epochs) {
  auto e = make_cpu_ials(ci.view(), ic.view(), p, 2);
  e->set_factors(X0, Y0);
  Epochs run;
  for (int t = 0; t < epochs; ++t) {
    e->solve_customers();
    e->solve_items();
    run.X.emplace_back(X0.size());
    run.Y.emplace_back(Y0.size());
    e->get_factors(run.X.back(), run.Y.back());
    run.objective.push_back(e->objective().total);
  }
  return run;
}

// Every rank's run (they must agree with each other too).
std::vector<Epochs> sharded(const Csr& ci, const Csr& ic, const IalsParams& p,
                         const std::vector<float>& X0, const std::vector<float>& Y0, int epochs,
                         const std::vector<std::int64_t>& cs, const std::vector<std::int64_t>& is) {
  const int ranks = static_cast<int>(cs.size()) - 1;
  ThreadExchange::Shared shared(ranks);
  std::vector<Epochs> runs(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  for (int r = 0; r < ranks; ++r)
    threads.emplace_back([&, r] {
      ThreadExchange ex(shared, r);
      const Csr my_ci = rows_of(ci, cs[r], cs[r + 1]), my_ic = rows_of(ic, is[r], is[r + 1]);
      auto e = make_cpu_ials_shard(my_ci.view(), my_ic.view(), p, 1, IalsShard{cs, is, &ex});
      e->set_factors(X0, Y0);
      for (int t = 0; t < epochs; ++t) {
        e->solve_customers();
        e->solve_items();
        runs[r].X.emplace_back(X0.size());
        runs[r].Y.emplace_back(Y0.size());
        e->get_factors(runs[r].X.back(), runs[r].Y.back());
        runs[r].objective.push_back(e->objective().total);
      }
    });
  for (auto& t : threads) t.join();
  return runs;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

struct ShardCase {
  const char* name;
  std::int64_t customers, items, heavy;
  int k;
  ConfidenceScaling scaling;
  std::vector<std::int64_t> customer_starts, item_starts;
};

class IalsShardTest : public ::testing::TestWithParam<ShardCase> {};

TEST_P(IalsShardTest, FactorsAndObjectiveAreTheOneProcessOnesBitForBit) {
  const ShardCase& c = GetParam();
  const Csr ci = random_csr(c.customers, c.items, 9, 17, c.heavy);
  const Csr ic = transpose(ci, 2);
  IalsParams p;
  p.factors = c.k;
  p.alpha = 3.0f;
  p.scaling = c.scaling;
  const auto X0 = random_factors(c.customers, c.k, 1, 0.01f);
  const auto Y0 = random_factors(c.items, c.k, 2, 0.01f);
  const Epochs want = one_process(ci, ic, p, X0, Y0, 3);
  const std::vector<Epochs> got = sharded(ci, ic, p, X0, Y0, 3, c.customer_starts, c.item_starts);
  for (std::size_t r = 0; r < got.size(); ++r)
    for (int t = 0; t < 3; ++t) {
      EXPECT_TRUE(same_bits(got[r].X[t], want.X[t])) << c.name << ": rank " << r << " epoch " << t;
      EXPECT_TRUE(same_bits(got[r].Y[t], want.Y[t])) << c.name << ": rank " << r << " epoch " << t;
      EXPECT_EQ(got[r].objective[t], want.objective[t]) << c.name << ": rank " << r;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Shards, IalsShardTest,
    ::testing::Values(
        ShardCase{"even", 700, 90, 0, 16, ConfidenceScaling::linear, {0, 256, 512, 700}, {0, 30, 60, 90}},
        ShardCase{"rank without customers, one huge item, log confidence", 600, 77, 70, 33,
                  ConfidenceScaling::log, {0, 512, 512, 600}, {0, 1, 1, 77}},
        ShardCase{"two ranks, k above one Gram tile", 300, 41, 0, 40, ConfidenceScaling::linear,
                  {0, 256, 300}, {0, 40, 41}},
        ShardCase{"one rank with everything of four", 200, 50, 0, 8, ConfidenceScaling::linear,
                  {0, 200, 200, 200, 200}, {0, 0, 0, 0, 50}}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(IalsShard, RefusesBlocksThatDoNotFit) {
  const Csr ci = random_csr(300, 20, 4, 3);
  const Csr ic = transpose(ci, 1);
  ThreadExchange::Shared shared(2);
  ThreadExchange ex(shared, 0);
  IalsParams p;
  p.factors = 4;
  const Csr mine = rows_of(ci, 0, 100);
  EXPECT_THROW(make_cpu_ials_shard(mine.view(), ic.view(), p, 1,
                                   IalsShard{{0, 100, 300}, {0, 10, 20}, &ex}),
               std::invalid_argument);  // 100 is not a multiple of the customer block
  EXPECT_THROW(make_cpu_ials_shard(mine.view(), ic.view(), p, 1,
                                   IalsShard{{0, 300}, {0, 20}, &ex}),
               std::invalid_argument);  // one block for two ranks
}

}  // namespace
}  // namespace tailor
