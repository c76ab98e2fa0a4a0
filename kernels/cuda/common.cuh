// Shared plumbing of the CUDA backend: error checks that throw, RAII owners for device memory,
// streams, events and the cuBLAS handle, the per-device Context that launchers take,
// and the small device helpers (warp/block sums, confidence) that several kernels use.
//
// Nothing here is visible to host/: the public interface is kernels/kernels.hpp.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include "kernels/kernels.hpp"

namespace tailor::cuda {

// ---- error checks -------------------------------------------------------------------------------

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file,
                                          int line) {
  throw std::runtime_error(std::string("CUDA error ") + cudaGetErrorName(err) + " (" +
                           cudaGetErrorString(err) + ") in " + call + " at " + file + ":" +
                           std::to_string(line));
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t status, const char* call,
                                            const char* file, int line) {
  throw std::runtime_error(std::string("cuBLAS error ") + cublasGetStatusName(status) + " (" +
                           cublasGetStatusString(status) + ") in " + call + " at " + file + ":" +
                           std::to_string(line));
}

}  // namespace tailor::cuda

// Throws std::runtime_error naming the call, the error and file:line. Never exits: callers (and
// tests) can catch it.
#define CUDA_CHECK(call)                                                             \
  do {                                                                               \
    const cudaError_t tailor_cuda_err_ = (call);                                     \
    if (tailor_cuda_err_ != cudaSuccess)                                             \
      ::tailor::cuda::throw_cuda_error(tailor_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)

#define CUBLAS_CHECK(call)                                                                  \
  do {                                                                                      \
    const cublasStatus_t tailor_cublas_status_ = (call);                                    \
    if (tailor_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                     \
      ::tailor::cuda::throw_cublas_error(tailor_cublas_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After every kernel launch: reports launch errors (bad configuration, too much shared memory).
// Debug builds (NDEBUG undefined) also wait for the stream so that a fault inside the kernel is
// reported at its own launch rather than at the next synchronising call; release builds never
// synchronise here.
#ifdef NDEBUG
#define CUDA_CHECK_LAST(stream) CUDA_CHECK(cudaGetLastError())
#else
#define CUDA_CHECK_LAST(stream)                \
  do {                                         \
    CUDA_CHECK(cudaGetLastError());            \
    CUDA_CHECK(cudaStreamSynchronize(stream)); \
  } while (0)
#endif

namespace tailor::cuda {

// ---- RAII owners --------------------------------------------------------------------------------

// A typed device allocation of `count` elements, stream-ordered (cudaMallocAsync/cudaFreeAsync on
// the stream it was made for). Movable, not copyable; the destructor never throws. The memory is
// uninitialised. The stream must outlive the buffer (Context owners declare it first).
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(std::size_t count, cudaStream_t stream) : stream_(stream) {
    if (count == 0) return;
    if (count > std::numeric_limits<std::size_t>::max() / sizeof(T))
      throw std::runtime_error("device allocation of " + std::to_string(count) +
                               " elements overflows size_t");
    void* p = nullptr;
    CUDA_CHECK(cudaMallocAsync(&p, count * sizeof(T), stream));
    data_ = static_cast<T*>(p);
    count_ = count;
  }
  ~DeviceBuffer() { reset(); }

  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        count_(std::exchange(other.count_, 0)),
        stream_(other.stream_) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      reset();
      data_ = std::exchange(other.data_, nullptr);
      count_ = std::exchange(other.count_, 0);
      stream_ = other.stream_;
    }
    return *this;
  }

  // Frees now (stream-ordered: after the work already queued on the stream). Errors are ignored:
  // a failing free at shutdown must not throw out of a destructor.
  void reset() noexcept {
    if (data_ != nullptr) (void)cudaFreeAsync(data_, stream_);
    data_ = nullptr;
    count_ = 0;
  }

  [[nodiscard]] T* data() { return data_; }
  [[nodiscard]] const T* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return count_; }
  [[nodiscard]] std::size_t bytes() const { return count_ * sizeof(T); }

  // Asynchronous copies on the buffer's stream. Both the upload() source and the download()
  // target must stay valid until the stream is synchronised: the runtime documents copies
  // between device and pageable host memory only as "might be synchronous", so a host buffer
  // freed right after upload() returns could still be read by a copy in flight.
  void upload(const T* host, std::size_t count, std::size_t offset = 0) {
    if (count == 0) return;
    CUDA_CHECK(
        cudaMemcpyAsync(data_ + offset, host, count * sizeof(T), cudaMemcpyHostToDevice, stream_));
  }
  void download(T* host, std::size_t count, std::size_t offset = 0) const {
    if (count == 0) return;
    CUDA_CHECK(
        cudaMemcpyAsync(host, data_ + offset, count * sizeof(T), cudaMemcpyDeviceToHost, stream_));
  }
  void zero() {
    if (count_ > 0) CUDA_CHECK(cudaMemsetAsync(data_, 0, bytes(), stream_));
  }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
  cudaStream_t stream_ = nullptr;
};

// An owned CUDA handle (stream, event, cuBLAS handle, ...): movable, not copyable, released by
// Destroy in a destructor that never throws (a failing release at shutdown is ignored).
template <typename T, auto Destroy>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T handle) noexcept : handle_(handle) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : handle_(std::exchange(other.handle_, T{})) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, T{});
    }
    return *this;
  }
  [[nodiscard]] T get() const { return handle_; }
  explicit operator bool() const { return handle_ != T{}; }
  void reset() noexcept {
    if (handle_ != T{}) (void)Destroy(handle_);
    handle_ = T{};
  }

 private:
  T handle_{};
};

