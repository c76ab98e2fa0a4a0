// The order in which the CUDA CG kernel's blocks claim rows (kernels/cuda/ials.cuh): by
// decreasing number of stored entries, ties in row order. Blocks take the next row from an atomic
// counter, so the heaviest rows (an item bought by 10^5 customers) start first and the many light
// rows fill the GPU around them, instead of one block being dealt a heavy row last while the
// others idle. Plain C++: tested on the CPU.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/kernels.hpp"

namespace tailor {

// A permutation of 0 .. m.rows-1: nnz(order[s]) >= nnz(order[s + 1]), equal counts by row index.
// A stable counting sort when the largest row is not much longer than the row count, else a
// stable comparison sort. std::invalid_argument when rows do not fit 32 bits.
inline std::vector<std::uint32_t> rows_by_decreasing_nnz(const CsrView& m) {
  if (m.rows > static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max()))
    throw std::invalid_argument("row order: " + std::to_string(m.rows) +
                                " rows do not fit 32-bit row indices");
  const auto rows = static_cast<std::size_t>(m.rows);
  std::vector<std::uint32_t> order(rows);
  std::int64_t longest = 0;
  for (std::size_t r = 0; r < rows; ++r) longest = std::max(longest, m.indptr[r + 1] - m.indptr[r]);
  const auto nnz = [&](std::uint32_t r) { return m.indptr[r + 1] - m.indptr[r]; };
  if (longest > 2 * m.rows + 1024) {
    for (std::size_t r = 0; r < rows; ++r) order[r] = static_cast<std::uint32_t>(r);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return nnz(a) > nnz(b); });
    return order;
  }
  // first[c]: where rows with c entries start in the output, longest first.
  std::vector<std::size_t> first(static_cast<std::size_t>(longest) + 2, 0);
  for (std::size_t r = 0; r < rows; ++r)
    ++first[static_cast<std::size_t>(longest - nnz(static_cast<std::uint32_t>(r))) + 1];
  for (std::size_t c = 1; c < first.size(); ++c) first[c] += first[c - 1];
  for (std::size_t r = 0; r < rows; ++r)
    order[first[static_cast<std::size_t>(longest - nnz(static_cast<std::uint32_t>(r)))]++] =
        static_cast<std::uint32_t>(r);
  return order;
}

}  // namespace tailor
