// Lab for the item-item kernels (in the manner of llm.c's dev/cuda/): the Gram matrix
// G = X^T X that EASE inverts and item kNN's dot products come from, written three ways, each
// checked against a CPU reference and timed with CUDA events; then the library's whole fits
// (cuda_ease_weights, cuda_item_neighbours) against the CPU backend's.
//
//   item_item_lab [customers items max_items_per_customer repeats]   (default 20000 3000 40 5)
//
// X is customers x items, binary, random rows of 1 .. max items. Versions of the Gram:
//   1  warp per item row, the customer's items across the lanes, the CPU's summation order
//      (kernels/cuda/item_item.cuh; the library's kernel: deterministic, equal to the CPU's sums)
//   2  block per customer, every pair of its items added with atomicAdd (order not fixed; exact
//      here only because X is binary)
//   3  dense: blocks of customers densified (rows x items doubles) and cublasDsyrk, G's lower
//      column-major triangle only (cost customers x items^2, whatever the sparsity)
// Built by CMake with the CUDA backend (target item_item_lab), never run by ctest.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/item_item.cuh"
#include "kernels/item_item.hpp"
#include "kernels/kernels.hpp"

namespace {

using namespace tailor;
using namespace tailor::cuda;

// ---- the problem ---------------------------------------------------------------------------------

struct HostCsr {  // rows x cols, sorted unique columns, weights 1
  std::int64_t rows = 0, cols = 0;
  std::vector<std::int64_t> indptr;
  std::vector<std::uint32_t> indices;
  std::vector<float> data;
  [[nodiscard]] CsrView view() const {
    return {rows, cols, indptr.data(), indices.data(), data.data()};
  }
};

HostCsr random_rows(std::int64_t rows, std::int64_t cols, int max_per_row, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> count(1, max_per_row);
  std::uniform_int_distribution<std::int64_t> col(0, cols - 1);
  HostCsr m{rows, cols, {0}, {}, {}};
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<std::uint32_t> row;
    const int k = static_cast<int>(std::min<std::int64_t>(count(rng), cols));
    while (static_cast<int>(row.size()) < k) {
      const auto j = static_cast<std::uint32_t>(col(rng));
      if (std::find(row.begin(), row.end(), j) == row.end()) row.push_back(j);
    }
    std::sort(row.begin(), row.end());
    m.indices.insert(m.indices.end(), row.begin(), row.end());
    m.indptr.push_back(static_cast<std::int64_t>(m.indices.size()));
  }
  m.data.assign(m.indices.size(), 1.0f);
  return m;
}

HostCsr transposed(const HostCsr& m) {
  HostCsr t{m.cols, m.rows, std::vector<std::int64_t>(static_cast<std::size_t>(m.cols) + 1, 0),
            std::vector<std::uint32_t>(m.indices.size()), m.data};
  for (const std::uint32_t j : m.indices) ++t.indptr[j + 1];
  for (std::int64_t j = 0; j < m.cols; ++j) t.indptr[j + 1] += t.indptr[j];
  std::vector<std::int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (std::int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k)
      t.indices[next[m.indices[k]]++] = static_cast<std::uint32_t>(r);
  return t;
}

// G = X^T X on the CPU, row-major full (n x n), in double: the reference.
std::vector<double> cpu_gram(const HostCsr& ci, const HostCsr& ic) {
  const std::int64_t n = ic.rows;
  std::vector<double> g(static_cast<std::size_t>(n * n), 0.0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = ic.indptr[i]; k < ic.indptr[i + 1]; ++k) {
      const std::uint32_t u = ic.indices[k];
      for (std::int64_t q = ci.indptr[u]; q < ci.indptr[u + 1]; ++q) g[i * n + ci.indices[q]] += 1.0;
    }
  return g;
}

// ---- version 2: atomics over each customer's item pairs --------------------------------------------

template <int kBlock>
__global__ void __launch_bounds__(kBlock)
    gram_atomic_pairs(const std::int64_t* indptr, const std::uint32_t* indices,
                      std::int64_t customers, std::int64_t n, double* g) {
  for (std::int64_t u = blockIdx.x; u < customers; u += gridDim.x) {
    const std::int64_t b = indptr[u];
    const std::int64_t len = indptr[u + 1] - b;
    for (std::int64_t p = threadIdx.x; p < len * len; p += kBlock) {
      const std::uint32_t i = indices[b + p / len], j = indices[b + p % len];
      atomicAdd(g + static_cast<std::int64_t>(i) * n + j, 1.0);
    }
  }
}

