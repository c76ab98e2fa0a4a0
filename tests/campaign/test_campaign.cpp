// Campaign lists: every business rule on a hand-made catalogue, recipes and their fallbacks,
// replenishment reasons, control groups, suppression, and the rules on random data.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "host/campaign/campaign.hpp"
#include "host/core/error.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/config.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1700000000;  // 2023-11-14

// A shop with 12 items in 4 categories, 3 items each:
//   COFFEE c0 c1 c2 | TEA t0 t1 t2 | MUG m0 m1 m2 | CAKE k0 k1 k2
// Prices 1..12 in item order. The model's customer vectors are (1, 0) and item vectors (s, y):
// every customer's score of item i is s_i = 12 - i (c0 best), and y separates categories so the
// "because you bought" item is the bought one from the same category.
struct Shop {
  Dataset data;
  Model model;
  InteractionMatrices m;
};

Shop make_shop(int customers, const std::vector<std::pair<int, int>>& purchases,
               const std::vector<std::int64_t>& times = {}) {
  Shop s;
  s.data.path = "shop.h5";
  for (int c = 0; c < customers; ++c) s.data.customer_ids.push_back("u" + std::to_string(c));
  const char* names[] = {"c0", "c1", "c2", "t0", "t1", "t2", "m0", "m1", "m2", "k0", "k1", "k2"};
  for (const char* n : names) s.data.item_ids.push_back(n);
  ItemMeta& im = s.data.item_meta;
  im.category_names = {"COFFEE", "TEA", "MUG", "CAKE"};
  for (std::uint32_t i = 0; i < 12; ++i) {
    im.category.push_back(i / 3);
    im.price.push_back(static_cast<float>(i + 1));
    im.name.push_back(std::string("name-") + names[i]);
  }
  for (std::size_t r = 0; r < purchases.size(); ++r) {
    s.data.log.customer.push_back(static_cast<std::uint32_t>(purchases[r].first));
    s.data.log.item.push_back(static_cast<std::uint32_t>(purchases[r].second));
    s.data.log.time.push_back(times.empty() ? kT0 + static_cast<std::int64_t>(r) * 60 : times[r]);
  }
  s.m = build_matrices(s.data, 1);
  s.model.params.factors = 2;
  s.model.customer_ids = s.data.customer_ids;
  s.model.item_ids = s.data.item_ids;
  for (int c = 0; c < customers; ++c) {
    s.model.customer_factors.push_back(1.0f);
    s.model.customer_factors.push_back(0.0f);
  }
  for (int i = 0; i < 12; ++i) {
    s.model.item_factors.push_back(static_cast<float>(12 - i));
    s.model.item_factors.push_back(static_cast<float>(40 * (i / 3)));
  }
  return s;
}

CampaignConfig model_only(int n) {
  CampaignConfig c;
  c.recipe.count[static_cast<int>(Slot::model)] = n;
  c.tiers.tiers = 1;
  c.tiers.names = {"all"};
  return c;
}

std::vector<std::string> ids(const Shop& s, const CustomerList& l) {
  std::vector<std::string> out;
  for (const auto& e : l.items) out.push_back(s.data.item_ids[e.item]);
  return out;
}

const CustomerList& list_of(const Campaign& c, std::uint32_t customer) {
  for (const auto& l : c.lists)
    if (l.customer == customer) return l;
  throw std::runtime_error("no list for customer " + std::to_string(customer));
}

using Ids = std::vector<std::string>;

TEST(CampaignRules, ExcludesBoughtItemsExceptRepurchasableCategories) {
  // u0 bought c0 (COFFEE) and m0 (MUG).
  Shop s = make_shop(1, {{0, 0}, {0, 6}});
  CampaignConfig cfg = model_only(4);
  Campaign plain = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(plain, 0)), (Ids{"c1", "c2", "t0", "t1"}));
  cfg.repurchasable = {"COFFEE"};
  Campaign rep = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(rep, 0)), (Ids{"c0", "c1", "c2", "t0"}));
  cfg.repurchasable = {"*"};  // every category: nothing bought is held back
  cfg.recipe.count[static_cast<int>(Slot::model)] = 7;
  Campaign all = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(all, 0)), (Ids{"c0", "c1", "c2", "t0", "t1", "t2", "m0"}));
  cfg.repurchasable = {"NOPE"};
  EXPECT_THROW(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), InputError);
}

