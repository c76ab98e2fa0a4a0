// Slot filling on its own: the candidate Pool, the fallback chain, and one customer's list under
// the rules (eligibility, category cap, demotion) for each slot kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "host/campaign/items.hpp"
#include "host/campaign/slots.hpp"

namespace tailor {
namespace {

std::vector<Candidate> best_of(std::vector<Candidate> all, std::size_t keep) {
  std::sort(all.begin(), all.end(), better);
  all.resize(std::min(keep, all.size()));
  return all;
}

// What a slot's scan does: admits() first, add() only then.
void offer_all(Pool& pool, const std::vector<Candidate>& all) {
  for (const Candidate& c : all)
    if (pool.admits(c)) pool.add(c);
}

bool same(const Candidate& a, const Candidate& b) {
  return a.item == b.item && a.key == b.key && a.demoted == b.demoted;
}

TEST(SlotPool, BetterIsNotDemotedThenKeyThenItem) {
  EXPECT_TRUE(better({1.0f, 9, false}, {5.0f, 1, true}));  // demoted last whatever its key
  EXPECT_TRUE(better({5.0f, 9, false}, {1.0f, 1, false}));
  EXPECT_TRUE(better({2.0f, 1, false}, {2.0f, 9, false}));  // a tie goes to the lower item
  EXPECT_FALSE(better({2.0f, 1, false}, {2.0f, 1, false}));
}

TEST(SlotPool, KeepsExactlyTheBestAndReportsTruncation) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t keep = 1 + rng() % 20;
    const std::size_t n = rng() % 120;
    std::vector<Candidate> all;
    for (std::size_t i = 0; i < n; ++i)  // few distinct keys: many ties
      all.push_back({static_cast<float>(rng() % 6), static_cast<std::uint32_t>(i), rng() % 4 == 0});
    std::shuffle(all.begin(), all.end(), rng);
    Pool pool;
    pool.reset(keep);
    offer_all(pool, all);
    pool.cut(keep);
    std::vector<Candidate> kept = pool.candidates();
    std::sort(kept.begin(), kept.end(), better);
    const std::vector<Candidate> want = best_of(all, keep);
    ASSERT_EQ(kept.size(), want.size()) << "keep " << keep << ", offered " << n;
    for (std::size_t k = 0; k < kept.size(); ++k) ASSERT_TRUE(same(kept[k], want[k]));
    EXPECT_EQ(pool.truncated(), n > keep) << "keep " << keep << ", offered " << n;
  }
}

TEST(SlotPool, TheBarRisesAndResetForgetsIt) {
  Pool pool;
  pool.reset(2);
  for (std::uint32_t i = 0; i < 4; ++i)
    offer_all(pool, {{10.0f - static_cast<float>(i), i, false}});
  // Four offered with keep 2: cut to the best two (10, 9); 9 is the bar.
  EXPECT_TRUE(pool.truncated());
  EXPECT_FALSE(pool.admits({8.5f, 7, false}));
  EXPECT_TRUE(pool.admits({9.5f, 7, false}));
  pool.reset(2);
  EXPECT_FALSE(pool.truncated());
  EXPECT_TRUE(pool.admits({-100.0f, 7, true}));
  EXPECT_TRUE(pool.candidates().empty());
}

TEST(SlotFallbacks, UnfilledRepeatGoesToModelAndModelToPopular) {
  Recipe r;  // default fallbacks: repeat -> model, discovery -> model, model -> popular
  r.count[0] = 3;
  r.count[1] = 0;
  r.count[2] = 4;
  r.count[3] = 1;
  const int capacity[kSlotTypes] = {1, 9, 5, 9};  // what each slot type could place
  std::vector<std::pair<Slot, int>> calls;
  SlotCounts counts;
  fill_recipe(r, [&](Slot s, int need) {
    calls.push_back({s, need});
    return std::min(need, capacity[static_cast<int>(s)]);
  }, counts);
  // repeat places 1 of 3 (2 to model); discovery is not asked; model places 5 of 6 (1 to
  // popular); popular places 2.
  const std::vector<std::pair<Slot, int>> want = {
      {Slot::repeat, 3}, {Slot::model, 6}, {Slot::popular, 2}};
  EXPECT_EQ(calls, want);
  EXPECT_EQ(std::vector<std::int64_t>(counts.filled, counts.filled + kSlotTypes),
            (std::vector<std::int64_t>{1, 0, 5, 2}));
  EXPECT_EQ(std::vector<std::int64_t>(counts.fell, counts.fell + kSlotTypes),
            (std::vector<std::int64_t>{2, 0, 1, 0}));
}

