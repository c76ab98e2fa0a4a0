// Campaign exports and QA gates. docs/campaign-exports.md describes the formats and the gates.
#include "host/export/campaign_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "host/core/error.hpp"
#include "host/export/writer.hpp"
#include "host/io/h5.hpp"

namespace tailor {
namespace {

inline constexpr const char* kCampaignFormat = "tailor-campaign";
inline constexpr std::int64_t kCampaignFormatVersion = 1;

// Slot names as exported, index = the Slot value (the /slots/name dataset of the HDF5 export).
const std::vector<std::string>& slot_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (int t = 0; t < kSlotTypes; ++t) v.emplace_back(to_string(static_cast<Slot>(t)));
    return v;
  }();
  return names;
}

// Checks that a list's indices fit the data and the campaign before it is written; an export
// that finds a bad list throws and leaves no file (the atomic output is abandoned).
void check_list(const CustomerList& list, std::size_t position, const Campaign& campaign,
                const Dataset& data, const std::filesystem::path& path) {
  if (list.customer >= data.customer_ids.size())
    throw RunError(fmt::format("{}: campaign list {} is for customer index {}, the data has {} "
                               "customers",
                               path.string(), position, list.customer, data.customer_ids.size()));
  if (list.tier != kNoTier &&
      (list.tier < 0 || static_cast<std::size_t>(list.tier) >= campaign.tier_names.size()))
    throw RunError(fmt::format("{}: customer {} has tier {}, the campaign has {} tier names",
                               path.string(), data.customer_ids[list.customer], list.tier,
                               campaign.tier_names.size()));
  for (std::size_t j = 0; j < list.items.size(); ++j) {
    const CampaignEntry& e = list.items[j];
    if (e.item >= data.item_ids.size())
      throw RunError(fmt::format("{}: customer {}, rank {}: item index {}, the data has {} items",
                                 path.string(), data.customer_ids[list.customer], j + 1, e.item,
                                 data.item_ids.size()));
    if (static_cast<int>(e.slot) >= kSlotTypes)
      throw RunError(fmt::format("{}: customer {}, rank {}: unknown slot type {}", path.string(),
                                 data.customer_ids[list.customer], j + 1,
                                 static_cast<int>(e.slot)));
  }
}

// Calls f(list, k) for the campaign's lists in order, each checked (check_list) before f sees it.
template <class F>
void for_each_list(const Campaign& campaign, const Dataset& data, const std::filesystem::path& path,
                   F&& f) {
  for (std::size_t k = 0; k < campaign.lists.size(); ++k) {
    check_list(campaign.lists[k], k, campaign, data, path);
    f(campaign.lists[k], k);
  }
}

const std::string& tier_name(const Campaign& campaign, int tier) {
  static const std::string none = kNoTierName;
  return tier == kNoTier ? none : campaign.tier_names[static_cast<std::size_t>(tier)];
}

const char* group_name(bool control) { return control ? "control" : "treatment"; }

// A float score as the JSON number with the fewest digits that reads back as the same float
// (0.42f is written 0.42, not 0.41999998688697815). Non-finite scores become null.
nlohmann::ordered_json json_score(float score) {
  if (!std::isfinite(score)) return nullptr;
  return std::strtod(fmt::format("{}", score).c_str(), nullptr);
}

// One JSON object for the list, keys in the documented order.
nlohmann::ordered_json list_json(const CustomerList& list, const Campaign& campaign,
                                 const Dataset& data) {
  nlohmann::ordered_json line;
  line["customer_id"] = data.customer_ids[list.customer];
  line["tier"] = tier_name(campaign, list.tier);
  line["group"] = group_name(list.control);
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const CampaignEntry& e : list.items) {
    nlohmann::ordered_json item;
    item["item_id"] = data.item_ids[e.item];
    item["score"] = json_score(e.score);
    item["slot"] = slot_names()[static_cast<std::size_t>(e.slot)];
    item["reason"] = e.reason;
    items.push_back(std::move(item));
  }
  line["items"] = std::move(items);
  return line;
}

