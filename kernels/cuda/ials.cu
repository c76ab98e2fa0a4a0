// The CUDA iALS engine: both CSR matrices and both factor matrices live on the device for the
// engine's lifetime; a half-step is one cuBLAS Gram product and one CG kernel launch.
#include <cuda_runtime.h>

#include <climits>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/ials.cuh"
#include "kernels/cuda/resident.cuh"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

DeviceCsr view_of(const CsrOnDevice& m) {
  return {m.indptr.data(), m.indices.data(), m.weights.data(), m.rows};
}

int checked_int(std::int64_t v, const char* what) {
  if (v < 0 || v > INT_MAX)
    throw std::invalid_argument(std::string("iALS (CUDA): ") + what + " = " + std::to_string(v) +
                                " exceeds the cuBLAS int range");
  return static_cast<int>(v);
}

// G = M^T M for a row-major rows x k matrix M (k x k, symmetric, so row- and column-major agree).
// cuBLAS is column-major: the row-major M buffer is the column-major k x rows matrix M^T, so
// M^T M = (M^T) (M^T)^T = gemm(N, T) on that buffer with lda = k.
void gram(const Context& res, const float* M, std::int64_t rows, int k, float* G) {
  const float one = 1.0f;
  const float zero = 0.0f;
  CUBLAS_CHECK(cublasSgemm(res.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, k, k,
                           checked_int(rows, "rows of the Gram product"), &one, M, k, M, k, &zero,
                           G, k));
}

// The block size (a multiple of 32) the CG kernel runs with for k factors: enough threads that
// each owns at most a few factors, few enough that the block-wide reductions stay cheap.
// Every k in 1..kMaxFactors is served: threads stride over factors.
template <int kBlock>
void launch_cg(const Context& res, float* X, const float* Y, const float* G, const DeviceCsr& csr,
               int k, float lambda, Confidence conf, int cg_steps) {
  static_assert(kBlock % kWarpSize == 0 && kBlock <= 1024, "CG block size");
  const std::size_t smem = cg_shared_bytes(k);
  auto kernel = cg_solve_kernel<kBlock>;
  const int grid = resident_grid(res, kernel, kBlock, smem, csr.rows);
  kernel<<<grid, kBlock, smem, res.stream()>>>(X, Y, G, csr, k, lambda, conf, cg_steps);
  CUDA_CHECK_LAST(res.stream());
}

void cg_solve(const Context& res, float* X, const float* Y, const float* G, const DeviceCsr& csr,
              int k, float lambda, Confidence conf, int cg_steps) {
  static_assert(cg_shared_bytes(kMaxFactors) <= 48 * 1024,
                "the CG kernel's shared memory must fit the default 48 KiB per block");
  if (csr.rows == 0) return;
  if (k <= 32)
    launch_cg<32>(res, X, Y, G, csr, k, lambda, conf, cg_steps);
  else if (k <= 64)
    launch_cg<64>(res, X, Y, G, csr, k, lambda, conf, cg_steps);
  else if (k <= 128)
    launch_cg<128>(res, X, Y, G, csr, k, lambda, conf, cg_steps);
  else
    launch_cg<256>(res, X, Y, G, csr, k, lambda, conf, cg_steps);
}

// Reductions of the objective: each writes one double per block into a slice of one buffer that
// is copied back once.
constexpr int kReduceBlock = 256;
constexpr int kReduceGrid = 256;

class CudaIals final : public IalsEngine {
 public:
  CudaIals(std::shared_ptr<Context> context, const CsrView& customer_items,
           const CsrView& item_customers, const IalsParams& params)
      : params_(params),
        k_(params.factors),
        customers_(customer_items.rows),
        items_(customer_items.cols),
        context_(std::move(context)),
        res_(*context_),
        by_customer_(res_, customer_items, true),
        by_item_(res_, item_customers, true),
        factors_(res_, customers_, items_, k_, "iALS (CUDA)"),
        G_(res_.alloc<float>(static_cast<std::size_t>(k_) * k_)),
        H_(res_.alloc<float>(static_cast<std::size_t>(k_) * k_)),
        partials_(res_.alloc<double>(3 * kReduceGrid + 2 * kReduceGrid)) {
    // Until set_factors: uniform [0, 0.01) from params.seed, customers first, exactly as the CPU
    // engine starts (the same generator and distribution on the host), so both backends begin
    // from the same point.
    std::vector<float> X(static_cast<std::size_t>(customers_) * k_);
    std::vector<float> Y(static_cast<std::size_t>(items_) * k_);
    std::mt19937_64 rng(params.seed);
    std::uniform_real_distribution<float> u(0.0f, 0.01f);
    for (auto& v : X) v = u(rng);
    for (auto& v : Y) v = u(rng);
    factors_.set(X, Y);  // surfaces any allocation or copy error here, in the factory
  }

