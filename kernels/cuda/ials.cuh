// Device code of the iALS half-step and objective (launchers in ials.cu).
//
// Notation (one half-step): the rows being solved are X (rows x k), the fixed side is Y
// (cols x k), both row-major fp32 on the device; G = Y^T Y (k x k, symmetric). Row u's stored
// interactions are (i, w) pairs of a CSR matrix with int64 row offsets rebased to 0.
#pragma once

#include <cstdint>

#include "kernels/cuda/common.cuh"

namespace tailor::cuda {

// CG stops once the squared residual norm falls below this (as implicit's als.cu does).
inline constexpr float kCgSmall = 1e-20f;
// Stored items whose dot products one block computes before it folds them into its output
// vector; sets the shared scratch size.
inline constexpr int kCgItemChunk = 128;

// The device view of one CSR matrix (rows + 1 offsets rebased to start at 0).
struct DeviceCsr {
  const std::int64_t* indptr = nullptr;    // (rows + 1)
  const std::uint32_t* indices = nullptr;  // (nnz)
  const float* weights = nullptr;          // (nnz)
  std::int64_t rows = 0;
};

// Shared memory of the CG kernel: four k-vectors and the per-chunk item scratch.
__host__ __device__ constexpr std::size_t cg_shared_bytes(int k) {
  return 4 * static_cast<std::size_t>(k) * sizeof(float) +
         kCgItemChunk * (sizeof(float) + sizeof(std::uint32_t));
}

// out = s * (G v + lambda v) + sum_{i in row} coef_i y_i, where coef_i is
//   residual mode (s = -1): c_i - (c_i - 1)(y_i . v)   -> out = b - A v
//   product mode  (s = +1): (c_i - 1)(y_i . v)         -> out = A v
// with A = G + sum_i (c_i - 1) y_i y_i^T + lambda I and b = sum_i c_i y_i.
// v must be complete in shared memory when this is called. Each thread writes only the entries
// f = threadIdx.x + j * kBlock of `out`, the same ones it owns in the caller.
template <int kBlock, bool kResidual>
__device__ void cg_apply(const float* __restrict__ v, float* __restrict__ out,
                         const float* __restrict__ Y, const float* __restrict__ G, int k,
                         float lambda, const DeviceCsr& csr, std::int64_t begin, std::int64_t end,
                         Confidence conf, float* chunk_coef, std::uint32_t* chunk_item) {
  constexpr int kWarps = kBlock / kWarpSize;
  const int tid = static_cast<int>(threadIdx.x);
  const int lane = tid % kWarpSize;
  const int warp = tid / kWarpSize;

  // Dense part: G is symmetric, so column f of G (G[j * k + f]) is row f; consecutive threads
  // read consecutive addresses.
  for (int f = tid; f < k; f += kBlock) {
    float acc = 0.0f;
    for (int j = 0; j < k; ++j) acc += G[static_cast<std::size_t>(j) * k + f] * v[j];
    acc += lambda * v[f];
    out[f] = kResidual ? -acc : acc;
  }

  // Sparse part, a chunk of stored items at a time: one warp per item computes y_i . v with a
  // shuffle reduction, then every thread adds sum_i coef_i y_i[f] for its own entries.
  for (std::int64_t base = begin; base < end; base += kCgItemChunk) {
    const int n = static_cast<int>(end - base < kCgItemChunk ? end - base : kCgItemChunk);
    for (int t = warp; t < n; t += kWarps) {
      const std::uint32_t item = csr.indices[base + t];
      const float* y = Y + static_cast<std::size_t>(item) * k;
      float d = 0.0f;
      for (int f = lane; f < k; f += kWarpSize) d += y[f] * v[f];
      d = warp_sum(d);
      if (lane == 0) {
        const float cm1 = conf.minus_one(csr.weights[base + t]);
        chunk_coef[t] = kResidual ? (1.0f + cm1) - cm1 * d : cm1 * d;
        chunk_item[t] = item;
      }
    }
    __syncthreads();
    for (int f = tid; f < k; f += kBlock) {
      float acc = out[f];
      for (int t = 0; t < n; ++t)
        acc += chunk_coef[t] * Y[static_cast<std::size_t>(chunk_item[t]) * k + f];
      out[f] = acc;
    }
    __syncthreads();  // the next chunk overwrites chunk_coef / chunk_item
  }
}

// One CG solve per row of X (one block per row, threads stride over the k factors, so every k in
// 1..kMaxFactors works with any block size). A block claims its next row from the atomic counter
// *next_row (zero at launch) and solves row order[claimed]: rows by decreasing entry count, so
// heavy rows start first and light ones fill in around them (kernels/row_order.hpp).
//   r = b - A x; p = r; rsold = r.r
//   repeat cg_steps times: Ap; alpha = rsold / p.Ap; x += alpha p; r -= alpha Ap;
//     rsnew = r.r; stop if rsnew < kCgSmall; p = r + (rsnew / rsold) p; rsold = rsnew
// It also stops if p.Ap is not positive (A is not positive definite along p, only possible with
// lambda = 0 and a rank-deficient G), which keeps x finite instead of dividing by zero. With
// zero_empty_rows (the customer half-step) a row without interactions is set to 0, its exact
// solution, as on the CPU.
// Dynamic shared memory: cg_shared_bytes(k).
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    cg_solve_kernel(float* __restrict__ X, const float* __restrict__ Y, const float* __restrict__ G,
                    DeviceCsr csr, const std::uint32_t* __restrict__ order,
                    unsigned long long* __restrict__ next_row, int k, float lambda,
                    Confidence conf, int cg_steps, bool zero_empty_rows) {
  extern __shared__ float smem[];
  float* x = smem;
  float* r = x + k;
  float* p = r + k;
  float* ap = p + k;
  float* chunk_coef = ap + k;
  auto* chunk_item = reinterpret_cast<std::uint32_t*>(chunk_coef + kCgItemChunk);
  __shared__ float scratch[kBlock / kWarpSize + 1];
  __shared__ unsigned long long claimed;
  const int tid = static_cast<int>(threadIdx.x);

  for (;;) {
    // Thread 0 claims; the second barrier keeps its next claim from overwriting `claimed` before
    // every thread has read this one. All threads see the same value and leave together.
    if (tid == 0) claimed = atomicAdd(next_row, 1ULL);
    __syncthreads();
    const unsigned long long slot = claimed;
    __syncthreads();
    if (slot >= static_cast<unsigned long long>(csr.rows)) break;
    const std::int64_t row = order[slot];
    float* xg = X + static_cast<std::size_t>(row) * k;
    const std::int64_t begin = csr.indptr[row];
    const std::int64_t end = csr.indptr[row + 1];
    if (begin == end && zero_empty_rows) {
      // No interactions: b = 0 and x = 0 is the exact solution. Nothing shared is touched, and
      // every thread read `claimed` before the barrier above, so the block may go straight to
      // its next claim.
      for (int f = tid; f < k; f += kBlock) xg[f] = 0.0f;
      continue;
    }
    for (int f = tid; f < k; f += kBlock) x[f] = xg[f];
    __syncthreads();

    cg_apply<kBlock, true>(x, r, Y, G, k, lambda, csr, begin, end, conf, chunk_coef, chunk_item);
    float part = 0.0f;
    for (int f = tid; f < k; f += kBlock) {
      p[f] = r[f];
      part += r[f] * r[f];
    }
    float rsold = block_sum<kBlock>(part, scratch);  // its barriers also publish p

    if (rsold >= kCgSmall) {
      for (int step = 0; step < cg_steps; ++step) {
        cg_apply<kBlock, false>(p, ap, Y, G, k, lambda, csr, begin, end, conf, chunk_coef,
                                chunk_item);
        part = 0.0f;
        for (int f = tid; f < k; f += kBlock) part += p[f] * ap[f];
        const float pap = block_sum<kBlock>(part, scratch);
        if (!(pap > 0.0f)) break;
        const float alpha = rsold / pap;
        part = 0.0f;
        for (int f = tid; f < k; f += kBlock) {
          x[f] += alpha * p[f];
          r[f] -= alpha * ap[f];
          part += r[f] * r[f];
        }
        const float rsnew = block_sum<kBlock>(part, scratch);
        if (rsnew < kCgSmall) break;
        const float beta = rsnew / rsold;
        for (int f = tid; f < k; f += kBlock) p[f] = r[f] + beta * p[f];
        rsold = rsnew;
        __syncthreads();  // p is read by every thread in the next cg_apply
      }
    }
    for (int f = tid; f < k; f += kBlock) xg[f] = x[f];
    __syncthreads();  // x, r, p are reloaded for the next row
  }
}

// ---- Gram products in double -----------------------------------------------------------------

// acc[i] (+)= sum_{b < batches} partials[b * kk + i] for i < kk, summed in double in batch order
// (deterministic); `first` overwrites acc instead of adding to it.
__global__ void add_gram_partials_kernel(const float* __restrict__ partials, int batches,
                                         std::int64_t kk, bool first, double* __restrict__ acc) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < kk;
       i += stride) {
    double s = first ? 0.0 : acc[i];
    for (int b = 0; b < batches; ++b) s += static_cast<double>(partials[b * kk + i]);
    acc[i] = s;
  }
}

