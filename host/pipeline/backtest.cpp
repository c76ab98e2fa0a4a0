#include "host/pipeline/backtest.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/eval/baselines.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/run.hpp"
#include "host/train/train.hpp"

namespace tailor {
namespace {

double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

std::uint64_t pair_key(std::uint32_t c, std::uint32_t i) {
  return (static_cast<std::uint64_t>(c) << 32) | i;
}

// What each customer bought in the horizon.
struct Horizon {
  std::unordered_map<std::uint64_t, double> pair_revenue;  // (customer, item) -> revenue
  std::vector<double> customer_revenue;
  std::vector<std::uint8_t> active;
};

// One list to score: its items with their slot (or -1 for baselines).
struct ScoredList {
  std::uint32_t customer;
  int tier;
  bool control;
  std::vector<std::pair<std::uint32_t, int>> items;
};

void add_list(BacktestCell& cell, const ScoredList& l, const Horizon& h, int slot_filter) {
  std::int64_t items = 0, hits = 0;
  double captured = 0.0;
  for (const auto& [item, slot] : l.items) {
    if (slot_filter >= 0 && slot != slot_filter) continue;
    ++items;
    auto it = h.pair_revenue.find(pair_key(l.customer, item));
    if (it != h.pair_revenue.end()) {
      ++hits;
      captured += it->second;
    }
  }
  if (slot_filter >= 0 && items == 0) {
    // Slot cells count customers with the slot, but revenue is over all listed customers so
    // that the slots' shares add up to the list's.
    cell.revenue += h.customer_revenue[l.customer];
    return;
  }
  cell.customers += 1;
  cell.active += h.active[l.customer];
  cell.items += items;
  cell.hit_items += hits;
  cell.hit_customers += hits > 0;
  cell.revenue += h.customer_revenue[l.customer];
  cell.revenue_captured += captured;
}

BacktestVariant score_variant(const std::string& name, const std::vector<ScoredList>& lists,
                              const Horizon& h, std::size_t tiers, bool slots, bool groups) {
  BacktestVariant v;
  v.name = name;
  v.by_tier.resize(tiers + 1);
  if (slots) v.by_slot.resize(kSlotTypes);
  for (const ScoredList& l : lists) {
    add_list(v.all, l, h, -1);
    add_list(v.by_tier[l.tier == kNoTier ? tiers : static_cast<std::size_t>(l.tier)], l, h, -1);
    if (slots)
      for (int t = 0; t < kSlotTypes; ++t) add_list(v.by_slot[static_cast<std::size_t>(t)], l, h, t);
    if (groups) add_list(l.control ? v.control : v.treatment, l, h, -1);
  }
  return v;
}

std::vector<ScoredList> from_campaign(const Campaign& c, const Csr& history) {
  std::vector<ScoredList> out;
  for (const CustomerList& l : c.lists) {
    if (history.indptr[l.customer + 1] == history.indptr[l.customer]) continue;  // no history
    ScoredList s{l.customer, l.tier, l.control, {}};
    for (const auto& e : l.items) s.items.push_back({e.item, static_cast<int>(e.slot)});
    out.push_back(std::move(s));
  }
  return out;
}

std::string pct(double x) { return fmt::format("{:.1f}%", 100.0 * x); }

}  // namespace


double BacktestCell::hit_rate() const {
  return ratio(static_cast<double>(hit_customers), static_cast<double>(customers));
}
double BacktestCell::precision() const {
  return ratio(static_cast<double>(hit_items), static_cast<double>(items));
}
double BacktestCell::revenue_share() const { return ratio(revenue_captured, revenue); }

nlohmann::json BacktestCell::to_json() const {
  return {{"customers", customers},       {"active_customers", active},
          {"items", items},               {"hit_items", hit_items},
          {"hit_customers", hit_customers}, {"hit_rate", hit_rate()},
          {"precision", precision()},     {"revenue", revenue},
          {"revenue_captured", revenue_captured}, {"revenue_share", revenue_share()}};
}

nlohmann::json BacktestResult::to_json() const {
  nlohmann::json vs = nlohmann::json::array();
  for (const auto& v : variants) {
    nlohmann::json j = {{"name", v.name}, {"all", v.all.to_json()}};
    if (!v.by_slot.empty()) {
      for (int t = 0; t < kSlotTypes; ++t)
        j["by_slot"][to_string(static_cast<Slot>(t))] = v.by_slot[static_cast<std::size_t>(t)].to_json();
    }
    for (std::size_t t = 0; t < v.by_tier.size(); ++t)
      j["by_tier"][t < tier_names.size() ? tier_names[t] : std::string(kNoTierName)] =
          v.by_tier[t].to_json();
    if (v.treatment.customers + v.control.customers > 0) {
      j["treatment"] = v.treatment.to_json();
      j["control"] = v.control.to_json();
    }
    vs.push_back(j);
  }
  return {{"as_of", utc_date(as_of)},
          {"as_of_time", as_of},
          {"horizon_days", static_cast<double>(horizon_seconds) / 86400.0},
          {"train_rows", train_rows},
          {"horizon_purchase_rows", horizon_rows},
          {"list_length", list_length},
          {"variants", vs},
          {"control_z", control_z}};
}

std::string BacktestResult::to_markdown() const {
  std::string s = fmt::format(
      "Backtest as of {} (horizon {:.0f} days): {} training rows, {} purchase rows in the "
      "horizon, lists of {}.\n\n",
      utc_date(as_of), static_cast<double>(horizon_seconds) / 86400.0, train_rows, horizon_rows,
      list_length);
  s += "| lists | customers | active in horizon | hit rate | precision | revenue captured |\n";
  s += "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& v : variants)
    s += fmt::format("| {} | {} | {} | {} | {} | {} |\n", v.name, v.all.customers, v.all.active,
                     pct(v.all.hit_rate()), pct(v.all.precision()), pct(v.all.revenue_share()));
  for (const auto& v : variants) {
    if (v.by_slot.empty() || v.name != "recipe") continue;
    s += "\nRecipe by slot (revenue captured is a share of all listed customers' horizon revenue):\n\n";
    s += "| slot | customers with the slot | items | hits | precision | hit rate | revenue captured |\n";
    s += "|---|---:|---:|---:|---:|---:|---:|\n";
    for (int t = 0; t < kSlotTypes; ++t) {
      const BacktestCell& c = v.by_slot[static_cast<std::size_t>(t)];
      s += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", to_string(static_cast<Slot>(t)),
                       c.customers, c.items, c.hit_items, pct(c.precision()), pct(c.hit_rate()),
                       pct(c.revenue_share()));
    }
  }
  s += "\nBy value tier (hit rate / revenue captured):\n\n| tier | customers |";
  for (const auto& v : variants) s += " " + v.name + " |";
  s += "\n|---|---:|";
  for (std::size_t k = 0; k < variants.size(); ++k) s += "---:|";
  s += "\n";
  const std::size_t tiers = variants.empty() ? 0 : variants[0].by_tier.size();
  for (std::size_t t = 0; t < tiers; ++t) {
    if (variants[0].by_tier[t].customers == 0) continue;
    s += fmt::format("| {} | {} |", t < tier_names.size() ? tier_names[t] : kNoTierName,
                     variants[0].by_tier[t].customers);
    for (const auto& v : variants)
      s += fmt::format(" {} / {} |", pct(v.by_tier[t].hit_rate()), pct(v.by_tier[t].revenue_share()));
    s += "\n";
  }
  for (const auto& v : variants) {
    if (v.name != "recipe" || v.control.customers == 0) continue;
    s += "\nTreatment against control (recipe; nothing was sent, so an A/A check of the split):\n\n";
    s += "| group | customers | hit rate | revenue captured |\n|---|---:|---:|---:|\n";
    s += fmt::format("| treatment | {} | {} | {} |\n", v.treatment.customers,
                     pct(v.treatment.hit_rate()), pct(v.treatment.revenue_share()));
    s += fmt::format("| control | {} | {} | {} |\n", v.control.customers,
                     pct(v.control.hit_rate()), pct(v.control.revenue_share()));
    s += fmt::format("\nz of the hit-rate difference: {:.2f}\n", control_z);
  }
  return s;
}

