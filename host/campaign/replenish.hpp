// Replenishment timing: when is a customer due to buy an item again?
//
// Model (all intervals in days; times in unix seconds, days are UTC calendar days):
//  - A purchase of item i by customer u is a distinct UTC day with at least one row of (u, i);
//    several rows on the same day are one purchase. When the log has a quantity column, rows with
//    quantity <= 0 (returns, corrections) are not purchases. Rows later than the cut-off time
//    (campaign_time / as_of) are ignored entirely.
//  - The intervals of (u, i) are the day differences between consecutive purchases (each >= 1).
//  - The item's typical interval m_i is the median of the intervals of all customers of item i
//    (mean of the two middle values for an even count). An item with fewer than
//    `min_item_intervals` intervals has no typical interval and is never due by timing.
//  - A customer with n_ui intervals whose median is c_ui gets the estimate, shrunk toward m_i:
//        est = (n_ui * c_ui + kappa * m_i) / (n_ui + kappa)          (linear days)
//    so a customer with a single purchase (n_ui = 0) gets m_i, one with a few repeats lands
//    between their own median and m_i, one with many repeats is close to their own median.
//  - Expected re-buy time = last purchase (time of the latest row on the last purchase day)
//    + est days.
//  - Due ratio at campaign time t: d = (t - last) / est (both in days). The pair is due when
//    due_from <= d <= overdue_until: not right after a purchase, and not when lapsed so long ago
//    that the customer has probably stopped buying the item.
//  - Score: a bump in log d peaking at d = 1 (score 1 exactly on the expected date):
//        score = exp(-(ln d)^2 / (2 * bump_width^2))
//    symmetric in the ratio, so 2 weeks early on a 4-week item scores like 8 weeks late.
// Only pairs with at least one purchase at or before t count. Results are deterministic and do
// not depend on the row order of the log.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"

namespace tailor {

struct ReplenishOptions {
  int min_item_intervals = 5;   // >= 1: intervals an item needs for a typical interval
  double kappa = 2.0;           // >= 0: pseudo-intervals of the item median in the estimate
  double due_from = 0.8;        // > 0: smallest due ratio that is due
  double overdue_until = 3.0;   // >= due_from: largest due ratio that is still due
  double bump_width = 0.35;     // > 0: standard deviation of the score bump in ln(ratio)
  // With an event column, only rows of this event are purchases (returns, views and the like are
  // not); the file must have the event. Without an event column every row is a purchase.
  std::string purchase_event = "purchase";
};

struct DueItem {
  std::uint32_t customer = 0;
  std::uint32_t item = 0;
  std::int64_t last_purchase = 0;  // unix seconds of the last purchase at or before the campaign
  std::int64_t expected = 0;       // unix seconds: last_purchase + interval_days (rounded)
  double interval_days = 0.0;      // the shrunk estimate est
  double due_ratio = 0.0;          // (campaign_time - last_purchase) / est
  double score = 0.0;              // bump at due_ratio = 1, in (0, 1]
  int customer_intervals = 0;      // n_ui
};

// Throws InputError naming the option when one is out of range or not finite.
void validate(const ReplenishOptions& options);

// Every due (customer, item) pair at `campaign_time`, sorted by customer, then score descending,
// then item. Throws InputError for invalid options or a log whose columns disagree in length or
// hold an index out of range.
std::vector<DueItem> due_items(const Dataset& data, std::int64_t campaign_time,
                               const ReplenishOptions& options);

// The typical interval m_i in days of every item from the rows at or before `as_of`; NaN for
// items with fewer than options.min_item_intervals intervals. Same errors as due_items.
std::vector<double> item_typical_interval_days(const Dataset& data, std::int64_t as_of,
                                               const ReplenishOptions& options);

}  // namespace tailor
