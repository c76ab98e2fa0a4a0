// Item and customer metadata (data/README.md, "Metadata"): write/load round trips, string and
// integer-coded categories, one malformed file per error (each message checked for dataset, row
// and value), the writer's own checks, `tailor import` side files (unknown ids counted, defaults
// for ids without a row, bad yes/no and price values), prices from values, inspect's summary, and
// the dunnhumby sample with its product file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/data/import_csv.hpp"
#include "host/data/inspect.hpp"
#include "host/io/h5.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr std::uint32_t kNo = kNoCategory;

// ---- round trip -------------------------------------------------------------------------------

Dataset with_metadata() {
  Dataset d;
  d.customer_ids = {"alice", "bob", "carol"};
  d.item_ids = {"espresso", "thé vert", "mug", "grinder"};
  d.log.customer = {0, 1, 2, 0, 1};
  d.log.item = {0, 1, 2, 3, 0};
  d.item_meta.category_names = {"coffee", "tea", "kitchen"};
  d.item_meta.category = {0, 1, kNo, 2};
  d.item_meta.name = {"Espresso 1 kg", "Thé vert — Sencha", "", "Grinder"};
  d.item_meta.price = {12.5f, kNaN, 0.0f, 99.99f};
  d.item_meta.available = {1, 1, 0, 1};
  d.customer_meta.opt_out = {0, 1, 0};
  d.customer_meta.segment_names = {"gold", "silver"};
  d.customer_meta.segment = {1, kNo, 0};
  d.customer_meta.channel_names = {"email"};
  d.customer_meta.channel = {0, 0, kNo};
  return d;
}

TEST(Metadata, RoundTripThroughWriteDataset) {
  testing::expect_dataset_round_trips(with_metadata(), [](const Dataset& out, const fs::path&) {
    EXPECT_EQ(out.item_meta.category_name(0), "coffee");
    EXPECT_EQ(out.item_meta.category_name(2), "");
    EXPECT_FALSE(out.item_meta.is_available(2));
    EXPECT_TRUE(out.customer_meta.opted_out(1));
  });
}

TEST(Metadata, AbsentDatasetsLeaveEmptyVectors) {
  Dataset in = with_metadata();
  in.item_meta = {};
  in.customer_meta = {};
  testing::expect_dataset_round_trips(in, [](const Dataset& out, const fs::path&) {
    EXPECT_FALSE(out.item_meta.has_category());
    EXPECT_FALSE(out.item_meta.has_price());
    EXPECT_TRUE(out.item_meta.name.empty());
    EXPECT_TRUE(out.item_meta.available.empty());
    EXPECT_TRUE(out.item_meta.is_available(0));
    EXPECT_EQ(out.item_meta.category_name(1), "");
    EXPECT_TRUE(out.customer_meta.opt_out.empty());
    EXPECT_FALSE(out.customer_meta.opted_out(0));
    EXPECT_TRUE(out.customer_meta.segment.empty());
    EXPECT_TRUE(out.customer_meta.channel.empty());
  });
}

TEST(Metadata, SomeDatasetsOnly) {
  Dataset in = with_metadata();
  in.item_meta.name.clear();
  in.item_meta.available.clear();
  in.customer_meta.segment.clear();
  in.customer_meta.segment_names.clear();
  testing::expect_dataset_round_trips(in, [](const Dataset&, const fs::path&) {});
}

TEST(Metadata, AllItemsWithoutCategoryRoundTrip) {
  Dataset in = with_metadata();
  in.item_meta.category_names.clear();
  in.item_meta.category.assign(4, kNo);
  testing::expect_dataset_round_trips(in, [](const Dataset& out, const fs::path&) {
    EXPECT_TRUE(out.item_meta.has_category());
    EXPECT_TRUE(out.item_meta.category_names.empty());
    EXPECT_EQ(out.item_meta.category, std::vector<std::uint32_t>(4, kNo));
  });
}

TEST(Metadata, WriterRejectsInconsistentMetadata) {
  testing::TempDir dir;
  Dataset d = with_metadata();
  d.item_meta.price.pop_back();
  try {
    write_dataset(dir / "d.h5", d);
    FAIL() << "no RunError";
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/items/price has 3 entries, expected 4"));
  }
  d = with_metadata();
  d.customer_meta.segment[0] = 2;
  try {
    write_dataset(dir / "d.h5", d);
    FAIL() << "no RunError";
  } catch (const RunError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/customers/segment entry 0 is code 2, but there are only 2"));
  }
  EXPECT_FALSE(fs::exists(dir / "d.h5"));
}

