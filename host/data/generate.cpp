// Synthetic interactions (docs/generate.md). Customers are generated in fixed blocks of
// kGenerateBlockCustomers, each with its own random streams keyed by (seed, stream, block), so
// the output does not depend on the thread count or on how many rows are buffered per write.
#include "host/data/generate.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <utility>

#include "host/core/error.hpp"
#include "host/io/h5.hpp"

namespace tailor {
namespace {

using nlohmann::json;

constexpr double kSecondsPerDay = 86400.0;
constexpr std::int64_t kAutoStringIdLimit = 2'000'000;
constexpr int kNewItemTries = 32;  // redraws of an item the customer already has, then accept it
constexpr std::int64_t kIdChunk = std::int64_t{1} << 20;

// Random stream names: each consumer of randomness draws from its own stream.
enum Stream : std::uint64_t { kStreamItems = 1, kStreamRates = 2, kStreamRows = 3 };

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** seeded through splitmix64 from (seed, stream, index). Its own uniform and normal
// draws (not <random>'s distributions) keep the output the same across standard libraries.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
    std::uint64_t x = seed;
    x = splitmix64(x) ^ (stream * 0xD1B54A32D192ED03ULL);
    x = splitmix64(x) ^ (index * 0x8CB92BA72F3D8DD7ULL);
    for (auto& w : s_) w = splitmix64(x);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // (0, 1], safe for log().
  double uniform_pos() { return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53; }
  // 0..n-1, n <= 2^53.
  std::int64_t index(std::int64_t n) {
    auto k = static_cast<std::int64_t>(uniform() * static_cast<double>(n));
    return std::min(k, n - 1);
  }
  // Standard normal (Box-Muller, one of the pair).
  double normal() {
    const double r = std::sqrt(-2.0 * std::log(uniform_pos()));
    return r * std::cos(2.0 * std::numbers::pi * uniform());
  }
  // floor(x) or floor(x) + 1 with probability frac(x): unbiased rounding.
  std::int64_t round_stochastic(double x) {
    const double f = std::floor(x);
    return static_cast<std::int64_t>(f) + (uniform() < x - f ? 1 : 0);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// Vose's alias method: O(n) to build, O(1) per draw.
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& weights)
      : prob_(weights.size()), alias_(weights.size()) {
    const std::size_t n = weights.size();
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t k = 0; k < n; ++k) {
      scaled[k] = weights[k] * static_cast<double>(n) / total;
      (scaled[k] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(k));
    }
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back(), l = large.back();
      small.pop_back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (auto k : large) prob_[k] = 1.0, alias_[k] = k;
    for (auto k : small) prob_[k] = 1.0, alias_[k] = k;  // rounding leftovers
  }
  [[nodiscard]] std::uint32_t sample(Rng& rng) const {
    const double u = rng.uniform() * static_cast<double>(prob_.size());
    const auto column = std::min(static_cast<std::size_t>(u), prob_.size() - 1);
    return (u - static_cast<double>(column)) < prob_[column] ? static_cast<std::uint32_t>(column)
                                                             : alias_[column];
  }

 private:
  std::vector<double> prob_;
  std::vector<std::uint32_t> alias_;
};

std::vector<double> zipf_weights(std::int64_t n, double s, double offset = 0.0) {
  std::vector<double> w(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < n; ++r) w[r] = std::pow(static_cast<double>(r + 1) + offset, -s);
  return w;
}

// Splits `total` into integer parts proportional to `weights` (largest remainder: floors, then
// one more to the largest fractional parts, ties to the lower index). Sums to total exactly.
std::vector<std::int64_t> apportion(std::int64_t total, const std::vector<double>& weights) {
  const std::size_t n = weights.size();
  std::vector<std::int64_t> parts(n, 0);
  if (n == 0 || total <= 0) return parts;
  const double sum = std::accumulate(weights.begin(), weights.end(), 0.0);
  std::vector<double> remainder(n);
  std::int64_t assigned = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double q = sum > 0 ? static_cast<double>(total) * (weights[k] / sum)
                             : static_cast<double>(total) / static_cast<double>(n);
    const double f = std::floor(q);
    parts[k] = static_cast<std::int64_t>(f);
    remainder[k] = q - f;
    assigned += parts[k];
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  // Rounding can leave the floors a little off in either direction; fix it one unit at a time.
  for (std::size_t k = 0; assigned < total; k = (k + 1) % n, ++assigned) ++parts[order[k]];
  for (std::size_t k = n; assigned > total;) {
    k = (k == 0 ? n : k) - 1;
    if (parts[order[k]] > 0) --parts[order[k]], --assigned;
  }
  return parts;
}

