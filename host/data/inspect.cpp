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
  const std::size_t mid = counts.size() / 2;
  std::nth_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(mid), counts.end());
  double median = static_cast<double>(counts[mid]);
  if (counts.size() % 2 == 0) {
    const int64_t below =
        *std::max_element(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(mid));
    median = (median + static_cast<double>(below)) / 2.0;
  }
  d["median"] = median;
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
    if (!known.empty()) {
      const std::size_t mid = known.size() / 2;
      std::nth_element(known.begin(), known.begin() + static_cast<std::ptrdiff_t>(mid), known.end());
      double median = known[mid];
      if (known.size() % 2 == 0)
        median = (median + *std::max_element(known.begin(),
                                             known.begin() + static_cast<std::ptrdiff_t>(mid))) /
                 2.0;
      j["price_median"] = median;
    }
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

}  // namespace

json inspect_json(const std::filesystem::path& h5, int top_items, int threads) {
  threads = std::max(threads, 1);
  LoadOptions load;
  load.threads = threads;
  const Dataset data = load_dataset(h5, load);
  const InteractionMatrices m = build_matrices(data, threads);
  const InteractionLog& log = data.log;
  const int64_t customers = data.customers(), items = data.items();

  json j = json::object();
  j["file"] = h5.string();
  j["format"] = kInteractionsFormat;
  j["format_version"] = data.format_version;
  j["interactions"] = log.size();
  j["customers"] = customers;
  j["items"] = items;

  const std::vector<int64_t> customer_rows = occurrences(log.customer, customers);
  const std::vector<int64_t> item_rows = occurrences(log.item, items);
  const std::vector<int64_t> customer_items = row_lengths(m.customer_items);
  const std::vector<int64_t> item_customers = row_lengths(m.item_customers);
  auto nonzero = [](const std::vector<int64_t>& v) {
    return std::count_if(v.begin(), v.end(), [](int64_t x) { return x > 0; });
  };
  j["customers_with_interactions"] = nonzero(customer_rows);
  j["items_with_interactions"] = nonzero(item_rows);
  const int64_t pairs = m.customer_items.nnz();
  j["pairs"] = pairs;
  j["density"] = customers > 0 && items > 0
                     ? static_cast<double>(pairs) /
                           (static_cast<double>(customers) * static_cast<double>(items))
                     : 0.0;
  j["per_customer"] = {{"rows", distribution(customer_rows)},
                       {"items", distribution(customer_items)}};
  j["per_item"] = {{"rows", distribution(item_rows)}, {"customers", distribution(item_customers)}};

  if (!log.time.empty()) {
    const auto [lo, hi] = std::minmax_element(log.time.begin(), log.time.end());
    j["time"] = {{"first", iso_time(*lo, false)},
                 {"last", iso_time(*hi, false)},
                 {"first_date", iso_time(*lo, true)},
                 {"last_date", iso_time(*hi, true)},
                 {"first_unix", *lo},
                 {"last_unix", *hi},
                 {"days", calendar_day(*hi) - calendar_day(*lo) + 1}};
  }
  if (!log.quantity.empty())
    j["quantity_total"] = std::accumulate(log.quantity.begin(), log.quantity.end(), 0.0);
  if (!log.value.empty())
    j["value_total"] = std::accumulate(log.value.begin(), log.value.end(), 0.0);
  if (!log.event.empty()) {
    std::vector<int64_t> per_event(data.event_names.size(), 0);
    for (std::uint8_t e : log.event) ++per_event[e];
    json events = json::array();
    for (std::size_t e = 0; e < per_event.size(); ++e)
      events.push_back({{"name", data.event_names[e]}, {"rows", per_event[e]}});
    j["events"] = events;
  }

  // Most popular items: by distinct customers (ties: more rows, then file order), and by rows.
  const auto top = static_cast<std::size_t>(std::clamp<int64_t>(top_items, 0, items));
  auto ranking = [&](const std::vector<int64_t>& first, const std::vector<int64_t>& second) {
    std::vector<std::uint32_t> order(static_cast<std::size_t>(items));
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
      if (item_rows[i] == 0) break;
      list.push_back(
          {{"id", data.item_ids[i]}, {"customers", item_customers[i]}, {"rows", item_rows[i]}});
    }
    return list;
  };
  j["top_items_by_customers"] = ranking(item_customers, item_rows);
  j["top_items_by_rows"] = ranking(item_rows, item_customers);

  if (json meta = item_metadata(data.item_meta); !meta.empty()) j["item_metadata"] = meta;
  if (json meta = customer_metadata(data.customer_meta); !meta.empty())
    j["customer_metadata"] = meta;

  if (data.import_report) {
    json report = json::parse(*data.import_report, nullptr, /*allow_exceptions=*/false);
    j["import_report"] = report.is_discarded() ? json(*data.import_report) : report;
  }
  return j;
}

