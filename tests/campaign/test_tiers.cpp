// Value tiers (RFM scores and tiers) and control-group assignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "host/campaign/tiers.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kAsOf = 1'700'000'000;
constexpr std::int64_t kDay = 86'400;

struct Shop {
  Dataset data;
  void row(std::uint32_t customer, std::uint32_t item, std::int64_t time, float value) {
    data.log.customer.push_back(customer);
    data.log.item.push_back(item);
    data.log.time.push_back(time);
    data.log.value.push_back(value);
  }
};

// Five buyers with known recency (days), frequency (visits) and monetary (sum of value):
//   alice  1,  3, 180   (plus a 1000 purchase after as_of, ignored)
//   bob    2,  1,  10   (two rows at the same time: one visit)
//   carol 30,  2, 1000
//   dave   5,  4,  23
//   erin 100,  1,  40
// frank never buys; gina buys only after as_of.
Shop hand_made_shop() {
  Shop s;
  s.data.customer_ids = {"alice", "bob", "carol", "dave", "erin", "frank", "gina"};
  s.data.item_ids = {"i0", "i1", "i2"};
  s.row(0, 0, kAsOf - 1 * kDay, 100.0f);
  s.row(0, 1, kAsOf - 10 * kDay, 50.0f);
  s.row(0, 2, kAsOf - 20 * kDay, 30.0f);
  s.row(0, 2, kAsOf + 5 * kDay, 1000.0f);
  s.row(1, 0, kAsOf - 2 * kDay, 5.0f);
  s.row(1, 1, kAsOf - 2 * kDay, 5.0f);
  s.row(2, 0, kAsOf - 30 * kDay, 500.0f);
  s.row(2, 1, kAsOf - 40 * kDay, 500.0f);
  s.row(3, 0, kAsOf - 5 * kDay, 20.0f);
  s.row(3, 1, kAsOf - 6 * kDay, 1.0f);
  s.row(3, 2, kAsOf - 7 * kDay, 1.0f);
  s.row(3, 0, kAsOf - 8 * kDay, 1.0f);
  s.row(4, 2, kAsOf - 100 * kDay, 40.0f);
  s.row(6, 1, kAsOf + 1, 70.0f);
  return s;
}

TEST(Rfm, HandMadeShopScoresAndTiers) {
  const Shop s = hand_made_shop();
  const auto rfm = rfm_scores(s.data, kAsOf, TierOptions{});
  ASSERT_EQ(rfm.size(), 7u);

  struct Expected {
    double recency;
    std::int64_t frequency;
    double monetary;
    int r, f, m, tier;
    const char* name;
  };
  // Ranks among the 5 buyers (n = 5, so score = 1 + position of the value's first occurrence).
  // Sums: alice 13, bob 6, carol 10, dave 10, erin 5; tiers with q = 3: sums 5, 6 -> 1 (low),
  // 10 (first at position 2) -> 2 (mid), 13 (position 4) -> 3 (high).
  const std::vector<Expected> want = {
      {1.0, 3, 180.0, 5, 4, 4, 0, "high"},  {2.0, 1, 10.0, 4, 1, 1, 2, "low"},
      {30.0, 2, 1000.0, 2, 3, 5, 1, "mid"}, {5.0, 4, 23.0, 3, 5, 2, 1, "mid"},
      {100.0, 1, 40.0, 1, 1, 3, 2, "low"},
  };
  for (std::size_t c = 0; c < want.size(); ++c) {
    SCOPED_TRACE(s.data.customer_ids[c]);
    EXPECT_DOUBLE_EQ(rfm[c].recency_days, want[c].recency);
    EXPECT_EQ(rfm[c].frequency, want[c].frequency);
    EXPECT_DOUBLE_EQ(rfm[c].monetary, want[c].monetary);
    EXPECT_EQ(rfm[c].r, want[c].r);
    EXPECT_EQ(rfm[c].f, want[c].f);
    EXPECT_EQ(rfm[c].m, want[c].m);
    EXPECT_EQ(rfm[c].tier, want[c].tier);
    EXPECT_EQ(rfm[c].tier_name, want[c].name);
  }
  // No purchases, and purchases only after as_of: tier "none".
  for (std::size_t c : {5u, 6u}) {
    SCOPED_TRACE(s.data.customer_ids[c]);
    EXPECT_EQ(rfm[c].frequency, 0);
    EXPECT_EQ(rfm[c].monetary, 0.0);
    EXPECT_TRUE(std::isinf(rfm[c].recency_days));
    EXPECT_EQ(rfm[c].r, 0);
    EXPECT_EQ(rfm[c].tier, kNoTier);
    EXPECT_EQ(rfm[c].tier_name, "none");
  }
}