// ---- files written by other tools ---------------------------------------------------------------

// A valid file with 4 items and 3 customers (id lists and index columns); each case adds or
// changes metadata datasets through `extra`.
void write_file(const fs::path& path, const std::function<void(h5::File&)>& extra,
                bool raw_item_ids = false) {
  h5::File f = h5::File::create(path);
  f.set_attr("/", "format", std::string(kInteractionsFormat));
  f.set_attr("/", "format_version", kInteractionsFormatVersion);
  f.write_strings("/customers/id", {"c0", "c1", "c2"});
  const std::vector<std::uint32_t> customer{0, 1, 2, 0};
  f.write("/interactions/customer", customer.data(), 4);
  if (raw_item_ids) {
    f.write_strings("/interactions/item", {"a", "b", "c", "d"});
  } else {
    f.write_strings("/items/id", {"a", "b", "c", "d"});
    const std::vector<std::uint32_t> item{0, 1, 2, 3};
    f.write("/interactions/item", item.data(), 4);
  }
  extra(f);
  f.close();
}

template <class T>
void column(h5::File& f, const std::string& name, const std::vector<T>& v) {
  f.write(name, v.data(), static_cast<std::int64_t>(v.size()));
}

Dataset load_small(const fs::path& path) {
  LoadOptions o;
  o.threads = 2;
  o.chunk_rows = 2;  // several ranges, so rows are absolute
  return load_dataset(path, o);
}

TEST(Metadata, StringCategoriesAreEncodedInOrderOfFirstAppearance) {
  testing::TempDir dir;
  write_file(dir / "f.h5", [](h5::File& f) {
    f.write_strings("/items/category", {"tea", "", "coffee", "tea"});
    f.write_strings("/customers/segment", {"", "b2b", "b2c"});
    f.write_strings("/customers/channel", {"app", "app", ""});
  });
  const Dataset d = load_small(dir / "f.h5");
  EXPECT_THAT(d.item_meta.category_names, ElementsAre("tea", "coffee"));
  EXPECT_THAT(d.item_meta.category, ElementsAre(0u, kNo, 1u, 0u));
  EXPECT_THAT(d.customer_meta.segment_names, ElementsAre("b2b", "b2c"));
  EXPECT_THAT(d.customer_meta.segment, ElementsAre(kNo, 0u, 1u));
  EXPECT_THAT(d.customer_meta.channel_names, ElementsAre("app"));
  EXPECT_THAT(d.customer_meta.channel, ElementsAre(0u, 0u, kNo));
}

TEST(Metadata, IntegerCodesOfAnyWidthWithMinusOneForNone) {
  testing::TempDir dir;
  write_file(dir / "f.h5", [](h5::File& f) {
    column<std::int8_t>(f, "/items/category", {1, -1, 0, 1});
    f.write_strings("/items/category_names", {"tea", "coffee"});
    column<std::uint64_t>(f, "/customers/segment", {0, 0, 0});
    f.write_strings("/customers/segment_names", {"all"});
    column<std::int64_t>(f, "/customers/channel", {-1, -1, -1});
    f.write_strings("/customers/channel_names", {});
    column<std::int32_t>(f, "/items/price", {3, 0, 7, 1});
    column<std::int64_t>(f, "/items/available", {1, 0, 1, 1});
    column<std::uint8_t>(f, "/customers/opt_out", {0, 0, 1});
    f.write_strings("/items/name", {"A", "", "C", "D"});
  });
  const Dataset d = load_small(dir / "f.h5");
  EXPECT_THAT(d.item_meta.category_names, ElementsAre("tea", "coffee"));
  EXPECT_THAT(d.item_meta.category, ElementsAre(1u, kNo, 0u, 1u));
  EXPECT_THAT(d.customer_meta.segment, ElementsAre(0u, 0u, 0u));
  EXPECT_TRUE(d.customer_meta.channel_names.empty());
  EXPECT_THAT(d.customer_meta.channel, ElementsAre(kNo, kNo, kNo));
  EXPECT_THAT(d.item_meta.price, ElementsAre(3.0f, 0.0f, 7.0f, 1.0f));
  EXPECT_THAT(d.item_meta.available, ElementsAre(1, 0, 1, 1));
  EXPECT_THAT(d.customer_meta.opt_out, ElementsAre(0, 0, 1));
  EXPECT_THAT(d.item_meta.name, ElementsAre("A", "", "C", "D"));
}