TEST(SlotFallbacks, NoFallbackLeavesTheListShort) {
  Recipe r;
  r.count[2] = 4;
  r.fallback[2] = std::nullopt;
  SlotCounts counts;
  int popular_calls = 0;
  fill_recipe(r, [&](Slot s, int need) {
    popular_calls += s == Slot::popular;
    return std::min(need, 1);
  }, counts);
  EXPECT_EQ(popular_calls, 0);
  EXPECT_EQ(counts.filled[2], 1);
  EXPECT_EQ(counts.fell[2], 0);
}

template <class T>
bool all_zero(const std::vector<T>& v) {
  return std::all_of(v.begin(), v.end(), [](T x) { return x == 0; });
}

// A catalogue of `n` items, item i in category i % categories, priced i + 1, every model score
// n - i (item 0 best).
struct Catalogue {
  Dataset data;
  CampaignConfig config;
  CampaignItems items;
  std::vector<float> scores;

  Catalogue(int n, int categories, int customers = 10) {
    for (int c = 0; c < customers; ++c) data.customer_ids.push_back("u" + std::to_string(c));
    for (int g = 0; g < categories; ++g)
      data.item_meta.category_names.push_back("g" + std::to_string(g));
    for (int i = 0; i < n; ++i) {
      data.item_ids.push_back("i" + std::to_string(i));
      data.item_meta.category.push_back(static_cast<std::uint32_t>(i % categories));
      data.item_meta.price.push_back(static_cast<float>(i + 1));
      scores.push_back(static_cast<float>(n - i));
    }
    items.meta = &data.item_meta;
    items.allowed.assign(static_cast<std::size_t>(n), 1);
    items.popularity.assign(static_cast<std::size_t>(n), 0);
  }

  // The items placed for `who` by `slot` with `need`, on fresh scratch.
  std::vector<CampaignEntry> fill(Slot slot, int need, CustomerView who) {
    if (!who.scores) who.scores = scores.data();
    ListScratch scratch(data.item_ids.size(), data.item_meta.category_names.size());
    std::vector<CampaignEntry> list;
    const SlotContext ctx{data, items, config, 0};
    scratch.begin(who.history, data.item_meta);
    ListBuilder(ctx, who, scratch, list).fill(slot, need);
    scratch.reset(who.history, list, data.item_meta, config.max_per_category > 0);
    // The scratch is all zero again for the next customer.
    EXPECT_TRUE(all_zero(scratch.chosen));
    EXPECT_TRUE(all_zero(scratch.bought));
    EXPECT_TRUE(all_zero(scratch.bought_category));
    EXPECT_TRUE(all_zero(scratch.per_category));
    return list;
  }
};

std::vector<std::uint32_t> items_of(const std::vector<CampaignEntry>& list) {
  std::vector<std::uint32_t> out;
  for (const auto& e : list) out.push_back(e.item);
  return out;
}

using Items = std::vector<std::uint32_t>;

TEST(SlotRules, ModelSlotTakesTheBestEligibleItems) {
  Catalogue cat(20, 4);
  cat.items.allowed[1] = 0;
  cat.data.item_meta.price[3] = NAN;
  const std::vector<std::uint32_t> history = {0}, blocked = {4}, removed = {5};
  CustomerView who;
  who.history = history;
  who.blocked = blocked;
  who.removed = removed;
  // 0 bought, 1 not allowed, 4 blocked, 5 removed; a price window drops the NaN price of 3.
  EXPECT_EQ(items_of(cat.fill(Slot::model, 3, who)), (Items{2, 3, 6}));
  who.price_min = 1.0;
  EXPECT_EQ(items_of(cat.fill(Slot::model, 3, who)), (Items{2, 6, 7}));
  who.price_max = 7.5;  // prices are i + 1: item 7 costs 8
  EXPECT_EQ(items_of(cat.fill(Slot::model, 3, who)), (Items{2, 6}));
}

TEST(SlotRules, CategoryCapHoldsEvenWhenTheBestItemsShareACategory) {
  // 40 items: 0..29 in category 0 (the best-scored), 30..39 in categories 1, 2, 3, 1, ... The
  // first pool (16 kept) holds only category 0; the cap refuses all but two of it, so the scan
  // runs again keeping more.
  Catalogue cat(40, 4);
  for (std::size_t i = 0; i < 40; ++i)
    cat.data.item_meta.category[i] = i < 30 ? 0 : static_cast<std::uint32_t>(1 + i % 3);
  cat.config.max_per_category = 2;
  const auto list = cat.fill(Slot::model, 7, CustomerView{});
  EXPECT_EQ(items_of(list), (Items{0, 1, 30, 31, 32, 33, 34}));
  std::vector<int> per(4, 0);
  for (const auto& e : list) ++per[cat.data.item_meta.category[e.item]];
  for (int n : per) EXPECT_LE(n, 2);
  // More than the cap allows (2 x 4 categories): the list stays short instead.
  EXPECT_EQ(cat.fill(Slot::model, 20, CustomerView{}).size(), 8u);
}

