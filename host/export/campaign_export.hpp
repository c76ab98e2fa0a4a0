// Campaign exports (CSV, JSON lines, HDF5) and the QA gates checked before anything is published.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/campaign/campaign.hpp"
#include "host/data/dataset.hpp"
#include "host/export/export.hpp"

namespace tailor {

// CSV `customer_id,rank,item_id,score,slot,reason,tier,group` (group: treatment | control), one
// row per listed item, customers in index order, rank from 1. Atomic like export_csv.
ExportSummary export_campaign_csv(const std::filesystem::path& path, const Campaign& campaign,
                                  const Dataset& data);

// JSON lines: one object per listed customer,
//   {"customer_id": "...", "tier": "high", "group": "treatment",
//    "items": [{"item_id": "...", "score": 0.42, "slot": "repeat", "reason": "..."}, ...]}
// Atomic.
ExportSummary export_campaign_jsonl(const std::filesystem::path& path, const Campaign& campaign,
                                    const Dataset& data);

// HDF5 columns (docs/campaigns.md): /customers/id, /items/id, /lists/customer, /lists/rank,
// /lists/item, /lists/score, /lists/slot (index into /slots/name), /lists/reason,
// /list_customers/customer, /list_customers/tier, /list_customers/control, /tiers/name; root
// attributes format = "tailor-campaign", format_version = 1, campaign_id, campaign_time. Atomic.
ExportSummary export_campaign_h5(const std::filesystem::path& path, const Campaign& campaign,
                                 const Dataset& data);

// A previous night's lists, by external ids: customer id -> item ids.
using PreviousLists = std::map<std::string, std::set<std::string>>;
// Reads a JSON lines export written by export_campaign_jsonl. InputError naming the file and
// line for a malformed line.
PreviousLists read_previous_jsonl(const std::filesystem::path& path);

struct QaLimits {
  std::optional<double> max_short_share;   // customers with a list shorter than their recipe
  std::optional<double> max_empty_share;   // customers with an empty list
  std::optional<double> min_coverage;      // distinct listed items / available items
  std::optional<double> max_bought_share;  // listed items outside repeat slots that the
                                           // customer already bought
  std::optional<double> max_churn;         // mean over customers in both nights of
                                           // 1 - |today ∩ yesterday| / |today|
};

struct QaReport {
  std::int64_t lists = 0;
  double short_share = 0.0;
  double empty_share = 0.0;
  double coverage = 0.0;
  double bought_share = 0.0;
  std::optional<double> churn;            // without a previous night: not measured
  std::int64_t churn_customers = 0;       // customers listed in both nights
  std::vector<std::string> breaches;      // one sentence per limit broken, with value and limit
  [[nodiscard]] bool passed() const { return breaches.empty(); }
  [[nodiscard]] nlohmann::json to_json() const;
};

// Measures the campaign against the limits. `bought` is data's customers x items matrix.
QaReport qa_check(const Campaign& campaign, const Dataset& data, const Csr& bought,
                  const std::optional<PreviousLists>& previous, const QaLimits& limits);

}  // namespace tailor
