// `tailor inspect`: one JSON object of figures (inspect_json), rendered as text (inspect), so the
// two never disagree.
#include "host/data/inspect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include "host/data/dataset.hpp"

namespace tailor {
namespace {

using nlohmann::json;
using std::int64_t;

// The median of values (not empty; reorders them): the middle one, or the mean of the two
// middle ones for an even count.
template <class T>
double median_of(std::vector<T>& values) {
  const std::size_t mid = values.size() / 2;
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(mid);
  std::nth_element(values.begin(), middle, values.end());
  double median = static_cast<double>(values[mid]);
  if (values.size() % 2 == 0)
    median = (median + static_cast<double>(*std::max_element(values.begin(), middle))) / 2.0;
  return median;
}

// min / median / mean / max of counts (one per id).
json distribution(std::vector<int64_t> counts) {
  json d = json::object();
  if (counts.empty()) {
    d["min"] = 0;
    d["median"] = 0;
    d["mean"] = 0.0;
    d["max"] = 0;
    return d;
  }
  const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
  const double sum = std::accumulate(counts.begin(), counts.end(), 0.0);
  d["min"] = *lo;
  d["max"] = *hi;
  d["mean"] = sum / static_cast<double>(counts.size());
  d["median"] = median_of(counts);
  return d;
}

std::vector<int64_t> row_lengths(const Csr& m) {
  std::vector<int64_t> out(static_cast<std::size_t>(m.rows));
  for (int64_t r = 0; r < m.rows; ++r)
    out[static_cast<std::size_t>(r)] = m.indptr[r + 1] - m.indptr[r];
  return out;
}

std::vector<int64_t> occurrences(const std::vector<std::uint32_t>& index, int64_t n) {
  std::vector<int64_t> out(static_cast<std::size_t>(n), 0);
  for (std::uint32_t k : index) ++out[k];
  return out;
}

// Days since 1970-01-01 of a unix time (UTC), rounding down before 1970 too.
int64_t calendar_day(int64_t unix_seconds) {
  return unix_seconds / 86400 - (unix_seconds % 86400 < 0 ? 1 : 0);
}

std::string iso_time(int64_t unix_seconds, bool date_only) {
  using namespace std::chrono;
  const sys_seconds t{seconds{unix_seconds}};
  const sys_days day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  std::string s = fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                              static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  if (!date_only)
    s += fmt::format("T{:02}:{:02}:{:02}Z", hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count());
  return s;
}

// "1234567" -> "1,234,567" (digits only)
std::string group_digits(const std::string& digits) {
  std::string out;
  for (std::size_t k = 0; k < digits.size(); ++k) {
    if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
    out += digits[k];
  }
  return out;
}

// Appends rather than prepends the sign: GCC 12 warns (-Wrestrict) on "-" + std::string.
std::string grouped(int64_t v) {
  std::string out = v < 0 ? "-" : "";
  out += group_digits(std::to_string(v < 0 ? -v : v));
  return out;
}

// A total with thousands separators and two decimals, none when whole: 8911407.9 ->
// "8,911,407.90", 5167812.0 -> "5,167,812".
std::string amount(double v) {
  std::string s = fmt::format("{:.2f}", std::abs(v));
  if (s.ends_with(".00")) s.resize(s.size() - 3);
  const std::size_t dot = std::min(s.find('.'), s.size());
  std::string out = v < 0 ? "-" : "";
  out += group_digits(s.substr(0, dot));
  out += s.substr(dot);
  return out;
}

std::string median_text(double m) {
  return m == std::floor(m) ? grouped(static_cast<int64_t>(m)) : fmt::format("{:.1f}", m);
}

std::string stats_line(const json& d) {
  return fmt::format("min {}, median {}, mean {:.1f}, max {}", grouped(d["min"].get<int64_t>()),
                     median_text(d["median"].get<double>()), d["mean"].get<double>(),
                     grouped(d["max"].get<int64_t>()));
}

// The largest groups of a category-like column: [{name, count}], by count (ties: code order),
// at most top entries; ids without a code are not a group.
json top_groups(const std::vector<std::uint32_t>& codes, const std::vector<std::string>& names,
                std::size_t top) {
  std::vector<int64_t> count(names.size(), 0);
  for (std::uint32_t c : codes)
    if (c != kNoCategory) ++count[c];
  std::vector<std::uint32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0u);
  top = std::min(top, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      return count[a] != count[b] ? count[a] > count[b] : a < b;
                    });
  json list = json::array();
  for (std::size_t k = 0; k < top; ++k) list.push_back({{"name", names[order[k]]}, {"count", count[order[k]]}});
  return list;
}

