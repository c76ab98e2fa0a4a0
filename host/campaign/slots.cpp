#include "host/campaign/slots.hpp"

#include <algorithm>
#include <cmath>

#include "host/campaign/reasons.hpp"

namespace tailor {
namespace {

bool contains(std::span<const std::uint32_t> sorted, std::uint32_t x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

const DueItem& due_of(std::span<const DueItem> due, std::uint32_t item) {
  return *std::find_if(due.begin(), due.end(), [item](const DueItem& d) { return d.item == item; });
}

}  // namespace

ListScratch::ListScratch(std::size_t items, std::size_t categories)
    : chosen(items, 0), bought(items, 0), bought_category(categories, 0),
      per_category(categories, 0) {}

void ListScratch::begin(std::span<const std::uint32_t> history, const ItemMeta& im) {
  for (const std::uint32_t i : history) {
    bought[i] = 1;
    if (im.has_category() && im.category[i] != kNoCategory) bought_category[im.category[i]] = 1;
  }
}

void ListScratch::reset(std::span<const std::uint32_t> history,
                        const std::vector<CampaignEntry>& list, const ItemMeta& im, bool capped) {
  for (const auto& e : list) chosen[e.item] = 0;
  if (capped)
    for (const auto& e : list)
      if (im.category[e.item] != kNoCategory) per_category[im.category[e.item]] = 0;
  for (const std::uint32_t i : history) {
    bought[i] = 0;
    if (im.has_category() && im.category[i] != kNoCategory) bought_category[im.category[i]] = 0;
  }
}

bool ListBuilder::eligible(std::uint32_t i) const {
  if (!ctx_.items.allowed[i] || s_.chosen[i]) return false;
  const std::optional<double>& pmin = who_.price_min;
  const std::optional<double>& pmax = who_.price_max;
  if (pmin || pmax) {
    const float p = ctx_.data.item_meta.price[i];
    if (std::isnan(p) || (pmin && p < *pmin) || (pmax && p > *pmax)) return false;
  }
  if (!who_.blocked.empty() && contains(who_.blocked, i)) return false;
  if (!who_.removed.empty() && contains(who_.removed, i)) return false;
  return true;
}

bool ListBuilder::cap_ok(std::uint32_t i) const {
  const int cap = ctx_.config.max_per_category;
  if (cap <= 0) return true;
  const std::uint32_t cat = ctx_.data.item_meta.category[i];
  return cat == kNoCategory || s_.per_category[cat] < cap;
}

bool ListBuilder::demoted(std::uint32_t i) const {
  return !who_.demoted.empty() && contains(who_.demoted, i);
}

void ListBuilder::place(std::uint32_t i, float score, Slot slot, std::string reason) {
  s_.chosen[i] = 1;
  const ItemMeta& im = ctx_.data.item_meta;
  if (ctx_.config.max_per_category > 0 && im.category[i] != kNoCategory)
    ++s_.per_category[im.category[i]];
  list_.push_back({i, score, slot, std::move(reason)});
}

// Offers candidate (key, i) to the pool when it could enter and passes `rule`: the rules are
// checked only for the few candidates that beat the pool's bar.
template <class Rule>
void ListBuilder::offer(float key, std::uint32_t i, Rule rule) {
  const Candidate x{key, i, demoted(i)};
  if (s_.pool.admits(x) && rule()) s_.pool.add(x);
}

// Offers every item of the catalogue, in index order, with key_of(i) and rule(i).
template <class KeyOf, class Rule>
void ListBuilder::offer_items(KeyOf key_of, Rule rule) {
  const auto n = static_cast<std::uint32_t>(ctx_.data.items());
  for (std::uint32_t i = 0; i < n; ++i) offer(key_of(i), i, [&] { return rule(i); });
}

// Takes the pool's candidates best first until the slot holds `need`, skipping those the
// category cap refuses; returns the new count.
template <class ReasonOf>
int ListBuilder::take_sorted(int need, Slot slot, int got, ReasonOf& reason_of) {
  auto& kept = s_.pool.candidates();
  std::sort(kept.begin(), kept.end(), better);
  for (const Candidate& x : kept) {
    if (got == need) break;
    if (s_.chosen[x.item] || !cap_ok(x.item)) continue;
    place(x.item, x.key, slot, reason_of(x.item));
    ++got;
  }
  return got;
}

// generate() offers every candidate of the slot to the pool, which keeps the best few; when
// those run out before the slot is full and more exist, it runs again keeping 8 times more.
template <class Generate, class ReasonOf>
int ListBuilder::fill_ranked(int need, Slot slot, Generate generate, ReasonOf reason_of) {
  int got = 0;
  std::size_t keep = std::max<std::size_t>(16, 2 * static_cast<std::size_t>(need));
  while (got < need) {
    s_.pool.reset(keep);
    generate();
    got = take_sorted(need, slot, got, reason_of);
    if (!s_.pool.truncated()) break;
    keep *= 8;
  }
  return got;
}

// The score exported for the last `got` items: score_of(item), not the ranking key.
template <class ScoreOf>
void ListBuilder::report_scores(int got, ScoreOf score_of) {
  for (auto it = list_.end() - got; it != list_.end(); ++it) it->score = score_of(it->item);
}

int ListBuilder::fill(Slot slot, int need) {
  switch (slot) {
    case Slot::repeat: return fill_repeat(need);
    case Slot::discovery: return fill_discovery(need);
    case Slot::model: return fill_model(need);
    case Slot::popular: return fill_popular(need);
  }
  return 0;
}

int ListBuilder::fill_repeat(int need) {
  const std::span<const DueItem> due = who_.due;
  auto generate = [&] {
    for (const DueItem& d : due) {
      // Timing bump x (1 + the customer's own re-buys of the item): of two items equally due,
      // the one bought again more often comes first.
      const double key = d.score * (1.0 + d.customer_intervals);
      offer(static_cast<float>(key), d.item, [&] {
        return eligible(d.item) &&
               (ctx_.items.repurchasable.empty() || ctx_.items.is_repurchasable(d.item));
      });
    }
  };
  const int got = fill_ranked(need, Slot::repeat, generate, [&](std::uint32_t i) {
    return due_reason(due_of(due, i), ctx_.campaign_time);
  });
  // Report the due score in (0, 1], not the ranking key.
  report_scores(got, [&](std::uint32_t i) { return static_cast<float>(due_of(due, i).score); });
  return got;
}

int ListBuilder::fill_discovery(int need) {
  const float* sc = who_.scores;
  if (!sc) return 0;
  const ItemMeta& im = ctx_.data.item_meta;
  // The pool: the best-scored candidates; then ranked by score x price^w.
  const auto pool_size = static_cast<std::size_t>(ctx_.config.discovery_pool);
  s_.pool.reset(pool_size);
  offer_items([sc](std::uint32_t i) { return sc[i]; }, [&](std::uint32_t i) {
    return scored(i) && !s_.bought[i] && im.category[i] != kNoCategory &&
           !s_.bought_category[im.category[i]] && eligible(i);
  });
  s_.pool.cut(pool_size);
  const double w = ctx_.config.discovery_value_weight;
  if (w > 0 && im.has_price()) {
    for (Candidate& x : s_.pool.candidates()) {
      const float p = im.price[x.item];
      if (x.key > 0 && std::isfinite(p) && p > 0)
        x.key = x.key * static_cast<float>(std::pow(p, w));
    }
  }
  auto reason = [&](std::uint32_t i) { return new_category_reason(im, i); };
  const int got = take_sorted(need, Slot::discovery, 0, reason);
  // Report the model score, not the ranking key.
  report_scores(got, [sc](std::uint32_t i) { return sc[i]; });
  return got;
}

int ListBuilder::fill_model(int need) {
  const float* sc = who_.scores;
  if (!sc) return 0;
  auto generate = [&] {
    offer_items([sc](std::uint32_t i) { return sc[i]; },
                [&](std::uint32_t i) { return scored(i) && may_rebuy(i) && eligible(i); });
  };
  return fill_ranked(need, Slot::model, generate, [&](std::uint32_t i) {
    return because_reason(ctx_.data,
                          ctx_.source ? ctx_.source->because(who_.customer, i) : kNoItem);
  });
}

int ListBuilder::fill_popular(int need) {
  const auto& popularity = ctx_.items.popularity;
  auto generate = [&] {
    offer_items([&](std::uint32_t i) { return static_cast<float>(popularity[i]); },
                [&](std::uint32_t i) { return popularity[i] > 0 && may_rebuy(i) && eligible(i); });
  };
  const int got = fill_ranked(need, Slot::popular, generate,
                              [&](std::uint32_t i) { return popular_reason(popularity[i]); });
  const auto customers = static_cast<double>(std::max<std::int64_t>(1, ctx_.data.customers()));
  report_scores(got, [&](std::uint32_t i) {
    return static_cast<float>(static_cast<double>(popularity[i]) / customers);
  });
  return got;
}

}  // namespace tailor
