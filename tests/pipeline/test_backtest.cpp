// Backtests: the cut at the date, the horizon, and hits and revenue per variant, slot and group
// on a shop whose answer is known.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "host/core/error.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/backtest.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1700000000;

// Six customers buy i0 every 10 days from day 0 to day 40 (value 2). In the 30 days after day
// 50 each buys i0 again (value 2) and i3 (value 5); u0 also has a zero-quantity row of i4 (not a
// purchase). On day 100, after the horizon, everyone buys i5.
std::filesystem::path write_shop(const testing::TempDir& dir) {
  Dataset d;
  for (int c = 0; c < 6; ++c) d.customer_ids.push_back("u" + std::to_string(c));
  for (int i = 0; i < 6; ++i) d.item_ids.push_back("i" + std::to_string(i));
  d.item_meta.category_names = {"A", "B"};
  d.item_meta.category = {0, 0, 0, 1, 1, 1};
  d.item_meta.price = {2, 3, 4, 5, 6, 7};
  auto row = [&](int c, int i, std::int64_t day, float q, float v) {
    d.log.customer.push_back(static_cast<std::uint32_t>(c));
    d.log.item.push_back(static_cast<std::uint32_t>(i));
    d.log.time.push_back(kT0 + day * kDay);
    d.log.quantity.push_back(q);
    d.log.value.push_back(v);
  };
  for (int c = 0; c < 6; ++c) {
    for (int k = 0; k <= 4; ++k) row(c, 0, 10 * k, 1, 2);
    row(c, 0, 51, 1, 2);
    row(c, 3, 52, 1, 5);
    row(c, 5, 100, 1, 7);
  }
  row(0, 4, 53, 0, 0);
  const auto path = dir / "shop.h5";
  write_dataset(path, d);
  return path;
}

RunConfig shop_config(const std::filesystem::path& input, const std::string& campaign) {
  return parse_config(fmt::format(R"(
[input]
path = "{}"
[model]
factors = 4
iterations = 3
[run]
device = "cpu"
threads = 1
[output]
path = "unused.csv"
{}
)",
                                  input.string(), campaign),
                      "shop.toml");
}

constexpr const char* kCampaign = "[campaign]\nid = \"bt\"\n";

// The shop's campaign "bt" with `sections` ([recipe], [rules]), backtested as of day 50 over
// `horizon` ("30d").
BacktestResult backtest_day_50(const std::string& horizon, const std::string& sections) {
  testing::TempDir dir;
  const RunConfig cfg = shop_config(write_shop(dir), kCampaign + sections);
  return run_backtest(cfg, kT0 + 50 * kDay, parse_horizon_seconds(horizon), Backend::cpu());
}

