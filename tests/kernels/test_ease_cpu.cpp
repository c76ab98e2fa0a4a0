// cpu_ease_weights and cpu_ease_topn against Steck's definition transcribed naively: a dense
// double X, G = X^T X + lambda I inverted by Gauss-Jordan elimination, B = I - P diag(1/diag P).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "item_shop.hpp"
#include "kernels/item_item.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using Dense = std::vector<std::vector<double>>;
using testing::dense;
using testing::item_shop;

// The inverse of a (n x n, invertible) by Gauss-Jordan with partial pivoting.
Dense inverse(Dense a) {
  const std::size_t n = a.size();
  Dense inv(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i) inv[i][i] = 1.0;
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r][c]) > std::abs(a[pivot][c])) pivot = r;
    std::swap(a[c], a[pivot]);
    std::swap(inv[c], inv[pivot]);
    const double d = a[c][c];
    for (std::size_t j = 0; j < n; ++j) {
      a[c][j] /= d;
      inv[c][j] /= d;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r][c];
      for (std::size_t j = 0; j < n; ++j) {
        a[r][j] -= f * a[c][j];
        inv[r][j] -= f * inv[c][j];
      }
    }
  }
  return inv;
}

// X (binary, or the weights), and B = I - P diag(1 / diag P) with P = (X^T X + lambda I)^-1.
struct Reference {
  Dense x, b, score;
};

Reference reference(const Csr& ci, const EaseParams& p) {
  Reference r;
  r.x = dense(ci);
  if (!p.weighted)
    for (auto& row : r.x)
      for (double& v : row) v = v != 0.0 ? 1.0 : 0.0;
  const std::size_t n = static_cast<std::size_t>(ci.cols);
  Dense g(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      for (const auto& row : r.x) g[i][j] += row[i] * row[j];
      if (i == j) g[i][j] += p.regularization;
    }
  const Dense inv = inverse(g);
  r.b.assign(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) r.b[i][j] = (i == j ? 1.0 : 0.0) - inv[i][j] / inv[j][j];
  r.score.assign(r.x.size(), std::vector<double>(n, 0.0));
  for (std::size_t u = 0; u < r.x.size(); ++u)
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) r.score[u][j] += r.x[u][i] * r.b[i][j];
  return r;
}

EaseWeights weights_of(const Csr& ci, const EaseParams& p, int threads = 2) {
  const Csr ic = transpose(ci, 1);
  return cpu_ease_weights(ci.view(), ic.view(), p, threads);
}

TopNResult lists_of(const EaseWeights& w, const Csr& ci, const Csr* seen, const EaseParams& p,
                    int n, int threads = 2) {
  const CsrView customers = ci.view();
  const CsrView s = seen != nullptr ? seen->view() : CsrView{};
  TopNParams t;
  t.n = n;
  t.exclude_seen = seen != nullptr;
  return cpu_ease_topn(w, customers, seen != nullptr ? &s : nullptr, p, t, threads);
}

void expect_weights(const EaseWeights& got, const Reference& ref) {
  const std::size_t n = ref.b.size();
  ASSERT_EQ(got.items, static_cast<std::int64_t>(n));
  ASSERT_EQ(got.b.size(), n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const double want = ref.b[i][j];
      EXPECT_NEAR(got.b[i * n + j], want, 1e-12 + 1e-9 * std::abs(want)) << "B(" << i << ", " << j << ")";
    }
}

// Every customer with items gets the reference top-n of its non-excluded items; the others none.
void expect_lists(const TopNResult& got, const Reference& ref, const Csr* seen, int n) {
  ASSERT_EQ(got.customers(), static_cast<std::int64_t>(ref.x.size()));
  for (std::size_t u = 0; u < ref.x.size(); ++u) {
    bool has_items = false;
    for (const double v : ref.x[u]) has_items = has_items || v != 0.0;
    std::vector<bool> keep(ref.b.size(), has_items);
    if (seen != nullptr)
      for (std::int64_t k = seen->indptr[u]; k < seen->indptr[u + 1]; ++k) keep[seen->indices[k]] = false;
    testing::expect_list(got, static_cast<std::int64_t>(u), ref.score[u],
                         testing::reference_list(ref.score[u], keep, n));
  }
}

