// The CUDA Scorer (kernels/kernels.hpp): full score rows of blocks of customers against every
// item, for callers that select items under their own rules (campaigns). The item factors stay
// on the device for the scorer's life; each score() uploads one block of customer factors, runs
// one SGEMM into a device tile and copies the rows back into the caller's page-locked buffer.
//
// Several host threads may call score() at once (the campaign scans one block while the next is
// scored): calls share the run's stream, so they are serialised by the Context's mutex, and each
// returns when its rows are on the host.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/kernels.hpp"

namespace tailor {
namespace cuda {
namespace {

// Host rows of one block stay under this many bytes (page-locked memory is a scarce resource:
// every scanning thread holds one buffer).
constexpr std::size_t kHostRowsBytes = std::size_t{64} << 20;
constexpr int kMaxBlockRows = 4096;

void free_pinned(float* p) noexcept { (void)cudaFreeHost(p); }

class CudaScorer final : public Scorer {
 public:
  CudaScorer(std::shared_ptr<Context> context, const FactorsView& items, std::size_t budget)
      : context_(std::move(context)),
        res_(*context_),
        items_(items.rows),
        k_(items.cols),
        block_rows_(choose_block_rows(items.rows, items.cols, budget)),
        d_items_(res_.alloc<float>(static_cast<std::size_t>(items_) * k_)),
        d_x_(res_.alloc<float>(static_cast<std::size_t>(block_rows_) * k_)),
        d_scores_(res_.alloc<float>(static_cast<std::size_t>(block_rows_) * items_)) {
    d_items_.upload(items.data, d_items_.size());
    res_.synchronize();  // the caller's item factors may go once the constructor returns
  }

  [[nodiscard]] std::string backend_name() const override { return "cuda"; }
  [[nodiscard]] std::int64_t items() const override { return items_; }
  [[nodiscard]] std::int64_t stride() const override { return items_; }
  [[nodiscard]] int block_rows() const override { return block_rows_; }

  [[nodiscard]] HostRows rows() const override {
    const std::size_t n = static_cast<std::size_t>(block_rows_) * static_cast<std::size_t>(items_);
    void* p = nullptr;
    res_.activate();
    CUDA_CHECK(cudaMallocHost(&p, std::max<std::size_t>(n, 1) * sizeof(float)));
    return HostRows(static_cast<float*>(p), n, &free_pinned);
  }

  // Scores S = X_b Y^T, row-major rows x items: in cuBLAS's column-major terms that buffer is
  // S^T = Y X_b^T (items x rows, ld = items); the row-major Y buffer is column-major Y^T (k x
  // items), hence op T on it, and the row-major X_b buffer is column-major X_b^T (k x rows).
  void score(const float* x, int rows, float* out) const override {
    if (rows <= 0 || items_ == 0) return;
    if (rows > block_rows_)
      throw std::invalid_argument("CUDA scorer: " + std::to_string(rows) +
                                  " rows in one call, block_rows() is " +
                                  std::to_string(block_rows_));
    const std::lock_guard lock(res_.mutex());
    res_.activate();
    d_x_.upload(x, static_cast<std::size_t>(rows) * k_);
    const float one = 1.0f;
    const float zero = 0.0f;
    CUBLAS_CHECK(cublasSgemm(res_.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(items_),
                             rows, k_, &one, d_items_.data(), k_, d_x_.data(), k_, &zero,
                             d_scores_.data(), static_cast<int>(items_)));
    d_scores_.download(out, static_cast<std::size_t>(rows) * static_cast<std::size_t>(items_));
    res_.synchronize();
  }

 private:
  // As many customers as the budget's device tile and the page-locked row cap allow, at least 1.
  static int choose_block_rows(std::int64_t items, int k, std::size_t budget) {
    const std::size_t row = static_cast<std::size_t>(std::max<std::int64_t>(items, 1)) *
                            sizeof(float);
    const std::size_t per = row + static_cast<std::size_t>(k) * sizeof(float);
    const std::size_t by_budget = budget / per;
    const std::size_t by_host = kHostRowsBytes / row;
    return static_cast<int>(std::clamp<std::size_t>(std::min(by_budget, by_host), 1, kMaxBlockRows));
  }

  std::shared_ptr<Context> context_;  // before every buffer: buffers are freed on its stream
  const Context& res_;
  std::int64_t items_;
  int k_;
  int block_rows_;
  DeviceBuffer<float> d_items_;   // items x k
  // Scratch of one call at a time (under the context's mutex).
  mutable DeviceBuffer<float> d_x_;       // block_rows x k
  mutable DeviceBuffer<float> d_scores_;  // block_rows x items
};

}  // namespace
}  // namespace cuda

std::unique_ptr<Scorer> make_cuda_scorer(std::shared_ptr<cuda::Context> context,
                                         const FactorsView& items, std::size_t memory_budget) {
  if (items.cols < 1 || items.rows < 1 || items.data == nullptr)
    throw std::invalid_argument("CUDA scorer: item factors are empty");
  if (items.rows > INT32_MAX)
    throw std::invalid_argument("CUDA scorer: at most 2^31 - 1 items, got " +
                                std::to_string(items.rows));
  context->activate();
  return std::make_unique<cuda::CudaScorer>(std::move(context), items, memory_budget);
}

}  // namespace tailor
