// The CSV reader behind `tailor import` and every other CSV the project reads: a byte source
// (zlib, which passes plain files through, optionally on its own thread) and an RFC 4180 record
// reader that hands out string_views into its buffer.
#include "host/io/csv.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "host/core/error.hpp"

namespace tailor {
namespace {

using std::int64_t;
using std::size_t;
using std::string_view;

constexpr size_t kReadBlock = size_t{1} << 20;      // bytes asked from zlib per call
constexpr size_t kInitialBuffer = size_t{4} << 20;  // parse buffer; grows for huge records
constexpr size_t kMaxRecordBytes = size_t{64} << 20;

// ---- bytes ------------------------------------------------------------------------------------

// Reads a file through zlib, which passes plain files through unchanged ("transparent" mode).
class GzFile {
 public:
  explicit GzFile(const std::filesystem::path& path) : name_(path.string()) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw InputError(fmt::format("{}: no such file", name_));
    if (std::filesystem::is_directory(path, ec))
      throw InputError(fmt::format("{}: is a directory, not a CSV file", name_));
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) throw InputError(fmt::format("{}: cannot open: {}", name_, std::strerror(errno)));
    gzbuffer(file_, 1u << 18);
  }
  ~GzFile() {
    if (file_) gzclose(file_);
  }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Up to n bytes into dst; 0 at the end. InputError on corrupt or truncated gzip data.
  size_t read(char* dst, size_t n) {
    const auto ask = static_cast<unsigned>(std::min<size_t>(n, INT_MAX / 2));
    int got = gzread(file_, dst, ask);
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(file_, &err);
      throw InputError(fmt::format("{}: cannot read (after {} bytes): {}", name_, total_,
                                   err == Z_ERRNO ? std::strerror(errno) : msg));
    }
    if (got == 0) {
      int err = 0;
      const char* msg = gzerror(file_, &err);
      if (err != Z_OK && err != Z_STREAM_END)
        throw InputError(fmt::format("{}: damaged or truncated gzip data after {} bytes: {}", name_,
                                     total_, msg));
    }
    total_ += static_cast<size_t>(got);
    return static_cast<size_t>(got);
  }

 private:
  std::string name_;
  gzFile file_ = nullptr;
  size_t total_ = 0;
};

// The parser's byte source. With a worker, decompression runs ahead on its own thread into a
// small queue of blocks, so zlib and the parser overlap.
class ByteSource {
 public:
  ByteSource(const std::filesystem::path& path, bool threaded) : gz_(path) {
    if (threaded) worker_ = std::thread([this] { produce(); });
  }
  ~ByteSource() {
    if (worker_.joinable()) {
      {
        std::lock_guard lock(mutex_);
        stop_ = true;
      }
      cv_.notify_all();
      worker_.join();
    }
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  size_t read(char* dst, size_t n) {
    if (!worker_.joinable()) return gz_.read(dst, n);
    size_t copied = 0;
    while (copied < n) {
      if (front_pos_ == front_.size()) {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) {
          if (error_) std::rethrow_exception(error_);
          break;  // end of data
        }
        front_ = std::move(queue_.front());
        queue_.pop_front();
        front_pos_ = 0;
        lock.unlock();
        cv_.notify_all();
      }
      size_t take = std::min(n - copied, front_.size() - front_pos_);
      std::memcpy(dst + copied, front_.data() + front_pos_, take);
      front_pos_ += take;
      copied += take;
      if (copied > 0 && front_pos_ == front_.size()) break;  // hand back what we have
    }
    return copied;
  }

 private:
  static constexpr size_t kQueueBlocks = 8;

  void produce() {
    try {
      for (;;) {
        std::vector<char> block(kReadBlock);
        size_t got = gz_.read(block.data(), block.size());
        if (got == 0) break;
        block.resize(got);
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queue_.size() < kQueueBlocks || stop_; });
        if (stop_) return;
        queue_.push_back(std::move(block));
        lock.unlock();
        cv_.notify_all();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      error_ = std::current_exception();
    }
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
  }

  GzFile gz_;
  std::thread worker_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::vector<char>> queue_;
  bool done_ = false;
  bool stop_ = false;
  std::exception_ptr error_;
  std::vector<char> front_;
  size_t front_pos_ = 0;
};

// ---- records ----------------------------------------------------------------------------------

// RFC 4180 records from a ByteSource. A record is complete before any field is unescaped, so a
// record cut by the end of the buffer is simply parsed again after the buffer is refilled.
class CsvReader {
 public:
  CsvReader(ByteSource& source, char delimiter, std::string name)
      : source_(source), delim_(delimiter), name_(std::move(name)), buf_(kInitialBuffer) {
    spans_.reserve(64);
  }

