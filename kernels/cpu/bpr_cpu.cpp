// The CPU (OpenMP) BPR engine: Hogwild SGD over counter-sampled triples.
//
// Sample s of epoch e is drawn by kernels/bpr_sampler.hpp from (seed, e, s), so the triples of an
// epoch do not depend on the thread count; what does is the order in which their updates land.
// Threads take contiguous ranges of sample indices and update the shared factor rows without
// locks (Hogwild, Niu et al. 2011): two threads touching the same item row at once may each use
// the other's half-written values. With one thread the samples run in index order and the
// result is bitwise reproducible from the seed; that is the deterministic mode the tests use.
//
// Per sample, with x = x_u . (y_i - y_j) and g = sigma(-x) = d(ln sigma(x))/dx, the update of
// Rendle et al. (2009), all three rows from their values before the step:
//   x_u += lr (g (y_i - y_j) - lambda x_u)
//   y_i += lr (g x_u - lambda y_i)
//   y_j += lr (-g x_u - lambda y_j)
// With the item bias, rows have factors + 1 columns (kernels/kernels.hpp): the dot product runs
// over all of them, the customer's last column (the fixed 1) is not updated, and the items' last
// column (b_i, b_j) takes the same step with bias_regularization in place of lambda:
//   b_i += lr (g x_u[k] - lambda_b b_i),  b_j += lr (-g x_u[k] - lambda_b b_j).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/bpr_sampler.hpp"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor::cpu {
namespace {

// Samples a thread takes at a time: large enough to amortise scheduling, small enough to balance.
constexpr std::int64_t kSampleChunk = 1024;

struct Totals {
  double loss = 0.0;
  std::int64_t correct = 0;
  std::int64_t skipped = 0;
};

class CpuBprEngine final : public BprEngine {
 public:
  CpuBprEngine(const CsrView& customer_items, const BprParams& params, int threads)
      : params_(params),
        k_(params.factors),
        width_(bpr_width(params)),
        m_(customer_items),
        threads_(threads >= 1 ? threads : omp_get_max_threads()),
        X_(bpr::initial_customer_factors(customer_items.rows, params)),
        Y_(bpr::initial_item_factors(customer_items.cols, params)) {
    if (params.negatives == BprNegatives::popularity)
      cdf_ = bpr::popularity_cdf(customer_items, params.popularity_exponent);
    view_ = {m_.indptr, m_.indices, m_.rows, m_.cols, cdf_.empty() ? nullptr : cdf_.data()};
  }

  [[nodiscard]] std::string backend_name() const override {
    return "cpu (" + std::to_string(threads_) + (threads_ == 1 ? " thread)" : " threads)");
  }

  void set_factors(std::span<const float> X, std::span<const float> Y) override {
    check_sizes(X.size(), Y.size(), "set_factors");
    std::copy(X.begin(), X.end(), X_.begin());
    std::copy(Y.begin(), Y.end(), Y_.begin());
  }

  void get_factors(std::span<float> X, std::span<float> Y) override {
    check_sizes(X.size(), Y.size(), "get_factors");
    std::copy(X_.begin(), X_.end(), X.begin());
    std::copy(Y_.begin(), Y_.end(), Y.begin());
  }

  BprStats epoch() override {
    const float lr = bpr_learning_rate(params_, epoch_);
    const std::int64_t n = params_.samples_per_epoch > 0 ? params_.samples_per_epoch : m_.nnz();
    BprStats s = run(static_cast<std::uint64_t>(epoch_), n, lr, true);
    s.learning_rate = lr;
    ++epoch_;
    return s;
  }

  [[nodiscard]] BprStats objective() override {
    const std::int64_t n = params_.objective_samples > 0
                               ? params_.objective_samples
                               : std::min(m_.nnz(), bpr::kDefaultObjectiveSamples);
    return run(bpr::kObjectiveEpoch, n, 0.0f, false);
  }

  [[nodiscard]] std::vector<BprTriple> sample(int epoch, std::int64_t first,
                                              std::int64_t count) override {
    detail::require(epoch >= 0 && first >= 0 && count >= 0,
                    "BPR sample: epoch, first and count must be >= 0");
    std::vector<BprTriple> out(static_cast<std::size_t>(count));
    for (std::int64_t s = 0; s < count; ++s)
      out[static_cast<std::size_t>(s)] =
          bpr::sample_triple(view_, params_.seed, static_cast<std::uint64_t>(epoch),
                             static_cast<std::uint64_t>(first + s));
    return out;
  }

