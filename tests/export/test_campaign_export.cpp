// Campaign exports (CSV, JSON lines, HDF5), reading a previous night's export, and the QA gates.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "host/campaign/campaign.hpp"
#include "host/core/error.hpp"
#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "host/export/campaign_export.hpp"
#include "host/io/h5.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::hidden_files;
using testing::read_file;
using testing::TempDir;

const std::vector<std::string> kSlotNames = {"repeat", "discovery", "model", "popular"};

// Ids with commas, quotes and UTF-8; item 5 is unavailable, item 6 is available and never listed.
Dataset hand_made_data() {
  Dataset d;
  d.customer_ids = {"c0", "c,1", "c\"2\"", "клиент-3", "c4"};
  d.item_ids = {"i0", "i,1", "i\"2", "чай-3", "i4", "i5", "i6"};
  d.item_meta.available = {1, 1, 1, 1, 1, 0, 1};
  return d;
}

// Four lists (customer 4 has none: suppressed):
//   "c,1"      high  treatment  i,1 (repeat)  чай-3 (model)  i0 (popular)
//   c"2"       none  control    i"2 (discovery)                            short
//   клиент-3   low   treatment  (empty)                                    short, empty
//   c0         mid   treatment  чай-3 (model)  i4 (model)  i0 (popular)
Campaign hand_made_campaign() {
  Campaign c;
  c.campaign_id = "spring, \"sale\" ☀";
  c.campaign_time = 1'700'000'000;
  c.tier_names = {"high", "mid", "low"};
  c.list_length = 3;
  CustomerList a;
  a.customer = 1;
  a.tier = 0;
  a.items = {{1, 0.5f, Slot::repeat, "due since 2011-11-02"},
             {3, 0.25f, Slot::model, "because you bought \"MUG, red\""},
             {0, 0.123456789f, Slot::popular, "two\nlines"}};
  CustomerList b;
  b.customer = 2;
  b.tier = kNoTier;
  b.control = true;
  b.items = {{2, -1.5f, Slot::discovery, "new category: MUG"}};
  CustomerList e;
  e.customer = 3;
  e.tier = 2;
  CustomerList f;
  f.customer = 0;
  f.tier = 1;
  f.items = {{3, 1e-3f, Slot::model, ""},
             {4, 7.0f, Slot::model, "é"},
             {0, 3.14159265f, Slot::popular, "x"}};
  c.lists = {a, b, e, f};
  return c;
}

// customer x item purchases: c0 bought i4; "c,1" bought i,1 and i5; c"2" bought i0.
Csr hand_made_bought(const Dataset& d) {
  std::vector<std::uint32_t> rows = {0, 1, 1, 2}, cols = {4, 1, 5, 0};
  return build_csr(d.customers(), d.items(), rows.data(), cols.data(), nullptr, 4, 1);
}

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, in_record = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (quoted) {
      if (ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        field += ch;
      }
      continue;
    }
    in_record = true;
    if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      record.push_back(field);
      field.clear();
    } else if (ch == '\n') {
      record.push_back(field);
      field.clear();
      records.push_back(record);
      record.clear();
      in_record = false;
    } else {
      field += ch;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  EXPECT_FALSE(in_record) << "last record without a line break";
  return records;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);) out.push_back(line);
  return out;
}

std::vector<std::string> keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> out;
  for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
  return out;
}

// The hand-made campaign with every list taken out.
Campaign without_lists() {
  Campaign c = hand_made_campaign();
  c.lists.clear();
  return c;
}

std::int64_t listed_items(const Campaign& c) {
  std::int64_t n = 0;
  for (const auto& l : c.lists) n += static_cast<std::int64_t>(l.items.size());
  return n;
}

using Exporter = ExportSummary (*)(const std::filesystem::path&, const Campaign&, const Dataset&);

// The hand-made campaign (or `c`) written by one exporter to a fresh folder.
struct HandMadeExport {
  HandMadeExport(Exporter write, const std::string& name, Campaign c = hand_made_campaign())
      : campaign(std::move(c)), path(dir / name), summary(write(path, campaign, data)) {}