  bool next(CsvRecord& rec) {
    for (;;) {
      Parse r = parse(rec);
      if (r == Parse::record) return true;
      if (r == Parse::end) return false;
      fill(rec.line);  // Parse::more
    }
  }

  [[nodiscard]] int64_t line() const { return line_; }

 private:
  enum class Parse { record, end, more };
  // What the scan of one field found: another field follows, the record is complete, or the
  // buffer ends before that is certain (the record is scanned again after a refill).
  enum class Step { next_field, end_record, more };
  struct Span {
    size_t begin, end;  // the field's bytes in buf_, quotes excluded
    bool unescape;      // holds "" pairs to turn into "
  };
  // The record being scanned. Nothing of it is kept before the record is complete.
  struct Scan {
    size_t p = 0;                     // where the next field starts
    int64_t embedded_newlines = 0;    // '\n' inside quoted fields
    bool ended_with_newline = false;  // false when the data ends without a line end
    bool first_quoted = false;        // a record of one quoted empty field is not blank
    bool bad_quotes = false;
  };

  Parse parse(CsvRecord& rec) {
    rec.line = line_;
    if (pos_ == end_) return eof_ ? Parse::end : Parse::more;
    spans_.clear();
    Scan s;
    s.p = pos_;
    for (;;) {  // one field per turn
      const Step step = s.p < end_ && buf_[s.p] == '"' ? scan_quoted(s) : scan_unquoted(s);
      if (step == Step::more) return Parse::more;
      if (step == Step::end_record) break;
    }
    publish(rec, s);
    return Parse::record;
  }

  // A field that starts with a quote: up to its closing quote, then what follows that.
  Step scan_quoted(Scan& s) {
    if (spans_.empty()) s.first_quoted = true;
    size_t close = 0;
    bool unescape = false;
    if (!find_closing_quote(s.p + 1, close, unescape)) return Step::more;
    const char* b = buf_.data();
    s.embedded_newlines += std::count(b + s.p + 1, b + close, '\n');
    return after_closing_quote(s, close, unescape);
  }

  // The closing quote of a quoted field whose text starts at `scan` ("" pairs are skipped and
  // set `unescape`). False when the buffer ends before it is certain; InputError when the data
  // ends first.
  bool find_closing_quote(size_t scan, size_t& close, bool& unescape) {
    const char* b = buf_.data();
    for (;;) {
      const auto* hit = static_cast<const char*>(std::memchr(b + scan, '"', end_ - scan));
      if (!hit) {
        if (!eof_) return false;
        throw InputError(fmt::format("{}: line {}: quoted field never closed (a stray '\"'?)",
                                     name_, line_));
      }
      const size_t k = static_cast<size_t>(hit - b);
      if (k + 1 == end_ && !eof_) return false;  // "" split by the buffer end?
      if (k + 1 < end_ && b[k + 1] == '"') {
        unescape = true;
        scan = k + 2;
        continue;
      }
      close = k;
      return true;
    }
  }

  // After the closing quote at `close`: a delimiter, a line end (LF or CRLF), the end of the
  // data, or stray text.
  Step after_closing_quote(Scan& s, size_t close, bool unescape) {
    const char* b = buf_.data();
    const size_t q = close + 1;
    const Span field{s.p + 1, close, unescape};
    if (q == end_) {
      if (!eof_) return Step::more;
      spans_.push_back(field);
      s.p = q;
      return Step::end_record;
    }
    const char c = b[q];
    if (c == delim_) {
      spans_.push_back(field);
      s.p = q + 1;
      return Step::next_field;
    }
    if (c == '\n' || (c == '\r' && q + 1 < end_ && b[q + 1] == '\n')) {
      spans_.push_back(field);
      s.p = q + (c == '\r' ? 2 : 1);
      s.ended_with_newline = true;
      return Step::end_record;
    }
    if (c == '\r' && q + 1 == end_ && !eof_) return Step::more;
    return scan_after_bad_quote(s, q);
  }

  // Text after the closing quote ("ab"c): the field runs on, quotes and all, to the next
  // delimiter or LF (a CR stays in it), and the record is flagged bad_quotes.
  Step scan_after_bad_quote(Scan& s, size_t q) {
    s.bad_quotes = true;
    const size_t e = field_end(q);
    if (e == end_ && !eof_) return Step::more;
    spans_.push_back({s.p, e, false});
    return finish_field(s, e);
  }

  // A field without a leading quote: up to the delimiter or the end of the line; quotes inside
  // are literal, a CR before the LF (or before the end of the data) is not part of it.
  Step scan_unquoted(Scan& s) {
    const char* b = buf_.data();
    const size_t e = field_end(s.p);
    if (e == end_ && !eof_) return Step::more;
    if (e < end_ && b[e] == delim_) {
      spans_.push_back({s.p, e, false});
      s.p = e + 1;
      return Step::next_field;
    }
    size_t stop = e;
    if (stop > s.p && b[stop - 1] == '\r') --stop;
    spans_.push_back({s.p, stop, false});
    return finish_field(s, e);
  }

