// `tailor import`: CSV (plain or gzip) -> the HDF5 interaction contract. See import_csv.hpp for
// the row rules; records come from host/io/csv.hpp and times from host/io/time.hpp. The steps
// (import_steps.hpp) are the option checks, the columns, the row checks, the dictionaries that
// turn ids into indices, the side files and the prices from values; import_csv() runs them.
#include "host/data/import_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>

#include "host/core/error.hpp"
#include "host/data/import_steps.hpp"
#include "host/io/time.hpp"

namespace tailor::import_detail {

using std::int64_t;
using std::size_t;
using std::string_view;

namespace {

constexpr float kUnknownPrice = std::numeric_limits<float>::quiet_NaN();

}  // namespace

// ---- ids --------------------------------------------------------------------------------------

std::uint32_t Dictionary::intern(string_view id) {
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

int64_t Dictionary::find(string_view id) const {
  auto it = map_.find(id);
  return it == map_.end() ? -1 : static_cast<int64_t>(it->second);
}

string_view Dictionary::store(string_view id) {
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

// ---- options and columns ----------------------------------------------------------------------

namespace {

void check_delimiter(char delimiter) {
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r')
    throw InputError(
        fmt::format("import: '{}' cannot be the delimiter", delimiter == '"' ? "\"" : "newline"));
}

void check_cancel_options(const ImportOptions& options) {
  if (options.cancel_col && options.cancel_prefix.empty())
    throw InputError("import: a cancel column needs a non-empty cancel prefix");
  if (options.cancel_event && (!options.cancel_col || options.cancel_event->empty()))
    throw InputError("import: --cancel-event needs a cancel column (--cancel-column) and a name");
}

void check_value_options(const ImportOptions& options) {
  if (options.price_col && options.value_col)
    throw InputError("import: give a unit price column or a value column, not both");
  if (options.item_price_from_value && !options.price_col && !options.value_col)
    throw InputError(
        "import: item prices from values need a unit price column or a value column");
}

}  // namespace

void check_options(const ImportOptions& options) {
  if (options.customer_col.empty()) throw InputError("import: the customer column is not set");
  if (options.item_col.empty()) throw InputError("import: the item column is not set");
  check_delimiter(options.delimiter);
  if (options.time_format) check_time_format(*options.time_format);
  check_cancel_options(options);
  check_value_options(options);
}

std::vector<std::string> read_header(CsvFile& reader, const std::string& file) {
  CsvRecord rec;
  if (!reader.next(rec)) throw InputError(fmt::format("{}: empty file (no header row)", file));
  if (rec.bad_quotes)
    throw InputError(fmt::format("{}: line 1: text after a closing quote in the header", file));
  return std::vector<std::string>(rec.fields.begin(), rec.fields.end());  // BOM: CsvFile drops it
}

namespace {

// A header read as one field that holds another common delimiter was most likely written with
// that one: a hint naming the flag, or "".
std::string delimiter_hint(const std::vector<std::string>& header) {
  if (header.size() != 1) return {};
  for (const char* d : {";", "\t", "|", ","})
    if (header[0].find(d[0]) != std::string::npos) {
      const char* shown = d[0] == '\t' ? "\\t" : d;
      return fmt::format(" (is the file separated by '{0}'? then give --delimiter '{0}')", shown);
    }
  return {};
}

}  // namespace

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
    throw InputError(fmt::format("{}: line 1: no {} column '{}'; the header has {} columns: {}{}",
                                 file, role, wanted, header.size(), available,
                                 delimiter_hint(header)));
  }
  return found;
}

Columns find_columns(const std::vector<std::string>& header, const ImportOptions& options,
                     const std::string& file, std::map<std::string, std::string>& roles) {
  Columns col;
  col.customer = find_column(header, options.customer_col, "customer", file);
  col.item = find_column(header, options.item_col, "item", file);
  roles["customer"] = options.customer_col;
  roles["item"] = options.item_col;
  auto optional_column = [&](const std::optional<std::string>& name, const char* role, int& out) {
    if (!name) return;
    out = find_column(header, *name, role, file);
    roles[role] = *name;
  };
  optional_column(options.time_col, "time", col.time);
  optional_column(options.quantity_col, "quantity", col.quantity);
  optional_column(options.price_col, "price", col.price);
  optional_column(options.value_col, "value", col.value);
  optional_column(options.event_col, "event", col.event);
  optional_column(options.cancel_col, "cancel", col.cancel);
  if (options.time_format) roles["time_format"] = *options.time_format;
  return col;
}

// ---- rows -------------------------------------------------------------------------------------

namespace {

string_view field(const CsvRecord& rec, int column) {
  return rec.fields[static_cast<size_t>(column)];
}

}  // namespace

RowClassifier::RowClassifier(const Columns& columns, const ImportOptions& options,
                             size_t n_fields)
    : col_(columns), options_(options), n_fields_(n_fields) {
  for (const auto& e : options.exclude_items) excluded_storage_.emplace_back(trim(e));
  excluded_.insert(excluded_storage_.begin(), excluded_storage_.end());
}

Reason RowClassifier::operator()(const CsvRecord& rec, Row& row) const {
  if (rec.bad_quotes) return bad_quotes;
  if (rec.blank) return blank_line;
  if (rec.fields.size() != n_fields_) return wrong_field_count;
  if (const Reason r = check_ids(rec, row); r != kept) return r;
  if (col_.time >= 0 && !parse_time(field(rec, col_.time), options_.time_format, row.time))
    return unparsable_time;
  return check_amounts(rec, row);
}

Reason RowClassifier::check_ids(const CsvRecord& rec, Row& row) const {
  row.customer = field(rec, col_.customer);
  row.item = field(rec, col_.item);
  if (trim(row.customer).empty()) return blank_customer;
  if (trim(row.item).empty()) return blank_item;
  if (col_.event >= 0 && (row.event = trim(field(rec, col_.event))).empty()) return blank_event;
  row.cancelled = false;
  if (col_.cancel >= 0 && trim(field(rec, col_.cancel)).starts_with(options_.cancel_prefix)) {
    if (!options_.cancel_event) return cancelled;
    row.cancelled = true;
  }
  if (!excluded_.empty() && excluded_.count(trim(row.item))) return excluded_item;
  return kept;
}

Reason RowClassifier::check_amounts(const CsvRecord& rec, Row& row) const {
  if (col_.quantity >= 0) {
    if (!parse_number(field(rec, col_.quantity), row.quantity)) return unparsable_quantity;
    if (row.cancelled) row.quantity = std::fabs(row.quantity);  // a cancellation's -3 is 3
    if (row.quantity < 0) return negative_quantity;
    if (row.quantity == 0) return zero_quantity;
  }
  if (col_.price >= 0) {
    if (!parse_number(field(rec, col_.price), row.price)) return unparsable_price;
    if (row.price < 0) return negative_price;
  }
  if (col_.value >= 0 && !parse_number(field(rec, col_.value), row.value)) return unparsable_value;
  if (row.cancelled) row.value = std::fabs(row.value);
  return kept;
}

namespace {

// A record's place in its file, for messages.
struct Where {
  const std::string& file;
  int64_t line;
};

// An id or name as it goes into the file; InputError for a NUL byte, where HDF5 strings end (an
// id "\0x" would be stored as "", and "a\0b" as "a").
string_view checked_text(string_view text, const char* what, const Where& at) {
  if (text.find('\0') == string_view::npos) return text;
  std::string shown;
  for (char ch : text) shown += ch == '\0' ? std::string("\\0") : std::string(1, ch);
  throw InputError(fmt::format("{}: line {}: {} \"{}\" holds a NUL byte, which HDF5 strings "
                               "cannot store",
                               at.file, at.line, what, shown));
}

// An amount as float32, as the contract stores it; InputError when it does not fit (it would be
// stored as infinity, which the loader refuses).
float to_float(double x, const char* what, const std::string& detail, const Where& at) {
  if (std::fabs(x) <= std::numeric_limits<float>::max()) return static_cast<float>(x);
  throw InputError(fmt::format("{}: line {}: {} {}{} does not fit in float32 (at most {})",
                               at.file, at.line, what, x, detail,
                               std::numeric_limits<float>::max()));
}

// The event a kept row is recorded as: its event column, or with a cancel event that event for
// a cancellation and the event column (else "purchase") for every other row.
string_view event_name(const Row& row, const Columns& col, const ImportOptions& options) {
  if (!options.cancel_event) return row.event;
  if (row.cancelled) return *options.cancel_event;
  return col.event >= 0 ? row.event : string_view("purchase");
}

}  // namespace

std::uint8_t intern_event(Dictionary& events, string_view name, const std::string& file,
                          int64_t line) {
  const std::uint32_t e = events.intern(name);
  if (events.size() > kMaxEvents)
    throw InputError(fmt::format("{}: line {}: more than {} distinct event names (at '{}')", file,
                                 line, kMaxEvents, name));
  return static_cast<std::uint8_t>(e);
}

void KeptRows::add(const Row& row, const Columns& col, const ImportOptions& options,
                   const std::string& file, int64_t line) {
  const Where at{file, line};
  log.customer.push_back(customers.intern(checked_text(row.customer, "customer id", at)));
  log.item.push_back(items.intern(checked_text(row.item, "item id", at)));
  if (col.time >= 0) log.time.push_back(row.time);
  if (col.quantity >= 0) log.quantity.push_back(to_float(row.quantity, "quantity", "", at));
  // value in double, stored as float32 like every amount in the contract
  if (col.price >= 0)
    log.value.push_back(to_float(row.quantity * row.price, "value",
                                 fmt::format(" (quantity {} x price {})", row.quantity, row.price),
                                 at));
  if (col.value >= 0) log.value.push_back(to_float(row.value, "value", "", at));
  if (options.item_price_from_value)  // value / quantity in double, before the float32 rounding
    unit_price.push_back(static_cast<float>(
        col.price >= 0 ? row.price : row.value < 0 ? -1.0 : row.value / row.quantity));
  if (options.cancel_event) cancel_events += row.cancelled;
  if (col.event >= 0 || options.cancel_event)
    log.event.push_back(
        intern_event(events, checked_text(event_name(row, col, options), "event", at), file, line));
}

int64_t read_rows(CsvFile& reader, const RowClassifier& classify, const std::string& file,
                  const std::function<void(int64_t)>& progress, KeptRows& out,
                  DropCounts& drops) {
  CsvRecord rec;
  Row row;  // reused: its views point into rec
  int64_t rows_read = 0;
  if (progress) progress(0);
  while (reader.next(rec)) {
    ++rows_read;
    if (progress && rows_read % kProgressEvery == 0) progress(rows_read);
    if (const Reason r = classify(rec, row); r != kept) {
      if (r == unparsable_time && drops.rows[r] == 0)
        drops.first_time = field(rec, classify.columns().time);
      drops.count(r, rec.line);
      continue;
    }
    out.add(row, classify.columns(), classify.options(), file, rec.line);
  }
  if (progress) progress(rows_read);
  return rows_read;
}

void count_rows(const DropCounts& drops, int64_t rows_read, const KeptRows& kept,
                ImportReport& report) {
  report.rows_read = rows_read;
  report.rows_kept = kept.log.size();
  for (int r = 0; r < kReasons; ++r) {
    if (drops.rows[r] == 0) continue;
    report.dropped[kReasonNames[r]] = drops.rows[r];
    report.first_dropped_line[kReasonNames[r]] = drops.first_line[r];
  }
  if (drops.rows[unparsable_time] > 0) report.first_unparsable_time = drops.first_time;
  // Every record is kept or counted under one reason; checked in release builds too.
  if (report.rows_read != report.rows_kept + report.rows_dropped())
    throw RunError(fmt::format("{}: internal error: {} rows read but {} kept + {} dropped",
                               report.source, report.rows_read, report.rows_kept,
                               report.rows_dropped()));
  report.customers = static_cast<int64_t>(kept.customers.size());
  report.items = static_cast<int64_t>(kept.items.size());
}

namespace {

// "; the first unparsable time, at line 2, is '...' (--time-format '...')", or "".
std::string time_sample(const ImportReport& report) {
  if (!report.first_unparsable_time) return {};
  const auto format = report.columns.find("time_format");
  return fmt::format("; the first unparsable time, at line {}, is '{}' ({})",
                     report.first_dropped_line.at("unparsable_time"), *report.first_unparsable_time,
                     format != report.columns.end()
                         ? fmt::format("--time-format '{}'", format->second)
                         : std::string("recognised without --time-format: ISO 8601, unix "
                                       "seconds, M/D/YYYY H:MM"));
}

}  // namespace

void check_rows_kept(const ImportReport& report, const std::string& file,
                     const std::filesystem::path& out_h5) {
  if (report.rows_kept != 0) return;
  std::string why;
  for (const auto& [reason, count] : report.dropped)
    why += fmt::format("{}{} {}", why.empty() ? "" : ", ", count, reason);
  throw InputError(fmt::format("{}: no row kept out of {} ({}); nothing written to {}{}", file,
                               report.rows_read, why.empty() ? "no data rows" : why,
                               out_h5.string(), time_sample(report)));
}

// ---- side files -------------------------------------------------------------------------------

SideFile::SideFile(const std::filesystem::path& path, char delimiter, bool threaded,
                   const char* id_role, const std::string& id_col,
                   const std::vector<std::pair<std::string, std::string>>& roles)
    : file_(path.string()), reader_(path, delimiter, threaded) {
  if (id_col.empty())
    throw InputError(fmt::format("{}: no {} column given for this file", file_, id_role));
  report_.source = file_;
  header_ = read_header(reader_, file_);
  id_ = find_column(header_, id_col, id_role, file_);
  report_.columns["id"] = id_col;
  for (const auto& [role, name] : roles) {
    columns_.push_back(find_column(header_, name, role.c_str(), file_));
    names_.push_back(name);
    report_.columns[role] = name;
  }
}

bool SideFile::bad_row() const {
  return rec_.bad_quotes || rec_.blank || rec_.fields.size() != header_.size() ||
         trim(rec_.fields[static_cast<size_t>(id_)]).empty();
}

void SideFile::count(int64_t& counter, const char* key) {
  if (counter++ == 0) report_.first_line[key] = rec_.line;
}

SideFileReport SideFile::read(const Dictionary& ids, const Use& use) {
  std::vector<bool> seen(ids.size(), false);
  std::vector<string_view> values(columns_.size());
  while (reader_.next(rec_)) {
    ++report_.rows_read;
    if (bad_row()) {
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

namespace {

using Roles = std::vector<std::pair<std::string, std::string>>;

// (role, column name) of the value columns given, in the order listed.
Roles given_roles(
    std::initializer_list<std::pair<const char*, const std::optional<std::string>&>> columns) {
  Roles roles;
  for (const auto& [role, column] : columns)
    if (column) roles.emplace_back(role, *column);
  return roles;
}

}  // namespace

std::optional<SideFile> open_items_file(const ImportOptions& options, bool threaded) {
  const auto& o = options.items_file;
  if (!o) return std::nullopt;
  const Roles roles = given_roles({{"category", o->category_col},
                                   {"name", o->name_col},
                                   {"price", o->price_col},
                                   {"available", o->available_col}});
  return std::optional<SideFile>(std::in_place, o->path, options.delimiter, threaded, "item id",
                                 o->id_col, roles);
}

std::optional<SideFile> open_customers_file(const ImportOptions& options, bool threaded) {
  const auto& o = options.customers_file;
  if (!o) return std::nullopt;
  const Roles roles = given_roles(
      {{"opt_out", o->opt_out_col}, {"segment", o->segment_col}, {"channel", o->channel_col}});
  return std::optional<SideFile>(std::in_place, o->path, options.delimiter, threaded,
                                 "customer id", o->id_col, roles);
}

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

float parse_price(string_view text, const std::string& file, int64_t line,
                  const std::string& column) {
  if (trim(text).empty()) return kUnknownPrice;
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

namespace {

int64_t count_known(const std::vector<std::uint32_t>& codes) {
  return std::count_if(codes.begin(), codes.end(),
                       [](std::uint32_t c) { return c != kNoCategory; });
}

// The code of a category, segment or channel value, trimmed; an empty value leaves `code` as it
// is (kNoCategory).
void set_code(string_view value, Dictionary& names, std::uint32_t& code) {
  if (const string_view x = trim(value); !x.empty()) code = names.intern(x);
}

// One used row of the items file into ItemMeta; values in the role order of open_items_file.
struct ItemRows {
  const ItemsFileOptions& o;
  const SideFile& f;
  ItemMeta& im;
  Dictionary categories;

  void operator()(std::uint32_t i, const std::vector<string_view>& v, int64_t line) {
    size_t k = 0;
    const Where at{f.file(), line};
    if (o.category_col) set_code(checked_text(v[k++], "category", at), categories, im.category[i]);
    if (o.name_col) im.name[i] = std::string(trim(checked_text(v[k++], "name", at)));
    if (o.price_col) {
      im.price[i] = parse_price(v[k], f.file(), line, f.column(k));
      ++k;
    }
    if (o.available_col) im.available[i] = parse_flag(v[k], 1, f.file(), line, f.column(k));
  }
};

// Per column given: with_category, categories, with_name, with_price, unavailable.
std::map<std::string, int64_t> item_counts(const ItemsFileOptions& o, const ItemMeta& im) {
  std::map<std::string, int64_t> counts;
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
  return counts;
}

// One used row of the customers file into CustomerMeta; values in the role order of
// open_customers_file.
struct CustomerRows {
  const CustomersFileOptions& o;
  const SideFile& f;
  CustomerMeta& cm;
  Dictionary segments, channels;

  void operator()(std::uint32_t c, const std::vector<string_view>& v, int64_t line) {
    size_t k = 0;
    if (o.opt_out_col) {
      cm.opt_out[c] = parse_flag(v[k], 0, f.file(), line, f.column(k));
      ++k;
    }
    const Where at{f.file(), line};
    if (o.segment_col) set_code(checked_text(v[k++], "segment", at), segments, cm.segment[c]);
    if (o.channel_col) set_code(checked_text(v[k++], "channel", at), channels, cm.channel[c]);
  }
};

// Per column given: opted_out, with_segment, segments, with_channel, channels.
std::map<std::string, int64_t> customer_counts(const CustomersFileOptions& o,
                                               const CustomerMeta& cm) {
  std::map<std::string, int64_t> counts;
  if (o.opt_out_col) counts["opted_out"] = std::count(cm.opt_out.begin(), cm.opt_out.end(), 1);
  if (o.segment_col) {
    counts["with_segment"] = count_known(cm.segment);
    counts["segments"] = static_cast<int64_t>(cm.segment_names.size());
  }
  if (o.channel_col) {
    counts["with_channel"] = count_known(cm.channel);
    counts["channels"] = static_cast<int64_t>(cm.channel_names.size());
  }
  return counts;
}

}  // namespace

SideFileReport apply_items_file(SideFile& f, const ItemsFileOptions& o, const Dictionary& items,
                                ItemMeta& im) {
  const size_t n_items = items.size();
  if (o.category_col) im.category.assign(n_items, kNoCategory);
  if (o.name_col) im.name.assign(n_items, std::string());
  if (o.price_col) im.price.assign(n_items, kUnknownPrice);
  if (o.available_col) im.available.assign(n_items, 1);
  ItemRows rows{o, f, im, {}};
  SideFileReport report = f.read(items, std::ref(rows));
  im.category_names = rows.categories.ids();
  report.counts = item_counts(o, im);
  return report;
}

SideFileReport apply_customers_file(SideFile& f, const CustomersFileOptions& o,
                                    const Dictionary& customers, CustomerMeta& cm) {
  const size_t n_customers = customers.size();
  if (o.opt_out_col) cm.opt_out.assign(n_customers, 0);
  if (o.segment_col) cm.segment.assign(n_customers, kNoCategory);
  if (o.channel_col) cm.channel.assign(n_customers, kNoCategory);
  CustomerRows rows{o, f, cm, {}, {}};
  SideFileReport report = f.read(customers, std::ref(rows));
  cm.segment_names = rows.segments.ids();
  cm.channel_names = rows.channels.ids();
  report.counts = customer_counts(o, cm);
  return report;
}

// ---- prices from values -----------------------------------------------------------------------

std::vector<float> median_unit_prices(const std::vector<std::uint32_t>& item,
                                      const std::vector<float>& unit, size_t items) {
  // Counting sort of the usable unit prices by item: start[i] .. start[i + 1] are item i's.
  std::vector<size_t> start(items + 1, 0);
  for (size_t k = 0; k < item.size(); ++k)
    if (unit[k] >= 0) ++start[item[k] + 1];
  for (size_t i = 0; i < items; ++i) start[i + 1] += start[i];
  std::vector<float> sorted(start[items]);
  std::vector<size_t> fill(start.begin(), start.end() - 1);
  for (size_t k = 0; k < item.size(); ++k)
    if (unit[k] >= 0) sorted[fill[item[k]]++] = unit[k];
  std::vector<float> out(items, kUnknownPrice);
  for (size_t i = 0; i < items; ++i) {
    const size_t n = start[i + 1] - start[i];
    if (n == 0) continue;
    auto* b = sorted.data() + start[i];
    std::sort(b, b + n);
    out[i] = n % 2 ? b[n / 2] : static_cast<float>((double{b[n / 2 - 1]} + b[n / 2]) / 2.0);
  }
  return out;
}

int64_t prices_from_values(const std::vector<std::uint32_t>& item, const std::vector<float>& unit,
                           size_t items, std::vector<float>& price) {
  const std::vector<float> median = median_unit_prices(item, unit, items);
  if (price.empty()) price.assign(items, kUnknownPrice);
  int64_t filled = 0;
  for (size_t i = 0; i < items; ++i)
    if (std::isnan(price[i]) && !std::isnan(median[i])) {
      price[i] = median[i];
      ++filled;
    }
  return filled;
}

}  // namespace tailor::import_detail

namespace tailor {
namespace {

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
  if (first_unparsable_time) j["first_unparsable_time"] = *first_unparsable_time;
  j["columns"] = nlohmann::ordered_json::object();
  for (const auto& [role, name] : columns) j["columns"][role] = name;
  j["customers"] = customers;
  j["items"] = items;
  if (items_file) j["items_file"] = side_json(*items_file);
  if (customers_file) j["customers_file"] = side_json(*customers_file);
  if (item_prices_from_value) j["item_prices_from_value"] = *item_prices_from_value;
  j["seconds"] = seconds;
  j["tailor_version"] = TAILOR_VERSION;
  // Names and values are the file's bytes, which need not be UTF-8.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

char parse_delimiter(const std::string& text) {
  if (text.size() == 1) return text[0];
  if (text == "\\t" || text == "tab") return '\t';
  throw InputError(fmt::format(
      "--delimiter '{}': must be one character, or \\t (or tab) for a tab", text));
}

ImportReport import_csv(const std::filesystem::path& csv, const std::filesystem::path& out_h5,
                        const ImportOptions& options,
                        std::function<void(std::int64_t rows)> progress) {
  using namespace import_detail;
  const auto start = std::chrono::steady_clock::now();
  const std::string file = csv.string();
  check_options(options);
  // Side files: opened and their headers checked before the long read.
  const bool threaded = options.threads >= 2;
  std::optional<SideFile> items_file = open_items_file(options, threaded);
  std::optional<SideFile> customers_file = open_customers_file(options, threaded);

  ImportReport report;
  report.source = file;
  CsvFile reader(csv, options.delimiter, threaded);
  const std::vector<std::string> header = read_header(reader, file);
  const Columns col = find_columns(header, options, file, report.columns);
  const RowClassifier classify(col, options, header.size());
  KeptRows rows;
  DropCounts drops;
  const std::int64_t rows_read = read_rows(reader, classify, file, progress, rows, drops);
  count_rows(drops, rows_read, rows, report);
  report.cancel_events = rows.cancel_events;
  check_rows_kept(report, file, out_h5);

  Dataset data;
  data.path = out_h5;
  data.format_version = kInteractionsFormatVersion;
  data.customer_ids = rows.customers.ids();
  data.item_ids = rows.items.ids();
  data.event_names = rows.events.ids();
  data.log = std::move(rows.log);
  // Metadata from the side files and the values.
  if (items_file)
    report.items_file = apply_items_file(*items_file, *options.items_file, rows.items,
                                         data.item_meta);
  if (options.item_price_from_value)
    report.item_prices_from_value = prices_from_values(data.log.item, rows.unit_price,
                                                       rows.items.size(), data.item_meta.price);
  if (customers_file)
    report.customers_file = apply_customers_file(*customers_file, *options.customers_file,
                                                 rows.customers, data.customer_meta);
  // seconds covers parsing; the write that follows is quick next to it and the report must be
  // final before it is stored in the file.
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  data.import_report = report.to_json();
  write_dataset(out_h5, data);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace tailor