TEST(Rfm, AsOfExcludesLaterRows) {
  const Shop s = hand_made_shop();
  // One day later, gina's purchase (as_of + 1 s) counts and alice's later one does not yet.
  const auto later = rfm_scores(s.data, kAsOf + kDay, TierOptions{});
  EXPECT_EQ(later[6].frequency, 1);
  EXPECT_NE(later[6].tier, kNoTier);
  EXPECT_DOUBLE_EQ(later[0].monetary, 180.0);
  EXPECT_DOUBLE_EQ(later[0].recency_days, 2.0);
  // A row exactly at as_of counts.
  const auto at = rfm_scores(s.data, kAsOf + 1, TierOptions{});
  EXPECT_EQ(at[6].frequency, 1);
  EXPECT_DOUBLE_EQ(at[6].recency_days, 0.0);
  // Before every purchase: nobody has a tier.
  const auto early = rfm_scores(s.data, kAsOf - 1000 * kDay, TierOptions{});
  for (const auto& x : early) EXPECT_EQ(x.tier, kNoTier);
  // After everything, alice's late purchase counts.
  const auto all = rfm_scores(s.data, kAsOf + 10 * kDay, TierOptions{});
  EXPECT_DOUBLE_EQ(all[0].monetary, 1180.0);
  EXPECT_EQ(all[0].frequency, 4);
}

TEST(Rfm, TiesGetEqualScores) {
  Shop s;
  for (int c = 0; c < 10; ++c) s.data.customer_ids.push_back("c" + std::to_string(c));
  s.data.item_ids = {"i"};
  // Customers 0..5 identical; 6..9 identical to each other and better on every measure.
  for (std::uint32_t c = 0; c < 6; ++c) s.row(c, 0, kAsOf - 10 * kDay, 5.0f);
  for (std::uint32_t c = 6; c < 10; ++c) {
    s.row(c, 0, kAsOf - 1 * kDay, 50.0f);
    s.row(c, 0, kAsOf - 2 * kDay, 50.0f);
  }
  const auto rfm = rfm_scores(s.data, kAsOf, TierOptions{});
  for (int c = 0; c < 6; ++c) {
    EXPECT_EQ(rfm[c].r, 1);
    EXPECT_EQ(rfm[c].f, 1);
    EXPECT_EQ(rfm[c].m, 1);
    EXPECT_EQ(rfm[c].tier, 2);
  }
  // First occurrence at position 6 of 10: 1 + floor(5 * 6 / 10) = 4; tier 1 + floor(3 * 6 / 10) = 2.
  for (int c = 6; c < 10; ++c) {
    EXPECT_EQ(rfm[c].r, 4);
    EXPECT_EQ(rfm[c].f, 4);
    EXPECT_EQ(rfm[c].m, 4);
    EXPECT_EQ(rfm[c].tier, 1);
    EXPECT_EQ(rfm[c].tier_name, "mid");
  }
  // Everyone equal: everyone shares the lowest score and the lowest tier.
  Shop same;
  same.data.customer_ids = {"a", "b", "c"};
  same.data.item_ids = {"i"};
  for (std::uint32_t c = 0; c < 3; ++c) same.row(c, 0, kAsOf - kDay, 1.0f);
  for (const auto& x : rfm_scores(same.data, kAsOf, TierOptions{})) {
    EXPECT_EQ(x.r, 1);
    EXPECT_EQ(x.tier, 2);
    EXPECT_EQ(x.tier_name, "low");
  }
}

