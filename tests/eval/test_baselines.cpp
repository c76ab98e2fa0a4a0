// The baselines on a hand-made data set whose expected lists are worked out in the comments.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "host/eval/baselines.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

// Five customers (0..4), six items (0..5). Rows (customer, item, time); rows 8 and 9 are test
// rows, the rest training:
//   0: c0 i1 t100    1: c0 i1 t200    2: c0 i2 t300    3: c0 i3 t150
//   4: c1 i2 t100    5: c1 i4 t100    6: c2 i2 t60     7: c2 i1 t50
//   8: c3 i5 t500 (test)              9: c0 i3 t400 (test)
//  10: c1 i4 t120   11: c4 i5 t10    12: c4 i0 t10
// Training history: c0 {1,2,3}, c1 {2,4}, c2 {1,2}, c3 {}, c4 {0,5}.
// Distinct training customers per item: i0 1, i1 2, i2 3, i3 1, i4 1, i5 1.
Dataset tiny_dataset() {
  Dataset d;
  d.customer_ids = {"a", "b", "c", "d", "e"};
  d.item_ids = {"p0", "p1", "p2", "p3", "p4", "p5"};
  d.log.customer = {0, 0, 0, 0, 1, 1, 2, 2, 3, 0, 1, 4, 4};
  d.log.item = {1, 1, 2, 3, 2, 4, 2, 1, 5, 3, 4, 5, 0};
  d.log.time = {100, 200, 300, 150, 100, 100, 60, 50, 500, 400, 120, 10, 10};
  return d;
}

std::vector<bool> train_rows() {
  std::vector<bool> t(13, true);
  t[8] = false;
  t[9] = false;
  return t;
}

Csr matrix_of(const Dataset& d, const std::vector<bool>& keep) {
  std::vector<std::uint32_t> r, c;
  for (std::size_t i = 0; i < keep.size(); ++i)
    if (keep[i]) {
      r.push_back(d.log.customer[i]);
      c.push_back(d.log.item[i]);
    }
  return build_csr(d.customers(), d.items(), r.data(), c.data(), nullptr,
                   static_cast<std::int64_t>(r.size()), 1);
}

std::vector<std::uint32_t> list_of(const TopNResult& r, std::int64_t c) {
  return {r.items.begin() + r.offsets[c], r.items.begin() + r.offsets[c + 1]};
}
std::vector<float> scores_of(const TopNResult& r, std::int64_t c) {
  return {r.scores.begin() + r.offsets[c], r.scores.begin() + r.offsets[c + 1]};
}

using Items = std::vector<std::uint32_t>;
using Scores = std::vector<float>;

TEST(Popularity, OrderAndTiesByItemIndex) {
  const Dataset d = tiny_dataset();
  const Csr history = matrix_of(d, train_rows());
  // Order: i2 (3), i1 (2), then the items with 1 customer in index order: i0, i3, i4, i5.
  const TopNResult r = popularity_lists(history, {0, 1, 3}, nullptr, 3);
  ASSERT_EQ(r.customers(), 3);
  for (std::int64_t c = 0; c < 3; ++c) {
    EXPECT_EQ(list_of(r, c), (Items{2, 1, 0}));
    EXPECT_EQ(scores_of(r, c), (Scores{3, 2, 1}));
  }
  EXPECT_EQ(r.short_lists, 0);
  // n larger than the item count: every item, the list short.
  const TopNResult all = popularity_lists(history, {2}, nullptr, 10);
  EXPECT_EQ(list_of(all, 0), (Items{2, 1, 0, 3, 4, 5}));
  EXPECT_EQ(all.short_lists, 1);
}

