// Google Benchmark for the campaign stage (build_campaign) on generated retail data: item
// categories and prices from `tailor generate`'s model, a random model (the stage does not
// depend on how the factors were trained), recipe repeat 2 / discovery 1 / model 7, at most 3
// items per category, 10% control.
//
//   bench_campaign [--benchmark_filter=...]
//
// Counters: customers/s (lists built per second of wall time) and GFLOP/s of the scoring part
// (2 x customers x items x k; the rules, selection, reasons, tiers and due dates are extra work
// on top, so this is a lower bound on what the scorer itself runs at).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "host/campaign/campaign.hpp"
#include "host/data/dataset.hpp"
#include "host/data/generate.hpp"
#include "test_util.hpp"

namespace {

struct Shop {
  std::unique_ptr<tailor::testing::TempDir> dir;
  tailor::Dataset data;
  tailor::InteractionMatrices m;
};

const Shop& shop(std::int64_t customers, std::int64_t items) {
  static std::map<std::tuple<std::int64_t, std::int64_t>, std::unique_ptr<Shop>> cache;
  auto& slot = cache[{customers, items}];
  if (!slot) {
    slot = std::make_unique<Shop>();
    slot->dir = std::make_unique<tailor::testing::TempDir>();
    tailor::GenerateSpec spec = tailor::generate_preset("online-retail-shape");
    spec.customers = customers;
    spec.items = items;
    spec.interactions = customers * 60;
    spec.categories = 100;
    tailor::GenerateOptions options;
    options.threads = omp_get_max_threads();
    const auto path = *slot->dir / "shop.h5";
    tailor::generate(path, spec, options);
    slot->data = tailor::load_dataset(path, tailor::LoadOptions{});
    slot->m = tailor::build_matrices(slot->data, omp_get_max_threads());
  }
  return *slot;
}

// Arguments: customers, items, factors, threads.
void BM_Campaign(benchmark::State& state) {
  const std::int64_t customers = state.range(0), items = state.range(1);
  const int k = static_cast<int>(state.range(2));
  const int threads = static_cast<int>(state.range(3));
  const tailor::Backend backend = tailor::Backend::cpu({threads});
  const Shop& s = shop(customers, items);
  tailor::Model model;
  model.params.factors = k;
  model.customer_ids = s.data.customer_ids;
  model.item_ids = s.data.item_ids;
  model.customer_factors = tailor::testing::random_factors(customers, k, 3);
  model.item_factors = tailor::testing::random_factors(items, k, 4);
  tailor::CampaignConfig config;
  config.recipe.count[0] = 2;
  config.recipe.count[1] = 1;
  config.recipe.count[2] = 7;
  config.max_per_category = 3;
  config.control_fraction = 0.1;

  std::int64_t lists = 0;
  for (auto _ : state) {
    tailor::Campaign c = tailor::build_campaign(model, s.data, s.m, config, backend);
    lists = c.stats.lists;
    benchmark::DoNotOptimize(c.lists.data());
  }
  const double flops = 2.0 * static_cast<double>(customers) * static_cast<double>(items) * k;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["customers/s"] = benchmark::Counter(static_cast<double>(lists),
                                                     benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(customers) + "x" + std::to_string(items) + " rows=" +
                 std::to_string(s.data.log.size()) + " k=" + std::to_string(k) +
                 " threads=" + std::to_string(threads));
}

BENCHMARK(BM_Campaign)
    ->ArgNames({"customers", "items", "k", "threads"})
    ->Args({4300, 3700, 64, 2})
    ->Args({20000, 10000, 64, 1})
    ->Args({20000, 10000, 64, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