TEST(Rfm, QuantityWithoutValueAndPurchaseEvents) {
  Dataset d;
  d.customer_ids = {"a", "b"};
  d.item_ids = {"i"};
  d.event_names = {"view", "purchase"};
  d.log.customer = {0, 0, 1, 1};
  d.log.item = {0, 0, 0, 0};
  d.log.time = {kAsOf - kDay, kAsOf - 2 * kDay, kAsOf - kDay, kAsOf - 3 * kDay};
  d.log.quantity = {2.0f, 3.0f, 7.0f, 1.0f};
  d.log.event = {1, 1, 0, 1};  // b's recent row is a view
  const auto rfm = rfm_scores(d, kAsOf, TierOptions{});
  EXPECT_DOUBLE_EQ(rfm[0].monetary, 5.0);
  EXPECT_EQ(rfm[0].frequency, 2);
  EXPECT_DOUBLE_EQ(rfm[1].monetary, 1.0);
  EXPECT_EQ(rfm[1].frequency, 1);
  EXPECT_DOUBLE_EQ(rfm[1].recency_days, 3.0);
  TierOptions other;
  other.purchase_event = "order";
  EXPECT_THROW(rfm_scores(d, kAsOf, other), InputError);
}

TEST(Rfm, TierOptions) {
  const Shop s = hand_made_shop();
  TierOptions five;
  five.tiers = 5;
  five.names.clear();
  const auto rfm = rfm_scores(s.data, kAsOf, five);
  // Sums 5, 6, 10, 10, 13 with q = 5: scores 1, 2, 3, 3, 5 -> tiers 4, 3, 2, 2, 0.
  EXPECT_EQ(rfm[0].tier, 0);
  EXPECT_EQ(rfm[0].tier_name, "tier1");
  EXPECT_EQ(rfm[1].tier, 3);
  EXPECT_EQ(rfm[2].tier, 2);
  EXPECT_EQ(rfm[3].tier, 2);
  EXPECT_EQ(rfm[4].tier, 4);
  EXPECT_EQ(rfm[4].tier_name, "tier5");
  TierOptions bad;
  bad.tiers = 4;  // three default names
  EXPECT_THROW(rfm_scores(s.data, kAsOf, bad), InputError);
  bad.tiers = 0;
  bad.names.clear();
  EXPECT_THROW(rfm_scores(s.data, kAsOf, bad), InputError);
  // Deterministic.
  const auto again = rfm_scores(s.data, kAsOf, five);
  for (std::size_t c = 0; c < rfm.size(); ++c) EXPECT_EQ(rfm[c].tier, again[c].tier);
}

// The steps of rfm_scores on their own.

TEST(RfmSteps, PurchaseEventIndex) {
  Dataset d;
  d.path = "shop.h5";
  EXPECT_EQ(purchase_event_index(d, "purchase"), -1);  // no event column: every row counts
  d.event_names = {"view", "purchase"};
  d.log.event = {0, 1};
  EXPECT_EQ(purchase_event_index(d, "purchase"), 1);
  try {
    (void)purchase_event_index(d, "order");
    FAIL() << "an unknown purchase event was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("shop.h5: /events/name has no event \"order\""),
              std::string::npos)
        << e.what();
  }
}

