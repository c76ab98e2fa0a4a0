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
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

class CudaBpr final : public BprEngine {
 public:
  CudaBpr(const CsrView& customer_items, const BprParams& params)
      : params_(params),
        k_(params.factors),
        customers_(customer_items.rows),
        items_(customer_items.cols),
        nnz_(customer_items.nnz()),
        indptr_(res_.alloc<std::int64_t>(static_cast<std::size_t>(customers_) + 1)),
        indices_(res_.alloc<std::uint32_t>(static_cast<std::size_t>(nnz_))),
        X_(res_.alloc<float>(static_cast<std::size_t>(customers_) * k_)),
        Y_(res_.alloc<float>(static_cast<std::size_t>(items_) * k_)) {
    // Rebased offsets: a CsrView may be a slice whose indptr[0] is not 0.
    const std::int64_t base = customer_items.indptr[0];
    std::vector<std::int64_t> rebased(static_cast<std::size_t>(customers_) + 1);
    for (std::int64_t r = 0; r <= customers_; ++r)
      rebased[static_cast<std::size_t>(r)] = customer_items.indptr[r] - base;
    indptr_.upload(rebased.data(), rebased.size());
    indices_.upload(customer_items.indices + base, static_cast<std::size_t>(nnz_));
    std::vector<double> cdf;
    if (params.negatives == BprNegatives::popularity) {
      cdf = bpr::popularity_cdf(customer_items, params.popularity_exponent);
      cdf_ = res_.alloc<double>(cdf.size());
      cdf_.upload(cdf.data(), cdf.size());
    }
    const std::vector<float> X = bpr::initial_factors(customers_, k_, params.seed);
    const std::vector<float> Y =
        bpr::initial_factors(items_, k_, params.seed ^ 0x9e3779b97f4a7c15ULL);
    X_.upload(X.data(), X.size());
    Y_.upload(Y.data(), Y.size());

    // One grid size for every launch, so the partials buffer is allocated once.
    const std::int64_t most = std::max(samples_per_epoch(), objective_samples());
    const std::int64_t blocks =
        (most + kBprWarps * kBprSamplesPerWarp - 1) / (kBprWarps * kBprSamplesPerWarp);
    grid_ = resident_grid(res_, bpr_kernel<kBprBlock>, kBprBlock, 0, blocks);
    partials_ = res_.alloc<double>(3 * static_cast<std::size_t>(grid_));
    res_.synchronize();  // the host vectors above are freed on return; surface errors here
  }

  [[nodiscard]] std::string backend_name() const override { return "cuda"; }

  void set_factors(std::span<const float> X, std::span<const float> Y) override {
    check_sizes(X.size(), Y.size(), "set_factors");
    X_.upload(X.data(), X.size());
    Y_.upload(Y.data(), Y.size());
    res_.synchronize();  // the caller may free or overwrite X and Y once this returns
  }

  void get_factors(std::span<float> X, std::span<float> Y) override {
    check_sizes(X.size(), Y.size(), "get_factors");
    X_.download(X.data(), X.size());
    Y_.download(Y.data(), Y.size());
    res_.synchronize();
  }

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

  void check_sizes(std::size_t x, std::size_t y, const char* what) const {
    const auto want_x = static_cast<std::size_t>(customers_) * static_cast<std::size_t>(k_);
    const auto want_y = static_cast<std::size_t>(items_) * static_cast<std::size_t>(k_);
    if (x != want_x || y != want_y)
      throw std::invalid_argument(std::string("BPR (CUDA) ") + what + ": expected " +
                                  std::to_string(want_x) + " customer and " +
                                  std::to_string(want_y) + " item factor values, got " +
                                  std::to_string(x) + " and " + std::to_string(y));
  }

  // One launch over samples 0 .. n-1 of `epoch`; returns when its sums are on the host, so
  // errors surface at the call that caused them and per-epoch timings measure the work.
  BprStats run(std::uint64_t epoch, std::int64_t n, float lr, bool update, BprTriple* triples) {
    BprKernelArgs a;
    a.X = X_.data();
    a.Y = Y_.data();
    a.sampler = {indptr_.data(), indices_.data(), customers_, items_,
                 cdf_.size() > 0 ? cdf_.data() : nullptr};
    a.k = k_;
    a.lr = lr;
    a.lambda = params_.regularization;
    a.seed = params_.seed;
    a.epoch = epoch;
    a.samples = n;
    a.update = update;
    a.partials = partials_.data();
    a.triples = triples;
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
  int k_;
  std::int64_t customers_;
  std::int64_t items_;
  std::int64_t nnz_;
  int epoch_ = 0;
  Resources res_;  // before every buffer: buffers are freed on its stream
  DeviceBuffer<std::int64_t> indptr_;    // (customers + 1), rebased to 0
  DeviceBuffer<std::uint32_t> indices_;  // (nnz)
  DeviceBuffer<double> cdf_;             // (items) popularity negatives only, else empty
  DeviceBuffer<float> X_;                // customers x k
  DeviceBuffer<float> Y_;                // items x k
  int grid_ = 1;
  DeviceBuffer<double> partials_;        // 3 x grid_ block sums
};

}  // namespace
}  // namespace cuda

std::unique_ptr<BprEngine> make_cuda_bpr(const CsrView& customer_items, const BprParams& params) {
  detail::validate_bpr_problem(customer_items, params);
  return std::make_unique<cuda::CudaBpr>(customer_items, params);
}

}  // namespace tailor