int64_t with_code(const std::vector<std::uint32_t>& codes) {
  return std::count_if(codes.begin(), codes.end(), [](std::uint32_t c) { return c != kNoCategory; });
}

// What the metadata datasets of a file hold; only keys of present datasets.
json item_metadata(const ItemMeta& m) {
  json j = json::object();
  if (m.has_category()) {
    j["categories"] = m.category_names.size();
    j["items_with_category"] = with_code(m.category);
    j["top_categories"] = top_groups(m.category, m.category_names, 5);
  }
  if (!m.name.empty())
    j["items_with_name"] = std::count_if(m.name.begin(), m.name.end(),
                                         [](const std::string& s) { return !s.empty(); });
  if (m.has_price()) {
    std::vector<float> known;
    for (float p : m.price)
      if (!std::isnan(p)) known.push_back(p);
    j["items_with_price"] = known.size();
    if (!known.empty()) j["price_median"] = median_of(known);
  }
  if (!m.available.empty())
    j["items_unavailable"] = std::count(m.available.begin(), m.available.end(), 0);
  return j;
}

json customer_metadata(const CustomerMeta& m) {
  json j = json::object();
  if (!m.opt_out.empty())
    j["customers_opted_out"] = std::count(m.opt_out.begin(), m.opt_out.end(), 1);
  if (!m.segment.empty()) {
    j["segments"] = m.segment_names.size();
    j["customers_with_segment"] = with_code(m.segment);
    j["top_segments"] = top_groups(m.segment, m.segment_names, 5);
  }
  if (!m.channel.empty()) {
    j["channels"] = m.channel_names.size();
    j["customers_with_channel"] = with_code(m.channel);
    j["top_channels"] = top_groups(m.channel, m.channel_names, 5);
  }
  return j;
}

// ---- the figures ---------------------------------------------------------------------------

// Per-id counts, one entry per customer or item id in the file (0 for ids without interactions).
struct PerId {
  std::vector<int64_t> customer_rows;   // log rows per customer
  std::vector<int64_t> item_rows;       // log rows per item
  std::vector<int64_t> customer_items;  // distinct items per customer
  std::vector<int64_t> item_customers;  // distinct customers per item
};

PerId per_id_counts(const Dataset& data, const InteractionMatrices& m) {
  return {occurrences(data.log.customer, data.customers()),
          occurrences(data.log.item, data.items()), row_lengths(m.customer_items),
          row_lengths(m.item_customers)};
}

int64_t nonzero(const std::vector<int64_t>& v) {
  return std::count_if(v.begin(), v.end(), [](int64_t x) { return x > 0; });
}

// pairs / (customers x items); 0 for a file without customers or items.
double density(int64_t pairs, int64_t customers, int64_t items) {
  return customers > 0 && items > 0
             ? static_cast<double>(pairs) /
                   (static_cast<double>(customers) * static_cast<double>(items))
             : 0.0;
}

// The shape keys: ids with interactions, distinct pairs, density and the per-id distributions.
void add_counts(json& j, const PerId& c, int64_t pairs, int64_t customers, int64_t items) {
  j["customers_with_interactions"] = nonzero(c.customer_rows);
  j["items_with_interactions"] = nonzero(c.item_rows);
  j["pairs"] = pairs;
  j["density"] = density(pairs, customers, items);
  j["per_customer"] = {{"rows", distribution(c.customer_rows)},
                       {"items", distribution(c.customer_items)}};
  j["per_item"] = {{"rows", distribution(c.item_rows)},
                   {"customers", distribution(c.item_customers)}};
}

