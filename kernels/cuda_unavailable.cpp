// The CUDA entry points in a build without the CUDA backend: nothing is usable, and saying so
// is not an error until somebody asks for the GPU explicitly.
#include <stdexcept>

#include "kernels/kernels.hpp"

namespace tailor {

bool cuda_built() { return false; }
int cuda_device_count() noexcept { return 0; }
std::string cuda_device_description() { return "this build of tailor has no CUDA backend"; }
std::size_t cuda_device_memory() noexcept { return 0; }

std::unique_ptr<IalsEngine> make_cuda_ials(const CsrView&, const CsrView&, const IalsParams&) {
  throw std::runtime_error("--device cuda: " + cuda_device_description());
}

TopNResult cuda_topn(const FactorsView&, const FactorsView&, const CsrView*, const TopNParams&) {
  throw std::runtime_error("--device cuda: " + cuda_device_description());
}

std::unique_ptr<BprEngine> make_cuda_bpr(const CsrView&, const BprParams&) {
  throw std::runtime_error("--device cuda: " + cuda_device_description());
}

std::vector<float> cuda_ranking_metrics(const TopNResult&, const CsrView&, std::span<const int>) {
  throw std::runtime_error("--device cuda: " + cuda_device_description());
}

}  // namespace tailor