// Open-addressing map from item to the customer's row that first bought it, cleared in
// O(capacity) per customer.
class ItemRows {
 public:
  void reset(std::int64_t expected) {
    std::size_t cap = 16;
    while (cap < static_cast<std::size_t>(expected) * 2) cap <<= 1;
    keys_.assign(cap, kEmpty);
    rows_.resize(cap);
    mask_ = cap - 1;
  }
  // The row that bought the item, or -1.
  [[nodiscard]] std::int64_t find(std::uint32_t item) const {
    std::size_t h = slot(item);
    while (keys_[h] != kEmpty) {
      if (keys_[h] == item) return rows_[h];
      h = (h + 1) & mask_;
    }
    return -1;
  }
  // Records the item's first row (the caller checked with find() that it is new).
  void insert(std::uint32_t item, std::int64_t row) {
    std::size_t h = slot(item);
    while (keys_[h] != kEmpty) h = (h + 1) & mask_;
    keys_[h] = item;
    rows_[h] = row;
  }

 private:
  [[nodiscard]] std::size_t slot(std::uint32_t item) const {
    return (static_cast<std::size_t>(item) * 0x9E3779B1u) & mask_;
  }
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> keys_;
  std::vector<std::int64_t> rows_;
  std::size_t mask_ = 0;
};

// Everything per item, generated once from the items stream.
struct ItemModel {
  std::vector<std::uint32_t> by_rank;  // popularity rank -> item index
  AliasTable popularity;               // over ranks, Zipf(item_skew)
  std::vector<std::uint32_t> category;
  std::vector<float> price;
  std::vector<float> interval_days;
};

ItemModel build_items(const GenerateSpec& spec) {
  Rng rng(spec.seed, kStreamItems, 0);
  const auto n = static_cast<std::size_t>(spec.items);
  std::vector<std::uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  for (std::size_t k = n; k > 1; --k)
    std::swap(perm[k - 1], perm[static_cast<std::size_t>(rng.index(static_cast<std::int64_t>(k)))]);
  ItemModel m{std::move(perm),
              AliasTable(zipf_weights(spec.items, spec.item_skew, spec.item_skew_offset)),
              {}, {}, {}};

  // Category sizes are Zipf: which category is big is itself random (a shuffled order).
  std::vector<double> cat_w = zipf_weights(spec.categories, spec.category_skew);
  for (std::size_t k = cat_w.size(); k > 1; --k)
    std::swap(cat_w[k - 1], cat_w[static_cast<std::size_t>(rng.index(static_cast<std::int64_t>(k)))]);
  AliasTable cat_table(cat_w);
  std::vector<double> cat_price(static_cast<std::size_t>(spec.categories));
  for (auto& p : cat_price) p = spec.price_median * std::exp(spec.price_category_sigma * rng.normal());

  m.category.resize(n);
  m.price.resize(n);
  m.interval_days.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    m.category[i] = cat_table.sample(rng);
    const double price = cat_price[m.category[i]] * std::exp(spec.price_item_sigma * rng.normal());
    m.price[i] = static_cast<float>(std::max(0.01, std::round(price * 100.0) / 100.0));
    m.interval_days[i] = static_cast<float>(spec.repeat_interval_days *
                                            std::exp(spec.repeat_interval_sigma * rng.normal()));
  }
  return m;
}

// Per-customer rates of one block (lognormal, median 1), from the block's rates stream.
std::vector<double> block_rates(const GenerateSpec& spec, std::int64_t block) {
  const std::int64_t first = block * kGenerateBlockCustomers;
  const std::int64_t count = std::min(kGenerateBlockCustomers, spec.customers - first);
  Rng rng(spec.seed, kStreamRates, static_cast<std::uint64_t>(block));
  std::vector<double> rates(static_cast<std::size_t>(count));
  for (auto& r : rates) r = std::exp(spec.activity_sigma * rng.normal());
  return rates;
}

// Output columns of a run of rows.
struct Columns {
  std::vector<std::uint32_t> customer, item;
  std::vector<std::int64_t> time;
  std::vector<float> quantity, value;
  void resize(std::int64_t n) {
    const auto m = static_cast<std::size_t>(n);
    customer.resize(m);
    item.resize(m);
    time.resize(m);
    quantity.resize(m);
    value.resize(m);
  }
};

// Scratch space of one thread, reused across customers.
struct Scratch {
  ItemRows owned;
  std::vector<std::uint32_t> items;
  std::vector<std::int64_t> times;
  std::vector<std::int64_t> visits;
  std::vector<std::uint32_t> order;
};

struct BlockPlan {
  std::int64_t rows = 0;          // rows of the block
  std::int64_t offset = 0;        // first row of the block in the file
  std::int64_t extra_rows = 0;    // rows beyond one per customer, apportioned to the block
};

