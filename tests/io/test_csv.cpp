// The CSV reader (host/io/csv.hpp): quoted fields with delimiters, "" escapes and line breaks
// (later records keep their line numbers), LF and CRLF, the byte order mark, blank lines, text
// after a closing quote, unterminated quotes, missing and damaged files, gzip (plain and
// threaded), a record larger than the parse buffer, every cut of the buffer's end through a tricky
// record, and trim and parse_number.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/io/csv.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::write_gzip;
using testing::write_text;

constexpr std::size_t kBuffer = std::size_t{4} << 20;  // the reader's first buffer (csv.cpp)

// One record as read: its fields copied, since the reader's views last only until the next one.
struct Record {
  std::vector<std::string> fields;
  std::int64_t line = 0;
  bool bad_quotes = false;
  bool blank = false;
};

std::vector<Record> read_all(const fs::path& path, char delimiter = ',', bool threaded = false) {
  CsvFile file(path, delimiter, threaded);
  std::vector<Record> out;
  CsvRecord rec;
  while (file.next(rec))
    out.push_back({std::vector<std::string>(rec.fields.begin(), rec.fields.end()), rec.line,
                   rec.bad_quotes, rec.blank});
  return out;
}

// The records of `text` written to a plain file.
std::vector<Record> parse(const std::string& text, char delimiter = ',') {
  testing::TempDir dir;
  write_text(dir / "in.csv", text);
  return read_all(dir / "in.csv", delimiter);
}

