// The steps of `tailor import` (host/data/import_csv.cpp), declared apart so that each one can be
// tested on its own: option checks, the header and its columns, the classification of one
// record (the drop reasons of import_csv.hpp, in their order), the row loop, the side files and
// the item prices from values. Internal to the import: nothing else in host/ includes this.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "host/data/dataset.hpp"
#include "host/data/import_csv.hpp"
#include "host/io/csv.hpp"

namespace tailor::import_detail {

inline constexpr std::int64_t kProgressEvery = std::int64_t{1} << 16;  // records per progress call
inline constexpr std::size_t kMaxEvents = 256;  // /interactions/event is uint8

// ---- ids --------------------------------------------------------------------------------------

// Dictionary encoding in order of first appearance. Keys are views into an arena of stable
// blocks, so an id is copied once, when it is first seen.
class Dictionary {
 public:
  // The index of id, adding it when new. InputError when it would not fit in uint32.
  std::uint32_t intern(std::string_view id);
  // The index of a known id, or -1.
  [[nodiscard]] std::int64_t find(std::string_view id) const;
  [[nodiscard]] std::size_t size() const { return order_.size(); }
  [[nodiscard]] std::vector<std::string> ids() const {
    return std::vector<std::string>(order_.begin(), order_.end());
  }

 private:
  static constexpr std::size_t kBlock = std::size_t{1} << 16;

  std::string_view store(std::string_view id);

  std::unordered_map<std::string_view, std::uint32_t> map_;
  std::vector<std::string_view> order_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_used_ = 0;
  std::size_t block_size_ = 0;
  bool has_last_ = false;  // the last id interned, a shortcut for runs of equal ids
  std::string_view last_;
  std::uint32_t last_index_ = 0;
};

// ---- options and columns ----------------------------------------------------------------------

// InputError ("import: ...") for options that contradict each other or miss a part.
void check_options(const ImportOptions& options);

// The header row: the first record of `reader`, without a UTF-8 byte order mark. InputError for
// an empty file or text after a closing quote in the header.
std::vector<std::string> read_header(CsvFile& reader, const std::string& file);

// The 0-based index of the column named `wanted` (both sides trimmed). InputError when it is
// missing (listing the header) or appears twice; `role` names it in the message.
int find_column(const std::vector<std::string>& header, const std::string& wanted,
                const char* role, const std::string& file);

// Column indices of the transactions file; -1 where the option is not set.
struct Columns {
  int customer = -1, item = -1, time = -1, quantity = -1, price = -1, value = -1, event = -1,
      cancel = -1;
};

// Every column the options name, looked up in the order customer, item, time, quantity, price,
// value, event, cancel (the first missing one is the error). `roles` gets role -> column name,
// and time_format when one is set.
Columns find_columns(const std::vector<std::string>& header, const ImportOptions& options,
                     const std::string& file, std::map<std::string, std::string>& roles);

// ---- rows -------------------------------------------------------------------------------------

// Why a record is not kept, in the order import_csv.hpp lists the checks; kept past the end.
enum Reason {
  bad_quotes,
  blank_line,
  wrong_field_count,
  blank_customer,
  blank_item,
  blank_event,
  cancelled,
  excluded_item,
  unparsable_time,
  unparsable_quantity,
  negative_quantity,
  zero_quantity,
  unparsable_price,
  negative_price,
  unparsable_value,
  kReasons,
  kept = kReasons
};
// snake_case names of the reasons, as the report writes them.
inline constexpr const char* kReasonNames[kReasons] = {
    "bad_quotes",       "blank_line",          "wrong_field_count", "blank_customer",
    "blank_item",       "blank_event",         "cancelled",         "excluded_item",
    "unparsable_time",  "unparsable_quantity", "negative_quantity", "zero_quantity",
    "unparsable_price", "negative_price",      "unparsable_value"};

// One record's values, filled by RowClassifier as far as its checks get. Columns the options do
// not name keep these defaults (one unit, price 0, value 0).
struct Row {
  std::string_view customer, item, event;  // views into the record
  bool cancelled = false;                  // a cancellation kept as the cancel event
  std::int64_t time = 0;                   // unix seconds
  double quantity = 1.0, price = 0.0, value = 0.0;
};

// The first check a record fails, or kept. Holds views of the trimmed exclude_items, so it is
// neither copied nor moved.
class RowClassifier {
 public:
  RowClassifier(const Columns& columns, const ImportOptions& options, std::size_t n_fields);
  RowClassifier(const RowClassifier&) = delete;
  RowClassifier& operator=(const RowClassifier&) = delete;

  Reason operator()(const CsvRecord& rec, Row& row) const;
  [[nodiscard]] const Columns& columns() const { return col_; }
  [[nodiscard]] const ImportOptions& options() const { return options_; }

 private:
  // blank_customer .. excluded_item; fills customer, item, event and cancelled.
  Reason check_ids(const CsvRecord& rec, Row& row) const;
  // unparsable_quantity .. unparsable_value; fills quantity, price and value.
  Reason check_amounts(const CsvRecord& rec, Row& row) const;

  Columns col_;
  const ImportOptions& options_;
  std::size_t n_fields_;
  std::vector<std::string> excluded_storage_;
  std::unordered_set<std::string_view> excluded_;
};

// Dropped records per reason and the line of the first one.
struct DropCounts {
  std::int64_t rows[kReasons] = {};
  std::int64_t first_line[kReasons] = {};
  std::string first_time;  // the time field of the first unparsable_time record

