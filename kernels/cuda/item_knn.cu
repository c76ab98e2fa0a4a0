// cuda_item_neighbours (kernels/item_item.hpp): item kNN's similarities and each item's K best
// neighbours on the GPU, for the same ItemNeighbours as cpu_item_neighbours.
//
// The weighted values a_ui and the norms |a_i| are computed on the host by the CPU backend's own
// code (kernels/cpu/item_weighting.hpp, O(nnz)) and uploaded with both layouts of the pattern.
// Then, per batch of items (the batch sized to the memory budget):
//   1. the dense dot products of the batch's items with every item (batch x items doubles),
//      accumulated in the CPU's order (item_item.cuh), so they are the CPU's sums;
//   2. similarity keys: sim = dot / (|a_i| |a_j| + shrinkage) rounded to float, as the CPU does;
//   3. a CUB segmented radix sort of every row, descending and stable, so equal similarities
//      keep the lower item first: the CPU's order (similarity descending, item ascending);
//   4. the first min(K, items) entries of every row come back; the positive ones, re-sorted by
//      item, are the row.
// Sorting whole rows is more than a selection needs; it is the exactly-specified first version.
#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cub/device/device_segmented_radix_sort.cuh>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kernels/cpu/item_weighting.hpp"
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/item_item.cuh"
#include "kernels/cuda/resident.cuh"
#include "kernels/cuda/topn.cuh"
#include "kernels/item_item.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

constexpr int kCooccurrenceBlock = 128;
constexpr int kKeysBlock = 256;

// Device bytes per item of a batch: its row of dot products (double), sort keys and items, each
// double-buffered for the radix sort, its positive count and segment offset.
std::size_t bytes_per_row(int items) {
  return (sizeof(double) + 4 * sizeof(std::uint32_t)) * static_cast<std::size_t>(items) +
         2 * sizeof(int);
}

// CUB's temporary storage for sorting `batch` rows of `items` keys (asked, never guessed).
std::size_t sort_temp_bytes(const Context& res, int batch, int items) {
  std::size_t bytes = 0;
  cub::DoubleBuffer<std::uint32_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<std::uint32_t> values(nullptr, nullptr);
  const int* offsets = nullptr;  // not read by the size query
  CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairsDescending(
      nullptr, bytes, keys, values, batch * items, batch, offsets, offsets, 0,
      static_cast<int>(sizeof(std::uint32_t) * 8), res.stream()));
  return bytes;
}

// The most items per batch whose buffers fit `budget` bytes; throws when one item does not fit.
int choose_batch(const Context& res, int items, std::size_t budget, std::size_t& temp_bytes) {
  const std::size_t per = bytes_per_row(items);
  std::int64_t batch = std::min<std::int64_t>(
      {items, static_cast<std::int64_t>(budget / per), INT_MAX / items});  // int sort offsets
  batch = std::max<std::int64_t>(batch, 1);
  for (;;) {
    temp_bytes = sort_temp_bytes(res, static_cast<int>(batch), items);
    const std::size_t need = static_cast<std::size_t>(batch) * per + sizeof(int) + temp_bytes;
    if (need <= budget) return static_cast<int>(batch);
    if (batch == 1)
      throw std::runtime_error("item kNN (CUDA): memory_budget of " + std::to_string(budget) +
                               " bytes is too small: one item's similarities against " +
                               std::to_string(items) + " items need " + std::to_string(need) +
                               " bytes");
    const std::int64_t fits =
        budget > temp_bytes ? static_cast<std::int64_t>((budget - temp_bytes - sizeof(int)) / per)
                            : 0;
    batch = std::max<std::int64_t>(1, std::min(batch - 1, fits));
  }
}

// The weighted matrix on the device: both patterns, a_ui at the positions of each, the norms.
struct KnnInputs {
  CsrOnDevice ci, ic;
  DeviceBuffer<double> a_ci, a_ic, norm;
  KnnInputs(const Context& res, const cpu::WeightedMatrix& m)
      : ci(res, m.ci, false), ic(res, m.ic, false) {
    a_ci = upload(res, m.a_ci);
    a_ic = upload(res, m.a_ic);
    norm = upload(res, m.norm);
    res.synchronize();  // the copies from m's vectors are done: m may go after this
  }
  static DeviceBuffer<double> upload(const Context& res, const std::vector<double>& v) {
    DeviceBuffer<double> d = res.alloc<double>(v.size());
    d.upload(v.data(), v.size());
    return d;
  }
};