// The message of the InputError reading `path` throws; "no error" when there is none.
std::string read_error(const fs::path& path) {
  try {
    read_all(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Csv, QuotedFieldsHoldDelimitersAndEscapedQuotes) {
  const auto r = parse("a,\"b,c\",\"say \"\"hi\"\"\",\"\",\"\"\"\"\nx;y,'z'\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_THAT(r[0].fields, ElementsAre("a", "b,c", "say \"hi\"", "", "\""));
  EXPECT_FALSE(r[0].bad_quotes);
  EXPECT_THAT(r[1].fields, ElementsAre("x;y", "'z'"));
  // Quotes inside an unquoted field are literal.
  EXPECT_THAT(parse("ab\"c\"d,e\n")[0].fields, ElementsAre("ab\"c\"d", "e"));
  // Another delimiter: the comma is plain text.
  EXPECT_THAT(parse("a,b;\"c;d\";\n", ';')[0].fields, ElementsAre("a,b", "c;d", ""));
}

TEST(Csv, EmbeddedLineBreaksKeepLaterLineNumbersRight) {
  testing::TempDir dir;
  write_text(dir / "in.csv", "h1,h2\n\"x\ny\",1\n\"p\r\nq\n\nr\",2\nlast,3\n\"\"\"\n\",4");
  CsvFile file(dir / "in.csv", ',', false);
  CsvRecord rec;
  std::vector<std::int64_t> lines;
  std::vector<std::string> first;
  while (file.next(rec)) {
    lines.push_back(rec.line);
    first.emplace_back(rec.fields[0]);
  }
  EXPECT_THAT(lines, ElementsAre(1, 2, 4, 8, 9));
  EXPECT_THAT(first, ElementsAre("h1", "x\ny", "p\r\nq\n\nr", "last", "\"\n"));
  EXPECT_EQ(file.line(), 10);  // the last record has no line end
}

TEST(Csv, CrlfLineEnds) {
  const auto r = parse("a,b\r\n\"c\",\"d\"\r\ne\rf,g\r\nh,i\r");
  ASSERT_EQ(r.size(), 4u);
  EXPECT_THAT(r[0].fields, ElementsAre("a", "b"));
  EXPECT_THAT(r[1].fields, ElementsAre("c", "d"));
  EXPECT_THAT(r[2].fields, ElementsAre("e\rf", "g"));  // a CR inside a field stays
  EXPECT_THAT(r[3].fields, ElementsAre("h", "i"));     // so does none before the end of data
  EXPECT_EQ(r[3].line, 4);
  // A quoted field followed by a lone CR is text after the closing quote.
  const auto bad = parse("\"a\"\rb,c\n");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_TRUE(bad[0].bad_quotes);
}

TEST(Csv, BlankLinesAreReportedAsBlank) {
  const auto r = parse("a\n\n\r\n\"\"\n \n,\nb");
  ASSERT_EQ(r.size(), 7u);
  EXPECT_FALSE(r[0].blank);
  EXPECT_TRUE(r[1].blank);
  EXPECT_THAT(r[1].fields, ElementsAre(""));
  EXPECT_TRUE(r[2].blank);     // CRLF
  EXPECT_FALSE(r[3].blank);    // one quoted empty field is a value
  EXPECT_FALSE(r[4].blank);    // a space is a value
  EXPECT_FALSE(r[5].blank);    // two empty fields
  EXPECT_THAT(r[5].fields, ElementsAre("", ""));
  EXPECT_EQ(r[6].line, 7);
  EXPECT_TRUE(parse("").empty());
}

TEST(Csv, ByteOrderMarkIsDroppedBeforeTheFirstRecordOnly) {
  testing::TempDir dir;
  write_text(dir / "bom.csv", "\xEF\xBB\xBF" "id,name\n\nx,\"y\"\n");
  const auto raw = read_all(dir / "bom.csv");
  ASSERT_EQ(raw.size(), 3u);
  EXPECT_EQ(raw[0].fields[0], "id");
  // A mark on a later line is data.
  EXPECT_EQ(parse("a\n\xEF\xBB\xBF" "b\n")[1].fields[0], "\xEF\xBB\xBF" "b");
  std::vector<std::vector<std::string>> fields;
  std::vector<std::int64_t> lines;
  read_csv_records(dir / "bom.csv", ',',
                   [&](const std::vector<std::string_view>& f, std::int64_t line) {
                     fields.emplace_back(f.begin(), f.end());
                     lines.push_back(line);
                   });
  EXPECT_EQ(fields, (std::vector<std::vector<std::string>>{{"id", "name"}, {"x", "y"}}));
  EXPECT_THAT(lines, ElementsAre(1, 3));  // the blank line is skipped
}

// Excel's "CSV UTF-8" quotes every header field: the mark comes before the opening quote.
TEST(Csv, ByteOrderMarkBeforeAQuotedFirstField) {
  const auto records = parse("\xEF\xBB\xBF\"CustomerID\",\"Item\"\r\n\"1\",\"a\"\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("CustomerID", "Item"));
  EXPECT_FALSE(records[0].bad_quotes);
  EXPECT_THAT(records[1].fields, ElementsAre("1", "a"));
  // Plain and gzip, threaded or not.
  testing::TempDir dir;
  write_gzip(dir / "bom.csv.gz", "\xEF\xBB\xBF\"id\"\nx\n");
  for (bool threaded : {false, true}) {
    const auto gz = read_all(dir / "bom.csv.gz", ',', threaded);
    ASSERT_EQ(gz.size(), 2u);
    EXPECT_THAT(gz[0].fields, ElementsAre("id"));
  }
}

TEST(Csv, TextAfterAClosingQuoteFlagsTheRecord) {
  testing::TempDir dir;
  write_text(dir / "in.csv", "h\n\"ab\"c,d\n\"x\"y\"z\"\r\nok,\"fine\"\n\"e\"f");
  const auto r = read_all(dir / "in.csv");
  ASSERT_EQ(r.size(), 5u);
  EXPECT_TRUE(r[1].bad_quotes);
  EXPECT_THAT(r[1].fields, ElementsAre("\"ab\"c", "d"));  // the raw text of the field
  EXPECT_TRUE(r[2].bad_quotes);
  EXPECT_THAT(r[2].fields, ElementsAre("\"x\"y\"z\"\r"));  // up to the LF
  EXPECT_FALSE(r[3].bad_quotes);
  EXPECT_THAT(r[3].fields, ElementsAre("ok", "fine"));
  EXPECT_EQ(r[3].line, 4);
  EXPECT_TRUE(r[4].bad_quotes);
  EXPECT_THAT(r[4].fields, ElementsAre("\"e\"f"));
  const std::string path = (dir / "in.csv").string();
  EXPECT_EQ(read_error(dir / "in.csv"), "no error");
  try {
    read_csv_records(dir / "in.csv", ',', [](const auto&, std::int64_t) {});
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": line 2: text after a closing quote");
  }
}

TEST(Csv, UnterminatedQuoteNamesFileAndLine) {
  testing::TempDir dir;
  write_text(dir / "in.csv", "a,b\n\"multi\nline\",1\nc,\"never closed\nd,e\n");
  EXPECT_EQ(read_error(dir / "in.csv"),
            (dir / "in.csv").string() + ": line 4: quoted field never closed (a stray '\"'?)");
  write_gzip(dir / "in.csv.gz", "a\n\"");
  EXPECT_EQ(read_error(dir / "in.csv.gz"),
            (dir / "in.csv.gz").string() + ": line 2: quoted field never closed (a stray '\"'?)");
}

TEST(Csv, MissingDirectoryAndDamagedFiles) {
  testing::TempDir dir;
  const std::string missing = (dir / "missing.csv").string();
  EXPECT_EQ(read_error(dir / "missing.csv"), missing + ": no such file");
  EXPECT_EQ(read_error(dir.path()), dir.path().string() + ": is a directory, not a CSV file");
  std::string text;
  for (int k = 0; k < 20000; ++k) text += "row" + std::to_string(k) + ",x\n";
  write_gzip(dir / "whole.csv.gz", text);
  const std::string bytes = testing::read_file(dir / "whole.csv.gz");
  write_text(dir / "cut.csv.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_THAT(read_error(dir / "cut.csv.gz"),
              HasSubstr((dir / "cut.csv.gz").string() + ": damaged or truncated gzip data"));
}

TEST(Csv, GzipGivesTheSameRecordsPlainOrThreaded) {
  testing::TempDir dir;
  std::string text = "id,\"note\"\r\n";
  for (int k = 0; k < 30000; ++k)
    text += std::to_string(k) + ",\"a \"\"b\"\",\n" + std::string(k % 7, 'c') + "\"\r\n";
  write_text(dir / "in.csv", text);
  write_gzip(dir / "in.csv.gz", text);
  const auto plain = read_all(dir / "in.csv");
  ASSERT_EQ(plain.size(), 30001u);
  EXPECT_EQ(plain.back().fields[1], "a \"b\",\ncccc");  // 29999 % 7 == 4
  for (bool threaded : {false, true}) {
    const auto gz = read_all(dir / "in.csv.gz", ',', threaded);
    ASSERT_EQ(gz.size(), plain.size()) << threaded;
    for (std::size_t k = 0; k < gz.size(); ++k) {
      ASSERT_EQ(gz[k].fields, plain[k].fields) << k;
      ASSERT_EQ(gz[k].line, plain[k].line) << k;
    }
  }
  EXPECT_EQ(plain.back().line, 1 + 2 * 29999 + 1);
}

TEST(Csv, RecordLargerThanTheFirstBuffer) {
  // 6 MiB of one quoted field with escapes and line breaks: the buffer is refilled (and grows)
  // in the middle of the record.
  testing::TempDir dir;
  std::string big;
  while (big.size() < (std::size_t{6} << 20)) big += "x\"\"y\n";
  std::string want;
  for (std::size_t k = 0; k < big.size(); k += 5) want += "x\"y\n";
  const std::int64_t breaks = static_cast<std::int64_t>(big.size() / 5);
  const std::string text = "h\nbefore,1\n\"" + big + "\",2\nafter,3\n";
  write_text(dir / "in.csv", text);
  write_gzip(dir / "in.csv.gz", text);
  for (bool threaded : {false, true}) {
    for (const char* name : {"in.csv", "in.csv.gz"}) {
      const auto r = read_all(dir / name, ',', threaded);
      ASSERT_EQ(r.size(), 4u) << name;
      EXPECT_EQ(r[2].line, 3) << name;
      EXPECT_EQ(r[2].fields[0].size(), want.size()) << name;
      EXPECT_TRUE(r[2].fields[0] == want) << name;
      EXPECT_EQ(r[2].fields[1], "2") << name;
      EXPECT_EQ(r[3].line, 3 + breaks + 1) << name;
      EXPECT_THAT(r[3].fields, ElementsAre("after", "3")) << name;
    }
  }
}

// Filler records (line numbers 1..n) of `size` bytes in all.
std::string filler(std::size_t size, std::int64_t& lines) {
  std::string out;
  lines = 0;
  while (out.size() < size) {
    const std::size_t left = size - out.size();
    const std::size_t len = left > 2000 ? 1000 : left;  // the last one takes what is left
    if (len < 3) {
      out += std::string(len - 1, 'f') + "\n";
    } else {
      out += "f," + std::string(len - 3, 'g') + "\n";
    }
    ++lines;
  }
  return out;
}

TEST(Csv, EveryCutOfTheBufferEndThroughATrickyRecord) {
  // Each record is placed so that each of its bytes in turn is the last one of the first
  // buffer fill: a "" pair, a CRLF, a closing quote, a delimiter or a line break cut in two.
  struct Case {
    std::string text;
    std::vector<std::string> fields;
    bool bad_quotes;
    int breaks;  // line breaks inside the record
  };
  const std::vector<Case> cases = {
      {"\"p\"\"q\",r\n", {"p\"q", "r"}, false, 0},
      {"\"pq\"\r\n", {"pq"}, false, 0},
      {"\"pq\",\"\"\r\n", {"pq", ""}, false, 0},
      {"pq,r\r\n", {"pq", "r"}, false, 0},
      {"\"p\r\nq\",r\n", {"p\r\nq", "r"}, false, 1},
      {"\"pq\"x\"\",r\r\n", {"\"pq\"x\"\"", "r"}, true, 0},
      {"\"\"\"\",\"\"\"\"\"\"\n", {"\"", "\"\""}, false, 0},
  };
  testing::TempDir dir;
  for (const Case& c : cases) {
    for (std::size_t cut = 0; cut < c.text.size(); ++cut) {
      std::int64_t lines = 0;
      // Byte `cut` of the record sits at offset kBuffer - 1, the last byte of the first fill.
      const std::string text = filler(kBuffer - 1 - cut, lines) + c.text + "end,1\n";
      write_text(dir / "in.csv", text);
      write_gzip(dir / "in.csv.gz", text);
      for (const auto& [name, threaded] :
           std::vector<std::pair<std::string, bool>>{{"in.csv", false}, {"in.csv.gz", true}}) {
        SCOPED_TRACE(::testing::PrintToString(c.text) + " cut at " + std::to_string(cut) + " " +
                     name);
        const auto r = read_all(dir / name, ',', threaded);
        ASSERT_EQ(r.size(), static_cast<std::size_t>(lines) + 2);
        const Record& got = r[static_cast<std::size_t>(lines)];
        EXPECT_EQ(got.fields, c.fields);
        EXPECT_EQ(got.bad_quotes, c.bad_quotes);
        EXPECT_EQ(got.line, lines + 1);
        EXPECT_EQ(r.back().line, lines + 2 + c.breaks);
        EXPECT_THAT(r.back().fields, ElementsAre("end", "1"));
      }
    }
  }
}

TEST(Csv, TrimRemovesSpacesAndTabsOnly) {
  EXPECT_EQ(trim("  a b \t"), "a b");
  EXPECT_EQ(trim("\t\t"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("\ra\n"), "\ra\n");
  EXPECT_EQ(trim(" \xC2\xA0x"), "\xC2\xA0x");  // a no-break space is text
}

TEST(Csv, ParseNumberTakesFiniteDecimalsOnly) {
  double x = -1;
  EXPECT_TRUE(parse_number(" +1.5 ", x));
  EXPECT_EQ(x, 1.5);
  EXPECT_TRUE(parse_number("-2e3", x));
  EXPECT_EQ(x, -2000.0);
  EXPECT_TRUE(parse_number("\t007", x));
  EXPECT_EQ(x, 7.0);
  EXPECT_TRUE(parse_number(".5", x));
  EXPECT_EQ(x, 0.5);
  for (const char* bad : {"", "  ", "+", "++1", "abc", "1.2.3", "1,5", "inf", "-inf",
                          "nan", "1e400", "0x10", "1 2", "5%"})
    EXPECT_FALSE(parse_number(bad, x)) << bad;
}

}  // namespace
}  // namespace tailor
