#include "kernels/backend.hpp"

#include <omp.h>

#include <cstdio>
#include <string>

namespace tailor {

std::string CudaDeviceInfo::describe() const {
  char memory_text[32];
  std::snprintf(memory_text, sizeof memory_text, "%.1f GiB",
                static_cast<double>(memory) / (1024.0 * 1024.0 * 1024.0));
  return name + " (sm_" + std::to_string(major) + std::to_string(minor) + ", " + memory_text + ")";
}

std::string CudaProbe::versions() const {
  auto version = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
  return (driver_version > 0 ? "driver " + version(driver_version) : std::string("no CUDA driver")) +
         ", runtime " + version(runtime_version);
}

int cuda_device_count() noexcept {
  int usable = 0;
  for (const CudaDeviceInfo& d : probe_cuda().devices) usable += d.usable();
  return usable;
}

std::string cuda_device_description() {
  const CudaProbe p = probe_cuda();
  if (!p.error.empty()) return p.error;
  const CudaDeviceInfo& d = p.devices.front();
  return d.usable() ? d.describe() : d.describe() + ": " + d.problem;
}

std::size_t cuda_device_memory() noexcept {
  const CudaProbe p = probe_cuda();
  return !p.devices.empty() && p.devices.front().usable() ? p.devices.front().memory : 0;
}

Backend::Backend(int threads, std::size_t memory_budget, int device,
                 std::shared_ptr<cuda::Context> context)
    : threads_(threads >= 1 ? threads : omp_get_num_procs()),
      memory_budget_(memory_budget),
      device_(device),
      cuda_(std::move(context)) {}

Backend Backend::cpu(BackendOptions options) {
  return Backend(options.threads, options.memory_budget, -1, nullptr);
}

Backend Backend::cuda(int device, BackendOptions options) {
  Backend b(options.threads, options.memory_budget, device, make_cuda_context(device));
  for (const CudaDeviceInfo& d : probe_cuda().devices)
    if (d.index == device) b.cuda_name_ = d.describe();
  return b;
}

std::string Backend::name() const {
  if (!is_cuda())
    return "cpu (" + std::to_string(threads_) + (threads_ == 1 ? " thread)" : " threads)");
  return "cuda:" + std::to_string(device_) + " (" + cuda_name_ + ")";
}

std::unique_ptr<IalsEngine> Backend::ials(const CsrView& customer_items,
                                          const CsrView& item_customers,
                                          const IalsParams& params) const {
  if (is_cuda()) return make_cuda_ials(cuda_, customer_items, item_customers, params);
  return make_cpu_ials(customer_items, item_customers, params, threads_);
}

std::unique_ptr<BprEngine> Backend::bpr(const CsrView& customer_items,
                                        const BprParams& params) const {
  if (is_cuda()) return make_cuda_bpr(cuda_, customer_items, params);
  return make_cpu_bpr(customer_items, params, threads_);
}

TopNResult Backend::topn(const FactorsView& customers, const FactorsView& items,
                         const CsrView* seen, TopNParams params) const {
  if (params.memory_budget == 0) params.memory_budget = memory_budget_;
  if (is_cuda()) return cuda_topn(*cuda_, customers, items, seen, params);
  return cpu_topn(customers, items, seen, params, threads_);
}

std::unique_ptr<Scorer> Backend::scorer(const FactorsView& items) const {
  if (is_cuda()) return make_cuda_scorer(cuda_, items, memory_budget_);
  return std::make_unique<CpuScorer>(items, threads_);
}

std::vector<float> Backend::ranking_metrics(const TopNResult& lists, const CsrView& relevant,
                                            std::span<const int> ks) const {
  if (is_cuda()) return cuda_ranking_metrics(*cuda_, lists, relevant, ks);
  return cpu_ranking_metrics(lists, relevant, ks, threads_);
}

ItemNeighbours Backend::item_neighbours(const CsrView& customer_items,
                                        const CsrView& item_customers,
                                        const ItemKnnParams& params) const {
  if (is_cuda())
    return cuda_item_neighbours(*cuda_, customer_items, item_customers, params, memory_budget_);
  return cpu_item_neighbours(customer_items, item_customers, params, threads_);
}

EaseWeights Backend::ease_weights(const CsrView& customer_items, const CsrView& item_customers,
                                  const EaseParams& params) const {
  if (is_cuda()) return cuda_ease_weights(*cuda_, customer_items, item_customers, params);
  return cpu_ease_weights(customer_items, item_customers, params, threads_);
}

}  // namespace tailor