TEST(SlotRules, DemotedItemOnlyWhenNothingElseFillsTheSlot) {
  Catalogue cat(5, 5);
  const std::vector<std::uint32_t> demoted = {0};  // the best-scored item
  CustomerView who;
  who.demoted = demoted;
  EXPECT_EQ(items_of(cat.fill(Slot::model, 3, who)), (Items{1, 2, 3}));
  EXPECT_EQ(items_of(cat.fill(Slot::model, 5, who)), (Items{1, 2, 3, 4, 0}));
  cat.items.popularity = {9, 8, 7, 0, 0};
  EXPECT_EQ(items_of(cat.fill(Slot::popular, 3, who)), (Items{1, 2, 0}));
}

TEST(SlotRules, BoughtItemsOnlyInRepurchasableCategories) {
  Catalogue cat(6, 2);  // categories: even items 0, odd items 1
  const std::vector<std::uint32_t> history = {0, 1};
  CustomerView who;
  who.history = history;
  EXPECT_EQ(items_of(cat.fill(Slot::model, 2, who)), (Items{2, 3}));
  cat.items.repurchasable = {0, 1};
  EXPECT_EQ(items_of(cat.fill(Slot::model, 2, who)), (Items{1, 2}));
}

TEST(SlotKinds, DiscoveryRanksTheModelsPoolByValue) {
  Catalogue cat(12, 4);  // scores 12 - i, prices i + 1
  const std::vector<std::uint32_t> history = {0};  // category 0 (items 0, 4, 8) is bought
  CustomerView who;
  who.history = history;
  cat.config.discovery_pool = 3;  // items 1, 2, 3 by score
  cat.config.discovery_value_weight = 1.0;
  // score x price: 11 x 2, 10 x 3, 9 x 4 = 22, 30, 36: item 3 first; the scores reported are
  // the model's.
  const auto list = cat.fill(Slot::discovery, 2, who);
  EXPECT_EQ(items_of(list), (Items{3, 2}));
  EXPECT_FLOAT_EQ(list[0].score, 9.0f);
  EXPECT_EQ(list[0].slot, Slot::discovery);
  EXPECT_EQ(list[0].reason, "new category: g3");
  cat.config.discovery_value_weight = 0.0;
  EXPECT_EQ(items_of(cat.fill(Slot::discovery, 2, who)), (Items{1, 2}));
  // Without model scores there are no discovery (nor model) candidates.
  who.scores = nullptr;
  ListScratch scratch(12, 4);
  std::vector<CampaignEntry> list2;
  const SlotContext ctx{cat.data, cat.items, cat.config, 0};
  EXPECT_EQ(ListBuilder(ctx, who, scratch, list2).fill(Slot::discovery, 2), 0);
  EXPECT_EQ(ListBuilder(ctx, who, scratch, list2).fill(Slot::model, 2), 0);
}

TEST(SlotKinds, RepeatRanksDueItemsByTimingTimesRebuys) {
  Catalogue cat(6, 3);
  std::vector<DueItem> due(2);
  due[0].item = 4;
  due[0].score = 1.0;
  due[0].customer_intervals = 0;
  due[0].interval_days = 10;
  due[1].item = 2;
  due[1].score = 0.6;
  due[1].customer_intervals = 3;  // key 0.6 x 4 = 2.4 beats 1.0 x 1
  due[1].interval_days = 30;
  CustomerView who;
  who.due = due;
  const auto list = cat.fill(Slot::repeat, 2, who);
  EXPECT_EQ(items_of(list), (Items{2, 4}));
  EXPECT_FLOAT_EQ(list[0].score, 0.6f);  // the due score, not the key
  EXPECT_EQ(list[0].reason, "due since 1970-01-01 (about every 30 days)");
  cat.items.repurchasable = {0, 0, 1};  // only category 2 (items 2, 5): item 4 is not offered
  EXPECT_EQ(items_of(cat.fill(Slot::repeat, 2, who)), (Items{2}));
}

TEST(SlotKinds, PopularScoresAreSharesOfCustomers) {
  Catalogue cat(4, 2, 8);
  cat.items.popularity = {2, 0, 4, 4};
  const auto list = cat.fill(Slot::popular, 4, CustomerView{});
  EXPECT_EQ(items_of(list), (Items{2, 3, 0}));  // never-bought item 1 is not popular
  EXPECT_FLOAT_EQ(list[0].score, 0.5f);
  EXPECT_EQ(list[2].reason, "popular: bought by 2 customers");
}

}  // namespace
}  // namespace tailor
