#include "host/campaign/campaign.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <span>

#include "host/campaign/audience.hpp"
#include "host/campaign/inputs.hpp"
#include "host/campaign/items.hpp"
#include "host/campaign/score_source.hpp"
#include "host/campaign/scoring.hpp"
#include "host/campaign/slots.hpp"
#include "host/core/error.hpp"
#include "host/core/progress.hpp"

namespace tailor {

const char* to_string(Slot s) { return kSlotNames.name(s); }

Slot parse_slot(const std::string& name) {
  if (const auto s = kSlotNames.find(name)) return *s;
  throw InputError(fmt::format("unknown slot type \"{}\"; slot types are {}", name,
                               kSlotNames.choices(", ")));
}

const char* to_string(NegativeAction a) { return kNegativeActionNames.name(a); }

const char* to_string(SlotModel m) { return kSlotModelNames.name(m); }

SlotModel parse_slot_model(const std::string& name) {
  if (const auto m = kSlotModelNames.find(name)) return *m;
  throw InputError(fmt::format("unknown slot model \"{}\"; slot models are {}", name,
                               kSlotModelNames.choices(", ")));
}

namespace {

// Which slot types can be reached (directly or through fallbacks) in any recipe, the campaign's
// or a tier's.
struct Reach {
  bool slot[kSlotTypes] = {};
  int longest = 0;  // slots of the longest recipe
  [[nodiscard]] bool operator[](Slot s) const { return slot[static_cast<int>(s)]; }
};

Reach reach_of(const CampaignConfig& config) {
  std::vector<const Recipe*> recipes{&config.recipe};
  for (const auto& [name, r] : config.tier_rules)
    if (r.recipe) recipes.push_back(&*r.recipe);
  Reach reach;
  for (const Recipe* r : recipes) {
    reach.longest = std::max(reach.longest, r->length());
    bool carried[kSlotTypes] = {};
    for (int t = 0; t < kSlotTypes; ++t) {
      if (r->count[t] > 0 || carried[t]) {
        reach.slot[t] = true;
        if (r->fallback[t]) carried[static_cast<int>(*r->fallback[t])] = true;
      }
    }
  }
  return reach;
}

// InputError when the data lacks a column that a reachable slot or a rule needs.
void check_against_data(const Dataset& data, const CampaignConfig& config, const Reach& reach) {
  const std::string file = data.path.string();
  const ItemMeta& im = data.item_meta;
  if (data.log.time.empty() && (reach[Slot::repeat] || !config.tier_rules.empty()))
    throw InputError(fmt::format(
        "{}: /interactions/time is missing; repeat slots and tier rules need purchase times",
        file));
  if (reach[Slot::discovery] && !im.has_category())
    throw InputError(fmt::format(
        "{}: discovery slots need item categories (/items/category); the file has none", file));
  if ((config.max_per_category > 0 || !config.repurchasable.empty()) && !im.has_category())
    throw InputError(
        fmt::format("{}: the rules max_per_category and repurchasable need item categories "
                    "(/items/category); the file has none",
                    file));
  bool price_rules = config.price_min || config.price_max;
  for (const auto& [name, r] : config.tier_rules) price_rules |= r.price_min || r.price_max;
  if (price_rules && !im.has_price())
    throw InputError(
        fmt::format("{}: price rules need item prices (/items/price); the file has none", file));
}

// Tier names (tier1 .. tierN when the config gives none) and every customer's RFM and tier at
// the campaign date (no tier without times).
void assign_tiers(const Dataset& data, const CampaignConfig& config, Campaign& camp) {
  TierOptions tier_options = config.tiers;
  if (tier_options.names.empty())
    for (int t = 0; t < tier_options.tiers; ++t)
      tier_options.names.push_back(fmt::format("tier{}", t + 1));
  camp.tier_names = tier_options.names;
  if (!data.log.time.empty()) {
    camp.rfm = rfm_scores(data, camp.campaign_time, tier_options);
  } else {
    camp.rfm.assign(static_cast<std::size_t>(data.customers()), Rfm{});
  }
}

// The [tier.NAME] rules by tier: null for a tier without a section.
class TierRuleTable {
 public:
  // InputError for a section that names no tier (nor "none").
  TierRuleTable(const CampaignConfig& config, const std::vector<std::string>& names)
      : rules_(names.size() + 1, nullptr) {
    for (const auto& [name, r] : config.tier_rules) {
      auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end() && name != kNoTierName)
        throw InputError(fmt::format("[tier.{}]: no tier is called \"{}\"; the tiers are {} and {}",
                                     name, name, fmt::join(names, ", "), kNoTierName));
      rules_[static_cast<std::size_t>(it - names.begin())] = &r;  // "none": the last entry
    }
  }
  [[nodiscard]] const TierRules* of(int tier) const {
    return rules_[tier == kNoTier ? rules_.size() - 1 : static_cast<std::size_t>(tier)];
  }

