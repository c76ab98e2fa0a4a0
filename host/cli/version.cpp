#include "host/cli/version.hpp"

#include <fmt/format.h>

namespace tailor::cli {

std::string version_text(const CudaProbe& probe) {
  std::string text = fmt::format("tailor {}\nCUDA backend: {}", TAILOR_VERSION,
                                 probe.built ? "built" : "not built");
  // Without the CUDA build there is no runtime, and the driver is never asked.
  if (probe.built) text += fmt::format("\nCUDA: {}", probe.versions());
  if (probe.devices.empty())
    text += fmt::format("\nGPU: {}", probe.error.empty() ? "none" : probe.error);
  for (const CudaDeviceInfo& d : probe.devices) {
    text += fmt::format("\nGPU {}: {}", d.index, d.describe());
    if (!d.usable()) text += fmt::format(": {}", d.problem);
  }
  return text;
}

}  // namespace tailor::cli
