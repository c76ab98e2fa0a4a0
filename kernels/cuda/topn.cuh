// Device code of the top-N scorer (launcher in topn.cu).
//
// Scores are sorted as 32-bit unsigned keys whose order is the order we want:
//   excluded item          -> kExcludedKey (0): after everything
//   NaN score (any sign)   -> kNanKey (1): after every real score, before excluded items
//   score s (with -0 -> +0) -> order-preserving bit transform, >= key(-inf) = 0x007fffff
// A stable descending radix sort of (key, item) pairs then yields higher score first and equal
// scores by lower item index, which is the CPU comparator's tie rule; -0.0 and +0.0 tie as they
// do under operator<. NaN only arises from non-finite factors; placing it last (but still
// eligible) is a documented choice, the CPU comparator has no defined order for it.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/cuda/common.cuh"

namespace tailor::cuda {

inline constexpr std::uint32_t kExcludedKey = 0;
inline constexpr std::uint32_t kNanKey = 1;

__device__ __forceinline__ std::uint32_t score_key(float s) {
  if (isnan(s)) return kNanKey;
  std::uint32_t u = __float_as_uint(s);
  if ((u & 0x7fffffffu) == 0) u = 0;  // -0.0 -> +0.0
  return (u & 0x80000000u) != 0 ? ~u : (u | 0x80000000u);
}

// The score a key came from (host side: keys come back with the sorted lists).
inline float key_score(std::uint32_t key) {
  if (key == kNanKey || key == kExcludedKey) return std::numeric_limits<float>::quiet_NaN();
  const std::uint32_t u = (key & 0x80000000u) != 0 ? (key & 0x7fffffffu) : ~key;
  float s;
  std::memcpy(&s, &u, sizeof s);
  return s;
}

// For customer b of the batch (grid-stride, one block per customer): turns its row of the score
// tile (float bits, items wide) into sort keys in place, writes the item indices 0..items-1 as
// sort values, sets the keys of its seen items (rows first + b of the seen CSR) to kExcludedKey,
// and counts the remaining (eligible) items into eligible[b].
// keys: batch x items, values: batch x items, seen_indptr rebased to 0 (null: nothing excluded).
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    mask_kernel(std::uint32_t* __restrict__ keys, std::uint32_t* __restrict__ values,
                const std::int64_t* __restrict__ seen_indptr,
                const std::uint32_t* __restrict__ seen_indices, std::int64_t first, int batch,
                int items, int* __restrict__ eligible) {
  __shared__ int scratch[kBlock / kWarpSize + 1];
  const int tid = static_cast<int>(threadIdx.x);
  for (int b = static_cast<int>(blockIdx.x); b < batch; b += static_cast<int>(gridDim.x)) {
    std::uint32_t* key = keys + static_cast<std::size_t>(b) * items;
    std::uint32_t* value = values + static_cast<std::size_t>(b) * items;
    // 64-bit j: with items close to INT_MAX, an int j + kBlock would overflow.
    for (std::int64_t j = tid; j < items; j += kBlock) {
      key[j] = score_key(__uint_as_float(key[j]));
      value[j] = static_cast<std::uint32_t>(j);
    }
    __syncthreads();
    if (seen_indptr != nullptr) {
      const std::int64_t begin = seen_indptr[first + b];
      const std::int64_t end = seen_indptr[first + b + 1];
      for (std::int64_t e = begin + tid; e < end; e += kBlock) {
        const std::uint32_t j = seen_indices[e];
        if (j < static_cast<std::uint32_t>(items)) key[j] = kExcludedKey;
      }
      __syncthreads();
    }
    int count = 0;
    for (std::int64_t j = tid; j < items; j += kBlock) count += key[j] != kExcludedKey ? 1 : 0;
    count = block_sum<kBlock>(count, scratch);
    if (tid == 0) eligible[b] = count;
    __syncthreads();  // key[] of this row is final before the block moves on
  }
}

}  // namespace tailor::cuda
