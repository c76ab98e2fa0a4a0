// cuda_ranking_metrics: the ranking metrics of kernels/cpu/metrics_cpu.cpp on the GPU.
//
// One thread per customer (grid-stride), each computing every cutoff: the same single pass over
// the first max(ks) list positions, the same binary search in the customer's sorted relevant row,
// the same double-precision running sums in the same order, and the same formulas when a cutoff
// is reached. Lists are short (at most a few hundred entries) and customers many, so a thread per
// customer keeps every lane busy without any cross-thread reduction.
//
// The lists, the relevant rows and the cutoffs are uploaded, the kernel runs on the stream of its
// own Resources, and the customers x ks x kRankingMetricCount floats come back; the only
// synchronisation is of that stream, before the result is returned.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

constexpr int kMetricsBlock = 256;

// IDCG for m relevant items in front: sum_{r=1..m} 1 / log2(r + 1).
__device__ double ideal_dcg(std::int64_t m) {
  double s = 0.0;
  for (std::int64_t r = 1; r <= m; ++r) s += 1.0 / log2(static_cast<double>(r + 1));
  return s;
}

struct MetricState {
  std::int64_t hits = 0;
  double dcg = 0.0;
  double ap_sum = 0.0;
  std::int64_t first = 0;  // first relevant position (1-based), 0 if none yet
};

__device__ void emit(const MetricState& st, std::int64_t k, std::int64_t relevant, float* out) {
  const std::int64_t denom = k < relevant ? k : relevant;  // >= 1
  const auto hits = static_cast<double>(st.hits);
  out[kHits] = static_cast<float>(hits);
  out[kPrecision] = static_cast<float>(hits / static_cast<double>(k));
  out[kRecall] = static_cast<float>(hits / static_cast<double>(denom));
  out[kNdcg] = static_cast<float>(st.dcg / ideal_dcg(denom));
  out[kAp] = static_cast<float>(st.ap_sum / static_cast<double>(denom));
  out[kHit] = st.hits > 0 ? 1.0f : 0.0f;
  out[kRr] = st.first > 0 ? static_cast<float>(1.0 / static_cast<double>(st.first)) : 0.0f;
}

// Whether `item` is in the ascending row rel[0..n).
__device__ __forceinline__ bool contains(const std::uint32_t* rel, std::int64_t n,
                                         std::uint32_t item) {
  std::int64_t lo = 0;
  std::int64_t hi = n;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (rel[mid] < item)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && rel[lo] == item;
}

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
    const std::int64_t len = list_offsets[c + 1] - lb;
    const std::uint32_t* list = list_items + lb;
    const std::int64_t rb = rel_indptr[c];
    const std::int64_t nrel = rel_indptr[c + 1] - rb;
    const std::uint32_t* rel = rel_indices + rb;
    float* row = out + static_cast<std::size_t>(c) * nk * kRankingMetricCount;

    const std::int64_t last = len < kmax ? len : kmax;
    MetricState st;
    for (std::int64_t r = 1; r <= last; ++r) {
      if (contains(rel, nrel, list[r - 1])) {
        ++st.hits;
        st.dcg += 1.0 / log2(static_cast<double>(r + 1));
        st.ap_sum += static_cast<double>(st.hits) / static_cast<double>(r);
        if (st.first == 0) st.first = r;
      }
      for (int j = 0; j < nk; ++j)
        if (ks[j] == r) emit(st, ks[j], nrel, row + j * kRankingMetricCount);
    }
    for (int j = 0; j < nk; ++j)
      if (ks[j] > last) emit(st, ks[j], nrel, row + j * kRankingMetricCount);
  }
}

}  // namespace
}  // namespace cuda

std::vector<float> cuda_ranking_metrics(const TopNResult& lists, const CsrView& relevant,
                                        std::span<const int> ks) {
  using namespace cuda;
  detail::validate_ranking_metrics(lists, relevant, ks);
  const Resources res;
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