TEST(Metadata, NaNPriceMeansUnknown) {
  testing::TempDir dir;
  write_file(dir / "f.h5", [](h5::File& f) {
    column<double>(f, "/items/price", {1.5, std::nan(""), 0.0, 2.0});
  });
  const Dataset d = load_small(dir / "f.h5");
  EXPECT_EQ(d.item_meta.price[0], 1.5f);
  EXPECT_TRUE(std::isnan(d.item_meta.price[1]));
}

struct BadCase {
  const char* what;
  std::function<void(h5::File&)> extra;
  std::vector<std::string> message;  // substrings of the error
  bool raw_item_ids = false;
};

TEST(Metadata, EveryMalformedDatasetGetsItsOwnError) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<BadCase> cases = {
      {"price too short", [](h5::File& f) { column<float>(f, "/items/price", {1, 2, 3}); },
       {"/items/price: 3 entries; expected 4, one per id in /items/id"}},
      {"available too long",
       [](h5::File& f) { column<std::uint8_t>(f, "/items/available", {1, 1, 1, 1, 1}); },
       {"/items/available: 5 entries; expected 4, one per id in /items/id"}},
      {"segment too short",
       [](h5::File& f) { f.write_strings("/customers/segment", {"a", "b"}); },
       {"/customers/segment: 2 entries; expected 3, one per id in /customers/id"}},
      {"opt_out too long",
       [](h5::File& f) { column<std::uint8_t>(f, "/customers/opt_out", {0, 0, 0, 0}); },
       {"/customers/opt_out: 4 entries; expected 3, one per id in /customers/id"}},
      {"price not 1-D",
       [](h5::File& f) {
         const std::vector<float> m(8, 1.0f);
         f.write_matrix("/items/price", m.data(), 4, 2);
       },
       {"/items/price: expected a 1-D column, found rank 2 (shape (4, 2))"}},
      {"integer categories without names",
       [](h5::File& f) { column<std::int32_t>(f, "/items/category", {0, 0, 0, 0}); },
       {"/items/category_names: required dataset is missing (the names that the integer codes "
        "of /items/category refer to)"}},
      {"category code out of range",
       [](h5::File& f) {
         column<std::int32_t>(f, "/items/category", {0, 1, -1, 7});
         f.write_strings("/items/category_names", {"x", "y"});
       },
       {"/items/category: row 3: code 7 is out of range; valid codes are 0..1 (indices into "
        "/items/category_names, 2 names) and -1 for none"}},
      {"category code below -1",
       [](h5::File& f) {
         column<std::int8_t>(f, "/items/category", {0, -2, 0, 0});
         f.write_strings("/items/category_names", {"x"});
       },
       {"/items/category: row 1: code -2 is out of range"}},
      {"unsigned code out of range",
       [](h5::File& f) {
         column<std::uint32_t>(f, "/items/category", {0, 0, 0, 0xFFFFFFFFu});
         f.write_strings("/items/category_names", {"x"});
       },
       {"/items/category: row 3: code 4294967295 is out of range"}},
      {"code with an empty names list",
       [](h5::File& f) {
         column<std::int32_t>(f, "/customers/channel", {-1, 0, -1});
         f.write_strings("/customers/channel_names", {});
       },
       {"/customers/channel: row 1: code 0 is out of range; valid codes are only -1 for none "
        "(/customers/channel_names is empty)"}},
      {"strings and a names list",
       [](h5::File& f) {
         f.write_strings("/items/category", {"x", "y", "x", "y"});
         f.write_strings("/items/category_names", {"x", "y"});
       },
       {"/items/category_names: present, but /items/category holds strings"}},
      {"float categories",
       [](h5::File& f) { column<double>(f, "/items/category", {0, 1, 0, 1}); },
       {"/items/category: has type float64; accepted: strings, or integer"}},
      {"duplicate category names",
       [](h5::File& f) {
         column<std::int32_t>(f, "/items/category", {0, 1, 0, 1});
         f.write_strings("/items/category_names", {"x", "y", "x"});
       },
       {"/items/category_names: duplicate id \"x\" at rows 0 and 2"}},
      {"empty category name",
       [](h5::File& f) {
         column<std::int32_t>(f, "/items/category", {0, 0, 0, 0});
         f.write_strings("/items/category_names", {"x", ""});
       },
       {"/items/category_names: row 1: empty id"}},
      {"segment code out of range",
       [](h5::File& f) {
         column<std::int64_t>(f, "/customers/segment", {0, 3, 0});
         f.write_strings("/customers/segment_names", {"a", "b", "c"});
       },
       {"/customers/segment: row 1: code 3 is out of range; valid codes are 0..2 (indices into "
        "/customers/segment_names, 3 names)"}},
      {"channel codes without names",
       [](h5::File& f) { column<std::uint8_t>(f, "/customers/channel", {0, 0, 0}); },
       {"/customers/channel_names: required dataset is missing"}},
      {"negative price",
       [](h5::File& f) { column<double>(f, "/items/price", {1, 2, -1.5, 0}); },
       {"/items/price: row 2: price -1.5 is negative (prices must be >= 0)"}},
      {"infinite price",
       [inf](h5::File& f) { column<double>(f, "/items/price", {1, 2, 3, inf}); },
       {"/items/price: row 3: price inf is not finite (NaN is accepted for an unknown price)"}},
      {"price beyond float32",
       [](h5::File& f) { column<double>(f, "/items/price", {1e39, 0, 0, 0}); },
       {"/items/price: row 0: price 1e+39 does not fit in float32"}},
      {"price as strings",
       [](h5::File& f) { f.write_strings("/items/price", {"1", "2", "3", "4"}); },
       {"/items/price: has type variable-length string; accepted: integer or float"}},
      {"available 2",
       [](h5::File& f) { column<std::int32_t>(f, "/items/available", {1, 0, 1, 2}); },
       {"/items/available: row 3: value 2 is not 0 or 1"}},
      {"available as float",
       [](h5::File& f) { column<float>(f, "/items/available", {1, 0, 1, 1}); },
       {"/items/available: has type float32; accepted: integer 0 or 1"}},
      {"opt_out -1",
       [](h5::File& f) { column<std::int8_t>(f, "/customers/opt_out", {0, -1, 0}); },
       {"/customers/opt_out: row 1: value -1 is not 0 or 1"}},
      {"names as integers",
       [](h5::File& f) { column<std::int32_t>(f, "/items/name", {1, 2, 3, 4}); },
       {"/items/name: has type int32; accepted: string (fixed or variable length)"}},
      {"metadata with raw item ids",
       [](h5::File& f) { f.write_strings("/items/category", {"x", "y", "x", "y"}); },
       {"/items/category: metadata needs the id list /items/id (entry k describes id k), but this "
        "file has raw ids per row in /interactions/item"},
       /*raw_item_ids=*/true},
  };
  testing::TempDir dir;
  int n = 0;
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.what);
    const fs::path path = dir / ("bad" + std::to_string(n++) + ".h5");
    write_file(path, c.extra, c.raw_item_ids);
    try {
      load_small(path);
      ADD_FAILURE() << "no InputError";
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_THAT(msg, ::testing::StartsWith(path.string() + ": "));
      for (const std::string& part : c.message) EXPECT_THAT(msg, HasSubstr(part));
    }
  }
}

