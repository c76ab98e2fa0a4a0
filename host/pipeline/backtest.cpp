#include "host/pipeline/backtest.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_map>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/data/csr.hpp"
#include "host/eval/baselines.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/run.hpp"
#include "host/train/item_models.hpp"
#include "host/train/tifuknn.hpp"
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

namespace {

// The opening line and the four variants overall.
std::string overview_table(const BacktestResult& r) {
  std::string s = fmt::format(
      "Backtest as of {} (horizon {:.0f} days): {} training rows, {} purchase rows in the "
      "horizon, lists of {}.\n\n",
      utc_date(r.as_of), static_cast<double>(r.horizon_seconds) / 86400.0, r.train_rows,
      r.horizon_rows, r.list_length);
  s += "| lists | customers | active in horizon | hit rate | precision | revenue captured |\n";
  s += "|---|---:|---:|---:|---:|---:|\n";
  for (const auto& v : r.variants)
    s += fmt::format("| {} | {} | {} | {} | {} | {} |\n", v.name, v.all.customers, v.all.active,
                     pct(v.all.hit_rate()), pct(v.all.precision()), pct(v.all.revenue_share()));
  return s;
}

std::string slot_table(const BacktestVariant& v) {
  std::string s =
      "\nRecipe by slot (revenue captured is a share of all listed customers' horizon "
      "revenue):\n\n";
  s += "| slot | customers with the slot | items | hits | precision | hit rate | "
       "revenue captured |\n";
  s += "|---|---:|---:|---:|---:|---:|---:|\n";
  for (int t = 0; t < kSlotTypes; ++t) {
    const BacktestCell& c = v.by_slot[static_cast<std::size_t>(t)];
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", to_string(static_cast<Slot>(t)),
                     c.customers, c.items, c.hit_items, pct(c.precision()), pct(c.hit_rate()),
                     pct(c.revenue_share()));
  }
  return s;
}

// One row per tier with customers (in the first variant), one column per variant.
std::string tier_table(const BacktestResult& r) {
  const std::vector<BacktestVariant>& variants = r.variants;
  std::string s = "\nBy value tier (hit rate / revenue captured):\n\n| tier | customers |";
  for (const auto& v : variants) s += " " + v.name + " |";
  s += "\n|---|---:|";
  for (std::size_t k = 0; k < variants.size(); ++k) s += "---:|";
  s += "\n";
  const std::size_t tiers = variants.empty() ? 0 : variants[0].by_tier.size();
  for (std::size_t t = 0; t < tiers; ++t) {
    if (variants[0].by_tier[t].customers == 0) continue;
    s += fmt::format("| {} | {} |", t < r.tier_names.size() ? r.tier_names[t] : kNoTierName,
                     variants[0].by_tier[t].customers);
    for (const auto& v : variants)
      s += fmt::format(" {} / {} |", pct(v.by_tier[t].hit_rate()),
                       pct(v.by_tier[t].revenue_share()));
    s += "\n";
  }
  return s;
}

std::string control_table(const BacktestVariant& v, double control_z) {
  std::string s =
      "\nTreatment against control (recipe; nothing was sent, so an A/A check of the split):\n\n";
  s += "| group | customers | hit rate | revenue captured |\n|---|---:|---:|---:|\n";
  s += fmt::format("| treatment | {} | {} | {} |\n", v.treatment.customers,
                   pct(v.treatment.hit_rate()), pct(v.treatment.revenue_share()));
  s += fmt::format("| control | {} | {} | {} |\n", v.control.customers, pct(v.control.hit_rate()),
                   pct(v.control.revenue_share()));
  s += fmt::format("\nz of the hit-rate difference: {:.2f}\n", control_z);
  return s;
}

}  // namespace

std::string BacktestResult::to_markdown() const {
  std::string s = overview_table(*this);
  for (const auto& v : variants)
    if (!v.by_slot.empty() && v.name == "recipe") s += slot_table(v);
  s += tier_table(*this);
  for (const auto& v : variants)
    if (v.name == "recipe" && v.control.customers > 0) s += control_table(v, control_z);
  return s;
}