TEST(RfmSteps, PurchasesAreVisitsUpToTheDate) {
  Dataset d;
  d.customer_ids = {"a", "b", "c"};
  d.item_ids = {"i", "j"};
  d.event_names = {"purchase", "view"};
  // a: two rows at one time (one visit) and one later visit; b: a view and a row after as_of;
  // c: nothing.
  d.log.customer = {0, 0, 0, 1, 1};
  d.log.item = {0, 1, 0, 0, 1};
  d.log.time = {kAsOf - 5 * kDay, kAsOf - 5 * kDay, kAsOf - kDay, kAsOf - kDay, kAsOf + 1};
  d.log.event = {0, 0, 0, 1, 0};
  d.log.quantity = {1.0f, 2.0f, 3.0f, 9.0f, 9.0f};
  const Purchases p = purchases_until(d, kAsOf, 0);
  EXPECT_EQ(p.visits, (std::vector<std::int64_t>{2, 0, 0}));
  EXPECT_EQ(p.monetary, (std::vector<double>{6.0, 0.0, 0.0}));  // quantities without values
  EXPECT_EQ(p.last[0], kAsOf - kDay);
  EXPECT_EQ(p.last[2], std::numeric_limits<std::int64_t>::min());
  d.log.value = {10.0f, 20.0f, 30.0f, 40.0f, 50.0f};  // values win over quantities
  EXPECT_EQ(purchases_until(d, kAsOf, 0).monetary[0], 60.0);
  // Every row a purchase (-1): b's view counts; without value or quantity a row counts 1.
  d.log.value.clear();
  d.log.quantity.clear();
  const Purchases all = purchases_until(d, kAsOf, -1);
  EXPECT_EQ(all.visits, (std::vector<std::int64_t>{2, 1, 0}));
  EXPECT_EQ(all.monetary, (std::vector<double>{3.0, 1.0, 0.0}));
}

TEST(RfmSteps, TiersAreNumberedFromTheBestAndNamed) {
  Purchases p;
  p.visits = {1, 3, 0, 2};
  p.monetary = {10, 30, 0, 20};
  p.last = {kAsOf - 3 * kDay, kAsOf - kDay, std::numeric_limits<std::int64_t>::min(),
            kAsOf - 2 * kDay};
  TierOptions options;
  options.tiers = 3;
  const auto rfm = rfm_from(p, kAsOf, options);
  // Customer 1 is best on all three measures, 0 worst; 2 has no purchases.
  EXPECT_EQ(rfm[1].tier, 0);
  EXPECT_EQ(rfm[1].tier_name, "high");
  EXPECT_EQ(rfm[0].tier, 2);
  EXPECT_EQ(rfm[0].tier_name, "low");
  EXPECT_EQ(rfm[3].tier_name, "mid");
  EXPECT_DOUBLE_EQ(rfm[3].recency_days, 2.0);
  EXPECT_EQ(rfm[2].tier, kNoTier);
  EXPECT_EQ(rfm[2].tier_name, kNoTierName);
  EXPECT_TRUE(std::isinf(rfm[2].recency_days));
  options.names.clear();
  EXPECT_EQ(rfm_from(p, kAsOf, options)[1].tier_name, "tier1");
}

std::vector<std::string> synthetic_ids(int n, const std::string& prefix = "cust-") {
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ids.push_back(prefix + std::to_string(i));
  return ids;
}

TEST(Control, HashIsPinned) {
  // Changing the hash changes every assignment of every campaign: these values must not move.
  // XXH3_64bits("alice\0spring-2024") = 0xa27373e2a124eaa2; its top 53 bits / 2^53:
  EXPECT_EQ(control_hash_unit("alice", "spring-2024"), 0x1.44e6e7c54249dp-1);
  EXPECT_TRUE(in_control("alice", "spring-2024", 0.64));
  EXPECT_FALSE(in_control("alice", "spring-2024", 0.63));
  // The separator matters: "ab" + "c" and "a" + "bc" are different keys.
  EXPECT_NE(control_hash_unit("ab", "c"), control_hash_unit("a", "bc"));
}