// The HDF5 export's columns: one entry per listed item (/lists/...), one per list
// (/list_customers/...).
struct CampaignColumns {
  std::vector<std::uint32_t> customer, rank, item;
  std::vector<float> score;
  std::vector<std::uint8_t> slot;
  std::vector<std::string> reason;
  std::vector<std::uint32_t> list_customer;
  std::vector<std::int32_t> list_tier;
  std::vector<std::uint8_t> list_control;
};

CampaignColumns campaign_columns(const Campaign& campaign, const Dataset& data,
                                 const std::filesystem::path& path, ExportTally& tally) {
  std::size_t n = 0;
  for (const CustomerList& list : campaign.lists) n += list.items.size();
  CampaignColumns c;
  c.customer.reserve(n);
  c.rank.reserve(n);
  c.item.reserve(n);
  c.score.reserve(n);
  c.slot.reserve(n);
  c.reason.reserve(n);
  const std::size_t lists = campaign.lists.size();
  c.list_customer.resize(lists);
  c.list_tier.resize(lists);
  c.list_control.resize(lists);
  for_each_list(campaign, data, path, [&](const CustomerList& list, std::size_t k) {
    c.list_customer[k] = list.customer;
    c.list_tier[k] = list.tier;
    c.list_control[k] = list.control ? 1 : 0;
    tally.add(static_cast<std::int64_t>(list.items.size()), !list.items.empty());
    for (std::size_t j = 0; j < list.items.size(); ++j) {
      const CampaignEntry& e = list.items[j];
      c.customer.push_back(list.customer);
      c.rank.push_back(static_cast<std::uint32_t>(j + 1));
      c.item.push_back(e.item);
      c.score.push_back(e.score);
      c.slot.push_back(static_cast<std::uint8_t>(e.slot));
      c.reason.push_back(e.reason);
    }
  });
  return c;
}

void write_columns(h5::File& f, const CampaignColumns& c, const Campaign& campaign,
                   const Dataset& data) {
  const auto rows = static_cast<std::int64_t>(c.customer.size());
  f.write_strings("/customers/id", data.customer_ids);
  f.write_strings("/items/id", data.item_ids);
  f.write("/lists/customer", c.customer.data(), rows);
  f.write("/lists/rank", c.rank.data(), rows);
  f.write("/lists/item", c.item.data(), rows);
  f.write("/lists/score", c.score.data(), rows);
  f.write("/lists/slot", c.slot.data(), rows);
  f.write_strings("/lists/reason", c.reason);
  const auto lists = static_cast<std::int64_t>(c.list_customer.size());
  f.write("/list_customers/customer", c.list_customer.data(), lists);
  f.write("/list_customers/tier", c.list_tier.data(), lists);
  f.write("/list_customers/control", c.list_control.data(), lists);
  f.write_strings("/slots/name", slot_names());
  f.write_strings("/tiers/name", campaign.tier_names);
}

std::string percent(double share) { return fmt::format("{:.1f}%", 100.0 * share); }

// "42.0%" and "10.0%", with more digits when one decimal would show a breach as equal values.
std::pair<std::string, std::string> percents(double value, double limit) {
  std::string v = percent(value), l = percent(limit);
  if (v == l) {
    v = fmt::format("{:.4f}%", 100.0 * value);
    l = fmt::format("{:.4f}%", 100.0 * limit);
  }
  return {v, l};
}

// ---- reading a previous night ------------------------------------------------------------------

std::ifstream open_previous(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(fmt::format("{}: previous campaign export not found", path.string()));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open the previous campaign export", path.string()));
  return in;
}

// "FILE, line N", built only when a line is refused.
struct LineRef {
  const std::filesystem::path& path;
  std::int64_t line;
  [[nodiscard]] std::string str() const { return fmt::format("{}, line {}", path.string(), line); }
};

// A non-blank line as a JSON object.
nlohmann::json parse_previous_line(const std::string& text, const LineRef& at) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(fmt::format("{}: not valid JSON: {}", at.str(), e.what()));
  }
  if (!j.is_object()) throw InputError(fmt::format("{}: expected a JSON object", at.str()));
  return j;
}

