// The per-customer inputs of the rules: the blocklist file, negative events, due items.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "host/campaign/inputs.hpp"
#include "host/core/error.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kT0 = 1700000000;

Dataset shop() {
  Dataset d;
  d.path = "shop.h5";
  d.customer_ids = {"u0", "u1", "u2"};
  d.item_ids = {"a", "b", "c"};
  return d;
}

using Items = std::vector<std::uint32_t>;

std::string error_of(const std::filesystem::path& path, const Dataset& d) {
  try {
    (void)read_blocklist(path, d);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CampaignInputs, BlocklistPairsSortedUniqueAndUnknownsCounted) {
  testing::TempDir dir;
  const Dataset d = shop();
  {
    std::ofstream f(dir / "b.csv");
    f << "customer_id,item_id\nu1,c\nu1,a\n\"u1\",c\n\nghost,a\nu0,nope\nu2,b\n";
  }
  const Blocklist b = read_blocklist(dir / "b.csv", d);
  EXPECT_EQ(b.rows, 6);  // the blank line is not a row
  EXPECT_EQ(b.unknown, 2);
  ASSERT_EQ(b.items.size(), 3u);
  EXPECT_EQ(b.items[0], Items{});
  EXPECT_EQ(b.items[1], (Items{0, 2}));
  EXPECT_EQ(b.items[2], (Items{1}));
  // No blocklist in the config: an empty list per customer, no rows.
  const Blocklist none = load_blocklist(CampaignConfig{}, d);
  EXPECT_EQ(none.items.size(), 3u);
  EXPECT_EQ(none.rows, 0);
}

TEST(CampaignInputs, BlocklistErrorsNameTheFileAndLine) {
  testing::TempDir dir;
  const Dataset d = shop();
  {
    std::ofstream(dir / "header.csv") << "customer,item\nu0,a\n";
    std::ofstream(dir / "fields.csv") << "customer_id,item_id\nu0,a\nu1,b,c\n";
    std::ofstream(dir / "empty.csv") << "";
  }
  EXPECT_NE(error_of(dir / "header.csv", d).find("header.csv: line 1: the blocklist header"),
            std::string::npos);
  EXPECT_NE(error_of(dir / "fields.csv", d).find("fields.csv: line 3: expected 2 fields"),
            std::string::npos);
  EXPECT_NE(error_of(dir / "empty.csv", d).find("the blocklist is empty"), std::string::npos);
}

TEST(CampaignInputs, NegativeEventsUpToTheCampaignDate) {
  Dataset d = shop();
  d.event_names = {"purchase", "return", "complaint", "unsubscribe"};
  // u0 returns c, then b, then c again; u1 complains about a; u2 unsubscribes after the date.
  d.log.customer = {0, 0, 0, 1, 2, 1};
  d.log.item = {2, 1, 2, 0, 0, 1};
  d.log.event = {1, 1, 1, 2, 3, 0};
  d.log.time = {kT0, kT0, kT0, kT0, kT0 + 2 * kDay, kT0};
  CampaignConfig cfg;
  cfg.negative_events["return"] = NegativeAction::remove;
  cfg.negative_events["complaint"] = NegativeAction::demote;
  cfg.negative_events["unsubscribe"] = NegativeAction::suppress;
  const NegativeEvents ev = read_negative_events(d, cfg, kT0 + kDay);
  EXPECT_EQ(ev.removed[0], (Items{1, 2}));
  EXPECT_EQ(ev.demoted[1], (Items{0}));
  EXPECT_EQ(ev.suppressed, (std::vector<std::uint8_t>{0, 0, 0}));
  EXPECT_EQ(read_negative_events(d, cfg, kT0 + 3 * kDay).suppressed,
            (std::vector<std::uint8_t>{0, 0, 1}));
  // Per event index: the action, -1 for events that are not negative.
  EXPECT_EQ(negative_actions(d, cfg), (std::vector<int>{-1, 0, 1, 2}));
  cfg.negative_events["refund"] = NegativeAction::remove;
  EXPECT_THROW(read_negative_events(d, cfg, kT0), InputError);
  d.log.event.clear();
  cfg.negative_events.erase("refund");
  EXPECT_THROW(read_negative_events(d, cfg, kT0), InputError);  // no event column
  EXPECT_EQ(read_negative_events(d, CampaignConfig{}, kT0).removed.size(), 3u);
}

TEST(CampaignInputs, DueItemsOnlyForRepeatSlots) {
  Dataset d = shop();
  // u1 buys b every 10 days, 6 times; at the campaign date the next purchase is due.
  for (int r = 0; r < 6; ++r) {
    d.log.customer.push_back(1);
    d.log.item.push_back(1);
    d.log.time.push_back(kT0 + r * 10 * kDay);
  }
  CampaignConfig cfg;
  cfg.replenish.min_item_intervals = 3;
  const std::int64_t at = kT0 + 60 * kDay;
  const auto due = due_by_customer(d, cfg, at, true);
  ASSERT_EQ(due.size(), 3u);
  ASSERT_EQ(due[1].size(), 1u);
  EXPECT_EQ(due[1][0].item, 1u);
  EXPECT_TRUE(due[0].empty());
  const auto none = due_by_customer(d, cfg, at, false);
  ASSERT_EQ(none.size(), 3u);
  EXPECT_TRUE(none[1].empty());
}

}  // namespace
}  // namespace tailor
