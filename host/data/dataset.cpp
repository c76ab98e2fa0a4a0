// Loading the interaction contract (data/README.md): every column is read in ranges of
// LoadOptions::chunk_rows rows and each range is checked before it is kept, so a bad value is
// reported with its absolute row. HDF5 calls stay on the calling thread (a thread-safe HDF5 build
// serialises every call behind one global lock anyway); the checks and conversions of a range run
// on options.threads threads.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>

#include "host/core/error.hpp"
#include "host/core/fingerprint.hpp"
#include "host/data/dataset.hpp"
#include "host/io/h5.hpp"
#include "host/io/time.hpp"

namespace tailor {
namespace {

using h5::ColumnInfo;

constexpr const char* kCustomerColumn = "/interactions/customer";
constexpr const char* kItemColumn = "/interactions/item";
constexpr const char* kTimeColumn = "/interactions/time";
constexpr const char* kQuantityColumn = "/interactions/quantity";
constexpr const char* kValueColumn = "/interactions/value";
constexpr const char* kEventColumn = "/interactions/event";
constexpr const char* kCustomerIds = "/customers/id";
constexpr const char* kItemIds = "/items/id";
constexpr const char* kEventNames = "/events/name";
// On an integer customer or item column without its id list: the integers are the ids.
constexpr const char* kRawIdsAttr = "raw_ids";

// Indices are stored as uint32, so an id list holds at most this many ids.
constexpr std::int64_t kMaxIds = std::numeric_limits<std::uint32_t>::max();
// Events are stored as uint8.
constexpr std::int64_t kMaxEvents = std::int64_t{std::numeric_limits<std::uint8_t>::max()} + 1;

constexpr const char* kAcceptInteger = "integer (any width, signed or unsigned)";
constexpr const char* kAcceptNumber = "integer or float";
constexpr const char* kAcceptIds = "string (fixed or variable length) or integer";

// What every reading step needs: the open file, the range size and the thread count.
struct Reader {
  const h5::File& file;
  std::int64_t chunk_rows;
  int threads;

  [[nodiscard]] std::string where(const std::string& dataset) const {
    return fmt::format("{}: {}", file.path().string(), dataset);
  }

