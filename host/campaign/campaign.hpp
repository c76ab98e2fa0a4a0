// One-to-one campaigns: each customer's list built from slots (repeat, discovery, model,
// popular) under business rules, with value tiers, control groups, suppression and a reason per
// item. docs/campaigns.md describes the rules and the order they are applied in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "host/campaign/replenish.hpp"
#include "host/campaign/tiers.hpp"
#include "host/core/names.hpp"
#include "host/data/dataset.hpp"
#include "host/train/model.hpp"
#include "kernels/backend.hpp"

namespace tailor {

// Slot types, in the order a list is filled.
enum class Slot : std::uint8_t { repeat = 0, discovery = 1, model = 2, popular = 3 };
inline constexpr int kSlotTypes = 4;
inline constexpr NameTable<Slot, kSlotTypes> kSlotNames{
    "slot type",
    {{{Slot::repeat, "repeat"}, {Slot::discovery, "discovery"}, {Slot::model, "model"},
      {Slot::popular, "popular"}}}};
const char* to_string(Slot s);
// InputError for an unknown name, listing the slot types.
Slot parse_slot(const std::string& name);

// Where the discovery and model slots get their scores ([campaign] model): the iALS model's
// factors, or one of the history models (host/campaign/score_sources.hpp).
// "ranker" is the two-stage ranker (host/rank/), whose source the pipeline makes.
enum class SlotModel : std::uint8_t { ials = 0, itemknn = 1, ease = 2, tifuknn = 3, ranker = 4 };
inline constexpr NameTable<SlotModel, 5> kSlotModelNames{
    "slot model",
    {{{SlotModel::ials, "ials"}, {SlotModel::itemknn, "itemknn"}, {SlotModel::ease, "ease"},
      {SlotModel::tifuknn, "tifuknn"}, {SlotModel::ranker, "ranker"}}}};
const char* to_string(SlotModel m);
// InputError for an unknown name, listing the slot models.
SlotModel parse_slot_model(const std::string& name);

// How many items of each slot type a list holds, and where the unfilled ones go.
struct Recipe {
  int count[kSlotTypes] = {0, 0, 10, 0};  // repeat, discovery, model, popular
  // Unfilled slots of type t are added to fallback[t], which must come later in the slot order;
  // nullopt leaves them unfilled (a short list).
  std::optional<Slot> fallback[kSlotTypes] = {Slot::model, Slot::model, Slot::popular,
                                              std::nullopt};
  [[nodiscard]] int length() const { return count[0] + count[1] + count[2] + count[3]; }
};

// What a negative event (unsubscribe, complaint, return, ...) does.
enum class NegativeAction : std::uint8_t {
  remove,    // the (customer, item) pair of the event is never offered
  demote,    // the pair is offered only when nothing else fills the slot
  suppress,  // the customer gets no list at all
};
// The values of [suppression].
inline constexpr NameTable<NegativeAction, 3> kNegativeActionNames{
    "suppression action",
    {{{NegativeAction::remove, "remove"}, {NegativeAction::demote, "demote"},
      {NegativeAction::suppress, "suppress"}}}};
const char* to_string(NegativeAction a);

struct TierRules {
  std::optional<Recipe> recipe;       // replaces the campaign recipe for the tier
  std::optional<double> price_min;    // items priced below are not offered to the tier
  std::optional<double> price_max;    // items priced above are not offered to the tier
};

struct CampaignConfig {
  std::string campaign_id = "campaign";  // part of the control-group hash
  // Campaign date (unix seconds): replenishment due dates and tiers are computed at this time and
  // rows after it are ignored. Unset: one second after the latest interaction.
  std::optional<std::int64_t> campaign_time;
  Recipe recipe;
  SlotModel model = SlotModel::ials;  // the score source of discovery and model slots

  // Rules.
  std::vector<std::string> repurchasable;  // category names ("*": all); bought items there
                                           // stay eligible
  std::vector<std::string> include_items;  // non-empty: only these item ids are offered
  std::vector<std::string> exclude_items;  // never offered
  std::optional<std::filesystem::path> blocklist;  // CSV with header customer_id,item_id
  int max_per_category = 0;                // at most this many items per category; 0 = no cap
  std::optional<double> price_min;         // global price floor (tiers may override)
  std::optional<double> price_max;         // global price ceiling (tiers may override)
  std::map<std::string, NegativeAction> negative_events;  // event name -> action

