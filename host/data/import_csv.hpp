// `tailor import`: a CSV export of transactions (plain or gzip-compressed) into the HDF5
// interaction contract (host/data/dataset.hpp, data/README.md).
//
// One pass over the file with an RFC 4180 parser: quoted fields with embedded delimiters, quotes
// ("" inside quotes) and newlines, LF or CRLF line ends, an optional UTF-8 byte order mark. The
// header row names the columns. Customer and item ids are dictionary-encoded in order of first
// appearance among the kept rows and stored exactly as written ("17850.0" stays "17850.0").
//
// Rows are never dropped silently: every data record that is not kept is counted under one
// reason (the first check it fails, in this order):
//   bad_quotes           text after a closing quote ("ab"c)
//   blank_line           an empty line
//   wrong_field_count    a different number of fields than the header
//   blank_customer       customer field empty or only spaces
//   blank_item           item field empty or only spaces
//   blank_event          event field empty (only with an event column)
//   cancelled            cancel column starts with the cancel prefix (only with a cancel column)
//   excluded_item        item id listed in exclude_items (compared exactly, after trimming spaces)
//   unparsable_time      time field empty or not in the expected format
//   unparsable_quantity  quantity field empty, not a number, or not finite
//   negative_quantity    quantity < 0
//   zero_quantity        quantity == 0
//   unparsable_price     price field empty, not a number, or not finite
//   negative_price       price < 0 (a price of 0 is kept: free items are real purchases)
//   unparsable_value     value field empty, not a number, or not finite (only with value_col)
// so rows_read == rows_kept + the sum of dropped, always.
//
// Side files (items_file, customers_file) add metadata (host/data/dataset.hpp, data/README.md
// "Metadata") for the imported ids: one row per id, matched exactly as written. They are read
// after the transactions, with the same delimiter and the same RFC 4180 / gzip reader. A row is
//   bad_value     when it is blank, has text after a closing quote, a different number of fields
//                 than its header, or a blank id;
//   unknown_id    when its id is not among the imported ids (not an error: a product catalogue
//                 lists more items than a period of sales touches);
//   duplicate_id  when an earlier row had the same id (the first row wins);
//   used          otherwise.
// Values of used rows: categories, segments and channels are trimmed, "" = none; names are
// trimmed; a price is a finite number >= 0, empty = unknown (NaN); yes/no columns take 1/0,
// true/false, yes/no, y/n in any case, empty = the default. A price or yes/no value that does not
// parse throws InputError naming the file, line, column and value. Imported ids without a used row
// get the defaults: no category, no name, unknown price, available 1, opt_out 0, no segment, no
// channel. Only the datasets of the columns given are written.
//
// Cancellations: in the UCI Online Retail file a cancellation has an InvoiceNo starting with "C"
// and a negative Quantity. Without a cancel column such rows are dropped as negative_quantity;
// with cancel_col = "InvoiceNo" they are counted as cancelled instead. Cancellations are dropped,
// not netted against the original purchase, unless cancel_event names an event to keep them as.
//
// Structural problems (a missing file, a broken gzip stream, an unterminated quoted field, a
// missing or duplicate column, more than 255 event names) throw InputError naming the file and,
// where there is one, the line. Output I/O failures throw RunError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tailor {

// `--items FILE`: item metadata, one row per item id.
struct ItemsFileOptions {
  std::filesystem::path path;                // CSV, plain or gzip
  std::string id_col;                        // item id, as in the transactions
  std::optional<std::string> category_col;   // -> /items/category + /items/category_names
  std::optional<std::string> name_col;       // -> /items/name
  std::optional<std::string> price_col;      // -> /items/price (unit price; empty = unknown)
  std::optional<std::string> available_col;  // -> /items/available (yes/no, empty = yes)
};

// `--customers FILE`: customer metadata, one row per customer id.
struct CustomersFileOptions {
  std::filesystem::path path;
  std::string id_col;                      // customer id, as in the transactions
  std::optional<std::string> opt_out_col;  // -> /customers/opt_out (yes/no, empty = no)
  std::optional<std::string> segment_col;  // -> /customers/segment + /customers/segment_names
  std::optional<std::string> channel_col;  // -> /customers/channel + /customers/channel_names
};