// What every customer's rows share: the spec, the items and the time span.
struct RowContext {
  const GenerateSpec& spec;
  const ItemModel& model;
  std::int64_t span;  // seconds covered by spec.days
  std::int64_t end;   // spec.start + span, exclusive
  double q_geo;       // log(1 - 1 / quantity_mean); 0: every quantity is 1
};

RowContext row_context(const GenerateSpec& spec, const ItemModel& model) {
  const auto span = static_cast<std::int64_t>(std::llround(spec.days * kSecondsPerDay));
  const double q_geo = spec.quantity_mean > 1.0 ? std::log(1.0 - 1.0 / spec.quantity_mean) : 0.0;
  return {spec, model, span, spec.start + span, q_geo};
}

// A Zipf draw; parent receives the customer's row that first bought the item, or -1. One the
// customer already has stays a re-buy while the budget lasts (so the popularity of draws stays
// Zipf), else it is drawn again, up to kNewItemTries draws in all.
std::uint32_t draw_item(const ItemModel& model, Rng& rng, const ItemRows& owned,
                        bool budget_spent, std::int64_t& parent) {
  std::uint32_t item = model.by_rank[model.popularity.sample(rng)];
  parent = owned.find(item);
  for (int t = 1; t < kNewItemTries && parent >= 0 && budget_spent; ++t) {
    item = model.by_rank[model.popularity.sample(rng)];
    parent = owned.find(item);
  }
  return item;
}

// A re-buy comes the item's interval (jittered) after the earlier row at parent_time. Past the
// end of the span it goes before it instead (the pair's gap is the same); if neither fits,
// anywhere in the span. Unix seconds.
std::int64_t rebuy_time(const RowContext& x, Rng& rng, std::uint32_t item,
                        std::int64_t parent_time) {
  const double gap_days =
      x.model.interval_days[item] * std::exp(x.spec.repeat_jitter_sigma * rng.normal());
  const auto gap = std::max<std::int64_t>(1, std::llround(gap_days * kSecondsPerDay));
  std::int64_t t = parent_time + gap;
  if (t >= x.end) t = parent_time - gap;
  if (t < x.spec.start) t = x.spec.start + rng.index(x.span);
  return t;
}

// Draws one customer's n rows into s.items and s.times, in generation order. Returns the rows
// that are re-buys: the planned share of the n - 1 rows after the first, more only when the
// redraws of draw_item ran out.
std::int64_t draw_customer(const RowContext& x, Rng& rng, std::int64_t n, double repeat_p,
                           Scratch& s) {
  const std::int64_t repeats = std::clamp<std::int64_t>(
      rng.round_stochastic(repeat_p * static_cast<double>(n - 1)), 0, n - 1);
  // Visits: a basket of new items shares one time stamp.
  const std::int64_t visits = std::clamp<std::int64_t>(
      rng.round_stochastic(static_cast<double>(n) / x.spec.visit_rows), 1, n - repeats);
  s.visits.resize(static_cast<std::size_t>(visits));
  for (auto& v : s.visits) v = x.spec.start + rng.index(x.span);

  s.items.resize(static_cast<std::size_t>(n));
  s.times.resize(static_cast<std::size_t>(n));
  s.owned.reset(n);
  std::int64_t repeats_done = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    // A re-buy with the probability that spreads the remaining ones over the remaining rows.
    const bool rebuy = k > 0 && rng.uniform() * static_cast<double>(n - k) <
                                    static_cast<double>(repeats - repeats_done);
    std::int64_t parent = -1;
    std::uint32_t item = 0;
    if (rebuy) {
      // Copies an earlier row (uniformly, so items bought often are re-bought often).
      parent = rng.index(k);
      item = s.items[static_cast<std::size_t>(parent)];
    } else {
      item = draw_item(x.model, rng, s.owned, repeats_done >= repeats, parent);
    }
    s.items[static_cast<std::size_t>(k)] = item;
    if (parent < 0) {
      s.owned.insert(item, k);
      s.times[static_cast<std::size_t>(k)] = s.visits[static_cast<std::size_t>(rng.index(visits))];
      continue;
    }
    ++repeats_done;
    s.times[static_cast<std::size_t>(k)] =
        rebuy_time(x, rng, item, s.times[static_cast<std::size_t>(parent)]);
  }
  return repeats_done;
}

