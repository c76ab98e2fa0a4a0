// The CUDA BPR engine: the customer matrix (pattern only), the popularity table and both factor
// matrices live on the device for the engine's lifetime; an epoch is one kernel launch
// (kernels/cuda/bpr.cuh) followed by one small download of per-block sums.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/bpr_sampler.hpp"
#include "kernels/cuda/bpr.cuh"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/resident.cuh"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

class CudaBpr final : public BprEngine {
 public:
  CudaBpr(std::shared_ptr<Context> context, const CsrView& customer_items,
          const BprParams& params, BprLaunch launch)
      : params_(params),
        launch_(launch),
        k_(params.factors),
        width_(bpr_width(params)),
        customers_(customer_items.rows),
        items_(customer_items.cols),
        nnz_(customer_items.nnz()),
        context_(std::move(context)),
        res_(*context_),
        pattern_(res_, customer_items, false),
        factors_(res_, customers_, items_, width_, "BPR (CUDA)") {
    std::vector<double> cdf;
    if (params.negatives == BprNegatives::popularity) {
      cdf = bpr::popularity_cdf(customer_items, params.popularity_exponent);
      cdf_ = res_.alloc<double>(cdf.size());
      cdf_.upload(cdf.data(), cdf.size());
    }
    const std::vector<float> X = bpr::initial_customer_factors(customers_, params);
    const std::vector<float> Y = bpr::initial_item_factors(items_, params);
    factors_.set(X, Y);

    // One grid size for every launch, so the partials buffer is allocated once.
    const std::int64_t most = std::max(samples_per_epoch(), objective_samples());
    const std::int64_t blocks =
        (most + kBprWarps * kBprSamplesPerWarp - 1) / (kBprWarps * kBprSamplesPerWarp);
    grid_ = launch_ == BprLaunch::serial
                ? 1
                : resident_grid(res_, bpr_kernel<kBprBlock>, kBprBlock, 0, blocks);
    partials_ = res_.alloc<double>(3 * static_cast<std::size_t>(grid_));
    res_.synchronize();  // the host vectors above are freed on return; surface errors here
  }

  [[nodiscard]] std::string backend_name() const override { return "cuda"; }

  void set_factors(std::span<const float> X, std::span<const float> Y) override {
    factors_.set(X, Y);
  }
  void get_factors(std::span<float> X, std::span<float> Y) override { factors_.get(X, Y); }

  BprStats epoch() override {
    const float lr = bpr_learning_rate(params_, epoch_);
    BprStats s = run(static_cast<std::uint64_t>(epoch_), samples_per_epoch(), lr, true, nullptr);
    s.learning_rate = lr;
    ++epoch_;
    return s;
  }

  [[nodiscard]] BprStats objective() override {
    return run(bpr::kObjectiveEpoch, objective_samples(), 0.0f, false, nullptr);
  }

  // Runs the kernel without updates over the requested sample indices and returns what it drew.
  // The kernel numbers samples from 0, so `first` is folded in by drawing first + count samples
  // and keeping the tail (this is a test and diagnostics path, not a hot one).
  [[nodiscard]] std::vector<BprTriple> sample(int epoch, std::int64_t first,
                                              std::int64_t count) override {
    detail::require(epoch >= 0 && first >= 0 && count >= 0,
                    "BPR sample: epoch, first and count must be >= 0");
    const std::int64_t n = first + count;
    std::vector<BprTriple> out(static_cast<std::size_t>(count));
    if (count == 0) return out;
    DeviceBuffer<BprTriple> triples = res_.alloc<BprTriple>(static_cast<std::size_t>(n));
    (void)run(static_cast<std::uint64_t>(epoch), n, 0.0f, false, triples.data());
    triples.download(out.data(), out.size(), static_cast<std::size_t>(first));
    res_.synchronize();
    return out;
  }

  [[nodiscard]] int epochs_done() const override { return epoch_; }

 private:
  [[nodiscard]] std::int64_t samples_per_epoch() const {
    return params_.samples_per_epoch > 0 ? params_.samples_per_epoch : nnz_;
  }
  [[nodiscard]] std::int64_t objective_samples() const {
    return params_.objective_samples > 0 ? params_.objective_samples
                                         : std::min(nnz_, bpr::kDefaultObjectiveSamples);
  }

  // One launch over samples 0 .. n-1 of `epoch`; returns when its sums are on the host, so
  // errors surface at the call that caused them and per-epoch timings measure the work.
  BprStats run(std::uint64_t epoch, std::int64_t n, float lr, bool update, BprTriple* triples) {
    BprKernelArgs a;
    a.X = factors_.X();
    a.Y = factors_.Y();
    a.sampler = {pattern_.indptr.data(), pattern_.indices.data(), customers_, items_,
                 cdf_.size() > 0 ? cdf_.data() : nullptr};
    a.k = k_;
    a.width = width_;
    a.lr = lr;
    a.lambda = params_.regularization;
    a.lambda_bias = params_.bias_regularization;
    a.seed = params_.seed;
    a.epoch = epoch;
    a.samples = n;
    a.update = update;
    a.partials = partials_.data();
    a.triples = triples;
    if (launch_ == BprLaunch::serial)
      bpr_kernel<kWarpSize><<<1, kWarpSize, 0, res_.stream()>>>(a);
    else
      bpr_kernel<kBprBlock><<<grid_, kBprBlock, 0, res_.stream()>>>(a);
    CUDA_CHECK_LAST(res_.stream());

    std::vector<double> host(partials_.size());
    partials_.download(host.data(), host.size());
    res_.synchronize();
    double loss = 0.0, correct = 0.0, skipped = 0.0;
    for (int b = 0; b < grid_; ++b) {
      loss += host[static_cast<std::size_t>(b)];
      correct += host[static_cast<std::size_t>(grid_ + b)];
      skipped += host[static_cast<std::size_t>(2 * grid_ + b)];
    }
    BprStats s;
    s.samples = n;
    s.skipped = static_cast<std::int64_t>(skipped);
    const double used = static_cast<double>(n) - skipped;
    if (used > 0.0) {
      s.loss = loss / used;
      s.accuracy = correct / used;
    }
    return s;
  }

  BprParams params_;
  BprLaunch launch_;
  int k_;      // learned columns of a customer row
  int width_;  // columns of every row: k_, plus the item bias
  std::int64_t customers_;
  std::int64_t items_;
  std::int64_t nnz_;
  int epoch_ = 0;
  std::shared_ptr<Context> context_;  // before every buffer: buffers are freed on its stream
  const Context& res_;
  CsrOnDevice pattern_;                  // customers x items, no weights
  DeviceFactors factors_;                // X: customers x width_, Y: items x width_
  DeviceBuffer<double> cdf_;             // (items) popularity negatives only, else empty
  int grid_ = 1;
  DeviceBuffer<double> partials_;        // 3 x grid_ block sums
};

}  // namespace
}  // namespace cuda

std::unique_ptr<BprEngine> make_cuda_bpr(std::shared_ptr<cuda::Context> context,
                                         const CsrView& customer_items, const BprParams& params,
                                         BprLaunch launch) {
  detail::validate_bpr_problem(customer_items, params);
  context->activate();
  return std::make_unique<cuda::CudaBpr>(std::move(context), customer_items, params, launch);
}

}  // namespace tailor
