#include "host/core/device.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "host/core/error.hpp"
#include "host/core/names.hpp"

namespace tailor {
namespace {

inline constexpr NameTable<Device, 3> kDeviceNames{
    "device", {{{Device::automatic, "auto"}, {Device::cpu, "cpu"}, {Device::cuda, "cuda"}}}};

// The probe's device `index`, or nullptr.
const CudaDeviceInfo* find_device(const CudaProbe& probe, int index) {
  for (const CudaDeviceInfo& d : probe.devices)
    if (d.index == index) return &d;
  return nullptr;
}

// Why device `index` cannot run this binary, or empty when it can.
std::string unusable(const CudaProbe& probe, int index) {
  if (!probe.built) return probe.error;
  if (!probe.error.empty()) return probe.error;
  const CudaDeviceInfo* d = find_device(probe, index);
  if (!d)
    return fmt::format("no CUDA device {} ({} visible)", index, probe.devices.size());
  if (!d->usable()) return fmt::format("{}: {}", d->describe(), d->problem);
  return {};
}

}  // namespace

std::string to_string(Device d) { return kDeviceNames.name(d); }

std::string DeviceSpec::text() const {
  return kind == Device::cuda && index != 0 ? fmt::format("cuda:{}", index) : to_string(kind);
}

DeviceSpec parse_device(const std::string& text) {
  const std::string name = text == "gpu" ? "cuda" : text;
  if (name.starts_with("cuda:")) {
    DeviceSpec spec{Device::cuda, 0};
    const char* first = name.data() + 5;
    const char* last = name.data() + name.size();
    const auto [end, ec] = std::from_chars(first, last, spec.index);
    if (ec != std::errc() || end != last || first == last || spec.index < 0)
      throw InputError(fmt::format("unknown device '{}': use auto, cpu, cuda or cuda:N", text));
    return spec;
  }
  if (const auto kind = kDeviceNames.find(name)) return DeviceSpec{*kind, 0};
  throw InputError(fmt::format("unknown device '{}': use auto, cpu, cuda or cuda:N", text));
}

DeviceChoice choose_device(const DeviceSpec& spec, const CudaProbe& probe) {
  if (spec.kind == Device::cpu) return {Device::cpu, -1, "CPU, as asked"};
  const std::string why = unusable(probe, spec.index);
  if (spec.kind == Device::cuda) {
    if (!why.empty()) throw InputError(fmt::format("--device {}: {}", spec.text(), why));
    return {Device::cuda, spec.index, find_device(probe, spec.index)->describe()};
  }
  if (why.empty()) return {Device::cuda, spec.index, find_device(probe, spec.index)->describe()};
  return {Device::cpu, -1, fmt::format("CPU ({})", why)};
}

Backend make_backend(const DeviceSpec& spec, int threads, std::size_t memory_budget) {
  return make_backend(spec, threads, memory_budget,
                      spec.kind == Device::cpu ? CudaProbe{} : probe_cuda());
}

Backend make_backend(const DeviceSpec& spec, int threads, std::size_t memory_budget,
                     const CudaProbe& probe) {
  const DeviceChoice choice = choose_device(spec, probe);
  const BackendOptions options{resolve_threads(threads), memory_budget};
  if (choice.device == Device::cpu) {
    Backend b = Backend::cpu(options);
    spdlog::info("device: {}; {} threads", choice.reason, b.threads());
    return b;
  }
  try {
    Backend b = Backend::cuda(choice.index, options);
    spdlog::info("device: {}", b.name());
    return b;
  } catch (const std::runtime_error& e) {
    throw RunError(fmt::format("--device {}: {}", spec.text(), e.what()));
  }
}

int resolve_threads(int threads) { return threads > 0 ? threads : omp_get_num_procs(); }

}  // namespace tailor
