// The steps of `tailor import` one at a time (host/data/import_steps.hpp): the option checks and
// their order, the header and column lookup, the classification of every bad row class (alone,
// and for each pair of faults the earlier reason of import_csv.hpp wins), kept rows and their
// events, the row loop and its accounting, the side files (first row of a duplicate id wins,
// unknown ids, bad rows, defaults, counts), yes/no and price values, and median unit prices.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/import_steps.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using namespace import_detail;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::write_text;

// The message of the InputError `f` throws; "no error" when it throws none.
std::string input_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

// ---- ids --------------------------------------------------------------------------------------

TEST(ImportSteps, DictionaryNumbersIdsInOrderOfFirstAppearance) {
  Dictionary d;
  EXPECT_EQ(d.intern("b"), 0u);
  EXPECT_EQ(d.intern("a"), 1u);
  EXPECT_EQ(d.intern("a"), 1u);  // the same id twice in a row
  EXPECT_EQ(d.intern("b"), 0u);  // and after another one
  EXPECT_EQ(d.intern(""), 2u);   // an empty id is an id like any other
  const std::string big(100000, 'x');  // longer than one arena block
  EXPECT_EQ(d.intern(big), 3u);
  EXPECT_EQ(d.intern("c"), 4u);
  EXPECT_EQ(d.size(), 5u);
  EXPECT_EQ(d.find("a"), 1);
  EXPECT_EQ(d.find(big), 3);
  EXPECT_EQ(d.find("A"), -1);  // exact match only
  EXPECT_EQ(d.find(" a"), -1);
  EXPECT_EQ(d.ids(), (std::vector<std::string>{"b", "a", "", big, "c"}));
}

TEST(ImportSteps, DictionaryKeepsItsOwnCopyOfEachId) {
  Dictionary d;
  std::string id = "first";
  d.intern(id);
  id = "other";  // the caller's buffer changes, as the CSV reader's does
  EXPECT_EQ(d.find("first"), 0);
  EXPECT_EQ(d.intern("other"), 1u);
  EXPECT_EQ(d.ids(), (std::vector<std::string>{"first", "other"}));
}

// ---- options and columns ----------------------------------------------------------------------

ImportOptions minimal_options() {
  ImportOptions o;
  o.customer_col = "cust";
  o.item_col = "item";
  return o;
}

TEST(ImportSteps, OptionChecksNameTheProblem) {
  EXPECT_EQ(input_error([] { check_options(minimal_options()); }), "no error");
  const std::vector<std::pair<std::function<void(ImportOptions&)>, std::string>> cases = {
      {[](ImportOptions& o) { o.customer_col.clear(); }, "import: the customer column is not set"},
      {[](ImportOptions& o) { o.item_col.clear(); }, "import: the item column is not set"},
      {[](ImportOptions& o) { o.delimiter = '"'; }, "import: '\"' cannot be the delimiter"},
      {[](ImportOptions& o) { o.delimiter = '\n'; }, "import: 'newline' cannot be the delimiter"},
      {[](ImportOptions& o) { o.delimiter = '\r'; }, "import: 'newline' cannot be the delimiter"},
      {[](ImportOptions& o) { o.time_format = "%Q"; }, "time format '%Q': unsupported directive"},
      {[](ImportOptions& o) {
         o.cancel_col = "inv";
         o.cancel_prefix.clear();
       },
       "import: a cancel column needs a non-empty cancel prefix"},
      {[](ImportOptions& o) { o.cancel_event = "return"; },
       "import: --cancel-event needs a cancel column (--cancel-column) and a name"},
      {[](ImportOptions& o) {
         o.cancel_col = "inv";
         o.cancel_event = "";
       },
       "import: --cancel-event needs a cancel column (--cancel-column) and a name"},
      {[](ImportOptions& o) {
         o.price_col = "p";
         o.value_col = "v";
       },
       "import: give a unit price column or a value column, not both"},
      {[](ImportOptions& o) { o.item_price_from_value = true; },
       "import: item prices from values need a unit price column or a value column"},
  };
  for (const auto& [change, message] : cases) {
    ImportOptions o = minimal_options();
    change(o);
    EXPECT_THAT(input_error([&] { check_options(o); }), HasSubstr(message)) << message;
  }
  // Several problems: the first in the order above is reported.
  ImportOptions o;
  o.delimiter = '"';
  o.price_col = "p";
  o.value_col = "v";
  EXPECT_EQ(input_error([&] { check_options(o); }), "import: the customer column is not set");
  o.customer_col = "c";
  o.item_col = "i";
  EXPECT_EQ(input_error([&] { check_options(o); }), "import: '\"' cannot be the delimiter");
}

