// The CUDA iALS engine: both CSR matrices (with their row claim orders) and both factor matrices
// live on the device for the engine's lifetime; a half-step is one Gram product (fp32 SGEMMs
// over row chunks, summed in double) and one CG kernel launch.
#include <cuda_runtime.h>

#include <algorithm>
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
#include "kernels/ials_layout.hpp"
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
                                " exceeds the 32-bit row range");
  return static_cast<int>(v);
}

using ials_layout::kGramChunk;
constexpr int kGramBlock = 256;

// G = M^T M for a row-major rows x k matrix M, accumulated in double: the CPU backend sums the
// Gram in double on purpose, and one fp32 SGEMM over millions of rows would drift from it. M is
// cut into chunks of kGramChunk rows; one strided-batched SGEMM gives each chunk's k x k product
// in fp32, add_gram_partials_kernel adds them into a double k x k sum in a fixed order, and the
// sum is rounded once into G (k x k, symmetric, so row- and column-major agree).
// cuBLAS is column-major: the row-major M buffer is the column-major k x rows matrix M^T, so a
// chunk's M_c^T M_c = gemm(N, T) on its slice with lda = k.
class GramSum {
 public:
  GramSum(const Context& res, int k)
      : res_(res),
        k_(k),
        batch_(static_cast<int>(ials_layout::gram_batch(k))),
        partials_(res.alloc<float>(static_cast<std::size_t>(batch_) * k * k)),
        acc_(res.alloc<double>(static_cast<std::size_t>(k) * k)) {}

  void operator()(const float* M, std::int64_t rows, float* G) {
    const std::int64_t kk = static_cast<std::int64_t>(k_) * k_;
    const std::int64_t full = rows / kGramChunk;
    bool first = true;
    for (std::int64_t c = 0; c < full; c += batch_) {
      const int n = static_cast<int>(std::min<std::int64_t>(batch_, full - c));
      chunk_products(M + c * kGramChunk * k_, static_cast<int>(kGramChunk), n);
      add(n, first);
      first = false;
    }
    if (const std::int64_t rest = rows - full * kGramChunk; rest > 0) {
      chunk_products(M + full * kGramChunk * k_, static_cast<int>(rest), 1);
      add(1, first);
    } else if (first) {  // no rows: the Gram is zero
      CUDA_CHECK(cudaMemsetAsync(acc_.data(), 0, kk * sizeof(double), res_.stream()));
    }
    gram_to_float_kernel<<<grid(kk), kGramBlock, 0, res_.stream()>>>(acc_.data(), kk, G);
    CUDA_CHECK_LAST(res_.stream());
  }

 private:
  // partials_[b] = M_b^T M_b for the n chunks of `rows` rows each starting at M.
  void chunk_products(const float* M, int rows, int n) {
    const float one = 1.0f;
    const float zero = 0.0f;
    const long long chunk_stride = static_cast<long long>(rows) * k_;
    const long long out_stride = static_cast<long long>(k_) * k_;
    CUBLAS_CHECK(cublasSgemmStridedBatched(res_.cublas(), CUBLAS_OP_N, CUBLAS_OP_T, k_, k_, rows,
                                           &one, M, k_, chunk_stride, M, k_, chunk_stride, &zero,
                                           partials_.data(), k_, out_stride, n));
  }
  void add(int n, bool first) {
    const std::int64_t kk = static_cast<std::int64_t>(k_) * k_;
    add_gram_partials_kernel<<<grid(kk), kGramBlock, 0, res_.stream()>>>(partials_.data(), n, kk,
                                                                           first, acc_.data());
    CUDA_CHECK_LAST(res_.stream());
  }
  static int grid(std::int64_t kk) {
    return static_cast<int>(std::min<std::int64_t>((kk + kGramBlock - 1) / kGramBlock, 1024));
  }

