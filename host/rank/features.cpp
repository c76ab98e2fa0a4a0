#include "host/rank/features.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "host/core/error.hpp"
#include "host/rank/feature_columns.hpp"
#include "host/eval/baselines.hpp"
#include "host/train/train.hpp"

namespace tailor {

namespace {

using namespace rank;
constexpr double kDay = 86400.0;

std::int64_t day_of(std::int64_t t) {
  return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

// The data's ids and metadata with the purchase rows at or before as_of.
Dataset purchases_until(const Dataset& d, std::int64_t as_of, const std::string& purchase_event) {
  if (d.log.time.empty())
    throw InputError(fmt::format("{}: /interactions/time is missing; the ranker needs times",
                                 d.path.string()));
  int event = -1;
  if (!d.log.event.empty()) {
    event = d.event_index(purchase_event);
    if (event < 0)
      throw InputError(fmt::format("{}: the ranker's purchase event '{}' is not among the file's "
                                   "events",
                                   d.path.string(), purchase_event));
  }
  Dataset out = empty_like(d);
  const InteractionLog& in = d.log;
  for (std::int64_t r = 0; r < in.size(); ++r) {
    if (in.time[r] > as_of) continue;
    if (event >= 0 && in.event[r] != event) continue;
    if (!in.quantity.empty() && !(in.quantity[r] > 0)) continue;
    append_row(in, r, out.log);
  }
  return out;
}

// Distinct (key, day) pairs per key.
std::vector<float> distinct_days(std::vector<std::pair<std::int64_t, std::int64_t>> key_day,
                                 std::size_t keys) {
  std::sort(key_day.begin(), key_day.end());
  key_day.erase(std::unique(key_day.begin(), key_day.end()), key_day.end());
  std::vector<float> days(keys, 0.0f);
  for (const auto& [key, day] : key_day) days[static_cast<std::size_t>(key)] += 1.0f;
  return days;
}

float median(std::vector<float> v) {
  if (v.empty()) return kMissing;
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const float hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  const float lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5f * (lo + hi);
}

void check_count(int v, const char* key, const std::string& where) {
  if (v < 0 || v > kMaxTopN)
    throw InputError(fmt::format("{}: {} = {}: must be in 0..{}", where, key, v, kMaxTopN));
}

}  // namespace

void validate_ranker_sources(const RankerSourceParams& p, const std::string& where) {
  check_count(p.counts.repeat, "repeat_candidates", where);
  check_count(p.counts.ials, "ials_candidates", where);
  check_count(p.counts.itemknn, "itemknn_candidates", where);
  check_count(p.counts.tifuknn, "tifuknn_candidates", where);
  check_count(p.counts.popular, "popular_candidates", where);
  const auto& c = p.counts;
  if (c.repeat + c.ials + c.itemknn + c.tifuknn + c.popular == 0)
    throw InputError(fmt::format("{}: every *_candidates count is 0: the ranker has no candidates",
                                 where));
  if (p.popular_window_days < 1)
    throw InputError(fmt::format("{}: popular_window_days = {}: must be at least 1", where,
                                 p.popular_window_days));
  validate_ials_params(p.ials, where);
  validate_item_knn_params(p.itemknn, where);
  validate_tifuknn_params(p.tifuknn);
  validate(p.replenish);
}

const std::vector<std::string>& ranker_feature_names() {
  static const std::vector<std::string> names = {
      "purchase_rows", "quantity", "days_since_last", "purchase_days", "due_score", "due_ratio",
      "repeat_rank", "ials_score", "ials_rank", "itemknn_score", "itemknn_rank",
      "tifuknn_score", "tifuknn_rank", "popular_rank",
      "item_customers", "item_recent_customers", "item_trend", "item_repeat_share",
      "price_ratio", "category_share", "customer_value_pct", "customer_days", "customer_items",
      "customer_days_since_last"};
  return names;
}

RankerSnapshot::RankerSnapshot(const Dataset& data, std::int64_t as_of,
                               const RankerSourceParams& p, const Backend& backend)
    : as_of_(as_of), p_(p), backend_(backend),
      past_(purchases_until(data, as_of, p.replenish.purchase_event)) {
  m_ = build_matrices(past_, backend_.threads());
  pair_statistics();
  item_statistics();
  customer_statistics();
  train_sources(backend_);
}

bool RankerSnapshot::has_history(std::uint32_t c) const {
  return c < m_.customer_items.rows && m_.customer_items.indptr[c + 1] > m_.customer_items.indptr[c];
}

std::int64_t RankerSnapshot::pair_index(std::uint32_t c, std::uint32_t item) const {
  const Csr& a = m_.customer_items;
  const auto* begin = a.indices.data() + a.indptr[c];
  const auto* end = a.indices.data() + a.indptr[c + 1];
  const auto* it = std::lower_bound(begin, end, item);
  return it != end && *it == item ? it - a.indices.data() : -1;
}

// Rows, days, recency and due timing of every (customer, item) pair with history.
void RankerSnapshot::pair_statistics() {
  const InteractionLog& log = past_.log;
  const auto nnz = static_cast<std::size_t>(m_.customer_items.nnz());
  pair_rows_.assign(nnz, 0.0f);
  std::vector<std::int64_t> last(nnz, std::numeric_limits<std::int64_t>::min());
  std::vector<std::pair<std::int64_t, std::int64_t>> pair_day;
  pair_day.reserve(static_cast<std::size_t>(log.size()));
  for (std::int64_t r = 0; r < log.size(); ++r) {
    const std::int64_t k = pair_index(log.customer[r], log.item[r]);
    pair_rows_[k] += 1.0f;
    last[k] = std::max(last[k], log.time[r]);
    pair_day.emplace_back(k, day_of(log.time[r]));
  }
  pair_days_ = distinct_days(std::move(pair_day), nnz);
  pair_last_days_.resize(nnz);
  for (std::size_t k = 0; k < nnz; ++k)
    pair_last_days_[k] = static_cast<float>(static_cast<double>(as_of_ - last[k]) / kDay);
  ReplenishOptions wide = p_.replenish;  // every pair with a typical interval, due or not
  wide.due_from = 1e-12;
  wide.overdue_until = 1e12;
  due_score_.assign(nnz, 0.0f);
  due_ratio_.assign(nnz, kMissing);
  for (const DueItem& d : due_items(past_, as_of_, wide)) {
    const std::int64_t k = pair_index(d.customer, d.item);
    due_score_[k] = static_cast<float>(d.score);
    due_ratio_[k] = static_cast<float>(d.due_ratio);
  }
}

// Per item: the metadata price, else value / quantity over its rows, else missing.
static std::vector<float> item_prices(const Dataset& d) {
  const auto items = static_cast<std::size_t>(d.items());
  std::vector<double> value(items, 0.0), quantity(items, 0.0);
  const InteractionLog& log = d.log;
  if (!log.value.empty() && !log.quantity.empty())
    for (std::int64_t r = 0; r < log.size(); ++r) {
      value[log.item[r]] += log.value[r];
      quantity[log.item[r]] += log.quantity[r];
    }
  std::vector<float> price(items, kMissing);
  const auto& meta = d.item_meta;
  for (std::size_t i = 0; i < items; ++i) {
    if (meta.has_price() && std::isfinite(meta.price[i]))
      price[i] = meta.price[i];
    else if (quantity[i] > 0)
      price[i] = static_cast<float>(value[i] / quantity[i]);
  }
  return price;
}

// Distinct customers per item in the last window (recent) and the window before it (before).
void RankerSnapshot::window_customers(std::vector<float>& recent,
                                      std::vector<float>& before) const {
  const std::int64_t window = std::int64_t{p_.popular_window_days} * 86400;
  const InteractionLog& log = past_.log;
  std::vector<std::pair<std::int64_t, int>> pair_window;  // a pair may be in both windows
  for (std::int64_t r = 0; r < log.size(); ++r) {
    const std::int64_t age = as_of_ - log.time[r];
    if (age < 2 * window)
      pair_window.emplace_back(pair_index(log.customer[r], log.item[r]), age < window ? 0 : 1);
  }
  std::sort(pair_window.begin(), pair_window.end());
  pair_window.erase(std::unique(pair_window.begin(), pair_window.end()), pair_window.end());
  recent.assign(static_cast<std::size_t>(past_.items()), 0.0f);
  before = recent;
  for (const auto& [k, w] : pair_window)
    (w == 0 ? recent : before)[m_.customer_items.indices[static_cast<std::size_t>(k)]] += 1.0f;
}

// Popularity (all time, the recent window and its trend), repeat share and price per item.
void RankerSnapshot::item_statistics() {
  const Csr& ic = m_.item_customers;
  const auto items = static_cast<std::size_t>(past_.items());
  std::vector<float> before;
  window_customers(item_recent_, before);
  item_price_ = item_prices(past_);
  item_customers_.resize(items);
  item_trend_.resize(items);
  item_repeat_share_.assign(items, kMissing);
  std::vector<float> repeaters(items, 0.0f);
  const Csr& a = m_.customer_items;
  for (std::size_t k = 0; k < pair_days_.size(); ++k)
    if (pair_days_[k] >= 2.0f) repeaters[a.indices[k]] += 1.0f;
  for (std::size_t i = 0; i < items; ++i) {
    item_customers_[i] = static_cast<float>(ic.indptr[i + 1] - ic.indptr[i]);
    item_trend_[i] = (item_recent_[i] + 1.0f) / (before[i] + 1.0f);
    if (item_customers_[i] > 0) item_repeat_share_[i] = repeaters[i] / item_customers_[i];
  }
}

// Value percentile (the tier), shopping days, recency and usual price per customer.
void RankerSnapshot::customer_statistics() {
  const InteractionLog& log = past_.log;
  const auto customers = static_cast<std::size_t>(past_.customers());
  std::vector<double> revenue(customers, 0.0);
  std::vector<std::int64_t> last(customers, std::numeric_limits<std::int64_t>::min());
  std::vector<std::pair<std::int64_t, std::int64_t>> customer_day;
  customer_day.reserve(static_cast<std::size_t>(log.size()));
  for (std::int64_t r = 0; r < log.size(); ++r) {
    const auto c = log.customer[r];
    revenue[c] += !log.value.empty() ? log.value[r] : !log.quantity.empty() ? log.quantity[r] : 1.0;
    last[c] = std::max(last[c], log.time[r]);
    customer_day.emplace_back(c, day_of(log.time[r]));
  }
  customer_days_ = distinct_days(std::move(customer_day), customers);
  std::vector<std::uint32_t> active;
  for (std::uint32_t c = 0; c < customers; ++c)
    if (has_history(c)) active.push_back(c);
  std::stable_sort(active.begin(), active.end(),
                   [&](auto x, auto y) { return revenue[x] < revenue[y]; });
  customer_value_pct_.assign(customers, kMissing);
  customer_last_days_.assign(customers, kMissing);
  customer_price_.assign(customers, kMissing);
  const double denom = active.size() > 1 ? static_cast<double>(active.size() - 1) : 1.0;
  for (std::size_t k = 0; k < active.size(); ++k)
    customer_value_pct_[active[k]] = static_cast<float>(static_cast<double>(k) / denom);
  const Csr& a = m_.customer_items;
  for (const auto c : active) {
    customer_last_days_[c] = static_cast<float>(static_cast<double>(as_of_ - last[c]) / kDay);
    std::vector<float> prices;
    for (auto k = a.indptr[c]; k < a.indptr[c + 1]; ++k)
      if (std::isfinite(item_price_[a.indices[k]])) prices.push_back(item_price_[a.indices[k]]);
    customer_price_[c] = median(std::move(prices));
  }
}

void RankerSnapshot::train_sources(const Backend& backend) {
  if (m_.customer_items.nnz() == 0) return;  // nothing bought yet: no source has a list
  if (p_.counts.ials > 0) {
    TrainOptions o;
    o.ials = p_.ials;
    o.report_objective = false;
    o.log_epochs = false;
    TrainResult r = train_ials(m_, o, backend);
    x_ = std::move(r.customer_factors);
    y_ = std::move(r.item_factors);
  }
  if (p_.counts.itemknn > 0) knn_ = fit_item_knn(m_.customer_items, p_.itemknn, backend);
  if (p_.counts.tifuknn > 0) {
    const std::vector<bool> all(static_cast<std::size_t>(past_.log.size()), true);
    tifu_personal_ = tifu_personal_vectors(past_, all, p_.tifuknn);
  }
  std::vector<std::uint32_t> order(static_cast<std::size_t>(past_.items()));
  std::iota(order.begin(), order.end(), 0u);
  const bool any_recent = std::any_of(item_recent_.begin(), item_recent_.end(),
                                      [](float v) { return v > 0; });
  const auto& pop = any_recent ? item_recent_ : item_customers_;
  std::stable_sort(order.begin(), order.end(), [&](auto x, auto y) { return pop[x] > pop[y]; });
  order.resize(std::min(order.size(), static_cast<std::size_t>(p_.counts.popular)));
  while (!order.empty() && pop[order.back()] <= 0) order.pop_back();
  popular_ = std::move(order);
}

}  // namespace tailor
