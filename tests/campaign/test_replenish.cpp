// Replenishment timing: planted periodic buyers get their period and are due at the right
// campaign dates; shrinkage toward the item median; same-day rows, later rows, returns, rare
// items, option checks and independence of the row order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host/campaign/replenish.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kStart = 1577836800;  // 2020-01-01 00:00 UTC

constexpr std::uint32_t kA = 0, kB = 1, kC = 2;  // every 14 days, every 30 days, rare
constexpr std::uint32_t kP = 100;  // A every 10 days (20 intervals), B every 30 days
constexpr std::uint32_t kQ = 101;  // A twice, 10 days apart (one interval)
constexpr std::uint32_t kS = 102;  // A once
constexpr std::uint32_t kD = 103;  // A on two days, several rows on each
constexpr std::uint32_t kR = 104;  // A on days 100 and 114, and again later
constexpr std::uint32_t kT = 105;  // A bought, then a return row

std::int64_t at(std::int64_t day, std::int64_t hour = 10) {
  return kStart + day * kDay + hour * kHour;
}

void add(Dataset& d, std::uint32_t customer, std::uint32_t item, std::int64_t time,
         float quantity = 1.0f) {
  d.log.customer.push_back(customer);
  d.log.item.push_back(item);
  d.log.time.push_back(time);
  d.log.quantity.push_back(quantity);
}

Dataset make_data() {
  Dataset d;
  d.path = "memory.h5";
  d.format_version = kInteractionsFormatVersion;
  for (int c = 0; c < 110; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  for (int i = 0; i < 4; ++i) d.item_ids.push_back("i" + std::to_string(i));
  // 40 customers establish A's median (200 intervals of 14 days), 40 more B's (120 of 30 days).
  for (std::uint32_t c = 0; c < 40; ++c)
    for (int k = 0; k < 6; ++k) add(d, c, kA, at(c % 7 + 14 * k, 8 + static_cast<int>(c % 5)));
  for (std::uint32_t c = 40; c < 80; ++c)
    for (int k = 0; k < 4; ++k) add(d, c, kB, at(c % 9 + 30 * k));
  // C: two customers with two 20-day intervals each, 4 intervals in all.
  for (std::uint32_t c = 80; c < 82; ++c)
    for (int k = 0; k < 3; ++k) add(d, c, kC, at(20 * k));
  for (int k = 0; k <= 20; ++k) add(d, kP, kA, at(10 * k));
  for (int k = 0; k <= 4; ++k) add(d, kP, kB, at(30 * k));
  add(d, kQ, kA, at(100));
  add(d, kQ, kA, at(110));
  add(d, kS, kA, at(150, 12));
  for (int h : {9, 13, 18}) add(d, kD, kA, at(100, h));
  for (int h : {20, 8}) add(d, kD, kA, at(110, h));
  add(d, kR, kA, at(100));
  add(d, kR, kA, at(114));
  add(d, kR, kA, at(127));
  add(d, kR, kA, at(140));
  add(d, kT, kA, at(100));
  add(d, kT, kA, at(105), -1.0f);
  return d;
}

// Options under which every pair with a purchase strictly before the campaign is "due", to read
// the estimates.
ReplenishOptions wide() {
  ReplenishOptions o;
  o.due_from = 1e-12;
  o.overdue_until = 1e12;
  return o;
}

std::optional<DueItem> find(const std::vector<DueItem>& v, std::uint32_t customer,
                            std::uint32_t item) {
  for (const DueItem& d : v)
    if (d.customer == customer && d.item == item) return d;
  return std::nullopt;
}

bool due(const Dataset& data, std::int64_t t, std::uint32_t customer, std::uint32_t item,
         const ReplenishOptions& o = {}) {
  return find(due_items(data, t, o), customer, item).has_value();
}

TEST(Replenish, ItemTypicalIntervals) {
  const Dataset data = make_data();
  const auto m = item_typical_interval_days(data, at(400), {});
  ASSERT_EQ(m.size(), 4u);
  EXPECT_DOUBLE_EQ(m[kA], 14.0);
  EXPECT_DOUBLE_EQ(m[kB], 30.0);
  EXPECT_TRUE(std::isnan(m[kC]));  // 4 intervals < 5
  EXPECT_TRUE(std::isnan(m[3]));   // never bought
  ReplenishOptions four;
  four.min_item_intervals = 4;
  EXPECT_DOUBLE_EQ(item_typical_interval_days(data, at(400), four)[kC], 20.0);
  // Before any purchase nothing is known.
  for (double x : item_typical_interval_days(data, kStart - 1, {})) EXPECT_TRUE(std::isnan(x));
}

TEST(Replenish, PlantedPeriodicBuyerExpectedDates) {
  const Dataset data = make_data();
  const auto all = due_items(data, at(250), wide());
  const auto a = find(all, kP, kA);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->customer_intervals, 20);
  EXPECT_EQ(a->last_purchase, at(200));
  EXPECT_NEAR(a->interval_days, 10.0, 1.0);
  EXPECT_NEAR(static_cast<double>(a->expected - at(210)) / kDay, 0.0, 1.0);
  const auto b = find(all, kP, kB);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->customer_intervals, 4);
  EXPECT_DOUBLE_EQ(b->interval_days, 30.0);
  EXPECT_EQ(b->expected, at(150));
  EXPECT_DOUBLE_EQ(b->due_ratio, 130.0 / 30.0);
}

