// `tailor import` and `tailor inspect`: a hand-written CSV with one row per drop reason (quoted
// fields with commas, quotes and line breaks, CRLF line ends), the HDF5 file it becomes (ids in
// first-appearance order, values, the import_report attribute), gzip and threaded input, errors
// that name the file and line, records that straddle the parser's buffer, time formats, the
// bundled Online Retail sample, and inspect's summary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/data/import_csv.hpp"
#include "host/data/inspect.hpp"
#include "host/io/time.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

using testing::write_gzip;
using testing::write_text;

// Unix seconds of a UTC calendar time.
std::int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  const sys_days date{year{y} / month{mo} / day{d}};
  return (sys_seconds{date} + hours{h} + minutes{mi} + seconds{s}).time_since_epoch().count();
}

std::string crlf(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\r\n";
  return out;
}

// One row per case; the comment says what happens to it. Lines are CRLF-terminated except the
// last; row 3 holds a quoted CRLF, so every later row sits one line further down.
const std::vector<std::string> kRows = {
    "Invoice,Customer,Item,Description,Qty,When,Price,Country",
    "1001,c1,i1,\"Mug, blue\",2,2011-01-02 10:00:00,1.5,UK",           // kept
    "1001,c1,i2,\"Say \"\"hi\"\" card\",1,2011-01-02 10:00,2.25,UK",   // kept
    "1002,\"c,2\",i1,\"two\r\nlines\",3,2011-01-03T08:00:00Z,1.5,UK",  // kept, id "c,2"
    "1003,,i1,x,1,2011-01-03 09:00,1,UK",                              // blank_customer
    "1003,  ,i1,x,1,2011-01-03 09:00,1,UK",                            // blank_customer
    "1004,c3,,x,1,2011-01-03 09:00,1,UK",                              // blank_item
    "1005,c3,i3,x,abc,2011-01-03 09:00,1,UK",                          // unparsable_quantity
    "1005,c3,i3,x,1,2011-01-03 09:00,1.2.3,UK",                        // unparsable_price
    "1005,c3,i3,x,1,yesterday,1,UK",                                   // unparsable_time
    "C1006,c1,i1,x,-2,2011-01-03 09:00,1.5,UK",                        // cancelled
    "1007,c3,i3,x,-1,2011-01-03 09:00,1,UK",                           // negative_quantity
    "1007,c3,i3,x,0,2011-01-03 09:00,1,UK",                            // zero_quantity
    "1008,c3,i3,x,1,2011-01-03 09:00,-5,UK",                           // negative_price
    "1009,c3,POST,postage,1,2011-01-03 09:00,18,UK",                   // excluded_item
    "1010,c3,i3,x,1,2011-01-03 09:00",                                 // wrong_field_count
    "1010,c3,i3,x,1,2011-01-03 09:00,1,UK,extra",                      // wrong_field_count
    "",                                                                // blank_line
    "1011,\"c3\"x,i3,x,1,2011-01-03 09:00,1,UK",                       // bad_quotes
    "1012,17850.0,85123A,\"WHITE HANGING HEART\",6,12/1/2010 8:26,2.55,United Kingdom",  // kept
    "1013,0042,i3,free,+4,1291191960,0,UK",                         // kept, price 0
    "1014,c1,i3,\"quoted, \"\"all\"\" over\",1.5,2011-02-01,2,UK",  // kept
    "1015,c4,\"i\"\"5\",x,1,2011-02-02 00:00:00,1,UK",              // kept, id i"5
};

std::string hand_csv() {
  std::string text = crlf(kRows);
  text.resize(text.size() - 2);  // no line end after the last row
  return text;
}

ImportOptions hand_options() {
  ImportOptions o;
  o.customer_col = "Customer";
  o.item_col = "Item";
  o.time_col = "When";
  o.quantity_col = "Qty";
  o.price_col = "Price";
  o.exclude_items = {"POST", "M", "BANK CHARGES"};
  o.cancel_col = "Invoice";
  return o;
}

const std::map<std::string, std::int64_t> kHandDropped = {
    {"bad_quotes", 1},          {"blank_customer", 2},    {"blank_item", 1},
    {"blank_line", 1},          {"cancelled", 1},         {"excluded_item", 1},
    {"negative_price", 1},      {"negative_quantity", 1}, {"unparsable_price", 1},
    {"unparsable_quantity", 1}, {"unparsable_time", 1},   {"wrong_field_count", 2},
    {"zero_quantity", 1}};