TEST(ImportSteps, HeaderDropsTheByteOrderMarkAndRefusesBadQuotes) {
  testing::TempDir dir;
  write_text(dir / "bom.csv", "\xEF\xBB\xBF" "cust,item\r\nc1,i1\r\n");
  CsvFile bom(dir / "bom.csv", ',', false);
  EXPECT_EQ(read_header(bom, "bom.csv"), (std::vector<std::string>{"cust", "item"}));
  CsvRecord rec;
  ASSERT_TRUE(bom.next(rec));  // the reader stands at the first data record
  EXPECT_EQ(rec.line, 2);
  EXPECT_THAT(rec.fields, ElementsAre("c1", "i1"));

  write_text(dir / "empty.csv", "");
  CsvFile empty(dir / "empty.csv", ',', false);
  EXPECT_EQ(input_error([&] { read_header(empty, "empty.csv"); }),
            "empty.csv: empty file (no header row)");
  write_text(dir / "quotes.csv", "\"cust\"x,item\n");
  CsvFile quotes(dir / "quotes.csv", ',', false);
  EXPECT_EQ(input_error([&] { read_header(quotes, "quotes.csv"); }),
            "quotes.csv: line 1: text after a closing quote in the header");
}

TEST(ImportSteps, FindColumnTrimsAndRefusesMissingOrTwiceNamedColumns) {
  const std::vector<std::string> header = {"inv", " cust ", "item", "item"};
  EXPECT_EQ(find_column(header, "cust", "customer", "f.csv"), 1);
  EXPECT_EQ(find_column(header, "\tinv ", "cancel", "f.csv"), 0);
  EXPECT_EQ(input_error([&] { find_column(header, "item", "item", "f.csv"); }),
            "f.csv: line 1: the item column 'item' appears twice (columns 3 and 4)");
  EXPECT_EQ(input_error([&] { find_column(header, "qty", "quantity", "f.csv"); }),
            "f.csv: line 1: no quantity column 'qty'; the header has 4 columns: 'inv', ' cust ', "
            "'item', 'item'");
}

TEST(ImportSteps, FindColumnsLooksUpEveryNamedColumnInOrder) {
  const std::vector<std::string> header = {"inv", "cust", "item", "when", "qty", "price", "ev"};
  ImportOptions o = minimal_options();
  std::map<std::string, std::string> roles;
  Columns col = find_columns(header, o, "f.csv", roles);
  EXPECT_EQ(col.customer, 1);
  EXPECT_EQ(col.item, 2);
  EXPECT_EQ(col.time, -1);
  EXPECT_EQ(col.cancel, -1);
  EXPECT_EQ(roles, (std::map<std::string, std::string>{{"customer", "cust"}, {"item", "item"}}));

  o.time_col = "when";
  o.time_format = "%F %T";
  o.quantity_col = "qty";
  o.price_col = "price";
  o.event_col = "ev";
  o.cancel_col = "inv";
  roles.clear();
  col = find_columns(header, o, "f.csv", roles);
  EXPECT_EQ(col.time, 3);
  EXPECT_EQ(col.quantity, 4);
  EXPECT_EQ(col.price, 5);
  EXPECT_EQ(col.value, -1);
  EXPECT_EQ(col.event, 6);
  EXPECT_EQ(col.cancel, 0);
  EXPECT_EQ(roles.size(), 8u);
  EXPECT_EQ(roles["time_format"], "%F %T");
  EXPECT_EQ(roles["cancel"], "inv");

  // Two missing columns: the one looked up first (time before quantity) is the error.
  o.time_col = "ts";
  o.quantity_col = "q";
  EXPECT_THAT(input_error([&] { find_columns(header, o, "f.csv", roles); }),
              HasSubstr("no time column 'ts'"));
}

// ---- row classification -----------------------------------------------------------------------

// A classifier over "inv,cust,item,when,qty,price,value,event" that checks every column.
// (check_options refuses a price and a value column together in a real import; the classifier
// checks whatever columns it is given, which lets one table cover every reason.)
struct ClassifierSetup {
  ClassifierSetup() {
    options = minimal_options();
    options.time_col = "when";
    options.quantity_col = "qty";
    options.event_col = "event";
    options.cancel_col = "inv";
    options.exclude_items = {" POST ", "M"};
  }
  ImportOptions options;
  Columns col{.customer = 1, .item = 2, .time = 3, .quantity = 4, .price = 5, .value = 6,
              .event = 7, .cancel = 0};
};