  // The summary's counts, and what every export's summary says of its file: the path and the
  // size, and no temporary file left next to it.
  void expect_summary(std::int64_t rows, std::int64_t customers) const {
    EXPECT_EQ(summary.path, path);
    EXPECT_EQ(summary.rows, rows);
    EXPECT_EQ(summary.customers, customers);
    EXPECT_EQ(summary.bytes, std::filesystem::file_size(path));
    EXPECT_GE(summary.seconds, 0.0);
    EXPECT_EQ(hidden_files(dir.path()), 0);
  }

  TempDir dir;
  const Dataset data = hand_made_data();
  const Campaign campaign;
  const std::filesystem::path path;
  const ExportSummary summary;
};

// ---------------------------------------------------------------------------------------------
// CSV

TEST(CampaignCsv, EveryFieldRoundTripsThroughTheText) {
  const HandMadeExport x(export_campaign_csv, "campaign.csv");
  const Dataset& data = x.data;
  const Campaign& c = x.campaign;
  const std::string text = read_file(x.path);
  const auto records = parse_csv(text);
  ASSERT_EQ(records.size(), 1u + 7u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"customer_id", "rank", "item_id", "score", "slot",
                                                  "reason", "tier", "group"}));
  std::size_t r = 1;
  for (const CustomerList& list : c.lists) {  // in list order; the empty list writes no row
    for (std::size_t j = 0; j < list.items.size(); ++j, ++r) {
      ASSERT_LT(r, records.size());
      const auto& row = records[r];
      ASSERT_EQ(row.size(), 8u) << "row " << r;
      const CampaignEntry& e = list.items[j];
      EXPECT_EQ(row[0], data.customer_ids[list.customer]);
      EXPECT_EQ(row[1], std::to_string(j + 1));
      EXPECT_EQ(row[2], data.item_ids[e.item]);
      EXPECT_EQ(row[3], fmt::format("{:.7g}", e.score));
      EXPECT_NEAR(std::stod(row[3]), e.score, 1e-6 * std::max(1.0f, std::fabs(e.score)));
      EXPECT_EQ(row[4], kSlotNames[static_cast<int>(e.slot)]);
      EXPECT_EQ(row[5], e.reason);
      EXPECT_EQ(row[6], list.tier == kNoTier ? "none" : c.tier_names[list.tier]);
      EXPECT_EQ(row[7], list.control ? "control" : "treatment");
    }
  }
  EXPECT_EQ(r, records.size());
  // Quoting happens only where needed, as csv_field does.
  EXPECT_NE(text.find("\n\"c,1\",1,\"i,1\",0.5,repeat,due since 2011-11-02,high,treatment\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n\"c\"\"2\"\"\",1,\"i\"\"2\",-1.5,discovery,new category: MUG,none,control\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(",0.1234568,popular,\"two\nlines\","), std::string::npos) << text;
  EXPECT_EQ(text.find("клиент-3"), std::string::npos) << "an empty list writes no rows";

  x.expect_summary(7, 3);  // customers: lists with at least one item
}

TEST(CampaignCsv, NoListsWritesTheHeaderOnly) {
  const HandMadeExport x(export_campaign_csv, "campaign.csv", without_lists());
  EXPECT_EQ(read_file(x.path), "customer_id,rank,item_id,score,slot,reason,tier,group\n");
  x.expect_summary(0, 0);
}

// ---------------------------------------------------------------------------------------------
// JSON lines

TEST(CampaignJsonl, EveryFieldRoundTripsWithKeysInOrder) {
  const HandMadeExport x(export_campaign_jsonl, "campaign.jsonl");
  const Dataset& data = x.data;
  const Campaign& c = x.campaign;
  const std::string text = read_file(x.path);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), c.lists.size());  // one line per list, the empty one included
  for (std::size_t k = 0; k < lines.size(); ++k) {
    const CustomerList& list = c.lists[k];
    const auto j = nlohmann::ordered_json::parse(lines[k]);
    EXPECT_EQ(keys(j), (std::vector<std::string>{"customer_id", "tier", "group", "items"}));
    EXPECT_EQ(j["customer_id"], data.customer_ids[list.customer]);
    EXPECT_EQ(j["tier"], list.tier == kNoTier ? "none" : c.tier_names[list.tier]);
    EXPECT_EQ(j["group"], list.control ? "control" : "treatment");
    ASSERT_TRUE(j["items"].is_array());
    ASSERT_EQ(j["items"].size(), list.items.size());
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      const auto& item = j["items"][i];
      const CampaignEntry& e = list.items[i];
      EXPECT_EQ(keys(item), (std::vector<std::string>{"item_id", "score", "slot", "reason"}));
      EXPECT_EQ(item["item_id"], data.item_ids[e.item]);
      EXPECT_EQ(item["score"].get<float>(), e.score) << "scores read back as the same float";
      EXPECT_EQ(item["slot"], kSlotNames[static_cast<int>(e.slot)]);
      EXPECT_EQ(item["reason"], e.reason);
    }
  }
  // UTF-8 passes through unescaped; short decimal scores.
  EXPECT_NE(text.find("\"customer_id\":\"клиент-3\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"items\":[]"), std::string::npos) << text;
  EXPECT_NE(text.find("\"score\":0.25,"), std::string::npos) << text;

  x.expect_summary(4, 3);  // rows: lines, one per list; customers: lists with items
}

