// The CUDA top-N scorer, first version: per batch of customers, one cuBLAS SGEMM for the whole
// score tile (batch x items), a masking kernel, and a CUB segmented radix sort of every row.
// Sorting whole rows is more work than a selection needs; it is the simple, exactly-specified
// baseline that a selection kernel will be tested against.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/topn.cuh"
#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

constexpr int kMaskBlock = 256;

// Bytes of temporary device memory one customer of a batch needs: sort keys and item indices,
// each double-buffered for the radix sort (the first key buffer holds the fp32 score tile before
// it becomes keys), the customer's factor row, its eligible count and segment offset.
std::size_t bytes_per_customer(std::int64_t items, int k) {
  return 4 * sizeof(std::uint32_t) * static_cast<std::size_t>(items) +
         sizeof(float) * static_cast<std::size_t>(k) + sizeof(int) + sizeof(int);
}

// CUB's temporary storage for sorting `batch` segments of `items` keys (asked, never guessed).
std::size_t sort_temp_bytes(const Context& res, int batch, int items) {
  std::size_t bytes = 0;
  cub::DoubleBuffer<std::uint32_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<std::uint32_t> values(nullptr, nullptr);
  const int* offsets = nullptr;  // not read by the size query (and nullptr + 1 would be UB)
  CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairsDescending(
      nullptr, bytes, keys, values, batch * items, batch, offsets, offsets, 0,
      static_cast<int>(sizeof(std::uint32_t) * 8), res.stream()));
  return bytes;
}

// The largest batch whose buffers fit `budget` bytes, at least 1; throws when even one customer
// does not fit (the budget is a promise to the caller, so it is never exceeded silently).
int choose_batch(const Context& res, std::int64_t customers, int items, int k, std::size_t budget,
                 std::size_t& temp_bytes) {
  const std::size_t per = bytes_per_customer(items, k);
  // CUB's segmented sort addresses the tile with int offsets: batch * items <= INT_MAX.
  const std::int64_t by_offsets = INT_MAX / items;
  std::int64_t batch =
      std::min<std::int64_t>({customers, static_cast<std::int64_t>(budget / per), by_offsets});
  batch = std::max<std::int64_t>(batch, 1);
  for (;;) {
    temp_bytes = sort_temp_bytes(res, static_cast<int>(batch), items);
    const std::size_t need = static_cast<std::size_t>(batch) * per + sizeof(int) + temp_bytes;
    if (need <= budget) return static_cast<int>(batch);
    if (batch == 1)
      throw std::runtime_error("top-N (CUDA): memory_budget of " + std::to_string(budget) +
                               " bytes is too small: " + "one customer against " +
                               std::to_string(items) + " items needs " + std::to_string(need) +
                               " bytes of score tile and sort buffers");
    const std::int64_t fits =
        budget > temp_bytes ? static_cast<std::int64_t>((budget - temp_bytes - sizeof(int)) / per)
                            : 0;
    batch = std::max<std::int64_t>(1, std::min(batch - 1, fits));
  }
}

}  // namespace
}  // namespace cuda

