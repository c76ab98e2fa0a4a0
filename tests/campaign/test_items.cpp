// The item rules and the model's items as every list sees them: availability, include and
// exclude lists, repurchasable categories, factors in data order, popularity.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "host/campaign/items.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

Dataset catalogue() {
  Dataset d;
  d.path = "shop.h5";
  d.customer_ids = {"u0", "u1", "u2"};
  d.item_ids = {"a", "b", "c", "d"};
  d.item_meta.category_names = {"TEA", "MUG"};
  d.item_meta.category = {0, 1, kNoCategory, 1};
  return d;
}

using Flags = std::vector<std::uint8_t>;

TEST(CampaignItems, AvailabilityIncludeAndExclude) {
  Dataset d = catalogue();
  CampaignConfig cfg;
  EXPECT_EQ(allowed_items(d, cfg), (Flags{1, 1, 1, 1}));
  d.item_meta.available = {1, 0, 1, 1};
  EXPECT_EQ(allowed_items(d, cfg), (Flags{1, 0, 1, 1}));
  cfg.exclude_items = {"c", "zzz"};  // unknown ids are not an error
  EXPECT_EQ(allowed_items(d, cfg), (Flags{1, 0, 0, 1}));
  cfg.include_items = {"b", "c", "d", "nope"};
  EXPECT_EQ(allowed_items(d, cfg), (Flags{0, 0, 0, 1}));  // b sold out, c excluded
}

TEST(CampaignItems, RepurchasableCategories) {
  const Dataset d = catalogue();
  EXPECT_TRUE(repurchasable_categories(d, {}).empty());
  EXPECT_EQ(repurchasable_categories(d, {"MUG"}), (Flags{0, 1}));
  EXPECT_EQ(repurchasable_categories(d, {"*"}), (Flags{1, 1}));
  try {
    (void)repurchasable_categories(d, {"MUG", "CAKE"});
    FAIL() << "an unknown category was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("shop.h5 has no category \"CAKE\""), std::string::npos)
        << e.what();
  }
  CampaignItems items;
  items.meta = &d.item_meta;
  EXPECT_FALSE(items.is_repurchasable(1));  // no category is
  items.repurchasable = {0, 1};
  EXPECT_FALSE(items.is_repurchasable(0));
  EXPECT_TRUE(items.is_repurchasable(1));
  EXPECT_FALSE(items.is_repurchasable(2));  // no category: never
}

TEST(CampaignItems, FactorsAreInDataOrderMatchedById) {
  const Dataset d = catalogue();
  Model model;
  model.params.factors = 2;
  model.item_ids = {"d", "zz", "a"};  // another order; "b" and "c" unknown to the model
  model.item_factors = {3, 4, 9, 9, 0, 0};
  const ItemFactors f = item_factors(model, d);
  ASSERT_EQ(f.rows.size(), 4u);
  EXPECT_EQ(f.k, 2);
  EXPECT_EQ(f.rows[0], model.item_factors.data() + 4);
  EXPECT_EQ(f.rows[1], nullptr);
  EXPECT_EQ(f.rows[2], nullptr);
  EXPECT_EQ(f.rows[3], model.item_factors.data());
  EXPECT_FLOAT_EQ(f.norms[3], 5.0f);
  EXPECT_FLOAT_EQ(f.norms[0], 0.0f);
  EXPECT_FLOAT_EQ(f.norms[1], 0.0f);
}

TEST(CampaignItems, PopularityIsDistinctCustomersPerItem) {
  Dataset d = catalogue();
  // u0 buys a twice, u1 a and d, u2 nothing.
  d.log.customer = {0, 0, 1, 1};
  d.log.item = {0, 0, 0, 3};
  const InteractionMatrices m = build_matrices(d, 1);
  EXPECT_EQ(item_popularity(m.item_customers), (std::vector<std::int64_t>{2, 0, 0, 1}));
}

}  // namespace
}  // namespace tailor