namespace {

// The whole file's log only: the matrices are built from the rows before the date.
Dataset load_for_backtest(const RunConfig& config) {
  LoadOptions load_options;
  load_options.threads = resolve_threads(config.threads);
  Dataset d = load_dataset(config.input, load_options);
  if (d.log.time.empty())
    throw InputError(fmt::format("{}: /interactions/time is missing; a backtest needs times",
                                 d.path.string()));
  return d;
}

// The rows at or before the date, as a data set with the same ids and metadata, and what the
// customers bought in the horizon after it.
struct Cut {
  LoadedInput train;
  Horizon horizon;
  std::int64_t horizon_rows = 0;  // purchase rows in (as_of, end]
};

// The data's ids and metadata without any rows.
LoadedInput train_shell(const RunConfig& config, const Dataset& d) {
  LoadedInput train;
  train.path = config.input;
  train.data.path = d.path;
  train.data.format_version = d.format_version;
  train.data.customer_ids = d.customer_ids;
  train.data.item_ids = d.item_ids;
  train.data.event_names = d.event_names;
  train.data.item_meta = d.item_meta;
  train.data.customer_meta = d.customer_meta;
  return train;
}

void copy_row(const InteractionLog& log, std::int64_t r, InteractionLog& to) {
  to.customer.push_back(log.customer[r]);
  to.item.push_back(log.item[r]);
  to.time.push_back(log.time[r]);
  if (!log.quantity.empty()) to.quantity.push_back(log.quantity[r]);
  if (!log.value.empty()) to.value.push_back(log.value[r]);
  if (!log.event.empty()) to.event.push_back(log.event[r]);
}

Cut cut_at(const Dataset& d, const RunConfig& config, std::int64_t as_of, std::int64_t end) {
  const InteractionLog& log = d.log;
  // Purchases in the horizon: the tiers' purchase event, positive quantities.
  const int purchase_event =
      log.event.empty() ? -1 : d.event_index(config.campaign->tiers.purchase_event);
  Cut cut{train_shell(config, d), {}, 0};
  Horizon& h = cut.horizon;
  h.customer_revenue.assign(d.customer_ids.size(), 0.0);
  h.active.assign(d.customer_ids.size(), 0);
  for (std::int64_t r = 0; r < log.size(); ++r) {
    const std::int64_t t = log.time[r];
    if (t <= as_of) {
      copy_row(log, r, cut.train.data.log);
    } else if (t <= end) {
      if (purchase_event >= 0 && log.event[r] != purchase_event) continue;
      if (!log.quantity.empty() && !(log.quantity[r] > 0)) continue;
      const double revenue = !log.value.empty()    ? log.value[r]
                             : !log.quantity.empty() ? log.quantity[r]
                                                     : 1.0;
      ++cut.horizon_rows;
      h.pair_revenue[pair_key(log.customer[r], log.item[r])] += revenue;
      h.customer_revenue[log.customer[r]] += revenue;
      h.active[log.customer[r]] = 1;
    }
  }
  return cut;
}

// InputError when the date leaves nothing to train on or nothing to measure.
void check_cut(const Dataset& d, const BacktestResult& res) {
  if (res.train_rows > 0 && res.horizon_rows > 0) return;
  const auto [tmin, tmax] = std::minmax_element(d.log.time.begin(), d.log.time.end());
  throw InputError(fmt::format(
      "{}: --as-of {} leaves {} rows before and {} purchase rows in the horizon; the data runs "
      "from {} to {}",
      d.path.string(), utc_date(res.as_of), res.train_rows, res.horizon_rows, utc_date(*tmin),
      utc_date(*tmax)));
}

Model train_for_backtest(const RunConfig& config, const LoadedInput& train,
                         const Backend& backend) {
  return train_configured(config, train, backend, false, false);
}

// What the variants of one backtest share.
struct VariantInputs {
  const Model& model;
  const LoadedInput& train;
  const CampaignConfig& campaign;  // dated as_of
  const Horizon& horizon;
  std::size_t tiers;
  int list_length;
  const Backend& backend;
};

// The same rules with one slot type for the whole list (tier recipes dropped).
BacktestVariant single_slot_variant(const VariantInputs& in, Slot slot, const char* name) {
  CampaignConfig v = in.campaign;
  v.recipe = Recipe{};
  for (int t = 0; t < kSlotTypes; ++t) v.recipe.count[t] = 0;
  v.recipe.count[static_cast<int>(slot)] = in.list_length;
  for (auto& [tier, rules] : v.tier_rules) rules.recipe.reset();
  const Campaign c = build_campaign(in.model, in.train.data, in.train.matrices, v, in.backend);
  return score_variant(name, from_campaign(c, in.train.matrices.customer_items), in.horizon,
                       in.tiers, false, false);
}

std::vector<std::uint32_t> customers_of(const std::vector<ScoredList>& recipe_lists) {
  std::vector<std::uint32_t> customers;
  for (const auto& l : recipe_lists) customers.push_back(l.customer);
  return customers;
}

// Lists made without the campaign's rules, one per customer of the recipe's lists (same order),
// scored with the recipe's tiers and groups.
BacktestVariant plain_lists_variant(const char* name, const TopNResult& made,
                                    const VariantInputs& in,
                                    const std::vector<ScoredList>& recipe_lists) {
  std::vector<ScoredList> lists;
  for (std::size_t k = 0; k < recipe_lists.size(); ++k) {
    ScoredList s{recipe_lists[k].customer, recipe_lists[k].tier, recipe_lists[k].control, {}};
    for (auto j = made.offsets[k]; j < made.offsets[k + 1]; ++j)
      s.items.push_back({made.items[j], -1});
    lists.push_back(std::move(s));
  }
  return score_variant(name, lists, in.horizon, in.tiers, false, false);
}

// Buy-again: the customer's most bought items, no rules (the usual baseline).
BacktestVariant buy_again_variant(const VariantInputs& in,
                                  const std::vector<ScoredList>& recipe_lists) {
  const std::vector<bool> all_rows(static_cast<std::size_t>(in.train.data.log.size()), true);
  const TopNResult again = buy_again_lists(in.train.data, all_rows, customers_of(recipe_lists),
                                           nullptr, in.list_length);
  return plain_lists_variant("buy-again", again, in, recipe_lists);
}

// Item kNN lists (default parameters, kernels/item_item.hpp) from the training matrix, no rules.
BacktestVariant item_knn_variant(const VariantInputs& in,
                                 const std::vector<ScoredList>& recipe_lists) {
  const ItemKnnParams params;
  const int threads = in.backend.threads();
  const Csr& train = in.train.matrices.customer_items;
  const ItemKnnModel model = fit_item_knn(train, params, threads);
  const auto t0 = std::chrono::steady_clock::now();
  const Csr profiles = select_rows(train, customers_of(recipe_lists));
  TopNParams topn;
  topn.n = in.list_length;
  topn.exclude_seen = false;
  const ItemKnnLists lists =
      cpu_item_knn_topn(model.neighbours, profiles.view(), nullptr, params, topn, threads);
  spdlog::info("backtest: item knn fit {:.2f} s, lists {:.2f} s", model.seconds,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  return plain_lists_variant("item-knn", lists.lists, in, recipe_lists);
}

// TIFU-KNN lists from every training row, no rules (host/train/tifuknn.hpp).
BacktestVariant tifuknn_variant(const VariantInputs& in, const TifuKnnParams& params,
                                const std::vector<ScoredList>& recipe_lists) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<bool> all_rows(static_cast<std::size_t>(in.train.data.log.size()), true);
  const Csr personal = tifu_personal_vectors(in.train.data, all_rows, params);
  const auto t1 = std::chrono::steady_clock::now();
  const TopNResult lists = tifuknn_lists(personal, customers_of(recipe_lists), nullptr,
                                         in.list_length, params, in.backend.threads());
  const auto t2 = std::chrono::steady_clock::now();
  spdlog::info("backtest: tifu-knn personal vectors {:.2f} s, lists {:.2f} s",
               std::chrono::duration<double>(t1 - t0).count(),
               std::chrono::duration<double>(t2 - t1).count());
  return plain_lists_variant("tifu-knn", lists, in, recipe_lists);
}

// z of the hit-rate difference between treatment and control (pooled two-proportion test); 0
// without both groups.
double control_z(const BacktestVariant& rv) {
  const double n1 = static_cast<double>(rv.treatment.customers);
  const double n2 = static_cast<double>(rv.control.customers);
  if (!(n1 > 0 && n2 > 0)) return 0.0;
  const double p =
      ratio(static_cast<double>(rv.treatment.hit_customers + rv.control.hit_customers), n1 + n2);
  const double se = std::sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  return se > 0 ? (rv.treatment.hit_rate() - rv.control.hit_rate()) / se : 0.0;
}

}  // namespace

