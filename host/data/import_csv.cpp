// `tailor import`: CSV (plain or gzip) -> the HDF5 interaction contract. See import_csv.hpp for
// the row rules; records come from host/io/csv.hpp and times from host/io/time.hpp; the parts
// here are the row checks, the dictionaries that turn ids into indices, and the side files.
#include "host/data/import_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cctype>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/io/csv.hpp"
#include "host/io/time.hpp"

namespace tailor {
namespace {

using std::int64_t;
using std::size_t;
using std::string_view;

constexpr int64_t kProgressEvery = int64_t{1} << 16;  // records between progress calls
constexpr size_t kMaxEvents = 256;                    // /interactions/event is uint8

// ---- ids --------------------------------------------------------------------------------------

// Dictionary encoding in order of first appearance. Keys are views into an arena of stable
// blocks, so an id is copied once, when it is first seen.
class Dictionary {
 public:
  // The index of id, adding it when new; false when the index would not fit in uint32.
  std::uint32_t intern(string_view id) {
    if (has_last_ && id == last_) return last_index_;
    auto it = map_.find(id);
    std::uint32_t index;
    if (it != map_.end()) {
      index = it->second;
    } else {
      if (order_.size() >= UINT32_MAX) throw InputError("more than 2^32 - 1 distinct ids");
      string_view stored = store(id);
      index = static_cast<std::uint32_t>(order_.size());
      map_.emplace(stored, index);
      order_.push_back(stored);
    }
    has_last_ = true;
    last_ = order_[index];
    last_index_ = index;
    return index;
  }
  // The index of a known id, or -1.
  [[nodiscard]] int64_t find(string_view id) const {
    auto it = map_.find(id);
    return it == map_.end() ? -1 : static_cast<int64_t>(it->second);
  }
  [[nodiscard]] size_t size() const { return order_.size(); }
  [[nodiscard]] std::vector<std::string> ids() const {
    return std::vector<std::string>(order_.begin(), order_.end());
  }

 private:
  static constexpr size_t kBlock = size_t{1} << 16;

  string_view store(string_view id) {
    if (id.empty()) return {};
    if (blocks_.empty() || block_used_ + id.size() > block_size_) {
      block_size_ = std::max(kBlock, id.size());
      blocks_.push_back(std::make_unique<char[]>(block_size_));
      block_used_ = 0;
    }
    char* dst = blocks_.back().get() + block_used_;
    std::memcpy(dst, id.data(), id.size());
    block_used_ += id.size();
    return {dst, id.size()};
  }

  std::unordered_map<string_view, std::uint32_t> map_;
  std::vector<string_view> order_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  bool has_last_ = false;
  string_view last_;
  std::uint32_t last_index_ = 0;
};

// ---- columns ----------------------------------------------------------------------------------

struct Columns {
  int customer = -1, item = -1, time = -1, quantity = -1, price = -1, value = -1, event = -1,
      cancel = -1;
};

int find_column(const std::vector<std::string>& header, const std::string& wanted, const char* role,
                const std::string& file) {
  const string_view want = trim(wanted);
  int found = -1;
  for (size_t k = 0; k < header.size(); ++k) {
    if (trim(header[k]) != want) continue;
    if (found >= 0)
      throw InputError(
          fmt::format("{}: line 1: the {} column '{}' appears twice (columns {} and {})", file,
                      role, wanted, found + 1, k + 1));
    found = static_cast<int>(k);
  }
  if (found < 0) {
    std::string available;
    for (size_t k = 0; k < header.size(); ++k)
      available += fmt::format("{}'{}'", k ? ", " : "", header[k]);
    throw InputError(fmt::format("{}: line 1: no {} column '{}'; the header has {} columns: {}",
                                 file, role, wanted, header.size(), available));
  }
  return found;
}

// ---- side files -------------------------------------------------------------------------------

// A side file (import_csv.hpp): opened and its header checked before the transactions are read,
// so a wrong column name fails early; rows are read afterwards by read().
class SideFile {
 public:
  // roles: (role, column name) of the value columns, in the order read() hands their values out.
  SideFile(const std::filesystem::path& path, char delimiter, bool threaded, const char* id_role,
           const std::string& id_col, const std::vector<std::pair<std::string, std::string>>& roles)
      : file_(path.string()),
        reader_(path, delimiter, threaded) {
    if (id_col.empty())
      throw InputError(fmt::format("{}: no {} column given for this file", file_, id_role));
    report_.source = file_;
    if (!reader_.next(rec_)) throw InputError(fmt::format("{}: empty file (no header row)", file_));
    if (rec_.bad_quotes)
      throw InputError(fmt::format("{}: line 1: text after a closing quote in the header", file_));
    header_.assign(rec_.fields.begin(), rec_.fields.end());
    if (!header_.empty() && header_[0].starts_with("\xEF\xBB\xBF")) header_[0].erase(0, 3);
    id_ = find_column(header_, id_col, id_role, file_);
    report_.columns["id"] = id_col;
    for (const auto& [role, name] : roles) {
      columns_.push_back(find_column(header_, name, role.c_str(), file_));
      names_.push_back(name);
      report_.columns[role] = name;
    }
  }

