#include "host/campaign/inputs.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string_view>

#include "host/data/ids.hpp"
#include "host/core/error.hpp"
#include "host/io/csv.hpp"

namespace tailor {
namespace {

void sort_unique(std::vector<std::vector<std::uint32_t>>& lists) {
  for (auto& v : lists) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
}

void check_blocklist_header(const std::vector<std::string_view>& f, const std::string& file,
                            std::int64_t line) {
  if (f.size() != 2 || f[0] != "customer_id" || f[1] != "item_id")
    throw InputError(fmt::format(
        "{}: line {}: the blocklist header must be \"customer_id,item_id\", found \"{}\"", file,
        line, fmt::join(f, ",")));
}

}  // namespace

Blocklist read_blocklist(const std::filesystem::path& path, const Dataset& data) {
  const std::string file = path.string();
  Blocklist b;
  b.items.resize(data.customer_ids.size());
  const IdIndex customers = index_of(data.customer_ids);
  const IdIndex items = index_of(data.item_ids);
  bool header = true;
  read_csv_records(path, ',', [&](const std::vector<std::string_view>& f, std::int64_t line) {
    if (header) {
      check_blocklist_header(f, file, line);
      header = false;
      return;
    }
    if (f.size() != 2)
      throw InputError(fmt::format("{}: line {}: expected 2 fields (customer_id,item_id), found {}",
                                   file, line, f.size()));
    ++b.rows;
    auto c = customers.find(f[0]);
    auto i = items.find(f[1]);
    if (c == customers.end() || i == items.end()) {
      ++b.unknown;
      return;
    }
    b.items[c->second].push_back(i->second);
  });
  if (header) throw InputError(fmt::format("{}: the blocklist is empty (no header row)", file));
  sort_unique(b.items);
  return b;
}

Blocklist load_blocklist(const CampaignConfig& config, const Dataset& data) {
  Blocklist b;
  if (!config.blocklist) {
    b.items.resize(static_cast<std::size_t>(data.customers()));
    return b;
  }
  b = read_blocklist(*config.blocklist, data);
  if (b.unknown > 0)
    spdlog::warn("campaign: {} of {} blocklist rows name a customer or item not in {}", b.unknown,
                 b.rows, data.path.string());
  return b;
}

std::vector<int> negative_actions(const Dataset& data, const CampaignConfig& config) {
  std::vector<int> action(data.event_names.size(), -1);
  for (const auto& [name, a] : config.negative_events) {
    const int e = data.event_index(name);
    if (e < 0)
      throw InputError(fmt::format("[suppression] {}: {} has no event \"{}\"; its events are {}",
                                   name, data.path.string(), name,
                                   fmt::join(data.event_names, ", ")));
    action[static_cast<std::size_t>(e)] = static_cast<int>(a);
  }
  return action;
}

NegativeEvents read_negative_events(const Dataset& data, const CampaignConfig& config,
                                    std::int64_t campaign_time) {
  const auto n_customers = static_cast<std::size_t>(data.customers());
  NegativeEvents ev;
  ev.removed.resize(n_customers);
  ev.demoted.resize(n_customers);
  ev.suppressed.assign(n_customers, 0);
  if (config.negative_events.empty()) return ev;
  const InteractionLog& log = data.log;
  if (log.event.empty())
    throw InputError(fmt::format(
        "{}: [suppression] names negative events but the file has no /interactions/event column",
        data.path.string()));
  const std::vector<int> action = negative_actions(data, config);
  const bool has_time = !log.time.empty();
  for (std::int64_t r = 0; r < log.size(); ++r) {
    const int a = action[log.event[r]];
    if (a < 0 || (has_time && log.time[r] > campaign_time)) continue;
    const std::uint32_t c = log.customer[r], i = log.item[r];
    switch (static_cast<NegativeAction>(a)) {
      case NegativeAction::remove: ev.removed[c].push_back(i); break;
      case NegativeAction::demote: ev.demoted[c].push_back(i); break;
      case NegativeAction::suppress: ev.suppressed[c] = 1; break;
    }
  }
  sort_unique(ev.removed);
  sort_unique(ev.demoted);
  return ev;
}

std::vector<bool> interaction_rows(const Dataset& data, const CampaignConfig& config) {
  if (config.negative_events.empty() || data.log.event.empty()) return {};
  const std::vector<int> action = negative_actions(data, config);
  std::vector<bool> keep(static_cast<std::size_t>(data.log.size()));
  bool any_dropped = false;
  for (std::int64_t r = 0; r < data.log.size(); ++r) {
    keep[static_cast<std::size_t>(r)] = action[data.log.event[r]] < 0;
    any_dropped |= !keep[static_cast<std::size_t>(r)];
  }
  if (!any_dropped) return {};
  return keep;
}

std::vector<std::vector<DueItem>> due_by_customer(const Dataset& data, const CampaignConfig& config,
                                                  std::int64_t campaign_time, bool repeat_slots) {
  std::vector<std::vector<DueItem>> due(static_cast<std::size_t>(data.customers()));
  if (!repeat_slots) return due;
  ReplenishOptions replenish = config.replenish;
  replenish.purchase_event = config.tiers.purchase_event;
  for (DueItem& d : due_items(data, campaign_time, replenish)) due[d.customer].push_back(d);
  return due;
}

CustomerInputs customer_inputs(const Dataset& data, const CampaignConfig& config,
                               std::int64_t campaign_time, bool repeat_slots) {
  CustomerInputs in;
  in.blocklist = load_blocklist(config, data);
  in.events = read_negative_events(data, config, campaign_time);
  in.due = due_by_customer(data, config, campaign_time, repeat_slots);
  return in;
}

}  // namespace tailor