TEST(CampaignJsonl, ReadPreviousGivesTheListsBack) {
  const HandMadeExport x(export_campaign_jsonl, "campaign.jsonl");
  const PreviousLists prev = read_previous_jsonl(x.path);
  const PreviousLists expected = {
      {"c,1", {"i,1", "чай-3", "i0"}},
      {"c\"2\"", {"i\"2"}},
      {"клиент-3", {}},
      {"c0", {"чай-3", "i4", "i0"}},
  };
  EXPECT_EQ(prev, expected);
}

TEST(CampaignJsonl, TextThatIsNotUtf8IsAnInputErrorAndLeavesNoFile) {
  TempDir dir;
  Dataset data = hand_made_data();
  Campaign c = hand_made_campaign();
  c.lists[3].items[1].reason = "bad \xff byte";  // the last list: earlier lines are already out
  const auto path = dir / "campaign.jsonl";
  EXPECT_THROW(export_campaign_jsonl(path, c, data), InputError);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(hidden_files(dir.path()), 0);
}

// ---------------------------------------------------------------------------------------------
// HDF5

TEST(CampaignH5, EveryColumnAndAttributeRoundTrips) {
  const HandMadeExport x(export_campaign_h5, "campaign.h5");
  const Dataset& data = x.data;
  const Campaign& c = x.campaign;
  x.expect_summary(7, 3);

  const h5::File f = h5::File::open(x.path);
  EXPECT_EQ(f.attr_string("/", "format"), "tailor-campaign");
  EXPECT_EQ(f.attr_int("/", "format_version"), 1);
  EXPECT_EQ(f.attr_string("/", "campaign_id"), c.campaign_id);
  EXPECT_EQ(f.attr_int("/", "campaign_time"), c.campaign_time);

  EXPECT_EQ(f.read_strings("/customers/id"), data.customer_ids);
  EXPECT_EQ(f.read_strings("/items/id"), data.item_ids);
  EXPECT_EQ(f.read_strings("/slots/name"), kSlotNames);
  EXPECT_EQ(f.read_strings("/tiers/name"), c.tier_names);

  // Stored types: what a reader in another language sees.
  EXPECT_EQ(f.info("/lists/score").type_name(), "float32");
  EXPECT_EQ(f.info("/lists/slot").type_name(), "uint8");
  EXPECT_EQ(f.info("/lists/item").type_name(), "uint32");
  EXPECT_EQ(f.info("/list_customers/tier").type_name(), "int32");
  EXPECT_EQ(f.info("/list_customers/control").type_name(), "uint8");

  const auto customer = f.read_all<std::uint32_t>("/lists/customer");
  const auto rank = f.read_all<std::uint32_t>("/lists/rank");
  const auto item = f.read_all<std::uint32_t>("/lists/item");
  const auto score = f.read_all<float>("/lists/score");
  const auto slot = f.read_all<std::uint8_t>("/lists/slot");
  const auto reason = f.read_strings("/lists/reason", 0, 7);
  ASSERT_EQ(customer.size(), 7u);
  ASSERT_EQ(rank.size(), 7u);
  ASSERT_EQ(item.size(), 7u);
  ASSERT_EQ(score.size(), 7u);
  ASSERT_EQ(slot.size(), 7u);
  ASSERT_EQ(reason.size(), 7u);
  std::size_t r = 0;
  for (const CustomerList& list : c.lists) {
    for (std::size_t j = 0; j < list.items.size(); ++j, ++r) {
      const CampaignEntry& e = list.items[j];
      EXPECT_EQ(customer[r], list.customer);
      EXPECT_EQ(rank[r], j + 1);
      EXPECT_EQ(item[r], e.item);
      EXPECT_EQ(score[r], e.score);
      EXPECT_EQ(slot[r], static_cast<std::uint8_t>(e.slot));
      EXPECT_EQ(reason[r], e.reason);
    }
  }

  const auto lc = f.read_all<std::uint32_t>("/list_customers/customer");
  const auto lt = f.read_all<std::int32_t>("/list_customers/tier");
  const auto lctl = f.read_all<std::uint8_t>("/list_customers/control");
  ASSERT_EQ(lc.size(), c.lists.size());  // the empty list has its row here
  ASSERT_EQ(lt.size(), c.lists.size());
  ASSERT_EQ(lctl.size(), c.lists.size());
  for (std::size_t k = 0; k < c.lists.size(); ++k) {
    EXPECT_EQ(lc[k], c.lists[k].customer);
    EXPECT_EQ(lt[k], c.lists[k].tier);
    EXPECT_EQ(lctl[k], c.lists[k].control ? 1 : 0);
  }
}