TEST(CampaignRules, IncludeExcludeAndAvailability) {
  Shop s = make_shop(1, {{0, 11}});
  CampaignConfig cfg = model_only(3);
  cfg.exclude_items = {"c0", "not-an-item"};
  s.data.item_meta.available.assign(12, 1);
  s.data.item_meta.available[1] = 0;  // c1 sold out
  Campaign a = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(a, 0)), (Ids{"c2", "t0", "t1"}));
  cfg.include_items = {"m2", "c1", "k0", "t2"};
  Campaign b = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(b, 0)), (Ids{"t2", "m2", "k0"}));
}

TEST(CampaignRules, BlocklistFilePerCustomer) {
  testing::TempDir dir;
  Shop s = make_shop(2, {{0, 11}, {1, 11}});
  {
    std::ofstream f(dir / "block.csv");
    f << "customer_id,item_id\nu0,c0\n\"u0\",\"t0\"\nu1,c1\nghost,c0\nu0,ghost\n";
  }
  CampaignConfig cfg = model_only(3);
  cfg.blocklist = dir / "block.csv";
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(c, 0)), (Ids{"c1", "c2", "t1"}));
  EXPECT_EQ(ids(s, list_of(c, 1)), (Ids{"c0", "c2", "t0"}));
  EXPECT_EQ(c.stats.blocklist_pairs, 5);

  {
    std::ofstream f(dir / "bad.csv");
    f << "customer,item\nu0,c0\n";
  }
  cfg.blocklist = dir / "bad.csv";
  try {
    build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
    FAIL() << "a blocklist with the wrong header was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv: line 1"), std::string::npos) << e.what();
  }
}

TEST(CampaignRules, AtMostMItemsPerCategory) {
  Shop s = make_shop(1, {{0, 11}});
  CampaignConfig cfg = model_only(5);
  cfg.max_per_category = 1;
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  // One per category: c0, t0, m0, k0; the fifth slot cannot be filled under the cap.
  EXPECT_EQ(ids(s, list_of(c, 0)), (Ids{"c0", "t0", "m0", "k0"}));
  EXPECT_EQ(c.stats.short_lists, 1);
  cfg.max_per_category = 2;
  Campaign d = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(d, 0)), (Ids{"c0", "c1", "t0", "t1", "m0"}));
}

TEST(CampaignRules, PriceFloorAndCeilingPerTier) {
  // u0 buys a lot (tier "high"), u1 once (tier "low").
  std::vector<std::pair<int, int>> p;
  std::vector<std::int64_t> t;
  for (int r = 0; r < 6; ++r) {
    p.push_back({0, 9});
    t.push_back(kT0 + r * kDay);
  }
  p.push_back({1, 10});
  t.push_back(kT0);
  Shop s = make_shop(2, p, t);
  CampaignConfig cfg = model_only(3);
  cfg.tiers.tiers = 2;
  cfg.tiers.names = {"high", "low"};
  cfg.price_min = 2.0;                     // everyone: no c0 (price 1)
  cfg.tier_rules["low"].price_max = 5.0;   // low tier: nothing above 5
  cfg.tier_rules["high"].price_min = 7.0;  // high tier: 7 and up
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  ASSERT_EQ(list_of(c, 0).tier, 0);
  ASSERT_EQ(list_of(c, 1).tier, 1);
  EXPECT_EQ(ids(s, list_of(c, 0)), (Ids{"m0", "m1", "m2"}));  // prices 7, 8, 9
  EXPECT_EQ(ids(s, list_of(c, 1)), (Ids{"c1", "c2", "t0"}));  // prices 2, 3, 4
  cfg.tier_rules["nobody"] = {};
  EXPECT_THROW(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), InputError);
}

TEST(CampaignRules, RulesNeedTheirMetadata) {
  Shop s = make_shop(1, {{0, 0}});
  s.data.item_meta = ItemMeta{};
  CampaignConfig cfg = model_only(3);
  cfg.max_per_category = 1;
  EXPECT_THROW(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), InputError);
  cfg = model_only(3);
  cfg.price_max = 3;
  EXPECT_THROW(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), InputError);
  cfg = model_only(3);
  cfg.recipe.count[static_cast<int>(Slot::discovery)] = 1;
  EXPECT_THROW(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), InputError);
}

