// Train/test splits: parsing the --split text, assigning a role to every row, writing the files.
#include "host/eval/split.hpp"

#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/io/h5.hpp"

namespace tailor {
namespace {

constexpr const char* kAcceptedForms =
    "accepted forms: time:YYYY-MM-DD (rows at or after 00:00 UTC of the date are test), last:K "
    "(K >= 1, each customer's K most recent timestamps are test), random:F (0 < F < 1, each row "
    "is test with probability F), customers:F (0 < F < 1, a fraction F of the customers is held "
    "out)";
constexpr std::int64_t kSecondsPerDay = 86400;

[[noreturn]] void bad_split(const std::string& text, const std::string& why) {
  throw InputError(fmt::format("--split \"{}\": {}; {}", text, why, kAcceptedForms));
}

const char* kind_name(SplitKind kind) {
  switch (kind) {
    case SplitKind::time: return "time";
    case SplitKind::leave_last: return "last";
    case SplitKind::random: return "random";
    case SplitKind::customers: return "customers";
  }
  return "?";
}

// "YYYY-MM-DD" of the UTC day holding unix second t.
std::string iso_date(std::int64_t t) {
  using namespace std::chrono;
  const auto days = static_cast<int>((t >= 0 ? t : t - (kSecondsPerDay - 1)) / kSecondsPerDay);
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// The spec as text: what the user wrote, or the canonical form for specs built in code.
std::string spec_text(const SplitSpec& s) {
  if (!s.text.empty()) return s.text;
  switch (s.kind) {
    case SplitKind::time: return fmt::format("time:{}", iso_date(s.cutoff));
    case SplitKind::leave_last: return fmt::format("last:{}", s.last);
    case SplitKind::random: return fmt::format("random:{}", s.fraction);
    case SplitKind::customers: return fmt::format("customers:{}", s.fraction);
  }
  return "?";
}

// A value in [0, n) from 64 random bits without modulo bias (rejection), so that the split is the
// same with every standard library (std::uniform_int_distribution is implementation-defined).
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t n) {
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t v = rng();
  while (v >= limit) v = rng();
  return v % n;
}

// Uniform in [0, 1) from the top 53 bits: portable, unlike std::uniform_real_distribution.
double uniform01(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// Rows grouped by customer: rows of customer c are order[offset[c] .. offset[c+1]), ascending.
struct RowsByCustomer {
  std::vector<std::int64_t> offset;
  std::vector<std::int64_t> order;
};

RowsByCustomer group_rows(const Dataset& data) {
  const auto customers = static_cast<std::size_t>(data.customers());
  RowsByCustomer g;
  g.offset.assign(customers + 1, 0);
  for (auto c : data.log.customer) ++g.offset[c + 1];
  std::partial_sum(g.offset.begin(), g.offset.end(), g.offset.begin());
  g.order.resize(data.log.customer.size());
  std::vector<std::int64_t> next(g.offset.begin(), g.offset.end() - 1);
  for (std::int64_t row = 0; row < data.log.size(); ++row)
    g.order[static_cast<std::size_t>(next[data.log.customer[static_cast<std::size_t>(row)]]++)] =
        row;
  return g;
}

// time: and last: order every row by time; customers: orders each held-out customer's rows into
// fold-in and test. Without the column none of them has an order to use.
void require_time(const Dataset& data, const SplitSpec& spec) {
  if (!data.log.time.empty()) return;
  const char* what = spec.kind == SplitKind::customers
                         ? " (the held-out customers' rows are cut into fold-in and test by time)"
                         : "";
  throw InputError(fmt::format(
      "split {} needs the /interactions/time column{}, which {} lacks (use random:F instead)",
      spec_text(spec), what, data.path.string()));
}

void check_spec(const SplitSpec& spec) {
  const std::string text = spec_text(spec);
  if (spec.kind == SplitKind::leave_last && spec.last < 1)
    bad_split(text, fmt::format("K = {} must be >= 1", spec.last));
  if ((spec.kind == SplitKind::random || spec.kind == SplitKind::customers) &&
      !(spec.fraction > 0.0 && spec.fraction < 1.0))
    bad_split(text, fmt::format("fraction {} must lie strictly between 0 and 1", spec.fraction));
  if (spec.kind == SplitKind::customers &&
      !(spec.fold_in_fraction > 0.0 && spec.fold_in_fraction < 1.0))
    bad_split(text, fmt::format("fold-in fraction {} must lie strictly between 0 and 1",
                                spec.fold_in_fraction));
}

void split_time(const Dataset& data, const SplitSpec& spec, Split& s) {
  require_time(data, spec);
  for (std::size_t row = 0; row < s.role.size(); ++row)
    s.role[row] = data.log.time[row] >= spec.cutoff ? Role::test : Role::train;
}

void split_leave_last(const Dataset& data, const SplitSpec& spec, Split& s) {
  require_time(data, spec);
  const RowsByCustomer g = group_rows(data);
  std::vector<std::int64_t> times;
  for (std::int64_t c = 0; c < data.customers(); ++c) {
    const auto b = g.order.begin() + g.offset[static_cast<std::size_t>(c)];
    const auto e = g.order.begin() + g.offset[static_cast<std::size_t>(c) + 1];
    times.clear();
    for (auto it = b; it != e; ++it) times.push_back(data.log.time[static_cast<std::size_t>(*it)]);
    std::sort(times.begin(), times.end(), std::greater<>());
    times.erase(std::unique(times.begin(), times.end()), times.end());
    if (static_cast<std::int64_t>(times.size()) <= spec.last) continue;  // all train
    const std::int64_t threshold = times[static_cast<std::size_t>(spec.last) - 1];
    for (auto it = b; it != e; ++it)
      if (data.log.time[static_cast<std::size_t>(*it)] >= threshold)
        s.role[static_cast<std::size_t>(*it)] = Role::test;
  }
}

void split_random(const SplitSpec& spec, Split& s) {
  std::mt19937_64 rng(spec.seed);
  for (auto& r : s.role) r = uniform01(rng) < spec.fraction ? Role::test : Role::train;
}

void split_customers(const Dataset& data, const SplitSpec& spec, Split& s) {
  require_time(data, spec);
  const RowsByCustomer g = group_rows(data);
  auto rows_of = [&](std::int64_t c) {
    return g.offset[static_cast<std::size_t>(c) + 1] - g.offset[static_cast<std::size_t>(c)];
  };
  std::vector<std::int64_t> eligible;
  for (std::int64_t c = 0; c < data.customers(); ++c)
    if (rows_of(c) >= 2) eligible.push_back(c);
  // Seeded Fisher-Yates shuffle; the first `held` customers are held out.
  std::mt19937_64 rng(spec.seed);
  for (std::size_t i = eligible.size(); i > 1; --i)
    std::swap(eligible[i - 1], eligible[uniform_below(rng, i)]);
  const auto n_eligible = static_cast<std::int64_t>(eligible.size());
  const std::int64_t held =
      n_eligible == 0 ? 0
                      : std::clamp<std::int64_t>(
                            std::llround(spec.fraction * static_cast<double>(n_eligible)), 1,
                            n_eligible);

  s.held_out_customer.assign(static_cast<std::size_t>(data.customers()), 0);
  std::vector<std::int64_t> rows;
  for (std::int64_t h = 0; h < held; ++h) {
    const std::int64_t c = eligible[static_cast<std::size_t>(h)];
    s.held_out_customer[static_cast<std::size_t>(c)] = 1;
    rows.assign(g.order.begin() + g.offset[static_cast<std::size_t>(c)],
                g.order.begin() + g.offset[static_cast<std::size_t>(c) + 1]);  // ascending rows
    std::stable_sort(rows.begin(), rows.end(), [&](std::int64_t a, std::int64_t b) {
      return data.log.time[static_cast<std::size_t>(a)] <
             data.log.time[static_cast<std::size_t>(b)];
    });
    const auto n = static_cast<std::int64_t>(rows.size());
    // The 1e-9 keeps ceil(0.8 * 15) at 12 although 0.8 * 15 rounds to 12.000000000000002.
    const auto want = static_cast<std::int64_t>(
        std::ceil(spec.fold_in_fraction * static_cast<double>(n) - 1e-9));
    const std::int64_t fold = std::clamp<std::int64_t>(want, 1, n - 1);
    for (std::int64_t j = 0; j < n; ++j)
      s.role[static_cast<std::size_t>(rows[static_cast<std::size_t>(j)])] =
          j < fold ? Role::fold_in : Role::test;
  }
}

std::array<std::int64_t, 3> count_roles(const std::vector<Role>& role) {
  std::array<std::int64_t, 3> n{};
  for (Role r : role) ++n[static_cast<std::size_t>(r)];
  return n;
}

// Customers with at least one test row.
std::int64_t count_test_customers(const Dataset& data, const Split& split) {
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(data.customers()), 0);
  std::int64_t n = 0;
  for (std::size_t row = 0; row < split.role.size(); ++row) {
    if (split.role[row] != Role::test) continue;
    auto& s = seen[data.log.customer[row]];
    if (!s) {
      s = 1;
      ++n;
    }
  }
  return n;
}

// The rows of `data` where keep(row), with the same id lists (indices stay valid).
template <class Keep>
Dataset subset(const Dataset& data, Keep keep) {
  Dataset out;
  out.path = data.path;
  out.format_version = data.format_version;
  out.customer_ids = data.customer_ids;
  out.item_ids = data.item_ids;
  out.event_names = data.event_names;
  out.import_report = data.import_report;
  for (std::size_t row = 0; row < data.log.customer.size(); ++row)
    if (keep(row)) append_row(data.log, static_cast<std::int64_t>(row), out.log);
  return out;
}

// Adds the root attribute `split` and, when roles is non-null, the column /interactions/role
// (int8, chunked and compressed like every column) to a closed file that is still under its
// temporary name, i.e. not yet visible to anyone. h5::File opens read-only, hence the C API.
void annotate(const std::filesystem::path& path, const std::string& split_json,
              const std::vector<std::int8_t>* roles) {
  const std::string where = path.string();
  h5::Handle file(H5Fopen(where.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw RunError(fmt::format("{}: cannot reopen to add the split", where));
  {
    h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.get(), H5T_VARIABLE);
    H5Tset_cset(type.get(), H5T_CSET_UTF8);
    h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    h5::Handle attr(H5Acreate2(file.get(), "split", type.get(), space.get(), H5P_DEFAULT,
                               H5P_DEFAULT),
                    H5Aclose);
    const char* value = split_json.c_str();
    if (!attr.valid() || H5Awrite(attr.get(), type.get(), &value) < 0)
      throw RunError(fmt::format("{}: cannot write the root attribute split", where));
  }
  if (roles) {
    const auto n = static_cast<hsize_t>(roles->size());
    const hsize_t chunk = std::clamp<hsize_t>(n, 1, hsize_t{1} << 20);
    h5::Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    h5::Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(plist.get(), 1, &chunk);
    H5Pset_deflate(plist.get(), 4);
    h5::Handle ds(H5Dcreate2(file.get(), "/interactions/role", H5T_STD_I8LE, space.get(),
                             H5P_DEFAULT, plist.get(), H5P_DEFAULT),
                  H5Dclose);
    if (!ds.valid() || (n > 0 && H5Dwrite(ds.get(), H5T_NATIVE_INT8, H5S_ALL, H5S_ALL,
                                          H5P_DEFAULT, roles->data()) < 0))
      throw RunError(fmt::format("{}: cannot write /interactions/role", where));
  }
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0)
    throw RunError(fmt::format("{}: cannot flush", where));
}

// time:VALUE, VALUE exactly YYYY-MM-DD and a calendar date: 00:00 UTC of that day in unix
// seconds (negative before 1970).
std::int64_t parse_cutoff(const std::string& text, const std::string& value) {
  int y = 0;
  unsigned m = 0, d = 0;
  auto digits = [&](std::size_t pos, std::size_t len, auto& out) {
    if (pos + len > value.size()) return false;
    for (std::size_t i = pos; i < pos + len; ++i)
      if (value[i] < '0' || value[i] > '9') return false;
    std::from_chars(value.data() + pos, value.data() + pos + len, out);
    return true;
  };
  if (value.size() != 10 || value[4] != '-' || value[7] != '-' || !digits(0, 4, y) ||
      !digits(5, 2, m) || !digits(8, 2, d))
    bad_split(text, fmt::format("\"{}\" is not a date YYYY-MM-DD", value));
  const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{m},
                                        std::chrono::day{d}};
  if (!ymd.ok()) bad_split(text, fmt::format("{} is not a calendar date", value));
  return static_cast<std::int64_t>(std::chrono::sys_days{ymd}.time_since_epoch().count()) *
         kSecondsPerDay;
}

// last:VALUE, VALUE a whole decimal integer K in 1 .. INT_MAX.
int parse_last(const std::string& text, const std::string& value) {
  long long k = 0;
  const char* e = value.data() + value.size();
  auto [end, ec] = std::from_chars(value.data(), e, k);
  if (value.empty() || ec != std::errc() || end != e)
    bad_split(text, fmt::format("\"{}\" is not an integer K", value));
  if (k < 1 || k > std::numeric_limits<int>::max())
    bad_split(text, fmt::format("K = {} must be >= 1", k));
  return static_cast<int>(k);
}

// random:VALUE and customers:VALUE, VALUE a whole number F with 0 < F < 1.
double parse_fraction(const std::string& text, const std::string& value) {
  double f = 0.0;
  const char* e = value.data() + value.size();
  auto [end, ec] = std::from_chars(value.data(), e, f);
  if (value.empty() || ec != std::errc() || end != e)
    bad_split(text, fmt::format("\"{}\" is not a number F", value));
  if (!(f > 0.0 && f < 1.0))
    bad_split(text, fmt::format("fraction {} must lie strictly between 0 and 1", value));
  return f;
}

}  // namespace

