// Device code of the BPR SGD epoch and its sampled objective (launcher in bpr.cu).
//
// One warp per sample, warps striding over the epoch's sample indices. Every lane of a warp runs
// the (scalar, branchy) sampler of kernels/bpr_sampler.hpp on the same counter-based key, so all
// lanes reach the same triple without any broadcast and the warp never diverges on it; then the
// lanes split the columns (f = lane, lane + 32, ...) for the dot product and the update. With
// the item bias the rows have k + 1 columns: the lane holding column k updates only the items'
// biases (the customer's column k is the fixed 1), as the CPU engine does.
//
// Updates are Hogwild: rows live in global memory, other warps may read a row while it is being
// changed. They are applied with atomicAdd (fire-and-forget reductions on sm_60+) so concurrent
// updates of a popular item's row add up instead of overwriting one another; the values each
// delta is computed from may still be stale, as in any Hogwild SGD.
#pragma once

#include <cstdint>

#include "kernels/bpr_sampler.hpp"
#include "kernels/cuda/common.cuh"

namespace tailor::cuda {

// Threads per block of the BPR kernel (8 warps; one sample per warp at a time).
inline constexpr int kBprBlock = 256;
inline constexpr int kBprWarps = kBprBlock / kWarpSize;
// Sample indices a warp should process one after another before the grid grows: keeps small
// problems from running every sample of an epoch at once (where Hogwild staleness turns SGD
// into one huge stale batch).
inline constexpr std::int64_t kBprSamplesPerWarp = 32;

struct BprKernelArgs {
  float* X = nullptr;  // customers x width
  float* Y = nullptr;  // items x width
  bpr::SamplerView sampler;  // device pointers, indptr rebased to 0
  int k = 0;      // learned columns of a customer row
  int width = 0;  // columns of every row: k, or k + 1 with the item bias (column k)
  float lr = 0.0f;
  float lambda = 0.0f;
  float lambda_bias = 0.0f;  // L2 weight of the item bias column
  std::uint64_t seed = 0;
  std::uint64_t epoch = 0;
  std::int64_t samples = 0;
  bool update = false;
  // Per block: loss sum, correctly ordered count, skipped count; partials[s * gridDim.x + block].
  double* partials = nullptr;
  // Optional (debug): the drawn triples, one per sample, when not null.
  BprTriple* triples = nullptr;
};

template <int kBlock>
__global__ void __launch_bounds__(kBlock) bpr_kernel(BprKernelArgs a) {
  static_assert(kBlock % kWarpSize == 0 && kBlock <= 1024, "BPR block size");
  __shared__ double scratch[kBlock / kWarpSize + 1];
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const std::int64_t warp = static_cast<std::int64_t>(blockIdx.x) * (kBlock / kWarpSize) +
                            static_cast<std::int64_t>(threadIdx.x) / kWarpSize;
  const std::int64_t warps = static_cast<std::int64_t>(gridDim.x) * (kBlock / kWarpSize);
  const int w = a.width;

  double loss = 0.0;  // kept by lane 0 only
  double correct = 0.0;
  double skipped = 0.0;
  for (std::int64_t s = warp; s < a.samples; s += warps) {
    const BprTriple t =
        bpr::sample_triple(a.sampler, a.seed, a.epoch, static_cast<std::uint64_t>(s));
    if (a.triples != nullptr && lane == 0) a.triples[s] = t;
    if (t.skipped()) {  // the same for every lane: no divergence
      if (lane == 0) skipped += 1.0;
      continue;
    }
    float* xu = a.X + t.customer * w;
    float* yi = a.Y + static_cast<std::int64_t>(t.positive) * w;
    float* yj = a.Y + static_cast<std::int64_t>(t.negative) * w;
    float x = 0.0f;
    for (int f = lane; f < w; f += kWarpSize) x += xu[f] * (yi[f] - yj[f]);
    x = warp_sum(x);  // every lane holds the full dot product
    if (lane == 0) {
      loss += bpr::neg_log_sigmoid(static_cast<double>(x));
      correct += x > 0.0f ? 1.0 : 0.0;
    }
    if (!a.update) continue;
    const float g = 1.0f / (1.0f + expf(x));  // sigma(-x)
    for (int f = lane; f < w; f += kWarpSize) {
      const float u = xu[f];
      const float pi = yi[f];
      const float nj = yj[f];
      // Column k (the item bias) leaves the customer's fixed 1 alone and has its own weight.
      const bool bias = f >= a.k;
      const float lambda = bias ? a.lambda_bias : a.lambda;
      if (!bias) atomicAdd(xu + f, a.lr * (g * (pi - nj) - lambda * u));
      atomicAdd(yi + f, a.lr * (g * u - lambda * pi));
      atomicAdd(yj + f, a.lr * (-g * u - lambda * nj));
    }
  }

  // Every thread reaches these (the loop above has no early return).
  const double block_loss = block_sum<kBlock>(loss, scratch);
  const double block_correct = block_sum<kBlock>(correct, scratch);
  const double block_skipped = block_sum<kBlock>(skipped, scratch);
  if (threadIdx.x == 0) {
    a.partials[blockIdx.x] = block_loss;
    a.partials[gridDim.x + blockIdx.x] = block_correct;
    a.partials[2 * gridDim.x + blockIdx.x] = block_skipped;
  }
}

}  // namespace tailor::cuda
