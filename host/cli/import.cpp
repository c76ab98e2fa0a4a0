// tailor import: a CSV of transactions (and optional item and customer files) to the HDF5
// contract, with a report of what was kept and dropped.
#include <fmt/format.h>

#include <iostream>

#include "host/cli/command.hpp"
#include "host/core/error.hpp"
#include "host/core/progress.hpp"
#include "host/data/import_csv.hpp"

namespace tailor::cli {
namespace {

struct ImportArgs {
  std::string csv, out;
  ImportOptions options;
  std::string delimiter = ",";
  ItemsFileOptions items_file;
  CustomersFileOptions customers_file;
  std::string items_path, customers_path;
};

void declare_items_file(CLI::App& cmd, ImportArgs& a) {
  ItemsFileOptions& f = a.items_file;
  auto* items = cmd.add_option("--items", a.items_path,
                               "Item metadata CSV (plain or .gz), one row per item");
  cmd.add_option("--items-id", f.id_col, "Item id column of --items")->needs(items);
  items->needs(cmd.get_option("--items-id"));
  cmd.add_option("--items-category", f.category_col, "Category column of --items")->needs(items);
  cmd.add_option("--items-name", f.name_col, "Display name column of --items")->needs(items);
  cmd.add_option("--items-price", f.price_col, "Unit price column of --items (empty = unknown)")
      ->needs(items);
  cmd.add_option("--items-available", f.available_col,
                 "Yes/no column of --items: can the item be offered (empty = yes)")
      ->needs(items);
  cmd.add_flag("--items-price-from-value", a.options.item_price_from_value,
               "Unknown item prices: median value / quantity of the item's rows");
}

void declare_customers_file(CLI::App& cmd, ImportArgs& a) {
  CustomersFileOptions& f = a.customers_file;
  auto* customers = cmd.add_option("--customers", a.customers_path,
                                   "Customer metadata CSV (plain or .gz), one row per customer");
  cmd.add_option("--customers-id", f.id_col, "Customer id column of --customers")
      ->needs(customers);
  customers->needs(cmd.get_option("--customers-id"));
  cmd.add_option("--customers-opt-out", f.opt_out_col,
                 "Yes/no column of --customers: opted out of campaigns (empty = no)")
      ->needs(customers);
  cmd.add_option("--customers-segment", f.segment_col, "Segment column of --customers")
      ->needs(customers);
  cmd.add_option("--customers-channel", f.channel_col,
                 "Preferred channel column of --customers (email, app, post, ...)")
      ->needs(customers);
}

void declare(CLI::App& cmd, ImportArgs& a) {
  ImportOptions& o = a.options;
  o.threads = 2;
  cmd.add_option("csv", a.csv, "Input CSV (plain or .gz)")->required();
  cmd.add_option("out", a.out, "Output HDF5 file")->required();
  cmd.add_option("--customer", o.customer_col, "Customer id column")->required();
  cmd.add_option("--item", o.item_col, "Item id column")->required();
  cmd.add_option("--time", o.time_col, "Time column");
  cmd.add_option("--time-format", o.time_format,
                 "strptime-style time format [auto: ISO 8601, unix seconds, M/D/YYYY H:MM]");
  cmd.add_option("--quantity", o.quantity_col, "Quantity column");
  cmd.add_option("--price", o.price_col, "Unit price column (value = quantity x price)");
  cmd.add_option("--event", o.event_col, "Event type column (view, cart, purchase, ...)");
  cmd.add_option("--delimiter", a.delimiter, "Field delimiter, one character or \\t for a tab [,]");
  cmd.add_option("--exclude-items", o.exclude_items, "Item ids to drop (e.g. POST,M)")
      ->delimiter(',');
  cmd.add_option("--cancel-column", o.cancel_col,
                 "Rows whose value here starts with --cancel-prefix are cancellations");
  cmd.add_option("--cancel-prefix", o.cancel_prefix, "Cancellation prefix [C]");
  cmd.add_option("--cancel-event", o.cancel_event,
                 "Keep cancellations as this event (e.g. return) instead of dropping them; "
                 "other rows become 'purchase'");
  cmd.add_option("--threads", o.threads, "Threads (decompression) [2]");
  cmd.add_option("--value", o.value_col,
                 "Money of the row as written (a line total), instead of --price");
  declare_items_file(cmd, a);
  declare_customers_file(cmd, a);
}

// The import options with the delimiter checked and the side files attached when given.
ImportOptions import_options(const ImportArgs& a) {
  ImportOptions o = a.options;
  o.delimiter = parse_delimiter(a.delimiter);
  if (!a.items_path.empty()) {
    o.items_file = a.items_file;
    o.items_file->path = a.items_path;
  }
  if (!a.customers_path.empty()) {
    o.customers_file = a.customers_file;
    o.customers_file->path = a.customers_path;
  }
  return o;
}

// "12 (3.4%)": a count and its share of the file's ids.
std::string share(const SideFileReport& f, const char* key) {
  const std::int64_t n = f.counts.at(key);
  const double percent =
      f.ids > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(f.ids) : 0.0;
  return fmt::format("{} ({:.1f}%)", n, percent);
}

// The per-column coverage of a side file, one line per column it had.
void print_side_counts(const SideFileReport& f) {
  struct Count {
    const char* key;
    const char* label;
    const char* distinct;  // key of the number of distinct names, or nullptr
  };
  for (const Count& c : {Count{"with_category", "with a category", "categories"},
                         Count{"with_segment", "with a segment", "segments"},
                         Count{"with_channel", "with a channel", "channels"},
                         Count{"with_name", "with a name", nullptr},
                         Count{"with_price", "with a price", nullptr},
                         Count{"unavailable", "unavailable", nullptr},
                         Count{"opted_out", "opted out", nullptr}}) {
    if (!f.counts.contains(c.key)) continue;
    std::cout << fmt::format("    {:<16} {}", c.label, share(f, c.key));
    if (c.distinct) std::cout << fmt::format(", {} distinct", f.counts.at(c.distinct));
    std::cout << "\n";
  }
}

void print_side_file(const char* what, const SideFileReport& f) {
  std::cout << fmt::format("  {} file {}: {} rows, {} used", what, f.source, f.rows_read,
                           f.rows_used);
  if (f.unknown_id > 0) std::cout << fmt::format(", {} unknown id", f.unknown_id);
  if (f.duplicate_id > 0) std::cout << fmt::format(", {} duplicate id", f.duplicate_id);
  if (f.bad_value > 0) std::cout << fmt::format(", {} bad_value", f.bad_value);
  std::cout << fmt::format("; {} of {} {}s have a row\n", f.ids_with_row, f.ids, what);
  print_side_counts(f);
}

void print_report(const ImportArgs& a, const ImportReport& r) {
  std::cout << fmt::format("imported {} -> {}\n", a.csv, a.out);
  std::cout << fmt::format("  rows read  {:>10}\n  rows kept  {:>10}\n", r.rows_read, r.rows_kept);
  for (const auto& [reason, count] : r.dropped)
    std::cout << fmt::format("  dropped    {:>10}  {}\n", count, reason);
  std::cout << fmt::format("  customers  {:>10}\n  items      {:>10}\n", r.customers, r.items);
  if (r.items_file) print_side_file("item", *r.items_file);
  if (r.customers_file) print_side_file("customer", *r.customers_file);
  if (r.item_prices_from_value)
    std::cout << fmt::format("  item prices from values {:>6}\n", *r.item_prices_from_value);
  std::cout << fmt::format("  time       {:>10.2f}s\n", r.seconds);
}

int run(const ImportArgs& a) {
  const ImportOptions options = import_options(a);
  Progress progress("import", 0, "rows");
  const ImportReport r =
      import_csv(a.csv, a.out, options, [&](std::int64_t rows) { progress.update(rows); });
  print_report(a, r);
  return 0;
}

}  // namespace

Command import_command() {
  return make_command<ImportArgs>("import", "Convert a CSV of transactions to the HDF5 contract",
                                  declare, run);
}

}  // namespace tailor::cli