// G[i] = (float) acc[i] for i < kk.
__global__ void gram_to_float_kernel(const double* __restrict__ acc, std::int64_t kk,
                                     float* __restrict__ G) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < kk;
       i += stride)
    G[i] = static_cast<float>(acc[i]);
}

// ---- objective ----------------------------------------------------------------------------------

// partial[blockIdx.x] = sum over this block's share of i < n of a[i] * b[i], in double.
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    dot_partials_kernel(const float* __restrict__ a, const float* __restrict__ b, std::int64_t n,
                        double* __restrict__ partial) {
  __shared__ double scratch[kBlock / kWarpSize + 1];
  double acc = 0.0;
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * kBlock;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * kBlock + threadIdx.x; i < n;
       i += stride)
    acc += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  acc = block_sum<kBlock>(acc, scratch);
  if (threadIdx.x == 0) partial[blockIdx.x] = acc;
}

// Over the stored pairs (u, i) of this block's rows, with s = x_u . y_i and c = c(w_ui):
//   partial_loss[blockIdx.x] = sum c (1 - s)^2 - s^2,  partial_conf[blockIdx.x] = sum c.
// One warp per stored pair, lanes over factors; accumulated in double.
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    observed_loss_kernel(const float* __restrict__ X, const float* __restrict__ Y, DeviceCsr csr,
                         int k, Confidence conf, double* __restrict__ partial_loss,
                         double* __restrict__ partial_conf) {
  constexpr int kWarps = kBlock / kWarpSize;
  __shared__ double scratch[kBlock / kWarpSize + 1];
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  double loss = 0.0;
  double conf_sum = 0.0;
  for (std::int64_t row = blockIdx.x; row < csr.rows; row += gridDim.x) {
    const float* x = X + static_cast<std::size_t>(row) * k;
    for (std::int64_t e = csr.indptr[row] + warp; e < csr.indptr[row + 1]; e += kWarps) {
      const float* y = Y + static_cast<std::size_t>(csr.indices[e]) * k;
      double s = 0.0;
      for (int f = lane; f < k; f += kWarpSize)
        s += static_cast<double>(x[f]) * static_cast<double>(y[f]);
      s = warp_sum(s);
      if (lane == 0) {
        const double c = conf(csr.weights[e]);
        loss += c * (1.0 - s) * (1.0 - s) - s * s;
        conf_sum += c;
      }
    }
  }
  loss = block_sum<kBlock>(loss, scratch);
  conf_sum = block_sum<kBlock>(conf_sum, scratch);
  if (threadIdx.x == 0) {
    partial_loss[blockIdx.x] = loss;
    partial_conf[blockIdx.x] = conf_sum;
  }
}

}  // namespace tailor::cuda