TEST(CampaignRecipe, SlotsInOrderWithReasons) {
  // u0 buys tea t1 every 10 days (due at the campaign date), and once coffee c2.
  std::vector<std::pair<int, int>> p;
  std::vector<std::int64_t> t;
  for (int r = 0; r < 5; ++r) {
    p.push_back({0, 4});
    t.push_back(kT0 + r * 10 * kDay);
  }
  p.push_back({0, 2});
  t.push_back(kT0);
  // Other customers repeat t1 every 10 days too, so the item has a typical interval.
  for (int c = 1; c < 4; ++c)
    for (int r = 0; r < 3; ++r) {
      p.push_back({c, 4});
      t.push_back(kT0 + r * 10 * kDay);
    }
  Shop s = make_shop(4, p, t);
  CampaignConfig cfg = model_only(2);
  cfg.recipe.count[static_cast<int>(Slot::repeat)] = 1;
  cfg.recipe.count[static_cast<int>(Slot::discovery)] = 1;
  cfg.replenish.min_item_intervals = 3;
  cfg.discovery_value_weight = 0.0;
  const std::int64_t last = kT0 + 40 * kDay;
  cfg.campaign_time = last + 10 * kDay;
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  const CustomerList& l = list_of(c, 0);
  ASSERT_EQ(l.items.size(), 4u);
  EXPECT_EQ(l.items[0].slot, Slot::repeat);
  EXPECT_EQ(s.data.item_ids[l.items[0].item], "t1");
  EXPECT_EQ(l.items[0].reason, "due since " + utc_date(last + 10 * kDay) + " (about every 10 days)");
  EXPECT_NEAR(l.items[0].score, 1.0, 1e-6);
  // Discovery: best-scored item of a category u0 never bought (COFFEE and TEA are bought).
  EXPECT_EQ(l.items[1].slot, Slot::discovery);
  EXPECT_EQ(s.data.item_ids[l.items[1].item], "m0");
  EXPECT_EQ(l.items[1].reason, "new category: MUG");
  EXPECT_FLOAT_EQ(l.items[1].score, 6.0f);
  // Model: c0 (coffee; u0 bought c2 in the same category) then c1.
  EXPECT_EQ(l.items[2].slot, Slot::model);
  EXPECT_EQ(s.data.item_ids[l.items[2].item], "c0");
  EXPECT_EQ(l.items[2].reason, "because you bought name-c2");
  EXPECT_EQ(s.data.item_ids[l.items[3].item], "c1");
}

TEST(CampaignRecipe, DiscoveryRanksByValueWithinThePool) {
  Shop s = make_shop(1, {{0, 0}});
  CampaignConfig cfg = model_only(0);
  cfg.recipe.count[static_cast<int>(Slot::discovery)] = 1;
  cfg.recipe.fallback[static_cast<int>(Slot::discovery)] = std::nullopt;
  cfg.discovery_pool = 3;  // t0 (score 9, price 4), t1 (8, 5), t2 (7, 6)
  cfg.discovery_value_weight = 1.0;
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  // score x price: 36, 40, 42 -> t2, and the exported score is the model score.
  ASSERT_EQ(list_of(c, 0).items.size(), 1u);
  EXPECT_EQ(ids(s, list_of(c, 0)), (Ids{"t2"}));
  EXPECT_FLOAT_EQ(list_of(c, 0).items[0].score, 7.0f);
  cfg.discovery_pool = 1;
  EXPECT_EQ(ids(s, list_of(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), 0)), (Ids{"t0"}));
}

TEST(CampaignRecipe, FallbacksInTheStatedOrder) {
  // u0 bought items of every category: no discovery candidate; no repeats: nothing due.
  Shop s = make_shop(2, {{0, 0}, {0, 3}, {0, 6}, {0, 9}, {1, 0}, {1, 1}});
  CampaignConfig cfg = model_only(2);
  cfg.recipe.count[static_cast<int>(Slot::repeat)] = 2;
  cfg.recipe.count[static_cast<int>(Slot::discovery)] = 1;
  cfg.discovery_value_weight = 0.0;
  // repeat -> discovery -> model: u0 gets 5 model items, u1 gets 1 discovery + 4 model.
  cfg.recipe.fallback[0] = Slot::discovery;
  cfg.recipe.fallback[1] = Slot::model;
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  const auto& l0 = list_of(c, 0);
  ASSERT_EQ(l0.items.size(), 5u);
  for (const auto& e : l0.items) EXPECT_EQ(e.slot, Slot::model);
  EXPECT_EQ(ids(s, l0), (Ids{"c1", "c2", "t1", "t2", "m1"}));
  const auto& l1 = list_of(c, 1);
  ASSERT_EQ(l1.items.size(), 5u);
  EXPECT_EQ(l1.items[0].slot, Slot::discovery);
  EXPECT_EQ(l1.items[1].slot, Slot::discovery);  // the 2 repeat slots went to discovery first
  EXPECT_EQ(l1.items[2].slot, Slot::discovery);
  EXPECT_EQ(ids(s, l1), (Ids{"t0", "t1", "t2", "c2", "m0"}));
  EXPECT_EQ(c.stats.fallback[0], 4);  // 2 repeat slots each for u0 and u1
  EXPECT_EQ(c.stats.fallback[1], 3);  // u0's 3 discovery slots
  // Fallback "none": the list stays short.
  cfg.recipe.fallback[0] = std::nullopt;
  Campaign d = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(ids(s, list_of(d, 0)), (Ids{"c1", "c2", "t1"}));  // discovery -> model, repeats lost
  EXPECT_EQ(ids(s, list_of(d, 1)), (Ids{"t0", "c2", "t1"}));
  EXPECT_EQ(d.stats.short_lists, 2);
  // A customer unknown to the model: model slots go to popular.
  s.model.customer_ids[1] = "someone-else";
  cfg = model_only(3);
  Campaign e = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  const auto& l1e = list_of(e, 1);
  ASSERT_EQ(l1e.items.size(), 3u);
  for (const auto& x : l1e.items) EXPECT_EQ(x.slot, Slot::popular);
  EXPECT_EQ(e.stats.not_in_model, 1);
  // Popular ranks by distinct customers: t0, m0, k0 (1 each, after bought c0, c1 excluded).
  EXPECT_EQ(ids(s, l1e), (Ids{"t0", "m0", "k0"}));
  EXPECT_EQ(l1e.items[0].reason, "popular: bought by 1 customers");
}