TEST(Popularity, Exclusion) {
  const Dataset d = tiny_dataset();
  const Csr history = matrix_of(d, train_rows());
  // Excluding each customer's own history: c0 loses 1,2,3 -> 0,4,5; c1 loses 2,4 -> 1,0,3;
  // c3 has no history -> 2,1,0.
  const TopNResult r = popularity_lists(history, {0, 1, 3}, &history, 3);
  EXPECT_EQ(list_of(r, 0), (Items{0, 4, 5}));
  EXPECT_EQ(scores_of(r, 0), (Scores{1, 1, 1}));
  EXPECT_EQ(list_of(r, 1), (Items{1, 0, 3}));
  EXPECT_EQ(list_of(r, 2), (Items{2, 1, 0}));
  EXPECT_EQ(r.short_lists, 0);
  // n = 6: c0 has 3 eligible items, c1 4, c3 all 6: two short lists, none padded.
  const TopNResult longer = popularity_lists(history, {0, 1, 3}, &history, 6);
  EXPECT_EQ(list_of(longer, 0), (Items{0, 4, 5}));
  EXPECT_EQ(list_of(longer, 1), (Items{1, 0, 3, 5}));
  EXPECT_EQ(list_of(longer, 2), (Items{2, 1, 0, 3, 4, 5}));
  EXPECT_EQ(longer.short_lists, 2);
  EXPECT_EQ(longer.items.size(), longer.scores.size());
}

TEST(BuyAgain, CountThenRecencyThenIndex) {
  const Dataset d = tiny_dataset();
  const TopNResult r = buy_again_lists(d, train_rows(), {0, 1, 2, 3, 4}, nullptr, 5);
  ASSERT_EQ(r.customers(), 5);
  // c0: i1 twice; i2 once (t300) before i3 once (t150; its t400 row is a test row).
  EXPECT_EQ(list_of(r, 0), (Items{1, 2, 3}));
  EXPECT_EQ(scores_of(r, 0), (Scores{2, 1, 1}));
  // c1: i4 twice, then i2.
  EXPECT_EQ(list_of(r, 1), (Items{4, 2}));
  EXPECT_EQ(scores_of(r, 1), (Scores{2, 1}));
  // c2: both once; i2 (t60) is more recent than i1 (t50), so it comes first despite its index.
  EXPECT_EQ(list_of(r, 2), (Items{2, 1}));
  // c3: only a test row: an empty list.
  EXPECT_EQ(list_of(r, 3), Items{});
  // c4: i5 and i0 both once at t10: item index decides.
  EXPECT_EQ(list_of(r, 4), (Items{0, 5}));
  EXPECT_EQ(r.short_lists, 5);  // nobody has 5 past items

  // With every row as training, c0's i3 has two rows, the latest t400, and passes i1 (t200).
  const TopNResult all = buy_again_lists(d, std::vector<bool>(13, true), {0}, nullptr, 2);
  EXPECT_EQ(list_of(all, 0), (Items{3, 1}));
  EXPECT_EQ(scores_of(all, 0), (Scores{2, 2}));
  EXPECT_EQ(all.short_lists, 0);
}

TEST(BuyAgain, ExclusionAndCustomerOrder) {
  const Dataset d = tiny_dataset();
  // Exclude item 1 for c0 and item 4 for c1.
  const std::vector<std::uint32_t> er = {0, 1};
  const std::vector<std::uint32_t> ec = {1, 4};
  const Csr exclude = build_csr(5, 6, er.data(), ec.data(), nullptr, 2, 1);
  // Customers asked in any order, repeated: lists follow the request.
  const TopNResult r = buy_again_lists(d, train_rows(), {1, 0, 1}, &exclude, 5);
  EXPECT_EQ(list_of(r, 0), (Items{2}));
  EXPECT_EQ(list_of(r, 1), (Items{2, 3}));
  EXPECT_EQ(list_of(r, 2), (Items{2}));
  // Excluding the whole training history (the "new" protocol) leaves nothing.
  const Csr history = matrix_of(d, train_rows());
  const TopNResult none = buy_again_lists(d, train_rows(), {0, 1, 2}, &history, 5);
  EXPECT_TRUE(none.items.empty());
  EXPECT_EQ(none.short_lists, 3);
}

TEST(BuyAgain, WithoutTimeColumnTiesByIndex) {
  Dataset d = tiny_dataset();
  d.log.time.clear();
  const TopNResult r = buy_again_lists(d, train_rows(), {2, 0}, nullptr, 5);
  EXPECT_EQ(list_of(r, 0), (Items{1, 2}));
  EXPECT_EQ(list_of(r, 1), (Items{1, 2, 3}));
}