  // Discovery: from the customer's `discovery_pool` best-scored eligible items in categories
  // they never bought, the highest score x price^discovery_value_weight (0 = model score only).
  int discovery_pool = 50;
  double discovery_value_weight = 1.0;

  TierOptions tiers;
  std::map<std::string, TierRules> tier_rules;  // by tier name
  double control_fraction = 0.0;                // in [0, 1)
  ReplenishOptions replenish;
};

struct CampaignEntry {
  std::uint32_t item = 0;  // index into Dataset::item_ids
  float score = 0.0f;      // repeat: due score in (0, 1]; discovery/model: model score;
                           // popular: share of customers who bought the item
  Slot slot = Slot::model;
  std::string reason;      // "due since 2011-11-02", "new category: MUG", "because you bought X"
};

struct CustomerList {
  std::uint32_t customer = 0;  // index into Dataset::customer_ids
  int tier = kNoTier;
  bool control = false;        // control customers' lists are computed and stored, not sent
  int recipe_length = 0;       // slots of this customer's recipe (the tier's or the campaign's)
  std::vector<CampaignEntry> items;
};

struct CampaignStats {
  std::int64_t customers = 0;           // customers in the data
  std::int64_t opted_out = 0;           // no list: opt_out flag
  std::int64_t suppressed_by_event = 0; // no list: a negative event with action suppress
  std::int64_t lists = 0;               // lists built (treatment + control)
  std::int64_t control = 0;
  std::int64_t short_lists = 0;         // fewer items than the recipe length
  std::int64_t empty_lists = 0;
  std::int64_t filled[kSlotTypes] = {};    // items placed per slot type
  std::int64_t fallback[kSlotTypes] = {};  // slots of type t passed on to fallback[t]
  std::int64_t not_in_model = 0;        // customers with history but without factors
  std::int64_t without_history = 0;     // listed customers without any interaction
                                        // (no discovery or model items: popular fallback)
  std::int64_t blocklist_pairs = 0;     // rows read from the blocklist file
  double seconds = 0.0;
};

struct Campaign {
  std::string campaign_id;
  std::int64_t campaign_time = 0;
  std::vector<CustomerList> lists;  // by customer index; suppressed customers have no entry
  std::vector<Rfm> rfm;             // per customer of the data
  std::vector<std::string> tier_names;
  int list_length = 0;              // the longest recipe
  CampaignStats stats;
};

class ScoreSource;  // host/campaign/score_source.hpp

// The campaign date: the config's, else one second after the latest interaction (0 without
// times).
std::int64_t campaign_time_of(const CampaignConfig& config, const InteractionLog& log);

// Builds the campaign for every customer of `data`, the discovery and model slots ranked by the
// rows of `scores` (customers it gives no row get those slots from the fallbacks). The
// interaction matrices are those of `data`. Throws InputError for a config the data cannot
// satisfy (a category rule without categories, a price rule without prices, an unknown event,
// tier or category name, a malformed blocklist). config.model is not read here: the caller made
// `scores` from it (make_score_source, host/campaign/score_sources.hpp). The lists are built on
// `backend`'s CPU threads.
Campaign build_campaign(const ScoreSource& scores, const Dataset& data,
                        const InteractionMatrices& m, const CampaignConfig& config,
                        const Backend& backend);

// The same with the iALS model's scores (customers and items are matched to the model by id;
// customers unknown to the model get their model slots from the fallback), computed by
// `backend`'s scorer (CPU or CUDA), whatever config.model says.
Campaign build_campaign(const Model& model, const Dataset& data, const InteractionMatrices& m,
                        const CampaignConfig& config, const Backend& backend);

// Whether some recipe (the campaign's or a tier's) reaches a discovery or model slot, directly
// or through fallbacks: only then are scores needed.
bool needs_model_scores(const CampaignConfig& config);

// The rows that count as interactions for training and for "already bought": every row except
// those whose event is one of config.negative_events (a return or a complaint is not a
// purchase). Empty when no row is left out. InputError for an event name the data lacks.
std::vector<bool> interaction_rows(const Dataset& data, const CampaignConfig& config);

// Validates ranges and recipe fallbacks; InputError naming `where` and the key.
void validate(const CampaignConfig& config, const std::string& where);

}  // namespace tailor