// Writes the customer's n drawn rows to out[at, at + n) in time order (ties in generation order),
// each with its quantity (1 + geometric) and value (quantity x price).
void write_customer(const RowContext& x, Rng& rng, std::uint32_t customer, std::int64_t n,
                    Scratch& s, Columns& out, std::int64_t at) {
  s.order.resize(static_cast<std::size_t>(n));
  std::iota(s.order.begin(), s.order.end(), 0u);
  std::stable_sort(s.order.begin(), s.order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return s.times[a] < s.times[b]; });
  for (std::int64_t k = 0; k < n; ++k) {
    const std::uint32_t src = s.order[static_cast<std::size_t>(k)];
    const auto row = static_cast<std::size_t>(at + k);
    const std::uint32_t item = s.items[src];
    const double quantity =
        x.q_geo < 0 ? 1.0 + std::floor(std::log(rng.uniform_pos()) / x.q_geo) : 1.0;
    out.customer[row] = customer;
    out.item[row] = item;
    out.time[row] = s.times[src];
    out.quantity[row] = static_cast<float>(quantity);
    out.value[row] = static_cast<float>(quantity * static_cast<double>(x.model.price[item]));
  }
}

// Generates the rows of one customer block into out[at, at + plan.rows). Returns re-buy rows.
std::int64_t generate_block(const GenerateSpec& spec, const ItemModel& model, double repeat_p,
                            std::int64_t block, const BlockPlan& plan, Columns& out,
                            std::int64_t at, Scratch& s) {
  const std::vector<double> rates = block_rates(spec, block);
  const std::vector<std::int64_t> extra = apportion(plan.extra_rows, rates);
  Rng rng(spec.seed, kStreamRows, static_cast<std::uint64_t>(block));
  const RowContext x = row_context(spec, model);
  std::int64_t repeats_total = 0;
  for (std::size_t c = 0; c < rates.size(); ++c) {
    const auto customer =
        static_cast<std::uint32_t>(block * kGenerateBlockCustomers + static_cast<std::int64_t>(c));
    const std::int64_t n = 1 + extra[c];
    repeats_total += draw_customer(x, rng, n, repeat_p, s);
    write_customer(x, rng, customer, n, s, out, at);
    at += n;
  }
  return repeats_total;
}

std::vector<std::string> id_strings(char prefix, std::int64_t n) {
  const int width = static_cast<int>(std::to_string(n).size());
  std::vector<std::string> ids(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) ids[k] = fmt::format("{}{:0{}}", prefix, k + 1, width);
  return ids;
}

void write_ids(h5::File& f, const std::string& dataset, char prefix, std::int64_t n,
               bool strings) {
  if (strings) {
    f.write_strings(dataset, id_strings(prefix, n));
    return;
  }
  f.create_column<std::int64_t>(dataset, n);
  std::vector<std::int64_t> buf;
  for (std::int64_t first = 0; first < n; first += kIdChunk) {
    const std::int64_t count = std::min(kIdChunk, n - first);
    buf.resize(static_cast<std::size_t>(count));
    std::iota(buf.begin(), buf.end(), first + 1);
    f.write_range(dataset, first, buf.data(), count);
  }
}

// The field list, once, for JSON in both directions.
#define TAILOR_GENERATE_FIELDS(X)                                                               \
  X(name) X(customers) X(items) X(interactions) X(categories) X(days) X(start) X(item_skew)     \
  X(item_skew_offset) X(category_skew) X(activity_sigma) X(visit_rows) X(repeat_fraction) X(repeat_interval_days)  \
  X(repeat_interval_sigma) X(repeat_jitter_sigma) X(price_median) X(price_category_sigma)      \
  X(price_item_sigma) X(quantity_mean) X(ids) X(seed)

}  // namespace

std::vector<std::string> generate_presets() {
  return {"online-retail-shape", "dunnhumby-shape", "lastfm-shape", "retail-1b"};
}

GenerateSpec generate_preset(const std::string& name) {
  GenerateSpec s;
  s.name = name;
  if (name == "online-retail-shape") {
    // UCI Online Retail after `tailor import` (397,924 rows, 2010-12-01 .. 2011-12-09); the
    // values below are calibrated against it (docs/generate.md lists the comparison).
    s.customers = 4339;
    s.items = 3665;
    s.interactions = 397924;
    s.categories = 40;
    s.days = 374;
    s.start = 1291161600;  // 2010-12-01
    s.item_skew = 1.25;
    s.item_skew_offset = 150;
    s.activity_sigma = 1.27;
    s.visit_rows = 21;
    s.repeat_fraction = 0.31;
    s.repeat_interval_days = 75;
    s.repeat_interval_sigma = 0.8;
    s.repeat_jitter_sigma = 0.8;
    s.price_median = 1.3;
    s.quantity_mean = 13;
  } else if (name == "dunnhumby-shape") {
    s.customers = 2373;
    s.items = 20833;
    s.interactions = 74584;
    s.categories = 44;
    s.days = 366;
    s.item_skew = 0.9;
    s.activity_sigma = 1.0;
    s.visit_rows = 8;
    s.repeat_fraction = 0.3;
    s.repeat_interval_days = 21;
    s.price_median = 2.5;
    s.quantity_mean = 1.3;
  } else if (name == "lastfm-shape") {
    // Listening counts per user and artist: one row per pair (no re-buys), large quantities.
    s.customers = 358868;
    s.items = 160113;
    s.interactions = 17535655;
    s.categories = 30;
    s.days = 365;
    s.item_skew = 1.0;
    s.activity_sigma = 0.6;
    s.visit_rows = 50;
    s.repeat_fraction = 0;
    s.price_median = 1.0;
    s.price_category_sigma = 0;
    s.price_item_sigma = 0;
    s.quantity_mean = 215;
  } else if (name == "retail-1b") {
    s.customers = 20'000'000;
    s.items = 500'000;
    s.interactions = 1'000'000'000;
    s.categories = 400;
    s.days = 730;
    s.item_skew = 0.9;
    s.activity_sigma = 1.1;
    s.visit_rows = 12;
    s.repeat_fraction = 0.35;
    s.repeat_interval_days = 30;
    s.quantity_mean = 1.6;
  } else {
    std::string names;
    for (const auto& p : generate_presets()) names += (names.empty() ? "" : ", ") + p;
    throw InputError(fmt::format("unknown generate preset '{}'; presets: {}", name, names));
  }
  return s;
}