  // Calls fn(offset, count) for consecutive ranges of at most chunk_rows rows covering [0, n).
  template <class Fn>
  void for_each_range(std::int64_t n, Fn&& fn) const {
    for (std::int64_t offset = 0; offset < n; offset += chunk_rows)
      fn(offset, std::min(chunk_rows, n - offset));
  }
};

// The smallest k in [0, n) with bad(k), or -1 when there is none.
template <class Bad>
std::int64_t first_bad(std::int64_t n, int threads, const Bad& bad) {
  std::int64_t first = n;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(min : first)
  for (std::int64_t k = 0; k < n; ++k)
    if (k < first && bad(k)) first = k;
  return first == n ? -1 : first;
}

// A present column, checked to be 1-D, with its stored type.
struct Column {
  std::string name;
  ColumnInfo info;
  [[nodiscard]] bool is_integer() const { return info.kind == ColumnInfo::Kind::integer; }
  [[nodiscard]] bool is_string() const { return info.kind == ColumnInfo::Kind::string; }
};

std::string shape_text(const ColumnInfo& info) {
  if (info.dims.empty()) return "a scalar";
  return fmt::format("shape ({})", fmt::join(info.dims, ", "));
}

// The most bytes a column can expand to from a file of `file_bytes`: gzip compresses at most
// about 1000:1, and any column fits in the slack.
std::uintmax_t max_column_bytes(std::uintmax_t file_bytes) {
  return file_bytes * 2048 + (std::uintmax_t{1} << 20);
}

Column open_column(const Reader& r, const std::string& name) {
  Column c{name, r.file.info(name)};
  if (c.info.rank != 1)
    throw InputError(fmt::format("{}: expected a 1-D column, found rank {} ({})", r.where(name),
                                 c.info.rank, shape_text(c.info)));
  // A damaged dataspace can claim any length; chunks never written read as 0, so HDF5 would
  // hand out that many rows.
  std::error_code ec;
  const std::uintmax_t file_bytes = std::filesystem::file_size(r.file.path(), ec);
  const auto rows = static_cast<std::uintmax_t>(c.info.length());
  if (!ec && rows > max_column_bytes(file_bytes) / std::max<std::size_t>(c.info.bytes, 1))
    throw InputError(fmt::format("{}: {} rows of {} bytes cannot come from a file of {} bytes "
                                 "(a damaged file?)",
                                 r.where(name), rows, c.info.bytes, file_bytes));
  return c;
}

std::optional<Column> open_optional(const Reader& r, const std::string& name) {
  if (!r.file.exists(name)) return std::nullopt;
  return open_column(r, name);
}

Column open_required(const Reader& r, const std::string& name, const char* meaning) {
  if (!r.file.exists(name))
    throw InputError(
        fmt::format("{}: required dataset is missing ({})", r.where(name), meaning));
  return open_column(r, name);
}

[[noreturn]] void wrong_type(const Reader& r, const Column& c, std::string_view accepted,
                             std::string_view hint = {}) {
  throw InputError(fmt::format("{}: has type {}; accepted: {}{}", r.where(c.name),
                               c.info.type_name(), accepted, hint));
}

// ---- root attributes --------------------------------------------------------------------------

std::int64_t check_format(const Reader& r) {
  const std::string path = r.file.path().string();
  auto format = r.file.attr_string("/", "format");
  if (!format)
    throw InputError(fmt::format(
        "{}: root attribute 'format' is missing; a tailor interaction file has format = \"{}\" "
        "and format_version = {} (see data/README.md)",
        path, kInteractionsFormat, kInteractionsFormatVersion));
  if (*format != kInteractionsFormat)
    throw InputError(fmt::format("{}: root attribute 'format' is \"{}\"; expected \"{}\"", path,
                                 *format, kInteractionsFormat));
  auto version = r.file.attr_int("/", "format_version");
  if (!version)
    throw InputError(fmt::format(
        "{}: root attribute 'format_version' is missing; this build reads format_version {}",
        path, kInteractionsFormatVersion));
  if (*version != kInteractionsFormatVersion)
    throw InputError(fmt::format(
        "{}: root attribute 'format_version' is {}; this build reads format_version {} only", path,
        *version, kInteractionsFormatVersion));
  return *version;
}

// ---- id lists ---------------------------------------------------------------------------------

// Reads an integer column in ranges as int64 (signed) or uint64 (unsigned), so that HDF5 never
// clips a value; fn(offset, count, values) sees each range.
template <class Fn>
void read_integer_ranges(const Reader& r, const Column& c, Fn&& fn) {
  const std::int64_t n = c.info.length();
  auto run = [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> buf(static_cast<std::size_t>(std::min(r.chunk_rows, n)));
    r.for_each_range(n, [&](std::int64_t offset, std::int64_t count) {
      r.file.read(c.name, offset, count, buf.data());
      fn(offset, count, static_cast<const T*>(buf.data()));
    });
  };
  if (c.info.is_signed)
    run(std::int64_t{});
  else
    run(std::uint64_t{});
}

// Rejects empty and duplicate entries of an id list (or of the event names).
void check_unique(const Reader& r, const std::string& name, const std::vector<std::string>& ids) {
  const std::int64_t n = static_cast<std::int64_t>(ids.size());
  std::int64_t empty = first_bad(n, r.threads, [&](std::int64_t k) { return ids[k].empty(); });
  if (empty >= 0)
    throw InputError(fmt::format("{}: row {}: empty id", r.where(name), empty));
  std::unordered_map<std::string_view, std::int64_t> seen;
  seen.reserve(ids.size());
  for (std::int64_t k = 0; k < n; ++k) {
    auto [it, inserted] = seen.try_emplace(ids[k], k);
    if (!inserted)
      throw InputError(fmt::format("{}: duplicate id \"{}\" at rows {} and {}", r.where(name),
                                   ids[k], it->second, k));
  }
}

// An id list: strings as stored, integers as decimal text; not empty (unless allow_empty),
// unique, no empty ids.
std::vector<std::string> read_id_list(const Reader& r, const std::string& name,
                                      std::int64_t max_ids, bool allow_empty = false) {
  Column c = open_column(r, name);
  if (!c.is_string() && !c.is_integer()) wrong_type(r, c, kAcceptIds);
  const std::int64_t n = c.info.length();
  if (n == 0 && !allow_empty)
    throw InputError(fmt::format(
        "{}: the id list is empty, so there are no interactions to refer to it", r.where(name)));
  if (n > max_ids)
    throw InputError(fmt::format("{}: {} ids; at most {} are supported", r.where(name), n,
                                 max_ids));
  std::vector<std::string> ids;
  ids.reserve(static_cast<std::size_t>(n));
  if (c.is_string()) {
    r.for_each_range(n, [&](std::int64_t offset, std::int64_t count) {
      auto part = r.file.read_strings(name, offset, count);
      for (auto& s : part) ids.push_back(std::move(s));
    });
  } else {
    read_integer_ranges(r, c, [&](std::int64_t, std::int64_t count, const auto* v) {
      for (std::int64_t k = 0; k < count; ++k) ids.push_back(fmt::to_string(v[k]));
    });
  }
  check_unique(r, name, ids);
  return ids;
}

// ---- interaction columns ----------------------------------------------------------------------

// Reads an integer index column into out (n rows), checking 0 <= index < limit on every row.
template <class Out>
void read_index_column(const Reader& r, const Column& c, const std::string& ids_name,
                       std::int64_t limit, std::vector<Out>& out) {
  out.resize(static_cast<std::size_t>(c.info.length()));
  read_integer_ranges(r, c, [&](std::int64_t offset, std::int64_t count, const auto* v) {
    using T = std::remove_cvref_t<decltype(*v)>;
    auto bad = [&](std::int64_t k) {
      if constexpr (std::is_signed_v<T>)
        return v[k] < 0 || v[k] >= limit;
      else
        return v[k] >= static_cast<std::uint64_t>(limit);
    };
    std::int64_t k = first_bad(count, r.threads, bad);
    if (k >= 0) {
      bool negative = false;
      if constexpr (std::is_signed_v<T>) negative = v[k] < 0;
      throw InputError(fmt::format(
          "{}: row {}: index {} is {}; valid indices into {} ({} entries) are 0..{}",
          r.where(c.name), offset + k, v[k], negative ? "negative" : "out of range", ids_name,
          limit, limit - 1));
    }
    Out* dst = out.data() + offset;
#pragma omp parallel for num_threads(r.threads) schedule(static)
    for (std::int64_t j = 0; j < count; ++j) dst[j] = static_cast<Out>(v[j]);
  });
}

// Raw external ids per row (strings or integers), dictionary-encoded in order of first appearance.
void encode_raw_ids(const Reader& r, const Column& c, std::vector<std::uint32_t>& codes,
                    std::vector<std::string>& ids) {
  const std::int64_t n = c.info.length();
  codes.resize(static_cast<std::size_t>(n));
  auto too_many = [&](std::int64_t row) {
    return InputError(fmt::format("{}: row {}: more than {} distinct ids", r.where(c.name), row,
                                  kMaxIds));
  };
  if (c.is_string()) {
    std::unordered_map<std::string, std::uint32_t> code;
    r.for_each_range(n, [&](std::int64_t offset, std::int64_t count) {
      auto part = r.file.read_strings(c.name, offset, count);
      for (std::int64_t k = 0; k < count; ++k) {
        std::string& s = part[static_cast<std::size_t>(k)];
        if (s.empty())
          throw InputError(fmt::format("{}: row {}: empty id", r.where(c.name), offset + k));
        auto it = code.find(s);
        if (it == code.end()) {
          if (static_cast<std::int64_t>(ids.size()) >= kMaxIds) throw too_many(offset + k);
          it = code.emplace(s, static_cast<std::uint32_t>(ids.size())).first;
          ids.push_back(std::move(s));
        }
        codes[static_cast<std::size_t>(offset + k)] = it->second;
      }
    });
    return;
  }
  // Integer ids: the dictionary key is the value itself.
  auto encode = [&](auto tag) {
    using T = decltype(tag);
    std::unordered_map<T, std::uint32_t> code;
    std::vector<T> buf(static_cast<std::size_t>(std::min(r.chunk_rows, n)));
    r.for_each_range(n, [&](std::int64_t offset, std::int64_t count) {
      r.file.read(c.name, offset, count, buf.data());
      for (std::int64_t k = 0; k < count; ++k) {
        auto it = code.find(buf[k]);
        if (it == code.end()) {
          if (static_cast<std::int64_t>(ids.size()) >= kMaxIds) throw too_many(offset + k);
          it = code.emplace(buf[k], static_cast<std::uint32_t>(ids.size())).first;
          ids.push_back(fmt::to_string(buf[k]));
        }
        codes[static_cast<std::size_t>(offset + k)] = it->second;
      }
    });
  };
  if (c.info.is_signed)
    encode(std::int64_t{});
  else
    encode(std::uint64_t{});
}

// Unix seconds; unsigned values above the int64 range are rejected.
void read_time_column(const Reader& r, const Column& c, std::vector<std::int64_t>& out) {
  out.resize(static_cast<std::size_t>(c.info.length()));
  read_integer_ranges(r, c, [&](std::int64_t offset, std::int64_t count, const auto* v) {
    using T = std::remove_cvref_t<decltype(*v)>;
    if constexpr (std::is_unsigned_v<T>) {
      constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
      std::int64_t k = first_bad(count, r.threads, [&](std::int64_t j) { return v[j] > max; });
      if (k >= 0)
        throw InputError(fmt::format("{}: row {}: time {} does not fit in int64 unix seconds",
                                     r.where(c.name), offset + k, v[k]));
    }
    std::int64_t* dst = out.data() + offset;
#pragma omp parallel for num_threads(r.threads) schedule(static)
    for (std::int64_t j = 0; j < count; ++j) dst[j] = static_cast<std::int64_t>(v[j]);
    const std::int64_t bad =
        first_bad(count, r.threads, [&](std::int64_t j) { return !time_in_range(dst[j]); });
    if (bad >= 0)
      throw InputError(fmt::format("{}: row {}: time {} is outside the accepted range, 1900-01-01 "
                                   "to 2199-12-31 UTC ({} to {} unix seconds)",
                                   r.where(c.name), offset + bad, dst[bad], kMinUnixTime,
                                   kMaxUnixTime - 1));
  });
}

constexpr double kMaxFloat = std::numeric_limits<float>::max();

// A numeric column read as float64 and stored as float32. why_bad(x) says what is wrong with a
// value (nullptr: nothing); the first bad one is an InputError "row R: {noun} {x} {why}".
template <class WhyBad>
void read_float_column(const Reader& r, const Column& c, const char* noun, const WhyBad& why_bad,
                       std::vector<float>& out) {
  const std::int64_t n = c.info.length();
  out.resize(static_cast<std::size_t>(n));
  std::vector<double> buf(
      static_cast<std::size_t>(std::min(r.chunk_rows, std::max<std::int64_t>(n, 1))));
  r.for_each_range(n, [&](std::int64_t offset, std::int64_t count) {
    r.file.read(c.name, offset, count, buf.data());
    const std::int64_t k =
        first_bad(count, r.threads, [&](std::int64_t j) { return why_bad(buf[j]) != nullptr; });
    if (k >= 0)
      throw InputError(fmt::format("{}: row {}: {} {} {}", r.where(c.name), offset + k, noun,
                                   buf[k], why_bad(buf[k])));
    float* dst = out.data() + offset;
#pragma omp parallel for num_threads(r.threads) schedule(static)
    for (std::int64_t j = 0; j < count; ++j) dst[j] = static_cast<float>(buf[j]);
  });
}

// quantity (finite, >= 0) or value (finite, any sign).
void read_amount_column(const Reader& r, const Column& c, bool allow_negative,
                        std::vector<float>& out) {
  read_float_column(r, c, "value", [allow_negative](double x) {
    return amount_problem(x, allow_negative);
  }, out);
}

// ---- metadata ---------------------------------------------------------------------------------

constexpr const char* kItemCategory = "/items/category";
constexpr const char* kItemCategoryNames = "/items/category_names";
constexpr const char* kItemName = "/items/name";
constexpr const char* kItemPrice = "/items/price";
constexpr const char* kItemAvailable = "/items/available";
constexpr const char* kCustomerOptOut = "/customers/opt_out";
constexpr const char* kCustomerSegment = "/customers/segment";
constexpr const char* kCustomerSegmentNames = "/customers/segment_names";
constexpr const char* kCustomerChannel = "/customers/channel";
constexpr const char* kCustomerChannelNames = "/customers/channel_names";

// The metadata datasets with one entry per id (the names lists are not among them).
constexpr const char* kItemMetaColumns[] = {kItemCategory, kItemName, kItemPrice, kItemAvailable};
constexpr const char* kCustomerMetaColumns[] = {kCustomerOptOut, kCustomerSegment,
                                                kCustomerChannel};

// Metadata is matched to ids by position, so it needs the id list; raw ids per row are refused.
void check_meta_has_id_list(const Reader& r, bool has_list, const char* list, const char* column,
                            std::span<const char* const> meta) {
  if (has_list) return;
  for (const char* name : meta)
    if (r.file.exists(name))
      throw InputError(fmt::format(
          "{}: metadata needs the id list {} (entry k describes id k), but this file has raw ids "
          "per row in {}; write {} and indices instead (data/README.md, Metadata)",
          r.where(name), list, column, list));
}

// A present metadata column: 1-D with exactly one entry per id of ids_name.
std::optional<Column> open_meta(const Reader& r, const std::string& name, std::int64_t expected,
                                const char* ids_name) {
  if (!r.file.exists(name)) return std::nullopt;
  Column c = open_column(r, name);
  if (c.info.length() != expected)
    throw InputError(fmt::format("{}: {} entries; expected {}, one per id in {}", r.where(name),
                                 c.info.length(), expected, ids_name));
  return c;
}

// A category-like column (item category, customer segment and channel): strings per id,
// dictionary-encoded in order of first appearance ("" = none), or integer codes into names_name
// (-1 = none).
void read_category_column(const Reader& r, const Column& c, const std::string& names_name,
                          std::vector<std::string>& names, std::vector<std::uint32_t>& codes) {
  const std::int64_t n = c.info.length();
  codes.assign(static_cast<std::size_t>(n), kNoCategory);
  names.clear();
  if (c.is_string()) {
    if (r.file.exists(names_name))
      throw InputError(fmt::format(
          "{}: present, but {} holds strings; a names list goes only with integer codes "
          "(write one or the other)",
          r.where(names_name), c.name));
    std::unordered_map<std::string, std::uint32_t> code;
    r.for_each_range(n, [&](std::int64_t offset, std::int64_t count) {
      auto part = r.file.read_strings(c.name, offset, count);
      for (std::int64_t k = 0; k < count; ++k) {
        std::string& s = part[static_cast<std::size_t>(k)];
        if (s.empty()) continue;  // no category
        auto it = code.find(s);
        if (it == code.end()) {
          it = code.emplace(s, static_cast<std::uint32_t>(names.size())).first;
          names.push_back(std::move(s));
        }
        codes[static_cast<std::size_t>(offset + k)] = it->second;
      }
    });
    return;
  }
  if (!c.is_integer())
    wrong_type(r, c,
               fmt::format("strings, or {} codes into {} (-1 = none)", kAcceptInteger, names_name));
  if (!r.file.exists(names_name))
    throw InputError(fmt::format(
        "{}: required dataset is missing (the names that the integer codes of {} refer to)",
        r.where(names_name), c.name));
  names = read_id_list(r, names_name, kMaxIds, /*allow_empty=*/true);
  const auto limit = static_cast<std::int64_t>(names.size());
  read_integer_ranges(r, c, [&](std::int64_t offset, std::int64_t count, const auto* v) {
    using T = std::remove_cvref_t<decltype(*v)>;
    auto bad = [&](std::int64_t k) {
      if constexpr (std::is_signed_v<T>)
        return v[k] < -1 || v[k] >= limit;
      else
        return v[k] >= static_cast<std::uint64_t>(limit);
    };
    std::int64_t k = first_bad(count, r.threads, bad);
    if (k >= 0)
      throw InputError(fmt::format(
          "{}: row {}: code {} is out of range; valid codes are {}", r.where(c.name), offset + k,
          v[k],
          limit > 0 ? fmt::format("0..{} (indices into {}, {} names) and -1 for none", limit - 1,
                                  names_name, limit)
                    : fmt::format("only -1 for none ({} is empty)", names_name)));
    std::uint32_t* dst = codes.data() + offset;
#pragma omp parallel for num_threads(r.threads) schedule(static)
    for (std::int64_t j = 0; j < count; ++j) {
      if constexpr (std::is_signed_v<T>)
        dst[j] = v[j] < 0 ? kNoCategory : static_cast<std::uint32_t>(v[j]);
      else
        dst[j] = static_cast<std::uint32_t>(v[j]);
    }
  });
}

// Display names: strings per id, "" allowed.
void read_text_column(const Reader& r, const Column& c, std::vector<std::string>& out) {
  if (!c.is_string()) wrong_type(r, c, "string (fixed or variable length)");
  out.clear();
  out.reserve(static_cast<std::size_t>(c.info.length()));
  r.for_each_range(c.info.length(), [&](std::int64_t offset, std::int64_t count) {
    auto part = r.file.read_strings(c.name, offset, count);
    for (auto& s : part) out.push_back(std::move(s));
  });
}

// Prices: any number, finite and >= 0, or NaN for unknown; kept as float32.
void read_price_column(const Reader& r, const Column& c, std::vector<float>& out) {
  if (c.info.kind != ColumnInfo::Kind::integer && c.info.kind != ColumnInfo::Kind::floating)
    wrong_type(r, c, fmt::format("{} (NaN = unknown)", kAcceptNumber));
  read_float_column(r, c, "price", [](double x) -> const char* {
    if (std::isnan(x)) return nullptr;
    if (!std::isfinite(x)) return "is not finite (NaN is accepted for an unknown price)";
    if (x < 0) return "is negative (prices must be >= 0)";
    if (x > kMaxFloat) return "does not fit in float32";
    return nullptr;
  }, out);
}

// Yes/no flags: integers 0 or 1 of any width.
void read_flag_column(const Reader& r, const Column& c, std::vector<std::uint8_t>& out) {
  if (!c.is_integer())
    wrong_type(r, c, "integer 0 or 1 (any width; write booleans as uint8)");
  out.resize(static_cast<std::size_t>(c.info.length()));
  read_integer_ranges(r, c, [&](std::int64_t offset, std::int64_t count, const auto* v) {
    std::int64_t k = first_bad(count, r.threads, [&](std::int64_t j) { return v[j] != 0 && v[j] != 1; });
    if (k >= 0)
      throw InputError(fmt::format("{}: row {}: value {} is not 0 or 1", r.where(c.name),
                                   offset + k, v[k]));
    std::uint8_t* dst = out.data() + offset;
    for (std::int64_t j = 0; j < count; ++j) dst[j] = static_cast<std::uint8_t>(v[j]);
  });
}

void read_item_meta(const Reader& r, std::int64_t items, ItemMeta& meta) {
  if (auto c = open_meta(r, kItemCategory, items, kItemIds))
    read_category_column(r, *c, kItemCategoryNames, meta.category_names, meta.category);
  if (auto c = open_meta(r, kItemName, items, kItemIds)) read_text_column(r, *c, meta.name);
  if (auto c = open_meta(r, kItemPrice, items, kItemIds)) read_price_column(r, *c, meta.price);
  if (auto c = open_meta(r, kItemAvailable, items, kItemIds))
    read_flag_column(r, *c, meta.available);
}

void read_customer_meta(const Reader& r, std::int64_t customers, CustomerMeta& meta) {
  if (auto c = open_meta(r, kCustomerOptOut, customers, kCustomerIds))
    read_flag_column(r, *c, meta.opt_out);
  if (auto c = open_meta(r, kCustomerSegment, customers, kCustomerIds))
    read_category_column(r, *c, kCustomerSegmentNames, meta.segment_names, meta.segment);
  if (auto c = open_meta(r, kCustomerChannel, customers, kCustomerIds))
    read_category_column(r, *c, kCustomerChannelNames, meta.channel_names, meta.channel);
}

// ---- the whole file ---------------------------------------------------------------------------

// The interaction columns, opened and type-checked before any long read.
struct InteractionColumns {
  bool customer_list = false;  // /customers/id present: the customer column holds indices
  bool item_list = false;      // /items/id present: the item column holds indices
  Column customer, item;
  std::optional<Column> time, quantity, value, event;
};

// A customer or item column holds integer indices into its id list when the list is present,
// else the raw ids per row (strings or integers).
void check_key_type(const Reader& r, const Column& c, bool has_list, const char* list) {
  if (has_list) {
    if (!c.is_integer())
      wrong_type(r, c, fmt::format("{} indices into {}", kAcceptInteger, list),
                 c.is_string() ? fmt::format(" (ids per row are accepted only when {} is absent)",
                                             list)
                               : std::string());
  } else if (!c.is_integer() && !c.is_string()) {
    wrong_type(r, c, fmt::format("{} ids per row, since {} is absent", kAcceptIds, list));
  } else if (c.is_integer() && r.file.attr_int(c.name, kRawIdsAttr) != 1) {
    // Integers without their id list are most often indices whose list was forgotten; taken as
    // ids they would put indices into every export.
    throw InputError(fmt::format(
        "{}: required dataset is missing (the external ids that the integer indices in {} refer "
        "to); integer ids stored per row instead need the attribute {} = 1 on {} (data/README.md, "
        "Raw ids per row)",
        r.where(list), c.name, kRawIdsAttr, c.name));
  }
}

// time: integer seconds; quantity and value: numbers; event: integer indices into /events/name,
// which must then be present.
void check_optional_types(const Reader& r, const InteractionColumns& c) {
  if (c.time && !c.time->is_integer())
    wrong_type(r, *c.time, fmt::format("{} unix seconds", kAcceptInteger));
  for (const auto* amount : {&c.quantity, &c.value})
    if (*amount && (*amount)->info.kind != ColumnInfo::Kind::integer &&
        (*amount)->info.kind != ColumnInfo::Kind::floating)
      wrong_type(r, **amount, kAcceptNumber);
  if (c.event) {
    if (!c.event->is_integer())
      wrong_type(r, *c.event, fmt::format("{} indices into {}", kAcceptInteger, kEventNames));
    if (!r.file.exists(kEventNames))
      throw InputError(fmt::format("{}: required dataset is missing (the names of the events "
                                   "that {} refers to)",
                                   r.where(kEventNames), kEventColumn));
  }
}

InteractionColumns open_interactions(const Reader& r) {
  InteractionColumns c{
      r.file.exists(kCustomerIds), r.file.exists(kItemIds),
      open_required(r, kCustomerColumn, "customer of each interaction"),
      open_required(r, kItemColumn, "item of each interaction"),
      std::nullopt, std::nullopt, std::nullopt, std::nullopt};
  check_key_type(r, c.customer, c.customer_list, kCustomerIds);
  check_key_type(r, c.item, c.item_list, kItemIds);
  c.time = open_optional(r, kTimeColumn);
  c.quantity = open_optional(r, kQuantityColumn);
  c.value = open_optional(r, kValueColumn);
  c.event = open_optional(r, kEventColumn);
  check_optional_types(r, c);
  return c;
}

// Every present column has the same number of rows, and it is not 0.
void check_lengths(const Reader& r, const InteractionColumns& c) {
  std::vector<const Column*> columns{&c.customer, &c.item};
  for (const auto* optional : {&c.time, &c.quantity, &c.value, &c.event})
    if (*optional) columns.push_back(&**optional);
  const std::int64_t n = c.customer.info.length();
  const std::string path = r.file.path().string();
  if (std::any_of(columns.begin(), columns.end(),
                  [&](const Column* column) { return column->info.length() != n; })) {
    std::vector<std::string> lengths;
    for (const Column* column : columns)
      lengths.push_back(fmt::format("{} {}", column->name, column->info.length()));
    throw InputError(fmt::format("{}: the interaction columns have different lengths: {}", path,
                                 fmt::join(lengths, ", ")));
  }
  if (n == 0)
    throw InputError(
        fmt::format("{}: /interactions: no interactions (the columns have 0 rows)", path));
}

// The id lists, the event names and the metadata that goes with the lists.
void read_lists(const Reader& r, const InteractionColumns& c, Dataset& data) {
  check_meta_has_id_list(r, c.item_list, kItemIds, kItemColumn, kItemMetaColumns);
  check_meta_has_id_list(r, c.customer_list, kCustomerIds, kCustomerColumn, kCustomerMetaColumns);
  if (c.customer_list) data.customer_ids = read_id_list(r, kCustomerIds, kMaxIds);
  if (c.item_list) data.item_ids = read_id_list(r, kItemIds, kMaxIds);
  if (r.file.exists(kEventNames)) data.event_names = read_id_list(r, kEventNames, kMaxEvents);
  if (c.item_list) read_item_meta(r, data.items(), data.item_meta);
  if (c.customer_list) read_customer_meta(r, data.customers(), data.customer_meta);
}

// The interaction columns into data.log, range by range; raw ids per row fill the id lists.
void read_log(const Reader& r, const InteractionColumns& c, Dataset& data) {
  InteractionLog& log = data.log;
  if (c.customer_list)
    read_index_column(r, c.customer, kCustomerIds, data.customers(), log.customer);
  else
    encode_raw_ids(r, c.customer, log.customer, data.customer_ids);
  if (c.item_list)
    read_index_column(r, c.item, kItemIds, data.items(), log.item);
  else
    encode_raw_ids(r, c.item, log.item, data.item_ids);
  if (c.time) read_time_column(r, *c.time, log.time);
  if (c.quantity) read_amount_column(r, *c.quantity, /*allow_negative=*/false, log.quantity);
  if (c.value) read_amount_column(r, *c.value, /*allow_negative=*/true, log.value);
  if (c.event)
    read_index_column(r, *c.event, kEventNames,
                      static_cast<std::int64_t>(data.event_names.size()), log.event);
}

}  // namespace

Dataset load_dataset(const std::filesystem::path& path, const LoadOptions& options) {
  if (options.chunk_rows < 1)
    throw std::invalid_argument(
        fmt::format("load_dataset: chunk_rows must be >= 1, got {}", options.chunk_rows));
  h5::File file = h5::File::open(path);
  const Reader r{file, options.chunk_rows, std::max(options.threads, 1)};

  Dataset data;
  data.path = path;
  data.format_version = check_format(r);
  data.import_report = file.attr_string("/", "import_report");
  // Columns: presence, rank and type first, so a wrong file fails before any long read.
  const InteractionColumns columns = open_interactions(r);
  check_lengths(r, columns);
  // Id lists and their metadata, then the columns that refer to them, range by range.
  read_lists(r, columns, data);
  read_log(r, columns, data);
  return data;
}

Dataset empty_like(const Dataset& d) {
  Dataset out;
  out.path = d.path;
  out.format_version = d.format_version;
  out.customer_ids = d.customer_ids;
  out.item_ids = d.item_ids;
  out.event_names = d.event_names;
  out.item_meta = d.item_meta;
  out.customer_meta = d.customer_meta;
  return out;
}

void append_row(const InteractionLog& from, std::int64_t r, InteractionLog& to) {
  to.customer.push_back(from.customer[r]);
  to.item.push_back(from.item[r]);
  if (!from.time.empty()) to.time.push_back(from.time[r]);
  if (!from.quantity.empty()) to.quantity.push_back(from.quantity[r]);
  if (!from.value.empty()) to.value.push_back(from.value[r]);
  if (!from.event.empty()) to.event.push_back(from.event[r]);
}

InteractionMatrices build_matrices(const Dataset& data, int threads,
                                   const std::vector<bool>* keep) {
  threads = std::max(threads, 1);
  const InteractionLog& log = data.log;
  const std::int64_t n = log.size();
  const auto rows = static_cast<std::size_t>(n);
  if (log.item.size() != rows || (!log.quantity.empty() && log.quantity.size() != rows))
    throw std::invalid_argument(fmt::format(
        "build_matrices: the log has {} customer, {} item and {} quantity entries", n,
        log.item.size(), log.quantity.size()));
  if (keep && keep->size() != rows)
    throw std::invalid_argument(fmt::format(
        "build_matrices: keep has {} entries, the log has {} rows", keep->size(), n));
  // The loader guarantees the ranges; a hand-built Dataset may not, and build_csr only asserts.
  const std::int64_t customers = data.customers(), items = data.items();
  std::int64_t bad = first_bad(n, threads, [&](std::int64_t k) {
    return log.customer[k] >= customers || log.item[k] >= items;
  });
  if (bad >= 0)
    throw std::invalid_argument(fmt::format(
        "build_matrices: row {} refers to customer {} and item {}; the dataset has {} customers "
        "and {} items",
        bad, log.customer[bad], log.item[bad], customers, items));

  const float* weights = log.quantity.empty() ? nullptr : log.quantity.data();
  InteractionMatrices m;
  if (keep) {
    std::vector<std::uint32_t> c, i;
    std::vector<float> w;
    for (std::size_t k = 0; k < rows; ++k) {
      if (!(*keep)[k]) continue;
      c.push_back(log.customer[k]);
      i.push_back(log.item[k]);
      if (weights) w.push_back(weights[k]);
    }
    m.customer_items = build_csr(customers, items, c.data(), i.data(), weights ? w.data() : nullptr,
                                 static_cast<std::int64_t>(c.size()), threads);
  } else {
    m.customer_items = build_csr(customers, items, log.customer.data(), log.item.data(), weights,
                                 n, threads);
  }
  m.item_customers = transpose(m.customer_items, threads);
  m.fingerprint = data_fingerprint(m.customer_items, data.customer_ids, data.item_ids);
  return m;
}

std::string data_fingerprint(const Csr& m, const std::vector<std::string>& customer_ids,
                             const std::vector<std::string>& item_ids) {
  Fingerprint f;
  const std::int64_t shape[2] = {m.rows, m.cols};
  f.add_bytes(shape, sizeof shape);
  f.add(m.indptr);
  f.add(m.indices);
  f.add(m.data);
  f.add(customer_ids);
  f.add(item_ids);
  return f.hex();
}

const char* amount_problem(double x, bool allow_negative) {
  if (!std::isfinite(x)) return "is not a finite number";
  if (std::abs(x) > kMaxFloat) return "does not fit in float32";
  if (!allow_negative && x < 0) return "is negative (quantities must be >= 0)";
  return nullptr;
}

int Dataset::event_index(std::string_view name) const {
  for (std::size_t e = 0; e < event_names.size(); ++e)
    if (event_names[e] == name) return static_cast<int>(e);
  return -1;
}

const std::string& ItemMeta::category_name(std::size_t item) const {
  static const std::string kNone;
  if (category.empty() || category[item] == kNoCategory) return kNone;
  return category_names[category[item]];
}

}  // namespace tailor