  void count(Reason r, std::int64_t line) {
    if (rows[r]++ == 0) first_line[r] = line;
  }
};

// What the kept rows become: the interaction log and the dictionaries of its ids.
struct KeptRows {
  Dictionary customers, items, events;
  InteractionLog log;
  std::vector<float> unit_price;  // per kept row, with item_price_from_value; < 0: not used
  std::int64_t cancel_events = 0;  // rows kept as the cancel event

  // Appends a kept row: ids interned, one entry per column the options name, its event (with
  // an event column or a cancel event). InputError past kMaxEvents distinct events.
  void add(const Row& row, const Columns& col, const ImportOptions& options,
           const std::string& file, std::int64_t line);
};

// The index of event `name`; InputError naming file and line when it is event kMaxEvents + 1.
std::uint8_t intern_event(Dictionary& events, std::string_view name, const std::string& file,
                          std::int64_t line);

// Reads every record after the header: each kept row into `kept`, each other one counted in
// `drops`. progress (when set) gets 0, the count every kProgressEvery records and the total.
// Returns the number of records read.
std::int64_t read_rows(CsvFile& reader, const RowClassifier& classify, const std::string& file,
                       const std::function<void(std::int64_t)>& progress, KeptRows& kept,
                       DropCounts& drops);

// rows_read, rows_kept, dropped, first_dropped_line, customers and items of `report`. RunError
// when kept + dropped != read (a bug, checked in release builds too).
void count_rows(const DropCounts& drops, std::int64_t rows_read, const KeptRows& kept,
                ImportReport& report);

// InputError listing the drop reasons when `report` kept no row (nothing is written then).
void check_rows_kept(const ImportReport& report, const std::string& file,
                     const std::filesystem::path& out_h5);

// ---- side files -------------------------------------------------------------------------------

// A side file (import_csv.hpp): opened and its header checked before the transactions are read,
// so a wrong column name fails early; rows are read afterwards by read().
class SideFile {
 public:
  // roles: (role, column name) of the value columns, in the order read() hands their values out.
  SideFile(const std::filesystem::path& path, char delimiter, bool threaded, const char* id_role,
           const std::string& id_col,
           const std::vector<std::pair<std::string, std::string>>& roles);

  [[nodiscard]] const std::string& file() const { return file_; }
  // The header name of value column k.
  [[nodiscard]] const std::string& column(std::size_t k) const { return names_[k]; }

  // Calls use(index, values, line) for every used row (values: one per role, in order; index
  // into `ids`); the report counts the other rows by class (import_csv.hpp).
  using Use = std::function<void(std::uint32_t index, const std::vector<std::string_view>& values,
                                 std::int64_t line)>;
  SideFileReport read(const Dictionary& ids, const Use& use);

 private:
  // The current row is a bad_value: blank, bad quotes, wrong field count or a blank id.
  [[nodiscard]] bool bad_row() const;
  // Counts the current row under `key` (bad_value, unknown_id, duplicate_id).
  void count(std::int64_t& counter, const char* key);

  std::string file_;
  CsvFile reader_;
  CsvRecord rec_;
  std::vector<std::string> header_;
  int id_ = -1;
  std::vector<int> columns_;
  std::vector<std::string> names_;
  SideFileReport report_;
};

// The side files the options name, opened with their value columns in a fixed order (items:
// category, name, price, available; customers: opt_out, segment, channel).
std::optional<SideFile> open_items_file(const ImportOptions& options, bool threaded);
std::optional<SideFile> open_customers_file(const ImportOptions& options, bool threaded);

// Reads the items file into `im` (one entry per id of `items`, defaults for ids without a used
// row); the report carries the counts of each column given.
SideFileReport apply_items_file(SideFile& f, const ItemsFileOptions& o, const Dictionary& items,
                                ItemMeta& im);
// The same for the customers file into `cm`.
SideFileReport apply_customers_file(SideFile& f, const CustomersFileOptions& o,
                                    const Dictionary& customers, CustomerMeta& cm);

// Yes/no: 1/0, true/false, yes/no, y/n in any case; empty -> fallback. InputError otherwise,
// naming file, line, column and value.
std::uint8_t parse_flag(std::string_view text, std::uint8_t fallback, const std::string& file,
                        std::int64_t line, const std::string& column);
// A unit price >= 0 that fits float32; empty -> NaN (unknown). InputError otherwise.
float parse_price(std::string_view text, const std::string& file, std::int64_t line,
                  const std::string& column);

// ---- prices from values -----------------------------------------------------------------------

// The median of each item's unit prices (unit[k] of rows k with item[k] == i and unit[k] >= 0;
// the mean of the middle two for an even count); NaN for an item without such a row.
std::vector<float> median_unit_prices(const std::vector<std::uint32_t>& item,
                                      const std::vector<float>& unit, std::size_t items);

// Fills the unknown (NaN) entries of `price` (sized to `items` when empty) with the median unit
// prices; returns how many it filled.
std::int64_t prices_from_values(const std::vector<std::uint32_t>& item,
                                const std::vector<float>& unit, std::size_t items,
                                std::vector<float>& price);

}  // namespace tailor::import_detail
