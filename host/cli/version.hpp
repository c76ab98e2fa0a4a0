// What `tailor --version` prints.
#pragma once

#include <string>

#include "kernels/kernels.hpp"

namespace tailor::cli {

// "tailor X.Y.Z" and "CUDA backend: built|not built", then, with the CUDA build, the driver and
// runtime versions, then one line per visible GPU (name, compute capability, memory and why it
// cannot run, if so) or one line saying why there is none. No trailing newline.
std::string version_text(const CudaProbe& probe);

}  // namespace tailor::cli
