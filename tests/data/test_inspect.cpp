// `tailor inspect` on hand-made files whose figures are worked out in the comments: the JSON
// summary (counts, density, distributions, date range, totals, top items, metadata, import
// report) and the text rendered from it, line by line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/data/dataset.hpp"
#include "host/data/inspect.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kMarch1 = 1614556800;  // 2021-03-01 00:00:00 UTC
constexpr std::int64_t kDay = 86400;

// Five customers (c3, c4 without rows), six items (V without rows). Rows (customer, item):
//    0: c0 A    1: c0 A    2: c0 BB (view)    3: c1 A    4: c1 W (view)
//    5: c2 BB   6..9: c2 Z (4 rows)           10: c1 X
// Rows per customer 3, 3, 5, 0, 0 (median 3, mean 2.2); distinct items per customer 2, 3, 2,
// 0, 0 (median 2, mean 1.4); 7 pairs of 5 x 6 (density 7/30).
// Rows per item A 3, BB 2, Z 4, X 1, W 1, V 0 (median 1.5, mean 11/6); customers per item 2, 2,
// 1, 1, 1, 0 (median 1, mean 7/6).
// Times: row 0 at 2021-03-01 10:00, row 9 at 2021-03-31 23:59:59, the rest in between: 31 days.
// Quantity 1234556.5 on row 0 and 1 on the other ten; value 100000 on each row.
Dataset hand_dataset() {
  Dataset d;
  d.format_version = kInteractionsFormatVersion;
  d.customer_ids = {"c0", "c1", "c2", "c3", "c4"};
  d.item_ids = {"A", "BB", "Z", "X", "W", "V"};
  d.event_names = {"purchase", "view"};
  d.log.customer = {0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 1};
  d.log.item = {0, 0, 1, 0, 4, 1, 2, 2, 2, 2, 3};
  d.log.time.assign(11, kMarch1 + 5 * kDay);
  d.log.time[0] = kMarch1 + 10 * 3600;
  d.log.time[9] = kMarch1 + 31 * kDay - 1;
  d.log.quantity.assign(11, 1.0f);
  d.log.quantity[0] = 1234556.5f;
  d.log.value.assign(11, 100000.0f);
  d.log.event.assign(11, 0);
  d.log.event[2] = 1;
  d.log.event[4] = 1;
  // Categories: A, Z, W mugs; BB bowls; X, V none. Names on A and BB. Prices 2.5, 4, 1, 3 known
  // (median 2.75). V unavailable.
  d.item_meta.category_names = {"mugs", "bowls"};
  d.item_meta.category = {0, 1, 0, kNoCategory, 0, kNoCategory};
  d.item_meta.name = {"Mug A", "Bowl", "", "", "", ""};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  d.item_meta.price = {2.5f, nan, 4.0f, 1.0f, nan, 3.0f};
  d.item_meta.available = {1, 1, 1, 1, 1, 0};
  // c1 and c4 opted out; segments gold (c0, c2, c4) and silver (c1); c3 none; no channels.
  d.customer_meta.opt_out = {0, 1, 0, 0, 1};
  d.customer_meta.segment_names = {"gold", "silver"};
  d.customer_meta.segment = {0, 1, 0, kNoCategory, 0};
  d.import_report =
      R"({"source": "x.csv", "rows_read": 1234, "rows_kept": 11,)"
      R"( "dropped": {"blank_customer": 1223}, "first_dropped_line": {"blank_customer": 7}})";
  return d;
}

std::vector<std::string> ids(const json& list) {
  std::vector<std::string> out;
  for (const json& e : list) out.push_back(e["id"].get<std::string>());
  return out;
}

TEST(Inspect, CountsDensityAndDistributions) {
  testing::TempDir dir;
  write_dataset(dir / "hand.h5", hand_dataset());
  const json j = inspect_json(dir / "hand.h5", 4);
  EXPECT_EQ(j["file"], (dir / "hand.h5").string());
  EXPECT_EQ(j["format"], "tailor-interactions");
  EXPECT_EQ(j["interactions"], 11);
  EXPECT_EQ(j["customers"], 5);
  EXPECT_EQ(j["items"], 6);
  EXPECT_EQ(j["customers_with_interactions"], 3);
  EXPECT_EQ(j["items_with_interactions"], 5);
  EXPECT_EQ(j["pairs"], 7);
  EXPECT_DOUBLE_EQ(j["density"].get<double>(), 7.0 / 30.0);
  const json& rows = j["per_customer"]["rows"];
  EXPECT_EQ(rows["min"], 0);
  EXPECT_EQ(rows["median"], 3.0);  // odd count: the middle value
  EXPECT_DOUBLE_EQ(rows["mean"].get<double>(), 2.2);
  EXPECT_EQ(rows["max"], 5);
  EXPECT_EQ(j["per_customer"]["items"]["median"], 2.0);
  EXPECT_EQ(j["per_customer"]["items"]["max"], 3);
  EXPECT_EQ(j["per_item"]["rows"]["median"], 1.5);  // even count: mean of the middle two
  EXPECT_DOUBLE_EQ(j["per_item"]["rows"]["mean"].get<double>(), 11.0 / 6.0);
  EXPECT_EQ(j["per_item"]["customers"]["median"], 1.0);
  EXPECT_EQ(j["per_item"]["customers"]["max"], 2);
}

