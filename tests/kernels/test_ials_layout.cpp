// The CUDA iALS engine's scratch sizes (kernels/ials_layout.hpp), which the memory planner counts,
// and the property the Gram chunk size is chosen for: fp32 sums over one chunk, added in double,
// agree with a double sum, where one fp32 accumulation over millions of rows visibly drifts.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/ials_layout.hpp"
#include "kernels/kernels.hpp"

namespace tailor {
namespace {

using namespace ials_layout;

TEST(IalsLayout, GramBatchIsBoundedByBytesAndCount) {
  EXPECT_EQ(gram_batch(1), kMaxGramBatch);
  EXPECT_EQ(gram_batch(4), kMaxGramBatch);  // 4096 x 64 B is far below the byte bound
  EXPECT_EQ(gram_batch(64), kGramPartialBytes / (64 * 64 * 4));
  EXPECT_EQ(gram_batch(kMaxFactors), kGramPartialBytes / (std::size_t{kMaxFactors} * kMaxFactors * 4));
  for (int k : {1, 7, 64, 100, 512, kMaxFactors}) {
    EXPECT_GE(gram_batch(k), 1u);
    EXPECT_LE(gram_batch(k) * k * k * sizeof(float), std::max<std::size_t>(kGramPartialBytes, k * k * 4));
  }
}

TEST(IalsLayout, ScratchBytesAddUp) {
  EXPECT_EQ(gram_scratch_bytes(4), 4096u * 16 * 4 + 16 * 8);
  EXPECT_EQ(gram_scratch_bytes(64), kGramPartialBytes + 64u * 64 * 8);
  EXPECT_EQ(row_order_bytes(10, 5), 15u * 4 + 8);
  EXPECT_EQ(row_order_bytes(0, 0), 8u);
}

// The sum of squares of n values in [0.5, 1): exactly (double), as one fp32 accumulation, and as
// fp32 sums over kGramChunk-row chunks added in double (what GramSum does per Gram entry).
struct Sums {
  double exact = 0, one_fp32 = 0, chunked = 0;
};

Sums sums_of_squares(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.0f);
  Sums s;
  float all = 0.0f, chunk = 0.0f;
  for (std::int64_t r = 0; r < n; ++r) {
    const float x = u(rng);
    s.exact += static_cast<double>(x) * x;
    all += x * x;
    chunk += x * x;
    if ((r + 1) % kGramChunk == 0 || r + 1 == n) {
      s.chunked += chunk;
      chunk = 0.0f;
    }
  }
  s.one_fp32 = all;
  return s;
}

TEST(IalsLayout, ChunkedGramKeepsDoublePrecisionAtTwoMillionRows) {
  const Sums s = sums_of_squares(2'000'000, 5);
  const double chunked = std::abs(s.chunked - s.exact) / s.exact;
  const double one = std::abs(s.one_fp32 - s.exact) / s.exact;
  std::printf("2M rows: relative error %.3g chunked (chunk %lld), %.3g as one fp32 sum\n", chunked,
              static_cast<long long>(kGramChunk), one);
  EXPECT_LT(chunked, 1e-6);
  EXPECT_GT(one, 10 * chunked);  // what the chunks are for
}

}  // namespace
}  // namespace tailor