struct ImportOptions {
  // Column names as written in the header row (compared after trimming surrounding spaces).
  std::string customer_col;
  std::string item_col;
  std::optional<std::string> time_col;      // -> /interactions/time (int64 unix seconds, UTC)
  std::optional<std::string> quantity_col;  // -> /interactions/quantity (float32)
  std::optional<std::string> price_col;     // with a price: /interactions/value = quantity x price
  // The row's money as written (a line total such as dunnhumby's sales_value), any sign, ->
  // /interactions/value. Not together with price_col.
  std::optional<std::string> value_col;
  std::optional<std::string> event_col;     // -> /interactions/event + /events/name
  // strptime-style format of the time column, e.g. "%d.%m.%Y %H:%M". Supported: %Y %y %m %d %e
  // %H %I %p %M %S %b %h %B %F %T %s %z %%; a space matches any run of spaces. Times without a
  // zone (%z) are UTC. Unset: each value is auto-detected among
  //   ISO 8601 "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]", with 'T' instead of the space and an
  //   optional "Z" or "+HH:MM" zone; unix seconds ("1291191960"); and "M/D/YYYY H:MM[:SS]" (the
  //   layout of the Excel Online Retail file, month first).
  std::optional<std::string> time_format;
  char delimiter = ',';
  std::vector<std::string> exclude_items;  // item ids to drop, e.g. POST, M, BANK CHARGES
  // Rows whose cancel column starts with cancel_prefix are dropped as cancellations.
  std::optional<std::string> cancel_col;
  std::string cancel_prefix = "C";
  // Set: cancellations are kept as this event (e.g. "return") instead of dropped, with the
  // absolute quantity (and value), and every other row gets the event "purchase" unless an event
  // column names it. Campaigns can then act on them ([suppression] return = "demote").
  std::optional<std::string> cancel_event;
  // Decompression runs on a second thread when threads >= 2; parsing is sequential.
  int threads = 1;
  std::optional<ItemsFileOptions> items_file;
  std::optional<CustomersFileOptions> customers_file;
  // Items whose price is still unknown after the items file (or all items, without one) get the
  // median of value / quantity over their kept rows with a value >= 0 (the typical paid unit
  // price). Needs price_col or value_col.
  bool item_price_from_value = false;
};

// What a side file contributed (see the top of this file for the row classes).
struct SideFileReport {
  std::string source;                          // the path as given
  std::map<std::string, std::string> columns;  // role (id, category, price, ...) -> column name
  std::int64_t rows_read = 0;                  // data records after the header
  std::int64_t rows_used = 0;
  std::int64_t unknown_id = 0;
  std::int64_t duplicate_id = 0;
  std::int64_t bad_value = 0;
  std::map<std::string, std::int64_t> first_line;  // unknown_id / duplicate_id / bad_value -> line
  std::int64_t ids = 0;           // imported ids (items or customers)
  std::int64_t ids_with_row = 0;  // of those, with a used row
  // Per column given: with_category, categories, with_name, with_price, unavailable (items);
  // opted_out, with_segment, segments, with_channel, channels (customers).
  std::map<std::string, std::int64_t> counts;
};

struct ImportReport {
  std::string source;          // the CSV path as given
  std::int64_t rows_read = 0;  // data records after the header
  std::int64_t rows_kept = 0;
  std::int64_t cancel_events = 0;  // kept rows recorded as the cancel event (with cancel_event)
  std::map<std::string, std::int64_t> dropped;             // reason (snake_case, see above) -> rows
  std::map<std::string, std::int64_t> first_dropped_line;  // reason -> line of its first row
  std::optional<std::string> first_unparsable_time;  // the time text of the first such row
  std::map<std::string, std::string> columns;  // role (customer, item, time, ...) -> column name
  std::int64_t customers = 0;                  // distinct customer ids among the kept rows
  std::int64_t items = 0;
  std::optional<SideFileReport> items_file;
  std::optional<SideFileReport> customers_file;
  std::optional<std::int64_t> item_prices_from_value;  // items priced by item_price_from_value
  // Wall time of the import, writing included. The copy stored in the file was taken just
  // before the write, so it reads a little lower.
  double seconds = 0.0;

  [[nodiscard]] std::int64_t rows_dropped() const;
  // One JSON object with all of the above; stored as the root attribute `import_report`.
  [[nodiscard]] std::string to_json() const;
};

// The character of `--delimiter TEXT`: TEXT itself when it is one character, a tab for the
// escape "\t" or "tab". InputError otherwise.
char parse_delimiter(const std::string& text);

// Imports `csv` and writes `out_h5` atomically with write_dataset. progress, when set, is called
// now and then with the number of data records read so far, and once at the end.
// Throws InputError when no row is kept (nothing is written then).
ImportReport import_csv(const std::filesystem::path& csv, const std::filesystem::path& out_h5,
                        const ImportOptions& options,
                        std::function<void(std::int64_t rows)> progress = {});

}  // namespace tailor