SplitSpec parse_split(const std::string& text, std::uint64_t seed) {
  SplitSpec spec;
  spec.seed = seed;
  spec.text = text;
  const auto colon = text.find(':');
  if (colon == std::string::npos) bad_split(text, "expected KIND:VALUE");
  const std::string kind = text.substr(0, colon);
  const std::string value = text.substr(colon + 1);
  if (kind == "time") {
    spec.kind = SplitKind::time;
    spec.cutoff = parse_cutoff(text, value);
  } else if (kind == "last") {
    spec.kind = SplitKind::leave_last;
    spec.last = parse_last(text, value);
  } else if (kind == "random" || kind == "customers") {
    spec.kind = kind == "random" ? SplitKind::random : SplitKind::customers;
    spec.fraction = parse_fraction(text, value);
  } else {
    bad_split(text, fmt::format("unknown kind \"{}\"", kind));
  }
  return spec;
}

std::vector<bool> Split::mask(Role r) const {
  std::vector<bool> m(role.size());
  for (std::size_t row = 0; row < role.size(); ++row) m[row] = role[row] == r;
  return m;
}

nlohmann::json Split::describe() const {
  const auto n = count_roles(role);
  nlohmann::json j;
  j["kind"] = kind_name(spec.kind);
  j["spec"] = spec_text(spec);
  j["seed"] = spec.seed;
  j["rows"] = {{"train", n[static_cast<std::size_t>(Role::train)]},
               {"test", n[static_cast<std::size_t>(Role::test)]},
               {"fold_in", n[static_cast<std::size_t>(Role::fold_in)]}};
  if (spec.kind == SplitKind::time) {
    j["cutoff"] = iso_date(spec.cutoff);
    j["cutoff_unix"] = spec.cutoff;
  }
  if (spec.kind == SplitKind::leave_last) j["last"] = spec.last;
  if (spec.kind == SplitKind::random || spec.kind == SplitKind::customers)
    j["fraction"] = spec.fraction;
  if (spec.kind == SplitKind::customers) {
    const auto held = static_cast<std::int64_t>(
        std::count(held_out_customer.begin(), held_out_customer.end(), std::uint8_t{1}));
    j["fold_in_fraction"] = spec.fold_in_fraction;
    j["held_out_customers"] = held;
  }
  j["test_customers"] = test_customers;
  return j;
}

