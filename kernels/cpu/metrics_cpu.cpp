// cpu_ranking_metrics: hits, precision, recall, NDCG, AP, hit rate and reciprocal rank at every
// cutoff, per customer, on the CPU: one ranking::customer_metrics pass per customer
// (kernels/ranking_pass.hpp, shared with kernels/cuda/metrics.cu), customers spread over threads.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/kernels.hpp"
#include "kernels/ranking_pass.hpp"
#include "kernels/validate.hpp"

namespace tailor {

std::vector<float> cpu_ranking_metrics(const TopNResult& lists, const CsrView& relevant,
                                       std::span<const int> ks, int threads) {
  detail::validate_ranking_metrics(lists, relevant, ks);
  threads = threads >= 1 ? threads : omp_get_max_threads();
  const std::int64_t customers = lists.customers();
  const std::size_t row = ks.size() * kRankingMetricCount;  // values per customer
  std::vector<float> out(static_cast<std::size_t>(customers) * row);
  const int kmax = *std::max_element(ks.begin(), ks.end());

#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
  for (std::int64_t c = 0; c < customers; ++c) {
    const std::int64_t lb = lists.offsets[c];
    const std::int64_t rb = relevant.indptr[c];
    ranking::customer_metrics(lists.items.data() + lb, lists.offsets[c + 1] - lb,
                              relevant.indices + rb, relevant.indptr[c + 1] - rb, ks.data(),
                              static_cast<int>(ks.size()), kmax,
                              out.data() + static_cast<std::size_t>(c) * row);
  }
  return out;
}

}  // namespace tailor
