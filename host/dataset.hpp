// The HDF5 interaction data contract (data/README.md) and its loader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/csr.hpp"

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

struct Dataset {
  std::filesystem::path path;
  std::int64_t format_version = 0;
  std::vector<std::string> customer_ids;  // external ids as text (int64 ids printed in decimal)
  std::vector<std::string> item_ids;
  std::vector<std::string> event_names;
  InteractionLog log;
  // Root attributes written by `tailor import` (source file, dropped rows by reason), verbatim.
  std::optional<std::string> import_report;

  [[nodiscard]] std::int64_t customers() const {
    return static_cast<std::int64_t>(customer_ids.size());
  }
  [[nodiscard]] std::int64_t items() const { return static_cast<std::int64_t>(item_ids.size()); }
};

struct LoadOptions {
  int threads = 1;
  std::int64_t chunk_rows = std::int64_t{1} << 20;  // rows read per HDF5 call
};

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

// Builds both matrices from all rows of the log (or the rows where keep[row] is true).
InteractionMatrices build_matrices(const Dataset& data, int threads,
                                   const std::vector<bool>* keep = nullptr);

// Writes a dataset to the contract (used by `tailor import`, `tailor generate` and tests).
void write_dataset(const std::filesystem::path& path, const Dataset& data);

}  // namespace tailor