BacktestResult run_backtest(const RunConfig& config, std::int64_t as_of,
                            std::int64_t horizon_seconds, const Backend& backend) {
  if (!config.campaign)
    throw InputError(fmt::format("{}: backtest needs a campaign config (a [campaign] section)",
                                 config.source.string()));
  if (horizon_seconds <= 0) throw InputError("--horizon must be positive");
  // The whole file's log only: the matrices are built from the rows before the date below.
  LoadOptions load_options;
  load_options.threads = resolve_threads(config.threads);
  const Dataset d = load_dataset(config.input, load_options);
  const InteractionLog& log = d.log;
  const std::string file = d.path.string();
  if (log.time.empty())
    throw InputError(fmt::format("{}: /interactions/time is missing; a backtest needs times", file));

  // Purchases in the horizon (the tiers' purchase event, positive quantities).
  int purchase_event = -1;
  if (!log.event.empty()) {
    purchase_event = d.event_index(config.campaign->tiers.purchase_event);
  }
  BacktestResult res;
  res.as_of = as_of;
  res.horizon_seconds = horizon_seconds;
  LoadedInput train;
  train.path = config.input;
  train.data.path = d.path;
  train.data.format_version = d.format_version;
  train.data.customer_ids = d.customer_ids;
  train.data.item_ids = d.item_ids;
  train.data.event_names = d.event_names;
  train.data.item_meta = d.item_meta;
  train.data.customer_meta = d.customer_meta;
  Horizon h;
  h.customer_revenue.assign(d.customer_ids.size(), 0.0);
  h.active.assign(d.customer_ids.size(), 0);
  const auto end = as_of + horizon_seconds;
  InteractionLog& tl = train.data.log;
  for (std::int64_t r = 0; r < log.size(); ++r) {
    const std::int64_t t = log.time[r];
    if (t <= as_of) {
      tl.customer.push_back(log.customer[r]);
      tl.item.push_back(log.item[r]);
      tl.time.push_back(t);
      if (!log.quantity.empty()) tl.quantity.push_back(log.quantity[r]);
      if (!log.value.empty()) tl.value.push_back(log.value[r]);
      if (!log.event.empty()) tl.event.push_back(log.event[r]);
    } else if (t <= end) {
      if (purchase_event >= 0 && log.event[r] != purchase_event) continue;
      if (!log.quantity.empty() && !(log.quantity[r] > 0)) continue;
      const double revenue = !log.value.empty()    ? log.value[r]
                             : !log.quantity.empty() ? log.quantity[r]
                                                     : 1.0;
      ++res.horizon_rows;
      h.pair_revenue[pair_key(log.customer[r], log.item[r])] += revenue;
      h.customer_revenue[log.customer[r]] += revenue;
      h.active[log.customer[r]] = 1;
    }
  }
  res.train_rows = tl.size();
  const auto [tmin, tmax] = std::minmax_element(log.time.begin(), log.time.end());
  if (res.train_rows == 0 || res.horizon_rows == 0)
    throw InputError(fmt::format(
        "{}: --as-of {} leaves {} rows before and {} purchase rows in the horizon; the data runs "
        "from {} to {}",
        file, utc_date(as_of), res.train_rows, res.horizon_rows, utc_date(*tmin), utc_date(*tmax)));
  const std::vector<bool> keep = interaction_rows(train.data, *config.campaign);
  train.matrices = build_matrices(train.data, config.threads, keep.empty() ? nullptr : &keep);
  spdlog::info("backtest: as of {}: {} training rows, {} purchase rows in the next {:.0f} days",
               utc_date(as_of), res.train_rows, res.horizon_rows,
               static_cast<double>(horizon_seconds) / 86400.0);

  TrainOptions topts;
  topts.ials = config.ials;
  topts.report_objective = false;
  topts.log_epochs = false;
  Model model = train_model(train, topts, backend);

  CampaignConfig cc = *config.campaign;
  cc.campaign_time = as_of;
  const Campaign recipe = build_campaign(model, train.data, train.matrices, cc, backend);
  res.tier_names = recipe.tier_names;
  res.list_length = recipe.list_length;
  const std::size_t tiers = recipe.tier_names.size();
  const Csr& history = train.matrices.customer_items;
  const auto recipe_lists = from_campaign(recipe, history);
  res.variants.push_back(score_variant("recipe", recipe_lists, h, tiers, true, true));

  // The same rules with one slot type for the whole list.
  auto single = [&](Slot slot, const char* name) {
    CampaignConfig v = cc;
    v.recipe = Recipe{};
    for (int t = 0; t < kSlotTypes; ++t) v.recipe.count[t] = 0;
    v.recipe.count[static_cast<int>(slot)] = recipe.list_length;
    for (auto& [tier, rules] : v.tier_rules) rules.recipe.reset();
    const Campaign c = build_campaign(model, train.data, train.matrices, v, backend);
    res.variants.push_back(score_variant(name, from_campaign(c, history), h, tiers, false, false));
  };
  single(Slot::model, "model");

  // Buy-again: the customer's most bought items, no rules (the usual baseline).
  std::vector<std::uint32_t> customers;
  for (const auto& l : recipe_lists) customers.push_back(l.customer);
  const std::vector<bool> all_rows(static_cast<std::size_t>(tl.size()), true);
  const TopNResult again = buy_again_lists(train.data, all_rows, customers, nullptr, recipe.list_length);
  std::vector<ScoredList> again_lists;
  for (std::size_t k = 0; k < customers.size(); ++k) {
    ScoredList s{customers[k], recipe_lists[k].tier, recipe_lists[k].control, {}};
    for (auto j = again.offsets[k]; j < again.offsets[k + 1]; ++j) s.items.push_back({again.items[j], -1});
    again_lists.push_back(std::move(s));
  }
  res.variants.push_back(score_variant("buy-again", again_lists, h, tiers, false, false));
  single(Slot::popular, "popular");

  const BacktestVariant& rv = res.variants[0];
  const double n1 = static_cast<double>(rv.treatment.customers);
  const double n2 = static_cast<double>(rv.control.customers);
  if (n1 > 0 && n2 > 0) {
    const double p = ratio(static_cast<double>(rv.treatment.hit_customers + rv.control.hit_customers), n1 + n2);
    const double se = std::sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
    res.control_z = se > 0 ? (rv.treatment.hit_rate() - rv.control.hit_rate()) / se : 0.0;
  }
  return res;
}

}  // namespace tailor