  [[nodiscard]] std::string backend_name() const override { return "cuda"; }

  void set_factors(std::span<const float> X, std::span<const float> Y) override {
    factors_.set(X, Y);
  }
  void get_factors(std::span<float> X, std::span<float> Y) override { factors_.get(X, Y); }

  // Each half-step returns when its result is final: errors surface at the call that caused
  // them, and the caller's per-iteration timings measure the work, not the launch.
  void solve_customers() override {
    gram(res_, factors_.Y(), items_, k_, G_.data());
    cg_solve(res_, factors_.X(), factors_.Y(), G_.data(), view_of(by_customer_), k_,
             params_.regularization, Confidence::from(params_), params_.cg_steps);
    res_.synchronize();
  }

  void solve_items() override {
    gram(res_, factors_.X(), customers_, k_, G_.data());
    cg_solve(res_, factors_.Y(), factors_.X(), G_.data(), view_of(by_item_), k_,
             params_.regularization, Confidence::from(params_), params_.cg_steps);
    res_.synchronize();
  }

  // sum_u x_u^T G x_u = <G, X^T X> (Frobenius), so the all-pairs term needs two k x k Gram
  // products instead of a customers x k temporary.
  [[nodiscard]] Objective objective() override {
    gram(res_, factors_.Y(), items_, k_, G_.data());
    gram(res_, factors_.X(), customers_, k_, H_.data());
    double* part = partials_.data();
    const std::int64_t kk = static_cast<std::int64_t>(k_) * k_;
    launch_dot(G_.data(), H_.data(), kk, part);
    launch_dot(factors_.X(), factors_.X(), customers_ * k_, part + kReduceGrid);
    launch_dot(factors_.Y(), factors_.Y(), items_ * k_, part + 2 * kReduceGrid);
    launch_observed(part + 3 * kReduceGrid, part + 4 * kReduceGrid);

    std::vector<double> host(partials_.size());
    partials_.download(host.data(), host.size());
    res_.synchronize();
    double sums[5] = {0, 0, 0, 0, 0};  // <G,H>, |X|^2, |Y|^2, observed correction, sum c
    for (int s = 0; s < 5; ++s)
      for (int b = 0; b < kReduceGrid; ++b)
        sums[s] += host[static_cast<std::size_t>(s) * kReduceGrid + b];

    Objective o;
    o.data = sums[0] + sums[3];
    o.regularization = static_cast<double>(params_.regularization) * (sums[1] + sums[2]);
    o.total = o.data + o.regularization;
    const double pairs = sums[4] + static_cast<double>(customers_) * static_cast<double>(items_) -
                         static_cast<double>(by_customer_.nnz);
    o.normalized = pairs > 0.0 ? o.total / pairs : 0.0;
    return o;
  }

 private:
  // Every partial slot is written (blocks with no work write 0), so no memset is needed.
  void launch_dot(const float* a, const float* b, std::int64_t n, double* out) {
    dot_partials_kernel<kReduceBlock>
        <<<kReduceGrid, kReduceBlock, 0, res_.stream()>>>(a, b, n, out);
    CUDA_CHECK_LAST(res_.stream());
  }

  void launch_observed(double* loss, double* conf) {
    observed_loss_kernel<kReduceBlock><<<kReduceGrid, kReduceBlock, 0, res_.stream()>>>(
        factors_.X(), factors_.Y(), view_of(by_customer_), k_, Confidence::from(params_), loss, conf);
    CUDA_CHECK_LAST(res_.stream());
  }

  IalsParams params_;
  int k_;
  std::int64_t customers_;
  std::int64_t items_;
  std::shared_ptr<Context> context_;  // before every buffer: buffers are freed on its stream
  const Context& res_;
  CsrOnDevice by_customer_;
  CsrOnDevice by_item_;
  DeviceFactors factors_;          // X: customers x k, Y: items x k
  DeviceBuffer<float> G_;          // k x k Gram matrix of the fixed side
  DeviceBuffer<float> H_;          // k x k, X^T X for the objective
  DeviceBuffer<double> partials_;  // 5 x kReduceGrid block partial sums
};

}  // namespace
}  // namespace cuda

std::unique_ptr<IalsEngine> make_cuda_ials(std::shared_ptr<cuda::Context> context,
                                           const CsrView& customer_items,
                                           const CsrView& item_customers,
                                           const IalsParams& params) {
  detail::validate_ials_problem(customer_items, item_customers, params);
  // cuBLAS takes the row counts of the Gram products as int.
  (void)cuda::checked_int(customer_items.rows, "customers");
  (void)cuda::checked_int(customer_items.cols, "items");
  context->activate();
  return std::make_unique<cuda::CudaIals>(std::move(context), customer_items, item_customers,
                                          params);
}

}  // namespace tailor