  // The first delimiter or LF at or after `from`, or end_.
  [[nodiscard]] size_t field_end(size_t from) const {
    const char* b = buf_.data();
    size_t e = from;
    while (e < end_ && b[e] != delim_ && b[e] != '\n') ++e;
    return e;
  }

  // A field that stopped at `e` (an LF, a delimiter or the end of the data): the next one
  // starts after it, or the record ends.
  Step finish_field(Scan& s, size_t e) {
    if (e == end_) {
      s.p = e;
      return Step::end_record;
    }
    s.p = e + 1;
    if (buf_[e] != '\n') return Step::next_field;
    s.ended_with_newline = true;
    return Step::end_record;
  }

  // The record is complete: advance past it and hand out its fields.
  void publish(CsvRecord& rec, const Scan& s) {
    bom_checked_ = true;  // only before the first record
    pos_ = s.p;
    line_ += s.embedded_newlines + (s.ended_with_newline ? 1 : 0);
    rec.bad_quotes = s.bad_quotes;
    rec.blank = spans_.size() == 1 && !s.first_quoted && spans_[0].begin == spans_[0].end;
    rec.fields.clear();
    for (const Span& span : spans_) rec.fields.push_back(unescaped(span));
  }

  // The text of a field; "" -> " in place (the result is shorter than the source).
  string_view unescaped(const Span& s) {
    char* b = buf_.data();
    if (!s.unescape) return {b + s.begin, s.end - s.begin};
    size_t w = s.begin;
    for (size_t r = s.begin; r < s.end; ++r) {
      b[w++] = b[r];
      if (b[r] == '"') ++r;  // skip the second quote of the pair
    }
    return {b + s.begin, w - s.begin};
  }

  // Moves the unfinished record to the front of the buffer and reads more bytes behind it.
  void fill(int64_t record_line) {
    size_t keep = end_ - pos_;
    if (pos_ > 0 && keep > 0) std::memmove(buf_.data(), buf_.data() + pos_, keep);
    pos_ = 0;
    end_ = keep;
    if (buf_.size() - end_ < kReadBlock) {
      if (keep > kMaxRecordBytes)
        throw InputError(
            fmt::format("{}: line {}: a record longer than {} MiB (an unterminated quoted field?)",
                        name_, record_line, kMaxRecordBytes >> 20));
      buf_.resize(std::max(buf_.size() * 2, end_ + kReadBlock));
    }
    size_t got = source_.read(buf_.data() + end_, buf_.size() - end_);
    if (got == 0) eof_ = true;
    end_ += got;
    skip_byte_order_mark();
  }

  // A UTF-8 byte order mark before the first record is no part of it (even when the first field
  // is quoted: "\xEF\xBB\xBF\"id\"" is the field id). Decided once the first 3 bytes are in.
  void skip_byte_order_mark() {
    if (bom_checked_ || (end_ < 3 && !eof_)) return;
    bom_checked_ = true;
    if (end_ - pos_ >= 3 && std::memcmp(buf_.data() + pos_, "\xEF\xBB\xBF", 3) == 0) pos_ += 3;
  }

  ByteSource& source_;
  char delim_;
  std::string name_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool bom_checked_ = false;
  int64_t line_ = 1;
  std::vector<Span> spans_;
};

}  // namespace

struct CsvFile::Impl {
  Impl(const std::filesystem::path& path, char delimiter, bool threaded)
      : source(path, threaded), reader(source, delimiter, path.string()) {}
  ByteSource source;
  CsvReader reader;
};

CsvFile::CsvFile(const std::filesystem::path& path, char delimiter, bool threaded)
    : impl_(std::make_unique<Impl>(path, delimiter, threaded)) {}
CsvFile::~CsvFile() = default;
CsvFile::CsvFile(CsvFile&&) noexcept = default;
CsvFile& CsvFile::operator=(CsvFile&&) noexcept = default;
bool CsvFile::next(CsvRecord& rec) { return impl_->reader.next(rec); }
std::int64_t CsvFile::line() const { return impl_->reader.line(); }


string_view trim(string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A finite number; leading '+' and surrounding spaces allowed.
bool parse_number(string_view s, double& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

void read_csv_records(
    const std::filesystem::path& path, char delimiter,
    const std::function<void(const std::vector<string_view>& fields, std::int64_t line)>& record) {
  CsvFile reader(path, delimiter, false);
  CsvRecord rec;
  while (reader.next(rec)) {
    if (rec.blank) continue;
    if (rec.bad_quotes)
      throw InputError(
          fmt::format("{}: line {}: text after a closing quote", path.string(), rec.line));
    record(rec.fields, rec.line);
  }
}

}  // namespace tailor