TEST(Replenish, PlantedPeriodicBuyerDueAtTheRightDates) {
  const Dataset data = make_data();
  // A: last purchase day 200, estimate about 10.4 days.
  EXPECT_FALSE(due(data, at(200), kP, kA));  // the purchase itself
  EXPECT_FALSE(due(data, at(201), kP, kA));  // right after
  EXPECT_FALSE(due(data, at(207), kP, kA));  // ratio 0.68
  EXPECT_TRUE(due(data, at(209), kP, kA));   // just before the period
  EXPECT_TRUE(due(data, at(210), kP, kA));
  EXPECT_TRUE(due(data, at(230), kP, kA));   // ratio 2.9
  EXPECT_FALSE(due(data, at(232), kP, kA));  // ratio 3.1: lapsed
  // B: last purchase day 120, estimate exactly 30 days.
  EXPECT_FALSE(due(data, at(121), kP, kB));
  EXPECT_FALSE(due(data, at(143), kP, kB));  // ratio 0.77
  EXPECT_TRUE(due(data, at(145), kP, kB));   // ratio 0.83
  EXPECT_TRUE(due(data, at(209), kP, kB));   // ratio 2.97
  EXPECT_FALSE(due(data, at(211), kP, kB));  // ratio 3.03
  const auto on_time = find(due_items(data, at(150), {}), kP, kB);
  ASSERT_TRUE(on_time);
  EXPECT_DOUBLE_EQ(on_time->due_ratio, 1.0);
  EXPECT_DOUBLE_EQ(on_time->score, 1.0);
  // The score peaks on the expected date and falls off on both sides.
  const double early = find(due_items(data, at(145), {}), kP, kB)->score;
  const double late = find(due_items(data, at(170), {}), kP, kB)->score;
  EXPECT_LT(early, 1.0);
  EXPECT_LT(late, 1.0);
  EXPECT_GT(early, 0.0);
  EXPECT_GT(late, 0.0);
  // A wider window makes the lapsed pair due again.
  ReplenishOptions longer;
  longer.overdue_until = 5.0;
  EXPECT_TRUE(due(data, at(232), kP, kA, longer));
}

TEST(Replenish, SortedByCustomerThenScore) {
  const Dataset data = make_data();
  const auto v = due_items(data, at(209), {});
  // P has A (ratio 0.87) and B (ratio 2.97) due: A first.
  std::vector<std::uint32_t> p_items;
  for (const DueItem& d : v)
    if (d.customer == kP) p_items.push_back(d.item);
  EXPECT_EQ(p_items, (std::vector<std::uint32_t>{kA, kB}));
  EXPECT_TRUE(std::is_sorted(v.begin(), v.end(), [](const DueItem& a, const DueItem& b) {
    if (a.customer != b.customer) return a.customer < b.customer;
    if (a.score != b.score) return a.score > b.score;
    return a.item < b.item;
  }));
  for (const DueItem& d : v) {
    EXPECT_GE(d.due_ratio, 0.8);
    EXPECT_LE(d.due_ratio, 3.0);
    EXPECT_GT(d.score, 0.0);
    EXPECT_LE(d.score, 1.0);
    EXPECT_NEAR(d.score, std::exp(-std::pow(std::log(d.due_ratio), 2) / (2 * 0.35 * 0.35)),
                1e-12);
  }
}

