// `tailor generate`: synthetic retail interactions with the shapes of real data (skewed item
// popularity, skewed customer activity, re-buys at item-specific intervals, categories, prices,
// quantities), seeded and written to the interaction contract (data/README.md) in chunks, so a
// file of 1e9 rows never has to fit in memory. The model is described in docs/generate.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"

namespace tailor {

// What to generate. Every field is part of the output: the same spec (and the same build) gives
// the same file, whatever GenerateOptions say.
struct GenerateSpec {
  std::string name = "custom";        // preset it started from, recorded in the file
  std::int64_t customers = 1000;      // every customer gets at least one row
  std::int64_t items = 500;
  std::int64_t interactions = 20000;  // rows, exactly; must be >= customers
  std::int64_t categories = 20;       // each item belongs to one; sizes Zipf(category_skew)
  double days = 365.0;                // time span; times lie in [start, start + days * 86400)
  std::int64_t start = 1577836800;    // unix seconds (2020-01-01T00:00:00Z)

  double item_skew = 1.0;        // Zipf exponent s of item popularity over a random item order
  // Zipf-Mandelbrot offset q: rank r has weight (r + q)^-s. 0 is plain Zipf; q > 0 flattens
  // the head (real retail's top 1% holds less than a plain Zipf with its Gini would give).
  double item_skew_offset = 0.0;
  double category_skew = 1.0;    // Zipf exponent of category sizes
  double activity_sigma = 1.2;   // lognormal sigma of the per-customer rate (row share)
  double visit_rows = 10.0;      // mean rows per visit (a basket shares one time stamp)

  double repeat_fraction = 0.3;        // share of rows that re-buy an item bought before, [0, 1)
  double repeat_interval_days = 30.0;  // median over items of their typical re-buy interval
  double repeat_interval_sigma = 0.8;  // lognormal sigma of the typical interval across items
  double repeat_jitter_sigma = 0.5;    // lognormal sigma of each re-buy around the typical one

  double price_median = 3.0;           // median item price (money units)
  double price_category_sigma = 0.8;   // lognormal sigma of category median prices
  double price_item_sigma = 0.5;       // lognormal sigma of item prices within a category
  double quantity_mean = 2.0;          // quantities are 1 + geometric, this mean (>= 1)

  // Id columns: "string" ("c0000001", "i000001", zero-padded to the width of the count),
  // "integer" (int64 1..n, much smaller for huge files), or "auto" (strings up to 2,000,000
  // customers and items, integers beyond).
  std::string ids = "auto";
  std::uint64_t seed = 1;
};

// How to run: none of these change the output.
struct GenerateOptions {
  int threads = 1;
  // Rows generated in memory before they are written (about 24 bytes each). A target: customers
  // are generated in fixed blocks of kGenerateBlockCustomers, and one block is never split.
  std::int64_t chunk_rows = std::int64_t{1} << 23;
  // Called after each written chunk with (rows written so far, total rows).
  std::function<void(std::int64_t, std::int64_t)> progress;
};

// Customers per generation block. Fixed (not an option) because the random streams are keyed by
// block: changing it would change the output.
inline constexpr std::int64_t kGenerateBlockCustomers = 1024;

struct GenerateReport {
  std::filesystem::path path;
  std::int64_t rows = 0;
  std::int64_t repeat_rows = 0;  // rows generated as re-buys
  double seconds = 0;
};

// The preset names: "online-retail-shape", "dunnhumby-shape", "lastfm-shape", "retail-1b".
std::vector<std::string> generate_presets();
// A preset's spec; InputError naming the presets for an unknown name.
GenerateSpec generate_preset(const std::string& name);

// The spec as JSON (every field) and back. from_json starts from `base` and overrides the keys
// present; an unknown key or a value of the wrong type is an InputError.
nlohmann::json generate_spec_json(const GenerateSpec& spec);
GenerateSpec generate_spec_from_json(const nlohmann::json& j, const GenerateSpec& base);
// Sets one field from text (`--set key=value` on the command line); InputError if unknown/bad.
void set_generate_field(GenerateSpec& spec, const std::string& key, const std::string& value);

// Throws InputError naming the first field out of range.
void validate_generate_spec(const GenerateSpec& spec);

// Generates the file atomically (temporary file, then rename). Datasets: /customers/id,
// /items/id, /interactions/{customer,item (uint32), time (int64), quantity, value (float32)},
// /items/category (uint32 into /items/category_names), /items/price (float32),
// /items/repeat_interval_days (float32); root attributes format, format_version and generator
// (the spec as JSON). InputError for a bad spec, RunError for I/O failures.
GenerateReport generate(const std::filesystem::path& out, const GenerateSpec& spec,
                        const GenerateOptions& options);

// The shape of a data set, as JSON with stable keys: customers, items, rows, pairs (distinct
// customer-item pairs), density, top1_share / top10_share (share of rows on the top 1% / 10% of
// items by rows), item_gini (Gini of rows per item over all items), rows_per_customer {median,
// mean, p90, max} (over all customers), repeat_fraction (rows whose pair has a row strictly
// earlier in time), repeat_interval_days (median gap from such a row to the latest earlier row of
// its pair), span_days, and quantity_mean / value_mean when present. Needs time for the repeat
// and span figures (null without it). Memory: about 16 bytes per row.
nlohmann::json shape_stats(const Dataset& data);

// Two shape_stats objects side by side with their ratio, one line per figure.
std::string compare_stats(const nlohmann::json& generated, const nlohmann::json& real);

}  // namespace tailor
