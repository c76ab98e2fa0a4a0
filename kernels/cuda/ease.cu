// cuda_ease_weights (kernels/item_item.hpp): EASE's B on the GPU, in double precision like the
// CPU, for the same EaseWeights as cpu_ease_weights.
//
// One items x items double matrix on the device, transformed in place as on the CPU:
//   1. G = X^T X from both layouts of X (item_item.cuh's co-occurrence kernel, one warp per
//      item row, the CPU's summation order), then + lambda on the diagonal;
//   2. cuSOLVER's Cholesky factorisation and inverse (cusolverDnDpotrf, cusolverDnDpotri) with
//      the column-major lower triangle, which is the row-major upper one: P = G^-1 there;
//   3. B_ij = -P_ij / P_jj, B_ii = 0, filling the other triangle on the way;
// then B is copied into the host matrix. The Gram is the CPU's to the bit (its products of two
// floats are exact in double); P differs from LAPACK's by rounding (another factorisation order).
// The cuSOLVER handle is made per call, bound to the context's stream: a fit runs once per run,
// and keeping it in the Context would make every CUDA translation unit include cuSOLVER.
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/item_item.cuh"
#include "kernels/cuda/resident.cuh"
#include "kernels/item_item.hpp"
#include "kernels/validate.hpp"

