// The per-customer inputs of the rules, read once per campaign: the blocklist file, the
// negative events of [suppression] (remove / demote / suppress) and the items due to be bought
// again. Every per-customer vector has one entry per customer of the data.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "host/campaign/campaign.hpp"
#include "host/campaign/replenish.hpp"
#include "host/data/dataset.hpp"

namespace tailor {

// `customer_id,item_id` pairs after that header.
struct Blocklist {
  std::vector<std::vector<std::uint32_t>> items;  // per customer: blocked items, sorted, unique
  std::int64_t rows = 0;     // data rows read (header and blank lines excluded)
  std::int64_t unknown = 0;  // rows naming a customer or item not in the data
};

// Reads the file with the importer's CSV parser (quoting, gzip). Unknown ids are counted, not
// errors: the blocklist is kept across nights while customers and items come and go. InputError
// naming the file and line for a wrong header, a line without two fields or an empty file.
Blocklist read_blocklist(const std::filesystem::path& path, const Dataset& data);

// config.blocklist read (with a warning for unknown ids), or an empty list per customer.
Blocklist load_blocklist(const CampaignConfig& config, const Dataset& data);

struct NegativeEvents {
  std::vector<std::vector<std::uint32_t>> removed;  // per customer: items never offered, sorted
  std::vector<std::vector<std::uint32_t>> demoted;  // per customer: items offered last, sorted
  std::vector<std::uint8_t> suppressed;             // per customer: 1 = no list
};

// Per event index of the data, the NegativeAction of config.negative_events as an int, or -1 for
// the other events. InputError for an event name the data does not have.
std::vector<int> negative_actions(const Dataset& data, const CampaignConfig& config);

// The negative events at or before `campaign_time` (all of them without a time column).
// InputError when config.negative_events is not empty and the data has no event column.
NegativeEvents read_negative_events(const Dataset& data, const CampaignConfig& config,
                                    std::int64_t campaign_time);

// Per customer, the items due at `campaign_time` (due_items' order: score descending, then item),
// or an empty list per customer when `repeat_slots` is false (no recipe reaches a repeat slot).
std::vector<std::vector<DueItem>> due_by_customer(const Dataset& data, const CampaignConfig& config,
                                                  std::int64_t campaign_time, bool repeat_slots);

struct CustomerInputs {
  Blocklist blocklist;
  NegativeEvents events;
  std::vector<std::vector<DueItem>> due;
};

// The three above, in that order.
CustomerInputs customer_inputs(const Dataset& data, const CampaignConfig& config,
                               std::int64_t campaign_time, bool repeat_slots);

}  // namespace tailor
