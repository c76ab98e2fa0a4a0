// The HDF5 interaction data contract (data/README.md) and its loader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/data/csr.hpp"

namespace tailor {

inline constexpr const char* kInteractionsFormat = "tailor-interactions";
inline constexpr std::int64_t kInteractionsFormatVersion = 1;

// The interaction columns of a file, one entry per row, with indices into the id lists.
// Optional columns are empty when the file does not have them.
struct InteractionLog {
  std::vector<std::uint32_t> customer;  // index into Dataset::customer_ids
  std::vector<std::uint32_t> item;      // index into Dataset::item_ids
  std::vector<std::int64_t> time;       // unix seconds
  std::vector<float> quantity;
  std::vector<float> value;             // money
  std::vector<std::uint8_t> event;      // index into Dataset::event_names
  [[nodiscard]] std::int64_t size() const { return static_cast<std::int64_t>(customer.size()); }
};

// Optional item and customer metadata (data/README.md, "Metadata"). Each vector is empty when
// the file does not have that dataset; otherwise it holds one entry per item (customer).
inline constexpr std::uint32_t kNoCategory = 0xFFFFFFFFu;  // item without a category

struct ItemMeta {
  std::vector<std::string> category_names;  // distinct category names, index = category code
  std::vector<std::uint32_t> category;      // per item: index into category_names or kNoCategory
  std::vector<std::string> name;            // per item: display name ("" = none)
  std::vector<float> price;                 // per item: unit price >= 0, NaN = unknown
  std::vector<std::uint8_t> available;      // per item: 1 = can be offered, 0 = not

  [[nodiscard]] bool has_category() const { return !category.empty(); }
  [[nodiscard]] bool has_price() const { return !price.empty(); }
  [[nodiscard]] bool is_available(std::size_t item) const {
    return available.empty() || available[item] != 0;
  }
  // "" for an item without a category or a file without categories.
  [[nodiscard]] const std::string& category_name(std::size_t item) const;
};

struct CustomerMeta {
  std::vector<std::uint8_t> opt_out;        // per customer: 1 = opted out of campaigns
  std::vector<std::string> segment_names;   // distinct segment names
  std::vector<std::uint32_t> segment;       // per customer: index into segment_names or kNoCategory
  std::vector<std::string> channel_names;   // distinct preferred channels (email, app, post, ...)
  std::vector<std::uint32_t> channel;       // per customer: index into channel_names or kNoCategory

  [[nodiscard]] bool opted_out(std::size_t customer) const {
    return !opt_out.empty() && opt_out[customer] != 0;
  }
};

struct Dataset {
  std::filesystem::path path;
  std::int64_t format_version = 0;
  std::vector<std::string> customer_ids;  // external ids as text (int64 ids printed in decimal)
  std::vector<std::string> item_ids;
  std::vector<std::string> event_names;
  InteractionLog log;
  ItemMeta item_meta;
  CustomerMeta customer_meta;
  // Root attributes written by `tailor import` (source file, dropped rows by reason), verbatim.
  std::optional<std::string> import_report;

  [[nodiscard]] std::int64_t customers() const {
    return static_cast<std::int64_t>(customer_ids.size());
  }
  [[nodiscard]] std::int64_t items() const { return static_cast<std::int64_t>(item_ids.size()); }
  // The index of an event name in event_names, or -1 when the file has no such event.
  [[nodiscard]] int event_index(std::string_view name) const;
};

struct LoadOptions {
  int threads = 1;
  std::int64_t chunk_rows = std::int64_t{1} << 20;  // rows read per HDF5 call
};

// The rule of the amount columns, in a file or in memory: a quantity (allow_negative false) is
// finite and >= 0, a value finite; both fit in float32. nullptr when x passes, else what is wrong
// ("is not a finite number"), for the message "{where}: row R: value X {why}".
const char* amount_problem(double x, bool allow_negative);

// Reads and validates a file against the contract. Every violation throws InputError naming the
// file, the dataset and, for bad values, the first offending row and its value.
Dataset load_dataset(const std::filesystem::path& path, const LoadOptions& options);

// The aggregated matrices training and scoring use. Duplicate (customer, item) rows are summed
// into one weight: the sum of quantity, or the count when there is no quantity column.
struct InteractionMatrices {
  Csr customer_items;  // customers x items
  Csr item_customers;  // items x customers
  std::string fingerprint;  // data_fingerprint() of customer_items and the ids
};

// XXH3-64 over what training sees: the customer-major matrix (shape, indptr, indices, weights)
// and both id lists, as 16 hex digits. Equal for two files holding the same data.
std::string data_fingerprint(const Csr& customer_items, const std::vector<std::string>& customer_ids,
                             const std::vector<std::string>& item_ids);

// Builds both matrices from all rows of the log (or the rows where keep[row] is true).
InteractionMatrices build_matrices(const Dataset& data, int threads,
                                   const std::vector<bool>* keep = nullptr);

// The data's ids, event names and metadata without any rows (indices into the ids stay valid).
Dataset empty_like(const Dataset& d);
// Appends row r of `from` to `to` (the optional columns `from` has, `to` gets too).
void append_row(const InteractionLog& from, std::int64_t r, InteractionLog& to);

// Writes a dataset to the contract (used by `tailor import`, `tailor generate` and tests).
void write_dataset(const std::filesystem::path& path, const Dataset& data);

}  // namespace tailor
