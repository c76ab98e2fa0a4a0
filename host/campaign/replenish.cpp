#include "host/campaign/replenish.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "host/core/error.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

std::int64_t day_of(std::int64_t t) {
  std::int64_t d = t / kSecondsPerDay;
  if (t % kSecondsPerDay < 0) --d;  // floor for times before 1970
  return d;
}

// Median of v (reorders v); v must not be empty.
double median(std::vector<double>& v) {
  const std::size_t n = v.size();
  const std::size_t mid = n / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double hi = v[mid];
  if (n % 2 == 1) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lo + hi);
}

// One purchase row, reduced to what the model needs.
struct Row {
  std::uint32_t customer;
  std::uint32_t item;
  std::int64_t day;
  std::int64_t time;
};

// One (customer, item) pair: its intervals in days and its last purchase time.
struct Pair {
  std::uint32_t customer;
  std::uint32_t item;
  std::int64_t last_purchase;
  std::vector<double> intervals;
};

void check_log(const Dataset& data) {
  const InteractionLog& log = data.log;
  const auto n = static_cast<std::size_t>(log.size());
  if (log.item.size() != n || log.time.size() != n)
    throw InputError(fmt::format(
        "{}: interaction columns differ in length (customer {}, item {}, time {})",
        data.path.string(), n, log.item.size(), log.time.size()));
  if (!log.quantity.empty() && log.quantity.size() != n)
    throw InputError(fmt::format("{}: quantity column has {} rows, customer column {}",
                                 data.path.string(), log.quantity.size(), n));
  const auto customers = static_cast<std::uint64_t>(data.customers());
  const auto items = static_cast<std::uint64_t>(data.items());
  for (std::size_t r = 0; r < n; ++r) {
    if (log.customer[r] >= customers)
      throw InputError(fmt::format("{}: row {}: customer index {} out of range ({} customers)",
                                   data.path.string(), r, log.customer[r], customers));
    if (log.item[r] >= items)
      throw InputError(fmt::format("{}: row {}: item index {} out of range ({} items)",
                                   data.path.string(), r, log.item[r], items));
  }
}

// The purchase pairs from the rows at or before `cutoff`, ordered by (customer, item).
std::vector<Pair> purchase_pairs(const Dataset& data, std::int64_t cutoff,
                                 const ReplenishOptions& options) {
  check_log(data);
  const InteractionLog& log = data.log;
  const bool has_quantity = !log.quantity.empty();
  int purchase = -1;  // event index of purchases; -1: every row
  if (!log.event.empty()) {
    purchase = data.event_index(options.purchase_event);
    if (purchase < 0)
      throw InputError(fmt::format(
          "{}: /events/name has no event \"{}\" (the purchase event for replenishment timing)",
          data.path.string(), options.purchase_event));
  }
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(log.size()));
  for (std::size_t r = 0; r < log.customer.size(); ++r) {
    if (log.time[r] > cutoff) continue;
    if (has_quantity && !(log.quantity[r] > 0.0f)) continue;
    if (purchase >= 0 && log.event[r] != purchase) continue;
    rows.push_back({log.customer[r], log.item[r], day_of(log.time[r]), log.time[r]});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.customer, a.item, a.time) < std::tie(b.customer, b.item, b.time);
  });
  std::vector<Pair> pairs;
  for (std::size_t b = 0; b < rows.size();) {
    std::size_t e = b;
    while (e < rows.size() && rows[e].customer == rows[b].customer &&
           rows[e].item == rows[b].item)
      ++e;
    Pair p{rows[b].customer, rows[b].item, rows[e - 1].time, {}};
    for (std::size_t r = b + 1; r < e; ++r)
      if (rows[r].day != rows[r - 1].day)
        p.intervals.push_back(static_cast<double>(rows[r].day - rows[r - 1].day));
    pairs.push_back(std::move(p));
    b = e;
  }
  return pairs;
}

std::vector<double> item_medians(const std::vector<Pair>& pairs, std::int64_t items,
                                 const ReplenishOptions& options) {
  std::vector<std::vector<double>> per_item(static_cast<std::size_t>(items));
  for (const Pair& p : pairs)
    per_item[p.item].insert(per_item[p.item].end(), p.intervals.begin(), p.intervals.end());
  std::vector<double> m(static_cast<std::size_t>(items), std::numeric_limits<double>::quiet_NaN());
  for (std::size_t i = 0; i < per_item.size(); ++i)
    if (per_item[i].size() >= static_cast<std::size_t>(options.min_item_intervals))
      m[i] = median(per_item[i]);
  return m;
}

}  // namespace

void validate(const ReplenishOptions& o) {
  if (o.min_item_intervals < 1)
    throw InputError(fmt::format("replenishment: min_item_intervals must be >= 1, got {}",
                                 o.min_item_intervals));
  if (!std::isfinite(o.kappa) || o.kappa < 0.0)
    throw InputError(fmt::format("replenishment: kappa must be finite and >= 0, got {}", o.kappa));
  if (!std::isfinite(o.due_from) || o.due_from <= 0.0)
    throw InputError(
        fmt::format("replenishment: due_from must be finite and > 0, got {}", o.due_from));
  if (!std::isfinite(o.overdue_until) || o.overdue_until < o.due_from)
    throw InputError(fmt::format(
        "replenishment: overdue_until must be finite and >= due_from ({}), got {}", o.due_from,
        o.overdue_until));
  if (!std::isfinite(o.bump_width) || o.bump_width <= 0.0)
    throw InputError(
        fmt::format("replenishment: bump_width must be finite and > 0, got {}", o.bump_width));
}

std::vector<double> item_typical_interval_days(const Dataset& data, std::int64_t as_of,
                                               const ReplenishOptions& options) {
  validate(options);
  return item_medians(purchase_pairs(data, as_of, options), data.items(), options);
}

std::vector<DueItem> due_items(const Dataset& data, std::int64_t campaign_time,
                               const ReplenishOptions& options) {
  validate(options);
  std::vector<Pair> pairs = purchase_pairs(data, campaign_time, options);
  const std::vector<double> m = item_medians(pairs, data.items(), options);
  std::vector<DueItem> out;
  for (Pair& p : pairs) {
    const double mi = m[p.item];
    if (std::isnan(mi)) continue;
    const auto n = static_cast<double>(p.intervals.size());
    const double est = p.intervals.empty() ? mi
                                           : (n * median(p.intervals) + options.kappa * mi) /
                                                 (n + options.kappa);
    const double elapsed =
        static_cast<double>(campaign_time - p.last_purchase) / static_cast<double>(kSecondsPerDay);
    const double d = elapsed / est;
    if (d < options.due_from || d > options.overdue_until) continue;
    const double ln = std::log(d);
    DueItem due;
    due.customer = p.customer;
    due.item = p.item;
    due.last_purchase = p.last_purchase;
    due.expected =
        p.last_purchase + std::llround(est * static_cast<double>(kSecondsPerDay));
    due.interval_days = est;
    due.due_ratio = d;
    due.score = std::exp(-(ln * ln) / (2.0 * options.bump_width * options.bump_width));
    due.customer_intervals = static_cast<int>(p.intervals.size());
    out.push_back(due);
  }
  std::sort(out.begin(), out.end(), [](const DueItem& a, const DueItem& b) {
    if (a.customer != b.customer) return a.customer < b.customer;
    if (a.score != b.score) return a.score > b.score;
    return a.item < b.item;
  });
  return out;
}

}  // namespace tailor