TEST(BuyAgain, LatestPurchaseIsTheLatestTimeNotTheLastRow) {
  // c0 bought i0 at t500 then (later in the log) at t100, and i1 at t300 and t200: both twice,
  // i0 last bought at t500, i1 at t300, so i0 comes first. The log order does not matter.
  Dataset d;
  d.customer_ids = {"a"};
  d.item_ids = {"p0", "p1"};
  d.log.customer = {0, 0, 0, 0};
  d.log.item = {1, 0, 1, 0};
  d.log.time = {200, 500, 300, 100};
  const TopNResult r = buy_again_lists(d, std::vector<bool>(4, true), {0}, nullptr, 5);
  EXPECT_EQ(list_of(r, 0), (Items{0, 1}));
  EXPECT_EQ(scores_of(r, 0), (Scores{2, 2}));
  d.log.time = {600, 500, 300, 100};  // i1 last bought at t600: now it leads
  EXPECT_EQ(list_of(buy_again_lists(d, std::vector<bool>(4, true), {0}, nullptr, 5), 0),
            (Items{1, 0}));
}

TEST(BuyAgain, ListsCutToNAndOnlyTrainingRowsOfEachCustomerCount) {
  const Dataset d = tiny_dataset();
  // n = 2: c0's third item (i3) is cut; c1 has exactly 2; c2 has 2; c4 has 2: none short.
  const TopNResult r = buy_again_lists(d, train_rows(), {0, 1, 2, 4}, nullptr, 2);
  EXPECT_EQ(list_of(r, 0), (Items{1, 2}));
  EXPECT_EQ(r.short_lists, 0);
  EXPECT_EQ(r.offsets, (std::vector<std::int64_t>{0, 2, 4, 6, 8}));
  // A customer's list depends on its own training rows only: asked alone it is the same.
  for (const std::uint32_t c : {0u, 1u, 2u, 4u}) {
    const TopNResult alone = buy_again_lists(d, train_rows(), {c}, nullptr, 2);
    const std::int64_t at = c == 4 ? 3 : c;
    EXPECT_EQ(list_of(alone, 0), list_of(r, at)) << "customer " << c;
  }
  // Rows flagged as not training are not purchases: without rows 0 and 1 (c0's i1), c0's past
  // is i2 (t300) and i3 (t150), once each.
  std::vector<bool> rows = train_rows();
  rows[0] = rows[1] = false;
  const TopNResult fewer = buy_again_lists(d, rows, {0}, nullptr, 5);
  EXPECT_EQ(list_of(fewer, 0), (Items{2, 3}));
  EXPECT_EQ(scores_of(fewer, 0), (Scores{1, 1}));
  try {
    (void)buy_again_lists(d, std::vector<bool>(12, true), {0}, nullptr, 3);
    ADD_FAILURE();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "buy-again: 12 training flags for 13 log rows");
  }
}

TEST(Random, SameSeedSameListsDifferentSeedDiffers) {
  std::vector<std::uint32_t> customers(40);
  for (std::uint32_t c = 0; c < 40; ++c) customers[c] = c;
  const TopNResult a = random_lists(200, customers, nullptr, 10, 7);
  const TopNResult b = random_lists(200, customers, nullptr, 10, 7);
  const TopNResult other = random_lists(200, customers, nullptr, 10, 8);
  EXPECT_EQ(a.offsets, b.offsets);
  EXPECT_EQ(a.items, b.items);
  EXPECT_EQ(a.scores, b.scores);
  EXPECT_NE(a.items, other.items);
  // A customer's list does not depend on who else is asked for.
  const TopNResult alone = random_lists(200, {17}, nullptr, 10, 7);
  EXPECT_EQ(list_of(alone, 0), list_of(a, 17));
  // Different customers get different lists.
  EXPECT_NE(list_of(a, 0), list_of(a, 1));
  // Scores descend with the position: 0, -1, -2, ...
  EXPECT_EQ(scores_of(a, 0)[0], 0.0f);
  EXPECT_FALSE(std::signbit(scores_of(a, 0)[0]));
  EXPECT_EQ(scores_of(a, 0)[9], -9.0f);
}