TopNResult cuda_topn(cuda::Context& res, const FactorsView& customers, const FactorsView& items,
                     const CsrView* seen, const TopNParams& params) {
  using namespace cuda;
  detail::validate_topn(customers, items, seen, params);
  detail::require(items.rows <= INT_MAX, "top-N (CUDA): at most " + std::to_string(INT_MAX) +
                                             " items are supported, got " +
                                             std::to_string(items.rows));
  res.activate();
  const cudaStream_t stream = res.stream();
  const int k = customers.cols;
  const int n_items = static_cast<int>(items.rows);
  const std::int64_t n_customers = customers.rows;

  TopNResult result;
  result.offsets.reserve(static_cast<std::size_t>(n_customers) + 1);
  result.offsets.push_back(0);
  if (n_customers == 0) return result;

  std::size_t temp_bytes = 0;
  const int batch = choose_batch(res, n_customers, n_items, k, params.memory_budget, temp_bytes);

  // Item factors (items x k) and the seen pattern stay for the whole call; they are the model
  // and the data, not temporary memory, so they are outside the budget.
  DeviceBuffer<float> d_items = res.alloc<float>(static_cast<std::size_t>(n_items) * k);
  d_items.upload(items.data, d_items.size());
  DeviceBuffer<std::int64_t> d_seen_indptr;
  DeviceBuffer<std::uint32_t> d_seen_indices;
  if (params.exclude_seen) {
    const std::int64_t base = seen->indptr[0];
    std::vector<std::int64_t> rebased(static_cast<std::size_t>(n_customers) + 1);
    for (std::int64_t r = 0; r <= n_customers; ++r) rebased[r] = seen->indptr[r] - base;
    d_seen_indptr = res.alloc<std::int64_t>(rebased.size());
    d_seen_indptr.upload(rebased.data(), rebased.size());
    const auto nnz = static_cast<std::size_t>(rebased.back());
    d_seen_indices = res.alloc<std::uint32_t>(nnz);
    d_seen_indices.upload(seen->indices + base, nnz);
    res.synchronize();  // `rebased` is freed at the end of this block
  }

  // Per-batch buffers, sized once for the largest batch.
  const std::size_t tile = static_cast<std::size_t>(batch) * static_cast<std::size_t>(n_items);
  DeviceBuffer<std::uint32_t> d_keys[2] = {res.alloc<std::uint32_t>(tile),
                                           res.alloc<std::uint32_t>(tile)};
  DeviceBuffer<std::uint32_t> d_values[2] = {res.alloc<std::uint32_t>(tile),
                                             res.alloc<std::uint32_t>(tile)};
  DeviceBuffer<float> d_customers = res.alloc<float>(static_cast<std::size_t>(batch) * k);
  DeviceBuffer<int> d_eligible = res.alloc<int>(static_cast<std::size_t>(batch));
  DeviceBuffer<int> d_segments = res.alloc<int>(static_cast<std::size_t>(batch) + 1);
  // Never empty: CUB reads a null temporary-storage pointer as a size query and sorts nothing.
  DeviceBuffer<unsigned char> d_temp =
      res.alloc<unsigned char>(std::max<std::size_t>(temp_bytes, 1));
  {
    std::vector<int> segments(static_cast<std::size_t>(batch) + 1);
    for (int b = 0; b <= batch; ++b) segments[b] = b * n_items;  // <= INT_MAX by choose_batch
    d_segments.upload(segments.data(), segments.size());
    res.synchronize();  // `segments` is freed at the end of this block
  }

  const int take = std::min(params.n, n_items);  // entries per customer copied back
  std::vector<std::uint32_t> h_keys(static_cast<std::size_t>(batch) * take);
  std::vector<std::uint32_t> h_values(static_cast<std::size_t>(batch) * take);
  std::vector<int> h_eligible(static_cast<std::size_t>(batch));
  result.items.reserve(static_cast<std::size_t>(n_customers) * take);
  result.scores.reserve(static_cast<std::size_t>(n_customers) * take);

  const float one = 1.0f;
  const float zero = 0.0f;
  for (std::int64_t first = 0; first < n_customers; first += batch) {
    const int b = static_cast<int>(std::min<std::int64_t>(batch, n_customers - first));
    d_customers.upload(customers.data + first * k, static_cast<std::size_t>(b) * k);

    // Score tile S = C_b Y^T, row-major b x items. In cuBLAS's column-major terms that buffer is
    // S^T = Y C_b^T (items x b, ld = items); the row-major Y buffer is column-major Y^T (k x
    // items), hence op T on it, and the row-major C_b buffer is column-major C_b^T (k x b), op N.
    CUBLAS_CHECK(cublasSgemm(res.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, n_items, b, k, &one,
                             d_items.data(), k, d_customers.data(), k, &zero,
                             reinterpret_cast<float*>(d_keys[0].data()), n_items));

    const int grid = resident_grid(res, mask_kernel<kMaskBlock>, kMaskBlock, 0, b);
    mask_kernel<kMaskBlock><<<grid, kMaskBlock, 0, stream>>>(
        d_keys[0].data(), d_values[0].data(), params.exclude_seen ? d_seen_indptr.data() : nullptr,
        d_seen_indices.data(), first, b, n_items, d_eligible.data());
    CUDA_CHECK_LAST(stream);

    // The last batch may be smaller; ask again rather than assume the size is monotone.
    if (b != batch) {
      const std::size_t need = sort_temp_bytes(res, b, n_items);
      if (need > d_temp.size()) d_temp = res.alloc<unsigned char>(need);
    }
    std::size_t temp_size = d_temp.size();
    cub::DoubleBuffer<std::uint32_t> keys(d_keys[0].data(), d_keys[1].data());
    cub::DoubleBuffer<std::uint32_t> values(d_values[0].data(), d_values[1].data());
    CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairsDescending(
        d_temp.data(), temp_size, keys, values, b * n_items, b, d_segments.data(),
        d_segments.data() + 1, 0, static_cast<int>(sizeof(std::uint32_t) * 8), stream));
    CUDA_CHECK_LAST(stream);

    // The first `take` entries of every sorted row: one strided copy each for keys and items.
    const std::size_t row_bytes = static_cast<std::size_t>(n_items) * sizeof(std::uint32_t);
    const std::size_t take_bytes = static_cast<std::size_t>(take) * sizeof(std::uint32_t);
    CUDA_CHECK(cudaMemcpy2DAsync(h_keys.data(), take_bytes, keys.Current(), row_bytes, take_bytes,
                                 static_cast<std::size_t>(b), cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaMemcpy2DAsync(h_values.data(), take_bytes, values.Current(), row_bytes,
                                 take_bytes, static_cast<std::size_t>(b), cudaMemcpyDeviceToHost,
                                 stream));
    d_eligible.download(h_eligible.data(), static_cast<std::size_t>(b));
    res.synchronize();

    for (int c = 0; c < b; ++c) {
      const int len = std::min(take, h_eligible[c]);
      const std::size_t row = static_cast<std::size_t>(c) * take;
      for (int j = 0; j < len; ++j) {
        result.items.push_back(h_values[row + j]);
        result.scores.push_back(key_score(h_keys[row + j]));
      }
      result.offsets.push_back(static_cast<std::int64_t>(result.items.size()));
      if (len < params.n) ++result.short_lists;
    }
  }
  return result;
}

}  // namespace tailor