  [[nodiscard]] int epochs_done() const override { return epoch_; }

 private:
  void check_sizes(std::size_t x, std::size_t y, const char* what) const {
    if (x != X_.size() || y != Y_.size())
      throw std::invalid_argument(std::string("BPR (CPU) ") + what + ": expected " +
                                  std::to_string(X_.size()) + " customer and " +
                                  std::to_string(Y_.size()) + " item factor values, got " +
                                  std::to_string(x) + " and " + std::to_string(y));
  }

  // The SGD step of one triple whose difference x_u . (y_i - y_j) is x (rows of width_).
  void step(float* xu, float* yi, float* yj, float x, float lr) const {
    const int k = k_;
    const float lambda = params_.regularization;
    const float g = 1.0f / (1.0f + std::exp(x));  // sigma(-x)
    for (int f = 0; f < k; ++f) {
      const float u = xu[f];
      const float a = yi[f];
      const float b = yj[f];
      xu[f] = u + lr * (g * (a - b) - lambda * u);
      yi[f] = a + lr * (g * u - lambda * a);
      yj[f] = b + lr * (-g * u - lambda * b);
    }
    if (width_ == k) return;
    const float lambda_b = params_.bias_regularization;
    const float u = xu[k];  // the fixed 1: never updated
    const float a = yi[k];
    const float b = yj[k];
    yi[k] = a + lr * (g * u - lambda_b * a);
    yj[k] = b + lr * (-g * u - lambda_b * b);
  }

  // Loss, accuracy and (when `update`) the SGD step of samples 0 .. n-1 of `epoch`.
  BprStats run(std::uint64_t epoch, std::int64_t n, float lr, bool update) {
    const int w = width_;
    const std::uint64_t seed = params_.seed;
    float* X = X_.data();
    float* Y = Y_.data();
    const bpr::SamplerView view = view_;
    const std::int64_t chunks = (n + kSampleChunk - 1) / kSampleChunk;
    std::vector<Totals> per_chunk(static_cast<std::size_t>(chunks));

#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
    for (std::int64_t c = 0; c < chunks; ++c) {
      Totals t;
      const std::int64_t end = std::min(n, (c + 1) * kSampleChunk);
      for (std::int64_t s = c * kSampleChunk; s < end; ++s) {
        const BprTriple tr = bpr::sample_triple(view, seed, epoch, static_cast<std::uint64_t>(s));
        if (tr.skipped()) {
          ++t.skipped;
          continue;
        }
        float* xu = X + tr.customer * w;
        float* yi = Y + static_cast<std::int64_t>(tr.positive) * w;
        float* yj = Y + static_cast<std::int64_t>(tr.negative) * w;
        float x = 0.0f;
        for (int f = 0; f < w; ++f) x += xu[f] * (yi[f] - yj[f]);
        t.loss += bpr::neg_log_sigmoid(static_cast<double>(x));
        t.correct += x > 0.0f ? 1 : 0;
        if (update) step(xu, yi, yj, x, lr);
      }
      per_chunk[static_cast<std::size_t>(c)] = t;
    }

    // Summed in chunk order: the statistics do not depend on the thread count (given factors).
    Totals all;
    for (const Totals& t : per_chunk) {
      all.loss += t.loss;
      all.correct += t.correct;
      all.skipped += t.skipped;
    }
    BprStats s;
    s.samples = n;
    s.skipped = all.skipped;
    const std::int64_t used = n - all.skipped;
    if (used > 0) {
      s.loss = all.loss / static_cast<double>(used);
      s.accuracy = static_cast<double>(all.correct) / static_cast<double>(used);
    }
    return s;
  }

  BprParams params_;
  int k_;      // learned columns of a customer row
  int width_;  // columns of every row: k_, plus the item bias
  CsrView m_;
  int threads_;
  std::vector<float> X_;  // customers x width_
  std::vector<float> Y_;  // items x width_
  std::vector<double> cdf_;
  bpr::SamplerView view_;
  int epoch_ = 0;
};

}  // namespace
}  // namespace tailor::cpu

namespace tailor {

std::unique_ptr<BprEngine> make_cpu_bpr(const CsrView& customer_items, const BprParams& params,
                                        int threads) {
  detail::validate_bpr_problem(customer_items, params);
  return std::make_unique<cpu::CpuBprEngine>(customer_items, params, threads);
}

}  // namespace tailor