TEST(CampaignNames, EveryNameParsesBackToItself) {
  ASSERT_EQ(kSlotNames.entries.size(), static_cast<std::size_t>(kSlotTypes));
  for (int t = 0; t < kSlotTypes; ++t) {
    const Slot slot = static_cast<Slot>(t);
    EXPECT_EQ(kSlotNames.entries[static_cast<std::size_t>(t)].first, slot) << "in slot order";
    EXPECT_EQ(parse_slot(to_string(slot)), slot);
    EXPECT_EQ(kSlotNames.parse(to_string(slot)), slot);
  }
  for (const auto& [action, name] : kNegativeActionNames.entries) {
    EXPECT_STREQ(to_string(action), name);
    EXPECT_EQ(kNegativeActionNames.find(to_string(action)), action);
  }
  try {
    (void)parse_slot("modle");
    FAIL() << "an unknown slot type was accepted";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "unknown slot type \"modle\"; slot types are repeat, discovery, model, popular");
  }
}

TEST(CampaignRecipe, FallbackMustComeLater) {
  CampaignConfig cfg = model_only(3);
  cfg.recipe.fallback[static_cast<int>(Slot::model)] = Slot::repeat;
  EXPECT_THROW(validate(cfg, "test"), InputError);
  cfg = model_only(0);
  EXPECT_THROW(validate(cfg, "test"), InputError);  // an empty recipe
}

TEST(CampaignReplenish, PlantedPeriodicBuyersAreDueAtTheirPeriod) {
  // Customer c buys item t1 every period_c days, 6 times; the campaign date is one period after
  // the last purchase, so each is due exactly then, with their own period (6 repeats >> kappa).
  const int periods[] = {7, 14, 30};
  std::vector<std::pair<int, int>> p;
  std::vector<std::int64_t> t;
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 6; ++r) {
      p.push_back({c, 4});
      t.push_back(kT0 + static_cast<std::int64_t>(r) * periods[c] * kDay);
    }
  Shop s = make_shop(3, p, t);
  CampaignConfig cfg = model_only(1);
  cfg.recipe.count[0] = 1;
  cfg.recipe.fallback[0] = std::nullopt;
  cfg.recipe.count[2] = 0;
  cfg.replenish.min_item_intervals = 3;
  cfg.replenish.overdue_until = 100;
  cfg.replenish.due_from = 0.01;
  cfg.campaign_time = kT0 + 200 * kDay;
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  for (int k = 0; k < 3; ++k) {
    const auto& l = list_of(c, static_cast<std::uint32_t>(k));
    ASSERT_EQ(l.items.size(), 1u);
    const std::int64_t last = kT0 + 5LL * periods[k] * kDay;
    // 5 own intervals of the period, shrunk toward the item median (14) with kappa = 2.
    const double est = (5.0 * periods[k] + 2.0 * 14.0) / 7.0;
    const std::int64_t expected = last + static_cast<std::int64_t>(std::llround(est * kDay));
    EXPECT_EQ(l.items[0].reason, fmt::format("due since {} (about every {:.0f} days)",
                                             utc_date(expected), est))
        << "period " << periods[k];
  }
}