// ---- version 3: dense blocks and DSYRK ------------------------------------------------------------

// x (rows x n, column-major with ld = rows) <- the binary rows first .. first + rows - 1.
__global__ void densify_rows(const std::int64_t* indptr, const std::uint32_t* indices,
                             std::int64_t first, std::int64_t rows, double* x) {
  for (std::int64_t r = blockIdx.x; r < rows; r += gridDim.x)
    for (std::int64_t k = indptr[first + r] + threadIdx.x; k < indptr[first + r + 1];
         k += blockDim.x)
      x[static_cast<std::int64_t>(indices[k]) * rows + r] = 1.0;
}

// ---- harness --------------------------------------------------------------------------------------

struct DeviceProblem {
  DeviceBuffer<std::int64_t> ci_indptr, ic_indptr;
  DeviceBuffer<std::uint32_t> ci_indices, ic_indices;
};

template <typename T>
DeviceBuffer<T> to_device(const Context& res, const std::vector<T>& v) {
  DeviceBuffer<T> d = res.alloc<T>(v.size());
  d.upload(v.data(), v.size());
  return d;
}

// Largest |got - ref| over the lower (row-major: c <= r) triangle, which every version fills.
double max_diff_lower(const std::vector<double>& got, const std::vector<double>& ref,
                      std::int64_t n) {
  double worst = 0.0;
  for (std::int64_t r = 0; r < n; ++r)
    for (std::int64_t c = 0; c <= r; ++c)
      worst = std::max(worst, std::abs(got[r * n + c] - ref[r * n + c]));
  return worst;
}

// Runs `version` (which zeroes and fills g) `repeats` times; prints its check and median time.
template <typename Run>
void measure(const char* name, const Context& res, DeviceBuffer<double>& g,
             const std::vector<double>& ref, std::int64_t n, int repeats, Run version) {
  std::vector<float> ms;
  for (int r = 0; r < repeats; ++r) {
    Event start, stop;
    start.record(res.stream());
    version();
    stop.record(res.stream());
    res.synchronize();
    ms.push_back(stop.elapsed_ms_since(start));
  }
  std::vector<double> got(ref.size());
  g.download(got.data(), got.size());
  res.synchronize();
  std::sort(ms.begin(), ms.end());
  std::printf("%-28s max |G - G_cpu| = %-8.3g median %8.3f ms\n", name,
              max_diff_lower(got, ref, n), ms[ms.size() / 2]);
}

void gram_versions(const Context& res, const HostCsr& ci, const HostCsr& ic, int repeats) {
  const std::int64_t n = ic.rows, customers = ci.rows;
  const std::vector<double> ref = cpu_gram(ci, ic);
  const DeviceProblem d{to_device(res, ci.indptr), to_device(res, ic.indptr),
                        to_device(res, ci.indices), to_device(res, ic.indices)};
  DeviceBuffer<double> g = res.alloc<double>(static_cast<std::size_t>(n * n));
  const cudaStream_t s = res.stream();
  measure("1 warp per row (library)", res, g, ref, n, repeats, [&] {
    g.zero();
    constexpr int kBlock = 128;
    const DevicePattern pic{d.ic_indptr.data(), d.ic_indices.data()};
    const DevicePattern pci{d.ci_indptr.data(), d.ci_indices.data()};
    cooccurrence_kernel<kBlock, UnitValues, UnitValues>
        <<<static_cast<int>((n + 3) / 4), kBlock, 0, s>>>(pic, UnitValues{}, pci, UnitValues{}, 0, n, n, false,
                                                          g.data());
    CUDA_CHECK_LAST(s);
  });
  measure("2 atomic pairs", res, g, ref, n, repeats, [&] {
    g.zero();
    gram_atomic_pairs<256><<<static_cast<int>(std::min<std::int64_t>(customers, 65535)), 256, 0,
                             s>>>(d.ci_indptr.data(), d.ci_indices.data(), customers, n,
                                  g.data());
    CUDA_CHECK_LAST(s);
  });
  const std::int64_t block = std::max<std::int64_t>(1, std::min<std::int64_t>(
                                                           customers, (std::int64_t{1} << 27) / n));
  DeviceBuffer<double> x = res.alloc<double>(static_cast<std::size_t>(block * n));
  measure("3 dense blocks + DSYRK", res, g, ref, n, repeats, [&] {
    g.zero();
    const double one = 1.0;
    for (std::int64_t first = 0; first < customers; first += block) {
      const std::int64_t rows = std::min(block, customers - first);
      CUDA_CHECK(cudaMemsetAsync(x.data(), 0, static_cast<std::size_t>(rows * n) * sizeof(double), s));
      densify_rows<<<static_cast<int>(std::min<std::int64_t>(rows, 65535)), 64, 0, s>>>(
          d.ci_indptr.data(), d.ci_indices.data(), first, rows, x.data());
      CUDA_CHECK_LAST(s);
      // Column-major G (n x n) += X_b^T X_b with X_b column-major rows x n: upper column-major
      // triangle = lower row-major, the part max_diff_lower reads.
      CUBLAS_CHECK(cublasDsyrk(res.cublas(), CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T,
                               static_cast<int>(n), static_cast<int>(rows), &one, x.data(),
                               static_cast<int>(rows), &one, g.data(), static_cast<int>(n)));
    }
  });
}