TEST(Inspect, DateRangeTotalsAndEvents) {
  testing::TempDir dir;
  write_dataset(dir / "hand.h5", hand_dataset());
  const json j = inspect_json(dir / "hand.h5", 4);
  const json& t = j["time"];
  EXPECT_EQ(t["first"], "2021-03-01T10:00:00Z");
  EXPECT_EQ(t["last"], "2021-03-31T23:59:59Z");
  EXPECT_EQ(t["first_date"], "2021-03-01");
  EXPECT_EQ(t["last_date"], "2021-03-31");
  EXPECT_EQ(t["first_unix"], kMarch1 + 10 * 3600);
  EXPECT_EQ(t["days"], 31);  // both ends counted
  EXPECT_DOUBLE_EQ(j["quantity_total"].get<double>(), 1234566.5);
  EXPECT_DOUBLE_EQ(j["value_total"].get<double>(), 1100000.0);
  EXPECT_EQ(j["events"], json::parse(R"([{"name": "purchase", "rows": 9},
                                         {"name": "view", "rows": 2}])"));

  // Calendar days round down before 1970 too: one second before and a day after the epoch
  // span 1969-12-31 .. 1970-01-02. A file without the optional columns has none of their keys.
  Dataset d;
  d.format_version = kInteractionsFormatVersion;
  d.customer_ids = {"a", "b"};
  d.item_ids = {"p", "q"};
  d.log.customer = {0, 1};
  d.log.item = {1, 0};
  d.log.time = {-1, kDay + 5};
  write_dataset(dir / "old.h5", d);
  const json old = inspect_json(dir / "old.h5");
  EXPECT_EQ(old["time"]["first"], "1969-12-31T23:59:59Z");
  EXPECT_EQ(old["time"]["last_date"], "1970-01-02");
  EXPECT_EQ(old["time"]["days"], 3);
  for (const char* key : {"quantity_total", "value_total", "events", "item_metadata",
                          "customer_metadata", "import_report"})
    EXPECT_FALSE(old.contains(key)) << key;
}

TEST(Inspect, TopItemsByCustomersAndByRows) {
  testing::TempDir dir;
  write_dataset(dir / "hand.h5", hand_dataset());
  const json j = inspect_json(dir / "hand.h5", 4);
  // By customers: A and BB have 2 (A has more rows), then Z (4 rows), then X and W tie on
  // everything: file order, X first (not by id).
  EXPECT_EQ(ids(j["top_items_by_customers"]), (std::vector<std::string>{"A", "BB", "Z", "X"}));
  EXPECT_EQ(j["top_items_by_customers"][2], json::parse(R"({"id": "Z", "customers": 1,
                                                            "rows": 4})"));
  EXPECT_EQ(ids(j["top_items_by_rows"]), (std::vector<std::string>{"Z", "A", "BB", "X"}));
  // More asked for than there are items: never an item without rows (V), never more than the
  // items; zero asked for: empty lists.
  EXPECT_EQ(ids(inspect_json(dir / "hand.h5", 100)["top_items_by_rows"]),
            (std::vector<std::string>{"Z", "A", "BB", "X", "W"}));
  EXPECT_TRUE(inspect_json(dir / "hand.h5", 0)["top_items_by_customers"].empty());
}