// A record of a good row, changed by `faults` (field index -> text; -1: bad_quotes, -2: blank,
// -3: an extra field).
struct TestRecord {
  std::vector<std::string> text = {"1001", "c1", "i1", "2011-01-02 10:00", "2",
                                   "1.5",  "3",  "purchase"};
  bool bad_quotes = false, blank = false;

  CsvRecord record() const {
    CsvRecord rec;
    for (const auto& t : text) rec.fields.emplace_back(t);
    rec.line = 7;
    rec.bad_quotes = bad_quotes;
    rec.blank = blank;
    return rec;
  }
};

// One fault per reason, in the order of import_csv.hpp: (field, text) as in TestRecord.
const std::vector<std::pair<int, std::string>> kFaults = {
    {-1, ""},          // bad_quotes
    {-2, ""},          // blank_line
    {-3, ""},          // wrong_field_count
    {1, "  "},         // blank_customer
    {2, ""},           // blank_item
    {7, " "},          // blank_event
    {0, "C1001"},      // cancelled
    {2, "POST"},       // excluded_item (trimmed on both sides)
    {3, "yesterday"},  // unparsable_time
    {4, "abc"},        // unparsable_quantity
    {4, "-2"},         // negative_quantity
    {4, "0"},          // zero_quantity
    {5, "1.2.3"},      // unparsable_price
    {5, "-0.5"},       // negative_price
    {6, "inf"},        // unparsable_value
};

void apply_fault(TestRecord& r, const std::pair<int, std::string>& fault) {
  const auto& [field, text] = fault;
  if (field == -1) r.bad_quotes = true;
  if (field == -2) r.blank = true;
  if (field == -3) r.text.push_back("extra");
  if (field >= 0) r.text[static_cast<std::size_t>(field)] = text;
}

TEST(ImportSteps, ClassifierGivesTheReasonOfEachBadRowClass) {
  static_assert(std::size(kReasonNames) == static_cast<std::size_t>(kReasons));
  ASSERT_EQ(kFaults.size(), static_cast<std::size_t>(kReasons));
  ClassifierSetup s;
  const RowClassifier classify(s.col, s.options, 8);
  for (int r = 0; r < kReasons; ++r) {
    TestRecord t;
    apply_fault(t, kFaults[static_cast<std::size_t>(r)]);
    Row row;
    EXPECT_EQ(classify(t.record(), row), static_cast<Reason>(r)) << kReasonNames[r];
  }
}

TEST(ImportSteps, ClassifierReportsTheFirstCheckARowFails) {
  // Every pair of faults on different fields: the reason listed first in import_csv.hpp wins.
  ClassifierSetup s;
  const RowClassifier classify(s.col, s.options, 8);
  int pairs = 0;
  for (std::size_t a = 0; a < kFaults.size(); ++a)
    for (std::size_t b = a + 1; b < kFaults.size(); ++b) {
      if (kFaults[a].first >= 0 && kFaults[a].first == kFaults[b].first) continue;
      TestRecord t;
      apply_fault(t, kFaults[b]);
      apply_fault(t, kFaults[a]);
      Row row;
      EXPECT_EQ(classify(t.record(), row), static_cast<Reason>(a))
          << kReasonNames[a] << " with " << kReasonNames[b];
      ++pairs;
    }
  EXPECT_GT(pairs, 90);
}

TEST(ImportSteps, ClassifierFillsTheValuesOfAKeptRow) {
  ClassifierSetup s;
  const RowClassifier classify(s.col, s.options, 8);
  TestRecord t;
  t.text[3] = "2011-01-02T10:00:00Z";
  t.text[4] = " +2 ";
  Row row;
  ASSERT_EQ(classify(t.record(), row), kept);
  EXPECT_EQ(row.customer, "c1");
  EXPECT_EQ(row.item, "i1");
  EXPECT_EQ(row.event, "purchase");
  EXPECT_FALSE(row.cancelled);
  EXPECT_EQ(row.time, 1293962400);
  EXPECT_EQ(row.quantity, 2.0);
  EXPECT_EQ(row.price, 1.5);
  EXPECT_EQ(row.value, 3.0);
  // Ids are handed on as written (trimming only decides blankness and exclusion).
  t.text[1] = " c1 ";
  t.text[2] = "Mug";  // not "M", which is excluded
  ASSERT_EQ(classify(t.record(), row), kept);
  EXPECT_EQ(row.customer, " c1 ");
  EXPECT_EQ(row.item, "Mug");
}