 private:
  std::vector<const TierRules*> rules_;  // per tier index, then kNoTier
};

// What every list reads: built once, shared by the threads.
struct ListInputs {
  SlotContext slots;
  const Csr& history;  // customers x items
  const std::vector<Rfm>& rfm;
  const TierRuleTable& tiers;
  const CustomerInputs& inputs;
  const Audience& audience;
  const ScoreSource& scorer;
  bool need_scores;  // some recipe reaches discovery or model slots
};

struct ListTotals {
  SlotCounts slots;
  std::int64_t not_in_model = 0, without_history = 0;
  void add(const ListTotals& o) {
    for (int t = 0; t < kSlotTypes; ++t) {
      slots.filled[t] += o.slots.filled[t];
      slots.fell[t] += o.slots.fell[t];
    }
    not_in_model += o.not_in_model;
    without_history += o.without_history;
  }
};

// One thread's state: the scores of its current block, the scratch of its current list.
struct ListWorker {
  std::unique_ptr<BlockScorer> scores;
  ListScratch scratch;
  ListTotals totals;
};

// The list of listed customer `li`, with its model scores (or null).
void build_list(const ListInputs& in, std::size_t li, const float* scores, ListWorker& w,
                CustomerList& out) {
  const CampaignConfig& config = in.slots.config;
  const ItemMeta& im = in.slots.data.item_meta;
  const std::uint32_t c = in.audience.listed[li];
  out.customer = c;
  out.tier = in.rfm[c].tier;
  out.control = in.audience.control[li] != 0;
  const TierRules* tr = in.tiers.of(out.tier);
  const Recipe& recipe = tr && tr->recipe ? *tr->recipe : config.recipe;
  out.recipe_length = recipe.length();
  const std::span<const std::uint32_t> history(
      in.history.indices.data() + in.history.indptr[c],
      static_cast<std::size_t>(in.history.indptr[c + 1] - in.history.indptr[c]));
  // Customers without history have no scores: their factors say nothing (training leaves 0), so
  // their discovery and model slots pass to the fallbacks.
  if (history.empty()) {
    ++w.totals.without_history;
  } else if (!scores && in.need_scores) {
    ++w.totals.not_in_model;
  }
  const CustomerView who{history,
                         scores,
                         in.inputs.due[c],
                         in.inputs.blocklist.items[c],
                         in.inputs.events.removed[c],
                         in.inputs.events.demoted[c],
                         tr && tr->price_min ? tr->price_min : config.price_min,
                         tr && tr->price_max ? tr->price_max : config.price_max,
                         c};
  w.scratch.begin(history, im);
  ListBuilder builder(in.slots, who, w.scratch, out.items);
  fill_recipe(recipe, [&](Slot slot, int need) { return builder.fill(slot, need); },
              w.totals.slots);
  w.scratch.reset(history, out.items, im, config.max_per_category > 0);
}

// Every list, in parallel over blocks of customers: a block is scored in one scorer call, then
// its lists are built. camp.lists must hold one entry per listed customer.
ListTotals build_lists(const ListInputs& in, int threads, Campaign& camp) {
  const std::vector<std::uint32_t>& listed = in.audience.listed;
  const int block_rows = in.scorer.block_rows();
  const auto n_listed = static_cast<std::int64_t>(listed.size());
  const std::int64_t n_blocks = (n_listed + block_rows - 1) / block_rows;
  const auto n_items = static_cast<std::size_t>(in.slots.data.items());
  const std::size_t n_categories = in.slots.data.item_meta.category_names.size();
  ListTotals totals;
#pragma omp parallel num_threads(threads)
  {
    ListWorker w{in.scorer.block_scorer(), ListScratch(n_items, n_categories), {}};
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t blk = 0; blk < n_blocks; ++blk) {
      const std::int64_t first = blk * block_rows, last = std::min(n_listed, first + block_rows);
      w.scores->score(std::span(listed).subspan(static_cast<std::size_t>(first),
                                               static_cast<std::size_t>(last - first)));
      for (std::int64_t li = first; li < last; ++li) {
        const auto k = static_cast<std::size_t>(li);
        build_list(in, k, w.scores->row(k - static_cast<std::size_t>(first)), w, camp.lists[k]);
      }
    }
#pragma omp critical
    totals.add(w.totals);
  }
  return totals;
}

