// Choosing where the work runs: --device auto | cpu | cuda | cuda:N, made into the run's one
// Backend (kernels/backend.hpp).
#pragma once

#include <cstddef>
#include <string>

#include "kernels/backend.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

enum class Device { automatic, cpu, cuda };
std::string to_string(Device d);  // "auto", "cpu", "cuda"

// A --device value: "auto", "cpu", "cuda" (device 0), "cuda:N" ("gpu" is read as "cuda").
struct DeviceSpec {
  Device kind = Device::automatic;
  int index = 0;  // the CUDA device, with kind cuda
  [[nodiscard]] std::string text() const;  // as written back: "auto", "cpu", "cuda:1"
};
DeviceSpec parse_device(const std::string& text);  // InputError for anything else

// What a spec becomes on a machine whose CUDA devices `probe` describes.
struct DeviceChoice {
  Device device = Device::cpu;  // cpu or cuda
  int index = -1;               // the CUDA device, with device cuda
  std::string reason;           // one line: what was found and why this choice
};
// auto -> the spec's CUDA device when it exists and this binary has code for it, else the CPU
// (the reason says why). cuda[:N] that cannot run -> InputError naming the reason (exit 2).
DeviceChoice choose_device(const DeviceSpec& spec, const CudaProbe& probe);

// The run's backend, made once: the choice is logged in one line. threads <= 0: all cores.
Backend make_backend(const DeviceSpec& spec, int threads,
                     std::size_t memory_budget = BackendOptions{}.memory_budget);
// The same with the probe given (tests simulate machines with it).
Backend make_backend(const DeviceSpec& spec, int threads, std::size_t memory_budget,
                     const CudaProbe& probe);

// Where a backend computes: Device::cpu or Device::cuda (manifests and logs say so).
inline Device device_of(const Backend& backend) {
  return backend.is_cuda() ? Device::cuda : Device::cpu;
}

// The most CPU threads a command accepts: far more would only overflow OpenMP's stacks.
inline constexpr int kMaxThreads = 1024;

// All cores when threads <= 0.
int resolve_threads(int threads);

}  // namespace tailor