TEST(CampaignH5, NoListsWritesEmptyColumns) {
  const HandMadeExport x(export_campaign_h5, "campaign.h5", without_lists());
  x.expect_summary(0, 0);
  const h5::File f = h5::File::open(x.path);
  EXPECT_EQ(f.info("/lists/item").length(), 0);
  EXPECT_EQ(f.info("/lists/reason").length(), 0);
  EXPECT_EQ(f.info("/list_customers/customer").length(), 0);
  EXPECT_EQ(f.read_strings("/slots/name"), kSlotNames);
}

// ---------------------------------------------------------------------------------------------
// Atomicity, for all three formats

const std::vector<std::pair<std::string, Exporter>> kExporters = {
    {"campaign.csv", &export_campaign_csv},
    {"campaign.jsonl", &export_campaign_jsonl},
    {"campaign.h5", &export_campaign_h5},
};

TEST(CampaignExportAtomic, MissingFolderIsARunErrorAndWritesNothing) {
  TempDir dir;
  const Dataset data = hand_made_data();
  const Campaign c = hand_made_campaign();
  for (const auto& [name, exporter] : kExporters) {
    const auto path = dir / "no-such-folder" / name;
    try {
      exporter(path, c, data);
      ADD_FAILURE() << name << ": expected RunError";
    } catch (const RunError& e) {
      EXPECT_NE(std::string(e.what()).find("no-such-folder"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(std::filesystem::exists(path)) << name;
  }
  EXPECT_EQ(hidden_files(dir.path()), 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CampaignExportAtomic, ABadListMidwayLeavesNoFileAndNoTemporary) {
  TempDir dir;
  const Dataset data = hand_made_data();
  Campaign bad_item = hand_made_campaign();
  bad_item.lists[3].items[2].item = 99;  // the last list: earlier rows are already written
  Campaign bad_tier = hand_made_campaign();
  bad_tier.lists[3].tier = 3;  // only three tier names
  for (const Campaign* c : {&bad_item, &bad_tier}) {
    for (const auto& [name, exporter] : kExporters) {
      const auto path = dir / name;
      EXPECT_THROW(exporter(path, *c, data), RunError) << name;
      EXPECT_FALSE(std::filesystem::exists(path)) << name;
      EXPECT_EQ(hidden_files(dir.path()), 0) << name;
    }
  }
}

TEST(CampaignExportAtomic, AFailedExportKeepsThePreviousNight) {
  TempDir dir;
  const Dataset data = hand_made_data();
  const Campaign good = hand_made_campaign();
  Campaign bad = hand_made_campaign();
  bad.lists[3].items[0].item = 99;
  for (const auto& [name, exporter] : kExporters) {
    const auto path = dir / name;
    exporter(path, good, data);
    const std::string yesterday = read_file(path);
    EXPECT_THROW(exporter(path, bad, data), RunError) << name;
    EXPECT_EQ(read_file(path), yesterday) << name;
    EXPECT_EQ(hidden_files(dir.path()), 0) << name;
  }
}

// ---------------------------------------------------------------------------------------------
// read_previous_jsonl

std::string error_of(const std::filesystem::path& path) {
  try {
    read_previous_jsonl(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no InputError";
}

TEST(ReadPreviousJsonl, SkipsBlankLinesAndAcceptsCrlf) {
  TempDir dir;
  const auto path = dir / "prev.jsonl";
  std::ofstream(path) << "\n"
                         "{\"customer_id\":\"a\",\"items\":[{\"item_id\":\"x\"},{\"item_id\":\"y\"}]}\r\n"
                         "   \n"
                         "{\"items\":[],\"customer_id\":\"b\",\"extra\":1}\n";
  const PreviousLists prev = read_previous_jsonl(path);
  EXPECT_EQ(prev, (PreviousLists{{"a", {"x", "y"}}, {"b", {}}}));
}

TEST(ReadPreviousJsonl, ErrorsNameTheFileAndTheLine) {
  TempDir dir;
  const std::string good = "{\"customer_id\":\"a\",\"items\":[{\"item_id\":\"x\"}]}\n";
  struct Case {
    std::string bad_line;
    std::string what;
  };
  const std::vector<Case> cases = {
      {"{\"customer_id\":\"b\",\"items\":[", "not valid JSON"},
      {"{\"items\":[]}", "no \"customer_id\""},
      {"{\"customer_id\":7,\"items\":[]}", "\"customer_id\" is 7"},
      {"{\"customer_id\":\"b\"}", "no \"items\""},
      {"{\"customer_id\":\"b\",\"items\":{}}", "\"items\" is not an array"},
      {"{\"customer_id\":\"b\",\"items\":[{\"item_id\":\"x\"},{\"score\":1}]}",
       "item 2 has no \"item_id\""},
      {"[1,2]", "expected a JSON object"},
      {"{\"customer_id\":\"a\",\"items\":[]}", "customer a is listed again (first on line 1)"},
  };
  for (const auto& [bad_line, what] : cases) {
    const auto path = dir / "prev.jsonl";
    // line 1 good, line 2 blank, line 3 bad, line 4 good: the error names line 3.
    std::ofstream(path) << good << "\n" << bad_line << "\n" << good;
    const std::string msg = error_of(path);
    EXPECT_NE(msg.find(path.string() + ", line 3:"), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(ReadPreviousJsonl, MissingFileIsAnInputError) {
  TempDir dir;
  const auto path = dir / "nope.jsonl";
  const std::string msg = error_of(path);
  EXPECT_NE(msg.find(path.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
}

// ---------------------------------------------------------------------------------------------
// QA gates

TEST(QaCheck, HandComputedMetrics) {
  const Dataset data = hand_made_data();
  const Campaign c = hand_made_campaign();
  const Csr bought = hand_made_bought(data);
  // "c,1": today {i,1 чай-3 i0}, kept i,1 -> churn 2/3.  c0: all three kept -> 0.
  // клиент-3 is in both but empty today: not counted. c"2" and "gone" are in one night only.
  const PreviousLists prev = {{"c,1", {"i,1", "zzz"}},
                              {"клиент-3", {"i0"}},
                              {"c0", {"чай-3", "i4", "i0"}},
                              {"gone", {"i0"}}};
  const QaReport r = qa_check(c, data, bought, prev, {});
  EXPECT_EQ(r.lists, 4);
  EXPECT_DOUBLE_EQ(r.short_share, 2.0 / 4.0);   // c"2" (1 item) and клиент-3 (0) are below 3
  EXPECT_DOUBLE_EQ(r.empty_share, 1.0 / 4.0);   // клиент-3
  EXPECT_DOUBLE_EQ(r.coverage, 5.0 / 6.0);      // i0 i,1 i"2 чай-3 i4 of 6 available
  // c0 x i4 of the 6 listed items outside repeat slots ("c,1" x i,1 is a repeat slot).
  EXPECT_DOUBLE_EQ(r.bought_share, 1.0 / 6.0);
  ASSERT_TRUE(r.churn.has_value());
  EXPECT_DOUBLE_EQ(*r.churn, (2.0 / 3.0 + 0.0) / 2.0);
  EXPECT_EQ(r.churn_customers, 2);
  EXPECT_TRUE(r.passed());  // no limits set
  EXPECT_TRUE(r.breaches.empty());

  const QaReport none = qa_check(c, data, bought, std::nullopt, {});
  EXPECT_FALSE(none.churn.has_value());
  EXPECT_EQ(none.churn_customers, 0);

  // A list is short against its own recipe: c"2" with a one-slot tier recipe is full.
  Campaign tiered = c;
  tiered.lists[1].recipe_length = 1;
  EXPECT_DOUBLE_EQ(qa_check(tiered, data, bought, std::nullopt, {}).short_share, 1.0 / 4.0);
}

TEST(QaCheck, EachBrokenLimitIsOneSentenceWithValueAndLimit) {
  const Dataset data = hand_made_data();
  const Campaign c = hand_made_campaign();
  const Csr bought = hand_made_bought(data);
  const PreviousLists prev = {{"c,1", {"i,1", "zzz"}}, {"c0", {"чай-3", "i4", "i0"}}};
  QaLimits limits;
  limits.max_short_share = 0.4;   // 50% > 40%: broken
  limits.max_empty_share = 0.25;  // 25% = 25%: kept
  limits.min_coverage = 0.9;      // 83.3% < 90%: broken
  limits.max_bought_share = 0.3;  // 16.7% <= 30%: kept
  limits.max_churn = 0.3;         // 33.3% > 30%: broken
  const QaReport r = qa_check(c, data, bought, prev, limits);
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.breaches,
            (std::vector<std::string>{
                "short lists: 50.0% of customers, limit 40.0% (max_short_share)",
                "coverage: 83.3% of available items listed, minimum 90.0% (min_coverage)",
                "churn: 33.3% of today's items are new (mean over 2 customers listed both "
                "nights), limit 30.0% (max_churn)",
            }));

  limits.max_empty_share = 0.2;
  limits.max_bought_share = 0.15;
  const QaReport r2 = qa_check(c, data, bought, prev, limits);
  ASSERT_EQ(r2.breaches.size(), 5u);
  EXPECT_EQ(r2.breaches[1], "empty lists: 25.0% of customers, limit 20.0% (max_empty_share)");
  EXPECT_EQ(r2.breaches[3],
            "already bought: 16.7% of listed items outside repeat slots, limit 15.0% "
            "(max_bought_share)");

  // Limits that are met pass.
  QaLimits loose;
  loose.max_short_share = 0.5;
  loose.max_empty_share = 0.25;
  loose.min_coverage = 0.8;
  loose.max_bought_share = 0.3;
  loose.max_churn = 0.34;
  EXPECT_TRUE(qa_check(c, data, bought, prev, loose).passed());
}

TEST(QaCheck, ABreachThatRoundsToTheLimitShowsMoreDigits) {
  Dataset data;
  data.item_ids = {"a", "b"};
  Campaign c;
  c.list_length = 1;
  for (int k = 0; k < 2500; ++k) {
    data.customer_ids.push_back("c" + std::to_string(k));
    CustomerList l;
    l.customer = static_cast<std::uint32_t>(k);
    if (k >= 251) l.items = {{0, 1.0f, Slot::model, ""}};
    c.lists.push_back(l);
  }
  const Csr bought = build_csr(data.customers(), data.items(), nullptr, nullptr, nullptr, 0, 1);
  QaLimits limits;
  limits.max_short_share = 0.1;  // 251 / 2500 = 10.04%
  const QaReport r = qa_check(c, data, bought, std::nullopt, limits);
  ASSERT_EQ(r.breaches.size(), 1u);
  EXPECT_EQ(r.breaches[0], "short lists: 10.0400% of customers, limit 10.0000% (max_short_share)");
}

// A night where every customer gets three of items 0..5, rotated per customer.
Campaign night(const Dataset& data, int shift) {
  Campaign c;
  c.campaign_id = "nightly";
  c.list_length = 3;
  c.tier_names = {"high", "low"};
  for (std::uint32_t k = 0; k < data.customer_ids.size(); ++k) {
    CustomerList l;
    l.customer = k;
    l.tier = static_cast<int>(k % 2);
    for (std::uint32_t j = 0; j < 3; ++j)
      l.items.push_back({(k + j + static_cast<std::uint32_t>(shift)) % 6, 1.0f, Slot::model, ""});
    c.lists.push_back(l);
  }
  return c;
}

TEST(QaCheck, APlantedBadNightFailsAndAGoodNightPasses) {
  TempDir dir;
  Dataset data;
  data.item_ids = {"i0", "i1", "i2", "i3", "i4", "i5"};
  for (int k = 0; k < 10; ++k) data.customer_ids.push_back("cust-" + std::to_string(k));
  const Csr bought = build_csr(data.customers(), data.items(), nullptr, nullptr, nullptr, 0, 1);

  const auto yesterday = dir / "yesterday.jsonl";
  export_campaign_jsonl(yesterday, night(data, 0), data);
  const std::optional<PreviousLists> previous = read_previous_jsonl(yesterday);

  QaLimits limits;
  limits.max_short_share = 0.1;
  limits.max_empty_share = 0.05;
  limits.min_coverage = 0.5;
  limits.max_bought_share = 0.2;
  limits.max_churn = 0.5;

  const QaReport good = qa_check(night(data, 0), data, bought, previous, limits);
  EXPECT_TRUE(good.passed()) << good.to_json().dump();
  ASSERT_TRUE(good.churn.has_value());
  EXPECT_DOUBLE_EQ(*good.churn, 0.0);
  EXPECT_EQ(good.churn_customers, 10);

  // Bad night: four customers get nothing, the others get the three items they did not get.
  Campaign bad = night(data, 3);
  for (int k = 0; k < 4; ++k) bad.lists[k].items.clear();
  const QaReport r = qa_check(bad, data, bought, previous, limits);
  EXPECT_FALSE(r.passed());
  EXPECT_DOUBLE_EQ(r.empty_share, 0.4);
  EXPECT_DOUBLE_EQ(r.short_share, 0.4);
  ASSERT_TRUE(r.churn.has_value());
  EXPECT_DOUBLE_EQ(*r.churn, 1.0);
  EXPECT_EQ(r.churn_customers, 6);
  EXPECT_EQ(r.breaches,
            (std::vector<std::string>{
                "short lists: 40.0% of customers, limit 10.0% (max_short_share)",
                "empty lists: 40.0% of customers, limit 5.0% (max_empty_share)",
                "churn: 100.0% of today's items are new (mean over 6 customers listed both "
                "nights), limit 50.0% (max_churn)",
            }));
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["breaches"].size(), 3u);
}

TEST(QaCheck, ZeroListsHaveZeroSharesAndBreakMinCoverage) {
  const Dataset data = hand_made_data();
  const Campaign c = without_lists();
  QaLimits limits;
  limits.max_short_share = 0.0;
  limits.max_empty_share = 0.0;
  limits.max_bought_share = 0.0;
  limits.max_churn = 0.0;
  const PreviousLists prev = {{"c0", {"i0"}}};
  const QaReport r = qa_check(c, data, hand_made_bought(data), prev, limits);
  EXPECT_EQ(r.lists, 0);
  EXPECT_EQ(r.short_share, 0.0);
  EXPECT_EQ(r.empty_share, 0.0);
  EXPECT_EQ(r.coverage, 0.0);
  EXPECT_EQ(r.bought_share, 0.0);
  EXPECT_FALSE(r.churn.has_value());  // nobody in both nights
  EXPECT_TRUE(r.passed());

  limits.min_coverage = 0.01;
  const QaReport r2 = qa_check(c, data, hand_made_bought(data), prev, limits);
  EXPECT_EQ(r2.breaches,
            (std::vector<std::string>{
                "coverage: 0.0% of available items listed, minimum 1.0% (min_coverage)"}));
}

TEST(QaCheck, ToJsonHoldsEveryField) {
  const Dataset data = hand_made_data();
  const Campaign c = hand_made_campaign();
  QaLimits limits;
  limits.max_empty_share = 0.1;
  const QaReport r = qa_check(c, data, hand_made_bought(data), std::nullopt, limits);
  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["lists"], 4);
  EXPECT_DOUBLE_EQ(j["short_share"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["empty_share"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(j["coverage"].get<double>(), 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(j["bought_share"].get<double>(), 1.0 / 6.0);
  EXPECT_TRUE(j["churn"].is_null());
  EXPECT_EQ(j["churn_customers"], 0);
  EXPECT_EQ(j["breaches"],
            nlohmann::json::array({"empty lists: 25.0% of customers, limit 10.0% (max_empty_share)"}));
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j.size(), 9u);
}

TEST(QaCheck, ABoughtMatrixOfTheWrongShapeIsAnInputError) {
  const Dataset data = hand_made_data();
  const Csr wrong = build_csr(2, data.items(), nullptr, nullptr, nullptr, 0, 1);
  EXPECT_THROW(qa_check(hand_made_campaign(), data, wrong, std::nullopt, {}), InputError);
}

}  // namespace
}  // namespace tailor
