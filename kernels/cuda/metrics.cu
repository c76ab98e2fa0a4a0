// cuda_ranking_metrics: the ranking metrics of kernels/cpu/metrics_cpu.cpp on the GPU.
//
// One thread per customer (grid-stride), each running the CPU backend's own pass
// (ranking::customer_metrics in kernels/ranking_pass.hpp) for every cutoff. Lists are short (at most a few hundred entries) and customers many, so a thread per
// customer keeps every lane busy without any cross-thread reduction.
//
// The lists, the relevant rows and the cutoffs are uploaded, the kernel runs on the stream of the
// run's Context, and the customers x ks x kRankingMetricCount floats come back; the only
// synchronisation is of that stream, before the result is returned.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/kernels.hpp"
#include "kernels/ranking_pass.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

constexpr int kMetricsBlock = 256;

// list_offsets: (customers + 1), list_items: (list entries), rel_indptr: (customers + 1) rebased
// to start at 0, rel_indices: (nnz), ks: (nk), out: (customers, nk, kRankingMetricCount).
template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    ranking_metrics_kernel(const std::int64_t* __restrict__ list_offsets,
                           const std::uint32_t* __restrict__ list_items,
                           const std::int64_t* __restrict__ rel_indptr,
                           const std::uint32_t* __restrict__ rel_indices,
                           const int* __restrict__ ks, int nk, int kmax, std::int64_t customers,
                           float* __restrict__ out) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * kBlock;
  for (std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kBlock + threadIdx.x;
       c < customers; c += stride) {
    const std::int64_t lb = list_offsets[c];
    const std::int64_t rb = rel_indptr[c];
    ranking::customer_metrics(list_items + lb, list_offsets[c + 1] - lb, rel_indices + rb,
                              rel_indptr[c + 1] - rb, ks, nk, kmax,
                              out + static_cast<std::size_t>(c) * nk * kRankingMetricCount);
  }
}

}  // namespace
}  // namespace cuda

std::vector<float> cuda_ranking_metrics(cuda::Context& res, const TopNResult& lists,
                                        const CsrView& relevant, std::span<const int> ks) {
  using namespace cuda;
  detail::validate_ranking_metrics(lists, relevant, ks);
  res.activate();
  const cudaStream_t stream = res.stream();
  const std::int64_t customers = lists.customers();
  const int nk = static_cast<int>(ks.size());
  std::vector<float> out(static_cast<std::size_t>(customers) * ks.size() * kRankingMetricCount);
  if (customers == 0) return out;  // nothing to launch
  const int kmax = *std::max_element(ks.begin(), ks.end());

  // Host sources of the asynchronous uploads below (the caller's arrays and `rebased`) stay alive
  // until the synchronisation at the end of this function.
  const std::int64_t base = relevant.indptr[0];
  std::vector<std::int64_t> rebased(static_cast<std::size_t>(customers) + 1);
  for (std::int64_t r = 0; r <= customers; ++r) rebased[r] = relevant.indptr[r] - base;
  const auto nnz = static_cast<std::size_t>(rebased.back());

  DeviceBuffer<std::int64_t> d_offsets = res.alloc<std::int64_t>(lists.offsets.size());
  d_offsets.upload(lists.offsets.data(), lists.offsets.size());
  // Never empty (every list may be empty): the kernel gets a valid pointer it does not read.
  DeviceBuffer<std::uint32_t> d_items =
      res.alloc<std::uint32_t>(std::max<std::size_t>(lists.items.size(), 1));
  d_items.upload(lists.items.data(), lists.items.size());
  DeviceBuffer<std::int64_t> d_indptr = res.alloc<std::int64_t>(rebased.size());
  d_indptr.upload(rebased.data(), rebased.size());
  DeviceBuffer<std::uint32_t> d_indices = res.alloc<std::uint32_t>(nnz);
  d_indices.upload(relevant.indices + base, nnz);
  DeviceBuffer<int> d_ks = res.alloc<int>(ks.size());
  d_ks.upload(ks.data(), ks.size());
  DeviceBuffer<float> d_out = res.alloc<float>(out.size());

  const auto kernel = ranking_metrics_kernel<kMetricsBlock>;
  const std::int64_t blocks = (customers + kMetricsBlock - 1) / kMetricsBlock;
  const int grid = resident_grid(res, kernel, kMetricsBlock, 0, blocks);
  kernel<<<grid, kMetricsBlock, 0, stream>>>(d_offsets.data(), d_items.data(), d_indptr.data(),
                                             d_indices.data(), d_ks.data(), nk, kmax, customers,
                                             d_out.data());
  CUDA_CHECK_LAST(stream);
  d_out.download(out.data(), out.size());
  res.synchronize();
  return out;
}

}  // namespace tailor
