// The row claim order of the CUDA CG kernel (kernels/row_order.hpp): a permutation, heaviest rows
// first, ties in row order, from both of its sorting paths and on awkward shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "host/data/csr.hpp"
#include "kernels/kernels.hpp"
#include "kernels/row_order.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

std::int64_t nnz_of(const CsrView& m, std::uint32_t r) { return m.indptr[r + 1] - m.indptr[r]; }

void expect_claim_order(const CsrView& m) {
  const std::vector<std::uint32_t> order = rows_by_decreasing_nnz(m);
  ASSERT_EQ(static_cast<std::int64_t>(order.size()), m.rows);
  std::vector<char> seen(order.size(), 0);
  for (std::uint32_t r : order) {
    ASSERT_LT(r, order.size());
    EXPECT_EQ(seen[r], 0) << "row " << r << " appears twice";
    seen[r] = 1;
  }
  for (std::size_t s = 1; s < order.size(); ++s) {
    const std::int64_t before = nnz_of(m, order[s - 1]), now = nnz_of(m, order[s]);
    EXPECT_GE(before, now) << "position " << s;
    if (before == now) EXPECT_LT(order[s - 1], order[s]) << "tie at position " << s;
  }
}

TEST(RowOrder, CountingSortPathOnRandomShapes) {
  for (const std::int64_t rows : {1, 2, 3, 31, 32, 33, 1000}) {
    SCOPED_TRACE(rows);
    const Csr m = testing::random_csr(rows, 50, 12, 100 + static_cast<std::uint64_t>(rows), 40);
    expect_claim_order(m.view());
  }
}

TEST(RowOrder, ComparisonSortPathWhenOneRowDwarfsTheRowCount) {
  // 5 rows, one of them with 5000 entries: longer than 2 * rows + 1024, so the stable sort runs.
  const Csr m = testing::random_csr(5, 6000, 3, 7, 5000);
  ASSERT_GT(m.view().indptr[3] - m.view().indptr[2], 2 * 5 + 1024);
  expect_claim_order(m.view());
  EXPECT_EQ(rows_by_decreasing_nnz(m.view()).front(), 2u);  // the heavy row is rows / 2
}

TEST(RowOrder, EmptyMatrixAndAllRowsEqual) {
  const Csr none = testing::random_csr(0, 10, 3, 1);
  EXPECT_TRUE(rows_by_decreasing_nnz(none.view()).empty());
  std::vector<std::uint32_t> r, c;
  for (std::uint32_t i = 0; i < 9; ++i) {
    r.push_back(i);
    c.push_back(i % 3);
  }
  const Csr equal = build_csr(9, 3, r.data(), c.data(), nullptr, 9, 1);
  const std::vector<std::uint32_t> order = rows_by_decreasing_nnz(equal.view());
  for (std::uint32_t s = 0; s < 9; ++s) EXPECT_EQ(order[s], s);
}

TEST(RowOrder, SlicedViewsCountTheirOwnRows) {
  // A slice (indptr[0] != 0) is ordered by its own rows' counts.
  const Csr m = testing::random_csr(200, 40, 9, 11, 30);
  expect_claim_order(m.view().slice(50, 150));
}

}  // namespace
}  // namespace tailor