TEST(Metadata, NamesListWithoutCodesIsIgnored) {
  testing::TempDir dir;
  write_file(dir / "f.h5", [](h5::File& f) { f.write_strings("/items/category_names", {"x"}); });
  const Dataset d = load_small(dir / "f.h5");
  EXPECT_FALSE(d.item_meta.has_category());
  EXPECT_TRUE(d.item_meta.category_names.empty());
}

TEST(Metadata, RawCustomerIdsWithItemMetadataStillLoad) {
  // Raw ids refuse only the metadata of their own side.
  testing::TempDir dir;
  h5::File f = h5::File::create(dir / "f.h5");
  f.set_attr("/", "format", std::string(kInteractionsFormat));
  f.set_attr("/", "format_version", kInteractionsFormatVersion);
  f.write_strings("/interactions/customer", {"x", "y"});
  f.write_strings("/items/id", {"a"});
  const std::vector<std::uint32_t> item{0, 0};
  f.write("/interactions/item", item.data(), 2);
  f.write_strings("/items/category", {"tea"});
  f.close();
  const Dataset d = load_small(dir / "f.h5");
  EXPECT_THAT(d.customer_ids, ElementsAre("x", "y"));
  EXPECT_THAT(d.item_meta.category_names, ElementsAre("tea"));
}

// ---- import side files --------------------------------------------------------------------------

using testing::write_gzip;
using testing::write_text;

