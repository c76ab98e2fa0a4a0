#include "host/train/train_bpr.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/train/model.hpp"
#include "kernels/bpr_sampler.hpp"

namespace tailor {
namespace {


}  // namespace

TrainResult train_bpr(const InteractionMatrices& m, const BprTrainOptions& options) {
  const BprParams& p = options.bpr;
  if (p.factors < 1 || p.factors > kMaxFactors)
    throw InputError(fmt::format("--factors {}: the BPR kernels support 1..{} factors", p.factors,
                                 kMaxFactors));
  if (p.epochs < 1) throw InputError(fmt::format("--epochs {}: must be >= 1", p.epochs));
  if (!(p.learning_rate > 0) || !std::isfinite(p.learning_rate))
    throw InputError("--learning-rate must be finite and > 0");
  if (!(p.regularization >= 0) || !std::isfinite(p.regularization))
    throw InputError("--regularization must be finite and >= 0");

  const auto start = std::chrono::steady_clock::now();
  TrainResult result;
  result.device = resolve_device(options.device);
  const int threads = resolve_threads(options.threads);
  const CsrView ci = m.customer_items.view();

  std::unique_ptr<BprEngine> engine;
  try {
    engine = result.device == Device::cuda ? make_cuda_bpr(ci, p) : make_cpu_bpr(ci, p, threads);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  result.backend = engine->backend_name();

  result.customer_factors = bpr::initial_factors(ci.rows, p.factors, p.seed);
  result.item_factors = bpr::initial_factors(ci.cols, p.factors, p.seed ^ 0x9e3779b97f4a7c15ULL);
  engine->set_factors(result.customer_factors, result.item_factors);

  const std::int64_t samples = p.samples_per_epoch > 0 ? p.samples_per_epoch : ci.nnz();
  if (options.log_epochs)
    spdlog::info("train: BPR on {}: {} customers x {} items, {} interactions, k={}, lr={} ({}), "
                 "lambda={}, {} negatives, {} epochs of {} samples",
                 result.backend, ci.rows, ci.cols, ci.nnz(), p.factors, p.learning_rate,
                 p.schedule == LrSchedule::constant ? "constant" : "linear decay",
                 p.regularization, to_string(p.negatives), p.epochs, samples);
  Progress progress("train", p.epochs, "epochs");
  for (int epoch = 1; epoch <= p.epochs; ++epoch) {
    const auto t = std::chrono::steady_clock::now();
    BprEpochReport report;
    report.epoch = epoch;
    report.train = engine->epoch();
    report.seconds = seconds_since(t);
    double loss = report.train.loss;
    std::string detail = fmt::format("train loss {:.5f} acc {:.4f} lr {:.3g}", report.train.loss,
                                     report.train.accuracy, report.train.learning_rate);
    if (options.report_objective) {
      report.objective = engine->objective();
      loss = report.objective.loss;
      detail += fmt::format(", eval loss {:.5f} acc {:.4f}", report.objective.loss,
                            report.objective.accuracy);
    }
    if (report.train.skipped > 0)
      detail += fmt::format(", {} samples skipped (customers who bought every item)",
                            report.train.skipped);
    detail += fmt::format(" ({:.3f}s/epoch)", report.seconds);
    if (!std::isfinite(report.train.loss) || !std::isfinite(loss))
      throw RunError(fmt::format("BPR training diverged at epoch {}: loss is {}", epoch,
                                 std::isfinite(loss) ? report.train.loss : loss));

    EpochReport generic;
    generic.epoch = epoch;
    generic.seconds = report.seconds;
    generic.objective.data = loss;
    generic.objective.total = loss;
    generic.objective.normalized = loss;
    result.epochs.push_back(generic);
    if (options.log_epochs) progress.update(epoch, detail, true);
    if (options.on_epoch) options.on_epoch(report);
    if (options.after_epoch) {
      engine->get_factors(result.customer_factors, result.item_factors);
      if (!options.after_epoch(generic, result.customer_factors, result.item_factors)) break;
    }
  }
  engine->get_factors(result.customer_factors, result.item_factors);
  check_finite_factors(result.customer_factors, "customer", "lower the learning rate or raise regularization");
  check_finite_factors(result.item_factors, "item", "lower the learning rate or raise regularization");
  result.seconds = seconds_since(start);
  return result;
}

Model train_bpr_model(const LoadedInput& input, const BprTrainOptions& options, TrainResult* result) {
  TrainResult r = train_bpr(input.matrices, options);
  Model m = pack_model(input, r, options.report_objective);
  m.algorithm = "bpr";
  m.bpr = options.bpr;
  m.params.factors = options.bpr.factors;
  if (result) *result = std::move(r);
  return m;
}

}  // namespace tailor