std::int64_t sum(const std::map<std::string, std::int64_t>& m) {
  std::int64_t n = 0;
  for (const auto& [k, v] : m) n += v;
  return n;
}

nlohmann::json without_seconds(const std::string& report) {
  nlohmann::json j = nlohmann::json::parse(report);
  j.erase("seconds");
  return j;
}

TEST(Import, CountsEveryDroppedRowByReason) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  std::vector<std::int64_t> progress;
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", hand_options(),
                              [&](std::int64_t rows) { progress.push_back(rows); });
  EXPECT_EQ(r.rows_read, 22);
  EXPECT_EQ(r.rows_kept, 7);
  EXPECT_EQ(r.dropped, kHandDropped);
  EXPECT_EQ(r.rows_read, r.rows_kept + sum(r.dropped));
  EXPECT_EQ(r.rows_dropped(), sum(r.dropped));
  EXPECT_EQ(r.customers, 5);
  EXPECT_EQ(r.items, 5);
  EXPECT_EQ(r.source, (dir / "in.csv").string());
  // Lines count physical lines: row 3 spans lines 4-5, so row 4 is on line 6.
  EXPECT_EQ(r.first_dropped_line.at("blank_customer"), 6);
  EXPECT_EQ(r.first_dropped_line.at("wrong_field_count"), 17);
  EXPECT_EQ(r.first_dropped_line.at("blank_line"), 19);
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), 22);
  EXPECT_GT(r.seconds, 0.0);
}

TEST(Import, WritesIdsInFirstAppearanceOrderAndValues) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  import_csv(dir / "in.csv", dir / "out.h5", hand_options());
  Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_EQ(d.format_version, kInteractionsFormatVersion);
  EXPECT_THAT(d.customer_ids, ElementsAre("c1", "c,2", "17850.0", "0042", "c4"));
  EXPECT_THAT(d.item_ids, ElementsAre("i1", "i2", "85123A", "i3", "i\"5"));
  EXPECT_THAT(d.log.customer, ElementsAre(0u, 0u, 1u, 2u, 3u, 0u, 4u));
  EXPECT_THAT(d.log.item, ElementsAre(0u, 1u, 0u, 2u, 3u, 3u, 4u));
  EXPECT_THAT(d.log.time, ElementsAre(utc(2011, 1, 2, 10), utc(2011, 1, 2, 10), utc(2011, 1, 3, 8),
                                      utc(2010, 12, 1, 8, 26), utc(2010, 12, 1, 8, 26),
                                      utc(2011, 2, 1), utc(2011, 2, 2)));
  EXPECT_THAT(d.log.quantity, ElementsAre(2.0f, 1.0f, 3.0f, 6.0f, 4.0f, 1.5f, 1.0f));
  // value = quantity x price, computed in double and stored as float32.
  EXPECT_THAT(d.log.value,
              ElementsAre(3.0f, 2.25f, 4.5f, static_cast<float>(6 * 2.55), 0.0f, 3.0f, 1.0f));
  EXPECT_TRUE(d.log.event.empty());
  EXPECT_TRUE(d.event_names.empty());
}

TEST(Import, ReportRoundTripsThroughTheFile) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", hand_options());
  Dataset d = load_dataset(dir / "out.h5", {});
  ASSERT_TRUE(d.import_report.has_value());
  // The stored copy is taken just before the write, so only its timing differs.
  EXPECT_EQ(without_seconds(*d.import_report), without_seconds(r.to_json()));
  nlohmann::json j = nlohmann::json::parse(*d.import_report);
  EXPECT_EQ(j["rows_read"], 22);
  EXPECT_EQ(j["rows_kept"], 7);
  EXPECT_EQ(j["rows_dropped"], 15);
  EXPECT_EQ(j["dropped"]["cancelled"], 1);
  EXPECT_EQ(j["columns"]["customer"], "Customer");
  EXPECT_EQ(j["columns"]["cancel"], "Invoice");
  EXPECT_EQ(j["customers"], 5);
  EXPECT_EQ(j["source"], (dir / "in.csv").string());
}

