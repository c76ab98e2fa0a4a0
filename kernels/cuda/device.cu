// Device discovery for the CUDA build: whether a device is usable, and a line describing it.
// None of these throw on a machine without a driver or a GPU: that is an ordinary answer here.
#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/kernels.hpp"

namespace tailor {

namespace cuda {

namespace {

// The device count, or the error that prevented counting. The error is cleared afterwards:
// cudaGetDeviceCount failures (cudaErrorNoDevice, cudaErrorInsufficientDriver, ...) are not
// sticky, but left in place they would be reported by the next unrelated cudaGetLastError().
cudaError_t count_devices(int& count) noexcept {
  count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    count = 0;
  }
  return err;
}

}  // namespace

std::string cuda_unusable_reason() {
  int count = 0;
  const cudaError_t err = count_devices(count);
  if (err != cudaSuccess)
    return std::string("cudaGetDeviceCount failed with ") + cudaGetErrorName(err) + " (" +
           cudaGetErrorString(err) + ")";
  if (count == 0) return "no CUDA device found";
  return {};
}

}  // namespace cuda

bool cuda_built() { return true; }

int cuda_device_count() noexcept {
  int count = 0;
  (void)cuda::count_devices(count);
  return count;
}

std::string cuda_device_description() {
  if (std::string why = cuda::cuda_unusable_reason(); !why.empty()) return why;
  int device = 0;
  cudaDeviceProp prop{};
  cudaError_t err = cudaGetDevice(&device);
  if (err == cudaSuccess) err = cudaGetDeviceProperties(&prop, device);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    return std::string("CUDA device unreadable: ") + cudaGetErrorName(err) + " (" +
           cudaGetErrorString(err) + ")";
  }
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", static_cast<double>(prop.totalGlobalMem) / kGiB);
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + memory + ")";
}

std::size_t cuda_device_memory() noexcept {
  if (cuda_device_count() == 0) return 0;
  int device = 0;
  cudaDeviceProp prop{};
  if (cudaGetDevice(&device) != cudaSuccess || cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return prop.totalGlobalMem;
}

}  // namespace tailor