TEST(CampaignControl, StableAndWithinBinomialBoundsPerTier) {
  std::vector<std::pair<int, int>> p;
  std::vector<std::int64_t> t;
  std::mt19937 rng(5);
  const int n = 3000;
  for (int c = 0; c < n; ++c) {
    const int visits = 1 + static_cast<int>(rng() % 6);
    for (int r = 0; r < visits; ++r) {
      p.push_back({c, static_cast<int>(rng() % 12)});
      t.push_back(kT0 + static_cast<std::int64_t>(rng() % 100) * kDay);
    }
  }
  Shop s = make_shop(n, p, t);
  CampaignConfig cfg = model_only(2);
  cfg.tiers = TierOptions{};
  cfg.control_fraction = 0.2;
  cfg.campaign_id = "spring";
  Campaign a = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({2}));
  Campaign b = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  std::map<int, std::pair<int, int>> per_tier;  // tier -> (control, total)
  for (std::size_t k = 0; k < a.lists.size(); ++k) {
    ASSERT_EQ(a.lists[k].control, b.lists[k].control);
    per_tier[a.lists[k].tier].first += a.lists[k].control;
    per_tier[a.lists[k].tier].second += 1;
  }
  ASSERT_GE(per_tier.size(), 3u);
  for (const auto& [tier, ct] : per_tier) {
    const double sd = std::sqrt(0.2 * 0.8 * ct.second);
    EXPECT_NEAR(ct.first, 0.2 * ct.second, 4 * sd + 1) << "tier " << tier;
  }
  // Another campaign id draws another group.
  cfg.campaign_id = "summer";
  Campaign other = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  int differ = 0;
  for (std::size_t k = 0; k < a.lists.size(); ++k) differ += a.lists[k].control != other.lists[k].control;
  EXPECT_GT(differ, n / 10);
  // Control customers' lists are still computed.
  for (const auto& l : a.lists)
    if (l.control) EXPECT_EQ(l.items.size(), 2u);
}

TEST(CampaignSuppression, OptOutAndNegativeEvents) {
  Shop s = make_shop(4, {{0, 11}, {1, 11}, {2, 11}, {3, 11}, {1, 0}, {2, 1}, {3, 0}});
  s.data.event_names = {"purchase", "return", "complaint", "unsubscribe"};
  s.data.log.event = {0, 0, 0, 0, 1, 2, 3};
  s.data.customer_meta.opt_out = {1, 0, 0, 0};
  CampaignConfig cfg = model_only(2);
  cfg.tiers.purchase_event = "purchase";
  cfg.negative_events["return"] = NegativeAction::remove;
  cfg.negative_events["complaint"] = NegativeAction::demote;
  cfg.negative_events["unsubscribe"] = NegativeAction::suppress;
  cfg.repurchasable = {"COFFEE"};  // so returned and complained-about coffee could be offered
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  EXPECT_EQ(c.stats.opted_out, 1);
  EXPECT_EQ(c.stats.suppressed_by_event, 1);
  ASSERT_EQ(c.lists.size(), 2u);
  EXPECT_EQ(ids(s, list_of(c, 1)), (Ids{"c1", "c2"}));  // c0 returned: removed
  EXPECT_EQ(ids(s, list_of(c, 2)), (Ids{"c0", "c2"}));  // c1 complained: demoted below c2
  cfg.repurchasable.clear();
  cfg.negative_events["refund"] = NegativeAction::remove;
  EXPECT_THROW(build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1})), InputError);
}

