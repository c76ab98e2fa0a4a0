// Sizes of the CUDA iALS engine's own scratch, in plain C++ so that the memory planner
// (host/train/planner.cpp) counts exactly what kernels/cuda/ials.cu allocates.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace tailor::ials_layout {

// Rows per fp32 SGEMM of a Gram product: each chunk's k x k product sums this many terms in fp32
// inside cuBLAS; the chunks' products are added in double.
inline constexpr std::int64_t kGramChunk = 16384;
// Chunk products held at once (one strided-batched SGEMM writes them), bounded by bytes.
inline constexpr std::size_t kGramPartialBytes = std::size_t{64} << 20;
inline constexpr std::size_t kMaxGramBatch = 4096;

// Chunk products one batched SGEMM writes for k factors.
inline constexpr std::size_t gram_batch(int k) {
  const std::size_t kk = static_cast<std::size_t>(k) * static_cast<std::size_t>(k);
  return std::clamp<std::size_t>(kGramPartialBytes / (kk * sizeof(float)), 1, kMaxGramBatch);
}

// Device bytes of the Gram scratch: the batch of fp32 chunk products and the double k x k sum.
inline constexpr std::size_t gram_scratch_bytes(int k) {
  const std::size_t kk = static_cast<std::size_t>(k) * static_cast<std::size_t>(k);
  return gram_batch(k) * kk * sizeof(float) + kk * sizeof(double);
}

// Device bytes of both CSRs' row claim orders (32-bit row indices) and the CG row counter.
inline constexpr std::size_t row_order_bytes(std::int64_t customers, std::int64_t items) {
  return static_cast<std::size_t>(customers + items) * sizeof(std::uint32_t) +
         sizeof(unsigned long long);
}

}  // namespace tailor::ials_layout