TEST(Random, NeverExcludedNeverDuplicated) {
  const std::int64_t items = 70;
  const std::int64_t customers = 300;
  const std::uint64_t seed = 99;
  // random_csr: ~10% empty rows and one row (customer 150) holding all 70 items.
  const Csr exclude = testing::random_csr(customers, items, 65, seed, items);
  std::vector<std::uint32_t> who(customers);
  for (std::uint32_t c = 0; c < customers; ++c) who[c] = c;
  const int n = 20;
  const TopNResult r = random_lists(items, who, &exclude, n, seed);
  ASSERT_EQ(r.customers(), customers);
  std::int64_t short_lists = 0;
  for (std::int64_t c = 0; c < customers; ++c) {
    const std::set<std::uint32_t> ex(exclude.indices.begin() + exclude.indptr[c],
                                     exclude.indices.begin() + exclude.indptr[c + 1]);
    const Items l = list_of(r, c);
    const std::int64_t eligible = items - static_cast<std::int64_t>(ex.size());
    EXPECT_EQ(static_cast<std::int64_t>(l.size()), std::min<std::int64_t>(n, eligible))
        << "customer " << c;
    if (static_cast<std::int64_t>(l.size()) < n) ++short_lists;
    std::set<std::uint32_t> seen;
    for (const auto i : l) {
      EXPECT_LT(i, items);
      EXPECT_EQ(ex.count(i), 0u) << "customer " << c << " got excluded item " << i;
      EXPECT_TRUE(seen.insert(i).second) << "customer " << c << " got item " << i << " twice";
    }
  }
  EXPECT_EQ(r.short_lists, short_lists);
  EXPECT_EQ(list_of(r, 150), Items{});  // every item excluded
}

TEST(Random, FewEligibleItemsAllReturned) {
  // Customer 0 may have only items 3, 40 and 66: exactly those three, in some order.
  std::vector<std::uint32_t> er, ec;
  for (std::uint32_t i = 0; i < 70; ++i)
    if (i != 3 && i != 40 && i != 66) {
      er.push_back(0);
      ec.push_back(i);
    }
  const Csr exclude =
      build_csr(1, 70, er.data(), ec.data(), nullptr, static_cast<std::int64_t>(er.size()), 1);
  const TopNResult r = random_lists(70, {0}, &exclude, 10, 5);
  Items l = list_of(r, 0);
  std::sort(l.begin(), l.end());
  EXPECT_EQ(l, (Items{3, 40, 66}));
  EXPECT_EQ(r.short_lists, 1);
}

TEST(Random, RoughlyUniform) {
  // 20000 one-item lists over 20 items: each item about 1000 times (sd ~31).
  std::vector<std::uint32_t> customers(20000);
  for (std::uint32_t c = 0; c < customers.size(); ++c) customers[c] = c;
  const TopNResult r = random_lists(20, customers, nullptr, 1, 3);
  std::vector<int> count(20, 0);
  for (const auto i : r.items) ++count[i];
  for (int i = 0; i < 20; ++i) {
    EXPECT_GT(count[i], 850) << "item " << i;
    EXPECT_LT(count[i], 1150) << "item " << i;
  }
}

TEST(Baselines, InvalidArgumentsThrow) {
  const Dataset d = tiny_dataset();
  const Csr history = matrix_of(d, train_rows());
  EXPECT_THROW((void)popularity_lists(history, {0}, nullptr, 0), std::invalid_argument);
  EXPECT_THROW((void)popularity_lists(history, {5}, nullptr, 3), std::invalid_argument);
  const Csr wrong = build_csr(4, 6, nullptr, nullptr, nullptr, 0, 1);
  EXPECT_THROW((void)popularity_lists(history, {0}, &wrong, 3), std::invalid_argument);
  EXPECT_THROW((void)buy_again_lists(d, std::vector<bool>(12, true), {0}, nullptr, 3),
               std::invalid_argument);
  EXPECT_THROW((void)buy_again_lists(d, train_rows(), {7}, nullptr, 3), std::invalid_argument);
  EXPECT_THROW((void)buy_again_lists(d, train_rows(), {0}, &wrong, 3), std::invalid_argument);
  EXPECT_THROW((void)random_lists(6, {0}, nullptr, 0, 1), std::invalid_argument);
  EXPECT_THROW((void)random_lists(0, {0}, nullptr, 3, 1), std::invalid_argument);
  EXPECT_THROW((void)random_lists(7, {0}, &history, 3, 1), std::invalid_argument);
  EXPECT_THROW((void)random_lists(6, {5}, &history, 3, 1), std::invalid_argument);
}

}  // namespace
}  // namespace tailor