// The library's fits against the CPU backend's: time and agreement.
void whole_fits(Context& res, const HostCsr& ci, const HostCsr& ic) {
  using clock = std::chrono::steady_clock;
  const auto seconds = [](clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
  };
  EaseParams ep;
  auto t = clock::now();
  const EaseWeights cpu_b = cpu_ease_weights(ci.view(), ic.view(), ep, 0);
  const double cpu_s = seconds(t);
  t = clock::now();
  const EaseWeights gpu_b = cuda_ease_weights(res, ci.view(), ic.view(), ep);
  const double gpu_s = seconds(t);
  double worst = 0.0;
  for (std::size_t e = 0; e < cpu_b.b.size(); ++e)
    worst = std::max(worst, std::abs(cpu_b.b[e] - gpu_b.b[e]));
  std::printf("EASE fit: cpu %.3f s, cuda %.3f s, max |B_cuda - B_cpu| = %.3g\n", cpu_s, gpu_s,
              worst);
  for (const KnnWeighting w : {KnnWeighting::none, KnnWeighting::bm25}) {
    ItemKnnParams kp;
    kp.weighting = w;
    t = clock::now();
    const ItemNeighbours cpu_nb = cpu_item_neighbours(ci.view(), ic.view(), kp, 0);
    const double cpu_k = seconds(t);
    t = clock::now();
    const ItemNeighbours gpu_nb = cuda_item_neighbours(res, ci.view(), ic.view(), kp, 1u << 30);
    const double gpu_k = seconds(t);
    const bool same = cpu_nb.indptr == gpu_nb.indptr && cpu_nb.indices == gpu_nb.indices &&
                      cpu_nb.similarity == gpu_nb.similarity;
    std::printf("item kNN fit (%s, K = 20): cpu %.3f s, cuda %.3f s, %s\n",
                w == KnnWeighting::none ? "none" : "bm25", cpu_k, gpu_k,
                same ? "identical neighbours" : "neighbours DIFFER");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t customers = argc > 1 ? std::atoll(argv[1]) : 20000;
  const std::int64_t items = argc > 2 ? std::atoll(argv[2]) : 3000;
  const int max_per_row = argc > 3 ? std::atoi(argv[3]) : 40;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 5;
  if (cuda_device_count() == 0) {
    std::printf("item_item_lab: no usable CUDA device: %s\n", cuda_device_description().c_str());
    return 1;
  }
  try {
    const auto res = make_cuda_context(0);
    const HostCsr ci = random_rows(customers, items, max_per_row, 42);
    const HostCsr ic = transposed(ci);
    std::printf("X: %lld customers x %lld items, %zu interactions\n",
                static_cast<long long>(customers), static_cast<long long>(items),
                ci.indices.size());
    gram_versions(*res, ci, ic, repeats);
    whole_fits(*res, ci, ic);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "item_item_lab: %s\n", e.what());
    return 1;
  }
  return 0;
}