json generate_spec_json(const GenerateSpec& spec) {
  json j = json::object();
#define TAILOR_TO_JSON(f) j[#f] = spec.f;
  TAILOR_GENERATE_FIELDS(TAILOR_TO_JSON)
#undef TAILOR_TO_JSON
  return j;
}

GenerateSpec generate_spec_from_json(const json& j, const GenerateSpec& base) {
  if (!j.is_object()) throw InputError("generate spec: expected a JSON object");
  GenerateSpec spec = base;
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    try {
#define TAILOR_FROM_JSON(f)                                               \
  if (key == #f) {                                                        \
    known = true;                                                         \
    if (std::is_arithmetic_v<decltype(spec.f)> && !value.is_number())     \
      throw InputError(fmt::format("generate spec: '{}' must be a number, not {}", key, \
                                   value.dump()));                        \
    spec.f = value.get<decltype(spec.f)>();                               \
  }
      TAILOR_GENERATE_FIELDS(TAILOR_FROM_JSON)
#undef TAILOR_FROM_JSON
    } catch (const json::exception& e) {
      throw InputError(fmt::format("generate spec: bad value {} for '{}' ({})", value.dump(), key,
                                   e.what()));
    }
    if (!known) {
      std::string keys;
      const json all = generate_spec_json(base);
      for (const auto& [k, v] : all.items()) keys += (keys.empty() ? "" : ", ") + k;
      throw InputError(fmt::format("generate spec: unknown key '{}'; keys: {}", key, keys));
    }
  }
  return spec;
}

void set_generate_field(GenerateSpec& spec, const std::string& key, const std::string& value) {
  json current = generate_spec_json(spec);
  json parsed;
  if (current.contains(key) && current[key].is_string()) {
    parsed = value;
  } else {
    try {
      parsed = json::parse(value);
    } catch (const json::exception&) {
      throw InputError(fmt::format("generate spec: '{}' must be a number, not '{}'", key, value));
    }
  }
  spec = generate_spec_from_json(json{{key, parsed}}, spec);
}

void validate_generate_spec(const GenerateSpec& s) {
  auto fail = [](const std::string& what) { throw InputError("generate spec: " + what); };
  constexpr std::int64_t kMaxIds = std::numeric_limits<std::uint32_t>::max();
  if (s.customers < 1 || s.customers > kMaxIds)
    fail(fmt::format("customers = {} must be in 1..{}", s.customers, kMaxIds));
  if (s.items < 1 || s.items > kMaxIds)
    fail(fmt::format("items = {} must be in 1..{}", s.items, kMaxIds));
  if (s.interactions < s.customers)
    fail(fmt::format("interactions = {} must be >= customers = {} (every customer has a row)",
                     s.interactions, s.customers));
  if (s.categories < 1 || s.categories > s.items)
    fail(fmt::format("categories = {} must be in 1..items ({})", s.categories, s.items));
  if (!(s.days > 0) || s.days * kSecondsPerDay > 1e15)
    fail(fmt::format("days = {} must be positive (and sane)", s.days));
  auto non_negative = [&](double v, const char* name) {
    if (!(v >= 0) || !std::isfinite(v)) fail(fmt::format("{} = {} must be finite and >= 0", name, v));
  };
  non_negative(s.item_skew, "item_skew");
  non_negative(s.item_skew_offset, "item_skew_offset");
  non_negative(s.category_skew, "category_skew");
  non_negative(s.activity_sigma, "activity_sigma");
  non_negative(s.repeat_interval_sigma, "repeat_interval_sigma");
  non_negative(s.repeat_jitter_sigma, "repeat_jitter_sigma");
  non_negative(s.price_category_sigma, "price_category_sigma");
  non_negative(s.price_item_sigma, "price_item_sigma");
  if (s.activity_sigma > 5) fail(fmt::format("activity_sigma = {} must be <= 5", s.activity_sigma));
  if (!(s.visit_rows >= 1) || !std::isfinite(s.visit_rows))
    fail(fmt::format("visit_rows = {} must be >= 1", s.visit_rows));
  if (!(s.repeat_fraction >= 0 && s.repeat_fraction < 1))
    fail(fmt::format("repeat_fraction = {} must be in [0, 1)", s.repeat_fraction));
  if (!(s.repeat_interval_days > 0) || !std::isfinite(s.repeat_interval_days))
    fail(fmt::format("repeat_interval_days = {} must be positive", s.repeat_interval_days));
  if (!(s.price_median > 0) || !std::isfinite(s.price_median))
    fail(fmt::format("price_median = {} must be positive", s.price_median));
  if (!(s.quantity_mean >= 1) || !std::isfinite(s.quantity_mean))
    fail(fmt::format("quantity_mean = {} must be >= 1", s.quantity_mean));
  if (s.ids != "auto" && s.ids != "string" && s.ids != "integer")
    fail(fmt::format("ids = '{}' must be auto, string or integer", s.ids));
}

