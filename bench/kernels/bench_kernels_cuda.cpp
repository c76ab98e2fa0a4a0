// Google Benchmark of the CUDA backend on synthetic problems: one iALS half-step each way,
// top-N scoring of every customer against every item, and the item-item fits (EASE, item kNN);
// BM_Lastfm* run one full epoch and top-N at lastfm-360k's shape (scripts/gpu.sh runs those,
// --benchmark_filter=Lastfm).
//
// Timing: the interface functions return only when their device work is done (a half-step
// synchronises its stream; cuda_topn copies its lists back), so wall time per call measures the
// device work plus the small launch and copy overhead; hence UseRealTime() and no CUDA events
// (the stream is not visible through kernels/kernels.hpp). Problem setup happens outside the
// timed loop. Without a usable device every benchmark reports "no CUDA device" and skips.
//
// Counters: items_per_second counts rows solved (half-step) or customers scored (top-N);
// GFLOP/s is the useful arithmetic of the algorithm as written below, not what the kernels
// happen to execute; compare it with the device's fp32 peak (H100 SXM: about 67 TFLOP/s without
// tensor cores).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/item_item.hpp"
#include "kernels/kernels.hpp"
#include "test_util.hpp"

namespace {

using tailor::testing::random_csr;
using tailor::testing::random_factors;

int host_threads() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

bool skip_without_device(benchmark::State& state) {
  if (tailor::cuda_device_count() > 0) return false;
  state.SkipWithError("no CUDA device");
  return true;
}

// FLOPs of one half-step solving `rows` rows against `other` fixed rows with `nnz` stored
// interactions: the Gram product (2 other k^2), then cg_steps + 1 applications of A (one for the
// initial residual), each 2 k^2 per row for G v and 4 k per stored pair (dot product and axpy).
double half_step_flops(std::int64_t rows, std::int64_t other, std::int64_t nnz, int k,
                       int cg_steps) {
  const double kk = static_cast<double>(k) * k;
  return 2.0 * static_cast<double>(other) * kk +
         (cg_steps + 1) *
             (2.0 * static_cast<double>(rows) * kk + 4.0 * static_cast<double>(nnz) * k);
}

// A random customers x items problem (rows of 1..max_per_row items, one heavy row of 5000) on
// the CUDA iALS engine at k factors, 3 CG steps.
struct IalsBench {
  tailor::Csr ci, ic;
  tailor::IalsParams params;
  std::unique_ptr<tailor::IalsEngine> engine;
  IalsBench(std::int64_t customers, std::int64_t items, int k, int max_per_row)
      : ci(random_csr(customers, items, max_per_row, 7, 5000)),
        ic(tailor::transpose(ci, host_threads())) {
    params.factors = k;
    params.cg_steps = 3;
    engine = tailor::testing::cuda_backend().ials(ci.view(), ic.view(), params);
    engine->set_factors(random_factors(customers, k, 8, 0.1f), random_factors(items, k, 9, 0.1f));
  }
  [[nodiscard]] double epoch_flops() const {
    return half_step_flops(ci.rows, ci.cols, ci.nnz(), params.factors, params.cg_steps) +
           half_step_flops(ci.cols, ci.rows, ci.nnz(), params.factors, params.cg_steps);
  }
};

// Args: customers, items, factors, which side (0: solve_customers, 1: solve_items).
void BM_CudaHalfStep(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const std::int64_t customers = state.range(0);
  const std::int64_t items = state.range(1);
  const int k = static_cast<int>(state.range(2));
  const bool item_side = state.range(3) != 0;
  IalsBench b(customers, items, k, 64);
  auto& engine = b.engine;
  // Warm-up: first launches load modules and grow the stream-ordered memory pool.
  if (item_side)
    engine->solve_items();
  else
    engine->solve_customers();

  for (auto _ : state) {
    if (item_side)
      engine->solve_items();
    else
      engine->solve_customers();
  }
  const std::int64_t rows = item_side ? items : customers;
  const std::int64_t other = item_side ? customers : items;
  const tailor::Csr& ci = b.ci;
  const double flops = half_step_flops(rows, other, ci.nnz(), k, b.params.cg_steps);
  state.SetItemsProcessed(state.iterations() * rows);
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["nnz"] = static_cast<double>(ci.nnz());
  state.SetLabel(std::string(item_side ? "solve_items" : "solve_customers") + " " +
                 std::to_string(customers) + "x" + std::to_string(items) +
                 " k=" + std::to_string(k));
}

// Args: customers, items, factors, n.
void BM_CudaTopN(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const std::int64_t customers = state.range(0);
  const std::int64_t items = state.range(1);
  const int k = static_cast<int>(state.range(2));
  const tailor::Csr seen = random_csr(customers, items, 64, 11);
  const auto C = random_factors(customers, k, 12);
  const auto I = random_factors(items, k, 13);
  tailor::TopNParams p;
  p.n = static_cast<int>(state.range(3));
  const tailor::CsrView sv = seen.view();
  const tailor::FactorsView cf{C.data(), customers, k};
  const tailor::FactorsView itf{I.data(), items, k};
  benchmark::DoNotOptimize(tailor::testing::cuda_backend().topn(cf, itf, &sv, p));  // warm-up

  for (auto _ : state) {
    auto result = tailor::testing::cuda_backend().topn(cf, itf, &sv, p);
    benchmark::DoNotOptimize(result.items.data());
  }
  const double flops = 2.0 * static_cast<double>(customers) * static_cast<double>(items) * k;
  state.SetItemsProcessed(state.iterations() * customers);
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.SetLabel("top-" + std::to_string(p.n) + " " + std::to_string(customers) + "x" +
                 std::to_string(items) + " k=" + std::to_string(k));
}

// The item-item fits at an Online-Retail-like shape. Args: customers, items, model (0 EASE,
// 1 item kNN with bm25, K = 20). Counters: co-purchase pairs, the work both share.
void BM_CudaItemModelFit(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const tailor::Csr ci = random_csr(state.range(0), state.range(1), 60, 17);
  const tailor::Csr ic = tailor::transpose(ci, host_threads());
  const bool ease = state.range(2) == 0;
  tailor::ItemKnnParams knn;
  knn.weighting = tailor::KnnWeighting::bm25;
  const auto& backend = tailor::testing::cuda_backend();
  const auto fit = [&] {
    if (ease)
      benchmark::DoNotOptimize(backend.ease_weights(ci.view(), ic.view(), {}).b.data());
    else
      benchmark::DoNotOptimize(backend.item_neighbours(ci.view(), ic.view(), knn).indices.data());
  };
  fit();  // warm-up
  for (auto _ : state) fit();
  double pairs = 0.0;
  for (std::int64_t u = 0; u < ci.rows; ++u) {
    const auto len = static_cast<double>(ci.indptr[u + 1] - ci.indptr[u]);
    pairs += len * len;
  }
  state.counters["pairs/s"] = benchmark::Counter(pairs * static_cast<double>(state.iterations()),
                                                 benchmark::Counter::kIsRate);
  state.SetLabel(std::string(ease ? "EASE" : "item kNN bm25") + " fit " +
                 std::to_string(ci.rows) + "x" + std::to_string(ci.cols));
}

// lastfm-360k's shape: 358,868 listeners x 292,385 artists, about 17.5M pairs (~49 a listener),
// here random rows of 1..97 items (about 15.8M pairs).
constexpr std::int64_t kLastfmCustomers = 358'868;
constexpr std::int64_t kLastfmItems = 292'385;
constexpr int kLastfmMaxRow = 97;

// One full iALS epoch (customer then item half-step) at the lastfm shape. Arg: factors.
void BM_LastfmEpoch(benchmark::State& state) {
  if (skip_without_device(state)) return;
  const int k = static_cast<int>(state.range(0));
  IalsBench b(kLastfmCustomers, kLastfmItems, k, kLastfmMaxRow);
  b.engine->solve_customers();  // warm-up
  b.engine->solve_items();
  for (auto _ : state) {
    b.engine->solve_customers();
    b.engine->solve_items();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(
      b.epoch_flops() * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
  state.counters["nnz"] = static_cast<double>(b.ci.nnz());
  state.SetLabel("iALS epoch lastfm-shaped k=" + std::to_string(k));
}

BENCHMARK(BM_LastfmEpoch)
    ->Arg(64)
    ->Iterations(3)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_CudaHalfStep)
    ->ArgNames({"customers", "items", "k", "items_side"})
    ->Args({100000, 20000, 64, 0})
    ->Args({100000, 20000, 64, 1})
    ->Args({100000, 20000, 128, 0})
    ->Args({100000, 20000, 256, 0})
    ->Args({20000, 5000, 1000, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_CudaTopN)
    ->Name("BM_LastfmTopN")
    ->ArgNames({"customers", "items", "k", "n"})
    ->Args({10000, kLastfmItems, 64, 20})
    ->Iterations(3)
    ->Repetitions(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_CudaTopN)
    ->ArgNames({"customers", "items", "k", "n"})
    ->Args({20000, 20000, 64, 20})
    ->Args({20000, 20000, 128, 100})
    ->Args({5000, 100000, 64, 20})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK(BM_CudaItemModelFit)
    ->ArgNames({"customers", "items", "model"})
    ->Args({5000, 4000, 0})
    ->Args({5000, 4000, 1})
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
