#include "host/pipeline/backtest.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <unordered_map>

#include "host/core/device.hpp"
#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/campaign/score_sources.hpp"
#include "host/data/csr.hpp"
#include "host/eval/baselines.hpp"
#include "host/eval/item_lists.hpp"
#include "host/io/time.hpp"
#include "host/pipeline/run.hpp"
#include "host/rank/ranker.hpp"
#include "host/rank/ranker_source.hpp"
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
    nlohmann::json j = {{"name", v.name},
                        {"all", v.all.to_json()},
                        {"fit_seconds", v.fit_seconds},
                        {"list_seconds", v.list_seconds}};
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
          {"slot_model", slot_model},
          {"parameters", parameters},
          {"variants", vs},
          {"control_z", control_z},
          {"ranker", ranker}};
}

namespace {

// The opening line and the four variants overall.
std::string overview_table(const BacktestResult& r) {
  std::string s = fmt::format(
      "Backtest as of {} (horizon {:.0f} days): {} training rows, {} purchase rows in the "
      "horizon, lists of {}, model slots from {}.\n\n",
      utc_date(r.as_of), static_cast<double>(r.horizon_seconds) / 86400.0, r.train_rows,
      r.horizon_rows, r.list_length, r.slot_model);
  s += "| lists | customers | active in horizon | hit rate | precision | revenue captured | "
       "fit s | lists s |\n";
  s += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& v : r.variants)
    s += fmt::format("| {} | {} | {} | {} | {} | {} | {:.2f} | {:.2f} |\n", v.name,
                     v.all.customers, v.all.active, pct(v.all.hit_rate()),
                     pct(v.all.precision()), pct(v.all.revenue_share()), v.fit_seconds,
                     v.list_seconds);
  return s;
}

// The ranker's ten most important features.
std::string importance_table(const nlohmann::json& ranker) {
  if (!ranker.contains("importances")) return "";
  std::string s = fmt::format(
      "\nRanker: trained on {} customers, {} candidates ({} bought in its label window); feature "
      "importances (share of the total gain):\n\n| feature | share |\n|---|---:|\n",
      ranker["train_customers"].get<std::int64_t>(), ranker["train_rows"].get<std::int64_t>(),
      ranker["train_positives"].get<std::int64_t>());
  int shown = 0;
  for (const auto& f : ranker["importances"]) {
    if (shown++ == 10) break;
    s += fmt::format("| {} | {} |\n", f["feature"].get<std::string>(),
                     pct(f["gain_share"].get<double>()));
  }
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
  s += importance_table(ranker);
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
  train.data = empty_like(d);
  return train;
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
      append_row(log, r, cut.train.data.log);
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
  const ScoreSource& scores;  // the configured slot model's, for the model slots
  const RunConfig& config;    // [itemknn], [ease], [tifuknn]
  const LoadedInput& train;
  const CampaignConfig& campaign;  // dated as_of
  const Horizon& horizon;
  std::size_t tiers;
  int list_length;
  const Backend& backend;
};

// The same rules with one slot type for the whole list of `length` (tier recipes dropped).
CampaignConfig single_slot_config(const CampaignConfig& campaign, Slot slot, int length) {
  CampaignConfig v = campaign;
  v.recipe = Recipe{};
  for (int t = 0; t < kSlotTypes; ++t) v.recipe.count[t] = 0;
  v.recipe.count[static_cast<int>(slot)] = length;
  for (auto& [tier, rules] : v.tier_rules) rules.recipe.reset();
  return v;
}