// The buffers of one batch, sized for the largest.
struct KnnBatch {
  int rows = 0;
  DeviceBuffer<double> dot;
  DeviceBuffer<std::uint32_t> keys[2], values[2];
  DeviceBuffer<int> positive, segments;
  DeviceBuffer<unsigned char> temp;
  KnnBatch(const Context& res, int batch, int items, std::size_t temp_bytes) : rows(batch) {
    const std::size_t tile = static_cast<std::size_t>(batch) * static_cast<std::size_t>(items);
    dot = res.alloc<double>(tile);
    for (auto& k : keys) k = res.alloc<std::uint32_t>(tile);
    for (auto& v : values) v = res.alloc<std::uint32_t>(tile);
    positive = res.alloc<int>(static_cast<std::size_t>(batch));
    segments = res.alloc<int>(static_cast<std::size_t>(batch) + 1);
    // Never empty: CUB reads a null temporary-storage pointer as a size query.
    temp = res.alloc<unsigned char>(std::max<std::size_t>(temp_bytes, 1));
    std::vector<int> offsets(static_cast<std::size_t>(batch) + 1);
    for (int b = 0; b <= batch; ++b) offsets[b] = b * items;  // <= INT_MAX by choose_batch
    segments.upload(offsets.data(), offsets.size());
    res.synchronize();  // `offsets` is freed on return
  }
};

// Steps 1 and 2 for items first .. first + b - 1.
void similarity_keys(const Context& res, const KnnInputs& in, const ItemKnnParams& p,
                     std::int64_t first, int b, int items, KnnBatch& batch) {
  const cudaStream_t stream = res.stream();
  CUDA_CHECK(cudaMemsetAsync(batch.dot.data(), 0,
                             static_cast<std::size_t>(b) * items * sizeof(double), stream));
  const auto co = cooccurrence_kernel<kCooccurrenceBlock, DoubleValues, DoubleValues>;
  constexpr int kWarpsPerBlock = kCooccurrenceBlock / kWarpSize;
  const int grid = resident_grid(res, co, kCooccurrenceBlock, 0,
                                 (b + kWarpsPerBlock - 1) / kWarpsPerBlock);
  const DevicePattern ic{in.ic.indptr.data(), in.ic.indices.data()};
  const DevicePattern ci{in.ci.indptr.data(), in.ci.indices.data()};
  co<<<grid, kCooccurrenceBlock, 0, stream>>>(ic, DoubleValues{in.a_ic.data()}, ci,
                                              DoubleValues{in.a_ci.data()}, first, b, items, true,
                                              batch.dot.data());
  CUDA_CHECK_LAST(stream);
  const auto keys = similarity_keys_kernel<kKeysBlock>;
  keys<<<resident_grid(res, keys, kKeysBlock, 0, b), kKeysBlock, 0, stream>>>(
      batch.dot.data(), in.norm.data(), static_cast<double>(p.shrinkage), first, b, items,
      batch.keys[0].data(), batch.values[0].data(), batch.positive.data());
  CUDA_CHECK_LAST(stream);
}

