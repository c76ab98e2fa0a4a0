// Value tiers (recency, frequency, monetary scores per customer) and control-group assignment
// for one-to-one campaigns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/data/dataset.hpp"

namespace tailor {

// Scoring rule for r, f and m, and for the tier: rank-based quantiles on sorted values.
// The n scored values are sorted from worst to best; a value whose first occurrence in that order
// is at 0-based position i gets score 1 + floor(q * i / n) with q = 5 for r, f, m and q = tiers for
// the tier. Equal values therefore get equal scores, the score of the lowest rank among them (ties
// share the lower score). Higher scores are better: the smallest recency in days, the largest
// frequency and the largest monetary value score 5. Only customers with at least one purchase at
// or before `as_of` take part in the ranking.
//
// Combining rule: the tier is a quantile of r + f + m (same rank rule, q = tiers), numbered from
// the best: tier 0 is the highest score sum ("high"), tier tiers - 1 the lowest ("low").
struct TierOptions {
  int tiers = 3;
  // One name per tier, best first. Empty: "tier1" .. "tierN".
  std::vector<std::string> names = {"high", "mid", "low"};
  // When the log has an event column, only rows with this event count as purchases; without an
  // event column every row is a purchase.
  std::string purchase_event = "purchase";
};

inline constexpr int kNoTier = -1;
inline constexpr const char* kNoTierName = "none";

struct Rfm {
  double recency_days = 0.0;     // (as_of - last purchase time) / 86400; +inf without purchases
  std::int64_t frequency = 0;    // distinct purchase times (visits)
  double monetary = 0.0;         // sum of value, or of quantity without value, or of rows
  int r = 0, f = 0, m = 0;       // scores 1..5 (5 best); 0 without purchases
  int tier = kNoTier;            // 0 = best; kNoTier without purchases
  std::string tier_name = kNoTierName;
};

// One entry per customer of `data` (same order as data.customer_ids). Rows with time > as_of are
// ignored. Deterministic: depends only on the data, as_of and the options. Throws InputError for
// bad options or a log without a time column.
std::vector<Rfm> rfm_scores(const Dataset& data, std::int64_t as_of, const TierOptions& options);

// The steps of rfm_scores, each with its own rule.

// The event index that counts as a purchase: -1 when the log has no event column (every row is a
// purchase). InputError when it has one without `purchase_event`.
int purchase_event_index(const Dataset& data, const std::string& purchase_event);

// Per customer of `data`, the purchases at or before `as_of`: the rows of event `purchase`
// (every row for -1).
struct Purchases {
  std::vector<double> monetary;      // sum of value, else of quantity, else of rows
  std::vector<std::int64_t> last;    // unix seconds of the latest purchase; INT64_MIN without
  std::vector<std::int64_t> visits;  // distinct purchase times
};
Purchases purchases_until(const Dataset& data, std::int64_t as_of, int purchase);

// Recency in days to `as_of`, frequency = visits, monetary, and their scores and tier by the rank
// rule above, among the customers with at least one visit; the others keep no tier.
std::vector<Rfm> rfm_from(const Purchases& purchases, std::int64_t as_of,
                          const TierOptions& options);

// Control groups. The hash is XXH3_64bits over the bytes customer_id + '\0' + campaign_id, mapped
// to [0, 1) by its top 53 bits. It is stable across runs, machines and versions of tailor; changing
// the hash or how its input is built changes every assignment (and breaks comparisons with
// campaigns already sent), so treat it as part of the output format.
double control_hash_unit(std::string_view customer_id, std::string_view campaign_id);

// Unstratified: true when the customer's hash unit is below `fraction` (in [0, 1), else
// InputError). The share in control is binomial around `fraction`.
bool in_control(std::string_view customer_id, std::string_view campaign_id, double fraction);

// Stratified by tier: within each tier value (kNoTier is a stratum like the others), customers are
// ordered by (hash, customer id) and exactly round(fraction * stratum size) (halves rounded away
// from zero) of the lowest are put in control (1), the rest are treatment (0). The result for a
// customer does not depend on the order of the input. Throws InputError when fraction is outside
// [0, 1) or the two vectors differ in length.
std::vector<std::uint8_t> assign_control(const std::vector<std::string>& customer_ids,
                                         const std::vector<int>& tier,
                                         std::string_view campaign_id, double fraction);

}  // namespace tailor