BacktestResult run_backtest(const RunConfig& config, std::int64_t as_of,
                            std::int64_t horizon_seconds, const Backend& backend) {
  if (!config.campaign)
    throw InputError(fmt::format("{}: backtest needs a campaign config (a [campaign] section)",
                                 config.source.string()));
  if (horizon_seconds <= 0) throw InputError("--horizon must be positive");
  const Dataset d = load_for_backtest(config);
  BacktestResult res;
  res.as_of = as_of;
  res.horizon_seconds = horizon_seconds;
  Cut cut = cut_at(d, config, as_of, as_of + horizon_seconds);
  LoadedInput& train = cut.train;
  res.train_rows = train.data.log.size();
  res.horizon_rows = cut.horizon_rows;
  check_cut(d, res);
  const std::vector<bool> keep = interaction_rows(train.data, *config.campaign);
  train.matrices = build_matrices(train.data, config.threads, keep.empty() ? nullptr : &keep);
  spdlog::info("backtest: as of {}: {} training rows, {} purchase rows in the next {:.0f} days",
               utc_date(as_of), res.train_rows, res.horizon_rows,
               static_cast<double>(horizon_seconds) / 86400.0);
  const Model model = train_for_backtest(config, train, backend);

  CampaignConfig cc = *config.campaign;
  cc.campaign_time = as_of;
  const Campaign recipe = build_campaign(model, train.data, train.matrices, cc, backend);
  res.tier_names = recipe.tier_names;
  res.list_length = recipe.list_length;
  const VariantInputs in{model, train, cc, cut.horizon, recipe.tier_names.size(),
                         recipe.list_length, backend};
  const auto recipe_lists = from_campaign(recipe, train.matrices.customer_items);
  res.variants.push_back(score_variant("recipe", recipe_lists, cut.horizon, in.tiers, true, true));
  res.variants.push_back(single_slot_variant(in, Slot::model, "model"));
  res.variants.push_back(buy_again_variant(in, recipe_lists));
  res.variants.push_back(item_knn_variant(in, recipe_lists));
  res.variants.push_back(tifuknn_variant(in, config.tifuknn, recipe_lists));
  res.variants.push_back(single_slot_variant(in, Slot::popular, "popular"));
  res.control_z = control_z(res.variants[0]);
  return res;
}

}  // namespace tailor