// A non-blocking stream (it does not serialise with the legacy default stream).
class Stream : public Handle<cudaStream_t, &cudaStreamDestroy> {
 public:
  Stream() : Handle(create()) {}
  void synchronize() const { CUDA_CHECK(cudaStreamSynchronize(get())); }

 private:
  static cudaStream_t create() {
    cudaStream_t s = nullptr;
    CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    return s;
  }
};

// A timing event (for measuring device work between two records on one stream).
class Event : public Handle<cudaEvent_t, &cudaEventDestroy> {
 public:
  Event() : Handle(create()) {}
  void record(cudaStream_t stream) { CUDA_CHECK(cudaEventRecord(get(), stream)); }
  // Milliseconds from `start` to this event; both must have completed.
  [[nodiscard]] float elapsed_ms_since(const Event& start) const {
    float ms = 0.0f;
    CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), get()));
    return ms;
  }

 private:
  static cudaEvent_t create() {
    cudaEvent_t e = nullptr;
    CUDA_CHECK(cudaEventCreate(&e));
    return e;
  }
};

using CublasHandle = Handle<cublasHandle_t, &cublasDestroy>;

// Why device `device` is not usable, or an empty string when it is (device.cu).
std::string cuda_unusable_reason(int device);

// Everything one device needs, made once per run (Backend owns it) and passed down explicitly
// to every launcher: the device, a stream every launch and copy goes on, and a cuBLAS handle
// bound to that stream, created on first use (a run that only samples BPR triples never loads
// cuBLAS). Throws std::runtime_error when the device is not usable. Member order matters: the
// handle is destroyed before the stream it uses.
class Context {
 public:
  // The device is made current before stream_ is created on it (members initialise in order).
  explicit Context(int device) : device_(make_current(usable(device))) {
    CUDA_CHECK(cudaDeviceGetAttribute(&sm_count_, cudaDevAttrMultiProcessorCount, device_));
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Makes the context's device current on the calling thread (the current device is per thread,
  // and OpenMP workers start on device 0). Every entry point calls it first.
  void activate() const { CUDA_CHECK(cudaSetDevice(device_)); }
  [[nodiscard]] cudaStream_t stream() const { return stream_.get(); }
  [[nodiscard]] cublasHandle_t cublas() const {
    std::call_once(blas_once_, [this] {
      cublasHandle_t h = nullptr;
      CUBLAS_CHECK(cublasCreate(&h));
      blas_ = CublasHandle(h);
      CUBLAS_CHECK(cublasSetStream(h, stream_.get()));
      // Said explicitly: the default mode keeps SGEMM in full fp32 (TF32 tensor cores only with
      // CUBLAS_TF32_TENSOR_OP_MATH), so results stay comparable with the CPU reference.
      CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH));
    });
    return blas_.get();
  }
  [[nodiscard]] int device() const { return device_; }
  [[nodiscard]] int sm_count() const { return sm_count_; }
  // Serialises callers that share the stream from several host threads (Scorer::score).
  [[nodiscard]] std::mutex& mutex() const { return mutex_; }
  void synchronize() const { stream_.synchronize(); }

  template <typename T>
  [[nodiscard]] DeviceBuffer<T> alloc(std::size_t count) const {
    return DeviceBuffer<T>(count, stream_.get());
  }

 private:
  static int usable(int device) {
    if (std::string why = cuda_unusable_reason(device); !why.empty())
      throw std::runtime_error("--device cuda:" + std::to_string(device) + ": " + why);
    return device;
  }
  static int make_current(int device) {
    CUDA_CHECK(cudaSetDevice(device));
    return device;
  }

  int device_;
  int sm_count_ = 1;
  Stream stream_;
  mutable std::once_flag blas_once_;
  mutable CublasHandle blas_;  // after stream_: destroyed before the stream it is bound to
  mutable std::mutex mutex_;
};

