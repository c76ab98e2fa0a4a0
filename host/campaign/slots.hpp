// Filling one customer's list: the candidate Pool, the rules every slot obeys (eligibility,
// category cap, demotion), the four slot kinds (repeat, discovery, model, popular) and the
// fallback chain that passes unfilled slots on. docs/campaigns.md, sections 4 to 6, states the
// rules; this is where they are applied.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "host/campaign/campaign.hpp"
#include "host/campaign/items.hpp"
#include "host/campaign/replenish.hpp"
#include "host/campaign/score_source.hpp"
#include "host/data/dataset.hpp"

namespace tailor {

// A candidate item of one slot. Order (`better`): not demoted first, then higher key, then lower
// item index, a total order.
struct Candidate {
  float key;
  std::uint32_t item;
  bool demoted;
};

struct Better {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.demoted != b.demoted) return !a.demoted;
    if (a.key != b.key) return a.key > b.key;
    return a.item < b.item;
  }
};
inline constexpr Better better{};

// Keeps the best candidates offered without sorting them all: when the buffer holds 2 x keep,
// the best keep stay and the worst of those becomes the bar a later candidate must beat.
// truncated() says whether any candidate was turned away, i.e. whether more exist.
class Pool {
 public:
  void reset(std::size_t keep) {
    buf_.clear();
    keep_ = std::max<std::size_t>(keep, 1);
    has_bar_ = truncated_ = false;
  }
  // Cheap test before the caller checks the rules: could this candidate enter?
  [[nodiscard]] bool admits(const Candidate& c) {
    if (!has_bar_ || better(c, bar_)) return true;
    truncated_ = true;
    return false;
  }
  void add(const Candidate& c) {  // after admits()
    buf_.push_back(c);
    if (buf_.size() >= 2 * keep_) cut(keep_);
  }
  // The best `n` of those kept, as the pool (discovery's fixed pool).
  void cut(std::size_t n) {
    if (buf_.size() <= n) return;
    std::nth_element(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(n) - 1, buf_.end(),
                     better);
    buf_.resize(n);
    bar_ = buf_.back();
    has_bar_ = truncated_ = true;
  }
  std::vector<Candidate>& candidates() { return buf_; }
  [[nodiscard]] bool truncated() const { return truncated_; }

 private:
  std::vector<Candidate> buf_;  // unsorted; between keep and 2 x keep - 1 once a bar is set
  std::size_t keep_ = 1;
  Candidate bar_{};
  bool has_bar_ = false, truncated_ = false;
};

// One thread's scratch, sized once for the catalogue and reused for every customer: all zero
// between customers. begin() and reset() touch only the customer's history and list, so a
// customer costs nothing per item of the catalogue here.
struct ListScratch {
  std::vector<std::uint8_t> chosen;           // per item: placed in the current list
  std::vector<std::uint8_t> bought;           // per item: in the customer's history
  std::vector<std::uint8_t> bought_category;  // per category: the customer bought from it
  std::vector<int> per_category;              // per category: items placed (with a cap only)
  Pool pool;

  ListScratch(std::size_t items, std::size_t categories);
  // Marks the customer's history in bought and bought_category.
  void begin(std::span<const std::uint32_t> history, const ItemMeta& im);
  // Clears what begin() marked and what placing `list` set (per_category only when `capped`).
  void reset(std::span<const std::uint32_t> history, const std::vector<CampaignEntry>& list,
             const ItemMeta& im, bool capped);
};

// What the campaign shares for every list.
struct SlotContext {
  const Dataset& data;
  const CampaignItems& items;
  const CampaignConfig& config;  // max_per_category and [discovery]
  std::int64_t campaign_time;    // unix seconds, for the repeat reasons
  // The rows' source: its floor() bounds the discovery and model candidates, its because() names
  // the model items' reasons. Null: every finite score ranks, no "because" item.
  const ScoreSource* source = nullptr;
};

