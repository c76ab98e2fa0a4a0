#include "host/campaign/tiers.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <utility>

#include "host/core/error.hpp"

namespace tailor {

namespace {

// Scores 1..q for `values` (higher value = better), by the rank rule in tiers.hpp.
std::vector<int> quantile_scores(const std::vector<double>& values, int q) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<int> score(n, 0);
  std::size_t first = 0;  // position of the first occurrence of the current value
  for (std::size_t pos = 0; pos < n; ++pos) {
    if (pos > 0 && values[order[pos]] != values[order[pos - 1]]) first = pos;
    score[order[pos]] =
        1 + static_cast<int>((static_cast<std::uint64_t>(q) * first) / static_cast<std::uint64_t>(n));
  }
  return score;
}

std::uint64_t control_hash(std::string_view customer_id, std::string_view campaign_id) {
  std::string key;
  key.reserve(customer_id.size() + 1 + campaign_id.size());
  key.append(customer_id);
  key.push_back('\0');
  key.append(campaign_id);
  return XXH3_64bits(key.data(), key.size());
}

double unit_of(std::uint64_t h) {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

void check_fraction(double fraction) {
  if (!(fraction >= 0.0 && fraction < 1.0))
    throw InputError(fmt::format("control fraction {} is out of range: it must be in [0, 1)",
                                 fraction));
}

// The options rfm_scores takes, and the time column it needs.
void check_tier_options(const Dataset& data, const TierOptions& options) {
  if (options.tiers < 1 || options.tiers > 100)
    throw InputError(
        fmt::format("tiers = {} is out of range: it must be in 1..100", options.tiers));
  if (!options.names.empty() && static_cast<int>(options.names.size()) != options.tiers)
    throw InputError(fmt::format("{} tier names given for {} tiers: give one name per tier or none",
                                 options.names.size(), options.tiers));
  const auto rows = static_cast<std::size_t>(data.log.size());
  if (rows > 0 && data.log.time.size() != rows)
    throw InputError(fmt::format("{}: value tiers need the /interactions/time column",
                                 data.path.string()));
}

}  // namespace

int purchase_event_index(const Dataset& data, const std::string& purchase_event) {
  if (data.log.event.empty()) return -1;
  const int purchase = data.event_index(purchase_event);
  if (purchase < 0)
    throw InputError(fmt::format(
        "{}: /events/name has no event \"{}\" (the purchase event for value tiers)",
        data.path.string(), purchase_event));
  return purchase;
}

Purchases purchases_until(const Dataset& data, std::int64_t as_of, int purchase) {
  const InteractionLog& log = data.log;
  const auto rows = static_cast<std::size_t>(log.size());
  const bool has_value = !log.value.empty();
  const bool has_quantity = !log.quantity.empty();
  const auto customers = static_cast<std::size_t>(data.customers());
  Purchases p;
  p.monetary.assign(customers, 0.0);
  p.last.assign(customers, std::numeric_limits<std::int64_t>::min());
  p.visits.assign(customers, 0);
  std::vector<std::pair<std::uint32_t, std::int64_t>> visits;
  visits.reserve(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    if (log.time[i] > as_of) continue;
    if (purchase >= 0 && log.event[i] != purchase) continue;
    const std::uint32_t c = log.customer[i];
    p.monetary[c] += has_value ? static_cast<double>(log.value[i])
                     : has_quantity ? static_cast<double>(log.quantity[i])
                                    : 1.0;
    p.last[c] = std::max(p.last[c], log.time[i]);
    visits.emplace_back(c, log.time[i]);
  }
  std::sort(visits.begin(), visits.end());
  visits.erase(std::unique(visits.begin(), visits.end()), visits.end());
  for (const auto& v : visits) ++p.visits[v.first];
  return p;
}

std::vector<Rfm> rfm_from(const Purchases& p, std::int64_t as_of, const TierOptions& options) {
  const std::size_t customers = p.visits.size();
  std::vector<Rfm> out(customers);
  for (std::size_t c = 0; c < customers; ++c) {
    out[c].recency_days = std::numeric_limits<double>::infinity();
    out[c].frequency = p.visits[c];
    out[c].monetary = p.monetary[c];
  }
  // Rank only the customers with purchases.
  std::vector<std::size_t> active;
  for (std::size_t c = 0; c < customers; ++c)
    if (out[c].frequency > 0) active.push_back(c);
  std::vector<double> rv, fv, mv;
  rv.reserve(active.size());
  fv.reserve(active.size());
  mv.reserve(active.size());
  for (auto c : active) {
    out[c].recency_days = static_cast<double>(as_of - p.last[c]) / 86400.0;
    rv.push_back(-out[c].recency_days);  // fewer days is better
    fv.push_back(static_cast<double>(out[c].frequency));
    mv.push_back(out[c].monetary);
  }
  const auto r = quantile_scores(rv, 5);
  const auto f = quantile_scores(fv, 5);
  const auto m = quantile_scores(mv, 5);
  std::vector<double> sum(active.size());
  for (std::size_t k = 0; k < active.size(); ++k) sum[k] = r[k] + f[k] + m[k];
  const auto t = quantile_scores(sum, options.tiers);
  for (std::size_t k = 0; k < active.size(); ++k) {
    Rfm& x = out[active[k]];
    x.r = r[k];
    x.f = f[k];
    x.m = m[k];
    x.tier = options.tiers - t[k];
    x.tier_name = options.names.empty() ? fmt::format("tier{}", x.tier + 1)
                                        : options.names[static_cast<std::size_t>(x.tier)];
  }
  return out;
}

std::vector<Rfm> rfm_scores(const Dataset& data, std::int64_t as_of, const TierOptions& options) {
  check_tier_options(data, options);
  const int purchase = purchase_event_index(data, options.purchase_event);
  return rfm_from(purchases_until(data, as_of, purchase), as_of, options);
}

double control_hash_unit(std::string_view customer_id, std::string_view campaign_id) {
  return unit_of(control_hash(customer_id, campaign_id));
}

bool in_control(std::string_view customer_id, std::string_view campaign_id, double fraction) {
  check_fraction(fraction);
  return control_hash_unit(customer_id, campaign_id) < fraction;
}

std::vector<std::uint8_t> assign_control(const std::vector<std::string>& customer_ids,
                                         const std::vector<int>& tier,
                                         std::string_view campaign_id, double fraction) {
  check_fraction(fraction);
  if (customer_ids.size() != tier.size())
    throw InputError(fmt::format("{} customer ids but {} tiers: one tier per customer is needed",
                                 customer_ids.size(), tier.size()));
  std::vector<std::uint64_t> hash(customer_ids.size());
  std::map<int, std::vector<std::size_t>> strata;
  for (std::size_t i = 0; i < customer_ids.size(); ++i) {
    hash[i] = control_hash(customer_ids[i], campaign_id);
    strata[tier[i]].push_back(i);
  }
  std::vector<std::uint8_t> control(customer_ids.size(), 0);
  for (auto& stratum : strata) {
    auto& members = stratum.second;
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      if (hash[a] != hash[b]) return hash[a] < hash[b];
      return customer_ids[a] < customer_ids[b];
    });
    const auto k = static_cast<std::size_t>(
        std::llround(fraction * static_cast<double>(members.size())));
    for (std::size_t j = 0; j < k && j < members.size(); ++j) control[members[j]] = 1;
  }
  return control;
}

}  // namespace tailor
