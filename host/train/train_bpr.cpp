#include "host/train/train_bpr.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/train/loop.hpp"
#include "host/train/model.hpp"
#include "kernels/bpr_sampler.hpp"

namespace tailor {
namespace {

// One BPR epoch of SGD, then (when asked) the loss on the fixed evaluation sample. The generic
// report carries the BPR loss in its objective fields (data = total = normalized).
EpochStep bpr_epoch(BprEngine& engine, const BprTrainOptions& options, int epoch,
                    BprEpochReport& report) {
  const auto t = std::chrono::steady_clock::now();
  report = BprEpochReport{};
  report.epoch = epoch;
  report.train = engine.epoch();
  report.seconds = seconds_since(t);
  double loss = report.train.loss;
  EpochStep step;
  step.detail = fmt::format("train loss {:.5f} acc {:.4f} lr {:.3g}", report.train.loss,
                            report.train.accuracy, report.train.learning_rate);
  if (options.report_objective) {
    report.objective = engine.objective();
    loss = report.objective.loss;
    step.detail += fmt::format(", eval loss {:.5f} acc {:.4f}", report.objective.loss,
                               report.objective.accuracy);
  }
  if (report.train.skipped > 0)
    step.detail += fmt::format(", {} samples skipped (customers who bought every item)",
                               report.train.skipped);
  step.detail += fmt::format(" ({:.3f}s/epoch)", report.seconds);
  if (!std::isfinite(report.train.loss) || !std::isfinite(loss))
    step.diverged = fmt::format("BPR training diverged at epoch {}: loss is {}", epoch,
                                std::isfinite(loss) ? report.train.loss : loss);
  step.report.seconds = report.seconds;
  step.report.objective.data = step.report.objective.total = step.report.objective.normalized =
      loss;
  return step;
}

}  // namespace

TrainResult train_bpr(const InteractionMatrices& m, const BprTrainOptions& options,
                      const Backend& backend) {
  const BprParams& p = options.bpr;
  validate_bpr_params(p, "train");
  const auto start = std::chrono::steady_clock::now();
  TrainResult result;
  result.device = device_of(backend);
  const CsrView ci = m.customer_items.view();
  const auto engine = make_engine("", [&] { return backend.bpr(ci, p); });
  result.backend = engine->backend_name();

  result.customer_factors = bpr::initial_customer_factors(ci.rows, p);
  result.item_factors = bpr::initial_item_factors(ci.cols, p);
  engine->set_factors(result.customer_factors, result.item_factors);

  const std::int64_t samples = p.samples_per_epoch > 0 ? p.samples_per_epoch : ci.nnz();
  if (options.log_epochs)
    spdlog::info("train: BPR on {}: {} customers x {} items, {} interactions, k={}, {}, "
                 "lr={} ({}), lambda={}, {} negatives, {} epochs of {} samples",
                 result.backend, ci.rows, ci.cols, ci.nnz(), p.factors,
                 p.item_bias ? fmt::format("item bias (lambda {})", p.bias_regularization)
                             : std::string("no item bias"),
                 p.learning_rate, p.schedule == LrSchedule::constant ? "constant" : "linear decay",
                 p.regularization, to_string(p.negatives), p.epochs, samples);
  BprEpochReport last;
  TrainingLoop loop;
  loop.epochs = p.epochs;
  loop.log_epochs = options.log_epochs;
  loop.step = [&](int epoch) { return bpr_epoch(*engine, options, epoch, last); };
  if (options.on_epoch) loop.notify = [&](int) { options.on_epoch(last); };
  loop.after_epoch = options.after_epoch;
  loop.divergence_hint = "lower the learning rate or raise regularization";
  run_training_loop(*engine, loop, result);
  result.seconds = seconds_since(start);
  return result;
}

Model train_bpr_model(const LoadedInput& input, const BprTrainOptions& options,
                      const Backend& backend, TrainResult* result) {
  TrainResult r = train_bpr(input.matrices, options, backend);
  Model m = pack_model(input, r, options.report_objective);
  m.algorithm = "bpr";
  m.bpr = options.bpr;
  m.params.factors = bpr_width(options.bpr);  // the width of the factor rows, bias included
  if (result) *result = std::move(r);
  return m;
}

}  // namespace tailor