// The line's "customer_id", a string.
std::string previous_customer(const nlohmann::json& j, const LineRef& at) {
  auto id = j.find("customer_id");
  if (id == j.end()) throw InputError(fmt::format("{}: no \"customer_id\"", at.str()));
  if (!id->is_string())
    throw InputError(fmt::format("{}: \"customer_id\" is {}, expected a string", at.str(),
                                 id->dump()));
  return id->get<std::string>();
}

// The line's "items", an array.
const nlohmann::json& previous_items(const nlohmann::json& j, const LineRef& at) {
  auto items = j.find("items");
  if (items == j.end()) throw InputError(fmt::format("{}: no \"items\"", at.str()));
  if (!items->is_array())
    throw InputError(fmt::format("{}: \"items\" is not an array", at.str()));
  return *items;
}

// Adds the "item_id" string of every object in items to ids; items are numbered from 1.
void add_previous_item_ids(const nlohmann::json& items, const LineRef& at,
                           std::set<std::string>& ids) {
  for (std::size_t k = 0; k < items.size(); ++k) {
    const nlohmann::json& item = items[k];
    if (!item.is_object())
      throw InputError(fmt::format("{}: item {} is not an object", at.str(), k + 1));
    auto item_id = item.find("item_id");
    if (item_id == item.end())
      throw InputError(fmt::format("{}: item {} has no \"item_id\"", at.str(), k + 1));
    if (!item_id->is_string())
      throw InputError(fmt::format("{}: item {}: \"item_id\" is {}, expected a string", at.str(),
                                   k + 1, item_id->dump()));
    ids.insert(item_id->get<std::string>());
  }
}

// ---- QA gates ---------------------------------------------------------------------------------

// What the lists add up to, before the shares are taken.
struct QaTally {
  std::int64_t short_lists = 0, empty_lists = 0;
  std::int64_t listed = 0;         // listed items outside repeat slots
  std::int64_t listed_bought = 0;  // of those, items the customer already bought
  std::vector<std::uint8_t> listed_item;  // per item: 1 = on some list
  double churn_sum = 0.0;          // sum over churn customers of their list's churn
  std::int64_t churn_customers = 0;
};

// Counts a non-empty list's items: which items are listed, and which outside repeat slots the
// customer already bought (`bought` rows hold sorted item indices).
void tally_items(const CustomerList& list, const Csr& bought, QaTally& t) {
  const auto row_begin = bought.indices.begin() + bought.indptr[list.customer];
  const auto row_end = bought.indices.begin() + bought.indptr[list.customer + 1];
  for (const CampaignEntry& e : list.items) {
    t.listed_item[e.item] = 1;
    if (e.slot == Slot::repeat) continue;  // repeat slots offer bought items on purpose
    ++t.listed;
    t.listed_bought += std::binary_search(row_begin, row_end, e.item) ? 1 : 0;
  }
}

// A non-empty list's churn against the previous night, 1 - |today ∩ yesterday| / |today| over
// distinct item ids; nullopt when the customer was not listed that night.
std::optional<double> list_churn(const CustomerList& list, const Dataset& data,
                                 const PreviousLists& previous) {
  auto prev = previous.find(data.customer_ids[list.customer]);
  if (prev == previous.end()) return std::nullopt;
  std::set<std::string> today;
  for (const CampaignEntry& e : list.items) today.insert(data.item_ids[e.item]);
  std::int64_t kept = 0;
  for (const std::string& id : today) kept += prev->second.count(id) ? 1 : 0;
  return 1.0 - static_cast<double>(kept) / static_cast<double>(today.size());
}

QaTally tally_lists(const Campaign& campaign, const Dataset& data, const Csr& bought,
                    const std::optional<PreviousLists>& previous) {
  QaTally t;
  t.listed_item.assign(data.item_ids.size(), 0);
  for_each_list(campaign, data, "qa", [&](const CustomerList& list, std::size_t) {
    const int length = list.recipe_length > 0 ? list.recipe_length : campaign.list_length;
    if (static_cast<std::int64_t>(list.items.size()) < length) ++t.short_lists;
    if (list.items.empty()) {
      ++t.empty_lists;
      return;
    }
    tally_items(list, bought, t);
    if (!previous) return;
    if (const std::optional<double> churn = list_churn(list, data, *previous)) {
      t.churn_sum += *churn;
      ++t.churn_customers;
    }
  });
  return t;
}