// Customers c1..c3, items i1..i4 (in that order of first appearance).
const char* kTransactions =
    "cust,sku,qty,price,total\n"
    "c1,i1,2,1.5,3\n"
    "c1,i2,1,4,4\n"
    "c2,i1,1,2.5,2.5\n"
    "c3,i3,3,1,3\n"
    "c2,i4,1,10,-10\n"
    "c3,i1,1,1.5,1.5\n";

// Line numbers on the right.
const char* kItems =
    "sku,title,group,unit_price,active\n"        // 1
    "i1, Blue mug ,mugs,1.99,yes\n"              // 2: used
    "i9,Unknown,mugs,1,1\n"                      // 3: unknown_id
    "i2,Tea,,,\n"                                // 4: used, empty values -> defaults
    "i1,Blue mug again,bowls,5,no\n"             // 5: duplicate_id
    "i3,\"Bowl, large\",bowls,0,N\n"             // 6: used, unavailable
    "i8,too,few\n"                               // 7: bad_value (field count)
    ",no id,mugs,1,1\n"                          // 8: bad_value (blank id)
    "i7,Unknown too,plates,1,1\n";               // 9: unknown_id

const char* kCustomers =
    "id;opt;seg;via\n"
    "c2;TRUE;gold;email\n"
    "c1;n;;app\n"
    "c5;1;gold;post\n";

// kTransactions' id columns.
ImportOptions tx_options() {
  ImportOptions o;
  o.customer_col = "cust";
  o.item_col = "sku";
  return o;
}

// A customers file with its id and opt-out columns (kCustomers' "id" and "opt").
CustomersFileOptions customers_file(const fs::path& path) {
  CustomersFileOptions c;
  c.path = path;
  c.id_col = "id";
  c.opt_out_col = "opt";
  return c;
}

ImportOptions side_options(const testing::TempDir& dir) {
  ImportOptions o = tx_options();
  o.quantity_col = "qty";
  o.price_col = "price";
  ItemsFileOptions items;
  items.path = dir / "items.csv";
  items.id_col = "sku";
  items.name_col = "title";
  items.category_col = "group";
  items.price_col = "unit_price";
  items.available_col = "active";
  o.items_file = items;
  return o;
}

TEST(ImportSideFiles, ItemsFileRowsAreCountedAndMissingItemsGetDefaults) {
  testing::TempDir dir;
  write_text(dir / "tx.csv", kTransactions);
  write_text(dir / "items.csv", kItems);
  const ImportReport r = import_csv(dir / "tx.csv", dir / "out.h5", side_options(dir));
  ASSERT_TRUE(r.items_file.has_value());
  const SideFileReport& f = *r.items_file;
  EXPECT_EQ(f.source, (dir / "items.csv").string());
  EXPECT_EQ(f.rows_read, 8);
  EXPECT_EQ(f.rows_used, 3);
  EXPECT_EQ(f.unknown_id, 2);
  EXPECT_EQ(f.duplicate_id, 1);
  EXPECT_EQ(f.bad_value, 2);
  EXPECT_EQ(f.rows_read, f.rows_used + f.unknown_id + f.duplicate_id + f.bad_value);
  EXPECT_EQ(f.first_line.at("unknown_id"), 3);
  EXPECT_EQ(f.first_line.at("duplicate_id"), 5);
  EXPECT_EQ(f.first_line.at("bad_value"), 7);
  EXPECT_EQ(f.ids, 4);
  EXPECT_EQ(f.ids_with_row, 3);
  EXPECT_EQ(f.counts.at("with_category"), 2);
  EXPECT_EQ(f.counts.at("categories"), 2);
  EXPECT_EQ(f.counts.at("with_price"), 2);
  EXPECT_EQ(f.counts.at("unavailable"), 1);
  EXPECT_EQ(f.columns.at("id"), "sku");
  EXPECT_EQ(f.columns.at("category"), "group");
  EXPECT_FALSE(r.customers_file.has_value());

  const Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.item_ids, ElementsAre("i1", "i2", "i3", "i4"));
  const ItemMeta& m = d.item_meta;
  EXPECT_THAT(m.category_names, ElementsAre("mugs", "bowls"));
  EXPECT_THAT(m.category, ElementsAre(0u, kNo, 1u, kNo));
  EXPECT_THAT(m.name, ElementsAre("Blue mug", "Tea", "Bowl, large", ""));
  ASSERT_EQ(m.price.size(), 4u);
  EXPECT_EQ(m.price[0], 1.99f);
  EXPECT_TRUE(std::isnan(m.price[1]));
  EXPECT_EQ(m.price[2], 0.0f);
  EXPECT_TRUE(std::isnan(m.price[3]));  // i4 has no row
  EXPECT_THAT(m.available, ElementsAre(1, 1, 0, 1));
  EXPECT_TRUE(d.customer_meta.opt_out.empty());

  // The stored report carries the side file's figures.
  const nlohmann::json j = nlohmann::json::parse(*d.import_report);
  EXPECT_EQ(j["items_file"]["rows_used"], 3);
  EXPECT_EQ(j["items_file"]["unknown_id"], 2);
  EXPECT_EQ(j["items_file"]["first_line"]["duplicate_id"], 5);
  EXPECT_EQ(j["items_file"]["with_category"], 2);
}