TEST(ImportSteps, ClassifierKeepsCancellationsAsTheCancelEvent) {
  ClassifierSetup s;
  s.options.cancel_event = "return";
  const RowClassifier classify(s.col, s.options, 8);
  TestRecord t;
  t.text[0] = " C1001";  // prefix compared after trimming
  t.text[4] = "-3";
  t.text[6] = "-4.5";
  Row row;
  ASSERT_EQ(classify(t.record(), row), kept);
  EXPECT_TRUE(row.cancelled);
  EXPECT_EQ(row.quantity, 3.0);  // absolute values
  EXPECT_EQ(row.value, 4.5);
  t.text[0] = "1002";  // the next row is no cancellation: the flag does not stick
  t.text[4] = "-3";
  EXPECT_EQ(classify(t.record(), row), negative_quantity);
  EXPECT_FALSE(row.cancelled);
}

TEST(ImportSteps, ClassifierWithOnlyIdColumnsChecksOnlyThem) {
  const Columns col{.customer = 0, .item = 1};
  const ImportOptions o = minimal_options();
  const RowClassifier classify(col, o, 3);
  TestRecord t;
  t.text = {"c1", "i1", "not a number"};
  Row row;
  ASSERT_EQ(classify(t.record(), row), kept);
  EXPECT_EQ(row.quantity, 1.0);  // one unit
  EXPECT_EQ(row.price, 0.0);
  t.text = {"c1", "POST", "x"};  // no exclude list
  EXPECT_EQ(classify(t.record(), row), kept);
  t.text = {"c1", "i1"};
  EXPECT_EQ(classify(t.record(), row), wrong_field_count);
}

// ---- kept rows --------------------------------------------------------------------------------

TEST(ImportSteps, KeptRowsStoreOneEntryPerNamedColumn) {
  const Columns col{.customer = 0, .item = 1, .time = 2, .quantity = 3, .price = 4};
  ImportOptions o = minimal_options();
  o.item_price_from_value = true;
  KeptRows rows;
  rows.add({"c1", "i1", {}, false, 100, 2.0, 0.1, 0.0}, col, o, "f.csv", 2);
  rows.add({"c2", "i2", {}, false, 200, 3.0, 1.25, 0.0}, col, o, "f.csv", 3);
  rows.add({"c1", "i2", {}, false, 300, 1.0, 0.0, 0.0}, col, o, "f.csv", 4);
  EXPECT_THAT(rows.log.customer, ElementsAre(0u, 1u, 0u));
  EXPECT_THAT(rows.log.item, ElementsAre(0u, 1u, 1u));
  EXPECT_THAT(rows.log.time, ElementsAre(100, 200, 300));
  EXPECT_THAT(rows.log.quantity, ElementsAre(2.0f, 3.0f, 1.0f));
  // quantity x price in double, then float32
  EXPECT_THAT(rows.log.value, ElementsAre(static_cast<float>(2.0 * 0.1), 3.75f, 0.0f));
  EXPECT_THAT(rows.unit_price, ElementsAre(0.1f, 1.25f, 0.0f));  // the unit price itself
  EXPECT_TRUE(rows.log.event.empty());
  EXPECT_EQ(rows.customers.ids(), (std::vector<std::string>{"c1", "c2"}));

  // With a value column: value as written, unit price value / quantity, unused when negative.
  const Columns vcol{.customer = 0, .item = 1, .quantity = 2, .value = 3};
  KeptRows vrows;
  vrows.add({"c1", "i1", {}, false, 0, 4.0, 0.0, 10.0}, vcol, o, "f.csv", 2);
  vrows.add({"c1", "i1", {}, false, 0, 2.0, 0.0, -3.0}, vcol, o, "f.csv", 3);
  EXPECT_THAT(vrows.log.value, ElementsAre(10.0f, -3.0f));
  EXPECT_THAT(vrows.unit_price, ElementsAre(2.5f, -1.0f));
  EXPECT_TRUE(vrows.log.time.empty());
}