// The report's figures from the tally; a share over nothing stays 0 (churn: not measured).
void take_shares(const QaTally& t, const Dataset& data, QaReport& r) {
  if (r.lists > 0) {
    r.short_share = static_cast<double>(t.short_lists) / static_cast<double>(r.lists);
    r.empty_share = static_cast<double>(t.empty_lists) / static_cast<double>(r.lists);
  }
  std::int64_t available = 0, distinct = 0;
  for (std::size_t i = 0; i < data.item_ids.size(); ++i) {
    available += data.item_meta.is_available(i) ? 1 : 0;
    distinct += t.listed_item[i];
  }
  if (available > 0) r.coverage = static_cast<double>(distinct) / static_cast<double>(available);
  if (t.listed > 0)
    r.bought_share = static_cast<double>(t.listed_bought) / static_cast<double>(t.listed);
  r.churn_customers = t.churn_customers;
  if (t.churn_customers > 0) r.churn = t.churn_sum / static_cast<double>(t.churn_customers);
}

// One QA gate: the limit it checks, the figure it measures (nullopt: not measured, no breach),
// which side of the limit breaks it, and the breach sentence ({value} and {limit} as percents,
// {customers} = the report's churn_customers).
struct QaRule {
  std::optional<double> QaLimits::*limit;
  std::optional<double> (*value)(const QaReport&);
  bool minimum;  // true: a value below the limit breaks it; false: a value above it
  const char* sentence;
};

// In the order the breaches are listed.
constexpr QaRule kQaRules[] = {
    {&QaLimits::max_short_share,
     [](const QaReport& r) -> std::optional<double> { return r.short_share; }, false,
     "short lists: {value} of customers, limit {limit} (max_short_share)"},
    {&QaLimits::max_empty_share,
     [](const QaReport& r) -> std::optional<double> { return r.empty_share; }, false,
     "empty lists: {value} of customers, limit {limit} (max_empty_share)"},
    {&QaLimits::min_coverage,
     [](const QaReport& r) -> std::optional<double> { return r.coverage; }, true,
     "coverage: {value} of available items listed, minimum {limit} (min_coverage)"},
    {&QaLimits::max_bought_share,
     [](const QaReport& r) -> std::optional<double> { return r.bought_share; }, false,
     "already bought: {value} of listed items outside repeat slots, limit {limit} "
     "(max_bought_share)"},
    {&QaLimits::max_churn, [](const QaReport& r) { return r.churn; }, false,
     "churn: {value} of today's items are new (mean over {customers} customers listed both "
     "nights), limit {limit} (max_churn)"},
};

// A sentence in r.breaches for every set limit its figure breaks.
void add_breaches(const QaLimits& limits, QaReport& r) {
  for (const QaRule& rule : kQaRules) {
    const std::optional<double>& limit = limits.*rule.limit;
    const std::optional<double> value = rule.value(r);
    if (!limit || !value) continue;
    if (rule.minimum ? !(*value < *limit) : !(*value > *limit)) continue;
    auto [v, l] = percents(*value, *limit);
    r.breaches.push_back(fmt::format(fmt::runtime(rule.sentence), fmt::arg("value", v),
                                     fmt::arg("limit", l),
                                     fmt::arg("customers", r.churn_customers)));
  }
}

}  // namespace

ExportSummary export_campaign_csv(const std::filesystem::path& path, const Campaign& campaign,
                                  const Dataset& data) {
  TextExport out(path);
  out.write_header("customer_id,rank,item_id,score,slot,reason,tier,group\n");
  CsvFields item_field(data.item_ids);
  CsvFields tier_field(campaign.tier_names);
  const std::string no_tier = csv_field(kNoTierName);
  fmt::memory_buffer buf;
  for_each_list(campaign, data, path, [&](const CustomerList& list, std::size_t) {
    if (list.items.empty()) return;
    const std::string customer = csv_field(data.customer_ids[list.customer]);
    const std::string& tier =
        list.tier == kNoTier ? no_tier : tier_field[static_cast<std::size_t>(list.tier)];
    const char* group = group_name(list.control);
    for (std::size_t j = 0; j < list.items.size(); ++j) {
      const CampaignEntry& e = list.items[j];
      fmt::format_to(std::back_inserter(buf), "{},{},{},{:.7g},{},{},{},{}\n", customer, j + 1,
                     item_field[e.item], e.score, slot_names()[static_cast<std::size_t>(e.slot)],
                     csv_field(e.reason), tier, group);
    }
    out.write_customer({buf.data(), buf.size()}, static_cast<std::int64_t>(list.items.size()));
    buf.clear();
  });
  return out.commit();
}

