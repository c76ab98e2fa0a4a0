#include "host/train.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>

#include "host/error.hpp"
#include "host/progress.hpp"

namespace tailor {
void check_finite_factors(const std::vector<float>& f, const char* what, const char* hint) {
  for (std::size_t k = 0; k < f.size(); ++k)
    if (!std::isfinite(f[k]))
      throw RunError(fmt::format("training diverged: {} factor {} is {} ({})", what, k, f[k], hint));
}

std::vector<float> initial_factors(std::int64_t rows, int factors, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 0.01f);
  std::vector<float> f(static_cast<std::size_t>(rows) * static_cast<std::size_t>(factors));
  for (auto& x : f) x = u(rng);
  return f;
}

TrainResult train_ials(const InteractionMatrices& m, const TrainOptions& options) {
  const IalsParams& p = options.ials;
  if (p.factors < 1 || p.factors > kMaxFactors)
    throw InputError(fmt::format("--factors {}: the iALS kernels support 1..{} factors", p.factors,
                                 kMaxFactors));
  if (p.iterations < 1) throw InputError(fmt::format("--iterations {}: must be >= 1", p.iterations));
  if (p.cg_steps < 1) throw InputError(fmt::format("--cg-steps {}: must be >= 1", p.cg_steps));
  if (!(p.regularization >= 0)) throw InputError("--regularization must be >= 0");
  if (!(p.alpha >= 0)) throw InputError("--alpha must be >= 0");

  const auto start = std::chrono::steady_clock::now();
  TrainResult result;
  result.device = resolve_device(options.device);
  const int threads = resolve_threads(options.threads);
  const CsrView ci = m.customer_items.view(), ic = m.item_customers.view();

  std::unique_ptr<IalsEngine> engine;
  try {
    engine = result.device == Device::cuda ? make_cuda_ials(ci, ic, p)
                                           : make_cpu_ials(ci, ic, p, threads);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  result.backend = engine->backend_name();

  // Customers and items get different seeds so that their initial rows differ.
  result.customer_factors = initial_factors(ci.rows, p.factors, p.seed);
  result.item_factors = initial_factors(ic.rows, p.factors, p.seed ^ 0x9e3779b97f4a7c15ULL);
  engine->set_factors(result.customer_factors, result.item_factors);

  if (options.log_epochs)
    spdlog::info("train: iALS on {}: {} customers x {} items, {} interactions, k={}, lambda={}, "
               "alpha={}, {} iterations, {} CG steps",
               result.backend, ci.rows, ic.rows, ci.nnz(), p.factors, p.regularization, p.alpha,
               p.iterations, p.cg_steps);
  Progress progress("train", p.iterations, "epochs");
  for (int epoch = 1; epoch <= p.iterations; ++epoch) {
    const auto t = std::chrono::steady_clock::now();
    engine->solve_customers();
    engine->solve_items();
    EpochReport report;
    report.epoch = epoch;
    report.seconds = seconds_since(t);
    std::string detail = fmt::format("({:.3f}s/epoch)", report.seconds);
    if (options.report_objective) {
      report.objective = engine->objective();
      detail = fmt::format("objective {:.6g} (normalized {:.6g}) {}", report.objective.total,
                           report.objective.normalized, detail);
      if (!std::isfinite(report.objective.total))
        throw RunError(fmt::format("training diverged at epoch {}: objective is {}", epoch,
                                   report.objective.total));
    }
    result.epochs.push_back(report);
    if (options.log_epochs) progress.update(epoch, detail, true);
    if (options.on_epoch) options.on_epoch(report);
    if (options.after_epoch) {
      engine->get_factors(result.customer_factors, result.item_factors);
      if (!options.after_epoch(report, result.customer_factors, result.item_factors)) break;
    }
  }
  engine->get_factors(result.customer_factors, result.item_factors);
  check_finite_factors(result.customer_factors, "customer", "lower alpha or raise regularization");
  check_finite_factors(result.item_factors, "item", "lower alpha or raise regularization");
  result.seconds = seconds_since(start);
  return result;
}

}  // namespace tailor