TEST(ImportSideFiles, OnlyTheGivenColumnsBecomeDatasets) {
  testing::TempDir dir;
  write_text(dir / "tx.csv", kTransactions);
  write_text(dir / "items.csv", kItems);
  ImportOptions o = side_options(dir);
  o.items_file->name_col.reset();
  o.items_file->price_col.reset();
  o.items_file->available_col.reset();
  import_csv(dir / "tx.csv", dir / "out.h5", o);
  const Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_TRUE(d.item_meta.has_category());
  EXPECT_TRUE(d.item_meta.name.empty());
  EXPECT_FALSE(d.item_meta.has_price());
  EXPECT_TRUE(d.item_meta.available.empty());
}

TEST(ImportSideFiles, CustomersFileWithBooleansSegmentsAndChannels) {
  testing::TempDir dir;
  write_gzip(dir / "customers.csv.gz", kCustomers);
  // The side files share the transactions' delimiter.
  std::string tx = kTransactions;
  for (char& c : tx)
    if (c == ',') c = ';';
  write_text(dir / "tx.csv", tx);
  ImportOptions o = tx_options();
  o.delimiter = ';';
  o.threads = 2;
  CustomersFileOptions c = customers_file(dir / "customers.csv.gz");
  c.segment_col = "seg";
  c.channel_col = "via";
  o.customers_file = c;
  const ImportReport r = import_csv(dir / "tx.csv", dir / "out.h5", o);
  ASSERT_TRUE(r.customers_file.has_value());
  EXPECT_EQ(r.customers_file->rows_used, 2);
  EXPECT_EQ(r.customers_file->unknown_id, 1);
  EXPECT_EQ(r.customers_file->first_line.at("unknown_id"), 4);
  EXPECT_EQ(r.customers_file->counts.at("opted_out"), 1);
  EXPECT_EQ(r.customers_file->counts.at("segments"), 1);
  EXPECT_EQ(r.customers_file->counts.at("with_channel"), 2);
  const Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.customer_ids, ElementsAre("c1", "c2", "c3"));
  const CustomerMeta& m = d.customer_meta;
  EXPECT_THAT(m.opt_out, ElementsAre(0, 1, 0));
  EXPECT_THAT(m.segment_names, ElementsAre("gold"));
  EXPECT_THAT(m.segment, ElementsAre(kNo, 0u, kNo));
  EXPECT_THAT(m.channel_names, ElementsAre("email", "app"));
  EXPECT_THAT(m.channel, ElementsAre(1u, 0u, kNo));
  EXPECT_TRUE(d.item_meta.category.empty());
}