namespace {

// Rows per block: one per customer, the rest apportioned by the blocks' summed rates.
std::vector<BlockPlan> plan_blocks(const GenerateSpec& spec, int threads) {
  const std::int64_t blocks = (spec.customers + kGenerateBlockCustomers - 1) / kGenerateBlockCustomers;
  std::vector<double> block_weight(static_cast<std::size_t>(blocks));
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::vector<double> r = block_rates(spec, b);
    block_weight[b] = std::accumulate(r.begin(), r.end(), 0.0);
  }
  const std::vector<std::int64_t> block_extra =
      apportion(spec.interactions - spec.customers, block_weight);
  std::vector<BlockPlan> plan(static_cast<std::size_t>(blocks));
  std::int64_t offset = 0;
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t members =
        std::min(kGenerateBlockCustomers, spec.customers - b * kGenerateBlockCustomers);
    plan[b] = {members + block_extra[b], offset, block_extra[b]};
    offset += plan[b].rows;
  }
  return plan;
}

// The first row of a customer cannot be a re-buy, so the others are re-buys a bit more often.
double repeat_probability(const GenerateSpec& spec) {
  if (spec.interactions <= spec.customers) return 0.0;
  return std::min(1.0, spec.repeat_fraction * static_cast<double>(spec.interactions) /
                           static_cast<double>(spec.interactions - spec.customers));
}

bool uses_string_ids(const GenerateSpec& spec) {
  return spec.ids == "string" || (spec.ids == "auto" && spec.customers <= kAutoStringIdLimit &&
                                  spec.items <= kAutoStringIdLimit);
}

// Ids, item metadata and the empty interaction columns of the right length.
void write_generated_layout(h5::File& f, const GenerateSpec& spec, const ItemModel& model) {
  const bool string_ids = uses_string_ids(spec);
  f.set_attr("/", "generator", generate_spec_json(spec).dump());
  write_ids(f, "/customers/id", 'c', spec.customers, string_ids);
  write_ids(f, "/items/id", 'i', spec.items, string_ids);
  f.write_strings("/items/category_names", id_strings('k', spec.categories));
  f.write("/items/category", model.category.data(), spec.items);
  f.write("/items/price", model.price.data(), spec.items);
  f.write("/items/repeat_interval_days", model.interval_days.data(), spec.items);
  const std::int64_t n = spec.interactions;
  f.create_column<std::uint32_t>("/interactions/customer", n);
  f.create_column<std::uint32_t>("/interactions/item", n);
  f.create_column<std::int64_t>("/interactions/time", n);
  f.create_column<float>("/interactions/quantity", n);
  f.create_column<float>("/interactions/value", n);
}

void write_rows(h5::File& f, std::int64_t base, const Columns& buf, std::int64_t rows) {
  f.write_range("/interactions/customer", base, buf.customer.data(), rows);
  f.write_range("/interactions/item", base, buf.item.data(), rows);
  f.write_range("/interactions/time", base, buf.time.data(), rows);
  f.write_range("/interactions/quantity", base, buf.quantity.data(), rows);
  f.write_range("/interactions/value", base, buf.value.data(), rows);
}

