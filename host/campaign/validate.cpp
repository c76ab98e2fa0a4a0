// validate(const CampaignConfig&): the config's own ranges, before it meets the data. One
// function per part of the config; the checks run in the order of the sections.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "host/campaign/campaign.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

void validate_recipe(const Recipe& r, const std::string& where) {
  for (int t = 0; t < kSlotTypes; ++t) {
    const char* name = to_string(static_cast<Slot>(t));
    if (r.count[t] < 0 || r.count[t] > kMaxTopN)
      throw InputError(fmt::format("{}: {} = {}: slot counts must be in 0..{}", where, name,
                                   r.count[t], kMaxTopN));
    if (r.fallback[t] && static_cast<int>(*r.fallback[t]) <= t)
      throw InputError(fmt::format(
          "{}: fallback of {} is {}: a fallback must come later in the order repeat, discovery, "
          "model, popular (or be \"none\")",
          where, name, to_string(*r.fallback[t])));
  }
  if (r.length() < 1 || r.length() > kMaxTopN)
    throw InputError(fmt::format("{}: the recipe holds {} slots; a list needs 1..{}", where,
                                 r.length(), kMaxTopN));
}

// A price bound that is set must be finite and >= 0.
bool bad_price(const std::optional<double>& p) { return p && (!std::isfinite(*p) || *p < 0); }

// [tier.NAME]: the recipe and the price window of each tier.
void validate_tier_rules(const std::map<std::string, TierRules>& tier_rules,
                         const std::string& where) {
  for (const auto& [name, rules] : tier_rules) {
    if (rules.recipe) validate_recipe(*rules.recipe, fmt::format("{} [tier.{}]", where, name));
    for (const auto& [p, key] : {std::pair{&rules.price_min, "price_min"},
                                 std::pair{&rules.price_max, "price_max"}})
      if (bad_price(*p))
        throw InputError(fmt::format("{} [tier.{}]: {} = {} must be a finite price >= 0", where,
                                     name, key, **p));
  }
}

void validate_rules(const CampaignConfig& c, const std::string& where) {
  for (const auto* p : {&c.price_min, &c.price_max})
    if (bad_price(*p))
      throw InputError(fmt::format("{} [rules]: price {} must be a finite price >= 0", where, **p));
  if (c.max_per_category < 0)
    throw InputError(fmt::format("{} [rules]: max_per_category = {} must be >= 0 (0 = no cap)",
                                 where, c.max_per_category));
}

void validate_discovery(const CampaignConfig& c, const std::string& where) {
  if (c.discovery_pool < 1)
    throw InputError(
        fmt::format("{} [discovery]: pool = {} must be >= 1", where, c.discovery_pool));
  if (!std::isfinite(c.discovery_value_weight) || c.discovery_value_weight < 0 ||
      c.discovery_value_weight > 4)
    throw InputError(fmt::format("{} [discovery]: value_weight = {} must be in [0, 4]", where,
                                 c.discovery_value_weight));
}

void validate_tiers(const TierOptions& tiers, const std::string& where) {
  if (tiers.tiers < 1 || tiers.tiers > 10)
    throw InputError(fmt::format("{} [tiers]: count = {} must be in 1..10", where, tiers.tiers));
  if (!tiers.names.empty() && static_cast<int>(tiers.names.size()) != tiers.tiers)
    throw InputError(fmt::format("{} [tiers]: {} names for {} tiers", where, tiers.names.size(),
                                 tiers.tiers));
}

}  // namespace

void validate(const CampaignConfig& c, const std::string& where) {
  if (c.campaign_id.empty()) throw InputError(fmt::format("{}: campaign id is empty", where));
  validate_recipe(c.recipe, where + " [recipe]");
  validate_tier_rules(c.tier_rules, where);
  validate_rules(c, where);
  validate_discovery(c, where);
  if (!(c.control_fraction >= 0.0 && c.control_fraction < 1.0))
    throw InputError(fmt::format("{} [campaign]: control_fraction = {} must be in [0, 1)", where,
                                 c.control_fraction));
  validate_tiers(c.tiers, where);
  validate(c.replenish);
}

}  // namespace tailor