// Every rule holds on random catalogues, histories, rules and recipes.
TEST(CampaignRules, NoRuleEverViolatedOnRandomData) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 12; ++trial) {
    const int customers = 30 + static_cast<int>(rng() % 60);
    const int items = 20 + static_cast<int>(rng() % 80);
    const int categories = 1 + static_cast<int>(rng() % 9);
    Dataset d;
    d.path = "random.h5";
    for (int c = 0; c < customers; ++c) d.customer_ids.push_back("c" + std::to_string(c));
    for (int i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
    for (int g = 0; g < categories; ++g) d.item_meta.category_names.push_back("g" + std::to_string(g));
    for (int i = 0; i < items; ++i) {
      d.item_meta.category.push_back(rng() % 10 == 0 ? kNoCategory
                                                     : static_cast<std::uint32_t>(rng() % categories));
      d.item_meta.price.push_back(rng() % 15 == 0 ? NAN : static_cast<float>(rng() % 50));
      d.item_meta.available.push_back(rng() % 8 != 0);
    }
    for (int c = 0; c < customers; ++c) d.customer_meta.opt_out.push_back(rng() % 12 == 0);
    d.event_names = {"purchase", "return"};
    for (int c = 0; c < customers; ++c) {
      const int rows = static_cast<int>(rng() % 12);
      const auto fav = static_cast<std::uint32_t>(rng() % items);
      for (int r = 0; r < rows; ++r) {
        d.log.customer.push_back(static_cast<std::uint32_t>(c));
        d.log.item.push_back(rng() % 2 ? fav : static_cast<std::uint32_t>(rng() % items));
        d.log.time.push_back(kT0 + static_cast<std::int64_t>(rng() % 120) * kDay);
        d.log.event.push_back(rng() % 10 == 0 ? 1 : 0);
      }
    }
    InteractionMatrices m = build_matrices(d, 1);
    Model model;
    model.params.factors = 1 + static_cast<int>(rng() % 8);
    model.customer_ids = d.customer_ids;
    model.item_ids = d.item_ids;
    model.customer_factors = testing::random_factors(customers, model.params.factors, rng());
    model.item_factors = testing::random_factors(items, model.params.factors, rng());
    if (trial % 3 == 0) model.customer_ids.resize(static_cast<std::size_t>(customers / 2));
    if (trial % 3 == 0) model.customer_factors.resize(model.customer_ids.size() * model.params.factors);

    CampaignConfig cfg;
    for (int t = 0; t < kSlotTypes; ++t) cfg.recipe.count[t] = static_cast<int>(rng() % 4);
    cfg.recipe.count[2] += 1;
    cfg.replenish.min_item_intervals = 1;
    cfg.max_per_category = static_cast<int>(rng() % 3);
    if (rng() % 2) cfg.price_min = 5.0;
    if (rng() % 2) cfg.price_max = 40.0;
    cfg.tier_rules["low"].price_max = 20.0;
    if (rng() % 2) cfg.repurchasable = {"g0"};
    for (int i = 0; i < items; i += 7) cfg.exclude_items.push_back(d.item_ids[i]);
    cfg.negative_events["return"] = NegativeAction::remove;
    cfg.control_fraction = 0.3;
    testing::TempDir dir;
    std::set<std::pair<std::uint32_t, std::uint32_t>> blocked;
    {
      std::ofstream f(dir / "b.csv");
      f << "customer_id,item_id\n";
      for (int r = 0; r < customers; ++r) {
        const auto c = static_cast<std::uint32_t>(rng() % customers);
        const auto i = static_cast<std::uint32_t>(rng() % items);
        blocked.insert({c, i});
        f << d.customer_ids[c] << "," << d.item_ids[i] << "\n";
      }
    }
    cfg.blocklist = dir / "b.csv";

    const Campaign camp = build_campaign(model, d, m, cfg, Backend::cpu({2}));
    std::set<std::pair<std::uint32_t, std::uint32_t>> returned;
    for (std::int64_t r = 0; r < d.log.size(); ++r)
      if (d.log.event[r] == 1) returned.insert({d.log.customer[r], d.log.item[r]});
    std::set<std::string> excluded(cfg.exclude_items.begin(), cfg.exclude_items.end());
    std::int64_t listed = 0;
    for (const CustomerList& l : camp.lists) {
      ++listed;
      const std::uint32_t c = l.customer;
      ASSERT_FALSE(d.customer_meta.opted_out(c));
      std::set<std::uint32_t> bought_items, bought_cats;
      for (auto j = m.customer_items.indptr[c]; j < m.customer_items.indptr[c + 1]; ++j) {
        bought_items.insert(m.customer_items.indices[j]);
        if (d.item_meta.category[m.customer_items.indices[j]] != kNoCategory)
          bought_cats.insert(d.item_meta.category[m.customer_items.indices[j]]);
      }
      const bool low = l.tier >= 0 && camp.tier_names[static_cast<std::size_t>(l.tier)] == "low";
      std::set<std::uint32_t> seen;
      std::map<std::uint32_t, int> per_cat;
      int slot_count[kSlotTypes] = {};
      int last_slot = 0;
      ASSERT_LE(static_cast<int>(l.items.size()), cfg.recipe.length());
      for (const CampaignEntry& e : l.items) {
        const std::uint32_t i = e.item;
        ASSERT_TRUE(seen.insert(i).second) << "item twice";
        ASSERT_TRUE(d.item_meta.is_available(i));
        ASSERT_FALSE(excluded.count(d.item_ids[i]));
        ASSERT_FALSE(blocked.count({c, i}));
        ASSERT_FALSE(returned.count({c, i}));
        const float price = d.item_meta.price[i];
        if (cfg.price_min) ASSERT_GE(price, *cfg.price_min);
        if (cfg.price_max) ASSERT_LE(price, *cfg.price_max);
        if (low) ASSERT_LE(price, 20.0f);
        const std::uint32_t cat = d.item_meta.category[i];
        if (cfg.max_per_category > 0 && cat != kNoCategory)
          ASSERT_LE(++per_cat[cat], cfg.max_per_category);
        const bool rep = !cfg.repurchasable.empty() && cat == 0;
        if (e.slot == Slot::repeat) {
          ASSERT_TRUE(bought_items.count(i));
          if (!cfg.repurchasable.empty()) ASSERT_TRUE(rep);
        } else {
          ASSERT_TRUE(!bought_items.count(i) || rep) << "already bought, not repurchasable";
        }
        if (e.slot == Slot::discovery) {
          ASSERT_NE(cat, kNoCategory);
          ASSERT_FALSE(bought_cats.count(cat));
        }
        ASSERT_GE(static_cast<int>(e.slot), last_slot) << "slots out of order";
        last_slot = static_cast<int>(e.slot);
        ++slot_count[static_cast<int>(e.slot)];
        ASSERT_FALSE(e.reason.empty());
      }
      // Slot counts: never more than the slot's own count plus what earlier slots passed on.
      int allowed[kSlotTypes];
      for (int t = 0; t < kSlotTypes; ++t) allowed[t] = cfg.recipe.count[t];
      for (int t = 0; t < kSlotTypes; ++t) {
        ASSERT_LE(slot_count[t], allowed[t]) << "slot " << t;
        if (cfg.recipe.fallback[t])
          allowed[static_cast<int>(*cfg.recipe.fallback[t])] += allowed[t] - slot_count[t];
      }
    }
    EXPECT_EQ(listed + camp.stats.opted_out + camp.stats.suppressed_by_event, customers);
  }
}