void summarize(const ListTotals& totals, double seconds, Campaign& camp) {
  CampaignStats& st = camp.stats;
  st.not_in_model = totals.not_in_model;
  st.without_history = totals.without_history;
  for (int t = 0; t < kSlotTypes; ++t) {
    st.filled[t] = totals.slots.filled[t];
    st.fallback[t] = totals.slots.fell[t];
  }
  st.lists = static_cast<std::int64_t>(camp.lists.size());
  for (const CustomerList& l : camp.lists) {
    st.control += l.control;
    st.short_lists += static_cast<std::int64_t>(l.items.size()) < l.recipe_length;
    st.empty_lists += l.items.empty();
  }
  st.seconds = seconds;
  spdlog::info(
      "campaign {}: {} lists ({} control), {} opted out, {} suppressed, {} short, {:.2f} s",
      camp.campaign_id, st.lists, st.control, st.opted_out, st.suppressed_by_event, st.short_lists,
      st.seconds);
}

}  // namespace

// The campaign date: the config's, else one second after the latest interaction (0 without
// times).
std::int64_t campaign_time_of(const CampaignConfig& config, const InteractionLog& log) {
  if (config.campaign_time) return *config.campaign_time;
  if (log.time.empty()) return 0;
  return *std::max_element(log.time.begin(), log.time.end()) + 1;
}

Campaign build_campaign(const ScoreSource& scores, const Dataset& data,
                        const InteractionMatrices& m, const CampaignConfig& config,
                        const Backend& backend) {
  const auto start = std::chrono::steady_clock::now();
  validate(config, "campaign");
  Campaign camp;
  camp.campaign_id = config.campaign_id;
  const Reach reach = reach_of(config);
  camp.list_length = reach.longest;
  check_against_data(data, config, reach);
  camp.campaign_time = campaign_time_of(config, data.log);
  assign_tiers(data, config, camp);
  const TierRuleTable tiers(config, camp.tier_names);

  const CampaignItems items = campaign_items(data, m, config);
  const CustomerInputs inputs =
      customer_inputs(data, config, camp.campaign_time, reach[Slot::repeat]);
  camp.stats.blocklist_pairs = inputs.blocklist.rows;
  Audience audience = select_audience(data, inputs.events.suppressed);
  audience.control = control_groups(data, audience.listed, camp.rfm, config.campaign_id,
                                    config.control_fraction);
  camp.stats.customers = data.customers();
  camp.stats.opted_out = audience.opted_out;
  camp.stats.suppressed_by_event = audience.suppressed;

  const bool need_scores = reach[Slot::discovery] || reach[Slot::model];
  const NoScores none;  // no slot reads a score: no row is computed
  const ScoreSource& used = need_scores ? scores : none;
  const ListInputs in{{data, items, config, camp.campaign_time, &used}, m.customer_items,
                      camp.rfm, tiers, inputs, audience, used, need_scores};
  camp.lists.resize(audience.listed.size());
  const ListTotals totals = build_lists(in, backend.threads(), camp);
  summarize(totals, seconds_since(start), camp);
  return camp;
}

Campaign build_campaign(const Model& model, const Dataset& data, const InteractionMatrices& m,
                        const CampaignConfig& config, const Backend& backend) {
  const IalsScoreSource scores(model, data, m.customer_items, backend,
                               needs_model_scores(config));
  return build_campaign(scores, data, m, config, backend);
}

bool needs_model_scores(const CampaignConfig& config) {
  const Reach reach = reach_of(config);
  return reach[Slot::discovery] || reach[Slot::model];
}

}  // namespace tailor
