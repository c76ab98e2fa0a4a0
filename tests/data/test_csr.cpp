#include <gtest/gtest.h>

#include <map>
#include <random>
#include <utility>

#include "host/data/csr.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

TEST(Csr, BuildAggregatesDuplicatesAndSortsColumns) {
  // (row, col, weight): row 0 has col 3 twice, row 2 is empty, row 1 has three distinct cols.
  std::vector<std::uint32_t> r{0, 1, 0, 1, 0, 1, 3};
  std::vector<std::uint32_t> c{3, 4, 3, 0, 1, 2, 4};
  std::vector<float> w{1.5f, 2.0f, 2.5f, 1.0f, 7.0f, 3.0f, 0.0f};
  Csr m = build_csr(4, 5, r.data(), c.data(), w.data(), 7, 2);
  EXPECT_EQ(m.indptr, (std::vector<std::int64_t>{0, 2, 5, 5, 6}));
  EXPECT_EQ(m.indices, (std::vector<std::uint32_t>{1, 3, 0, 2, 4, 4}));
  EXPECT_EQ(m.data, (std::vector<float>{7.0f, 4.0f, 1.0f, 3.0f, 2.0f, 0.0f}));
}

TEST(Csr, NullWeightsCountOccurrences) {
  std::vector<std::uint32_t> r{0, 0, 0, 1};
  std::vector<std::uint32_t> c{2, 2, 1, 2};
  Csr m = build_csr(2, 3, r.data(), c.data(), nullptr, 4, 1);
  EXPECT_EQ(m.indices, (std::vector<std::uint32_t>{1, 2, 2}));
  EXPECT_EQ(m.data, (std::vector<float>{1.0f, 2.0f, 1.0f}));
}

TEST(Csr, RandomBuildMatchesMapAndTransposeRoundTrips) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const std::int64_t rows = 97, cols = 61, n = 3000;
    std::vector<std::uint32_t> r(n), c(n);
    std::vector<float> w(n);
    std::map<std::pair<std::uint32_t, std::uint32_t>, double> expect;
    for (std::int64_t k = 0; k < n; ++k) {
      r[k] = static_cast<std::uint32_t>(rng() % rows);
      c[k] = static_cast<std::uint32_t>(rng() % cols);
      w[k] = static_cast<float>(rng() % 100) / 8.0f;
      expect[{r[k], c[k]}] += w[k];
    }
    Csr m = build_csr(rows, cols, r.data(), c.data(), w.data(), n, 2);
    ASSERT_EQ(m.nnz(), static_cast<std::int64_t>(expect.size()));
    std::int64_t k = 0;
    for (const auto& [rc, sum] : expect) {  // map order = row-major, columns ascending
      ASSERT_LE(m.indptr[rc.first], k);
      ASSERT_LT(k, m.indptr[rc.first + 1]);
      EXPECT_EQ(m.indices[k], rc.second);
      EXPECT_NEAR(m.data[k], sum, 1e-4);
      ++k;
    }
    Csr t = transpose(m, 2);
    EXPECT_EQ(t.rows, cols);
    EXPECT_EQ(t.cols, rows);
    Csr back = transpose(t, 2);
    EXPECT_EQ(back.indptr, m.indptr);
    EXPECT_EQ(back.indices, m.indices);
    EXPECT_EQ(back.data, m.data);
  }
}

TEST(Csr, SelectRowsKeepsTheRowsInTheGivenOrder) {
  const std::uint32_t r[] = {0, 0, 2, 3, 3};
  const std::uint32_t c[] = {1, 4, 0, 2, 3};
  const float w[] = {1, 2, 3, 4, 5};
  const Csr m = build_csr(4, 5, r, c, w, 5, 1);
  const std::uint32_t pick[] = {3, 1, 0, 3};
  const Csr s = select_rows(m, pick);
  EXPECT_EQ(s.rows, 4);
  EXPECT_EQ(s.cols, 5);
  EXPECT_EQ(s.indptr, (std::vector<std::int64_t>{0, 2, 2, 4, 6}));
  EXPECT_EQ(s.indices, (std::vector<std::uint32_t>{2, 3, 1, 4, 2, 3}));
  EXPECT_EQ(s.data, (std::vector<float>{4, 5, 1, 2, 4, 5}));
  EXPECT_EQ(select_rows(m, {}).indptr, std::vector<std::int64_t>{0});
}

}  // namespace
}  // namespace tailor