TEST(ImportSteps, KeptRowsRecordTheCancelEventOrPurchase) {
  Columns col{.customer = 0, .item = 1};
  ImportOptions o = minimal_options();
  o.cancel_event = "return";
  KeptRows rows;
  rows.add({"c1", "i1", {}, false, 0, 1.0, 0.0, 0.0}, col, o, "f.csv", 2);
  rows.add({"c1", "i1", {}, true, 0, 1.0, 0.0, 0.0}, col, o, "f.csv", 3);
  rows.add({"c1", "i1", {}, false, 0, 1.0, 0.0, 0.0}, col, o, "f.csv", 4);
  EXPECT_EQ(rows.events.ids(), (std::vector<std::string>{"purchase", "return"}));
  EXPECT_THAT(rows.log.event, ElementsAre(0, 1, 0));
  EXPECT_EQ(rows.cancel_events, 1);
  // With an event column too, other rows keep their own event.
  col.event = 2;
  KeptRows with_events;
  with_events.add({"c1", "i1", "view", false, 0, 1.0, 0.0, 0.0}, col, o, "f.csv", 2);
  with_events.add({"c1", "i1", "view", true, 0, 1.0, 0.0, 0.0}, col, o, "f.csv", 3);
  EXPECT_EQ(with_events.events.ids(), (std::vector<std::string>{"view", "return"}));
  // Without a cancel event the event column is all there is, and no row counts as cancelled.
  o.cancel_event.reset();
  KeptRows plain;
  plain.add({"c1", "i1", "view", true, 0, 1.0, 0.0, 0.0}, col, o, "f.csv", 2);
  EXPECT_EQ(plain.events.ids(), (std::vector<std::string>{"view"}));
  EXPECT_EQ(plain.cancel_events, 0);
}

TEST(ImportSteps, AtMost256DistinctEvents) {
  Dictionary events;
  for (int e = 0; e < 256; ++e)
    EXPECT_EQ(intern_event(events, "e" + std::to_string(e), "f.csv", e + 2), e);
  EXPECT_EQ(intern_event(events, "e17", "f.csv", 300), 17);  // a known one is fine
  EXPECT_EQ(input_error([&] { intern_event(events, "e256", "f.csv", 301); }),
            "f.csv: line 301: more than 256 distinct event names (at 'e256')");
}

// ---- the row loop and its accounting ----------------------------------------------------------

TEST(ImportSteps, RowLoopKeepsOrCountsEveryRecord) {
  testing::TempDir dir;
  write_text(dir / "in.csv",
             "cust,item,qty\n"
             "c1,i1,1\n"
             "c2,,1\n"    // line 3: blank_item
             "\n"         // line 4: blank_line
             "c2,i2,0\n"  // line 5: zero_quantity
             "c3,i1,2\n"
             "c4,i3,0\n"  // line 7: zero_quantity
             "c5,i3,x");  // line 8: unparsable_quantity, no line end
  CsvFile reader(dir / "in.csv", ',', false);
  const std::vector<std::string> header = read_header(reader, "in.csv");
  ImportOptions o = minimal_options();
  o.quantity_col = "qty";
  ImportReport report;
  report.source = "in.csv";
  const Columns col = find_columns(header, o, "in.csv", report.columns);
  const RowClassifier classify(col, o, header.size());
  KeptRows rows;
  DropCounts drops;
  std::vector<std::int64_t> progress;
  const std::int64_t read = read_rows(
      reader, classify, "in.csv", [&](std::int64_t n) { progress.push_back(n); }, rows, drops);
  EXPECT_EQ(read, 7);
  EXPECT_THAT(progress, ElementsAre(0, 7));
  EXPECT_EQ(rows.customers.ids(), (std::vector<std::string>{"c1", "c3"}));
  EXPECT_THAT(rows.log.quantity, ElementsAre(1.0f, 2.0f));

  count_rows(drops, read, rows, report);
  EXPECT_EQ(report.rows_read, 7);
  EXPECT_EQ(report.rows_kept, 2);
  EXPECT_EQ(report.dropped, (std::map<std::string, std::int64_t>{{"blank_item", 1},
                                                                  {"blank_line", 1},
                                                                  {"unparsable_quantity", 1},
                                                                  {"zero_quantity", 2}}));
  EXPECT_EQ(report.first_dropped_line, (std::map<std::string, std::int64_t>{
                                           {"blank_item", 3},
                                           {"blank_line", 4},
                                           {"unparsable_quantity", 8},
                                           {"zero_quantity", 5}}));
  EXPECT_EQ(report.customers, 2);
  EXPECT_EQ(report.items, 1);
  EXPECT_EQ(input_error([&] { check_rows_kept(report, "in.csv", "out.h5"); }), "no error");
}

TEST(ImportSteps, RowAccountingThatDoesNotAddUpIsAnInternalError) {
  KeptRows rows;
  rows.log.customer = {0, 0};
  DropCounts drops;
  drops.count(zero_quantity, 4);
  ImportReport report;
  report.source = "in.csv";
  try {
    count_rows(drops, 4, rows, report);
    ADD_FAILURE() << "no error";
  } catch (const RunError& e) {
    EXPECT_STREQ(e.what(), "in.csv: internal error: 4 rows read but 2 kept + 1 dropped");
  }
}