std::string inspect_text(const json& j) {
  std::string out;
  auto line = [&](const char* label, const std::string& value) {
    out += fmt::format("  {:<22}{}\n", label, value);
  };
  out += fmt::format("{} (format {} version {})\n", j["file"].get<std::string>(),
                     j["format"].get<std::string>(), j["format_version"].get<int64_t>());
  const int64_t customers = j["customers"].get<int64_t>();
  const int64_t items = j["items"].get<int64_t>();
  const int64_t with_c = j["customers_with_interactions"].get<int64_t>();
  const int64_t with_i = j["items_with_interactions"].get<int64_t>();
  line("interactions", grouped(j["interactions"].get<int64_t>()));
  line("customers",
       grouped(customers) + (with_c != customers
                                 ? fmt::format(" ({} with interactions)", grouped(with_c))
                                 : std::string()));
  line("items",
       grouped(items) + (with_i != items ? fmt::format(" ({} with interactions)", grouped(with_i))
                                         : std::string()));
  line("customer-item pairs",
       fmt::format("{} (density {:.3g}%)", grouped(j["pairs"].get<int64_t>()),
                   100.0 * j["density"].get<double>()));
  line("rows per customer", stats_line(j["per_customer"]["rows"]));
  line("items per customer", stats_line(j["per_customer"]["items"]));
  line("rows per item", stats_line(j["per_item"]["rows"]));
  line("customers per item", stats_line(j["per_item"]["customers"]));
  if (j.contains("time")) {
    const json& t = j["time"];
    line("dates",
         fmt::format("{} .. {} ({} days, UTC)", t["first_date"].get<std::string>(),
                     t["last_date"].get<std::string>(), grouped(t["days"].get<int64_t>())));
  }
  if (j.contains("quantity_total"))
    line("quantity total", amount(j["quantity_total"].get<double>()));
  if (j.contains("value_total")) line("value total", amount(j["value_total"].get<double>()));
  if (j.contains("events")) {
    std::string ev;
    for (const json& e : j["events"])
      ev += fmt::format("{}{} {}", ev.empty() ? "" : ", ", e["name"].get<std::string>(),
                        grouped(e["rows"].get<int64_t>()));
    line("events", ev);
  }

  auto top_list = [&](const char* title, const json& list) {
    if (list.empty()) return;
    out += fmt::format("top {} items {}:\n", list.size(), title);
    std::size_t width = 0;
    for (const json& e : list) width = std::max(width, e["id"].get<std::string>().size());
    int rank = 0;
    for (const json& e : list)
      out += fmt::format("  {:>3}. {:<{}}  {} customers, {} rows\n", ++rank,
                         e["id"].get<std::string>(), width, grouped(e["customers"].get<int64_t>()),
                         grouped(e["rows"].get<int64_t>()));
  };
  top_list("by customers", j["top_items_by_customers"]);
  top_list("by rows", j["top_items_by_rows"]);

  // "12 (3.4%)" of a total.
  auto share = [](int64_t n, int64_t total) {
    return fmt::format("{} ({:.1f}%)", grouped(n),
                       total > 0 ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0);
  };
  auto groups = [&](const char* label, const char* count_key, const char* with_key,
                    const char* top_key, const json& m, const char* of, int64_t total) {
    if (!m.contains(count_key)) return;
    line(label, fmt::format("{} distinct, {} of {} {} have one", grouped(m[count_key].get<int64_t>()),
                            share(m[with_key].get<int64_t>(), total), grouped(total), of));
    std::string top;
    for (const json& g : m[top_key])
      top += fmt::format("{}{} {}", top.empty() ? "" : ", ", g["name"].get<std::string>(),
                         grouped(g["count"].get<int64_t>()));
    if (!top.empty()) line("", "largest: " + top);
  };
  if (j.contains("item_metadata")) {
    const json& m = j["item_metadata"];
    out += "item metadata:\n";
    groups("categories", "categories", "items_with_category", "top_categories", m, "items", items);
    if (m.contains("items_with_name"))
      line("with a name", share(m["items_with_name"].get<int64_t>(), items));
    if (m.contains("items_with_price"))
      line("with a price",
           share(m["items_with_price"].get<int64_t>(), items) +
               (m.contains("price_median")
                    ? fmt::format(", median {:.2f}", m["price_median"].get<double>())
                    : std::string()));
    if (m.contains("items_unavailable"))
      line("unavailable", share(m["items_unavailable"].get<int64_t>(), items));
  }
  if (j.contains("customer_metadata")) {
    const json& m = j["customer_metadata"];
    out += "customer metadata:\n";
    if (m.contains("customers_opted_out"))
      line("opted out", share(m["customers_opted_out"].get<int64_t>(), customers));
    groups("segments", "segments", "customers_with_segment", "top_segments", m, "customers",
           customers);
    groups("channels", "channels", "customers_with_channel", "top_channels", m, "customers",
           customers);
  }

  if (j.contains("import_report")) {
    const json& r = j["import_report"];
    if (r.is_object() && r.contains("rows_read") && r.contains("rows_kept")) {
      out += fmt::format(
          "import report{}:\n",
          r.contains("source") ? " (from " + r["source"].get<std::string>() + ")" : std::string());
      const int64_t read = r["rows_read"].get<int64_t>();
      const int64_t kept = r["rows_kept"].get<int64_t>();
      line("rows read", grouped(read));
      line("rows kept", grouped(kept));
      line("rows dropped", grouped(read - kept));
      if (r.contains("dropped") && r["dropped"].is_object()) {
        for (const auto& [reason, count] : r["dropped"].items()) {
          std::string where;
          if (r.contains("first_dropped_line") && r["first_dropped_line"].contains(reason))
            where = fmt::format(" (first on line {})",
                                grouped(r["first_dropped_line"][reason].get<int64_t>()));
          out += fmt::format("    {:<24}{}{}\n", reason, grouped(count.get<int64_t>()), where);
        }
      }
    } else {
      out += "import report: " + (r.is_string() ? r.get<std::string>() : r.dump()) + "\n";
    }
  }
  return out;
}

std::string inspect(const std::filesystem::path& h5, int top_items, int threads) {
  return inspect_text(inspect_json(h5, top_items, threads));
}

}  // namespace tailor