Split make_split(const Dataset& data, const SplitSpec& spec) {
  check_spec(spec);
  Split s;
  s.spec = spec;
  s.role.assign(static_cast<std::size_t>(data.log.size()), Role::train);
  switch (spec.kind) {
    case SplitKind::time: split_time(data, spec, s); break;
    case SplitKind::leave_last: split_leave_last(data, spec, s); break;
    case SplitKind::random: split_random(spec, s); break;
    case SplitKind::customers: split_customers(data, spec, s); break;
  }
  const auto n = count_roles(s.role);
  const std::int64_t train = n[static_cast<std::size_t>(Role::train)];
  const std::int64_t test = n[static_cast<std::size_t>(Role::test)];
  if (train == 0 || test == 0)
    throw InputError(fmt::format(
        "split {} of {} leaves {} train rows and {} test rows ({} fold-in) of {}; both must be "
        "non-empty",
        spec_text(spec), data.path.empty() ? std::string("the data") : data.path.string(), train,
        test, n[static_cast<std::size_t>(Role::fold_in)], data.log.size()));
  s.test_customers = count_test_customers(data, s);
  return s;
}

void write_split(const Dataset& data, const Split& split, const std::filesystem::path& train,
                 const std::filesystem::path& test) {
  if (static_cast<std::int64_t>(split.role.size()) != data.log.size())
    throw InputError(fmt::format("split {} has {} roles for {} rows", spec_text(split.spec),
                                 split.role.size(), data.log.size()));
  const auto n = count_roles(split.role);
  if (n[static_cast<std::size_t>(Role::train)] == 0 || n[static_cast<std::size_t>(Role::test)] == 0)
    throw InputError(fmt::format("split {} has {} train rows and {} test rows; both must be "
                                 "non-empty",
                                 spec_text(split.spec), n[static_cast<std::size_t>(Role::train)],
                                 n[static_cast<std::size_t>(Role::test)]));
  const std::string split_json = split.describe().dump();

  const Dataset train_data = subset(data, [&](std::size_t r) { return split.role[r] == Role::train; });
  const Dataset test_data = subset(data, [&](std::size_t r) { return split.role[r] != Role::train; });
  std::vector<std::int8_t> roles;
  roles.reserve(test_data.log.customer.size());
  for (Role r : split.role)
    if (r != Role::train) roles.push_back(static_cast<std::int8_t>(r));

  // Both files are completed under temporary names and published only when both are done.
  AtomicOutput train_out(train), test_out(test);
  write_dataset(train_out.temp_path(), train_data);
  annotate(train_out.temp_path(), split_json, nullptr);
  write_dataset(test_out.temp_path(), test_data);
  annotate(test_out.temp_path(), split_json, &roles);
  train_out.commit();
  test_out.commit();
}

}  // namespace tailor