TEST(EaseCpu, TheHandMadeShopMatchesTheClosedForm) {
  const Csr ci = item_shop();
  for (const double lambda : {0.5, 3.0, 500.0})
    for (const bool weighted : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "lambda " << lambda << " weighted " << weighted);
      EaseParams p;
      p.regularization = lambda;
      p.weighted = weighted;
      const EaseWeights w = weights_of(ci, p);
      const Reference ref = reference(ci, p);
      expect_weights(w, ref);
      for (std::int64_t i = 0; i < w.items; ++i) EXPECT_EQ(w.b[i * w.items + i], 0.0);
      expect_lists(lists_of(w, ci, &ci, p, 3), ref, &ci, 3);
      expect_lists(lists_of(w, ci, nullptr, p, 4), ref, nullptr, 4);
    }
}

TEST(EaseCpu, AwkwardShapes) {
  const Csr ci = item_shop();
  EaseParams p;
  p.regularization = 2.0;
  const EaseWeights w = weights_of(ci, p);
  // i5 has no customers: its row and column of B are zero.
  for (std::int64_t j = 0; j < w.items; ++j) {
    EXPECT_EQ(w.b[5 * w.items + j], 0.0);
    EXPECT_EQ(w.b[j * w.items + 5], 0.0);
  }
  // n above the item count: every item not seen; c3 (no items) gets nothing.
  const TopNResult all = lists_of(w, ci, &ci, p, 50);
  EXPECT_EQ(all.offsets[4] - all.offsets[3], 0);
  EXPECT_EQ(all.offsets[1] - all.offsets[0], 3);  // c0 has 3 of the 6 items
  EXPECT_EQ(all.short_lists, 5);
  expect_lists(all, reference(ci, p), &ci, 50);
  // One item, bought by nobody.
  Csr lone;
  lone.rows = 2;
  lone.cols = 1;
  lone.indptr = {0, 0, 0};
  const EaseWeights one = weights_of(lone, p);
  EXPECT_EQ(one.b, std::vector<double>{0.0});
}

TEST(EaseCpu, RandomShopsAgreeWithTheReferenceOnAnyThreadCount) {
  const Csr ci = testing::random_csr(50, 23, 8, 7, 20);
  EaseParams p;
  p.regularization = 4.0;
  p.weighted = true;
  const EaseWeights one = weights_of(ci, p, 1), two = weights_of(ci, p, 2);
  EXPECT_EQ(one.b, two.b);
  const Reference ref = reference(ci, p);
  expect_weights(two, ref);
  expect_lists(lists_of(two, ci, &ci, p, 6), ref, &ci, 6);
}

TEST(EaseCpu, MatrixBytesAndBadArguments) {
  EXPECT_EQ(ease_matrix_bytes(0), 0u);
  EXPECT_EQ(ease_matrix_bytes(3), 72u);
  EXPECT_EQ(ease_matrix_bytes(500000), std::size_t{2000000000000});
  EXPECT_EQ(ease_matrix_bytes(std::int64_t{1} << 40), std::numeric_limits<std::size_t>::max());
  const Csr ci = item_shop();
  const Csr ic = transpose(ci, 1);
  EaseParams p;
  p.regularization = 0.0;
  try {
    (void)cpu_ease_weights(ci.view(), ic.view(), p, 1);
    ADD_FAILURE() << "lambda = 0 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "EASE: lambda = 0: must be finite and > 0");
  }
  EXPECT_THROW((void)cpu_ease_weights(ci.view(), ci.view(), EaseParams{}, 1),
               std::invalid_argument);
  const EaseWeights w = weights_of(ci, EaseParams{});
  const CsrView wrong_width = ic.view();
  TopNParams t;
  t.exclude_seen = false;
  EXPECT_THROW((void)cpu_ease_topn(w, wrong_width, nullptr, {}, t, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tailor