TEST(Backtest, KnownShopHitsAndRevenue) {
  const BacktestResult r = backtest_day_50("30d", R"(
[recipe]
repeat = 1
model = 1
)");
  EXPECT_EQ(r.train_rows, 30);    // 6 x 5 purchases up to day 50
  EXPECT_EQ(r.horizon_rows, 12);  // i0 and i3 per customer; not the 0-quantity row, not day 100
  EXPECT_EQ(r.list_length, 2);
  ASSERT_EQ(r.variants.size(), 8u);
  EXPECT_EQ(r.slot_model, "ials");
  const BacktestVariant& recipe = r.variants[0];
  EXPECT_EQ(recipe.name, "recipe");
  EXPECT_EQ(recipe.all.customers, 6);
  EXPECT_EQ(recipe.all.active, 6);
  EXPECT_EQ(recipe.all.items, 12);
  EXPECT_EQ(recipe.all.hit_items, 6);  // every repeat slot holds i0, due on day 50
  EXPECT_EQ(recipe.all.hit_customers, 6);
  EXPECT_DOUBLE_EQ(recipe.all.revenue, 42.0);
  EXPECT_DOUBLE_EQ(recipe.all.revenue_captured, 12.0);
  const BacktestCell& repeat = recipe.by_slot[static_cast<int>(Slot::repeat)];
  EXPECT_EQ(repeat.items, 6);
  EXPECT_EQ(repeat.hit_items, 6);
  EXPECT_DOUBLE_EQ(repeat.precision(), 1.0);
  const BacktestCell& model_slot = recipe.by_slot[static_cast<int>(Slot::model)];
  EXPECT_EQ(model_slot.items, 6);
  EXPECT_EQ(model_slot.hit_items, 0);  // the model never saw i3: the horizon is not trained on
  EXPECT_DOUBLE_EQ(model_slot.revenue, 42.0);  // slot shares are over all customers' revenue
  EXPECT_EQ(recipe.treatment.customers, 6);
  EXPECT_EQ(recipe.control.customers, 0);

  const BacktestVariant& model = r.variants[1];
  EXPECT_EQ(model.name, "model");
  EXPECT_EQ(model.all.hit_items, 0);  // i0 is bought and not repurchasable: excluded
  const BacktestVariant& again = r.variants[2];
  EXPECT_EQ(again.name, "buy-again");
  EXPECT_EQ(again.all.items, 6);  // only i0 was bought
  EXPECT_EQ(again.all.hit_items, 6);
  EXPECT_DOUBLE_EQ(again.all.revenue_share(), 12.0 / 42.0);
  const BacktestVariant& knn = r.variants[3];
  EXPECT_EQ(knn.name, "item-knn");
  EXPECT_EQ(knn.all.items, 0);  // one item bought: no co-purchases, no neighbours, no lists
  const BacktestVariant& ease = r.variants[4];
  EXPECT_EQ(ease.name, "ease");
  // Every item is a candidate of EASE's lists (6 items, lists of 2); those with a score are
  // the items i0 reaches, and B from one item has no off-diagonal weight: all score 0.
  EXPECT_EQ(ease.all.items, 12);
  const BacktestVariant& tifu = r.variants[5];
  EXPECT_EQ(tifu.name, "tifu-knn");
  EXPECT_EQ(tifu.all.items, 6);  // everyone bought only i0, so it is all TIFU-KNN can offer
  EXPECT_EQ(tifu.all.hit_items, 6);
  const BacktestVariant& ranker = r.variants[6];
  EXPECT_EQ(ranker.name, "ranker");
  EXPECT_EQ(ranker.all.customers, 6);
  EXPECT_EQ(ranker.all.hit_items, 6);  // i0, the one item bought in its label windows, first
  EXPECT_GT(ranker.fit_seconds, 0.0);
  EXPECT_GT(r.ranker["train_positives"].get<std::int64_t>(), 0);
  EXPECT_FALSE(r.ranker["importances"].empty());
  EXPECT_EQ(r.variants[7].name, "popular");

  const std::string md = r.to_markdown();
  EXPECT_NE(md.find("| recipe | 6 | 6 | 100.0% | 50.0% | 28.6% |"), std::string::npos) << md;
  const auto j = r.to_json();
  EXPECT_EQ(j["variants"][0]["by_slot"]["repeat"]["hit_items"], 6);
}

TEST(Backtest, RepurchasableCategoryLetsTheModelOfferBoughtItems) {
  const BacktestResult r = backtest_day_50("4w", R"(
[recipe]
model = 1
[rules]
repurchasable = ["A"]
)");
  // i0 is everyone's only item, so it has the highest score; repurchasable, it is offered.
  EXPECT_EQ(r.variants[0].all.hit_items, 6);
}

TEST(Backtest, SlotModelFillsTheModelListsAndEaseCanBeLeftOut) {
  // TIFU-KNN scores only i0, everyone's only item: bought, so it needs a repurchasable category.
  const BacktestResult r = backtest_day_50("30d", R"(model = "tifuknn"
[recipe]
model = 1
[rules]
repurchasable = ["A"]
[ease]
max_memory_mb = 0.0001
)");
  EXPECT_EQ(r.slot_model, "tifuknn");
  std::vector<std::string> names;
  for (const auto& v : r.variants) names.push_back(v.name);
  // 6 items need 288 bytes of EASE weights, above the limit of about 104: no ease lists.
  EXPECT_EQ(names, (std::vector<std::string>{"recipe", "model", "buy-again", "item-knn",
                                             "tifu-knn", "ranker", "popular"}));
  EXPECT_EQ(r.variants[0].all.hit_items, 6);
  EXPECT_EQ(r.variants[1].all.hit_items, 6);
  EXPECT_EQ(r.to_json()["slot_model"], "tifuknn");
  EXPECT_NE(r.to_markdown().find("model slots from tifuknn"), std::string::npos);
}

TEST(Backtest, TheRankerCanFillTheModelSlots) {
  const BacktestResult r = backtest_day_50("30d", "model = \"ranker\"\n[recipe]\nmodel = 2\n");
  EXPECT_EQ(r.slot_model, "ranker");
  // Its candidates include bought items, which the rules keep out of model slots (i0 is not
  // repurchasable), so only unbought candidates fill them: the recipe still lists everyone.
  EXPECT_EQ(r.variants[0].all.customers, 6);
  EXPECT_GT(r.variants[0].fit_seconds, 0.0);
}