  [[nodiscard]] const std::string& file() const { return file_; }
  // The header name of value column k.
  [[nodiscard]] const std::string& column(size_t k) const { return names_[k]; }

  // Calls use(index, values, line) for every used row (values: one per role, in order).
  template <class Use>
  SideFileReport read(const Dictionary& ids, Use&& use) {
    std::vector<bool> seen(ids.size(), false);
    std::vector<string_view> values(columns_.size());
    auto count = [&](int64_t& counter, const char* key) {
      if (counter++ == 0) report_.first_line[key] = rec_.line;
    };
    while (reader_.next(rec_)) {
      ++report_.rows_read;
      if (rec_.bad_quotes || rec_.blank || rec_.fields.size() != header_.size() ||
          trim(rec_.fields[static_cast<size_t>(id_)]).empty()) {
        count(report_.bad_value, "bad_value");
        continue;
      }
      const int64_t index = ids.find(rec_.fields[static_cast<size_t>(id_)]);
      if (index < 0) {
        count(report_.unknown_id, "unknown_id");
        continue;
      }
      if (seen[static_cast<size_t>(index)]) {
        count(report_.duplicate_id, "duplicate_id");
        continue;
      }
      seen[static_cast<size_t>(index)] = true;
      for (size_t k = 0; k < columns_.size(); ++k)
        values[k] = rec_.fields[static_cast<size_t>(columns_[k])];
      use(static_cast<std::uint32_t>(index), values, rec_.line);
      ++report_.rows_used;
    }
    report_.ids = static_cast<int64_t>(ids.size());
    report_.ids_with_row = std::count(seen.begin(), seen.end(), true);
    return report_;
  }

 private:
  std::string file_;
  CsvFile reader_;
  CsvRecord rec_;
  std::vector<std::string> header_;
  int id_ = -1;
  std::vector<int> columns_;
  std::vector<std::string> names_;
  SideFileReport report_;
};

// Yes/no: 1/0, true/false, yes/no, y/n in any case; empty -> fallback.
std::uint8_t parse_flag(string_view text, std::uint8_t fallback, const std::string& file,
                        int64_t line, const std::string& column) {
  const string_view s = trim(text);
  if (s.empty()) return fallback;
  std::string lower(s);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "y") return 1;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "n") return 0;
  throw InputError(fmt::format(
      "{}: line {}: column '{}': '{}' is not a yes/no value (accepted: 1/0, true/false, yes/no, "
      "y/n in any case; empty for the default)",
      file, line, column, text));
}

// A unit price >= 0; empty -> NaN (unknown).
float parse_price(string_view text, const std::string& file, int64_t line,
                  const std::string& column) {
  if (trim(text).empty()) return std::numeric_limits<float>::quiet_NaN();
  double x = 0;
  if (!parse_number(text, x))
    throw InputError(fmt::format(
        "{}: line {}: column '{}': price '{}' is not a finite number (leave it empty when the "
        "price is unknown)",
        file, line, column, text));
  if (x < 0)
    throw InputError(fmt::format("{}: line {}: column '{}': price '{}' is negative", file, line,
                                 column, text));
  if (x > std::numeric_limits<float>::max())
    throw InputError(fmt::format("{}: line {}: column '{}': price '{}' does not fit in float32",
                                 file, line, column, text));
  return static_cast<float>(x);
}