TEST(Replenish, SinglePurchaseGetsTheItemInterval) {
  const Dataset data = make_data();
  const auto s = find(due_items(data, at(250), wide()), kS, kA);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->customer_intervals, 0);
  EXPECT_DOUBLE_EQ(s->interval_days, 14.0);
  EXPECT_EQ(s->last_purchase, at(150, 12));
  EXPECT_EQ(s->expected, at(164, 12));
  EXPECT_FALSE(due(data, at(152, 12), kS, kA));
  EXPECT_TRUE(due(data, at(162, 12), kS, kA));
  const auto on_time = find(due_items(data, at(164, 12), {}), kS, kA);
  ASSERT_TRUE(on_time);
  EXPECT_DOUBLE_EQ(on_time->score, 1.0);
  // kappa = 0 still falls back to the item interval without own intervals.
  ReplenishOptions no_shrink = wide();
  no_shrink.kappa = 0.0;
  EXPECT_DOUBLE_EQ(find(due_items(data, at(250), no_shrink), kS, kA)->interval_days, 14.0);
}

TEST(Replenish, ShrinkageTowardTheItemMedian) {
  const Dataset data = make_data();
  const auto v = due_items(data, at(250), wide());
  const auto q = find(v, kQ, kA);  // one interval of 10 against a median of 14
  ASSERT_TRUE(q);
  EXPECT_EQ(q->customer_intervals, 1);
  EXPECT_DOUBLE_EQ(q->interval_days, (1 * 10.0 + 2 * 14.0) / 3.0);
  EXPECT_GT(q->interval_days, 12.0);  // moved most of the way
  const auto p = find(v, kP, kA);     // twenty intervals of 10
  ASSERT_TRUE(p);
  EXPECT_DOUBLE_EQ(p->interval_days, (20 * 10.0 + 2 * 14.0) / 22.0);
  EXPECT_LT(p->interval_days, 10.5);  // hardly moved
  ReplenishOptions no_shrink = wide();
  no_shrink.kappa = 0.0;
  EXPECT_DOUBLE_EQ(find(due_items(data, at(250), no_shrink), kQ, kA)->interval_days, 10.0);
}

TEST(Replenish, SameDayRowsCountOnce) {
  const Dataset data = make_data();
  const auto d = find(due_items(data, at(250), wide()), kD, kA);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->customer_intervals, 1);
  EXPECT_DOUBLE_EQ(d->interval_days, (10.0 + 2 * 14.0) / 3.0);
  EXPECT_EQ(d->last_purchase, at(110, 20));  // the latest row of the last day
}

TEST(Replenish, RowsAfterTheCampaignAreIgnored) {
  const Dataset data = make_data();
  // At day 126 R's purchases on days 127 and 140 have not happened: one interval of 14.
  const auto r = find(due_items(data, at(126), {}), kR, kA);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->customer_intervals, 1);
  EXPECT_EQ(r->last_purchase, at(114));
  EXPECT_DOUBLE_EQ(r->interval_days, 14.0);
  EXPECT_DOUBLE_EQ(r->due_ratio, 12.0 / 14.0);
  // Later purchases change the picture once they are in the past.
  const auto later = find(due_items(data, at(150), wide()), kR, kA);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->customer_intervals, 3);
  EXPECT_EQ(later->last_purchase, at(140));
  // A pair whose only purchases are later than the campaign is absent.
  EXPECT_FALSE(find(due_items(data, at(99), wide()), kQ, kA));
  // Item medians as of an early date use only the rows up to it: B's first intervals end on
  // day 30 or later, so on day 29 B has none.
  EXPECT_TRUE(std::isnan(item_typical_interval_days(data, at(29), {})[kB]));
}

TEST(Replenish, ReturnsAreNotPurchases) {
  const Dataset data = make_data();
  const auto t = find(due_items(data, at(250), wide()), kT, kA);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->customer_intervals, 0);
  EXPECT_EQ(t->last_purchase, at(100));
}