// First and last interaction (unix seconds, not empty) and the calendar days they span, both
// ends counted.
json time_range(const std::vector<int64_t>& time) {
  const auto [lo, hi] = std::minmax_element(time.begin(), time.end());
  return {{"first", iso_time(*lo, false)},
          {"last", iso_time(*hi, false)},
          {"first_date", iso_time(*lo, true)},
          {"last_date", iso_time(*hi, true)},
          {"first_unix", *lo},
          {"last_unix", *hi},
          {"days", calendar_day(*hi) - calendar_day(*lo) + 1}};
}

// [{name, rows}] per event type, in code order (types without rows included).
json event_counts(const std::vector<std::uint8_t>& event, const std::vector<std::string>& names) {
  std::vector<int64_t> per_event(names.size(), 0);
  for (std::uint8_t e : event) ++per_event[e];
  json events = json::array();
  for (std::size_t e = 0; e < per_event.size(); ++e)
    events.push_back({{"name", names[e]}, {"rows", per_event[e]}});
  return events;
}

// The keys of the optional log columns: time range, quantity and value totals, events.
void add_log_columns(json& j, const Dataset& data) {
  const InteractionLog& log = data.log;
  if (!log.time.empty()) j["time"] = time_range(log.time);
  if (!log.quantity.empty())
    j["quantity_total"] = std::accumulate(log.quantity.begin(), log.quantity.end(), 0.0);
  if (!log.value.empty())
    j["value_total"] = std::accumulate(log.value.begin(), log.value.end(), 0.0);
  if (!log.event.empty()) j["events"] = event_counts(log.event, data.event_names);
}

// The top items by `first`, then `second` (both per item), then file order: [{id, customers,
// rows}], at most top long, never an item without rows.
json top_items_by(const std::vector<int64_t>& first, const std::vector<int64_t>& second,
                  const PerId& c, const std::vector<std::string>& ids, std::size_t top) {
  std::vector<std::uint32_t> order(ids.size());
  std::iota(order.begin(), order.end(), 0u);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](std::uint32_t a, std::uint32_t b) {
                      if (first[a] != first[b]) return first[a] > first[b];
                      if (second[a] != second[b]) return second[a] > second[b];
                      return a < b;
                    });
  json list = json::array();
  for (std::size_t k = 0; k < top; ++k) {
    const std::uint32_t i = order[k];
    if (c.item_rows[i] == 0) break;
    list.push_back({{"id", ids[i]}, {"customers", c.item_customers[i]}, {"rows", c.item_rows[i]}});
  }
  return list;
}

// The root attribute as JSON, or as a plain string when it does not parse.
json parsed_import_report(const std::string& text) {
  json report = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return report.is_discarded() ? json(text) : report;
}

// ---- the text ------------------------------------------------------------------------------

// One "  label                 value" line.
void line(std::string& out, const char* label, const std::string& value) {
  out += fmt::format("  {:<22}{}\n", label, value);
}

// "1,234", with " (1,200 with interactions)" when not every id has one.
std::string ids_with_interactions(int64_t total, int64_t with) {
  return grouped(total) +
         (with != total ? fmt::format(" ({} with interactions)", grouped(with)) : std::string());
}

// "12 (3.4%)" of a total.
std::string share(int64_t n, int64_t total) {
  return fmt::format("{} ({:.1f}%)", grouped(n),
                     total > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0);
}

// "name 12, name 7, ..." of [{name, <count_key>}].
std::string name_counts(const json& list, const char* count_key) {
  std::string text;
  for (const json& e : list)
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", e["name"].get<std::string>(),
                        grouped(e[count_key].get<int64_t>()));
  return text;
}