// The median of each item's unit prices (value / quantity of its kept rows with value >= 0);
// NaN for an item without such a row.
std::vector<float> median_unit_prices(const std::vector<std::uint32_t>& item,
                                      const std::vector<float>& unit, size_t items) {
  std::vector<size_t> start(items + 1, 0);
  for (size_t k = 0; k < item.size(); ++k)
    if (unit[k] >= 0) ++start[item[k] + 1];
  for (size_t i = 0; i < items; ++i) start[i + 1] += start[i];
  std::vector<float> sorted(start[items]);
  std::vector<size_t> fill(start.begin(), start.end() - 1);
  for (size_t k = 0; k < item.size(); ++k)
    if (unit[k] >= 0) sorted[fill[item[k]]++] = unit[k];
  std::vector<float> out(items, std::numeric_limits<float>::quiet_NaN());
  for (size_t i = 0; i < items; ++i) {
    const size_t n = start[i + 1] - start[i];
    if (n == 0) continue;
    auto* b = sorted.data() + start[i];
    std::sort(b, b + n);
    out[i] = n % 2 ? b[n / 2] : static_cast<float>((double{b[n / 2 - 1]} + b[n / 2]) / 2.0);
  }
  return out;
}

int64_t count_known(const std::vector<std::uint32_t>& codes) {
  return std::count_if(codes.begin(), codes.end(), [](std::uint32_t c) { return c != kNoCategory; });
}

nlohmann::ordered_json side_json(const SideFileReport& r) {
  nlohmann::ordered_json j;
  j["source"] = r.source;
  j["columns"] = nlohmann::ordered_json::object();
  for (const auto& [role, name] : r.columns) j["columns"][role] = name;
  j["rows_read"] = r.rows_read;
  j["rows_used"] = r.rows_used;
  j["unknown_id"] = r.unknown_id;
  j["duplicate_id"] = r.duplicate_id;
  j["bad_value"] = r.bad_value;
  j["first_line"] = nlohmann::ordered_json::object();
  for (const auto& [what, line] : r.first_line) j["first_line"][what] = line;
  j["ids"] = r.ids;
  j["ids_with_row"] = r.ids_with_row;
  for (const auto& [what, n] : r.counts) j[what] = n;
  return j;
}

}  // namespace

// ---- public -----------------------------------------------------------------------------------

std::int64_t ImportReport::rows_dropped() const {
  std::int64_t n = 0;
  for (const auto& [reason, count] : dropped) n += count;
  return n;
}

std::string ImportReport::to_json() const {
  nlohmann::ordered_json j;
  j["source"] = source;
  j["rows_read"] = rows_read;
  j["rows_kept"] = rows_kept;
  j["rows_dropped"] = rows_dropped();
  if (cancel_events > 0) j["cancel_events"] = cancel_events;
  j["dropped"] = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : dropped) j["dropped"][reason] = count;
  j["first_dropped_line"] = nlohmann::ordered_json::object();
  for (const auto& [reason, line] : first_dropped_line) j["first_dropped_line"][reason] = line;
  j["columns"] = nlohmann::ordered_json::object();
  for (const auto& [role, name] : columns) j["columns"][role] = name;
  j["customers"] = customers;
  j["items"] = items;
  if (items_file) j["items_file"] = side_json(*items_file);
  if (customers_file) j["customers_file"] = side_json(*customers_file);
  if (item_prices_from_value) j["item_prices_from_value"] = *item_prices_from_value;
  j["seconds"] = seconds;
  j["tailor_version"] = TAILOR_VERSION;
  return j.dump();
}