TEST(CampaignConfigFile, ParsesEverySectionAndRefusesTypos) {
  const std::string base = R"(
[input]
path = "x.h5"
[output]
path = "out.csv"
jsonl = "out.jsonl"
h5 = "out.h5"
[campaign]
id = "winter"
date = "2011-12-01"
control_fraction = 0.1
[recipe]
repeat = 2
discovery = 1
model = 7
discovery_fallback = "popular"
[rules]
repurchasable = ["MUG"]
exclude_items = ["POST"]
max_per_category = 2
price_min = 1.5
[discovery]
pool = 30
value_weight = 0.5
[tiers]
count = 2
names = ["vip", "rest"]
[tier.rest]
model = 3
price_max = 10.0
[suppression]
unsubscribe = "suppress"
return = "demote"
[qa]
max_empty_share = 0.05
min_coverage = 0.1
)";
  RunConfig c = parse_config(base, "c.toml");
  ASSERT_TRUE(c.campaign);
  const CampaignConfig& cc = *c.campaign;
  EXPECT_EQ(cc.campaign_id, "winter");
  EXPECT_EQ(cc.campaign_time, 1322697600);
  EXPECT_EQ(cc.recipe.count[0], 2);
  EXPECT_EQ(cc.recipe.count[2], 7);
  EXPECT_EQ(cc.recipe.fallback[1], Slot::popular);
  EXPECT_EQ(cc.repurchasable, (std::vector<std::string>{"MUG"}));
  EXPECT_EQ(cc.max_per_category, 2);
  EXPECT_EQ(cc.tiers.names, (std::vector<std::string>{"vip", "rest"}));
  ASSERT_TRUE(cc.tier_rules.count("rest"));
  EXPECT_EQ(cc.tier_rules.at("rest").recipe->count[2], 3);
  EXPECT_EQ(cc.tier_rules.at("rest").recipe->count[0], 2);  // inherited from [recipe]
  EXPECT_EQ(cc.negative_events.at("return"), NegativeAction::demote);
  EXPECT_EQ(c.qa.max_empty_share, 0.05);
  EXPECT_FALSE(c.qa.max_churn);
  EXPECT_EQ(*c.output_jsonl, "out.jsonl");

  auto refused = [&](const std::string& from, const std::string& to, const std::string& needle) {
    std::string text = base;
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    try {
      parse_config(text, "c.toml");
      FAIL() << "accepted: " << to;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  refused("pool = 30", "pol = 30", "unknown key 'pol' in [discovery]");
  refused("price_max = 10.0", "price_mx = 10.0", "unknown key 'price_mx' in [tier.rest]");
  refused("return = \"demote\"", "return = \"hide\"", "[suppression] return");
  refused("discovery_fallback = \"popular\"", "model_fallback = \"repeat\"", "fallback of model");
  refused("max_empty_share = 0.05", "max_empty_share = 5", "[qa] max_empty_share");
  refused("date = \"2011-12-01\"", "date = \"first of may\"", "[campaign] date");
  refused("control_fraction = 0.1", "control_fraction = 1.0", "fraction");
  refused("[campaign]\nid = \"winter\"", "[campaig]\nid = \"winter\"", "unknown section [campaig]");
}

}  // namespace
}  // namespace tailor

