// One customer's pass of the ranking metrics, compiled for the host (kernels/cpu/metrics_cpu.cpp)
// and for the device (kernels/cuda/metrics.cu), so the two backends run the very same
// operations in the same order and agree to float rounding.
//
// The pass walks the first max(ks) positions of the list: each position's item is looked up by
// binary search in the customer's sorted relevant row, and running sums (hits, DCG, the AP
// numerator, the first relevant position) are updated in double. When the pass reaches a cutoff
// k, or ends because the list is shorter than k, the metrics at k are written from the running
// state (definitions in kernels/kernels.hpp and docs/evaluation.md).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/host_device.hpp"
#include "kernels/kernels.hpp"

namespace tailor::ranking {

// The running state of one customer's pass after some list entries.
struct MetricState {
  std::int64_t hits = 0;
  double dcg = 0.0;        // sum of 1 / log2(r + 1) over relevant positions r
  double ap_sum = 0.0;     // sum of hits@r / r over relevant positions r
  std::int64_t first = 0;  // first relevant position (1-based), 0 if none yet
};

// IDCG for m relevant items in front: sum_{r=1..m} 1 / log2(r + 1).
TAILOR_HD inline double ideal_dcg(std::int64_t m) {
  double s = 0.0;
  for (std::int64_t r = 1; r <= m; ++r) s += 1.0 / log2(static_cast<double>(r + 1));
  return s;
}

// Writes the kRankingMetricCount values at cutoff k from the state of the pass.
TAILOR_HD inline void emit(const MetricState& st, std::int64_t k, std::int64_t relevant,
                           float* out) {
  const std::int64_t denom = k < relevant ? k : relevant;  // >= 1: k >= 1 and relevant >= 1
  const auto hits = static_cast<double>(st.hits);
  out[kHits] = static_cast<float>(hits);
  out[kPrecision] = static_cast<float>(hits / static_cast<double>(k));
  out[kRecall] = static_cast<float>(hits / static_cast<double>(denom));
  out[kNdcg] = static_cast<float>(st.dcg / ideal_dcg(denom));
  out[kAp] = static_cast<float>(st.ap_sum / static_cast<double>(denom));
  out[kHit] = st.hits > 0 ? 1.0f : 0.0f;
  out[kRr] = st.first > 0 ? static_cast<float>(1.0 / static_cast<double>(st.first)) : 0.0f;
}

// Whether `item` is in the ascending row rel[0..n).
TAILOR_HD inline bool contains(const std::uint32_t* rel, std::int64_t n, std::uint32_t item) {
  std::int64_t lo = 0;
  std::int64_t hi = n;
  while (lo < hi) {
    const std::int64_t mid = lo + (hi - lo) / 2;
    if (rel[mid] < item)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && rel[lo] == item;
}

// list: (len) item indices, best first; rel: (nrel >= 1) ascending; ks: (nk) cutoffs >= 1,
// kmax = max(ks); out: (nk, kRankingMetricCount).
TAILOR_HD inline void customer_metrics(const std::uint32_t* list, std::int64_t len,
                                       const std::uint32_t* rel, std::int64_t nrel,
                                       const int* ks, int nk, int kmax, float* out) {
  const std::int64_t last = len < kmax ? len : kmax;
  MetricState st;
  for (std::int64_t r = 1; r <= last; ++r) {
    if (contains(rel, nrel, list[r - 1])) {
      ++st.hits;
      st.dcg += 1.0 / log2(static_cast<double>(r + 1));
      st.ap_sum += static_cast<double>(st.hits) / static_cast<double>(r);
      if (st.first == 0) st.first = r;
    }
    for (int j = 0; j < nk; ++j)
      if (ks[j] == r) emit(st, ks[j], nrel, out + j * kRankingMetricCount);
  }
  // Cutoffs beyond the end of the list: nothing more can be hit.
  for (int j = 0; j < nk; ++j)
    if (ks[j] > last) emit(st, ks[j], nrel, out + j * kRankingMetricCount);
}

}  // namespace tailor::ranking