ImportReport import_csv(const std::filesystem::path& csv, const std::filesystem::path& out_h5,
                        const ImportOptions& options,
                        std::function<void(std::int64_t rows)> progress) {
  const auto start = std::chrono::steady_clock::now();
  const std::string file = csv.string();
  if (options.customer_col.empty()) throw InputError("import: the customer column is not set");
  if (options.item_col.empty()) throw InputError("import: the item column is not set");
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw InputError(fmt::format("import: '{}' cannot be the delimiter",
                                 options.delimiter == '"' ? "\"" : "newline"));
  if (options.time_format) check_time_format(*options.time_format);
  if (options.cancel_col && options.cancel_prefix.empty())
    throw InputError("import: a cancel column needs a non-empty cancel prefix");
  if (options.cancel_event && (!options.cancel_col || options.cancel_event->empty()))
    throw InputError("import: --cancel-event needs a cancel column (--cancel-column) and a name");
  if (options.price_col && options.value_col)
    throw InputError("import: give a unit price column or a value column, not both");
  if (options.item_price_from_value && !options.price_col && !options.value_col)
    throw InputError(
        "import: item prices from values need a unit price column or a value column");

  // Side files: opened and their headers checked before the long read.
  const bool threaded = options.threads >= 2;
  std::optional<SideFile> items_file, customers_file;
  if (const auto& o = options.items_file) {
    std::vector<std::pair<std::string, std::string>> roles;
    if (o->category_col) roles.emplace_back("category", *o->category_col);
    if (o->name_col) roles.emplace_back("name", *o->name_col);
    if (o->price_col) roles.emplace_back("price", *o->price_col);
    if (o->available_col) roles.emplace_back("available", *o->available_col);
    items_file.emplace(o->path, options.delimiter, threaded, "item id", o->id_col, roles);
  }
  if (const auto& o = options.customers_file) {
    std::vector<std::pair<std::string, std::string>> roles;
    if (o->opt_out_col) roles.emplace_back("opt_out", *o->opt_out_col);
    if (o->segment_col) roles.emplace_back("segment", *o->segment_col);
    if (o->channel_col) roles.emplace_back("channel", *o->channel_col);
    customers_file.emplace(o->path, options.delimiter, threaded, "customer id", o->id_col, roles);
  }

  ImportReport report;
  report.source = file;

  CsvFile reader(csv, options.delimiter, threaded);
  CsvRecord rec;
  if (!reader.next(rec)) throw InputError(fmt::format("{}: empty file (no header row)", file));
  if (rec.bad_quotes)
    throw InputError(fmt::format("{}: line 1: text after a closing quote in the header", file));
  std::vector<std::string> header(rec.fields.begin(), rec.fields.end());
  if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) header[0].erase(0, 3);  // BOM

  Columns col;
  col.customer = find_column(header, options.customer_col, "customer", file);
  col.item = find_column(header, options.item_col, "item", file);
  report.columns["customer"] = options.customer_col;
  report.columns["item"] = options.item_col;
  auto optional_column = [&](const std::optional<std::string>& name, const char* role, int& out) {
    if (!name) return;
    out = find_column(header, *name, role, file);
    report.columns[role] = *name;
  };
  optional_column(options.time_col, "time", col.time);
  optional_column(options.quantity_col, "quantity", col.quantity);
  optional_column(options.price_col, "price", col.price);
  optional_column(options.value_col, "value", col.value);
  optional_column(options.event_col, "event", col.event);
  optional_column(options.cancel_col, "cancel", col.cancel);
  if (options.time_format) report.columns["time_format"] = *options.time_format;

  std::vector<std::string> excluded_storage;
  for (const auto& e : options.exclude_items) excluded_storage.emplace_back(trim(e));
  const std::unordered_set<string_view> excluded(excluded_storage.begin(), excluded_storage.end());
  const size_t n_fields = header.size();

  Dictionary customers, items, events;
  Dataset data;
  InteractionLog& log = data.log;

  // Drop counters indexed by reason; folded into the report's map at the end.
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
  static constexpr const char* kReasonNames[kReasons] = {
      "bad_quotes",       "blank_line",          "wrong_field_count", "blank_customer",
      "blank_item",       "blank_event",         "cancelled",         "excluded_item",
      "unparsable_time",  "unparsable_quantity", "negative_quantity", "zero_quantity",
      "unparsable_price", "negative_price",      "unparsable_value"};
  int64_t drops[kReasons] = {};
  int64_t first_line[kReasons] = {};

  // One row's values, filled by classify() as far as the checks get.
  struct Row {
    string_view customer, item, event;
    bool cancelled = false;  // kept as the cancel event
    int64_t time = 0;
    double quantity = 1.0, price = 0.0, value = 0.0;
  } row;
  auto field = [&](int column) { return rec.fields[static_cast<size_t>(column)]; };
  // The first check the record fails (in the order import_csv.hpp lists), or kept.
  auto classify = [&]() -> Reason {
    if (rec.bad_quotes) return bad_quotes;
    if (rec.blank) return blank_line;
    if (rec.fields.size() != n_fields) return wrong_field_count;
    row.customer = field(col.customer);
    row.item = field(col.item);
    if (trim(row.customer).empty()) return blank_customer;
    if (trim(row.item).empty()) return blank_item;
    if (col.event >= 0 && (row.event = trim(field(col.event))).empty()) return blank_event;
    row.cancelled = false;
    if (col.cancel >= 0 && trim(field(col.cancel)).starts_with(options.cancel_prefix)) {
      if (!options.cancel_event) return cancelled;
      row.cancelled = true;
    }
    if (!excluded.empty() && excluded.count(trim(row.item))) return excluded_item;
    if (col.time >= 0 && !parse_time(field(col.time), options.time_format, row.time))
      return unparsable_time;
    if (col.quantity >= 0) {
      if (!parse_number(field(col.quantity), row.quantity)) return unparsable_quantity;
      if (row.cancelled) row.quantity = std::fabs(row.quantity);  // a cancellation's -3 is 3
      if (row.quantity < 0) return negative_quantity;
      if (row.quantity == 0) return zero_quantity;
    }
    if (col.price >= 0) {
      if (!parse_number(field(col.price), row.price)) return unparsable_price;
      if (row.price < 0) return negative_price;
    }
    if (col.value >= 0 && !parse_number(field(col.value), row.value)) return unparsable_value;
    if (row.cancelled) row.value = std::fabs(row.value);
    return kept;
  };

  std::vector<float> unit_price;  // per kept row, with item_price_from_value; < 0: not used
  int64_t rows_read = 0;
  if (progress) progress(0);
  while (reader.next(rec)) {
    ++rows_read;
    if (progress && rows_read % kProgressEvery == 0) progress(rows_read);
    if (const Reason r = classify(); r != kept) {
      if (drops[r]++ == 0) first_line[r] = rec.line;
      continue;
    }
    log.customer.push_back(customers.intern(row.customer));
    log.item.push_back(items.intern(row.item));
    if (col.time >= 0) log.time.push_back(row.time);
    if (col.quantity >= 0) log.quantity.push_back(static_cast<float>(row.quantity));
    // value in double, stored as float32 like every amount in the contract
    if (col.price >= 0) log.value.push_back(static_cast<float>(row.quantity * row.price));
    if (col.value >= 0) log.value.push_back(static_cast<float>(row.value));
    if (options.item_price_from_value)  // value / quantity in double, before the float32 rounding
      unit_price.push_back(static_cast<float>(
          col.price >= 0 ? row.price : row.value < 0 ? -1.0 : row.value / row.quantity));
    if (options.cancel_event) {
      report.cancel_events += row.cancelled;
      row.event = row.cancelled ? string_view(*options.cancel_event)
                  : col.event >= 0 ? row.event
                                   : string_view("purchase");
    }
    if (col.event >= 0 || options.cancel_event) {
      const std::uint32_t e = events.intern(row.event);
      if (events.size() > kMaxEvents)
        throw InputError(fmt::format("{}: line {}: more than {} distinct event names (at '{}')",
                                     file, rec.line, kMaxEvents, row.event));
      log.event.push_back(static_cast<std::uint8_t>(e));
    }
  }
  if (progress) progress(rows_read);

  report.rows_read = rows_read;
  report.rows_kept = log.size();
  for (int r = 0; r < kReasons; ++r) {
    if (drops[r] == 0) continue;
    report.dropped[kReasonNames[r]] = drops[r];
    report.first_dropped_line[kReasonNames[r]] = first_line[r];
  }
  // Every record is kept or counted under one reason; checked in release builds too.
  if (report.rows_read != report.rows_kept + report.rows_dropped())
    throw RunError(fmt::format("{}: internal error: {} rows read but {} kept + {} dropped", file,
                               report.rows_read, report.rows_kept, report.rows_dropped()));
  report.customers = static_cast<int64_t>(customers.size());
  report.items = static_cast<int64_t>(items.size());

  if (report.rows_kept == 0) {
    std::string why;
    for (const auto& [reason, count] : report.dropped)
      why += fmt::format("{}{} {}", why.empty() ? "" : ", ", count, reason);
    throw InputError(fmt::format("{}: no row kept out of {} ({}); nothing written to {}", file,
                                 rows_read, why.empty() ? "no data rows" : why, out_h5.string()));
  }

  data.path = out_h5;
  data.format_version = kInteractionsFormatVersion;
  data.customer_ids = customers.ids();
  data.item_ids = items.ids();
  data.event_names = events.ids();

  // Metadata from the side files and the values.
  ItemMeta& im = data.item_meta;
  const size_t n_items = items.size();
  if (items_file) {
    const ItemsFileOptions& o = *options.items_file;
    if (o.category_col) im.category.assign(n_items, kNoCategory);
    if (o.name_col) im.name.assign(n_items, std::string());
    if (o.price_col) im.price.assign(n_items, std::numeric_limits<float>::quiet_NaN());
    if (o.available_col) im.available.assign(n_items, 1);
    Dictionary categories;
    SideFile& f = *items_file;
    report.items_file = f.read(items, [&](std::uint32_t i, const std::vector<string_view>& v,
                                          int64_t line) {
      size_t k = 0;
      if (o.category_col)
        if (const string_view c = trim(v[k++]); !c.empty()) im.category[i] = categories.intern(c);
      if (o.name_col) im.name[i] = std::string(trim(v[k++]));
      if (o.price_col) {
        im.price[i] = parse_price(v[k], f.file(), line, f.column(k));
        ++k;
      }
      if (o.available_col) {
        im.available[i] = parse_flag(v[k], 1, f.file(), line, f.column(k));
        ++k;
      }
    });
    im.category_names = categories.ids();
    auto& counts = report.items_file->counts;
    if (o.category_col) {
      counts["with_category"] = count_known(im.category);
      counts["categories"] = static_cast<int64_t>(im.category_names.size());
    }
    if (o.name_col)
      counts["with_name"] = std::count_if(im.name.begin(), im.name.end(),
                                          [](const std::string& x) { return !x.empty(); });
    if (o.price_col)
      counts["with_price"] = std::count_if(im.price.begin(), im.price.end(),
                                           [](float x) { return !std::isnan(x); });
    if (o.available_col)
      counts["unavailable"] = std::count(im.available.begin(), im.available.end(), 0);
  }
  if (options.item_price_from_value) {
    const std::vector<float> median = median_unit_prices(log.item, unit_price, n_items);
    if (im.price.empty()) im.price.assign(n_items, std::numeric_limits<float>::quiet_NaN());
    int64_t filled = 0;
    for (size_t i = 0; i < n_items; ++i)
      if (std::isnan(im.price[i]) && !std::isnan(median[i])) {
        im.price[i] = median[i];
        ++filled;
      }
    report.item_prices_from_value = filled;
  }
  if (customers_file) {
    const CustomersFileOptions& o = *options.customers_file;
    CustomerMeta& cm = data.customer_meta;
    const size_t n_customers = customers.size();
    if (o.opt_out_col) cm.opt_out.assign(n_customers, 0);
    if (o.segment_col) cm.segment.assign(n_customers, kNoCategory);
    if (o.channel_col) cm.channel.assign(n_customers, kNoCategory);
    Dictionary segments, channels;
    SideFile& f = *customers_file;
    report.customers_file = f.read(customers, [&](std::uint32_t c,
                                                  const std::vector<string_view>& v, int64_t line) {
      size_t k = 0;
      if (o.opt_out_col) {
        cm.opt_out[c] = parse_flag(v[k], 0, f.file(), line, f.column(k));
        ++k;
      }
      if (o.segment_col)
        if (const string_view x = trim(v[k++]); !x.empty()) cm.segment[c] = segments.intern(x);
      if (o.channel_col)
        if (const string_view x = trim(v[k++]); !x.empty()) cm.channel[c] = channels.intern(x);
    });
    cm.segment_names = segments.ids();
    cm.channel_names = channels.ids();
    auto& counts = report.customers_file->counts;
    if (o.opt_out_col) counts["opted_out"] = std::count(cm.opt_out.begin(), cm.opt_out.end(), 1);
    if (o.segment_col) {
      counts["with_segment"] = count_known(cm.segment);
      counts["segments"] = static_cast<int64_t>(cm.segment_names.size());
    }
    if (o.channel_col) {
      counts["with_channel"] = count_known(cm.channel);
      counts["channels"] = static_cast<int64_t>(cm.channel_names.size());
    }
  }
  // seconds covers parsing; the write that follows is quick next to it and the report must be
  // final before it is stored in the file.
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  data.import_report = report.to_json();
  write_dataset(out_h5, data);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace tailor