// The header line, the counts and the per-id distributions.
void render_counts(std::string& out, const json& j) {
  out += fmt::format("{} (format {} version {})\n", j["file"].get<std::string>(),
                     j["format"].get<std::string>(), j["format_version"].get<int64_t>());
  line(out, "interactions", grouped(j["interactions"].get<int64_t>()));
  line(out, "customers",
       ids_with_interactions(j["customers"].get<int64_t>(),
                             j["customers_with_interactions"].get<int64_t>()));
  line(out, "items",
       ids_with_interactions(j["items"].get<int64_t>(),
                             j["items_with_interactions"].get<int64_t>()));
  line(out, "customer-item pairs",
       fmt::format("{} (density {:.3g}%)", grouped(j["pairs"].get<int64_t>()),
                   100.0 * j["density"].get<double>()));
  line(out, "rows per customer", stats_line(j["per_customer"]["rows"]));
  line(out, "items per customer", stats_line(j["per_customer"]["items"]));
  line(out, "rows per item", stats_line(j["per_item"]["rows"]));
  line(out, "customers per item", stats_line(j["per_item"]["customers"]));
}

// Dates, totals and events, for the columns the file has.
void render_log_columns(std::string& out, const json& j) {
  if (j.contains("time")) {
    const json& t = j["time"];
    line(out, "dates",
         fmt::format("{} .. {} ({} days, UTC)", t["first_date"].get<std::string>(),
                     t["last_date"].get<std::string>(), grouped(t["days"].get<int64_t>())));
  }
  if (j.contains("quantity_total"))
    line(out, "quantity total", amount(j["quantity_total"].get<double>()));
  if (j.contains("value_total")) line(out, "value total", amount(j["value_total"].get<double>()));
  if (j.contains("events")) line(out, "events", name_counts(j["events"], "rows"));
}

// "top N items <title>:" and one ranked line per item, ids padded to the longest; nothing for
// an empty list.
void render_top_items(std::string& out, const char* title, const json& list) {
  if (list.empty()) return;
  out += fmt::format("top {} items {}:\n", list.size(), title);
  std::size_t width = 0;
  for (const json& e : list) width = std::max(width, e["id"].get<std::string>().size());
  int rank = 0;
  for (const json& e : list)
    out += fmt::format("  {:>3}. {:<{}}  {} customers, {} rows\n", ++rank,
                       e["id"].get<std::string>(), width, grouped(e["customers"].get<int64_t>()),
                       grouped(e["rows"].get<int64_t>()));
}

// A category-like column of metadata m (nothing when m lacks count_key): how many distinct
// values, the share of the `total` ids (`of`) that have one, and the largest groups.
void render_groups(std::string& out, const char* label, const json& m, const char* count_key,
                   const char* with_key, const char* top_key, const char* of, int64_t total) {
  if (!m.contains(count_key)) return;
  line(out, label,
       fmt::format("{} distinct, {} of {} {} have one", grouped(m[count_key].get<int64_t>()),
                   share(m[with_key].get<int64_t>(), total), grouped(total), of));
  const std::string top = name_counts(m[top_key], "count");
  if (!top.empty()) line(out, "", "largest: " + top);
}

void render_item_metadata(std::string& out, const json& m, int64_t items) {
  out += "item metadata:\n";
  render_groups(out, "categories", m, "categories", "items_with_category", "top_categories",
                "items", items);
  if (m.contains("items_with_name"))
    line(out, "with a name", share(m["items_with_name"].get<int64_t>(), items));
  if (m.contains("items_with_price"))
    line(out, "with a price",
         share(m["items_with_price"].get<int64_t>(), items) +
             (m.contains("price_median")
                  ? fmt::format(", median {:.2f}", m["price_median"].get<double>())
                  : std::string()));
  if (m.contains("items_unavailable"))
    line(out, "unavailable", share(m["items_unavailable"].get<int64_t>(), items));
}