TEST(Import, GzipAndThreadedInputGiveTheSameData) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  write_gzip(dir / "in.csv.gz", hand_csv());
  ImportReport plain = import_csv(dir / "in.csv", dir / "plain.h5", hand_options());
  ImportReport gz = import_csv(dir / "in.csv.gz", dir / "gz.h5", hand_options());
  ImportOptions threaded_options = hand_options();
  threaded_options.threads = 2;
  ImportReport threaded = import_csv(dir / "in.csv.gz", dir / "threaded.h5", threaded_options);
  EXPECT_EQ(gz.dropped, plain.dropped);
  EXPECT_EQ(threaded.dropped, plain.dropped);
  EXPECT_EQ(gz.rows_kept, plain.rows_kept);
  Dataset a = load_dataset(dir / "plain.h5", {});
  testing::expect_same_dataset(a, load_dataset(dir / "gz.h5", {}));
  testing::expect_same_dataset(a, load_dataset(dir / "threaded.h5", {}));
}

TEST(Import, WithoutCancelColumnCancellationsAreNegativeQuantities) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  ImportOptions o = hand_options();
  o.cancel_col.reset();
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
  EXPECT_EQ(r.dropped.count("cancelled"), 0u);
  EXPECT_EQ(r.dropped.at("negative_quantity"), 2);
  EXPECT_EQ(r.rows_read, r.rows_kept + sum(r.dropped));
}

TEST(Import, CancellationsKeptAsAnEvent) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  ImportOptions o = hand_options();
  o.cancel_event = "return";
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
  EXPECT_EQ(r.dropped.count("cancelled"), 0u);
  EXPECT_EQ(r.cancel_events, 1);
  EXPECT_EQ(r.rows_read, r.rows_kept + sum(r.dropped));
  const Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.event_names, ElementsAre("purchase", "return"));
  std::int64_t returns = 0;
  for (std::int64_t k = 0; k < d.log.size(); ++k) {
    if (d.log.event[k] != 1) continue;
    ++returns;
    // "C1006,c1,i1,x,-2,...,1.5": quantity 2 and value 3, as magnitudes.
    EXPECT_EQ(d.customer_ids[d.log.customer[k]], "c1");
    EXPECT_EQ(d.item_ids[d.log.item[k]], "i1");
    EXPECT_FLOAT_EQ(d.log.quantity[k], 2.0f);
    EXPECT_FLOAT_EQ(d.log.value[k], 3.0f);
  }
  EXPECT_EQ(returns, 1);
  EXPECT_NE(r.to_json().find("\"cancel_events\":1"), std::string::npos);
  o.cancel_col.reset();
  EXPECT_THROW(import_csv(dir / "in.csv", dir / "bad.h5", o), InputError);
}

TEST(Import, OptionalColumnsAreWrittenOnlyWhenNamed) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  ImportOptions o;
  o.customer_col = "Customer";
  o.item_col = "Item";
  o.quantity_col = "Qty";
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
  // No time, price, exclusion or cancel column: only structure, ids and quantity drop rows.
  EXPECT_EQ(r.dropped, (std::map<std::string, std::int64_t>{{"bad_quotes", 1},
                                                            {"blank_customer", 2},
                                                            {"blank_item", 1},
                                                            {"blank_line", 1},
                                                            {"negative_quantity", 2},
                                                            {"unparsable_quantity", 1},
                                                            {"wrong_field_count", 2},
                                                            {"zero_quantity", 1}}));
  Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_EQ(d.log.size(), r.rows_kept);
  EXPECT_TRUE(d.log.time.empty());
  EXPECT_TRUE(d.log.value.empty());
  EXPECT_EQ(d.log.quantity.size(), d.log.customer.size());
}

TEST(Import, EventsDelimiterAndByteOrderMark) {
  testing::TempDir dir;
  write_text(dir / "in.csv",
             "\xEF\xBB\xBFuser;sku;action;ts\n"
             "u1;a;view;1700000000\n"
             "u1;a;purchase;1700000100\n"
             "u2;b;view;2023-11-14T22:13:20+01:00\n"
             "u2;b;;1700000300\n"
             "\"u;3\";c;cart;1700000400\n");
  ImportOptions o;
  o.customer_col = "user";
  o.item_col = "sku";
  o.event_col = "action";
  o.time_col = "ts";
  o.delimiter = ';';
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
  EXPECT_EQ(r.rows_read, 5);
  EXPECT_EQ(r.dropped, (std::map<std::string, std::int64_t>{{"blank_event", 1}}));
  Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.customer_ids, ElementsAre("u1", "u2", "u;3"));
  EXPECT_THAT(d.event_names, ElementsAre("view", "purchase", "cart"));
  EXPECT_THAT(d.log.event, ElementsAre(0, 1, 0, 2));
  EXPECT_THAT(d.log.time, ElementsAre(1700000000, 1700000100, 1700000000 - 3600, 1700000400));
  EXPECT_TRUE(d.log.quantity.empty());
}