// One customer's side of the rules.
struct CustomerView {
  std::span<const std::uint32_t> history;  // items the customer has rows of (the CSR row)
  const float* scores = nullptr;           // score per item (the source's row), or null: no
                                           // discovery or model candidates
  std::span<const DueItem> due;            // items due, in due_items' order
  std::span<const std::uint32_t> blocked, removed, demoted;  // sorted item indices
  std::optional<double> price_min, price_max;                // the tier's window, else the
                                                             // campaign's
  std::uint32_t customer = 0;  // index into Dataset::customer_ids, for the source's because()
};

// Places one customer's items into `list`, slot type by slot type, under the rules.
class ListBuilder {
 public:
  ListBuilder(const SlotContext& ctx, const CustomerView& who, ListScratch& scratch,
              std::vector<CampaignEntry>& list)
      : ctx_(ctx), who_(who), s_(scratch), list_(list) {}

  // Places up to `need` items of `slot` after those already in the list; returns how many.
  int fill(Slot slot, int need);

  // Rules 1 to 7 of docs/campaigns.md: allowed, not in the list yet, within the price window,
  // not blocked, not removed by a negative event.
  [[nodiscard]] bool eligible(std::uint32_t i) const;
  // Rule 9: the item's category has room under max_per_category.
  [[nodiscard]] bool cap_ok(std::uint32_t i) const;
  // A negative event demoted the pair: it ranks after every other candidate of a slot.
  [[nodiscard]] bool demoted(std::uint32_t i) const;

 private:
  int fill_repeat(int need);
  int fill_discovery(int need);
  int fill_model(int need);
  int fill_popular(int need);

  // A discovery or model candidate by score: above the source's floor.
  [[nodiscard]] bool scored(std::uint32_t i) const {
    return who_.scores[i] > (ctx_.source ? ctx_.source->floor() : kNoScore);
  }
  // Rule 8 for model and popular slots: not bought, or in a repurchasable category.
  [[nodiscard]] bool may_rebuy(std::uint32_t i) const {
    return !s_.bought[i] || ctx_.items.is_repurchasable(i);
  }
  void place(std::uint32_t i, float score, Slot slot, std::string reason);
  template <class Rule>
  void offer(float key, std::uint32_t i, Rule rule);
  template <class KeyOf, class Rule>
  void offer_items(KeyOf key_of, Rule rule);
  template <class ReasonOf>
  int take_sorted(int need, Slot slot, int got, ReasonOf& reason_of);
  template <class Generate, class ReasonOf>
  int fill_ranked(int need, Slot slot, Generate generate, ReasonOf reason_of);
  template <class ScoreOf>
  void report_scores(int got, ScoreOf score_of);

  const SlotContext& ctx_;
  CustomerView who_;
  ListScratch& s_;
  std::vector<CampaignEntry>& list_;
};

// Items placed and slots passed on, per slot type.
struct SlotCounts {
  std::int64_t filled[kSlotTypes] = {};  // items placed
  std::int64_t fell[kSlotTypes] = {};    // slots of type t passed on to recipe.fallback[t]
};

// Fills the slot types of `recipe` in the order repeat, discovery, model, popular through
// fill_slot(Slot, need) -> items placed, called only when need > 0. The slots a type leaves
// unfilled are added to the need of recipe.fallback[t], which comes later in the order; without
// a fallback they stay empty (a short list).
template <class FillSlot>
void fill_recipe(const Recipe& recipe, FillSlot&& fill_slot, SlotCounts& counts) {
  int need[kSlotTypes];
  for (int t = 0; t < kSlotTypes; ++t) need[t] = recipe.count[t];
  for (int t = 0; t < kSlotTypes; ++t) {
    const int got = need[t] > 0 ? fill_slot(static_cast<Slot>(t), need[t]) : 0;
    counts.filled[t] += got;
    const int missing = need[t] - got;
    if (missing > 0 && recipe.fallback[t]) {
      need[static_cast<int>(*recipe.fallback[t])] += missing;
      counts.fell[t] += missing;
    }
  }
}

}  // namespace tailor