BacktestVariant single_slot_variant(const VariantInputs& in, Slot slot, const char* name) {
  const CampaignConfig v = single_slot_config(in.campaign, slot, in.list_length);
  const auto t0 = std::chrono::steady_clock::now();
  const Campaign c = build_campaign(in.scores, in.train.data, in.train.matrices, v, in.backend);
  BacktestVariant out = score_variant(name, from_campaign(c, in.train.matrices.customer_items),
                                      in.horizon, in.tiers, false, false);
  out.list_seconds = seconds_since(t0);
  return out;
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
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<bool> all_rows(static_cast<std::size_t>(in.train.data.log.size()), true);
  const TopNResult again = buy_again_lists(in.train.data, all_rows, customers_of(recipe_lists),
                                           nullptr, in.list_length);
  BacktestVariant out = plain_lists_variant("buy-again", again, in, recipe_lists);
  out.list_seconds = seconds_since(t0);
  return out;
}

// The profiles of the recipe's customers (rows of the training matrix) and list options.
struct PlainLists {
  Csr profiles;
  TopNParams topn;
};

PlainLists plain_lists_of(const VariantInputs& in, const std::vector<ScoredList>& recipe_lists) {
  PlainLists p{select_rows(in.train.matrices.customer_items, customers_of(recipe_lists)), {}};
  p.topn.n = in.list_length;
  p.topn.exclude_seen = false;
  return p;
}

// Item kNN lists ([itemknn], kernels/item_item.hpp) from the training matrix, no rules; the
// slot model's neighbours when it is item kNN (same parameters).
BacktestVariant item_knn_variant(const VariantInputs& in,
                                 const std::vector<ScoredList>& recipe_lists) {
  const int threads = in.backend.threads();
  const auto* slot = dynamic_cast<const ItemKnnScoreSource*>(&in.scores);
  std::optional<ItemKnnModel> fitted;
  if (!slot) fitted = fit_item_knn(in.train.matrices.customer_items, in.config.itemknn, in.backend);
  const ItemKnnModel& model = slot ? slot->model() : *fitted;
  const auto t0 = std::chrono::steady_clock::now();
  const PlainLists p = plain_lists_of(in, recipe_lists);
  const ItemKnnLists lists = cpu_item_knn_topn(model.neighbours, p.profiles.view(), nullptr,
                                               model.params, p.topn, threads);
  BacktestVariant out = plain_lists_variant("item-knn", lists.lists, in, recipe_lists);
  out.fit_seconds = model.seconds;
  out.list_seconds = seconds_since(t0);
  return out;
}

// EASE lists ([ease]) from the training matrix, no rules; nullopt, with a warning, when the
// catalogue is too large for [ease] max_memory_mb (check_ease_memory).
std::optional<BacktestVariant> ease_variant(const VariantInputs& in,
                                            const std::vector<ScoredList>& recipe_lists) {
  const Csr& train = in.train.matrices.customer_items;
  const auto* slot = dynamic_cast<const EaseScoreSource*>(&in.scores);
  std::optional<EaseModel> fitted;
  if (!slot) {
    try {
      check_ease_memory(train.cols, in.config.ease_max_bytes);
    } catch (const InputError& e) {
      spdlog::warn("backtest: no ease lists: {}", e.what());
      return std::nullopt;
    }
    fitted = fit_ease(train, in.config.ease, in.config.ease_max_bytes, in.backend);
  }
  const EaseModel& model = slot ? slot->model() : *fitted;
  const auto t0 = std::chrono::steady_clock::now();
  const PlainLists p = plain_lists_of(in, recipe_lists);
  const TopNResult lists = cpu_ease_topn(model.weights, p.profiles.view(), nullptr, model.params,
                                         p.topn, in.backend.threads());
  BacktestVariant out = plain_lists_variant("ease", lists, in, recipe_lists);
  out.fit_seconds = model.seconds;
  out.list_seconds = seconds_since(t0);
  return out;
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
  BacktestVariant out = plain_lists_variant("tifu-knn", lists, in, recipe_lists);
  out.fit_seconds = std::chrono::duration<double>(t1 - t0).count();
  out.list_seconds = std::chrono::duration<double>(t2 - t1).count();
  return out;
}