TEST(ImportSteps, NoRowKeptListsTheReasons) {
  ImportReport report;
  report.rows_read = 3;
  report.dropped = {{"zero_quantity", 2}, {"blank_item", 1}};
  EXPECT_EQ(input_error([&] { check_rows_kept(report, "in.csv", "out.h5"); }),
            "in.csv: no row kept out of 3 (1 blank_item, 2 zero_quantity); nothing written to "
            "out.h5");
  report.rows_read = 0;
  report.dropped.clear();
  EXPECT_EQ(input_error([&] { check_rows_kept(report, "in.csv", "out.h5"); }),
            "in.csv: no row kept out of 0 (no data rows); nothing written to out.h5");
}

// ---- side files -------------------------------------------------------------------------------

// A side file's rows by class, and its ids.
std::map<std::string, std::int64_t> row_classes(const SideFileReport& r) {
  return {{"read", r.rows_read},         {"used", r.rows_used},
          {"unknown_id", r.unknown_id},  {"duplicate_id", r.duplicate_id},
          {"bad_value", r.bad_value},    {"ids", r.ids},
          {"ids_with_row", r.ids_with_row}};
}

Dictionary ids(const std::vector<std::string>& list) {
  Dictionary d;
  for (const auto& id : list) d.intern(id);
  return d;
}

TEST(ImportSteps, SideFileUsesTheFirstRowOfEachKnownId) {
  testing::TempDir dir;
  write_text(dir / "items.csv",
             "sku,cat,name,price,avail\n"
             "i1,mugs,Blue mug,2.5,yes\n"  // line 2: used
             "i1,cards,Other,9,no\n"       // line 3: duplicate_id (the first row wins)
             "zz,x,y,1,1\n"                // line 4: unknown_id
             " i2,x,y,1,1\n"               // line 5: unknown_id (ids match as written)
             ",x,y,1,1\n"                  // line 6: bad_value (blank id)
             "i2,\"a\"b,y,1,1\n"           // line 7: bad_value (text after a quote)
             "i2,x\n"                      // line 8: bad_value (field count)
             "\n"                          // line 9: bad_value (blank)
             "i3, , ,,N\n");               // line 10: used: everything empty, unavailable
  const ItemsFileOptions o{.path = dir / "items.csv",
                           .id_col = "sku",
                           .category_col = "cat",
                           .name_col = "name",
                           .price_col = "price",
                           .available_col = "avail"};
  ImportOptions options = minimal_options();
  options.items_file = o;
  std::optional<SideFile> f = open_items_file(options, false);
  ASSERT_TRUE(f.has_value());
  const Dictionary items = ids({"i1", "i2", "i3", "i4"});
  ItemMeta im;
  const SideFileReport r = apply_items_file(*f, o, items, im);
  EXPECT_EQ(r.source, (dir / "items.csv").string());
  EXPECT_EQ(row_classes(r), (std::map<std::string, std::int64_t>{{"read", 9},
                                                                  {"used", 2},
                                                                  {"unknown_id", 2},
                                                                  {"duplicate_id", 1},
                                                                  {"bad_value", 4},
                                                                  {"ids", 4},
                                                                  {"ids_with_row", 2}}));
  EXPECT_EQ(r.first_line, (std::map<std::string, std::int64_t>{
                              {"bad_value", 6}, {"duplicate_id", 3}, {"unknown_id", 4}}));
  EXPECT_EQ(r.columns, (std::map<std::string, std::string>{{"id", "sku"},
                                                           {"category", "cat"},
                                                           {"name", "name"},
                                                           {"price", "price"},
                                                           {"available", "avail"}}));
  EXPECT_EQ(im.category_names, (std::vector<std::string>{"mugs"}));
  EXPECT_THAT(im.category, ElementsAre(0u, kNoCategory, kNoCategory, kNoCategory));
  EXPECT_THAT(im.name, ElementsAre("Blue mug", "", "", ""));
  EXPECT_EQ(im.price[0], 2.5f);
  EXPECT_TRUE(std::isnan(im.price[1]) && std::isnan(im.price[2]) && std::isnan(im.price[3]));
  EXPECT_THAT(im.available, ElementsAre(1, 1, 0, 1));  // default: available
  EXPECT_EQ(r.counts, (std::map<std::string, std::int64_t>{{"with_category", 1},
                                                           {"categories", 1},
                                                           {"with_name", 1},
                                                           {"with_price", 1},
                                                           {"unavailable", 1}}));
}

