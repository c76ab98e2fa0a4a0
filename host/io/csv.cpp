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
  struct Span {
    size_t begin, end;
    bool unescape;
  };

  Parse parse(CsvRecord& rec) {
    rec.line = line_;
    size_t p = pos_;
    if (p == end_) return eof_ ? Parse::end : Parse::more;
    spans_.clear();
    rec.bad_quotes = false;
    int64_t embedded_newlines = 0;
    bool ended_with_newline = false;
    bool first_quoted = false;
    char* b = buf_.data();
    for (;;) {  // one field per turn
      if (p < end_ && b[p] == '"') {
        if (spans_.empty()) first_quoted = true;
        size_t scan = p + 1;
        bool unescape = false;
        size_t close = 0;
        for (;;) {
          auto* hit = static_cast<char*>(std::memchr(b + scan, '"', end_ - scan));
          if (!hit) {
            if (!eof_) return Parse::more;
            throw InputError(fmt::format("{}: line {}: quoted field never closed (a stray '\"'?)",
                                         name_, line_));
          }
          size_t k = static_cast<size_t>(hit - b);
          if (k + 1 == end_ && !eof_) return Parse::more;  // "" split by the buffer end?
          if (k + 1 < end_ && b[k + 1] == '"') {
            unescape = true;
            scan = k + 2;
            continue;
          }
          close = k;
          break;
        }
        embedded_newlines += std::count(b + p + 1, b + close, '\n');
        size_t q = close + 1;
        if (q == end_) {
          if (!eof_) return Parse::more;
          spans_.push_back({p + 1, close, unescape});
          p = q;
          break;
        }
        char c = b[q];
        if (c == delim_) {
          spans_.push_back({p + 1, close, unescape});
          p = q + 1;
          continue;
        }
        if (c == '\n' || (c == '\r' && q + 1 < end_ && b[q + 1] == '\n')) {
          spans_.push_back({p + 1, close, unescape});
          p = q + (c == '\r' ? 2 : 1);
          ended_with_newline = true;
          break;
        }
        if (c == '\r' && q + 1 == end_ && !eof_) return Parse::more;
        // Text after the closing quote: keep scanning to the end of the field, drop the row.
        rec.bad_quotes = true;
        size_t e = q;
        while (e < end_ && b[e] != delim_ && b[e] != '\n') ++e;
        if (e == end_ && !eof_) return Parse::more;
        spans_.push_back({p, e, false});
        if (e == end_) {
          p = e;
          break;
        }
        p = e + 1;
        if (b[e] == '\n') {
          ended_with_newline = true;
          break;
        }
        continue;
      }
      // Unquoted field: up to the delimiter or the end of the line; quotes inside are literal.
      size_t e = p;
      while (e < end_ && b[e] != delim_ && b[e] != '\n') ++e;
      if (e == end_) {
        if (!eof_) return Parse::more;
        size_t stop = e;
        if (stop > p && b[stop - 1] == '\r') --stop;
        spans_.push_back({p, stop, false});
        p = e;
        break;
      }
      if (b[e] == delim_) {
        spans_.push_back({p, e, false});
        p = e + 1;
        continue;
      }
      size_t stop = e;  // '\n'
      if (stop > p && b[stop - 1] == '\r') --stop;
      spans_.push_back({p, stop, false});
      p = e + 1;
      ended_with_newline = true;
      break;
    }

    // The record is complete: publish it.
    pos_ = p;
    line_ += embedded_newlines + (ended_with_newline ? 1 : 0);
    rec.blank = spans_.size() == 1 && !first_quoted && spans_[0].begin == spans_[0].end;
    rec.fields.clear();
    for (const Span& s : spans_) {
      size_t len = s.end - s.begin;
      if (s.unescape) {  // "" -> " in place; the result is shorter than the source
        size_t w = s.begin;
        for (size_t r = s.begin; r < s.end; ++r) {
          b[w++] = b[r];
          if (b[r] == '"') ++r;  // skip the second quote of the pair
        }
        len = w - s.begin;
      }
      rec.fields.emplace_back(b + s.begin, len);
    }
    return Parse::record;
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
  }

  ByteSource& source_;
  char delim_;
  std::string name_;
  std::vector<char> buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
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
  bool first = true;
  while (reader.next(rec)) {
    if (rec.blank) continue;
    if (rec.bad_quotes)
      throw InputError(
          fmt::format("{}: line {}: text after a closing quote", path.string(), rec.line));
    if (first && !rec.fields.empty() && rec.fields[0].starts_with("\xEF\xBB\xBF"))
      rec.fields[0].remove_prefix(3);
    first = false;
    record(rec.fields, rec.line);
  }
}

}  // namespace tailor
