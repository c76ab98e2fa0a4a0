// The CUDA entry points in a build without the CUDA backend: nothing is usable, and saying so
// is not an error until somebody asks for the GPU explicitly.
#include <stdexcept>

#include "kernels/item_item.hpp"
#include "kernels/kernels.hpp"

namespace tailor {
namespace {

[[noreturn]] void unavailable() {
  throw std::runtime_error("--device cuda: this build of tailor has no CUDA backend");
}

}  // namespace

bool cuda_built() { return false; }

CudaProbe probe_cuda() noexcept {
  CudaProbe p;
  p.error = "this build of tailor has no CUDA backend";
  return p;
}

std::shared_ptr<cuda::Context> make_cuda_context(int) { unavailable(); }

std::unique_ptr<IalsEngine> make_cuda_ials(std::shared_ptr<cuda::Context>, const CsrView&,
                                           const CsrView&, const IalsParams&) {
  unavailable();
}

TopNResult cuda_topn(cuda::Context&, const FactorsView&, const FactorsView&, const CsrView*,
                     const TopNParams&) {
  unavailable();
}

std::unique_ptr<BprEngine> make_cuda_bpr(std::shared_ptr<cuda::Context>, const CsrView&,
                                         const BprParams&, BprLaunch) {
  unavailable();
}

std::vector<float> cuda_ranking_metrics(cuda::Context&, const TopNResult&, const CsrView&,
                                        std::span<const int>) {
  unavailable();
}

std::unique_ptr<Scorer> make_cuda_scorer(std::shared_ptr<cuda::Context>, const FactorsView&,
                                         std::size_t) {
  unavailable();
}

ItemNeighbours cuda_item_neighbours(cuda::Context&, const CsrView&, const CsrView&,
                                    const ItemKnnParams&, std::size_t) {
  unavailable();
}

EaseWeights cuda_ease_weights(cuda::Context&, const CsrView&, const CsrView&, const EaseParams&) {
  unavailable();
}

}  // namespace tailor
