// cpu_ranking_metrics: hits, precision, recall, NDCG, AP, hit rate and reciprocal rank at every
// cutoff, per customer, on the CPU (definitions in kernels/kernels.hpp and docs/evaluation.md).
//
// One pass per customer over the first max(ks) positions of its list: each position's item is
// looked up by binary search in the customer's sorted relevant row, and running sums (hits, DCG,
// the AP numerator, the first relevant position) are updated. When the pass reaches a cutoff k,
// or ends because the list is shorter than k, the metrics at k are written from the running
// state. Sums are in double and in position order; kernels/cuda/metrics.cu performs the same
// operations in the same order, so the two backends agree to float rounding.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/kernels.hpp"
#include "kernels/validate.hpp"

namespace tailor::cpu {
namespace {

// The running state of one customer's pass after `position` list entries.
struct MetricState {
  std::int64_t hits = 0;
  double dcg = 0.0;       // sum of 1 / log2(r + 1) over relevant positions r
  double ap_sum = 0.0;    // sum of hits@r / r over relevant positions r
  std::int64_t first = 0; // first relevant position (1-based), 0 if none yet
};

// IDCG for m relevant items in front: sum_{r=1..m} 1 / log2(r + 1).
double ideal_dcg(std::int64_t m) {
  double s = 0.0;
  for (std::int64_t r = 1; r <= m; ++r) s += 1.0 / std::log2(static_cast<double>(r + 1));
  return s;
}

// Writes the kRankingMetricCount values at cutoff k from the state of the pass.
void emit(const MetricState& st, std::int64_t k, std::int64_t relevant, float* out) {
  const std::int64_t denom = std::min(k, relevant);  // >= 1: k >= 1 and relevant >= 1
  const auto hits = static_cast<double>(st.hits);
  out[kHits] = static_cast<float>(hits);
  out[kPrecision] = static_cast<float>(hits / static_cast<double>(k));
  out[kRecall] = static_cast<float>(hits / static_cast<double>(denom));
  out[kNdcg] = static_cast<float>(st.dcg / ideal_dcg(denom));
  out[kAp] = static_cast<float>(st.ap_sum / static_cast<double>(denom));
  out[kHit] = st.hits > 0 ? 1.0f : 0.0f;
  out[kRr] = st.first > 0 ? static_cast<float>(1.0 / static_cast<double>(st.first)) : 0.0f;
}

void customer_metrics(const std::uint32_t* list, std::int64_t len, const std::uint32_t* rel,
                      std::int64_t nrel, std::span<const int> ks, int kmax, float* out) {
  const auto nk = ks.size();
  const std::int64_t last = std::min<std::int64_t>(len, kmax);
  MetricState st;
  for (std::int64_t r = 1; r <= last; ++r) {
    const std::uint32_t item = list[r - 1];
    if (std::binary_search(rel, rel + nrel, item)) {
      ++st.hits;
      st.dcg += 1.0 / std::log2(static_cast<double>(r + 1));
      st.ap_sum += static_cast<double>(st.hits) / static_cast<double>(r);
      if (st.first == 0) st.first = r;
    }
    for (std::size_t j = 0; j < nk; ++j)
      if (ks[j] == r) emit(st, ks[j], nrel, out + j * kRankingMetricCount);
  }
  // Cutoffs beyond the end of the list: nothing more can be hit.
  for (std::size_t j = 0; j < nk; ++j)
    if (ks[j] > last) emit(st, ks[j], nrel, out + j * kRankingMetricCount);
}

}  // namespace
}  // namespace tailor::cpu

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
    cpu::customer_metrics(lists.items.data() + lb, lists.offsets[c + 1] - lb,
                          relevant.indices + rb, relevant.indptr[c + 1] - rb, ks, kmax,
                          out.data() + static_cast<std::size_t>(c) * row);
  }
  return out;
}

}  // namespace tailor