namespace tailor {
namespace cuda {
namespace {

[[noreturn]] void throw_cusolver_error(cusolverStatus_t status, const char* call, const char* file,
                                       int line) {
  throw std::runtime_error("cuSOLVER error " + std::to_string(static_cast<int>(status)) + " in " +
                           call + " at " + file + ":" + std::to_string(line));
}

#define CUSOLVER_CHECK(call)                                                                 \
  do {                                                                                       \
    const cusolverStatus_t tailor_cusolver_status_ = (call);                                 \
    if (tailor_cusolver_status_ != CUSOLVER_STATUS_SUCCESS)                                  \
      throw_cusolver_error(tailor_cusolver_status_, #call, __FILE__, __LINE__);              \
  } while (0)

using CusolverHandle = Handle<cusolverDnHandle_t, &cusolverDnDestroy>;

constexpr int kGramBlock = 128;
constexpr int kVectorBlock = 256;

// g[i * n + i] += lambda for every item i (g: n x n).
__global__ void add_diagonal_kernel(double* __restrict__ g, std::int64_t n, double lambda) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    g[i * n + i] += lambda;
}

// diagonal[j] = p[j * n + j].
__global__ void copy_diagonal_kernel(const double* __restrict__ p, std::int64_t n,
                                     double* __restrict__ diagonal) {
  const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; j < n;
       j += stride)
    diagonal[j] = p[j * n + j];
}

constexpr int kPairTile = 32;  // a block covers kPairTile x kPairTile entries
constexpr int kPairRows = 8;   // with kPairTile x kPairRows threads

// P -> B in place (p: n x n row-major, the inverse in its upper triangle r <= c, as dpotri
// leaves it for a column-major lower factor; diagonal: P's diagonal): B_rc = -P_rc / P_cc and
// B_cr = -P_rc / P_rr for r < c, B_rr = 0. Each thread owns whole pairs (r, c) and (c, r), so no
// entry is read after another thread wrote it. Grid: (ceil(n / kPairTile))^2 blocks.
__global__ void __launch_bounds__(kPairTile * kPairRows)
    weights_from_inverse_kernel(double* __restrict__ p, const double* __restrict__ diagonal,
                                std::int64_t n) {
  const std::int64_t r0 = static_cast<std::int64_t>(blockIdx.y) * kPairTile;
  const std::int64_t c = static_cast<std::int64_t>(blockIdx.x) * kPairTile + threadIdx.x;
  if (r0 > static_cast<std::int64_t>(blockIdx.x) * kPairTile + kPairTile - 1) return;  // below
  for (std::int64_t r = r0 + threadIdx.y; r < r0 + kPairTile && r < n; r += kPairRows) {
    if (c >= n || r > c) continue;
    if (r == c) {
      p[r * n + r] = 0.0;
      continue;
    }
    const double v = p[r * n + c];
    p[r * n + c] = -v / diagonal[c];
    p[c * n + r] = -v / diagonal[r];
  }
}

CusolverHandle make_solver(const Context& res) {
  cusolverDnHandle_t h = nullptr;
  CUSOLVER_CHECK(cusolverDnCreate(&h));
  CusolverHandle owned(h);
  CUSOLVER_CHECK(cusolverDnSetStream(h, res.stream()));
  return owned;
}

std::string bytes_text(std::size_t bytes) {
  char gib[32];
  std::snprintf(gib, sizeof gib, "%.2f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  return std::to_string(bytes) + " bytes (" + gib + ")";
}

// Throws a std::runtime_error naming both sizes when `need` bytes are not free on the device.
void require_free_memory(const Context& res, std::size_t need, const std::string& what) {
  std::size_t free = 0, total = 0;
  CUDA_CHECK(cudaMemGetInfo(&free, &total));
  if (need <= free) return;
  throw std::runtime_error("EASE (CUDA): " + what + " needs " + bytes_text(need) +
                           " of device memory; " + bytes_text(free) + " of " +
                           bytes_text(total) + " are free on device " +
                           std::to_string(res.device()));
}

std::size_t csr_bytes(const CsrView& m, bool weighted) {
  return sizeof(std::int64_t) * static_cast<std::size_t>(m.rows + 1) +
         (sizeof(std::uint32_t) + (weighted ? sizeof(float) : 0)) *
             static_cast<std::size_t>(m.nnz());
}

template <typename Values>
void launch_gram(const Context& res, const CsrOnDevice& ci, const CsrOnDevice& ic, Values vci,
                 Values vic, std::int64_t n, double* g) {
  const auto kernel = cooccurrence_kernel<kGramBlock, Values, Values>;
  constexpr int kWarpsPerBlock = kGramBlock / kWarpSize;
  const int grid =
      resident_grid(res, kernel, kGramBlock, 0, (n + kWarpsPerBlock - 1) / kWarpsPerBlock);
  const DevicePattern pic{ic.indptr.data(), ic.indices.data()};
  const DevicePattern pci{ci.indptr.data(), ci.indices.data()};
  kernel<<<grid, kGramBlock, 0, res.stream()>>>(pic, vic, pci, vci, 0, n, n, false, g);
  CUDA_CHECK_LAST(res.stream());
}

// Step 1: g (n x n) <- X^T X + lambda I. The matrices are on the device only meanwhile.
void gram(const Context& res, const CsrView& customer_items, const CsrView& item_customers,
          const EaseParams& p, DeviceBuffer<double>& g) {
  const std::int64_t n = item_customers.rows;
  const CsrOnDevice ci(res, customer_items, p.weighted);
  const CsrOnDevice ic(res, item_customers, p.weighted);
  g.zero();
  if (p.weighted)
    launch_gram(res, ci, ic, FloatValues{ci.weights.data()}, FloatValues{ic.weights.data()}, n,
                g.data());
  else
    launch_gram(res, ci, ic, UnitValues{}, UnitValues{}, n, g.data());
  const int grid = resident_grid(res, add_diagonal_kernel, kVectorBlock, 0,
                                 (n + kVectorBlock - 1) / kVectorBlock);
  add_diagonal_kernel<<<grid, kVectorBlock, 0, res.stream()>>>(g.data(), n, p.regularization);
  CUDA_CHECK_LAST(res.stream());
  res.synchronize();  // ci and ic are freed on return, after the kernels that read them
}

// devInfo of the routine just queued: 0, or a std::runtime_error naming the routine and info.
void check_info(const Context& res, const DeviceBuffer<int>& d_info, const char* routine) {
  int info = 0;
  d_info.download(&info, 1);
  res.synchronize();
  if (info == 0) return;
  const std::string head = std::string("EASE: cuSOLVER ") + routine;
  if (info < 0)
    throw std::runtime_error(head + ": argument " + std::to_string(-info) + " is invalid");
  if (std::string(routine) == "cusolverDnDpotrf")
    throw std::runtime_error(head + ": X^T X + lambda I is not positive definite (leading minor " +
                             std::to_string(info) + "); a larger lambda makes it so");
  throw std::runtime_error(head + " failed with info " + std::to_string(info));
}

// Step 2: g <- G^-1 in the row-major upper triangle.
void invert_spd(const Context& res, DeviceBuffer<double>& g, std::int64_t n) {
  const CusolverHandle solver = make_solver(res);
  const int dim = static_cast<int>(n);
  const cublasFillMode_t lower = CUBLAS_FILL_MODE_LOWER;  // column-major lower = row-major upper
  int factor_work = 0, inverse_work = 0;
  CUSOLVER_CHECK(
      cusolverDnDpotrf_bufferSize(solver.get(), lower, dim, g.data(), dim, &factor_work));
  CUSOLVER_CHECK(
      cusolverDnDpotri_bufferSize(solver.get(), lower, dim, g.data(), dim, &inverse_work));
  const auto work_count = static_cast<std::size_t>(std::max({factor_work, inverse_work, 1}));
  require_free_memory(res, work_count * sizeof(double) + sizeof(int), "cuSOLVER's workspace");
  DeviceBuffer<double> work = res.alloc<double>(work_count);
  DeviceBuffer<int> info = res.alloc<int>(1);
  CUSOLVER_CHECK(cusolverDnDpotrf(solver.get(), lower, dim, g.data(), dim, work.data(),
                                  factor_work, info.data()));
  check_info(res, info, "cusolverDnDpotrf");
  CUSOLVER_CHECK(cusolverDnDpotri(solver.get(), lower, dim, g.data(), dim, work.data(),
                                  inverse_work, info.data()));
  check_info(res, info, "cusolverDnDpotri");
}

// Step 3: P -> B in place.
void weights_from_inverse(const Context& res, DeviceBuffer<double>& p, std::int64_t n) {
  DeviceBuffer<double> diagonal = res.alloc<double>(static_cast<std::size_t>(n));
  const int grid = resident_grid(res, copy_diagonal_kernel, kVectorBlock, 0,
                                 (n + kVectorBlock - 1) / kVectorBlock);
  copy_diagonal_kernel<<<grid, kVectorBlock, 0, res.stream()>>>(p.data(), n, diagonal.data());
  CUDA_CHECK_LAST(res.stream());
  const auto tiles = static_cast<unsigned>((n + kPairTile - 1) / kPairTile);
  weights_from_inverse_kernel<<<dim3(tiles, tiles), dim3(kPairTile, kPairRows), 0,
                                res.stream()>>>(p.data(), diagonal.data(), n);
  CUDA_CHECK_LAST(res.stream());
}

}  // namespace
}  // namespace cuda

EaseWeights cuda_ease_weights(cuda::Context& res, const CsrView& customer_items,
                              const CsrView& item_customers, const EaseParams& params) {
  using namespace cuda;
  if (std::string problem = detail::ease_params_problem(params); !problem.empty())
    throw std::invalid_argument("EASE: " + problem);
  detail::validate_item_matrices("EASE", customer_items, item_customers);
  const std::int64_t n = item_customers.rows;
  // cuSOLVER's legacy API takes int sizes; the grid of step 3 has ceil(n / 32) rows of blocks.
  detail::require(n <= std::min<std::int64_t>(INT_MAX, 65535LL * kPairTile),
                  "EASE (CUDA): at most " + std::to_string(65535LL * kPairTile) +
                      " items, got " + std::to_string(n));
  const std::size_t matrix = ease_matrix_bytes(n);
  detail::require(matrix < std::numeric_limits<std::size_t>::max(),
                  "EASE: an item x item matrix of " + std::to_string(n) +
                      " items does not fit in memory");
  res.activate();
  require_free_memory(res,
                      matrix + csr_bytes(customer_items, params.weighted) +
                          csr_bytes(item_customers, params.weighted),
                      "the item x item matrix of " + std::to_string(n) + " items");
  const auto count = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  DeviceBuffer<double> g = res.alloc<double>(count);
  gram(res, customer_items, item_customers, params, g);
  invert_spd(res, g, n);
  weights_from_inverse(res, g, n);
  EaseWeights w;
  w.items = n;
  w.b.resize(count);
  g.download(w.b.data(), count);
  res.synchronize();
  return w;
}

}  // namespace tailor