// ---- device helpers -----------------------------------------------------------------------------

inline constexpr int kWarpSize = 32;
inline constexpr unsigned kFullMask = 0xffffffffu;

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2)
    v += __shfl_xor_sync(kFullMask, v, offset);
  return v;
}

// The sum of `v` over the whole block, returned to every thread. `scratch` holds at least
// kBlock / 32 + 1 values in shared memory. Every thread of the block must call it (it contains
// __syncthreads); the order of additions is fixed, so results are deterministic.
template <int kBlock, typename T>
__device__ __forceinline__ T block_sum(T v, T* scratch) {
  static_assert(kBlock % kWarpSize == 0 && kBlock >= kWarpSize && kBlock <= 1024,
                "block size must be a multiple of 32 in 32..1024");
  constexpr int kWarps = kBlock / kWarpSize;
  const int lane = static_cast<int>(threadIdx.x) % kWarpSize;
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  v = warp_sum(v);
  if (lane == 0) scratch[warp] = v;
  __syncthreads();
  if (warp == 0) {
    T w = lane < kWarps ? scratch[lane] : T(0);
    w = warp_sum(w);
    if (lane == 0) scratch[kWarps] = w;
  }
  __syncthreads();
  // scratch[kWarps] is rewritten by a later call only after that call's first barrier, which
  // every thread reaches after reading it here.
  return scratch[kWarps];
}

// tailor::confidence for the device: c(w) = 1 + alpha * w, or 1 + alpha * log1p(w / epsilon).
// minus_one(w) is c(w) - 1 computed directly as alpha * f(w), which keeps the low bits of a small
// alpha * w that 1 + alpha * w - 1 would lose (the CPU backend does the same).
struct Confidence {
  bool log_scaling = false;
  float alpha = 1.0f;
  float epsilon = 1.0f;

  static Confidence from(const IalsParams& p) {
    return {p.scaling == ConfidenceScaling::log, p.alpha, p.log_epsilon};
  }
  __host__ __device__ __forceinline__ float minus_one(float w) const {
    return log_scaling ? alpha * log1pf(w / epsilon) : alpha * w;
  }
  __host__ __device__ __forceinline__ float operator()(float w) const {
    return 1.0f + minus_one(w);
  }
};

// Grid size for a grid-stride loop over `work` blocks of `kernel`: as many blocks as fit on the
// device at once, never more than there is work for.
template <typename Kernel>
int resident_grid(const Context& res, Kernel kernel, int block, std::size_t dynamic_smem,
                  std::int64_t work) {
  int per_sm = 0;
  CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, block, dynamic_smem));
  const std::int64_t resident = static_cast<std::int64_t>(per_sm > 0 ? per_sm : 1) * res.sm_count();
  const std::int64_t grid = work < resident ? work : resident;
  return static_cast<int>(grid > 0 ? grid : 1);
}

}  // namespace tailor::cuda
