// validate(CampaignConfig): one test per part of the config, each naming its section and key.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "host/campaign/campaign.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

std::string error_of(const CampaignConfig& c) {
  try {
    validate(c, "c.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CampaignValidate, TheDefaultsAreValid) { EXPECT_EQ(error_of(CampaignConfig{}), ""); }

TEST(CampaignValidate, Recipe) {
  CampaignConfig c;
  c.recipe.count[0] = -1;
  EXPECT_EQ(error_of(c), "c.toml [recipe]: repeat = -1: slot counts must be in 0..1000");
  c = CampaignConfig{};
  c.recipe.fallback[2] = Slot::discovery;
  EXPECT_NE(error_of(c).find("c.toml [recipe]: fallback of model is discovery"), std::string::npos);
  c = CampaignConfig{};
  c.recipe.count[2] = 0;
  EXPECT_EQ(error_of(c), "c.toml [recipe]: the recipe holds 0 slots; a list needs 1..1000");
  c.recipe.count[2] = 600;
  c.recipe.count[3] = 600;
  EXPECT_NE(error_of(c).find("holds 1200 slots"), std::string::npos);
}

TEST(CampaignValidate, TierRules) {
  CampaignConfig c;
  c.tier_rules["low"].price_max = -1.0;
  EXPECT_EQ(error_of(c), "c.toml [tier.low]: price_max = -1 must be a finite price >= 0");
  c.tier_rules["low"].price_max = 5.0;
  c.tier_rules["low"].price_min = INFINITY;
  EXPECT_NE(error_of(c).find("[tier.low]: price_min = inf"), std::string::npos);
  c.tier_rules["low"].price_min.reset();
  Recipe empty;
  empty.count[2] = 0;
  c.tier_rules["low"].recipe = empty;
  EXPECT_NE(error_of(c).find("c.toml [tier.low]: the recipe holds 0 slots"), std::string::npos);
}

TEST(CampaignValidate, Rules) {
  CampaignConfig c;
  c.price_min = NAN;
  EXPECT_EQ(error_of(c), "c.toml [rules]: price nan must be a finite price >= 0");
  c = CampaignConfig{};
  c.max_per_category = -2;
  EXPECT_EQ(error_of(c), "c.toml [rules]: max_per_category = -2 must be >= 0 (0 = no cap)");
}

TEST(CampaignValidate, Discovery) {
  CampaignConfig c;
  c.discovery_pool = 0;
  EXPECT_EQ(error_of(c), "c.toml [discovery]: pool = 0 must be >= 1");
  c = CampaignConfig{};
  c.discovery_value_weight = 4.5;
  EXPECT_EQ(error_of(c), "c.toml [discovery]: value_weight = 4.5 must be in [0, 4]");
}

TEST(CampaignValidate, CampaignAndTiers) {
  CampaignConfig c;
  c.campaign_id.clear();
  EXPECT_EQ(error_of(c), "c.toml: campaign id is empty");
  c = CampaignConfig{};
  c.control_fraction = 1.0;
  EXPECT_EQ(error_of(c), "c.toml [campaign]: control_fraction = 1 must be in [0, 1)");
  c = CampaignConfig{};
  c.tiers.tiers = 11;
  c.tiers.names.clear();
  EXPECT_EQ(error_of(c), "c.toml [tiers]: count = 11 must be in 1..10");
  c.tiers.tiers = 2;
  c.tiers.names = {"a", "b", "c"};
  EXPECT_EQ(error_of(c), "c.toml [tiers]: 3 names for 2 tiers");
}

TEST(CampaignValidate, SectionsAreCheckedInOrder) {
  CampaignConfig c;  // two mistakes: the recipe's is reported, as before the rules'
  c.recipe.count[2] = 0;
  c.max_per_category = -1;
  EXPECT_NE(error_of(c).find("[recipe]"), std::string::npos);
}

}  // namespace
}  // namespace tailor