// The two-stage ranker (host/rank/ranker.hpp) fitted with labels from the windows before the
// date, then applied as of the date; no rules. `report` receives describe() of the fit.
BacktestVariant ranker_variant(const VariantInputs& in, const RankerParams& params,
                               const std::vector<ScoredList>& recipe_lists,
                               nlohmann::json& report) {
  const std::int64_t as_of = *in.campaign.campaign_time;
  const auto t0 = std::chrono::steady_clock::now();
  const RankerModel m = fit_ranker(in.train.data, as_of, params, in.backend);
  const double fit = seconds_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  const RankerSnapshot now(in.train.data, as_of, params.sources, in.backend);
  const TopNResult lists =
      ranker_lists(m, now, customers_of(recipe_lists), nullptr, in.list_length);
  BacktestVariant out = plain_lists_variant("ranker", lists, in, recipe_lists);
  out.fit_seconds = fit;
  out.list_seconds = seconds_since(t1);
  report = describe(m);
  return out;
}

// The configured slot model's score source (and the iALS model it reads, trained only for
// "ials"), made for model slots whatever the recipe reaches: the model variant needs them.
struct SlotScores {
  std::optional<Model> model;
  std::unique_ptr<ScoreSource> scores;
  double fit_seconds = 0.0;
};

SlotScores slot_scores(const RunConfig& config, const CampaignConfig& cc,
                       const LoadedInput& train, const Backend& backend,
                       std::int64_t horizon_seconds) {
  SlotScores s;
  const auto t0 = std::chrono::steady_clock::now();
  if (cc.model == SlotModel::ranker) {
    s.scores = make_ranker_source(train.data, *cc.campaign_time,
                                  ranker_params(config, horizon_seconds), backend);
    s.fit_seconds = seconds_since(t0);
    return s;
  }
  if (cc.model == SlotModel::ials) s.model = train_for_backtest(config, train, backend);
  s.fit_seconds = seconds_since(t0);
  const CampaignConfig model_only = single_slot_config(cc, Slot::model, 1);
  s.scores = make_score_source(
      {s.model ? &*s.model : nullptr, train.data, train.matrices, model_only, backend},
      slot_model_params(config));
  return s;
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
  CampaignConfig cc = *config.campaign;
  cc.campaign_time = as_of;
  const SlotScores slot = slot_scores(config, cc, train, backend, horizon_seconds);
  const auto t1 = std::chrono::steady_clock::now();
  const Campaign recipe = build_campaign(*slot.scores, train.data, train.matrices, cc, backend);
  const double recipe_seconds = seconds_since(t1);
  res.tier_names = recipe.tier_names;
  res.list_length = recipe.list_length;
  res.slot_model = to_string(cc.model);
  res.parameters = {{"itemknn", describe(config.itemknn)},
                    {"ease", describe(config.ease, config.ease_max_bytes)},
                    {"tifuknn", describe(config.tifuknn)}};
  const VariantInputs in{*slot.scores, config, train, cc, cut.horizon, recipe.tier_names.size(),
                         recipe.list_length, backend};
  const auto recipe_lists = from_campaign(recipe, train.matrices.customer_items);
  res.variants.push_back(score_variant("recipe", recipe_lists, cut.horizon, in.tiers, true, true));
  res.variants.back().fit_seconds = slot.fit_seconds;
  res.variants.back().list_seconds = recipe_seconds;
  res.variants.push_back(single_slot_variant(in, Slot::model, "model"));
  res.variants.back().fit_seconds = slot.fit_seconds;
  res.variants.push_back(buy_again_variant(in, recipe_lists));
  res.variants.push_back(item_knn_variant(in, recipe_lists));
  if (auto ease = ease_variant(in, recipe_lists)) res.variants.push_back(std::move(*ease));
  res.variants.push_back(tifuknn_variant(in, config.tifuknn, recipe_lists));
  res.variants.push_back(ranker_variant(in, ranker_params(config, horizon_seconds), recipe_lists,
                                        res.ranker));
  res.variants.push_back(single_slot_variant(in, Slot::popular, "popular"));
  res.control_z = control_z(res.variants[0]);
  return res;
}

}  // namespace tailor
