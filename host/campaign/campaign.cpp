#include "host/campaign/campaign.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <numeric>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/io/csv.hpp"
#include "host/io/time.hpp"

namespace tailor {
namespace {

constexpr std::uint32_t kMissing = std::numeric_limits<std::uint32_t>::max();

std::unordered_map<std::string_view, std::uint32_t> index_of(const std::vector<std::string>& ids) {
  std::unordered_map<std::string_view, std::uint32_t> out;
  out.reserve(ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) out.emplace(ids[k], static_cast<std::uint32_t>(k));
  return out;
}

// `customer_id,item_id` pairs after that header, read with the importer's CSV parser (quoting,
// gzip). Unknown ids are counted, not errors: the blocklist is kept across nights while customers
// and items come and go.
struct Blocklist {
  std::vector<std::vector<std::uint32_t>> items;  // per customer, sorted
  std::int64_t rows = 0, unknown = 0;
};

Blocklist read_blocklist(const std::filesystem::path& path, const Dataset& data) {
  const std::string file = path.string();
  Blocklist b;
  b.items.resize(data.customer_ids.size());
  const auto customers = index_of(data.customer_ids);
  const auto items = index_of(data.item_ids);
  bool header = true;
  read_csv_records(path, ',', [&](const std::vector<std::string_view>& f, std::int64_t line) {
    if (header) {
      if (f.size() != 2 || f[0] != "customer_id" || f[1] != "item_id")
        throw InputError(fmt::format(
            "{}: line {}: the blocklist header must be \"customer_id,item_id\", found \"{}\"", file,
            line, fmt::join(f, ",")));
      header = false;
      return;
    }
    if (f.size() != 2)
      throw InputError(fmt::format("{}: line {}: expected 2 fields (customer_id,item_id), found {}",
                                   file, line, f.size()));
    ++b.rows;
    auto c = customers.find(f[0]);
    auto i = items.find(f[1]);
    if (c == customers.end() || i == items.end()) {
      ++b.unknown;
      return;
    }
    b.items[c->second].push_back(i->second);
  });
  if (header) throw InputError(fmt::format("{}: the blocklist is empty (no header row)", file));
  for (auto& v : b.items) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  return b;
}

bool contains(const std::vector<std::uint32_t>& sorted, std::uint32_t x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

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
constexpr Better better{};

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
  std::vector<Candidate> buf_;
  std::size_t keep_ = 1;
  Candidate bar_{};
  bool has_bar_ = false, truncated_ = false;
};

}  // namespace

const char* to_string(Slot s) { return kSlotNames.name(s); }

Slot parse_slot(const std::string& name) {
  if (const auto s = kSlotNames.find(name)) return *s;
  throw InputError(fmt::format("unknown slot type \"{}\"; slot types are {}", name,
                               kSlotNames.choices(", ")));
}

const char* to_string(NegativeAction a) { return kNegativeActionNames.name(a); }

namespace {

// Per event index, the NegativeAction of [suppression] as an int, or -1 for other events.
// InputError for an event name the file does not have.
std::vector<int> negative_actions(const Dataset& data, const CampaignConfig& config) {
  std::vector<int> action(data.event_names.size(), -1);
  for (const auto& [name, a] : config.negative_events) {
    const int e = data.event_index(name);
    if (e < 0)
      throw InputError(fmt::format("[suppression] {}: {} has no event \"{}\"; its events are {}",
                                   name, data.path.string(), name,
                                   fmt::join(data.event_names, ", ")));
    action[static_cast<std::size_t>(e)] = static_cast<int>(a);
  }
  return action;
}

}  // namespace

std::vector<bool> interaction_rows(const Dataset& data, const CampaignConfig& config) {
  if (config.negative_events.empty() || data.log.event.empty()) return {};
  const std::vector<int> action = negative_actions(data, config);
  std::vector<bool> keep(static_cast<std::size_t>(data.log.size()));
  bool any_dropped = false;
  for (std::int64_t r = 0; r < data.log.size(); ++r) {
    keep[static_cast<std::size_t>(r)] = action[data.log.event[r]] < 0;
    any_dropped |= !keep[static_cast<std::size_t>(r)];
  }
  if (!any_dropped) return {};
  return keep;
}


Campaign build_campaign(const Model& model, const Dataset& data, const InteractionMatrices& m,
                        const CampaignConfig& config, const Backend& backend) {
  const auto start = std::chrono::steady_clock::now();
  validate(config, "campaign");
  const std::string file = data.path.string();
  const InteractionLog& log = data.log;
  const std::int64_t n_items = data.items();
  const std::int64_t n_customers = data.customers();
  const ItemMeta& im = data.item_meta;

  Campaign camp;
  camp.campaign_id = config.campaign_id;
  const bool has_time = !log.time.empty();

  // Which slot types can be reached (directly or through fallbacks) in any recipe.
  std::vector<const Recipe*> recipes{&config.recipe};
  for (const auto& [name, r] : config.tier_rules)
    if (r.recipe) recipes.push_back(&*r.recipe);
  bool reach[kSlotTypes] = {};
  int longest = 0;
  for (const Recipe* r : recipes) {
    longest = std::max(longest, r->length());
    bool carried[kSlotTypes] = {};
    for (int t = 0; t < kSlotTypes; ++t) {
      if (r->count[t] > 0 || carried[t]) {
        reach[t] = true;
        if (r->fallback[t]) carried[static_cast<int>(*r->fallback[t])] = true;
      }
    }
  }
  camp.list_length = longest;

  if (!has_time && (reach[0] || !config.tier_rules.empty()))
    throw InputError(fmt::format(
        "{}: /interactions/time is missing; repeat slots and tier rules need purchase times",
        file));
  if (config.campaign_time) {
    camp.campaign_time = *config.campaign_time;
  } else if (has_time) {
    camp.campaign_time = *std::max_element(log.time.begin(), log.time.end()) + 1;
  }
  if (reach[1] && !im.has_category())
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

  // Value tiers and their rules.
  TierOptions tier_options = config.tiers;
  if (tier_options.names.empty())
    for (int t = 0; t < tier_options.tiers; ++t)
      tier_options.names.push_back(fmt::format("tier{}", t + 1));
  camp.tier_names = tier_options.names;
  if (has_time) {
    camp.rfm = rfm_scores(data, camp.campaign_time, tier_options);
  } else {
    camp.rfm.assign(static_cast<std::size_t>(n_customers), Rfm{});
  }
  const int n_tiers = tier_options.tiers;
  std::vector<const TierRules*> tier_rules(static_cast<std::size_t>(n_tiers) + 1, nullptr);
  for (const auto& [name, r] : config.tier_rules) {
    auto it = std::find(camp.tier_names.begin(), camp.tier_names.end(), name);
    if (it == camp.tier_names.end() && name != kNoTierName)
      throw InputError(fmt::format("[tier.{}]: no tier is called \"{}\"; the tiers are {} and {}",
                                   name, name, fmt::join(camp.tier_names, ", "), kNoTierName));
    const std::size_t slot = it == camp.tier_names.end()
                                 ? static_cast<std::size_t>(n_tiers)
                                 : static_cast<std::size_t>(it - camp.tier_names.begin());
    tier_rules[slot] = &r;
  }
  auto rules_of = [&](int tier) -> const TierRules* {
    return tier_rules[tier == kNoTier ? static_cast<std::size_t>(n_tiers)
                                      : static_cast<std::size_t>(tier)];
  };

  // Items: the global rule (availability, include and exclude lists) and the model's factors.
  const auto item_index = index_of(data.item_ids);
  std::vector<std::uint8_t> allowed(static_cast<std::size_t>(n_items), 1);
  for (std::int64_t i = 0; i < n_items; ++i) allowed[i] = im.is_available(i) ? 1 : 0;
  auto lookup_items = [&](const std::vector<std::string>& ids, const char* what) {
    std::vector<std::uint32_t> out;
    std::int64_t unknown = 0;
    for (const auto& id : ids) {
      auto it = item_index.find(id);
      if (it == item_index.end()) {
        ++unknown;
      } else {
        out.push_back(it->second);
      }
    }
    if (unknown > 0)
      spdlog::warn("campaign: {} of the {} item ids in {} are not in {}", unknown, ids.size(), what,
                   file);
    return out;
  };
  if (!config.include_items.empty()) {
    std::vector<std::uint8_t> in(static_cast<std::size_t>(n_items), 0);
    for (auto i : lookup_items(config.include_items, "include_items")) in[i] = 1;
    for (std::int64_t i = 0; i < n_items; ++i) allowed[i] &= in[i];
  }
  for (auto i : lookup_items(config.exclude_items, "exclude_items")) allowed[i] = 0;

  std::vector<std::uint8_t> repurchasable;
  if (!config.repurchasable.empty()) {
    repurchasable.assign(im.category_names.size(), 0);
    for (const auto& name : config.repurchasable) {
      if (name == "*") {  // every category (groceries: everything is bought again)
        std::fill(repurchasable.begin(), repurchasable.end(), 1);
        continue;
      }
      auto it = std::find(im.category_names.begin(), im.category_names.end(), name);
      if (it == im.category_names.end())
        throw InputError(fmt::format(
            "[rules] repurchasable: {} has no category \"{}\" ({} categories in /items/category)",
            file, name, im.category_names.size()));
      repurchasable[static_cast<std::size_t>(it - im.category_names.begin())] = 1;
    }
  }
  auto is_repurchasable = [&](std::uint32_t item) {
    if (repurchasable.empty()) return false;
    const std::uint32_t c = im.category[item];
    return c != kNoCategory && repurchasable[c] != 0;
  };

  const int k = model.params.factors;
  const auto model_items = index_of(model.item_ids);
  const auto model_customers = index_of(model.customer_ids);
  std::vector<const float*> item_factor(static_cast<std::size_t>(n_items), nullptr);
  std::vector<float> item_norm(static_cast<std::size_t>(n_items), 0.0f);
  for (std::int64_t i = 0; i < n_items; ++i) {
    auto it = model_items.find(data.item_ids[i]);
    if (it == model_items.end()) continue;
    const float* v = model.item_factors.data() + static_cast<std::size_t>(it->second) * k;
    item_factor[i] = v;
    double s = 0;
    for (int f = 0; f < k; ++f) s += double(v[f]) * v[f];
    item_norm[i] = static_cast<float>(std::sqrt(s));
  }

  // Popularity: distinct customers per item in the data.
  std::vector<std::int64_t> popularity(static_cast<std::size_t>(n_items), 0);
  for (std::int64_t i = 0; i < n_items; ++i)
    popularity[i] = m.item_customers.indptr[i + 1] - m.item_customers.indptr[i];

  // Per-customer rule inputs: blocklist, negative events, due items.
  Blocklist block;
  if (config.blocklist) {
    block = read_blocklist(*config.blocklist, data);
    camp.stats.blocklist_pairs = block.rows;
    if (block.unknown > 0)
      spdlog::warn("campaign: {} of {} blocklist rows name a customer or item not in {}",
                   block.unknown, block.rows, file);
  } else {
    block.items.resize(static_cast<std::size_t>(n_customers));
  }
  std::vector<std::vector<std::uint32_t>> removed(static_cast<std::size_t>(n_customers));
  std::vector<std::vector<std::uint32_t>> demoted(static_cast<std::size_t>(n_customers));
  std::vector<std::uint8_t> suppressed(static_cast<std::size_t>(n_customers), 0);
  if (!config.negative_events.empty()) {
    if (log.event.empty())
      throw InputError(fmt::format(
          "{}: [suppression] names negative events but the file has no /interactions/event column",
          file));
    const std::vector<int> action = negative_actions(data, config);
    for (std::int64_t r = 0; r < log.size(); ++r) {
      const int a = action[log.event[r]];
      if (a < 0 || (has_time && log.time[r] > camp.campaign_time)) continue;
      const std::uint32_t c = log.customer[r], i = log.item[r];
      switch (static_cast<NegativeAction>(a)) {
        case NegativeAction::remove: removed[c].push_back(i); break;
        case NegativeAction::demote: demoted[c].push_back(i); break;
        case NegativeAction::suppress: suppressed[c] = 1; break;
      }
    }
    for (auto* lists : {&removed, &demoted})
      for (auto& v : *lists) {
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
      }
  }

  std::vector<std::vector<DueItem>> due(static_cast<std::size_t>(n_customers));
  if (reach[0]) {
    ReplenishOptions replenish = config.replenish;
    replenish.purchase_event = config.tiers.purchase_event;
    for (DueItem& d : due_items(data, camp.campaign_time, replenish)) due[d.customer].push_back(d);
  }

  // Who gets a list, and who is in control (stratified by tier among those listed).
  std::vector<std::uint32_t> listed;
  for (std::int64_t c = 0; c < n_customers; ++c) {
    if (data.customer_meta.opted_out(c)) {
      ++camp.stats.opted_out;
    } else if (suppressed[c]) {
      ++camp.stats.suppressed_by_event;
    } else {
      listed.push_back(static_cast<std::uint32_t>(c));
    }
  }
  camp.stats.customers = n_customers;
  std::vector<std::uint8_t> control(listed.size(), 0);
  if (config.control_fraction > 0) {
    std::vector<std::string> ids;
    std::vector<int> tiers;
    ids.reserve(listed.size());
    for (auto c : listed) {
      ids.push_back(data.customer_ids[c]);
      tiers.push_back(camp.rfm[c].tier);
    }
    control = assign_control(ids, tiers, config.campaign_id, config.control_fraction);
  }

  camp.lists.resize(listed.size());
  const std::size_t n_categories = im.category_names.size();
  std::int64_t filled[kSlotTypes] = {}, fell[kSlotTypes] = {};
  std::int64_t not_in_model = 0, without_history = 0;
  const int nt = backend.threads();

  // Model scores come in blocks of customers from the backend's scorer, over the item factors in
  // the data's item order (zero rows for items the model does not know; those are never
  // candidates).
  const bool need_scores = reach[1] || reach[2];
  std::vector<float> item_rows;
  std::unique_ptr<Scorer> scorer;
  if (need_scores) {
    item_rows.assign(static_cast<std::size_t>(n_items) * static_cast<std::size_t>(k), 0.0f);
    for (std::int64_t i = 0; i < n_items; ++i)
      if (item_factor[i])
        std::copy(item_factor[i], item_factor[i] + k,
                  item_rows.begin() + static_cast<std::ptrdiff_t>(i) * k);
    scorer = backend.scorer(FactorsView{item_rows.data(), n_items, k});
  }
  const std::int64_t stride = scorer ? scorer->stride() : 0;
  const int block_rows = scorer ? scorer->block_rows() : 4;  // customers per block
  const auto n_listed = static_cast<std::int64_t>(listed.size());
  const std::int64_t n_blocks = (n_listed + block_rows - 1) / block_rows;
  auto factors_of = [&](std::uint32_t c) -> const float* {
    auto it = model_customers.find(data.customer_ids[c]);
    if (it == model_customers.end()) return nullptr;
    return model.customer_factors.data() + static_cast<std::size_t>(it->second) * k;
  };

#pragma omp parallel num_threads(nt) reduction(+ : not_in_model, without_history)
  {
    std::vector<float> xb(scorer ? static_cast<std::size_t>(block_rows) * k : 0);
    HostRows rows_buffer = scorer ? scorer->rows() : HostRows();
    float* const scores = rows_buffer.data();
    std::vector<int> row_of(static_cast<std::size_t>(block_rows), -1);
    std::vector<std::uint8_t> chosen(static_cast<std::size_t>(n_items), 0);
    std::vector<std::uint8_t> bought(static_cast<std::size_t>(n_items), 0);
    std::vector<std::uint8_t> bought_category(n_categories, 0);
    std::vector<int> per_category(n_categories, 0);
    Pool pool;
    std::int64_t my_filled[kSlotTypes] = {}, my_fell[kSlotTypes] = {};

#pragma omp for schedule(dynamic, 1)
    for (std::int64_t blk = 0; blk < n_blocks; ++blk) {
      const std::int64_t first = blk * block_rows, last = std::min(n_listed, first + block_rows);
      int rows = 0;
      for (std::int64_t li = first; li < last; ++li) {
        const std::uint32_t c = listed[static_cast<std::size_t>(li)];
        row_of[static_cast<std::size_t>(li - first)] = -1;
        const float* u = scorer && m.customer_items.indptr[c + 1] > m.customer_items.indptr[c]
                             ? factors_of(c)
                             : nullptr;
        if (!u) continue;
        std::copy(u, u + k, xb.begin() + static_cast<std::ptrdiff_t>(rows) * k);
        row_of[static_cast<std::size_t>(li - first)] = rows++;
      }
      if (rows > 0) scorer->score(xb.data(), rows, scores);
      for (std::int64_t li = first; li < last; ++li) {
        const std::uint32_t c = listed[static_cast<std::size_t>(li)];
        CustomerList& out = camp.lists[static_cast<std::size_t>(li)];
        out.customer = c;
        out.tier = camp.rfm[c].tier;
        out.control = control[static_cast<std::size_t>(li)] != 0;
        const TierRules* tr = rules_of(out.tier);
        const Recipe& recipe = tr && tr->recipe ? *tr->recipe : config.recipe;
        out.recipe_length = recipe.length();
        const std::optional<double> pmin = tr && tr->price_min ? tr->price_min : config.price_min;
        const std::optional<double> pmax = tr && tr->price_max ? tr->price_max : config.price_max;

        const std::int64_t hb = m.customer_items.indptr[c], he = m.customer_items.indptr[c + 1];
        for (std::int64_t j = hb; j < he; ++j) {
          const std::uint32_t i = m.customer_items.indices[j];
          bought[i] = 1;
          if (im.has_category() && im.category[i] != kNoCategory)
            bought_category[im.category[i]] = 1;
        }

        // The customer's model scores over all items (sc[i], for items with factors), or none:
        // without history the model's factors say nothing (they are ~0), so popular items instead.
        const int row = row_of[static_cast<std::size_t>(li - first)];
        const float* sc = row >= 0 ? scores + static_cast<std::size_t>(row) *
                                                  static_cast<std::size_t>(stride)
                                   : nullptr;
        const float* u = sc ? factors_of(c) : nullptr;
        if (hb == he) {
          ++without_history;
        } else if (!sc && need_scores) {
          ++not_in_model;
        }

        const auto& blocked = block.items[c];
        const auto& gone = removed[c];
        const auto& low = demoted[c];
        // The rules every slot obeys.
        auto eligible = [&](std::uint32_t i) {
          if (!allowed[i] || chosen[i]) return false;
          if (pmin || pmax) {
            const float p = im.price[i];
            if (std::isnan(p) || (pmin && p < *pmin) || (pmax && p > *pmax)) return false;
          }
          if (!blocked.empty() && contains(blocked, i)) return false;
          if (!gone.empty() && contains(gone, i)) return false;
          return true;
        };
        auto cap_ok = [&](std::uint32_t i) {
          if (config.max_per_category <= 0) return true;
          const std::uint32_t cat = im.category[i];
          return cat == kNoCategory || per_category[cat] < config.max_per_category;
        };
        auto place = [&](std::uint32_t i, float s, Slot slot, std::string reason) {
          chosen[i] = 1;
          if (config.max_per_category > 0 && im.category[i] != kNoCategory)
            ++per_category[im.category[i]];
          out.items.push_back({i, s, slot, std::move(reason)});
        };
        auto is_low = [&](std::uint32_t i) { return !low.empty() && contains(low, i); };
        // Takes candidates best first, skipping those the category cap refuses. generate()
        // offers every candidate of the slot to `pool`, which keeps the best few; when those
        // run out before the slot is full and more exist, it runs again keeping 8 times more.
        auto take_sorted = [&](int need, Slot slot, int got, auto& reason_of) {
          auto& kept = pool.candidates();
          std::sort(kept.begin(), kept.end(), better);
          for (const Candidate& x : kept) {
            if (got == need) break;
            if (chosen[x.item] || !cap_ok(x.item)) continue;
            place(x.item, x.key, slot, reason_of(x.item));
            ++got;
          }
          return got;
        };
        auto fill = [&](int need, Slot slot, auto generate, auto reason_of) {
          int got = 0;
          std::size_t keep = std::max<std::size_t>(16, 2 * static_cast<std::size_t>(need));
          while (got < need) {
            pool.reset(keep);
            generate();
            got = take_sorted(need, slot, got, reason_of);
            if (!pool.truncated()) break;
            keep *= 8;
          }
          return got;
        };
        // Offers candidate (key, i) to the pool when it could enter and passes `rule`.
        auto offer = [&](float key, std::uint32_t i, auto rule) {
          const Candidate x{key, i, is_low(i)};
          if (pool.admits(x) && rule()) pool.add(x);
        };
        auto because = [&](std::uint32_t i) {
          // The bought item most similar to i (cosine of item factors).
          const float* v = item_factor[i];
          float best = -2.0f;
          std::uint32_t arg = kMissing;
          for (std::int64_t j = hb; j < he; ++j) {
            const std::uint32_t b = m.customer_items.indices[j];
            const float* w = item_factor[b];
            if (!w || b == i || item_norm[b] == 0.0f) continue;
            float s = 0.0f;
            for (int f = 0; f < k; ++f) s += v[f] * w[f];
            s /= item_norm[b];
            if (s > best) {
              best = s;
              arg = b;
            }
          }
          if (arg == kMissing) return std::string("recommended for you");
          const std::string& name =
              im.name.empty() || im.name[arg].empty() ? data.item_ids[arg] : im.name[arg];
          return "because you bought " + name;
        };

        int need[kSlotTypes];
        for (int t = 0; t < kSlotTypes; ++t) need[t] = recipe.count[t];
        for (int t = 0; t < kSlotTypes; ++t) {
          const Slot slot = static_cast<Slot>(t);
          int got = 0;
          if (need[t] > 0) {
            switch (slot) {
              case Slot::repeat: {
                std::unordered_map<std::uint32_t, const DueItem*> by_item;
                for (const DueItem& d : due[c]) by_item.emplace(d.item, &d);
                auto generate = [&] {
                  for (const DueItem& d : due[c]) {
                    // Timing bump x (1 + the customer's own re-buys of the item): of two items
                    // equally due, the one bought again more often comes first.
                    const double key = d.score * (1.0 + d.customer_intervals);
                    offer(static_cast<float>(key), d.item, [&] {
                      return eligible(d.item) &&
                             (repurchasable.empty() || is_repurchasable(d.item));
                    });
                  }
                };
                got = fill(need[t], slot, generate, [&](std::uint32_t i) {
                  const DueItem& d = *by_item.at(i);
                  return fmt::format("{} {} (about every {:.0f} days)",
                                     d.expected <= camp.campaign_time ? "due since" : "due on",
                                     utc_date(d.expected), d.interval_days);
                });
                // Report the due score in (0, 1], not the ranking key.
                for (auto it = out.items.end() - got; it != out.items.end(); ++it)
                  it->score = static_cast<float>(by_item.at(it->item)->score);
                break;
              }
              case Slot::discovery: {
                if (!u) break;
                // The pool: the best-scored candidates; then ranked by score x price^w.
                const auto pool_size = static_cast<std::size_t>(config.discovery_pool);
                pool.reset(pool_size);
                for (std::int64_t i = 0; i < n_items; ++i) {
                  const auto ii = static_cast<std::uint32_t>(i);
                  offer(sc[i], ii, [&] {
                    return item_factor[i] && !bought[i] && im.category[i] != kNoCategory &&
                           !bought_category[im.category[i]] && eligible(ii);
                  });
                }
                pool.cut(pool_size);
                if (config.discovery_value_weight > 0 && im.has_price()) {
                  for (Candidate& x : pool.candidates()) {
                    const float p = im.price[x.item];
                    if (x.key > 0 && std::isfinite(p) && p > 0)
                      x.key =
                          x.key * static_cast<float>(std::pow(p, config.discovery_value_weight));
                  }
                }
                auto reason = [&](std::uint32_t i) {
                  return "new category: " + im.category_name(i);
                };
                got = take_sorted(need[t], slot, 0, reason);
                // Report the model score, not the ranking key.
                for (auto it = out.items.end() - got; it != out.items.end(); ++it)
                  it->score = sc[it->item];
                break;
              }
              case Slot::model: {
                if (!u) break;
                auto generate = [&] {
                  for (std::int64_t i = 0; i < n_items; ++i) {
                    const auto ii = static_cast<std::uint32_t>(i);
                    offer(sc[i], ii, [&] {
                      return item_factor[i] && (!bought[i] || is_repurchasable(ii)) && eligible(ii);
                    });
                  }
                };
                got = fill(need[t], slot, generate, because);
                break;
              }
              case Slot::popular: {
                auto generate = [&] {
                  for (std::int64_t i = 0; i < n_items; ++i) {
                    const auto ii = static_cast<std::uint32_t>(i);
                    offer(static_cast<float>(popularity[i]), ii, [&] {
                      return popularity[i] > 0 && (!bought[i] || is_repurchasable(ii)) &&
                             eligible(ii);
                    });
                  }
                };
                got = fill(need[t], slot, generate, [&](std::uint32_t i) {
                  return fmt::format("popular: bought by {} customers", popularity[i]);
                });
                for (auto it = out.items.end() - got; it != out.items.end(); ++it)
                  it->score = static_cast<float>(
                      static_cast<double>(popularity[it->item]) /
                      static_cast<double>(std::max<std::int64_t>(1, n_customers)));
                break;
              }
            }
          }
          my_filled[t] += got;
          const int missing = need[t] - got;
          if (missing > 0 && recipe.fallback[t]) {
            need[static_cast<int>(*recipe.fallback[t])] += missing;
            my_fell[t] += missing;
          }
        }

        // Reset the per-thread scratch for the next customer.
        for (const auto& e : out.items) chosen[e.item] = 0;
        if (config.max_per_category > 0)
          for (const auto& e : out.items)
            if (im.category[e.item] != kNoCategory) per_category[im.category[e.item]] = 0;
        for (std::int64_t j = hb; j < he; ++j) {
          const std::uint32_t i = m.customer_items.indices[j];
          bought[i] = 0;
          if (im.has_category() && im.category[i] != kNoCategory)
            bought_category[im.category[i]] = 0;
        }
      }
    }
#pragma omp critical
    for (int t = 0; t < kSlotTypes; ++t) {
      filled[t] += my_filled[t];
      fell[t] += my_fell[t];
    }
  }

  CampaignStats& st = camp.stats;
  st.not_in_model = not_in_model;
  st.without_history = without_history;
  for (int t = 0; t < kSlotTypes; ++t) {
    st.filled[t] = filled[t];
    st.fallback[t] = fell[t];
  }
  st.lists = static_cast<std::int64_t>(camp.lists.size());
  for (const CustomerList& l : camp.lists) {
    st.control += l.control;
    st.short_lists += static_cast<std::int64_t>(l.items.size()) < l.recipe_length;
    st.empty_lists += l.items.empty();
  }
  st.seconds = seconds_since(start);
  spdlog::info(
      "campaign {}: {} lists ({} control), {} opted out, {} suppressed, {} short, {:.2f} s",
      camp.campaign_id, st.lists, st.control, st.opted_out, st.suppressed_by_event, st.short_lists,
      st.seconds);
  return camp;
}

}  // namespace tailor
