// A small hand-made shop for the item-item models, and the checks their tests share.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/kernels.hpp"

namespace tailor::testing {

// 5 customers x 6 items, weights in brackets:
//   c0: i0 (2), i1 (1), i2 (3)
//   c1: i0 (1), i1 (1)
//   c2: i1 (2), i2 (1), i3 (1), i4 (5)
//   c3: nothing
//   c4: i0 (1), i3 (4)
// Item i5 has no customers; i4 has one.
inline Csr item_shop() {
  const std::uint32_t r[] = {0, 0, 0, 1, 1, 2, 2, 2, 2, 4, 4};
  const std::uint32_t c[] = {0, 1, 2, 0, 1, 1, 2, 3, 4, 0, 3};
  const float w[] = {2, 1, 3, 1, 1, 2, 1, 1, 5, 1, 4};
  return build_csr(5, 6, r, c, w, 11, 1);
}

// The dense rows x cols weights of m.
inline std::vector<std::vector<double>> dense(const Csr& m) {
  std::vector<std::vector<double>> d(static_cast<std::size_t>(m.rows),
                                     std::vector<double>(static_cast<std::size_t>(m.cols), 0.0));
  for (std::int64_t r = 0; r < m.rows; ++r)
    for (std::int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) d[r][m.indices[k]] = m.data[k];
  return d;
}

// Checks customer r's list in `got` against the reference scores of every item (`ref`) and the
// reference list (best first): same length, no duplicates, each item's score close to its
// reference, and a different item at a position only where the two reference scores tie.
inline void expect_list(const TopNResult& got, std::int64_t r, const std::vector<double>& ref,
                        const std::vector<std::uint32_t>& want) {
  const std::int64_t b = got.offsets[r], e = got.offsets[r + 1];
  ASSERT_EQ(static_cast<std::size_t>(e - b), want.size()) << "customer " << r;
  std::set<std::uint32_t> unique;
  for (std::int64_t p = b; p < e; ++p) {
    const std::uint32_t g = got.items[p], w = want[static_cast<std::size_t>(p - b)];
    EXPECT_TRUE(unique.insert(g).second) << "customer " << r << ": item " << g << " twice";
    const double tol = 1e-5 * std::max(1.0, std::abs(ref[w]));
    EXPECT_NEAR(got.scores[p], ref[g], tol) << "customer " << r << " item " << g;
    if (g != w)
      EXPECT_NEAR(ref[g], ref[w], tol)
          << "customer " << r << " position " << p - b << ": got " << g << ", want " << w;
  }
}

// The reference list: candidates (keep[j]) by score descending, then item ascending, best n.
inline std::vector<std::uint32_t> reference_list(const std::vector<double>& score,
                                                 const std::vector<bool>& keep, int n) {
  std::vector<std::uint32_t> list;
  for (std::size_t j = 0; j < score.size(); ++j)
    if (keep[j]) list.push_back(static_cast<std::uint32_t>(j));
  std::sort(list.begin(), list.end(), [&](std::uint32_t a, std::uint32_t b) {
    return score[a] != score[b] ? score[a] > score[b] : a < b;
  });
  if (list.size() > static_cast<std::size_t>(n)) list.resize(static_cast<std::size_t>(n));
  return list;
}

}  // namespace tailor::testing
