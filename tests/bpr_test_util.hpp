// Test helper shared by the CPU and GPU BPR tests.
#pragma once

#include <cstdint>
#include <vector>

#include "test_util.hpp"

namespace tailor::testing {

inline constexpr std::int64_t kSamplerItems = 45;

// 60 customers x 45 items for sampler edge cases: row 30 holds every item (no negative exists, so
// its samples are skipped) and row 10 holds every item except 7 (its only negative).
inline Csr sampler_edge_cases() {
  const Csr base = random_csr(60, kSamplerItems, 12, 21, /*heavy=*/kSamplerItems);
  std::vector<std::uint32_t> r, c;
  for (std::int64_t u = 0; u < base.rows; ++u) {
    if (u == 10) {
      for (std::uint32_t i = 0; i < kSamplerItems; ++i)
        if (i != 7) {
          r.push_back(10);
          c.push_back(i);
        }
      continue;
    }
    for (std::int64_t q = base.indptr[u]; q < base.indptr[u + 1]; ++q) {
      r.push_back(static_cast<std::uint32_t>(u));
      c.push_back(base.indices[q]);
    }
  }
  return build_csr(base.rows, kSamplerItems, r.data(), c.data(), nullptr,
                   static_cast<std::int64_t>(r.size()), 1);
}

}  // namespace tailor::testing