TEST(Import, MissingColumnListsTheAvailableOnes) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  ImportOptions o = hand_options();
  o.customer_col = "CustomerID";
  try {
    import_csv(dir / "in.csv", dir / "out.h5", o);
    FAIL() << "no error for a missing column";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_THAT(msg, HasSubstr((dir / "in.csv").string()));
    EXPECT_THAT(msg, HasSubstr("'CustomerID'"));
    for (const char* c :
         {"Invoice", "Customer", "Item", "Description", "Qty", "When", "Price", "Country"})
      EXPECT_THAT(msg, HasSubstr(std::string("'") + c + "'"));
  }
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
}

TEST(Import, ZeroKeptRowsIsAnErrorAndWritesNothing) {
  testing::TempDir dir;
  write_text(dir / "in.csv", crlf({kRows[0], kRows[4], kRows[10], kRows[15]}));
  try {
    import_csv(dir / "in.csv", dir / "out.h5", hand_options());
    FAIL() << "no error without kept rows";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("no row kept out of 3"));
    EXPECT_THAT(e.what(), HasSubstr("1 blank_customer"));
    EXPECT_THAT(e.what(), HasSubstr("1 cancelled"));
  }
  // Neither the file nor a temporary file is left behind.
  std::vector<fs::path> left;
  for (const auto& entry : fs::directory_iterator(dir.path())) left.push_back(entry.path());
  EXPECT_THAT(left, ElementsAre(dir / "in.csv"));

  write_text(dir / "header_only.csv", kRows[0] + "\r\n");
  EXPECT_THROW(import_csv(dir / "header_only.csv", dir / "out.h5", hand_options()), InputError);
  write_text(dir / "empty.csv", "");
  EXPECT_THROW(import_csv(dir / "empty.csv", dir / "out.h5", hand_options()), InputError);
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
}

