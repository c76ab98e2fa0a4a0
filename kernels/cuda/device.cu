// Device discovery for the CUDA build: which devices exist, whether this binary has code for
// each (one probe kernel asked for its attributes), and the per-run Context. Nothing here throws
// on a machine without a driver or a GPU but make_cuda_context: an absent device is an ordinary
// answer.
#include <cuda_runtime.h>

#include <memory>
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/kernels.hpp"

namespace tailor {
namespace cuda {
namespace {

// Never launched: asking for its attributes fails with cudaErrorNoKernelImageForDevice (or
// cudaErrorInvalidDeviceFunction) when the binary holds neither SASS nor PTX the device can run.
__global__ void probe_kernel() {}

std::string error_text(cudaError_t err) {
  return std::string(cudaGetErrorName(err)) + " (" + cudaGetErrorString(err) + ")";
}

// The device count, or the error that prevented counting. Errors are cleared afterwards:
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

// Name, capability and memory of device `index`, and why this binary cannot use it.
CudaDeviceInfo inspect(int index) noexcept {
  CudaDeviceInfo d;
  d.index = index;
  cudaDeviceProp prop{};
  cudaError_t err = cudaGetDeviceProperties(&prop, index);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    d.problem = "device properties unreadable: " + error_text(err);
    return d;
  }
  d.name = prop.name;
  d.major = prop.major;
  d.minor = prop.minor;
  d.memory = prop.totalGlobalMem;
  d.multiprocessors = prop.multiProcessorCount;
  int current = 0;
  (void)cudaGetDevice(&current);
  cudaFuncAttributes attr{};
  err = cudaSetDevice(index);
  if (err == cudaSuccess) err = cudaFuncGetAttributes(&attr, probe_kernel);
  (void)cudaSetDevice(current);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    d.problem = "this binary has no code for sm_" + std::to_string(d.major) +
                std::to_string(d.minor) + " (built for " TAILOR_CUDA_ARCHITECTURES "): " +
                error_text(err);
  }
  return d;
}

}  // namespace

std::string cuda_unusable_reason(int device) {
  const CudaProbe probe = probe_cuda();
  if (!probe.error.empty()) return probe.error;
  for (const CudaDeviceInfo& d : probe.devices)
    if (d.index == device) return d.problem;
  return "no CUDA device " + std::to_string(device) + " (" + std::to_string(probe.devices.size()) +
         " visible)";
}

}  // namespace cuda

bool cuda_built() { return true; }

CudaProbe probe_cuda() noexcept {
  CudaProbe p;
  p.built = true;
  (void)cudaRuntimeGetVersion(&p.runtime_version);
  if (cudaDriverGetVersion(&p.driver_version) != cudaSuccess) p.driver_version = 0;
  int count = 0;
  const cudaError_t err = cuda::count_devices(count);
  if (err != cudaSuccess) {
    p.error = "cudaGetDeviceCount failed with " + cuda::error_text(err) + "; " + p.versions();
    return p;
  }
  if (count == 0) p.error = "no CUDA device found";
  for (int i = 0; i < count; ++i) p.devices.push_back(cuda::inspect(i));
  return p;
}

std::shared_ptr<cuda::Context> make_cuda_context(int device) {
  return std::make_shared<cuda::Context>(device);
}

}  // namespace tailor