  const Context& res_;
  int k_;
  int batch_;
  DeviceBuffer<float> partials_;  // batch x k x k
  DeviceBuffer<double> acc_;      // k x k
};

// One CG launch over every row of `m`: the row counter is zeroed on the stream first, then blocks
// claim rows in m.order.
struct CgLaunch {
  float* X;
  const float* Y;
  const float* G;
  const CsrOnDevice& m;
  unsigned long long* next_row;
  int k;
  float lambda;
  Confidence conf;
  int cg_steps;
  bool zero_empty_rows;  // the customer half-step: rows without interactions become 0
};

template <int kBlock>
void launch_cg(const Context& res, const CgLaunch& a) {
  static_assert(kBlock % kWarpSize == 0 && kBlock <= 1024, "CG block size");
  const std::size_t smem = cg_shared_bytes(a.k);
  auto kernel = cg_solve_kernel<kBlock>;
  const int grid = resident_grid(res, kernel, kBlock, smem, a.m.rows);
  CUDA_CHECK(cudaMemsetAsync(a.next_row, 0, sizeof(unsigned long long), res.stream()));
  kernel<<<grid, kBlock, smem, res.stream()>>>(a.X, a.Y, a.G, view_of(a.m), a.m.order.data(),
                                               a.next_row, a.k, a.lambda, a.conf, a.cg_steps,
                                               a.zero_empty_rows);
  CUDA_CHECK_LAST(res.stream());
}

// The block size (a multiple of 32) the CG kernel runs with for k factors: enough threads that
// each owns at most a few factors, few enough that the block-wide reductions stay cheap.
// Every k in 1..kMaxFactors is served: threads stride over factors.
void cg_solve(const Context& res, const CgLaunch& a) {
  static_assert(cg_shared_bytes(kMaxFactors) <= 48 * 1024,
                "the CG kernel's shared memory must fit the default 48 KiB per block");
  if (a.m.rows == 0) return;
  if (a.k <= 32)
    launch_cg<32>(res, a);
  else if (a.k <= 64)
    launch_cg<64>(res, a);
  else if (a.k <= 128)
    launch_cg<128>(res, a);
  else
    launch_cg<256>(res, a);
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
        by_customer_(res_, customer_items, true, true),
        by_item_(res_, item_customers, true, true),
        factors_(res_, customers_, items_, k_, "iALS (CUDA)"),
        gram_(res_, k_),
        next_row_(res_.alloc<unsigned long long>(1)),
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
    gram_(factors_.Y(), items_, G_.data());
    cg_solve(res_, {factors_.X(), factors_.Y(), G_.data(), by_customer_, next_row_.data(), k_,
                    params_.regularization, Confidence::from(params_), params_.cg_steps, true});
    res_.synchronize();
  }

  void solve_items() override {
    gram_(factors_.X(), customers_, G_.data());
    cg_solve(res_, {factors_.Y(), factors_.X(), G_.data(), by_item_, next_row_.data(), k_,
                    params_.regularization, Confidence::from(params_), params_.cg_steps, false});
    res_.synchronize();
  }

  // sum_u x_u^T G x_u = <G, X^T X> (Frobenius), so the all-pairs term needs two k x k Gram
  // products instead of a customers x k temporary.
  [[nodiscard]] Objective objective() override {
    gram_(factors_.Y(), items_, G_.data());
    gram_(factors_.X(), customers_, H_.data());
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
  GramSum gram_;                   // Gram products accumulated in double
  DeviceBuffer<unsigned long long> next_row_;  // the CG kernel's row counter
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
  // Row indices of the claim order are 32-bit, and cuBLAS takes the chunk row counts as int.
  (void)cuda::checked_int(customer_items.rows, "customers");
  (void)cuda::checked_int(customer_items.cols, "items");
  context->activate();
  return std::make_unique<cuda::CudaIals>(std::move(context), customer_items, item_customers,
                                          params);
}

}  // namespace tailor
