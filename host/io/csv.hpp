// Reading CSV files, plain or gzip-compressed, with one RFC 4180 parser: quoted fields with
// embedded delimiters, quotes ("" inside quotes) and newlines, LF or CRLF line ends. Used by
// `tailor import` (transactions and side files) and by every other CSV tailor reads (blocklists).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace tailor {

struct CsvRecord {
  std::vector<std::string_view> fields;  // valid until the next call to next()
  std::int64_t line = 0;                 // physical line the record starts on (1-based)
  bool bad_quotes = false;               // text after a closing quote
  bool blank = false;                    // an empty line
};

// The records of one file, in order, a leading UTF-8 byte order mark dropped. With `threaded`, zlib decompresses ahead on a second
// thread. InputError for a missing file, damaged gzip data, a quoted field never closed or a
// record longer than 64 MiB, naming the file and line.
class CsvFile {
 public:
  CsvFile(const std::filesystem::path& path, char delimiter, bool threaded);
  ~CsvFile();
  CsvFile(CsvFile&&) noexcept;
  CsvFile& operator=(CsvFile&&) noexcept;
  // The next record (header included, blank lines reported as blank); false at the end.
  bool next(CsvRecord& rec);
  // The line the reader has reached (1-based).
  [[nodiscard]] std::int64_t line() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Every record of a CSV file through the same parser, the header included: record(fields,
// line) with line the 1-based line the record starts on. A leading UTF-8 byte order mark is
// dropped and blank lines are skipped; text after a closing quote throws InputError naming the
// file and line. The fields are valid during the call only.
void read_csv_records(
    const std::filesystem::path& path, char delimiter,
    const std::function<void(const std::vector<std::string_view>& fields, std::int64_t line)>&
        record);

// A field without its surrounding spaces and tabs.
std::string_view trim(std::string_view s);
// A finite number; leading '+' and surrounding spaces allowed. False when it does not parse.
bool parse_number(std::string_view s, double& out);

}  // namespace tailor