ExportSummary export_campaign_jsonl(const std::filesystem::path& path, const Campaign& campaign,
                                    const Dataset& data) {
  TextExport out(path);
  for_each_list(campaign, data, path, [&](const CustomerList& list, std::size_t) {
    const nlohmann::ordered_json line = list_json(list, campaign, data);
    std::string text;
    try {
      text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict);
    } catch (const nlohmann::ordered_json::type_error& e) {
      throw InputError(fmt::format("{}: the list of customer index {} holds text that is not "
                                   "valid UTF-8 (customer id, item id or reason): {}",
                                   path.string(), list.customer, e.what()));
    }
    text += '\n';
    out.write_customer(text, 1, !list.items.empty());  // a line per list, the empty ones too
  });
  return out.commit();
}

ExportSummary export_campaign_h5(const std::filesystem::path& path, const Campaign& campaign,
                                 const Dataset& data) {
  ExportTally tally(path);
  h5::create_atomically(path, kCampaignFormat, kCampaignFormatVersion, [&](h5::File& f) {
    f.set_attr("/", "campaign_id", campaign.campaign_id);
    f.set_attr("/", "campaign_time", campaign.campaign_time);
    f.set_attr("/", "list_length", static_cast<std::int64_t>(campaign.list_length));
    write_columns(f, campaign_columns(campaign, data, path, tally), campaign, data);
  });
  std::error_code ec;
  const std::uint64_t bytes = std::filesystem::file_size(path, ec);
  return tally.finish(ec ? 0 : bytes);
}

PreviousLists read_previous_jsonl(const std::filesystem::path& path) {
  std::ifstream in = open_previous(path);
  PreviousLists out;
  std::map<std::string, std::int64_t> first_line;
  std::string text;
  std::int64_t line_no = 0;
  while (std::getline(in, text)) {
    ++line_no;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    const LineRef at{path, line_no};
    const nlohmann::json j = parse_previous_line(text, at);
    const std::string customer = previous_customer(j, at);
    const nlohmann::json& items = previous_items(j, at);
    auto [seen, fresh] = first_line.emplace(customer, line_no);
    if (!fresh)
      throw InputError(fmt::format("{}: customer {} is listed again (first on line {})", at.str(),
                                   customer, seen->second));
    add_previous_item_ids(items, at, out[customer]);
  }
  if (in.bad())
    throw InputError(fmt::format("{}: read error after line {}", path.string(), line_no));
  return out;
}

nlohmann::json QaReport::to_json() const {
  nlohmann::json j;
  j["lists"] = lists;
  j["short_share"] = short_share;
  j["empty_share"] = empty_share;
  j["coverage"] = coverage;
  j["bought_share"] = bought_share;
  j["churn"] = churn ? nlohmann::json(*churn) : nlohmann::json(nullptr);
  j["churn_customers"] = churn_customers;
  j["breaches"] = breaches;
  j["passed"] = passed();
  return j;
}

QaReport qa_check(const Campaign& campaign, const Dataset& data, const Csr& bought,
                  const std::optional<PreviousLists>& previous, const QaLimits& limits) {
  if (bought.rows != data.customers() || bought.cols != data.items())
    throw InputError(fmt::format("qa: the bought matrix is {} x {}, the data has {} customers "
                                 "and {} items",
                                 bought.rows, bought.cols, data.customers(), data.items()));
  QaReport r;
  r.lists = static_cast<std::int64_t>(campaign.lists.size());
  take_shares(tally_lists(campaign, data, bought, previous), data, r);
  add_breaches(limits, r);
  return r;
}

}  // namespace tailor
