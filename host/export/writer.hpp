// The frame every export shares, so that the exporters only say what a row holds: a clock
// started with the export, the summary it fills in and, for the text formats, the file the rows
// go to, written atomically (temporary file in the same folder, fsync, rename).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "host/core/atomic_file.hpp"
#include "host/core/progress.hpp"
#include "host/export/export.hpp"

namespace tailor {

// The summary of one export, timed from construction to finish().
class ExportTally {
 public:
  explicit ExportTally(const std::filesystem::path& path)
      : start_(std::chrono::steady_clock::now()) {
    summary_.path = path;
  }
  // One customer's `rows`; only a `listed` customer counts in summary.customers.
  void add(std::int64_t rows, bool listed) {
    summary_.rows += rows;
    if (listed) ++summary_.customers;
  }
  // `bytes`: the size of the committed file.
  [[nodiscard]] ExportSummary finish(std::uint64_t bytes) {
    summary_.bytes = bytes;
    summary_.seconds = seconds_since(start_);
    return summary_;
  }

 private:
  std::chrono::steady_clock::time_point start_;
  ExportSummary summary_;
};

// A text export: a header, then the rows customer by customer; nothing is published unless
// commit() is reached (an exception on the way leaves no file).
class TextExport {
 public:
  explicit TextExport(const std::filesystem::path& path) : tally_(path), out_(path) {}

  void write_header(std::string_view text) { out_.write(text); }
  // One customer's formatted `rows` (AtomicTextFile buffers 1 MiB itself, so one write per
  // customer is cheap).
  void write_customer(std::string_view text, std::int64_t rows, bool listed = true) {
    out_.write(text);
    tally_.add(rows, listed);
  }
  [[nodiscard]] ExportSummary commit() {
    out_.commit();
    return tally_.finish(out_.bytes_written());
  }

 private:
  ExportTally tally_;
  AtomicTextFile out_;
};

// CSV fields of ids (csv_field), each quoted when first asked for: once, not once per row.
class CsvFields {
 public:
  explicit CsvFields(const std::vector<std::string>& ids)
      : ids_(ids), fields_(ids.size()), quoted_(ids.size(), 0) {}
  [[nodiscard]] const std::string& operator[](std::size_t k) {
    if (!quoted_[k]) {
      fields_[k] = csv_field(ids_[k]);
      quoted_[k] = 1;
    }
    return fields_[k];
  }

 private:
  const std::vector<std::string>& ids_;
  std::vector<std::string> fields_;
  std::vector<std::uint8_t> quoted_;
};

}  // namespace tailor