TEST(ImportSteps, SideFileWritesOnlyTheColumnsGiven) {
  testing::TempDir dir;
  write_text(dir / "items.csv", "price,sku,unused\n3,i2,x\n");
  ImportOptions options = minimal_options();
  options.items_file =
      ItemsFileOptions{.path = dir / "items.csv", .id_col = "sku", .price_col = "price"};
  std::optional<SideFile> f = open_items_file(options, false);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->column(0), "price");
  ItemMeta im;
  const SideFileReport r = apply_items_file(*f, *options.items_file, ids({"i1", "i2"}), im);
  EXPECT_TRUE(im.category.empty());
  EXPECT_TRUE(im.name.empty());
  EXPECT_TRUE(im.available.empty());
  ASSERT_EQ(im.price.size(), 2u);
  EXPECT_TRUE(std::isnan(im.price[0]));
  EXPECT_EQ(im.price[1], 3.0f);
  EXPECT_EQ(r.counts, (std::map<std::string, std::int64_t>{{"with_price", 1}}));
  EXPECT_FALSE(open_items_file(minimal_options(), false).has_value());
  EXPECT_FALSE(open_customers_file(minimal_options(), false).has_value());
}

TEST(ImportSteps, CustomersFileSetsOptOutSegmentsAndChannels) {
  testing::TempDir dir;
  write_text(dir / "customers.csv",
             "id;channel;segment;opt\n"
             "c2;email;gold;TRUE\n"
             "c1; app ;;\n"
             "c2;post;silver;no\n"  // duplicate: ignored
             "c3;email;gold;n\n");
  ImportOptions options = minimal_options();
  options.delimiter = ';';
  options.customers_file = CustomersFileOptions{.path = dir / "customers.csv",
                                                .id_col = "id",
                                                .opt_out_col = "opt",
                                                .segment_col = "segment",
                                                .channel_col = "channel"};
  std::optional<SideFile> f = open_customers_file(options, false);
  ASSERT_TRUE(f.has_value());
  // Values come in the order opt_out, segment, channel whatever the file's column order.
  EXPECT_EQ(f->column(0), "opt");
  EXPECT_EQ(f->column(1), "segment");
  EXPECT_EQ(f->column(2), "channel");
  CustomerMeta cm;
  const SideFileReport r =
      apply_customers_file(*f, *options.customers_file, ids({"c1", "c2", "c3", "c4"}), cm);
  EXPECT_EQ(row_classes(r), (std::map<std::string, std::int64_t>{{"read", 4},
                                                                  {"used", 3},
                                                                  {"unknown_id", 0},
                                                                  {"duplicate_id", 1},
                                                                  {"bad_value", 0},
                                                                  {"ids", 4},
                                                                  {"ids_with_row", 3}}));
  EXPECT_THAT(cm.opt_out, ElementsAre(0, 1, 0, 0));  // default: not opted out
  EXPECT_EQ(cm.segment_names, (std::vector<std::string>{"gold"}));
  EXPECT_THAT(cm.segment, ElementsAre(kNoCategory, 0u, 0u, kNoCategory));
  EXPECT_EQ(cm.channel_names, (std::vector<std::string>{"email", "app"}));
  EXPECT_THAT(cm.channel, ElementsAre(1u, 0u, 0u, kNoCategory));
  EXPECT_EQ(r.counts, (std::map<std::string, std::int64_t>{{"opted_out", 1},
                                                           {"with_segment", 2},
                                                           {"segments", 1},
                                                           {"with_channel", 3},
                                                           {"channels", 2}}));
}

TEST(ImportSteps, SideFileErrorsNameFileLineAndColumn) {
  testing::TempDir dir;
  const std::string path = (dir / "items.csv").string();
  write_text(dir / "items.csv", "sku,price,avail\ni1,abc,1\ni2,1,maybe\n");
  EXPECT_EQ(input_error([&] { SideFile(dir / "items.csv", ',', false, "item id", "", {}); }),
            path + ": no item id column given for this file");
  EXPECT_THAT(input_error([&] { SideFile(dir / "items.csv", ',', false, "item id", "id", {}); }),
              HasSubstr(path + ": line 1: no item id column 'id'"));
  EXPECT_THAT(input_error([&] {
                SideFile(dir / "items.csv", ',', false, "item id", "sku", {{"name", "title"}});
              }),
              HasSubstr(path + ": line 1: no name column 'title'"));
  ItemsFileOptions o{.path = dir / "items.csv", .id_col = "sku", .price_col = "price"};
  SideFile prices(o.path, ',', false, "item id", "sku", {{"price", "price"}});
  ItemMeta im;
  EXPECT_THAT(input_error([&] { apply_items_file(prices, o, ids({"i1"}), im); }),
              HasSubstr(path + ": line 2: column 'price': price 'abc' is not a finite number"));
  o.price_col.reset();
  o.available_col = "avail";
  SideFile flags(o.path, ',', false, "item id", "sku", {{"available", "avail"}});
  EXPECT_THAT(input_error([&] { apply_items_file(flags, o, ids({"i1", "i2"}), im); }),
              HasSubstr(path + ": line 3: column 'avail': 'maybe' is not a yes/no value"));
}