// Generates the blocks in chunks of at most chunk_rows rows (one block at least) and writes each
// chunk in place; returns the number of re-buy rows.
std::int64_t write_generated_rows(h5::File& f, const GenerateSpec& spec, const ItemModel& model,
                                  const std::vector<BlockPlan>& plan,
                                  const GenerateOptions& options) {
  const auto blocks = static_cast<std::int64_t>(plan.size());
  const double repeat_p = repeat_probability(spec);
  Columns buf;
  std::vector<Scratch> scratch(static_cast<std::size_t>(options.threads));
  std::int64_t repeats = 0;
  for (std::int64_t first = 0; first < blocks;) {
    std::int64_t last = first + 1;  // blocks [first, last) make one chunk
    std::int64_t rows = plan[first].rows;
    while (last < blocks && rows + plan[last].rows <= options.chunk_rows) rows += plan[last++].rows;
    buf.resize(rows);
    const std::int64_t base = plan[first].offset;
    std::int64_t chunk_repeats = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(options.threads) reduction(+ : chunk_repeats)
    for (std::int64_t b = first; b < last; ++b)
      chunk_repeats += generate_block(spec, model, repeat_p, b, plan[b], buf,
                                      plan[b].offset - base, scratch[omp_get_thread_num()]);
    repeats += chunk_repeats;
    write_rows(f, base, buf, rows);
    if (options.progress) options.progress(base + rows, spec.interactions);
    first = last;
  }
  return repeats;
}

}  // namespace

GenerateReport generate(const std::filesystem::path& out_path, const GenerateSpec& spec,
                        const GenerateOptions& options) {
  validate_generate_spec(spec);
  if (options.threads < 1) throw InputError(fmt::format("threads = {} must be >= 1", options.threads));
  if (options.chunk_rows < 1)
    throw InputError(fmt::format("chunk_rows = {} must be >= 1", options.chunk_rows));
  const auto t0 = std::chrono::steady_clock::now();
  const ItemModel model = build_items(spec);
  const std::vector<BlockPlan> plan = plan_blocks(spec, options.threads);
  GenerateReport report;
  report.path = out_path;
  report.rows = spec.interactions;
  h5::create_atomically(out_path, kInteractionsFormat, kInteractionsFormatVersion,
                        [&](h5::File& f) {
                          write_generated_layout(f, spec, model);
                          report.repeat_rows = write_generated_rows(f, spec, model, plan, options);
                        });
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

namespace {

struct PairStats {
  std::int64_t pairs = 0;
  std::int64_t repeat_rows = 0;       // rows after an earlier purchase of the same pair
  std::vector<std::int64_t> gaps;     // seconds since that earlier purchase
};

// Pairs in (pair, time) order: distinct pairs, and with time the re-buy rows and gaps.
PairStats pair_stats(const InteractionLog& log) {
  const std::int64_t n = log.size();
  const bool timed = !log.time.empty();
  struct Key {
    std::uint64_t pair;
    std::int64_t time;
  };
  std::vector<Key> keys(static_cast<std::size_t>(n));
  for (std::int64_t r = 0; r < n; ++r)
    keys[r] = {(std::uint64_t{log.customer[r]} << 32) | log.item[r], timed ? log.time[r] : 0};
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.pair != b.pair ? a.pair < b.pair : a.time < b.time;
  });
  PairStats st;
  constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
  std::int64_t run_time = 0, earlier = kNone;  // time of the current run, latest earlier time
  for (std::size_t k = 0; k < keys.size(); ++k) {
    if (k == 0 || keys[k].pair != keys[k - 1].pair) {
      ++st.pairs;
      run_time = keys[k].time;
      earlier = kNone;
      continue;
    }
    if (keys[k].time != run_time) {
      earlier = run_time;
      run_time = keys[k].time;
    }
    if (earlier != kNone) {
      ++st.repeat_rows;
      st.gaps.push_back(keys[k].time - earlier);
    }
  }
  return st;
}

// Concentration of rows on items: top 1% and 10% shares and the Gini coefficient.
void add_item_popularity(json& j, const InteractionLog& log, std::int64_t items) {
  const std::int64_t n = log.size();
  std::vector<std::int64_t> per_item(static_cast<std::size_t>(items), 0);
  for (std::int64_t r = 0; r < n; ++r) ++per_item[log.item[r]];
  std::sort(per_item.begin(), per_item.end(), std::greater<>());
  auto top_share = [&](double fraction) {
    const auto top = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(items))));
    const std::int64_t sum = std::accumulate(per_item.begin(), per_item.begin() + top, std::int64_t{0});
    return n > 0 ? static_cast<double>(sum) / static_cast<double>(n) : 0.0;
  };
  j["top1_share"] = top_share(0.01);
  j["top10_share"] = top_share(0.10);
  // Gini over items in ascending order: (2 sum_i i x_i) / (m sum x) - (m + 1) / m, i from 1.
  double weighted = 0;
  const auto m = static_cast<double>(items);
  for (std::int64_t k = 0; k < items; ++k)
    weighted += static_cast<double>(items - k) * static_cast<double>(per_item[k]);
  j["item_gini"] = n > 0 ? 2.0 * weighted / (m * static_cast<double>(n)) - (m + 1.0) / m : 0.0;
}

