// Test helper shared by the CPU and GPU BPR tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
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

// A planted problem: true scores U V^T of rank 4 with Gaussian factors drawn from `rng`; returns
// each customer's `top` best items, best first.
inline std::vector<std::vector<std::uint32_t>> planted_top_items(std::int64_t customers,
                                                                 std::int64_t items, int top,
                                                                 std::mt19937_64& rng) {
  constexpr int kRank = 4;
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> U(static_cast<std::size_t>(customers) * kRank);
  std::vector<float> V(static_cast<std::size_t>(items) * kRank);
  for (auto& v : U) v = g(rng);
  for (auto& v : V) v = g(rng);
  std::vector<std::vector<std::uint32_t>> best(static_cast<std::size_t>(customers));
  std::vector<std::uint32_t> order(static_cast<std::size_t>(items));
  std::vector<float> s(static_cast<std::size_t>(items));
  for (std::int64_t u = 0; u < customers; ++u) {
    for (std::int64_t i = 0; i < items; ++i) {
      float d = 0.0f;
      for (int f = 0; f < kRank; ++f) d += U[u * kRank + f] * V[i * kRank + f];
      s[static_cast<std::size_t>(i)] = d;
    }
    std::iota(order.begin(), order.end(), 0u);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](std::uint32_t a, std::uint32_t b) { return s[a] > s[b]; });
    best[static_cast<std::size_t>(u)].assign(order.begin(), order.begin() + top);
  }
  return best;
}

}  // namespace tailor::testing