// Runs the import expecting an InputError containing every part; nothing may be written.
void expect_import_error(const fs::path& csv, const fs::path& out, const ImportOptions& o,
                         const std::vector<std::string>& parts) {
  try {
    import_csv(csv, out, o);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    for (const auto& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST(ImportSideFiles, BadYesNoOrPriceNamesFileLineColumnAndValue) {
  testing::TempDir dir;
  write_text(dir / "tx.csv", kTransactions);
  const std::string items = (dir / "items.csv").string();

  write_text(dir / "items.csv", "sku,title,group,unit_price,active\ni1,a,b,1,yes\ni2,a,b,2,maybe\n");
  expect_import_error(dir / "tx.csv", dir / "out.h5", side_options(dir),
                      {items + ": line 3: column 'active': 'maybe' is not a yes/no value"});

  write_text(dir / "items.csv", "sku,title,group,unit_price,active\ni3,a,b,1.2.3,1\n");
  expect_import_error(dir / "tx.csv", dir / "out.h5", side_options(dir),
                      {items + ": line 2: column 'unit_price': price '1.2.3' is not a finite number"});

  write_text(dir / "items.csv", "sku,title,group,unit_price,active\ni3,a,b,-2,1\n");
  expect_import_error(dir / "tx.csv", dir / "out.h5", side_options(dir),
                      {items + ": line 2: column 'unit_price': price '-2' is negative"});

  // Bad values of rows that are not used (unknown ids) are not looked at.
  write_text(dir / "items.csv", "sku,title,group,unit_price,active\nzz,a,b,x,maybe\n");
  EXPECT_NO_THROW(import_csv(dir / "tx.csv", dir / "out.h5", side_options(dir)));

  write_text(dir / "customers.csv", "id,opt\nc1,perhaps\n");
  ImportOptions o = side_options(dir);
  o.items_file.reset();
  o.customers_file = customers_file(dir / "customers.csv");
  expect_import_error(dir / "tx.csv", dir / "out2.h5", o,
                      {(dir / "customers.csv").string() +
                       ": line 2: column 'opt': 'perhaps' is not a yes/no value"});
}

TEST(ImportSideFiles, MissingFileOrColumnIsAnError) {
  testing::TempDir dir;
  write_text(dir / "tx.csv", kTransactions);
  ImportOptions o = side_options(dir);
  expect_import_error(dir / "tx.csv", dir / "out.h5", o,
                      {(dir / "items.csv").string() + ": no such file"});
  write_text(dir / "items.csv", kItems);
  o.items_file->category_col = "kind";
  expect_import_error(dir / "tx.csv", dir / "out.h5", o, {"line 1: no category column 'kind'"});
  o = side_options(dir);
  o.items_file->id_col = "";
  expect_import_error(dir / "tx.csv", dir / "out.h5", o, {"no item id column given"});
}

TEST(ImportSideFiles, PricesFromValues) {
  testing::TempDir dir;
  write_text(dir / "tx.csv", kTransactions);
  ImportOptions o = tx_options();
  o.quantity_col = "qty";
  o.price_col = "price";
  o.item_price_from_value = true;
  ImportReport r = import_csv(dir / "tx.csv", dir / "out.h5", o);
  ASSERT_TRUE(r.item_prices_from_value.has_value());
  EXPECT_EQ(*r.item_prices_from_value, 4);
  Dataset d = load_dataset(dir / "out.h5", {});
  // i1: unit prices 1.5, 2.5, 1.5 -> 1.5; i2: 4; i3: 1; i4: 10.
  EXPECT_THAT(d.item_meta.price, ElementsAre(1.5f, 4.0f, 1.0f, 10.0f));

  // A line total: value / quantity; a negative total is not a price.
  o.price_col.reset();
  o.value_col = "total";
  r = import_csv(dir / "tx.csv", dir / "out.h5", o);
  EXPECT_EQ(*r.item_prices_from_value, 3);
  d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.log.value, ElementsAre(3.0f, 4.0f, 2.5f, 3.0f, -10.0f, 1.5f));
  ASSERT_EQ(d.item_meta.price.size(), 4u);
  EXPECT_EQ(d.item_meta.price[0], 1.5f);  // 3/2, 2.5/1, 1.5/1 -> median 1.5
  EXPECT_EQ(d.item_meta.price[1], 4.0f);
  EXPECT_EQ(d.item_meta.price[2], 1.0f);
  EXPECT_TRUE(std::isnan(d.item_meta.price[3]));

  // The items file's price wins; values fill the unknown ones.
  write_text(dir / "items.csv", kItems);
  o = side_options(dir);
  o.item_price_from_value = true;
  r = import_csv(dir / "tx.csv", dir / "out.h5", o);
  EXPECT_EQ(*r.item_prices_from_value, 2);  // i2 (empty price) and i4 (no row)
  d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.item_meta.price, ElementsAre(1.99f, 4.0f, 0.0f, 10.0f));

  ImportOptions none = tx_options();
  none.item_price_from_value = true;
  expect_import_error(dir / "tx.csv", dir / "x.h5", none,
                      {"item prices from values need a unit price column or a value column"});
  none.price_col = "price";
  none.value_col = "total";
  none.item_price_from_value = false;
  expect_import_error(dir / "tx.csv", dir / "x.h5", none, {"not both"});
}

TEST(ImportSideFiles, InspectShowsTheMetadata) {
  testing::TempDir dir;
  write_text(dir / "tx.csv", kTransactions);
  write_text(dir / "items.csv", kItems);
  write_text(dir / "customers.csv", "id,opt,seg\nc1,1,gold\nc2,0,silver\nc3,0,gold\n");
  ImportOptions o = side_options(dir);
  CustomersFileOptions c = customers_file(dir / "customers.csv");
  c.segment_col = "seg";
  o.customers_file = c;
  import_csv(dir / "tx.csv", dir / "out.h5", o);
  const nlohmann::json j = inspect_json(dir / "out.h5");
  const nlohmann::json& im = j["item_metadata"];
  EXPECT_EQ(im["categories"], 2);
  EXPECT_EQ(im["items_with_category"], 2);
  EXPECT_EQ(im["top_categories"][0]["name"], "mugs");
  EXPECT_EQ(im["items_with_price"], 2);
  EXPECT_EQ(im["items_unavailable"], 1);
  EXPECT_EQ(im["items_with_name"], 3);
  const nlohmann::json& cm = j["customer_metadata"];
  EXPECT_EQ(cm["customers_opted_out"], 1);
  EXPECT_EQ(cm["segments"], 2);
  EXPECT_EQ(cm["top_segments"][0]["name"], "gold");
  EXPECT_EQ(cm["top_segments"][0]["count"], 2);
  const std::string text = inspect_text(j);
  EXPECT_THAT(text, HasSubstr("item metadata:"));
  EXPECT_THAT(text, HasSubstr("2 distinct, 2 (50.0%) of 4 items have one"));
  EXPECT_THAT(text, HasSubstr("largest: mugs 1, bowls 1"));
  EXPECT_THAT(text, HasSubstr("opted out"));
  EXPECT_THAT(text, HasSubstr("largest: gold 2, silver 1"));

  // A file without metadata has neither key.
  Dataset plain = load_dataset(dir / "out.h5", {});
  plain.item_meta = {};
  plain.customer_meta = {};
  write_dataset(dir / "plain.h5", plain);
  const nlohmann::json p = inspect_json(dir / "plain.h5");
  EXPECT_FALSE(p.contains("item_metadata"));
  EXPECT_FALSE(p.contains("customer_metadata"));
}

// ---- the dunnhumby sample -------------------------------------------------------------------------

TEST(ImportSideFiles, DunnhumbySampleWithProducts) {
  const fs::path dir = fs::path(TAILOR_SOURCE_DIR) / ".." / "shared" / "datasets" / "dunnhumby-sample";
  if (!fs::exists(dir / "transactions_sample.csv.gz") || !fs::exists(dir / "products.csv.gz"))
    GTEST_SKIP() << "dunnhumby sample not found under " << dir;
  testing::TempDir out;
  ImportOptions o;
  o.customer_col = "household_id";
  o.item_col = "product_id";
  o.time_col = "transaction_timestamp";
  o.quantity_col = "quantity";
  o.value_col = "sales_value";
  o.item_price_from_value = true;
  o.threads = 2;
  ItemsFileOptions items;
  items.path = dir / "products.csv.gz";
  items.id_col = "product_id";
  items.category_col = "product_category";
  o.items_file = items;
  const ImportReport r = import_csv(dir / "transactions_sample.csv.gz", out / "dh.h5", o);
  ASSERT_TRUE(r.items_file.has_value());
  const SideFileReport& f = *r.items_file;
  EXPECT_GT(f.rows_read, 90000);
  EXPECT_EQ(f.rows_used + f.unknown_id + f.duplicate_id + f.bad_value, f.rows_read);
  EXPECT_GT(f.unknown_id, 60000);  // the catalogue is much larger than the sample's items
  const Dataset d = load_dataset(out / "dh.h5", {});
  ASSERT_EQ(d.item_meta.category.size(), d.item_ids.size());
  const auto with = std::count_if(d.item_meta.category.begin(), d.item_meta.category.end(),
                                  [](std::uint32_t c) { return c != kNoCategory; });
  EXPECT_GE(static_cast<double>(with), 0.95 * static_cast<double>(d.items()));
  EXPECT_GT(d.item_meta.category_names.size(), 100u);
  const auto priced = std::count_if(d.item_meta.price.begin(), d.item_meta.price.end(),
                                    [](float p) { return !std::isnan(p); });
  EXPECT_GE(static_cast<double>(priced), 0.95 * static_cast<double>(d.items()));
}

}  // namespace
}  // namespace tailor
