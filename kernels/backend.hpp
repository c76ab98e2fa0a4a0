// The one object every compute operation runs through: made once per run from --device, it owns
// the device resources (for CUDA: one context with its stream, a cuBLAS handle created on first
// use, the device's properties) and the memory budget of score tiles, and hands out the iALS and
// BPR engines, top-N lists, full score rows, ranking metrics and the item-item fits (item kNN's
// neighbours, EASE's weights) of its backend. Plain C++: no
// CUDA type is visible here, so host code uses it in every build.
//
// A Backend is a cheap handle: copies share the same context, and engines made from it keep the
// context alive for as long as they live.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kernels/item_item.hpp"
#include "kernels/kernels.hpp"

namespace tailor {

struct BackendOptions {
  int threads = 0;  // CPU threads (all host-side work too); < 1: all the threads OpenMP offers
  // Temporary memory for score tiles (top-N and full score rows) and item kNN's similarity rows
  // on CUDA, bytes; batches are sized to it.
  std::size_t memory_budget = std::size_t{1} << 30;
};

class Backend {
 public:
  // The CPU backend (OpenMP): the reference every CUDA kernel is tested against.
  static Backend cpu(BackendOptions options = {});
  // CUDA device `device` (an index among the visible devices). Throws std::runtime_error naming
  // the reason when it is not usable (no driver, no device, no code for its architecture).
  static Backend cuda(int device, BackendOptions options = {});

  [[nodiscard]] bool is_cuda() const { return cuda_ != nullptr; }
  [[nodiscard]] int device() const { return device_; }  // -1 on the CPU
  [[nodiscard]] int threads() const { return threads_; }
  [[nodiscard]] std::size_t memory_budget() const { return memory_budget_; }
  // The device context (null on the CPU), for kernel tests and benchmarks that call a
  // make_cuda_* factory of kernels.hpp with options the Backend does not offer.
  [[nodiscard]] const std::shared_ptr<cuda::Context>& cuda_context() const { return cuda_; }
  // "cpu (2 threads)", "cuda:0 (NVIDIA H100 80GB HBM3, sm_90, 79.1 GiB)".
  [[nodiscard]] std::string name() const;

  // iALS on this backend; the views must outlive the engine (kernels.hpp, make_cpu_ials).
  [[nodiscard]] std::unique_ptr<IalsEngine> ials(const CsrView& customer_items,
                                                 const CsrView& item_customers,
                                                 const IalsParams& params) const;
  [[nodiscard]] std::unique_ptr<BprEngine> bpr(const CsrView& customer_items,
                                               const BprParams& params) const;
  // cpu_topn's contract; params.memory_budget = 0 takes the backend's budget.
  [[nodiscard]] TopNResult topn(const FactorsView& customers, const FactorsView& items,
                                const CsrView* seen, TopNParams params) const;
  // Full score rows against `items` (which must outlive the scorer).
  [[nodiscard]] std::unique_ptr<Scorer> scorer(const FactorsView& items) const;
  [[nodiscard]] std::vector<float> ranking_metrics(const TopNResult& lists,
                                                   const CsrView& relevant,
                                                   std::span<const int> ks) const;
  // Item kNN's neighbour lists and EASE's weights (kernels/item_item.hpp): cpu_item_neighbours
  // and cpu_ease_weights with the backend's threads, or their CUDA versions on the device (item
  // kNN's batches sized to the memory budget).
  [[nodiscard]] ItemNeighbours item_neighbours(const CsrView& customer_items,
                                               const CsrView& item_customers,
                                               const ItemKnnParams& params) const;
  [[nodiscard]] EaseWeights ease_weights(const CsrView& customer_items,
                                         const CsrView& item_customers,
                                         const EaseParams& params) const;

 private:
  Backend(int threads, std::size_t memory_budget, int device,
          std::shared_ptr<cuda::Context> context);
  int threads_ = 1;
  std::size_t memory_budget_ = 0;
  int device_ = -1;
  std::shared_ptr<cuda::Context> cuda_;  // null on the CPU
  std::string cuda_name_;
};

}  // namespace tailor
