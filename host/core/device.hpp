// Choosing where the work runs: --device auto|cpu|cuda.
#pragma once

#include <string>

namespace tailor {

enum class Device { automatic, cpu, cuda };

// "auto", "cpu" or "cuda"; InputError otherwise.
Device parse_device(const std::string& name);
std::string to_string(Device d);

// auto -> cuda when a usable device exists, else cpu (logged once with the reason).
// cuda with no usable device -> RunError saying why. Never touches the GPU beyond a device count.
Device resolve_device(Device requested);

// All cores when threads <= 0.
int resolve_threads(int threads);

}  // namespace tailor
