#include "host/train/train.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/io/time.hpp"
#include "host/train/model.hpp"

namespace tailor {
void check_finite_factors(const std::vector<float>& f, const char* what, const char* hint) {
  for (std::size_t k = 0; k < f.size(); ++k)
    if (!std::isfinite(f[k]))
      throw RunError(fmt::format("training diverged: {} factor {} is {} ({})", what, k, f[k], hint));
}

void validate_ials_params(const IalsParams& p, const std::string& where) {
  auto bad = [&](const std::string& what) { throw InputError(fmt::format("{}: {}", where, what)); };
  if (p.factors < 1 || p.factors > kMaxFactors)
    bad(fmt::format("factors = {}: the iALS kernels support 1..{}", p.factors, kMaxFactors));
  if (p.iterations < 1) bad(fmt::format("iterations = {}: must be >= 1", p.iterations));
  if (p.cg_steps < 1) bad(fmt::format("cg_steps = {}: must be >= 1", p.cg_steps));
  if (!(p.regularization >= 0) || !std::isfinite(p.regularization))
    bad(fmt::format("regularization = {}: must be finite and >= 0", p.regularization));
  if (!(p.alpha >= 0) || !std::isfinite(p.alpha))
    bad(fmt::format("alpha = {}: must be finite and >= 0", p.alpha));
  if (!(p.log_epsilon > 0)) bad(fmt::format("log_epsilon = {}: must be > 0", p.log_epsilon));
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

Model pack_model(const LoadedInput& input, TrainResult& r, bool with_objective) {
  Model m;
  m.customer_ids = input.data.customer_ids;
  m.item_ids = input.data.item_ids;
  m.customer_factors = std::move(r.customer_factors);
  m.item_factors = std::move(r.item_factors);
  m.data_fingerprint = input.matrices.fingerprint;
  m.training_input = input.path.string();
  m.created_at = utc_now_iso8601();
  for (const auto& e : r.epochs) {
    if (with_objective) m.objective.push_back(e.objective.total);
    m.epoch_seconds.push_back(e.seconds);
  }
  return m;
}


Model train_model(const LoadedInput& input, const TrainOptions& options, TrainResult* result) {
  TrainResult r = train_ials(input.matrices, options);
  Model m = pack_model(input, r, options.report_objective);
  m.params = options.ials;
  if (result) *result = std::move(r);
  return m;
}

}  // namespace tailor
