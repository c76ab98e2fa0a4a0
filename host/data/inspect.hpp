// `tailor inspect`: what an interaction file (host/data/dataset.hpp) holds, at a glance.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace tailor {

// The figures of a file as JSON (for machines; the keys are stable):
//   file, format, format_version, interactions, customers, items,
//   customers_with_interactions, items_with_interactions,
//   pairs (distinct customer-item pairs), density (pairs / (customers x items)),
//   per_customer.rows / per_customer.items, per_item.rows / per_item.customers: each
//     {min, median, mean, max} over all ids in the file (ids without interactions count as 0),
//   time {first, last (ISO 8601 UTC), first_date, last_date (YYYY-MM-DD), days}  when timed,
//   quantity_total, value_total                                               when present,
//   events [{name, rows}]                                                     when present,
//   top_items_by_customers, top_items_by_rows: [{id, customers, rows}], at most top_items each,
//   item_metadata {categories, items_with_category, top_categories [{name, count}] (5),
//     items_with_name, items_with_price, price_median, items_unavailable}  present keys only,
//   customer_metadata {customers_opted_out, segments, customers_with_segment, top_segments,
//     channels, customers_with_channel, top_channels}                       present keys only,
//   import_report: the root attribute written by `tailor import`, parsed     when present.
// Reads the file with load_dataset (InputError for a file that breaks the contract).
nlohmann::json inspect_json(const std::filesystem::path& h5, int top_items = 10, int threads = 1);

// The same figures as readable text, several lines, ending in a newline.
std::string inspect(const std::filesystem::path& h5, int top_items = 10, int threads = 1);

// Renders inspect_json's object as inspect's text.
std::string inspect_text(const nlohmann::json& summary);

}  // namespace tailor