TEST(ImportSteps, YesNoValues) {
  for (const char* yes : {"1", "true", "TRUE", "Yes", "y", " Y "})
    EXPECT_EQ(parse_flag(yes, 0, "f", 2, "c"), 1) << yes;
  for (const char* no : {"0", "false", "False", "NO", "n", "\tn"})
    EXPECT_EQ(parse_flag(no, 1, "f", 2, "c"), 0) << no;
  EXPECT_EQ(parse_flag("", 1, "f", 2, "c"), 1);
  EXPECT_EQ(parse_flag("  ", 0, "f", 2, "c"), 0);
  EXPECT_EQ(input_error([] { parse_flag(" ok ", 0, "f.csv", 5, "avail"); }),
            "f.csv: line 5: column 'avail': ' ok ' is not a yes/no value (accepted: 1/0, "
            "true/false, yes/no, y/n in any case; empty for the default)");
}

TEST(ImportSteps, PriceValues) {
  EXPECT_TRUE(std::isnan(parse_price(" ", "f", 2, "p")));
  EXPECT_EQ(parse_price(" +2.50 ", "f", 2, "p"), 2.5f);
  EXPECT_EQ(parse_price("0", "f", 2, "p"), 0.0f);  // free is a price
  EXPECT_EQ(input_error([] { parse_price("-1", "f.csv", 3, "p"); }),
            "f.csv: line 3: column 'p': price '-1' is negative");
  EXPECT_EQ(input_error([] { parse_price("1e39", "f.csv", 3, "p"); }),
            "f.csv: line 3: column 'p': price '1e39' does not fit in float32");
  EXPECT_EQ(input_error([] { parse_price("nan", "f.csv", 3, "p"); }),
            "f.csv: line 3: column 'p': price 'nan' is not a finite number (leave it empty when "
            "the price is unknown)");
}

// ---- prices from values -----------------------------------------------------------------------

TEST(ImportSteps, MedianUnitPriceOfEachItem) {
  // item 0: 3, 1, 2 -> 2; item 1: 4, 1 (and an unusable -1) -> 2.5; item 2: only -1 -> NaN;
  // item 3: no row -> NaN; item 4: one row -> itself.
  const std::vector<std::uint32_t> item = {0, 1, 0, 1, 2, 1, 0, 4};
  const std::vector<float> unit = {3, 4, 1, -1, -1, 1, 2, 0.75f};
  const std::vector<float> m = median_unit_prices(item, unit, 5);
  ASSERT_EQ(m.size(), 5u);
  EXPECT_EQ(m[0], 2.0f);
  EXPECT_EQ(m[1], 2.5f);
  EXPECT_TRUE(std::isnan(m[2]));
  EXPECT_TRUE(std::isnan(m[3]));
  EXPECT_EQ(m[4], 0.75f);
  // The middle two are averaged in double before the float32 rounding.
  const std::vector<float> pair = median_unit_prices({0, 0}, {0.1f, 0.2f}, 1);
  EXPECT_EQ(pair[0], static_cast<float>((double{0.1f} + double{0.2f}) / 2.0));
}

TEST(ImportSteps, PricesFromValuesFillOnlyUnknownPrices) {
  const std::vector<std::uint32_t> item = {0, 1, 1, 2};
  const std::vector<float> unit = {5, 1, 3, 7};
  std::vector<float> price;  // no items file: every price unknown
  EXPECT_EQ(prices_from_values(item, unit, 4, price), 3);
  ASSERT_EQ(price.size(), 4u);
  EXPECT_EQ(price[0], 5.0f);
  EXPECT_EQ(price[1], 2.0f);
  EXPECT_EQ(price[2], 7.0f);
  EXPECT_TRUE(std::isnan(price[3]));
  const float nan = std::nanf("");
  std::vector<float> known = {9.0f, nan, nan, nan};  // item 0 priced by the items file
  EXPECT_EQ(prices_from_values(item, unit, 4, known), 2);
  EXPECT_EQ(known[0], 9.0f);
  EXPECT_EQ(known[1], 2.0f);
}

}  // namespace
}  // namespace tailor
