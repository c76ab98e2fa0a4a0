// `tailor backtest`: build a campaign as of a past date from the rows up to that date, and
// measure it against what customers bought in the following horizon.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "host/campaign/campaign.hpp"
#include "host/data/dataset.hpp"
#include "host/pipeline/config.hpp"
#include "host/train/model.hpp"

namespace tailor {

// Hits and revenue of a set of lists against the horizon.
struct BacktestCell {
  std::int64_t customers = 0;         // listed customers (with history before the date)
  std::int64_t active = 0;            // of those, customers who bought anything in the horizon
  std::int64_t items = 0;             // listed items
  std::int64_t hit_items = 0;         // listed items the customer bought in the horizon
  std::int64_t hit_customers = 0;     // customers who bought at least one listed item
  double revenue = 0.0;               // horizon revenue of the customers
  double revenue_captured = 0.0;      // horizon revenue on listed (customer, item) pairs
  [[nodiscard]] double hit_rate() const;        // hit_customers / customers
  [[nodiscard]] double precision() const;       // hit_items / items
  [[nodiscard]] double revenue_share() const;   // revenue_captured / revenue
  [[nodiscard]] nlohmann::json to_json() const;
};

struct BacktestVariant {
  // "recipe", "model" (the slot model's lists under the rules), "buy-again", "item-knn",
  // "ease" (left out when the catalogue is too large for it), "tifu-knn", "popular"
  std::string name;
  BacktestCell all;
  std::vector<BacktestCell> by_slot;  // kSlotTypes entries (campaign variants only)
  std::vector<BacktestCell> by_tier;  // one per tier name, then "none"
  BacktestCell treatment, control;    // recipe only
  double fit_seconds = 0.0;           // training what the lists come from (0: nothing to fit)
  double list_seconds = 0.0;          // making the lists
};

struct BacktestResult {
  std::int64_t as_of = 0;
  std::int64_t horizon_seconds = 0;
  std::int64_t train_rows = 0;
  std::int64_t horizon_rows = 0;      // purchase rows in (as_of, as_of + horizon]
  std::vector<std::string> tier_names;
  int list_length = 0;
  std::string slot_model = "ials";  // [campaign] model: the score source of the model slots
  nlohmann::json parameters;        // {"itemknn": {...}, "ease": {...}, "tifuknn": {...}}
  std::vector<BacktestVariant> variants;
  // Treatment against control of the recipe: nothing was sent in the past, so this is an A/A
  // check of the split (z of the difference in hit rates; |z| > 3 would mean a biased split).
  double control_z = 0.0;
  nlohmann::json ranker;  // describe(RankerModel): parameters, sizes, feature importances
  nlohmann::json to_json() const;
  std::string to_markdown() const;  // the tables of the closing report
};

// Runs the backtest for `config` (which must have a [campaign] section): rows at or before
// `as_of` fit the slot model ([campaign] model; iALS is trained only when it is the slot model)
// and build the campaign dated `as_of`; purchases in the horizon score it, beside the variants
// (item-knn, ease and tifu-knn with the config's [itemknn], [ease] and [tifuknn]). Revenue is
// the value column, else quantity, else rows. Computed on `backend`.
// The ranker learns from labels in the horizon before the date ([ranker] horizon, else
// `horizon_seconds`).
BacktestResult run_backtest(const RunConfig& config, std::int64_t as_of,
                            std::int64_t horizon_seconds, const Backend& backend);

}  // namespace tailor
