// Device code of the item-item models (launchers in item_knn.cu and ease.cu): the item x item
// co-occurrence sums that both start from, and item kNN's similarity keys (EASE's own kernels are
// in ease.cu).
//
// Co-occurrence: for item i, sum over its customers u and their items j of v_ui v_uj. Both
// layouts of the customer x item matrix are resident (ic: items x customers, ci: customers x
// items). One warp takes one item row: it walks i's customers in order and, for each, its lanes
// take the customer's items, which are distinct, so no two lanes of a step touch the same output;
// __syncwarp orders one customer's updates before the next customer's. The sums are therefore
// formed in exactly the order of the CPU kernels (kernels/cpu/item_knn_cpu.cpp, ease_cpu.cpp),
// with explicitly rounded multiply and add (no fused multiply-add), so they equal the CPU's to
// the bit. Cost: the co-purchase pairs of the batch's items, like the CPU; an item with very many
// customers is one warp's serial work (the price of the fixed order).
#pragma once

#include <cstdint>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/topn.cuh"

namespace tailor::cuda {

// The value v_uk of stored pair k, read by the co-occurrence kernel.
struct UnitValues {  // 1 for every stored pair (binary)
  __device__ __forceinline__ double operator()(std::int64_t) const { return 1.0; }
};
struct FloatValues {  // the stored float weight
  const float* w;
  __device__ __forceinline__ double operator()(std::int64_t k) const {
    return static_cast<double>(w[k]);
  }
};
struct DoubleValues {  // precomputed doubles (item kNN's weighted a_ui)
  const double* a;
  __device__ __forceinline__ double operator()(std::int64_t k) const { return a[k]; }
};

// The pattern of one layout on the device: indptr rebased to 0 (rows + 1), indices (nnz).
struct DevicePattern {
  const std::int64_t* indptr;
  const std::uint32_t* indices;
};

// out (batch x ld, row-major, zeroed by the caller) += the co-occurrence rows of items
// first .. first + batch - 1: out[b * ld + j] += vic(k) * vci(q) for every customer
// u = ic.indices[k] of item i = first + b and every item j = ci.indices[q] of u; j == i is left
// out when skip_self. Grid-stride over warps; kBlock threads per block.
template <int kBlock, typename IcValues, typename CiValues>
__global__ void __launch_bounds__(kBlock)
    cooccurrence_kernel(DevicePattern ic, IcValues vic, DevicePattern ci, CiValues vci,
                        std::int64_t first, std::int64_t batch, std::int64_t ld, bool skip_self,
                        double* __restrict__ out) {
  static_assert(kBlock % kWarpSize == 0, "whole warps per block");
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * (kBlock / kWarpSize);
  for (std::int64_t b = (static_cast<std::int64_t>(blockIdx.x) * kBlock + threadIdx.x) / kWarpSize;
       b < batch; b += warps) {
    const std::int64_t i = first + b;
    double* row = out + b * ld;
    for (std::int64_t k = ic.indptr[i]; k < ic.indptr[i + 1]; ++k) {
      const std::uint32_t u = ic.indices[k];
      const double x = vic(k);
      for (std::int64_t q = ci.indptr[u] + lane; q < ci.indptr[u + 1]; q += kWarpSize) {
        const std::uint32_t j = ci.indices[q];
        if (skip_self && j == static_cast<std::uint32_t>(i)) continue;
        row[j] = __dadd_rn(row[j], __dmul_rn(x, vci(q)));
      }
      __syncwarp();  // this customer's updates are visible before the next customer's
    }
  }
}

// ---- item kNN -----------------------------------------------------------------------------------

// For row b of the batch (item i = first + b; one block per row, grid-stride): turns the dot
// products dot[b * items + j] into sort keys of sim(i, j) = dot / (|a_i| |a_j| + shrinkage),
// rounded to float as the CPU does, with kExcludedKey for j == i and every sim <= 0; writes the
// items 0 .. items - 1 as sort values and counts the positive similarities into positive[b].
// keys, values: batch x items; norm: (items).
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    similarity_keys_kernel(const double* __restrict__ dot, const double* __restrict__ norm,
                           double shrinkage, std::int64_t first, int batch, int items,
                           std::uint32_t* __restrict__ keys, std::uint32_t* __restrict__ values,
                           int* __restrict__ positive) {
  __shared__ int scratch[kBlock / kWarpSize + 1];
  const int tid = static_cast<int>(threadIdx.x);
  for (int b = static_cast<int>(blockIdx.x); b < batch; b += static_cast<int>(gridDim.x)) {
    const std::int64_t i = first + b;
    const std::size_t row = static_cast<std::size_t>(b) * static_cast<std::size_t>(items);
    int count = 0;
    for (std::int64_t j = tid; j < items; j += kBlock) {
      const double d = dot[row + j];
      float sim = 0.0f;
      if (j != i && d > 0.0) {
        const double denominator = __dadd_rn(__dmul_rn(norm[i], norm[j]), shrinkage);
        if (denominator > 0.0) sim = __double2float_rn(__ddiv_rn(d, denominator));
      }
      keys[row + j] = sim > 0.0f ? score_key(sim) : kExcludedKey;
      values[row + j] = static_cast<std::uint32_t>(j);
      count += sim > 0.0f ? 1 : 0;
    }
    count = block_sum<kBlock>(count, scratch);
    if (tid == 0) positive[b] = count;
  }
}

}  // namespace tailor::cuda
