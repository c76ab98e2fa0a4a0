#include "host/core/device.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <spdlog/spdlog.h>

#include "host/core/error.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

Device parse_device(const std::string& name) {
  if (name == "auto") return Device::automatic;
  if (name == "cpu") return Device::cpu;
  if (name == "cuda" || name == "gpu") return Device::cuda;
  throw InputError(fmt::format("unknown device '{}': use auto, cpu or cuda", name));
}

std::string to_string(Device d) {
  switch (d) {
    case Device::automatic: return "auto";
    case Device::cpu: return "cpu";
    case Device::cuda: return "cuda";
  }
  return "?";
}

Device resolve_device(Device requested) {
  if (requested == Device::cpu) return Device::cpu;
  const bool usable = cuda_device_count() > 0;
  if (requested == Device::cuda) {
    if (!usable) throw RunError(fmt::format("--device cuda: {}", cuda_device_description()));
    return Device::cuda;
  }
  if (usable) {
    spdlog::info("device: {}", cuda_device_description());
    return Device::cuda;
  }
  spdlog::info("device: CPU ({})", cuda_device_description());
  return Device::cpu;
}

int resolve_threads(int threads) { return threads > 0 ? threads : omp_get_num_procs(); }

}  // namespace tailor