TEST(Inspect, MetadataAndImportReport) {
  testing::TempDir dir;
  write_dataset(dir / "hand.h5", hand_dataset());
  const json j = inspect_json(dir / "hand.h5", 4);
  EXPECT_EQ(j["item_metadata"], json::parse(R"({"categories": 2, "items_with_category": 4,
      "top_categories": [{"name": "mugs", "count": 3}, {"name": "bowls", "count": 1}],
      "items_with_name": 2, "items_with_price": 4, "price_median": 2.75,
      "items_unavailable": 1})"));
  EXPECT_EQ(j["customer_metadata"], json::parse(R"({"customers_opted_out": 2, "segments": 2,
      "customers_with_segment": 4,
      "top_segments": [{"name": "gold", "count": 3}, {"name": "silver", "count": 1}]})"));
  EXPECT_EQ(j["import_report"]["rows_read"], 1234);
  EXPECT_EQ(j["import_report"]["dropped"]["blank_customer"], 1223);
}

TEST(Inspect, TextLineByLine) {
  testing::TempDir dir;
  write_dataset(dir / "hand.h5", hand_dataset());
  const std::string expected = (dir / "hand.h5").string() +
                               " (format tailor-interactions version 1)\n"
                               "  interactions          11\n"
                               "  customers             5 (3 with interactions)\n"
                               "  items                 6 (5 with interactions)\n"
                               "  customer-item pairs   7 (density 23.3%)\n"
                               "  rows per customer     min 0, median 3, mean 2.2, max 5\n"
                               "  items per customer    min 0, median 2, mean 1.4, max 3\n"
                               "  rows per item         min 0, median 1.5, mean 1.8, max 4\n"
                               "  customers per item    min 0, median 1, mean 1.2, max 2\n"
                               "  dates                 2021-03-01 .. 2021-03-31 (31 days, UTC)\n"
                               "  quantity total        1,234,566.50\n"
                               "  value total           1,100,000\n"
                               "  events                purchase 9, view 2\n"
                               "top 4 items by customers:\n"
                               "    1. A   2 customers, 3 rows\n"
                               "    2. BB  2 customers, 2 rows\n"
                               "    3. Z   1 customers, 4 rows\n"
                               "    4. X   1 customers, 1 rows\n"
                               "top 4 items by rows:\n"
                               "    1. Z   1 customers, 4 rows\n"
                               "    2. A   2 customers, 3 rows\n"
                               "    3. BB  2 customers, 2 rows\n"
                               "    4. X   1 customers, 1 rows\n"
                               "item metadata:\n"
                               "  categories            2 distinct, 4 (66.7%) of 6 items have one\n"
                               "                        largest: mugs 3, bowls 1\n"
                               "  with a name           2 (33.3%)\n"
                               "  with a price          4 (66.7%), median 2.75\n"
                               "  unavailable           1 (16.7%)\n"
                               "customer metadata:\n"
                               "  opted out             2 (40.0%)\n"
                               "  segments              2 distinct, 4 (80.0%) of 5 customers "
                               "have one\n"
                               "                        largest: gold 3, silver 1\n"
                               "import report (from x.csv):\n"
                               "  rows read             1,234\n"
                               "  rows kept             11\n"
                               "  rows dropped          1,223\n"
                               "    blank_customer          1,223 (first on line 7)\n";
  EXPECT_EQ(inspect(dir / "hand.h5", 4), expected);
}

TEST(Inspect, TextOfOptionalParts) {
  testing::TempDir dir;
  Dataset d = hand_dataset();
  d.import_report = "not json";
  write_dataset(dir / "hand.h5", d);
  json j = inspect_json(dir / "hand.h5", 4);
  // A report that does not parse is kept as a string and printed as is.
  EXPECT_EQ(j["import_report"], "not json");
  EXPECT_THAT(inspect_text(j), HasSubstr("\nimport report: not json\n"));
  // A report without row counts is printed as one line of JSON.
  j["import_report"] = {{"note", "x"}};
  EXPECT_THAT(inspect_text(j), HasSubstr("\nimport report: {\"note\":\"x\"}\n"));
  // An empty top list prints no heading; every id having interactions drops the "with" part.
  j["top_items_by_rows"] = json::array();
  j["customers_with_interactions"] = 5;
  const std::string text = inspect_text(j);
  EXPECT_THAT(text, Not(HasSubstr("items by rows")));
  EXPECT_THAT(text, HasSubstr("top 4 items by customers:\n"));
  EXPECT_THAT(text, HasSubstr("\n  customers             5\n"));
  // Metadata blocks without the optional keys: only the heading and the lines present.
  j["item_metadata"] = {{"items_unavailable", 0}};
  j.erase("customer_metadata");
  const std::string bare = inspect_text(j);
  EXPECT_THAT(bare, HasSubstr("item metadata:\n  unavailable           0 (0.0%)\n"));
  EXPECT_THAT(bare, Not(HasSubstr("customer metadata")));
}

}  // namespace
}  // namespace tailor