TEST(Import, StructuralErrorsNameFileAndLine) {
  testing::TempDir dir;
  auto message = [&](const std::string& name, const std::string& text) {
    write_text(dir / name, text);
    try {
      import_csv(dir / name, dir / "out.h5", hand_options());
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // A quote that never closes swallows the rest of the file: the error points at its start.
  std::string m = message("open_quote.csv", crlf({kRows[0], kRows[1], kRows[2]}) +
                                                "1016,c1,\"i9,x,1,2011-01-02,1,UK\r\n" +
                                                "1017,c1,i1,x,1,2011-01-02,1,UK\r\n");
  EXPECT_THAT(m, HasSubstr("open_quote.csv: line 4: quoted field never closed"));
  // A truncated gzip stream.
  std::string big;
  for (int k = 0; k < 2000; ++k) big += crlf({kRows[1]});
  write_gzip(dir / "whole.csv.gz", crlf({kRows[0]}) + big);
  std::string bytes;
  {
    std::ifstream in(dir / "whole.csv.gz", std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_text(dir / "cut.csv.gz", bytes.substr(0, bytes.size() / 2));
  try {
    import_csv(dir / "cut.csv.gz", dir / "out.h5", hand_options());
    ADD_FAILURE() << "no error for a truncated gzip file";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cut.csv.gz"));
  }
  EXPECT_THAT(message("nothing.csv", ""), HasSubstr("nothing.csv: empty file"));
  EXPECT_THROW(import_csv(dir / "missing.csv", dir / "out.h5", hand_options()), InputError);
  ImportOptions bad_format = hand_options();
  bad_format.time_format = "%Y-%m-%d %Q";
  write_text(dir / "in.csv", hand_csv());
  EXPECT_THROW(import_csv(dir / "in.csv", dir / "out.h5", bad_format), InputError);
  EXPECT_FALSE(fs::exists(dir / "out.h5"));
}

// The message of the InputError importing `text` with `o` throws; "no error" when there is none.
std::string import_error(const std::string& text, const ImportOptions& o) {
  testing::TempDir dir;
  write_text(dir / "in.csv", text);
  try {
    import_csv(dir / "in.csv", dir / "out.h5", o);
  } catch (const InputError& e) {
    EXPECT_FALSE(fs::exists(dir / "out.h5"));
    return e.what();
  }
  return "no error";
}

// Amounts beyond float32 would be stored as infinity, which the loader refuses.
TEST(Import, AmountsBeyondFloat32AreRefusedWithLineAndValue) {
  const ImportOptions o = hand_options();
  const std::string header = kRows[0] + "\n";
  EXPECT_THAT(import_error(header + "1,c1,i1,x,1e39,2011-01-02,1,UK\n", o),
              HasSubstr("in.csv: line 2: quantity 1e+39 does not fit in float32"));
  EXPECT_THAT(import_error(header + "1,c1,i1,x,1,2011-01-02,1,UK\n2,c1,i1,x,3e20,2011-01-02,2e20,UK\n",
                           o),
              HasSubstr("line 3: value 6e+40 (quantity 3e+20 x price 2e+20) does not fit in float32"));
  ImportOptions v = hand_options();
  v.price_col.reset();
  v.value_col = "Price";
  EXPECT_THAT(import_error(header + "1,c1,i1,x,1,2011-01-02,-4e38,UK\n", v),
              HasSubstr("line 2: value -4e+38 does not fit in float32"));
  // The largest float32 itself is kept.
  EXPECT_EQ(import_error(header + "1,c1,i1,x,3.4e38,2011-01-02,1,UK\n", o), "no error");
}

// HDF5 strings end at a NUL byte: "\0x" would become an empty id and "a\0b" the id "a".
TEST(Import, IdsWithANulByteAreRefusedWithLine) {
  const ImportOptions o = hand_options();
  const std::string header = kRows[0] + "\n";
  const std::string nul_customer = std::string("1,") + '\0' + "c1,i1,x,1,2011-01-02,1,UK\n";
  EXPECT_THAT(import_error(header + nul_customer, o),
              HasSubstr("in.csv: line 2: customer id \"\\0c1\" holds a NUL byte"));
  const std::string nul_item = std::string("1,c1,i") + '\0' + "1,x,1,2011-01-02,1,UK\n";
  EXPECT_THAT(import_error(header + "1,c1,i1,x,1,2011-01-02,1,UK\n" + nul_item, o),
              HasSubstr("line 3: item id \"i\\01\" holds a NUL byte"));
  // A NUL in a column that is not stored does not matter.
  EXPECT_EQ(import_error(header + std::string("1,c1,i1,") + '\0' + ",1,2011-01-02,1,UK\n", o),
            "no error");
}

TEST(Import, QuotedHeaderAfterAByteOrderMark) {
  testing::TempDir dir;
  write_text(dir / "in.csv", "\xEF\xBB\xBF\"CustomerID\",\"StockCode\"\r\n\"17850\",\"85123A\"\r\n");
  ImportOptions o;
  o.customer_col = "CustomerID";
  o.item_col = "StockCode";
  const ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
  EXPECT_EQ(r.rows_kept, 1);
  const Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_THAT(d.customer_ids, ElementsAre("17850"));
  EXPECT_THAT(d.item_ids, ElementsAre("85123A"));
}

TEST(Import, DelimiterEscapesAndHints) {
  EXPECT_EQ(parse_delimiter(";"), ';');
  EXPECT_EQ(parse_delimiter("\\t"), '\t');
  EXPECT_EQ(parse_delimiter("tab"), '\t');
  EXPECT_EQ(parse_delimiter("\t"), '\t');
  EXPECT_THROW(parse_delimiter(";;"), InputError);
  EXPECT_THROW(parse_delimiter(""), InputError);
  ImportOptions o;
  o.customer_col = "c";
  o.item_col = "i";
  EXPECT_THAT(import_error("c;i\nx;y\n", o),
              HasSubstr("(is the file separated by ';'? then give --delimiter ';')"));
  EXPECT_THAT(import_error("c\ti\nx\ty\n", o), HasSubstr("then give --delimiter '\\t'"));
  // A header of several fields gets no guess.
  EXPECT_THAT(import_error("a;b,c\n1,2\n", o), Not(HasSubstr("is the file separated")));
  o.delimiter = parse_delimiter("\\t");
  EXPECT_EQ(import_error("c\ti\nx\ty\n", o), "no error");
}

TEST(Import, UnparsableTimesShowASampleAndTheFormat) {
  ImportOptions o = hand_options();
  o.time_format = "%d.%m.%Y";
  const std::string text = crlf({kRows[0], kRows[1], kRows[2]});
  EXPECT_THAT(import_error(text, o),
              HasSubstr("the first unparsable time, at line 2, is '2011-01-02 10:00:00' "
                        "(--time-format '%d.%m.%Y')"));
  o.time_format.reset();
  EXPECT_THAT(import_error(crlf({kRows[0], kRows[9]}), o),
              HasSubstr("is 'yesterday' (recognised without --time-format"));
  // Stored in the report when rows are kept.
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  EXPECT_EQ(import_csv(dir / "in.csv", dir / "out.h5", hand_options()).first_unparsable_time,
            "yesterday");
}

TEST(Import, RecordsAcrossBufferBoundaries) {
  // ~9 MB of quoted, escaped, multi-line fields plus one 6 MB field: records straddle the 4 MiB
  // parse buffer, quote pairs and CRLFs get cut by it, and the buffer has to grow once.
  testing::TempDir dir;
  std::string text = "customer,item,note,qty\r\n";
  const int rows = 120000;
  for (int k = 0; k < rows; ++k) {
    text += "\"cust " + std::to_string(k % 997) + "\",";
    text += "item" + std::to_string(k % 101) + ",";
    text +=
        "\"a \"\"note\"\", with\r\n" + std::string(static_cast<std::size_t>(k % 13), 'x') + "\",";
    text += std::to_string(k % 5) + "\r\n";  // k % 5 == 0: zero_quantity
  }
  text += "\"big\",itemX,\"" + std::string(6u << 20, 'y') + "\",1\r\n";
  write_text(dir / "in.csv", text);
  write_gzip(dir / "in.csv.gz", text);
  ImportOptions o;
  o.customer_col = "customer";
  o.item_col = "item";
  o.quantity_col = "qty";
  for (const char* name : {"in.csv", "in.csv.gz"}) {
    for (int threads : {1, 2}) {
      o.threads = threads;
      ImportReport r = import_csv(dir / name, dir / "out.h5", o);
      EXPECT_EQ(r.rows_read, rows + 1) << name;
      EXPECT_EQ(r.dropped, (std::map<std::string, std::int64_t>{{"zero_quantity", rows / 5}}))
          << name;
      EXPECT_EQ(r.customers, 997 + 1) << name;
      EXPECT_EQ(r.items, 101 + 1) << name;
    }
  }
  Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_EQ(d.customer_ids[0], "cust 1");  // row 0 has quantity 0
  EXPECT_EQ(d.customer_ids.back(), "big");
}

// RFC 4180 quoting of one field: quoted when it holds a delimiter, quote, CR or LF.
std::string quote(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

TEST(Import, RandomIdsRoundTripExactly) {
  const std::uint64_t seed = 20240611;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::string alphabet = "ab1 ,\"\r\n.0-\xC3\xA9";  // includes a UTF-8 e-acute (2 bytes)
  auto random_id = [&] {
    std::string s;
    const auto n = 1 + rng() % 8;
    for (std::uint64_t k = 0; k < n; ++k) s += alphabet[rng() % alphabet.size()];
    if (s.find_first_not_of(" ") == std::string::npos) s += "x";  // not blank
    return s;
  };
  std::vector<std::string> customers(300), items(200);
  for (auto& c : customers) c = random_id();
  for (auto& i : items) i = random_id();
  std::string text = "item,customer\n";
  std::vector<std::string> want_customers, want_items;
  std::vector<std::uint32_t> want_rows;
  for (int row = 0; row < 5000; ++row) {
    const std::string& c = customers[rng() % customers.size()];
    const std::string& i = items[rng() % items.size()];
    text += quote(i) + "," + quote(c) + (rng() % 2 ? "\r\n" : "\n");
    auto at = std::find(want_customers.begin(), want_customers.end(), c);
    if (at == want_customers.end()) at = want_customers.insert(at, c);
    want_rows.push_back(static_cast<std::uint32_t>(at - want_customers.begin()));
    if (std::find(want_items.begin(), want_items.end(), i) == want_items.end())
      want_items.push_back(i);
  }
  testing::TempDir dir;
  write_text(dir / "in.csv", text);
  ImportOptions o;
  o.customer_col = "customer";
  o.item_col = "item";
  ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
  EXPECT_EQ(r.rows_read, 5000);
  EXPECT_TRUE(r.dropped.empty());
  Dataset d = load_dataset(dir / "out.h5", {});
  EXPECT_EQ(d.customer_ids, want_customers);
  EXPECT_EQ(d.item_ids, want_items);
  EXPECT_EQ(d.log.customer, want_rows);
}

TEST(Import, ArbitraryBytesGiveAReportOrAnInputError) {
  // Small files of CSV metacharacters: every one either imports with complete row accounting
  // or fails with InputError; nothing else (no crash, no other exception).
  const std::uint64_t seed = 7;
  std::mt19937_64 rng(seed);
  const std::string alphabet = "a1,\"\r\n ";
  testing::TempDir dir;
  ImportOptions o;
  o.customer_col = "c";
  o.item_col = "i";
  o.quantity_col = "q";
  int imported = 0;
  for (int file = 0; file < 300; ++file) {
    std::string text = "c,i,q\n";
    const auto n = rng() % 200;
    for (std::uint64_t k = 0; k < n; ++k) text += alphabet[rng() % alphabet.size()];
    write_text(dir / "in.csv", text);
    try {
      ImportReport r = import_csv(dir / "in.csv", dir / "out.h5", o);
      EXPECT_EQ(r.rows_read, r.rows_kept + sum(r.dropped)) << "seed " << seed << " file " << file;
      ++imported;
    } catch (const InputError&) {
    }
  }
  EXPECT_GT(imported, 0);
}

TEST(ImportTime, AutoDetectedFormats) {
  std::int64_t t = 0;
  const std::optional<std::string> none;
  ASSERT_TRUE(parse_time("2010-12-01 08:26:00", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1, 8, 26));
  ASSERT_TRUE(parse_time("2010-12-01 08:26", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1, 8, 26));
  ASSERT_TRUE(parse_time("2010-12-01", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1));
  ASSERT_TRUE(parse_time("2010-12-01T08:26:00Z", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1, 8, 26));
  ASSERT_TRUE(parse_time("2010-12-01T08:26:00.250+02:00", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1, 6, 26));
  ASSERT_TRUE(parse_time("2010-12-01T08:26:00-0130", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1, 9, 56));
  ASSERT_TRUE(parse_time("12/1/2010 8:26", none, t));
  EXPECT_EQ(t, utc(2010, 12, 1, 8, 26));
  ASSERT_TRUE(parse_time("1/31/2011 12:05 AM", none, t));
  EXPECT_EQ(t, utc(2011, 1, 31, 0, 5));
  ASSERT_TRUE(parse_time(" 1291191960 ", none, t));
  EXPECT_EQ(t, 1291191960);
  ASSERT_TRUE(parse_time("1291191960.75", none, t));
  EXPECT_EQ(t, 1291191960);
  ASSERT_TRUE(parse_time("2012-02-29 23:59:59", none, t));
  EXPECT_EQ(t, utc(2012, 2, 29, 23, 59, 59));
  for (const char* bad :
       {"", "yesterday", "2011-02-29", "2010-13-01", "2010-12-01 24:00", "2010-12-01 08:60",
        "2010-12-01 08:26:00 junk", "13/1/2010 8:26", "12/1/10 8:26", "1291191960x", "2010-12-1"})
    EXPECT_FALSE(parse_time(bad, none, t)) << bad;
}

TEST(ImportTime, ExplicitFormats) {
  std::int64_t t = 0;
  ASSERT_TRUE(parse_time("01.12.2010 08:26", std::string("%d.%m.%Y %H:%M"), t));
  EXPECT_EQ(t, utc(2010, 12, 1, 8, 26));
  ASSERT_TRUE(parse_time("1-Dec-10 8:26:05 PM", std::string("%e-%b-%y %I:%M:%S %p"), t));
  EXPECT_EQ(t, utc(2010, 12, 1, 20, 26, 5));
  ASSERT_TRUE(parse_time("December 1, 2010", std::string("%B %d, %Y"), t));
  EXPECT_EQ(t, utc(2010, 12, 1));
  ASSERT_TRUE(parse_time("2010-12-01T08:26:00+0100", std::string("%FT%T%z"), t));
  EXPECT_EQ(t, utc(2010, 12, 1, 7, 26));
  ASSERT_TRUE(parse_time("@1291191960", std::string("@%s"), t));
  EXPECT_EQ(t, 1291191960);
  EXPECT_FALSE(parse_time("2010-12-01 08:26", std::string("%d.%m.%Y %H:%M"), t));
  EXPECT_FALSE(parse_time("31.04.2011 08:26", std::string("%d.%m.%Y %H:%M"), t));
}

TEST(Import, BundledOnlineRetailSample) {
  const fs::path sample = fs::path(TAILOR_SOURCE_DIR) / "data" / "online_retail_sample.csv.gz";
  ASSERT_TRUE(fs::exists(sample)) << sample;
  // Data lines in the sample (it has no quoted line breaks): lines after the header.
  std::int64_t lines = 0;
  {
    gzFile gz = gzopen(sample.c_str(), "rb");
    ASSERT_NE(gz, nullptr);
    std::vector<char> buf(1 << 16);
    int got = 0;
    while ((got = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0)
      lines += std::count(buf.data(), buf.data() + got, '\n');
    gzclose(gz);
  }
  testing::TempDir dir;
  ImportOptions o;  // the flags the README gives for the Online Retail file
  o.customer_col = "CustomerID";
  o.item_col = "StockCode";
  o.time_col = "InvoiceDate";
  o.quantity_col = "Quantity";
  o.price_col = "UnitPrice";
  ImportReport r = import_csv(sample, dir / "sample.h5", o);
  EXPECT_EQ(r.rows_read, lines - 1);
  EXPECT_EQ(r.rows_read, r.rows_kept + sum(r.dropped));
  EXPECT_GT(r.rows_kept, 15000);
  // All rows carry a customer (the sample is cut by customer); cancellations are the drops.
  EXPECT_EQ(r.dropped.count("blank_customer"), 0u);
  EXPECT_GT(r.dropped.at("negative_quantity"), 0);
  EXPECT_GE(r.customers, 250);
  EXPECT_LE(r.customers, 500);
  EXPECT_GT(r.items, 1000);
  Dataset d = load_dataset(dir / "sample.h5", {});
  EXPECT_EQ(d.log.size(), r.rows_kept);
  EXPECT_EQ(d.customer_ids[0].substr(d.customer_ids[0].size() - 2), ".0");  // "17548.0"
  const auto [lo, hi] = std::minmax_element(d.log.time.begin(), d.log.time.end());
  EXPECT_GE(*lo, utc(2010, 12, 1));
  EXPECT_LT(*hi, utc(2011, 12, 10));
}

TEST(Inspect, SummaryOfAHandMadeFile) {
  testing::TempDir dir;
  write_text(dir / "in.csv", hand_csv());
  import_csv(dir / "in.csv", dir / "out.h5", hand_options());
  nlohmann::json j = inspect_json(dir / "out.h5", 3);
  EXPECT_EQ(j["interactions"], 7);
  EXPECT_EQ(j["customers"], 5);
  EXPECT_EQ(j["items"], 5);
  EXPECT_EQ(j["pairs"], 7);
  EXPECT_DOUBLE_EQ(j["density"].get<double>(), 7.0 / 25.0);
  EXPECT_EQ(j["per_customer"]["rows"]["max"], 3);  // c1
  EXPECT_EQ(j["per_customer"]["rows"]["min"], 1);
  EXPECT_EQ(j["per_customer"]["rows"]["median"], 1.0);
  EXPECT_EQ(j["time"]["first_date"], "2010-12-01");
  EXPECT_EQ(j["time"]["last_date"], "2011-02-02");
  EXPECT_EQ(j["time"]["first"], "2010-12-01T08:26:00Z");
  EXPECT_DOUBLE_EQ(j["quantity_total"].get<double>(), 18.5);
  EXPECT_NEAR(j["value_total"].get<double>(), 3 + 2.25 + 4.5 + 15.3 + 0 + 3 + 1, 1e-4);
  ASSERT_EQ(j["top_items_by_customers"].size(), 3u);
  EXPECT_EQ(j["top_items_by_customers"][0]["id"], "i1");  // c1, "c,2"; i3 ties with 2 customers
  EXPECT_EQ(j["top_items_by_customers"][0]["customers"], 2);
  EXPECT_EQ(j["top_items_by_customers"][1]["id"], "i3");
  EXPECT_EQ(j["import_report"]["rows_read"], 22);

  const std::string text = inspect(dir / "out.h5", 3);
  for (const char* line : {"format tailor-interactions version 1",
                           "interactions          7\n",
                           "customers             5\n",
                           "items                 5\n",
                           "customer-item pairs   7 (density 28%)",
                           "rows per customer     min 1, median 1, mean 1.4, max 3",
                           "dates                 2010-12-01 .. 2011-02-02 (64 days, UTC)",
                           "quantity total        18.50",
                           "value total           29.05",
                           "top 3 items by customers:\n    1. i1  2 customers, 2 rows",
                           "rows read             22",
                           "rows kept             7",
                           "blank_customer          2 (first on line 6)"})
    EXPECT_THAT(text, HasSubstr(line));
}

}  // namespace
}  // namespace tailor