TEST(Backtest, ItemModelVariantsUseTheConfiguredParameters) {
  const BacktestResult r = backtest_day_50(
      "30d", "model = \"itemknn\"\n[itemknn]\nneighbours = 3\n[ease]\nregularization = 10\n");
  EXPECT_EQ(r.slot_model, "itemknn");
  ASSERT_EQ(r.variants.size(), 8u);
  EXPECT_EQ(r.variants[4].name, "ease");
  // Everyone bought only i0: no co-purchases, no neighbours, and i0 is not repurchasable, so
  // the model lists are empty (popular has nothing unbought to offer either).
  EXPECT_EQ(r.variants[1].all.items, 0);
  const auto j = r.to_json();
  EXPECT_EQ(j["parameters"]["itemknn"]["neighbours"], 3);
  EXPECT_EQ(j["parameters"]["ease"]["lambda"], 10.0);
  EXPECT_EQ(j["parameters"]["tifuknn"]["group_size"], TifuKnnParams{}.group_size);
}

// The backtest of the shop as of day 50 over 30 days, with `campaign` as the config's sections.
BacktestResult shop_backtest(const std::string& campaign) {
  testing::TempDir dir;
  return run_backtest(shop_config(write_shop(dir), campaign), kT0 + 50 * kDay, 30 * kDay,
                      Backend::cpu());
}

TEST(Backtest, ControlGroupGetsItsTableAndZ) {
  const BacktestResult r = shop_backtest(
      "[campaign]\nid = \"bt\"\ncontrol_fraction = 0.5\n[recipe]\nrepeat = 1\nmodel = 1\n");
  const BacktestVariant& recipe = r.variants[0];
  EXPECT_EQ(recipe.treatment.customers + recipe.control.customers, 6);
  EXPECT_GT(recipe.control.customers, 0);
  // Every customer hits in both groups: no difference, z = 0.
  EXPECT_DOUBLE_EQ(r.control_z, 0.0);
  const std::string md = r.to_markdown();
  EXPECT_NE(md.find("Treatment against control"), std::string::npos) << md;
  EXPECT_NE(md.find("z of the hit-rate difference: 0.00"), std::string::npos) << md;
  for (const auto& v : r.variants) EXPECT_EQ(v.control.customers > 0, v.name == "recipe");
}

TEST(Backtest, MarkdownTablesFollowTheResult) {
  BacktestResult r;
  r.as_of = kT0;
  r.horizon_seconds = 7 * kDay;
  r.tier_names = {"high", "low"};
  BacktestVariant recipe;
  recipe.name = "recipe";
  recipe.by_slot.resize(kSlotTypes);
  recipe.by_tier.resize(3);
  recipe.by_tier[0].customers = 4;
  recipe.by_tier[2].customers = 1;  // "none"; "low" has nobody and gets no row
  recipe.all.customers = 5;
  BacktestVariant popular = recipe;
  popular.name = "popular";
  popular.by_slot.clear();
  r.variants = {recipe, popular};
  const std::string md = r.to_markdown();
  EXPECT_NE(md.find("Backtest as of 2023-11-14 (horizon 7 days)"), std::string::npos) << md;
  EXPECT_NE(md.find("| popular | 5 | 0 | 0.0% | 0.0% | 0.0% |"), std::string::npos) << md;
  EXPECT_NE(md.find("| discovery | 0 | 0 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| tier | customers | recipe | popular |"), std::string::npos) << md;
  EXPECT_NE(md.find("| high | 4 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| none | 1 |"), std::string::npos) << md;
  EXPECT_EQ(md.find("| low |"), std::string::npos) << md;
  EXPECT_EQ(md.find("Treatment against control"), std::string::npos) << md;  // no control group
}

TEST(Backtest, RefusesWhatItCannotMeasure) {
  testing::TempDir dir;
  const auto shop = write_shop(dir);
  const RunConfig plain = shop_config(shop, "");
  EXPECT_THROW(run_backtest(plain, kT0 + 50 * kDay, 30 * kDay, Backend::cpu()), InputError);
  const RunConfig cfg = shop_config(shop, kCampaign);
  try {
    run_backtest(cfg, kT0 - 10 * kDay, 30 * kDay, Backend::cpu());
    FAIL() << "a date before all data was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("leaves 0 rows before"), std::string::npos) << e.what();
  }
  // An empty horizon.
  EXPECT_THROW(run_backtest(cfg, kT0 + 200 * kDay, 30 * kDay, Backend::cpu()), InputError);
  EXPECT_EQ(parse_horizon_seconds("30d"), 30 * kDay);
  EXPECT_EQ(parse_horizon_seconds("2w"), 14 * kDay);
  EXPECT_EQ(parse_horizon_seconds("36h"), 36 * 3600);
  EXPECT_EQ(parse_horizon_seconds("7"), 7 * kDay);
  for (const char* bad : {"", "d", "-3d", "30x", "0d", "nand"})
    EXPECT_THROW(parse_horizon_seconds(bad), InputError) << bad;
}

}  // namespace
}  // namespace tailor
