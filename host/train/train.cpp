#include "host/train/train.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <random>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/io/time.hpp"
#include "host/train/loop.hpp"
#include "host/train/model.hpp"
#include "kernels/validate.hpp"

namespace tailor {

void check_finite_factors(const std::vector<float>& f, const char* what, const char* hint) {
  for (std::size_t k = 0; k < f.size(); ++k)
    if (!std::isfinite(f[k]))
      throw RunError(fmt::format("training diverged: {} factor {} is {} ({})", what, k, f[k], hint));
}

void validate_ials_params(const IalsParams& p, const std::string& where) {
  if (std::string problem = detail::ials_params_problem(p); !problem.empty())
    throw InputError(fmt::format("{}: {}", where, problem));
}

void validate_bpr_params(const BprParams& p, const std::string& where) {
  if (std::string problem = detail::bpr_params_problem(p); !problem.empty())
    throw InputError(fmt::format("{}: {}", where, problem));
}

std::vector<float> initial_factors(std::int64_t rows, int factors, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 0.01f);
  std::vector<float> f(static_cast<std::size_t>(rows) * static_cast<std::size_t>(factors));
  for (auto& x : f) x = u(rng);
  return f;
}

namespace {

// One iALS epoch: both half-steps, then (when asked) the full objective and its check.
EpochStep ials_epoch(IalsEngine& engine, const TrainOptions& options, int epoch) {
  const auto t = std::chrono::steady_clock::now();
  engine.solve_customers();
  engine.solve_items();
  EpochStep step;
  step.report.seconds = seconds_since(t);
  step.detail = fmt::format("({:.3f}s/epoch)", step.report.seconds);
  if (options.report_objective) {
    const Objective& o = step.report.objective = engine.objective();
    step.detail = fmt::format("objective {:.6g} (normalized {:.6g}) {}", o.total, o.normalized,
                              step.detail);
    if (!std::isfinite(o.total))
      step.diverged = fmt::format("training diverged at epoch {}: objective is {}", epoch, o.total);
  }
  return step;
}

}  // namespace

TrainResult train_ials_with(const std::function<std::unique_ptr<IalsEngine>()>& make,
                            const IalsShape& shape, const TrainOptions& options, Device device) {
  const IalsParams& p = options.ials;
  validate_ials_params(p, "train");
  const auto start = std::chrono::steady_clock::now();
  TrainResult result;
  result.device = device;
  const auto engine = make_engine("", make);
  result.backend = engine->backend_name();

  // Customers and items get different seeds so that their initial rows differ.
  result.customer_factors = initial_factors(shape.customers, p.factors, p.seed);
  result.item_factors = initial_factors(shape.items, p.factors, p.seed ^ 0x9e3779b97f4a7c15ULL);
  engine->set_factors(result.customer_factors, result.item_factors);

  if (options.log_epochs)
    spdlog::info("train: iALS on {}: {} customers x {} items, {} interactions, k={}, lambda={}, "
                 "alpha={}, {} iterations, {} CG steps",
                 result.backend, shape.customers, shape.items, shape.interactions, p.factors,
                 p.regularization, p.alpha, p.iterations, p.cg_steps);
  TrainingLoop loop;
  loop.epochs = p.iterations;
  loop.log_epochs = options.log_epochs;
  loop.step = [&](int epoch) { return ials_epoch(*engine, options, epoch); };
  if (options.on_epoch) loop.notify = [&](int) { options.on_epoch(result.epochs.back()); };
  loop.after_epoch = options.after_epoch;
  loop.divergence_hint = "lower alpha or raise regularization";
  run_training_loop(*engine, loop, result);
  result.seconds = seconds_since(start);
  return result;
}

TrainResult train_ials(const InteractionMatrices& m, const TrainOptions& options,
                       const Backend& backend) {
  const CsrView ci = m.customer_items.view(), ic = m.item_customers.view();
  return train_ials_with([&] { return backend.ials(ci, ic, options.ials); },
                         {ci.rows, ic.rows, ci.nnz()}, options, device_of(backend));
}

Model pack_model(const std::vector<std::string>& customer_ids,
                 const std::vector<std::string>& item_ids, const std::string& data_fingerprint,
                 const std::filesystem::path& input_path, TrainResult& r, bool with_objective) {
  Model m;
  m.customer_ids = customer_ids;
  m.item_ids = item_ids;
  m.customer_factors = std::move(r.customer_factors);
  m.item_factors = std::move(r.item_factors);
  m.data_fingerprint = data_fingerprint;
  m.training_input = input_path.string();
  m.created_at = utc_now_iso8601();
  for (const auto& e : r.epochs) {
    if (with_objective) m.objective.push_back(e.objective.total);
    m.epoch_seconds.push_back(e.seconds);
  }
  return m;
}

Model pack_model(const LoadedInput& input, TrainResult& r, bool with_objective) {
  return pack_model(input.data.customer_ids, input.data.item_ids, input.matrices.fingerprint,
                    input.path, r, with_objective);
}


Model train_model(const LoadedInput& input, const TrainOptions& options, const Backend& backend,
                  TrainResult* result) {
  TrainResult r = train_ials(input.matrices, options, backend);
  Model m = pack_model(input, r, options.report_objective);
  m.params = options.ials;
  if (result) *result = std::move(r);
  return m;
}

}  // namespace tailor