TEST(Control, StratifiedIsDeterministicAndOrderIndependent) {
  auto ids = synthetic_ids(5000);
  std::vector<int> tier(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) tier[i] = static_cast<int>(i % 4) - 1;
  const auto a = assign_control(ids, tier, "camp-1", 0.15);
  const auto b = assign_control(ids, tier, "camp-1", 0.15);
  EXPECT_EQ(a, b);

  std::map<std::string, std::uint8_t> by_id;
  for (std::size_t i = 0; i < ids.size(); ++i) by_id[ids[i]] = a[i];
  std::vector<std::size_t> perm(ids.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = i;
  std::shuffle(perm.begin(), perm.end(), std::mt19937_64(42));
  std::vector<std::string> pid;
  std::vector<int> ptier;
  for (auto i : perm) {
    pid.push_back(ids[i]);
    ptier.push_back(tier[i]);
  }
  const auto p = assign_control(pid, ptier, "camp-1", 0.15);
  for (std::size_t i = 0; i < pid.size(); ++i) ASSERT_EQ(p[i], by_id[pid[i]]) << pid[i];

  const auto other = assign_control(ids, tier, "camp-2", 0.15);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) differ += other[i] != a[i];
  EXPECT_GT(differ, 100u);
}

TEST(Control, PerTierFractionIsExact) {
  // Strata of sizes 1000, 333, 7, 10 (tier -1 is a stratum too).
  std::vector<std::string> ids;
  std::vector<int> tier;
  const std::vector<std::pair<int, int>> sizes = {{0, 1000}, {1, 333}, {2, 7}, {kNoTier, 10}};
  for (const auto& [t, n] : sizes)
    for (int i = 0; i < n; ++i) {
      ids.push_back("t" + std::to_string(t) + "-" + std::to_string(i));
      tier.push_back(t);
    }
  for (double fraction : {0.1, 0.25, 0.5, 0.9}) {
    const auto c = assign_control(ids, tier, "exact", fraction);
    for (const auto& [t, n] : sizes) {
      long got = 0;
      for (std::size_t i = 0; i < ids.size(); ++i) got += tier[i] == t && c[i];
      EXPECT_EQ(got, std::lround(fraction * n)) << "tier " << t << " fraction " << fraction;
    }
    // Control holds the lowest hashes of each stratum.
    for (const auto& [t, n] : sizes) {
      double max_in = -1.0, min_out = 2.0;
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (tier[i] != t) continue;
        const double u = control_hash_unit(ids[i], "exact");
        if (c[i]) max_in = std::max(max_in, u);
        else min_out = std::min(min_out, u);
      }
      EXPECT_LE(max_in, min_out);
    }
  }
}

TEST(Control, UnstratifiedFractionWithinBinomialBounds) {
  const auto ids = synthetic_ids(100'000);
  for (double fraction : {0.05, 0.2, 0.5}) {
    long got = 0;
    for (const auto& id : ids) got += in_control(id, "binomial", fraction);
    const double n = static_cast<double>(ids.size());
    const double sigma = std::sqrt(n * fraction * (1.0 - fraction));
    EXPECT_LE(std::abs(static_cast<double>(got) - n * fraction), 5.0 * sigma)
        << "fraction " << fraction << " got " << got;
  }
}

TEST(Control, FractionZeroAndValidation) {
  const auto ids = synthetic_ids(1000);
  const std::vector<int> tier(ids.size(), 0);
  for (const auto& id : ids) EXPECT_FALSE(in_control(id, "none", 0.0));
  const auto c = assign_control(ids, tier, "none", 0.0);
  EXPECT_EQ(std::count(c.begin(), c.end(), std::uint8_t{1}), 0);
  for (double bad : {-0.1, 1.0, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THROW(in_control("a", "x", bad), InputError);
    EXPECT_THROW(assign_control(ids, tier, "x", bad), InputError);
  }
  EXPECT_THROW(assign_control(ids, std::vector<int>(3, 0), "x", 0.1), InputError);
}

}  // namespace
}  // namespace tailor