void render_customer_metadata(std::string& out, const json& m, int64_t customers) {
  out += "customer metadata:\n";
  if (m.contains("customers_opted_out"))
    line(out, "opted out", share(m["customers_opted_out"].get<int64_t>(), customers));
  render_groups(out, "segments", m, "segments", "customers_with_segment", "top_segments",
                "customers", customers);
  render_groups(out, "channels", m, "channels", "customers_with_channel", "top_channels",
                "customers", customers);
}

// An import report with row counts as a table (drops by reason, with the first line of each);
// anything else as one line.
void render_import_report(std::string& out, const json& r) {
  if (!(r.is_object() && r.contains("rows_read") && r.contains("rows_kept"))) {
    out += "import report: " + (r.is_string() ? r.get<std::string>() : r.dump()) + "\n";
    return;
  }
  out += fmt::format(
      "import report{}:\n",
      r.contains("source") ? " (from " + r["source"].get<std::string>() + ")" : std::string());
  const int64_t read = r["rows_read"].get<int64_t>();
  const int64_t kept = r["rows_kept"].get<int64_t>();
  line(out, "rows read", grouped(read));
  line(out, "rows kept", grouped(kept));
  line(out, "rows dropped", grouped(read - kept));
  if (!(r.contains("dropped") && r["dropped"].is_object())) return;
  for (const auto& [reason, count] : r["dropped"].items()) {
    std::string where;
    if (r.contains("first_dropped_line") && r["first_dropped_line"].contains(reason))
      where = fmt::format(" (first on line {})",
                          grouped(r["first_dropped_line"][reason].get<int64_t>()));
    out += fmt::format("    {:<24}{}{}\n", reason, grouped(count.get<int64_t>()), where);
  }
}

}  // namespace

json inspect_json(const std::filesystem::path& h5, int top_items, int threads) {
  threads = std::max(threads, 1);
  LoadOptions load;
  load.threads = threads;
  const Dataset data = load_dataset(h5, load);
  const InteractionMatrices m = build_matrices(data, threads);
  const int64_t customers = data.customers(), items = data.items();

  json j = json::object();
  j["file"] = h5.string();
  j["format"] = kInteractionsFormat;
  j["format_version"] = data.format_version;
  j["interactions"] = data.log.size();
  j["customers"] = customers;
  j["items"] = items;
  const PerId counts = per_id_counts(data, m);
  add_counts(j, counts, m.customer_items.nnz(), customers, items);
  add_log_columns(j, data);

  // Most popular items: by distinct customers (ties: more rows, then file order), and by rows.
  const auto top = static_cast<std::size_t>(std::clamp<int64_t>(top_items, 0, items));
  j["top_items_by_customers"] =
      top_items_by(counts.item_customers, counts.item_rows, counts, data.item_ids, top);
  j["top_items_by_rows"] =
      top_items_by(counts.item_rows, counts.item_customers, counts, data.item_ids, top);

  if (json meta = item_metadata(data.item_meta); !meta.empty()) j["item_metadata"] = meta;
  if (json meta = customer_metadata(data.customer_meta); !meta.empty())
    j["customer_metadata"] = meta;
  if (data.import_report) j["import_report"] = parsed_import_report(*data.import_report);
  return j;
}

std::string inspect_text(const json& j) {
  std::string out;
  render_counts(out, j);
  render_log_columns(out, j);
  render_top_items(out, "by customers", j["top_items_by_customers"]);
  render_top_items(out, "by rows", j["top_items_by_rows"]);
  if (j.contains("item_metadata"))
    render_item_metadata(out, j["item_metadata"], j["items"].get<int64_t>());
  if (j.contains("customer_metadata"))
    render_customer_metadata(out, j["customer_metadata"], j["customers"].get<int64_t>());
  if (j.contains("import_report")) render_import_report(out, j["import_report"]);
  return out;
}

std::string inspect(const std::filesystem::path& h5, int top_items, int threads) {
  return inspect_text(inspect_json(h5, top_items, threads));
}

}  // namespace tailor