namespace tailor {
namespace {

TEST(CampaignReplenish, FrequentRebuysOutrankBetterTimingAlone) {
  // u0 re-bought t1 five times (every 10 days) and m1 once (20 days apart). At the campaign
  // date t1 is a little late (ratio 1.1) and m1 exactly due (ratio 1): the timing bumps are
  // about 0.96 and 1, but t1 was re-bought five times, so it ranks first.
  std::vector<std::pair<int, int>> p;
  std::vector<std::int64_t> t;
  for (int r = 0; r < 6; ++r) {
    p.push_back({0, 4});
    t.push_back(kT0 + r * 10 * kDay);
  }
  p.push_back({0, 7});
  t.push_back(kT0 + 21 * kDay);
  p.push_back({0, 7});
  t.push_back(kT0 + 41 * kDay);
  Shop s = make_shop(1, p, t);
  CampaignConfig cfg = model_only(0);
  cfg.recipe.count[0] = 2;
  cfg.recipe.fallback[0] = std::nullopt;
  cfg.replenish.min_item_intervals = 1;
  cfg.replenish.kappa = 0.0;
  cfg.campaign_time = kT0 + 61 * kDay;  // m1: 20 of 20 days (ratio 1); t1: 11 of 10 (1.1)
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  const auto& l = list_of(c, 0);
  ASSERT_EQ(l.items.size(), 2u);
  EXPECT_EQ(s.data.item_ids[l.items[0].item], "t1");
  EXPECT_EQ(s.data.item_ids[l.items[1].item], "m1");
  EXPECT_LT(l.items[0].score, l.items[1].score) << "scores are the timing bumps";
  EXPECT_NEAR(l.items[1].score, 1.0, 1e-9);
}

}  // namespace
}  // namespace tailor

namespace tailor {
namespace {

TEST(CampaignRecipe, CustomersWithoutHistoryGetPopularItems) {
  // u2 has no rows. The model gives it factors (as training does, near zero), yet its model
  // slots go to the popular fallback; u0 and u1 are served by the model.
  Shop s = make_shop(3, {{0, 5}, {1, 5}, {0, 8}});
  CampaignConfig cfg = model_only(2);
  Campaign c = build_campaign(s.model, s.data, s.m, cfg, Backend::cpu({1}));
  const auto& l2 = list_of(c, 2);
  ASSERT_EQ(l2.items.size(), 2u);
  EXPECT_EQ(ids(s, l2), (Ids{"t2", "m2"}));  // 2 customers, then 1
  EXPECT_EQ(l2.items[0].slot, Slot::popular);
  EXPECT_EQ(l2.recipe_length, 2);
  EXPECT_EQ(list_of(c, 0).items[0].slot, Slot::model);
  EXPECT_EQ(c.stats.without_history, 1);
  EXPECT_EQ(c.stats.not_in_model, 0);
}

}  // namespace
}  // namespace tailor

namespace tailor {
namespace {

TEST(CampaignSuppression, NegativeEventRowsAreNotInteractions) {
  Shop s = make_shop(2, {{0, 11}, {0, 0}, {1, 0}, {1, 3}});
  s.data.event_names = {"purchase", "return"};
  s.data.log.event = {0, 1, 0, 1};
  CampaignConfig cfg = model_only(2);
  EXPECT_TRUE(interaction_rows(s.data, cfg).empty());  // no negative events configured
  cfg.negative_events["return"] = NegativeAction::demote;
  const std::vector<bool> keep = interaction_rows(s.data, cfg);
  EXPECT_EQ(keep, (std::vector<bool>{true, false, true, false}));
  // Built without the returns, u0 has not bought c0: the demoted c0 is offered only after
  // everything else, and u1's returned t0 likewise.
  const InteractionMatrices m = build_matrices(s.data, 1, &keep);
  EXPECT_EQ(m.customer_items.indptr[1] - m.customer_items.indptr[0], 1);
  cfg.negative_events["refund"] = NegativeAction::remove;
  EXPECT_THROW(interaction_rows(s.data, cfg), InputError);
}

}  // namespace
}  // namespace tailor