// Rows per customer: median, mean, 90th percentile and maximum.
json customer_row_stats(const InteractionLog& log, std::int64_t customers) {
  const std::int64_t n = log.size();
  std::vector<std::int64_t> per_customer(static_cast<std::size_t>(customers), 0);
  for (std::int64_t r = 0; r < n; ++r) ++per_customer[log.customer[r]];
  std::sort(per_customer.begin(), per_customer.end());
  auto at_quantile = [&](double q) {
    if (per_customer.empty()) return std::int64_t{0};
    const auto rank = static_cast<std::size_t>(
        std::max(1.0, std::ceil(q * static_cast<double>(per_customer.size()))));
    return per_customer[rank - 1];
  };
  return {{"median", at_quantile(0.5)},
          {"mean", customers > 0 ? static_cast<double>(n) / static_cast<double>(customers) : 0.0},
          {"p90", at_quantile(0.9)},
          {"max", per_customer.empty() ? 0 : per_customer.back()}};
}

// Re-buy share, median re-buy interval and time span; null without timestamps.
void add_time_stats(json& j, const InteractionLog& log, PairStats& st) {
  const std::int64_t n = log.size();
  if (log.time.empty() || n == 0) {
    j["repeat_fraction"] = nullptr;
    j["repeat_interval_days"] = nullptr;
    j["span_days"] = nullptr;
    return;
  }
  j["repeat_fraction"] = static_cast<double>(st.repeat_rows) / static_cast<double>(n);
  if (st.gaps.empty()) {
    j["repeat_interval_days"] = nullptr;
  } else {
    auto mid = st.gaps.begin() + static_cast<std::ptrdiff_t>(st.gaps.size() / 2);
    std::nth_element(st.gaps.begin(), mid, st.gaps.end());
    j["repeat_interval_days"] = static_cast<double>(*mid) / kSecondsPerDay;
  }
  const auto [lo, hi] = std::minmax_element(log.time.begin(), log.time.end());
  j["span_days"] = static_cast<double>(*hi - *lo) / kSecondsPerDay;
}

double mean_of(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

}  // namespace

json shape_stats(const Dataset& data) {
  const InteractionLog& log = data.log;
  const std::int64_t customers = data.customers(), items = data.items();
  json j;
  j["customers"] = customers;
  j["items"] = items;
  j["rows"] = log.size();
  PairStats st = pair_stats(log);
  j["pairs"] = st.pairs;
  j["density"] = static_cast<double>(st.pairs) /
                 (static_cast<double>(std::max<std::int64_t>(customers, 1)) *
                  static_cast<double>(std::max<std::int64_t>(items, 1)));
  add_item_popularity(j, log, items);
  j["rows_per_customer"] = customer_row_stats(log, customers);
  add_time_stats(j, log, st);
  if (!log.quantity.empty()) j["quantity_mean"] = mean_of(log.quantity);
  if (!log.value.empty()) j["value_mean"] = mean_of(log.value);
  return j;
}

std::string compare_stats(const json& generated, const json& real) {
  // Flattened keys in a fixed, readable order.
  static const char* const kKeys[] = {
      "customers", "items", "rows", "pairs", "density", "top1_share", "top10_share", "item_gini",
      "rows_per_customer/median", "rows_per_customer/mean", "rows_per_customer/p90",
      "rows_per_customer/max", "repeat_fraction", "repeat_interval_days", "span_days",
      "quantity_mean", "value_mean"};
  auto lookup = [](const json& j, const std::string& key) -> const json* {
    const json::json_pointer ptr("/" + key);
    return j.contains(ptr) ? &j.at(ptr) : nullptr;
  };
  auto show = [](const json* v) -> std::string {
    if (!v || v->is_null()) return "-";
    if (v->is_number_integer()) return fmt::format("{}", v->get<std::int64_t>());
    const double x = v->get<double>();
    return std::abs(x) >= 1000 ? fmt::format("{:.0f}", x) : fmt::format("{:.4g}", x);
  };
  std::string s = fmt::format("{:<26} {:>14} {:>14} {:>8}\n", "figure", "generated", "real", "ratio");
  for (const char* key : kKeys) {
    const json* g = lookup(generated, key);
    const json* r = lookup(real, key);
    std::string ratio = "-";
    if (g && r && g->is_number() && r->is_number() && r->get<double>() != 0)
      ratio = fmt::format("{:.3f}", g->get<double>() / r->get<double>());
    std::string name = key;
    std::replace(name.begin(), name.end(), '/', '.');
    s += fmt::format("{:<26} {:>14} {:>14} {:>8}\n", name, show(g), show(r), ratio);
  }
  return s;
}

}  // namespace tailor
