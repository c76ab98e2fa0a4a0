// Google Benchmark for the CPU kernels: one iALS half-step (solve_customers) and cpu_topn, on
// synthetic interaction matrices (tests/test_util.hpp's random_csr: a tenth of the rows empty,
// one heavy row, weights 0.1 .. 50).
//
//   bench_kernels_cpu [--benchmark_filter=...]     TAILOR_CPU_ISA=baseline: the SSE2 copy
//
// Counters (all per second of wall time, threads included):
//   GFLOP/s   floating-point operations of the algorithm as written (below), not of a dense solve;
//   rows/s    rows solved (half-step) or customers scored (top-N);
//   bytes/s   the data the call must read or write at least once (factors, interactions,
//             results); the kernels re-read factors from cache many times more than this.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/cpu/isa.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace {

using tailor::Csr;

// random_csr rows hold 1..max_per_row items (a tenth hold none): max_per_row = 2 * mean / 0.9 - 1
// gives the mean asked for.
int max_per_row_for_mean(int mean) { return static_cast<int>(2.0 * mean / 0.9) - 1; }

struct Problem {
  Csr ci, ic;
};

// Built once per shape and kept: generating 1M+ interactions takes longer than the kernels.
const Problem& problem(std::int64_t customers, std::int64_t items, int mean_per_row) {
  static std::map<std::tuple<std::int64_t, std::int64_t, int>, std::unique_ptr<Problem>> cache;
  auto& slot = cache[{customers, items, mean_per_row}];
  if (!slot) {
    slot = std::make_unique<Problem>();
    slot->ci = tailor::testing::random_csr(customers, items, max_per_row_for_mean(mean_per_row),
                                           12345, items / 4);
    slot->ic = tailor::transpose(slot->ci, omp_get_max_threads());
  }
  return *slot;
}

std::string shape_label(std::int64_t customers, std::int64_t items, std::int64_t nnz, int k,
                        int threads) {
  return std::to_string(customers) + "x" + std::to_string(items) + " nnz=" + std::to_string(nnz) +
         " k=" + std::to_string(k) + " threads=" + std::to_string(threads) + " " +
         tailor::cpu::isa_name(tailor::cpu::active_isa());
}

// Arguments: customers, items, mean interactions per customer, factors, threads.
void BM_IalsHalfStep(benchmark::State& state) {
  const std::int64_t customers = state.range(0), items = state.range(1);
  const int mean = static_cast<int>(state.range(2));
  const int k = static_cast<int>(state.range(3));
  const int threads = static_cast<int>(state.range(4));
  const Problem& pr = problem(customers, items, mean);
  tailor::IalsParams params;
  params.factors = k;
  params.cg_steps = 3;
  auto engine = tailor::make_cpu_ials(pr.ci.view(), pr.ic.view(), params, threads);
  engine->set_factors(tailor::testing::random_factors(customers, k, 1, 0.1f),
                      tailor::testing::random_factors(items, k, 2, 0.1f));
  engine->solve_customers();  // warm-up: first touch of every buffer

  for (auto _ : state) engine->solve_customers();

  // Per row: cg_steps + 1 products with A (the first forms r = b - A x), each 2k^2 for the Gram
  // part and 4k per interaction (a dot and an axpy); each CG step adds about 10k in vector
  // updates. The Gram Y^T Y: items x k (k + 1) (upper triangle).
  const double kd = k, nnz = static_cast<double>(pr.ci.nnz()), rows = static_cast<double>(customers);
  const double steps = params.cg_steps;
  const double flops = (steps + 1) * (rows * 2 * kd * kd + nnz * 4 * kd) + steps * rows * 10 * kd +
                       static_cast<double>(items) * kd * (kd + 1);
  const double bytes = nnz * (4 + 8)                         // indices, c and c - 1
                       + rows * kd * 4 * 2                   // X read and written
                       + static_cast<double>(items) * kd * 4;  // Y
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows/s"] = benchmark::Counter(rows, benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.SetItemsProcessed(customers * state.iterations());
  state.SetLabel(shape_label(customers, items, pr.ci.nnz(), k, threads));
}

// Arguments: customers, items, mean interactions per customer, factors, n, threads.
void BM_TopN(benchmark::State& state) {
  const std::int64_t customers = state.range(0), items = state.range(1);
  const int mean = static_cast<int>(state.range(2));
  const int k = static_cast<int>(state.range(3));
  const int n = static_cast<int>(state.range(4));
  const int threads = static_cast<int>(state.range(5));
  const Problem& pr = problem(customers, items, mean);
  const std::vector<float> X = tailor::testing::random_factors(customers, k, 3);
  const std::vector<float> Y = tailor::testing::random_factors(items, k, 4);
  const tailor::CsrView seen = pr.ci.view();
  tailor::TopNParams params;
  params.n = n;
  params.exclude_seen = true;

  for (auto _ : state) {
    tailor::TopNResult r = tailor::cpu_topn({X.data(), customers, k}, {Y.data(), items, k},
                                            &seen, params, threads);
    benchmark::DoNotOptimize(r.items.data());
  }

  const double flops = 2.0 * static_cast<double>(customers) * static_cast<double>(items) * k;
  const double bytes = static_cast<double>(customers + items) * k * 4  // factors
                       + static_cast<double>(pr.ci.nnz()) * 4             // seen items
                       + static_cast<double>(customers) * n * 8;          // lists
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(customers), benchmark::Counter::kIsIterationInvariantRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
  state.SetItemsProcessed(customers * items * state.iterations());  // scores
  state.SetLabel(shape_label(customers, items, pr.ci.nnz(), k, threads) + " n=" +
                 std::to_string(n));
}

// Online Retail's shape (4.3k customers x 3.7k items, ~63 interactions per customer) and a larger
// synthetic catalogue; k = 64 and 128; 2 threads (the benchmark machine's cores) and 1.
BENCHMARK(BM_IalsHalfStep)
    ->ArgNames({"customers", "items", "per_row", "k", "threads"})
    ->Args({4300, 3700, 63, 64, 2})
    ->Args({20000, 10000, 60, 64, 1})
    ->Args({20000, 10000, 60, 64, 2})
    ->Args({20000, 10000, 60, 128, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_TopN)
    ->ArgNames({"customers", "items", "per_row", "k", "n", "threads"})
    ->Args({4300, 3700, 63, 64, 20, 2})
    ->Args({20000, 10000, 60, 64, 20, 1})
    ->Args({20000, 10000, 60, 64, 20, 2})
    ->Args({20000, 10000, 60, 128, 20, 2})
    ->Args({20000, 10000, 60, 64, 500, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