// Step 3, then the first `take` keys and items of every row into the host vectors.
void sort_and_copy(const Context& res, int b, int items, int take, KnnBatch& batch,
                   std::vector<std::uint32_t>& h_keys, std::vector<std::uint32_t>& h_items,
                   std::vector<int>& h_positive) {
  const cudaStream_t stream = res.stream();
  if (b != batch.rows) {  // the last batch: ask again rather than assume the size is monotone
    const std::size_t need = sort_temp_bytes(res, b, items);
    if (need > batch.temp.size()) batch.temp = res.alloc<unsigned char>(need);
  }
  std::size_t temp_size = batch.temp.size();
  cub::DoubleBuffer<std::uint32_t> keys(batch.keys[0].data(), batch.keys[1].data());
  cub::DoubleBuffer<std::uint32_t> values(batch.values[0].data(), batch.values[1].data());
  CUDA_CHECK(cub::DeviceSegmentedRadixSort::SortPairsDescending(
      batch.temp.data(), temp_size, keys, values, b * items, b, batch.segments.data(),
      batch.segments.data() + 1, 0, static_cast<int>(sizeof(std::uint32_t) * 8), stream));
  CUDA_CHECK_LAST(stream);
  const std::size_t row_bytes = static_cast<std::size_t>(items) * sizeof(std::uint32_t);
  const std::size_t take_bytes = static_cast<std::size_t>(take) * sizeof(std::uint32_t);
  CUDA_CHECK(cudaMemcpy2DAsync(h_keys.data(), take_bytes, keys.Current(), row_bytes, take_bytes,
                               static_cast<std::size_t>(b), cudaMemcpyDeviceToHost, stream));
  CUDA_CHECK(cudaMemcpy2DAsync(h_items.data(), take_bytes, values.Current(), row_bytes,
                               take_bytes, static_cast<std::size_t>(b), cudaMemcpyDeviceToHost,
                               stream));
  batch.positive.download(h_positive.data(), static_cast<std::size_t>(b));
  res.synchronize();
}

// Step 4: appends row c of the copied batch (its `positive` best, best first) ascending by item.
void append_row(const std::uint32_t* keys, const std::uint32_t* items, int len,
                ItemNeighbours& nb, std::vector<std::pair<std::uint32_t, float>>& row) {
  row.clear();
  for (int e = 0; e < len; ++e) row.emplace_back(items[e], key_score(keys[e]));
  std::sort(row.begin(), row.end());
  for (const auto& [j, sim] : row) {
    nb.indices.push_back(j);
    nb.similarity.push_back(sim);
  }
  nb.indptr.push_back(static_cast<std::int64_t>(nb.indices.size()));
}

}  // namespace
}  // namespace cuda

ItemNeighbours cuda_item_neighbours(cuda::Context& res, const CsrView& customer_items,
                                    const CsrView& item_customers, const ItemKnnParams& params,
                                    std::size_t memory_budget) {
  using namespace cuda;
  if (std::string problem = detail::item_knn_params_problem(params); !problem.empty())
    throw std::invalid_argument("item kNN: " + problem);
  detail::validate_item_matrices("item kNN", customer_items, item_customers);
  detail::require(item_customers.rows <= INT_MAX,
                  "item kNN (CUDA): at most " + std::to_string(INT_MAX) + " items, got " +
                      std::to_string(item_customers.rows));
  res.activate();
  const int items = static_cast<int>(item_customers.rows);
  const cpu::WeightedMatrix m = cpu::weight_matrix(customer_items, item_customers, params);
  const KnnInputs in(res, m);
  std::size_t temp_bytes = 0;
  KnnBatch batch(res, choose_batch(res, items, memory_budget, temp_bytes), items, temp_bytes);

  const int take = std::min(params.neighbours, items);
  std::vector<std::uint32_t> h_keys(static_cast<std::size_t>(batch.rows) * take);
  std::vector<std::uint32_t> h_items(h_keys.size());
  std::vector<int> h_positive(static_cast<std::size_t>(batch.rows));
  std::vector<std::pair<std::uint32_t, float>> row;
  ItemNeighbours nb;
  nb.items = items;
  nb.indptr.reserve(static_cast<std::size_t>(items) + 1);
  nb.indptr.push_back(0);
  for (std::int64_t first = 0; first < items; first += batch.rows) {
    const int b = static_cast<int>(std::min<std::int64_t>(batch.rows, items - first));
    similarity_keys(res, in, params, first, b, items, batch);
    sort_and_copy(res, b, items, take, batch, h_keys, h_items, h_positive);
    for (int c = 0; c < b; ++c) {
      const std::size_t at = static_cast<std::size_t>(c) * take;
      append_row(h_keys.data() + at, h_items.data() + at, std::min(take, h_positive[c]), nb, row);
    }
  }
  return nb;
}

}  // namespace tailor