TEST(Replenish, OnlyThePurchaseEventCounts) {
  Dataset data = make_data();
  // Every row is a purchase except kQ's second A, now a "view": kQ has one purchase left.
  data.event_names = {"purchase", "view"};
  data.log.event.assign(data.log.customer.size(), 0);
  for (std::size_t r = 0; r < data.log.customer.size(); ++r)
    if (data.log.customer[r] == kQ && data.log.time[r] == at(110)) data.log.event[r] = 1;
  const auto q = find(due_items(data, at(250), wide()), kQ, kA);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->customer_intervals, 0);
  EXPECT_EQ(q->last_purchase, at(100));
  ReplenishOptions o = wide();
  o.purchase_event = "order";
  EXPECT_THROW(due_items(data, at(250), o), InputError);
}

TEST(Replenish, RareItemsAreNeverDue) {
  const Dataset data = make_data();
  for (std::int64_t day = 0; day <= 300; ++day)
    for (const DueItem& d : due_items(data, at(day), {})) EXPECT_NE(d.item, kC) << "day " << day;
  EXPECT_FALSE(find(due_items(data, at(60), wide()), 80, kC));
  ReplenishOptions four;
  four.min_item_intervals = 4;
  EXPECT_TRUE(due(data, at(60), 80, kC, four));
}

TEST(Replenish, IndependentOfRowOrder) {
  const Dataset data = make_data();
  Dataset shuffled = data;
  std::vector<std::size_t> perm(data.log.customer.size());
  std::iota(perm.begin(), perm.end(), std::size_t{0});
  std::mt19937_64 rng(7);
  std::shuffle(perm.begin(), perm.end(), rng);
  for (std::size_t r = 0; r < perm.size(); ++r) {
    shuffled.log.customer[r] = data.log.customer[perm[r]];
    shuffled.log.item[r] = data.log.item[perm[r]];
    shuffled.log.time[r] = data.log.time[perm[r]];
    shuffled.log.quantity[r] = data.log.quantity[perm[r]];
  }
  for (std::int64_t day : {60, 126, 150, 209, 250}) {
    const auto a = due_items(data, at(day), {});
    const auto b = due_items(shuffled, at(day), {});
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a[k].customer, b[k].customer);
      EXPECT_EQ(a[k].item, b[k].item);
      EXPECT_EQ(a[k].last_purchase, b[k].last_purchase);
      EXPECT_EQ(a[k].expected, b[k].expected);
      EXPECT_EQ(a[k].score, b[k].score);
    }
  }
}

TEST(Replenish, WithoutQuantityColumn) {
  Dataset data = make_data();
  data.log.quantity.clear();  // every row is a purchase, the return row included
  const auto t = find(due_items(data, at(250), wide()), kT, kA);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->customer_intervals, 1);
}

TEST(Replenish, InvalidOptionsAndData) {
  const Dataset data = make_data();
  auto bad = [&](auto change) {
    ReplenishOptions o;
    change(o);
    EXPECT_THROW(due_items(data, at(100), o), InputError);
    EXPECT_THROW(item_typical_interval_days(data, at(100), o), InputError);
  };
  bad([](ReplenishOptions& o) { o.min_item_intervals = 0; });
  bad([](ReplenishOptions& o) { o.kappa = -1.0; });
  bad([](ReplenishOptions& o) { o.kappa = std::nan(""); });
  bad([](ReplenishOptions& o) { o.due_from = 0.0; });
  bad([](ReplenishOptions& o) { o.due_from = std::nan(""); });
  bad([](ReplenishOptions& o) { o.overdue_until = 0.5; });  // below due_from
  bad([](ReplenishOptions& o) { o.overdue_until = INFINITY; });
  bad([](ReplenishOptions& o) { o.bump_width = 0.0; });
  Dataset out_of_range = data;
  out_of_range.log.item[3] = 4;
  EXPECT_THROW(due_items(out_of_range, at(100), {}), InputError);
  Dataset short_column = data;
  short_column.log.time.pop_back();
  EXPECT_THROW(due_items(short_column, at(100), {}), InputError);
}

}  // namespace
}  // namespace tailor
