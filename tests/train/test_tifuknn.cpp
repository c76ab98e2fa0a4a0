// TIFU-KNN (host/train/tifuknn.hpp): a hand-worked personal vector, basket windows, and the
// blended lists against a direct dense transcription of the definition on random shops.
#include "host/train/tifuknn.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "host/core/error.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

struct Row {
  std::uint32_t customer, item;
  std::int64_t time;
};

Dataset shop(std::int64_t customers, std::int64_t items, const std::vector<Row>& rows) {
  Dataset d;
  d.path = "shop.h5";
  for (std::int64_t c = 0; c < customers; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  for (std::int64_t i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
  for (const Row& r : rows) {
    d.log.customer.push_back(r.customer);
    d.log.item.push_back(r.item);
    d.log.time.push_back(r.time);
  }
  return d;
}

std::vector<bool> all_rows(const Dataset& d) {
  return std::vector<bool>(static_cast<std::size_t>(d.log.size()), true);
}

std::map<std::uint32_t, double> row_of(const Csr& m, std::int64_t c) {
  std::map<std::uint32_t, double> out;
  for (std::int64_t k = m.indptr[c]; k < m.indptr[c + 1]; ++k) out[m.indices[k]] = m.data[k];
  return out;
}

// Baskets {A} at t=1, {A, B, B} at t=2, {B} at t=3; groups of 2, r_b = 0.5, r_g = 0.8.
// Groups from the most recent: g_2 = (basket 2, basket 3), g_1 = (basket 1).
//   v(g_1) = A
//   v(g_2) = 1/2 (0.5 {A, B} + 1 {B}) = 0.25 A + 0.75 B
//   u      = 1/2 (0.8 v(g_1) + v(g_2)) = 0.525 A + 0.375 B
TEST(TifuKnn, PersonalVectorByHand) {
  const Dataset d = shop(1, 3, {{0, 0, 1}, {0, 0, 2}, {0, 1, 2}, {0, 1, 2}, {0, 1, 3}});
  TifuKnnParams p;
  p.group_size = 2;
  p.within_decay = 0.5;
  p.across_decay = 0.8;
  const Csr u = tifu_personal_vectors(d, all_rows(d), p);
  const auto r = row_of(u, 0);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r.at(0), 0.525, 1e-7);
  EXPECT_NEAR(r.at(1), 0.375, 1e-7);
}

// With a window of 1 s the first two timestamps make one basket {A, B}: baskets {A, B}, {B};
// one group of 2: u = 1/2 (0.5 {A, B} + {B}) = 0.25 A + 0.75 B. Unselected rows do not count.
TEST(TifuKnn, BasketWindowAndRowSelection) {
  const Dataset d = shop(1, 3, {{0, 0, 1}, {0, 1, 2}, {0, 1, 3}, {0, 2, 9}});
  TifuKnnParams p;
  p.group_size = 2;
  p.within_decay = 0.5;
  p.basket_window = 1;
  std::vector<bool> rows = all_rows(d);
  rows[3] = false;
  const auto r = row_of(tifu_personal_vectors(d, rows, p), 0);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_NEAR(r.at(0), 0.25, 1e-7);
  EXPECT_NEAR(r.at(1), 0.75, 1e-7);
}

// ---- the definition, transcribed densely ------------------------------------------------------

using Dense = std::vector<std::vector<double>>;

Dense dense_personal(const Dataset& d, const TifuKnnParams& p) {
  Dense u(static_cast<std::size_t>(d.customers()), std::vector<double>(d.items(), 0.0));
  for (std::int64_t c = 0; c < d.customers(); ++c) {
    std::map<std::int64_t, std::vector<bool>> by_time;  // one basket per timestamp
    for (std::int64_t r = 0; r < d.log.size(); ++r) {
      if (d.log.customer[r] != c) continue;
      auto& b = by_time[d.log.time[r]];
      b.resize(static_cast<std::size_t>(d.items()), false);
      b[d.log.item[r]] = true;
    }
    std::vector<std::vector<bool>> baskets;
    for (auto& [t, b] : by_time) baskets.push_back(b);
    const int n = static_cast<int>(baskets.size());
    const int K = (n + p.group_size - 1) / p.group_size;
    for (int j = 1; j <= K; ++j) {  // g_K is the most recent group
      const int last = n - (K - j) * p.group_size;
      const int first = std::max(0, last - p.group_size);
      const int size = last - first;
      for (int i = 1; i <= size; ++i)
        for (std::int64_t item = 0; item < d.items(); ++item)
          if (baskets[first + i - 1][item])
            u[c][item] += std::pow(p.across_decay, K - j) / K * std::pow(p.within_decay, size - i) /
                          size;
    }
  }
  return u;
}

std::vector<std::pair<std::uint32_t, double>> dense_list(const Dense& u, std::int64_t c, int n,
                                                         const TifuKnnParams& p) {
  const auto norm = [](const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x * x;
    return s;
  };
  if (norm(u[c]) == 0.0) return {};
  std::vector<std::pair<double, std::int64_t>> dist;
  for (std::int64_t v = 0; v < static_cast<std::int64_t>(u.size()); ++v) {
    if (v == c || norm(u[v]) == 0.0) continue;
    // |u - v|^2 = |u|^2 + |v|^2 - 2 u.v, each sum in item order (as the engine sums them, so
    // that equal distances stay equal and ties go to the lower index on both sides).
    double dot = 0;
    for (std::size_t i = 0; i < u[c].size(); ++i) dot += u[c][i] * u[v][i];
    dist.emplace_back(norm(u[c]) + norm(u[v]) - 2.0 * dot, v);
  }
  std::sort(dist.begin(), dist.end());
  dist.resize(std::min<std::size_t>(dist.size(), static_cast<std::size_t>(p.neighbours)));
  std::vector<std::pair<std::uint32_t, double>> scores;
  for (std::size_t i = 0; i < u[c].size(); ++i) {
    double s = p.alpha * u[c][i];
    for (const auto& [dd, v] : dist) s += (1.0 - p.alpha) * u[v][i] / static_cast<double>(dist.size());
    if (s > 0) scores.emplace_back(static_cast<std::uint32_t>(i), s);
  }
  std::sort(scores.begin(), scores.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  scores.resize(std::min<std::size_t>(scores.size(), static_cast<std::size_t>(n)));
  return scores;
}

TEST(TifuKnn, ListsMatchTheDenseDefinitionOnRandomShops) {
  for (const std::uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    const std::int64_t customers = 40, items = 25;
    std::vector<Row> rows;
    for (std::uint32_t c = 0; c < customers; ++c) {
      if (c % 9 == 4) continue;  // customers without history
      const int visits = 1 + static_cast<int>(rng() % 12);
      for (int v = 0; v < visits; ++v)
        for (int k = 0, size = 1 + static_cast<int>(rng() % 4); k < size; ++k)
          rows.push_back({c, static_cast<std::uint32_t>(rng() % items), 100 * v + 7});
    }
    const Dataset d = shop(customers, items, rows);
    TifuKnnParams p;
    p.group_size = 3;
    p.within_decay = 0.8;
    p.across_decay = 0.6;
    p.neighbours = static_cast<int>(seed) * 4;
    p.alpha = 0.6;
    const Csr u = tifu_personal_vectors(d, all_rows(d), p);
    const Dense du = dense_personal(d, p);
    std::vector<std::uint32_t> who(customers);
    for (std::uint32_t c = 0; c < customers; ++c) who[c] = c;
    const int n = 6;
    const TopNResult got = tifuknn_lists(u, who, nullptr, n, p, 2);
    ASSERT_EQ(got.customers(), customers);
    for (std::int64_t c = 0; c < customers; ++c) {
      const auto want = dense_list(du, c, n, p);
      ASSERT_EQ(got.offsets[c + 1] - got.offsets[c], static_cast<std::int64_t>(want.size()))
          << "customer " << c;
      for (std::size_t j = 0; j < want.size(); ++j) {
        const auto at = static_cast<std::size_t>(got.offsets[c]) + j;
        EXPECT_NEAR(got.scores[at], want[j].second, 1e-6) << "customer " << c << " rank " << j;
        // Ties within float rounding may swap; the score at each rank must agree regardless.
        if (j + 1 < want.size() && want[j].second - want[j + 1].second > 1e-6 &&
            (j == 0 || want[j - 1].second - want[j].second > 1e-6)) {
          EXPECT_EQ(got.items[at], want[j].first) << "customer " << c << " rank " << j;
        }
      }
    }
  }
}

TEST(TifuKnn, ExclusionsShortListsAndBadInput) {
  const Dataset d = shop(3, 4, {{0, 0, 1}, {0, 1, 2}, {1, 1, 1}, {1, 2, 1}});
  TifuKnnParams p;
  p.neighbours = 1;
  p.alpha = 0.5;
  const Csr u = tifu_personal_vectors(d, all_rows(d), p);
  // Customer 0 excludes item 1; its neighbour (customer 1) brings items 1 and 2.
  Csr ex = build_csr(3, 4, std::vector<std::uint32_t>{0}.data(),
                     std::vector<std::uint32_t>{1}.data(), nullptr, 1, 1);
  const TopNResult r = tifuknn_lists(u, {0, 2}, &ex, 10, p, 1);
  ASSERT_EQ(r.customers(), 2);
  std::vector<std::uint32_t> items(r.items.begin() + r.offsets[0], r.items.begin() + r.offsets[1]);
  std::sort(items.begin(), items.end());
  EXPECT_EQ(items, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(r.offsets[2] - r.offsets[1], 0);  // customer 2 has no history
  EXPECT_EQ(r.short_lists, 2);

  Dataset untimed = d;
  untimed.log.time.clear();
  EXPECT_NE(testing::input_error_of([&] { (void)tifu_personal_vectors(untimed, all_rows(d), p); })
                .find("needs the time of each interaction"),
            std::string::npos);
  using Tweak = void (*)(TifuKnnParams&);
  const Tweak tweaks[] = {[](TifuKnnParams& q) { q.group_size = 0; },
                          [](TifuKnnParams& q) { q.within_decay = 0.0; },
                          [](TifuKnnParams& q) { q.across_decay = 1.5; },
                          [](TifuKnnParams& q) { q.alpha = -0.1; },
                          [](TifuKnnParams& q) { q.neighbours = -1; },
                          [](TifuKnnParams& q) { q.basket_window = -5; }};
  for (const Tweak bad : tweaks) {
    TifuKnnParams q;
    bad(q);
    EXPECT_THROW(validate_tifuknn_params(q), InputError);
  }
  EXPECT_THROW((void)tifuknn_lists(u, {3}, nullptr, 10, p, 1), InputError);
  EXPECT_THROW((void)tifuknn_lists(u, {0}, nullptr, 0, p, 1), InputError);
}

}  // namespace
}  // namespace tailor
