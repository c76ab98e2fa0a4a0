// `tailor import`: CSV (plain or gzip) -> the HDF5 interaction contract. See import_csv.hpp for
// the row rules; the parts here are a byte source (zlib, optionally on its own thread), an RFC
// 4180 record reader that hands out string_views into its buffer, time and number parsing, and
// the dictionaries that turn ids into indices.
#include "host/import_csv.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cctype>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "host/dataset.hpp"
#include "host/error.hpp"

namespace tailor {
namespace {

using std::int64_t;
using std::size_t;
using std::string_view;

constexpr size_t kReadBlock = size_t{1} << 20;      // bytes asked from zlib per call
constexpr size_t kInitialBuffer = size_t{4} << 20;  // parse buffer; grows for huge records
constexpr size_t kMaxRecordBytes = size_t{64} << 20;
constexpr int64_t kProgressEvery = int64_t{1} << 16;  // records between progress calls
constexpr size_t kMaxEvents = 256;                    // /interactions/event is uint8

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

struct Record {
  std::vector<string_view> fields;  // valid until the next call to next()
  int64_t line = 0;                 // physical line the record starts on (1-based)
  bool bad_quotes = false;          // text after a closing quote
  bool blank = false;               // an empty line
};

// RFC 4180 records from a ByteSource. A record is complete before any field is unescaped, so a
// record cut by the end of the buffer is simply parsed again after the buffer is refilled.
class CsvReader {
 public:
  CsvReader(ByteSource& source, char delimiter, std::string name)
      : source_(source), delim_(delimiter), name_(std::move(name)), buf_(kInitialBuffer) {
    spans_.reserve(64);
  }

  bool next(Record& rec) {
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

  Parse parse(Record& rec) {
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

// ---- values -----------------------------------------------------------------------------------

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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads min_digits..max_digits decimal digits at s[i].
bool read_int(string_view s, size_t& i, int min_digits, int max_digits, int& out) {
  int n = 0;
  int v = 0;
  while (n < max_digits && i < s.size() && is_digit(s[i])) {
    v = v * 10 + (s[i] - '0');
    ++i;
    ++n;
  }
  out = v;
  return n >= min_digits;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

struct Clock {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int64_t offset = 0;  // seconds east of UTC

  [[nodiscard]] bool to_unix(int64_t& out) const {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return false;
    int dim = kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
    if (day > dim || hour > 23 || minute > 59 || second > 60) return false;
    out = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
    return true;
  }
};

// "Z", "+HH", "+HHMM", "+HH:MM" (or '-').
bool parse_zone(string_view s, size_t& i, int64_t& offset) {
  if (i < s.size() && s[i] == 'Z') {
    ++i;
    offset = 0;
    return true;
  }
  if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
  const int sign = s[i] == '-' ? -1 : 1;
  ++i;
  int hh = 0, mm = 0;
  if (!read_int(s, i, 2, 2, hh)) return false;
  if (i < s.size() && s[i] == ':') ++i;
  if (i < s.size() && is_digit(s[i]) && !read_int(s, i, 2, 2, mm)) return false;
  if (hh > 23 || mm > 59) return false;
  offset = sign * (hh * 3600 + mm * 60);
  return true;
}

// YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|+HH:MM]
bool parse_iso(string_view s, int64_t& out) {
  Clock c;
  size_t i = 0;
  if (!read_int(s, i, 4, 4, c.year) || i >= s.size() || s[i++] != '-') return false;
  if (!read_int(s, i, 2, 2, c.month) || i >= s.size() || s[i++] != '-') return false;
  if (!read_int(s, i, 2, 2, c.day)) return false;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T')) {
    ++i;
    if (!read_int(s, i, 2, 2, c.hour) || i >= s.size() || s[i++] != ':') return false;
    if (!read_int(s, i, 2, 2, c.minute)) return false;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!read_int(s, i, 2, 2, c.second)) return false;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {  // fractions of a second: truncated
        ++i;
        size_t start = i;
        while (i < s.size() && is_digit(s[i])) ++i;
        if (i == start) return false;
      }
    }
    if (i < s.size() && !parse_zone(s, i, c.offset)) return false;
  }
  return i == s.size() && c.to_unix(out);
}

// M/D/YYYY[ H:MM[:SS][ AM|PM]]
bool parse_us(string_view s, int64_t& out) {
  Clock c;
  size_t i = 0;
  if (!read_int(s, i, 1, 2, c.month) || i >= s.size() || s[i++] != '/') return false;
  if (!read_int(s, i, 1, 2, c.day) || i >= s.size() || s[i++] != '/') return false;
  if (!read_int(s, i, 4, 4, c.year)) return false;
  if (i < s.size()) {
    if (s[i++] != ' ') return false;
    if (!read_int(s, i, 1, 2, c.hour) || i >= s.size() || s[i++] != ':') return false;
    if (!read_int(s, i, 2, 2, c.minute)) return false;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!read_int(s, i, 2, 2, c.second)) return false;
    }
    if (i < s.size()) {
      if (s[i++] != ' ' || s.size() - i != 2) return false;
      char a = static_cast<char>(s[i] | 0x20);
      char m = static_cast<char>(s[i + 1] | 0x20);
      if ((a != 'a' && a != 'p') || m != 'm' || c.hour < 1 || c.hour > 12) return false;
      c.hour = c.hour % 12 + (a == 'p' ? 12 : 0);
      i += 2;
    }
  }
  return i == s.size() && c.to_unix(out);
}

// [-]digits[.digits]: unix seconds, fractions truncated.
bool parse_unix(string_view s, int64_t& out) {
  size_t dot = s.find('.');
  string_view whole = s.substr(0, dot);
  if (dot != string_view::npos) {
    string_view frac = s.substr(dot + 1);
    if (frac.empty() || !std::all_of(frac.begin(), frac.end(), is_digit)) return false;
  }
  if (whole.empty() || whole == "-") return false;
  auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), out);
  return ec == std::errc() && ptr == whole.data() + whole.size();
}

bool parse_auto(string_view s, int64_t& out) {
  if (s.size() >= 10 && s[4] == '-') return parse_iso(s, out);
  if (s.find('/') != string_view::npos) return parse_us(s, out);
  return parse_unix(s, out);
}

constexpr const char* kMonths[] = {"january",   "february", "march",    "april",
                                   "may",       "june",     "july",     "august",
                                   "september", "october",  "november", "december"};

bool lower_equal(string_view a, string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t k = 0; k < a.size(); ++k)
    if (static_cast<char>(a[k] | 0x20) != b[k]) return false;
  return true;
}

// English month name, full or three letters, any case.
bool parse_month_name(string_view s, size_t& i, int& month) {
  for (int m = 0; m < 12; ++m) {
    string_view full = kMonths[m];
    if (s.size() - i >= full.size() && lower_equal(s.substr(i, full.size()), full)) {
      i += full.size();
      month = m + 1;
      return true;
    }
  }
  for (int m = 0; m < 12; ++m) {
    string_view abbr = string_view(kMonths[m]).substr(0, 3);
    if (s.size() - i >= 3 && lower_equal(s.substr(i, 3), abbr)) {
      i += 3;
      month = m + 1;
      return true;
    }
  }
  return false;
}

constexpr string_view kFormatDirectives = "YymdeHIpMSbhBFTsz%";

// A strptime-style format (see ImportOptions::time_format); one directive per '%'.
bool parse_formatted(string_view s, string_view fmt, Clock& c, int& pm, bool& epoch_set,
                     int64_t& epoch, size_t& i) {
  for (size_t f = 0; f < fmt.size(); ++f) {
    const char ch = fmt[f];
    if (ch == ' ') {
      while (i < s.size() && s[i] == ' ') ++i;
      continue;
    }
    if (ch != '%') {
      if (i >= s.size() || s[i] != ch) return false;
      ++i;
      continue;
    }
    if (++f >= fmt.size()) return false;
    switch (fmt[f]) {
      case 'Y':
        if (!read_int(s, i, 4, 4, c.year)) return false;
        break;
      case 'y': {
        int yy = 0;
        if (!read_int(s, i, 2, 2, yy)) return false;
        c.year = yy < 69 ? 2000 + yy : 1900 + yy;  // POSIX pivot
        break;
      }
      case 'm':
        if (!read_int(s, i, 1, 2, c.month)) return false;
        break;
      case 'e':
        if (i < s.size() && s[i] == ' ') ++i;
        [[fallthrough]];
      case 'd':
        if (!read_int(s, i, 1, 2, c.day)) return false;
        break;
      case 'H':
      case 'I':
        if (!read_int(s, i, 1, 2, c.hour)) return false;
        break;
      case 'M':
        if (!read_int(s, i, 1, 2, c.minute)) return false;
        break;
      case 'S':
        if (!read_int(s, i, 1, 2, c.second)) return false;
        break;
      case 'p':
        if (s.size() - i < 2) return false;
        if (lower_equal(s.substr(i, 2), "am"))
          pm = 0;
        else if (lower_equal(s.substr(i, 2), "pm"))
          pm = 1;
        else
          return false;
        i += 2;
        break;
      case 'b':
      case 'h':
      case 'B':
        if (!parse_month_name(s, i, c.month)) return false;
        break;
      case 'F':
        if (!parse_formatted(s, "%Y-%m-%d", c, pm, epoch_set, epoch, i)) return false;
        break;
      case 'T':
        if (!parse_formatted(s, "%H:%M:%S", c, pm, epoch_set, epoch, i)) return false;
        break;
      case 's': {
        size_t start = i;
        if (i < s.size() && s[i] == '-') ++i;
        while (i < s.size() && is_digit(s[i])) ++i;
        auto [ptr, ec] = std::from_chars(s.data() + start, s.data() + i, epoch);
        if (ec != std::errc() || ptr != s.data() + i) return false;
        epoch_set = true;
        break;
      }
      case 'z':
        if (!parse_zone(s, i, c.offset)) return false;
        break;
      case '%':
        if (i >= s.size() || s[i] != '%') return false;
        ++i;
        break;
      default:
        return false;
    }
  }
  return true;
}

bool parse_with_format(string_view s, string_view fmt, int64_t& out) {
  Clock c;
  int pm = -1;
  bool epoch_set = false;
  int64_t epoch = 0;
  size_t i = 0;
  if (!parse_formatted(s, fmt, c, pm, epoch_set, epoch, i) || i != s.size()) return false;
  if (epoch_set) {
    out = epoch;
    return true;
  }
  if (pm >= 0) {
    if (c.hour < 1 || c.hour > 12) return false;
    c.hour = c.hour % 12 + (pm == 1 ? 12 : 0);
  }
  return c.to_unix(out);
}

void check_time_format(const std::string& fmt) {
  for (size_t f = 0; f < fmt.size(); ++f) {
    if (fmt[f] != '%') continue;
    if (f + 1 >= fmt.size() || kFormatDirectives.find(fmt[f + 1]) == string_view::npos)
      throw InputError(fmt::format(
          "time format '{}': unsupported directive '{}' (supported: %Y %y %m %d %e %H %I %p %M "
          "%S %b %h %B %F %T %s %z %%)",
          fmt, f + 1 < fmt.size() ? fmt.substr(f, 2) : std::string("%")));
    ++f;
  }
}

// ---- ids --------------------------------------------------------------------------------------

// Dictionary encoding in order of first appearance. Keys are views into an arena of stable
// blocks, so an id is copied once, when it is first seen.
class Dictionary {
 public:
  // The index of id, adding it when new; false when the index would not fit in uint32.
  std::uint32_t intern(string_view id) {
    if (has_last_ && id == last_) return last_index_;
    auto it = map_.find(id);
    std::uint32_t index;
    if (it != map_.end()) {
      index = it->second;
    } else {
      if (order_.size() >= UINT32_MAX) throw InputError("more than 2^32 - 1 distinct ids");
      string_view stored = store(id);
      index = static_cast<std::uint32_t>(order_.size());
      map_.emplace(stored, index);
      order_.push_back(stored);
    }
    has_last_ = true;
    last_ = order_[index];
    last_index_ = index;
    return index;
  }
  // The index of a known id, or -1.
  [[nodiscard]] int64_t find(string_view id) const {
    auto it = map_.find(id);
    return it == map_.end() ? -1 : static_cast<int64_t>(it->second);
  }
  [[nodiscard]] size_t size() const { return order_.size(); }
  [[nodiscard]] std::vector<std::string> ids() const {
    return std::vector<std::string>(order_.begin(), order_.end());
  }

 private:
  static constexpr size_t kBlock = size_t{1} << 16;

  string_view store(string_view id) {
    if (id.empty()) return {};
    if (blocks_.empty() || block_used_ + id.size() > block_size_) {
      block_size_ = std::max(kBlock, id.size());
      blocks_.push_back(std::make_unique<char[]>(block_size_));
      block_used_ = 0;
    }
    char* dst = blocks_.back().get() + block_used_;
    std::memcpy(dst, id.data(), id.size());
    block_used_ += id.size();
    return {dst, id.size()};
  }

  std::unordered_map<string_view, std::uint32_t> map_;
  std::vector<string_view> order_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  bool has_last_ = false;
  string_view last_;
  std::uint32_t last_index_ = 0;
};

// ---- columns ----------------------------------------------------------------------------------

struct Columns {
  int customer = -1, item = -1, time = -1, quantity = -1, price = -1, value = -1, event = -1,
      cancel = -1;
};

int find_column(const std::vector<std::string>& header, const std::string& wanted, const char* role,
                const std::string& file) {
  const string_view want = trim(wanted);
  int found = -1;
  for (size_t k = 0; k < header.size(); ++k) {
    if (trim(header[k]) != want) continue;
    if (found >= 0)
      throw InputError(
          fmt::format("{}: line 1: the {} column '{}' appears twice (columns {} and {})", file,
                      role, wanted, found + 1, k + 1));
    found = static_cast<int>(k);
  }
  if (found < 0) {
    std::string available;
    for (size_t k = 0; k < header.size(); ++k)
      available += fmt::format("{}'{}'", k ? ", " : "", header[k]);
    throw InputError(fmt::format("{}: line 1: no {} column '{}'; the header has {} columns: {}",
                                 file, role, wanted, header.size(), available));
  }
  return found;
}

// ---- side files -------------------------------------------------------------------------------

// A side file (import_csv.hpp): opened and its header checked before the transactions are read,
// so a wrong column name fails early; rows are read afterwards by read().
class SideFile {
 public:
  // roles: (role, column name) of the value columns, in the order read() hands their values out.
  SideFile(const std::filesystem::path& path, char delimiter, bool threaded, const char* id_role,
           const std::string& id_col, const std::vector<std::pair<std::string, std::string>>& roles)
      : file_(path.string()),
        source_(std::make_unique<ByteSource>(path, threaded)),
        reader_(std::make_unique<CsvReader>(*source_, delimiter, file_)) {
    if (id_col.empty())
      throw InputError(fmt::format("{}: no {} column given for this file", file_, id_role));
    report_.source = file_;
    if (!reader_->next(rec_)) throw InputError(fmt::format("{}: empty file (no header row)", file_));
    if (rec_.bad_quotes)
      throw InputError(fmt::format("{}: line 1: text after a closing quote in the header", file_));
    header_.assign(rec_.fields.begin(), rec_.fields.end());
    if (!header_.empty() && header_[0].starts_with("\xEF\xBB\xBF")) header_[0].erase(0, 3);
    id_ = find_column(header_, id_col, id_role, file_);
    report_.columns["id"] = id_col;
    for (const auto& [role, name] : roles) {
      columns_.push_back(find_column(header_, name, role.c_str(), file_));
      names_.push_back(name);
      report_.columns[role] = name;
    }
  }

  [[nodiscard]] const std::string& file() const { return file_; }
  // The header name of value column k.
  [[nodiscard]] const std::string& column(size_t k) const { return names_[k]; }

  // Calls use(index, values, line) for every used row (values: one per role, in order).
  template <class Use>
  SideFileReport read(const Dictionary& ids, Use&& use) {
    std::vector<bool> seen(ids.size(), false);
    std::vector<string_view> values(columns_.size());
    auto count = [&](int64_t& counter, const char* key) {
      if (counter++ == 0) report_.first_line[key] = rec_.line;
    };
    while (reader_->next(rec_)) {
      ++report_.rows_read;
      if (rec_.bad_quotes || rec_.blank || rec_.fields.size() != header_.size() ||
          trim(rec_.fields[static_cast<size_t>(id_)]).empty()) {
        count(report_.bad_value, "bad_value");
        continue;
      }
      const int64_t index = ids.find(rec_.fields[static_cast<size_t>(id_)]);
      if (index < 0) {
        count(report_.unknown_id, "unknown_id");
        continue;
      }
      if (seen[static_cast<size_t>(index)]) {
        count(report_.duplicate_id, "duplicate_id");
        continue;
      }
      seen[static_cast<size_t>(index)] = true;
      for (size_t k = 0; k < columns_.size(); ++k)
        values[k] = rec_.fields[static_cast<size_t>(columns_[k])];
      use(static_cast<std::uint32_t>(index), values, rec_.line);
      ++report_.rows_used;
    }
    report_.ids = static_cast<int64_t>(ids.size());
    report_.ids_with_row = std::count(seen.begin(), seen.end(), true);
    return report_;
  }

 private:
  std::string file_;
  std::unique_ptr<ByteSource> source_;
  std::unique_ptr<CsvReader> reader_;
  Record rec_;
  std::vector<std::string> header_;
  int id_ = -1;
  std::vector<int> columns_;
  std::vector<std::string> names_;
  SideFileReport report_;
};

// Yes/no: 1/0, true/false, yes/no, y/n in any case; empty -> fallback.
std::uint8_t parse_flag(string_view text, std::uint8_t fallback, const std::string& file,
                        int64_t line, const std::string& column) {
  const string_view s = trim(text);
  if (s.empty()) return fallback;
  std::string lower(s);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "y") return 1;
  if (lower == "0" || lower == "false" || lower == "no" || lower == "n") return 0;
  throw InputError(fmt::format(
      "{}: line {}: column '{}': '{}' is not a yes/no value (accepted: 1/0, true/false, yes/no, "
      "y/n in any case; empty for the default)",
      file, line, column, text));
}

// A unit price >= 0; empty -> NaN (unknown).
float parse_price(string_view text, const std::string& file, int64_t line,
                  const std::string& column) {
  if (trim(text).empty()) return std::numeric_limits<float>::quiet_NaN();
  double x = 0;
  if (!parse_number(text, x))
    throw InputError(fmt::format(
        "{}: line {}: column '{}': price '{}' is not a finite number (leave it empty when the "
        "price is unknown)",
        file, line, column, text));
  if (x < 0)
    throw InputError(fmt::format("{}: line {}: column '{}': price '{}' is negative", file, line,
                                 column, text));
  if (x > std::numeric_limits<float>::max())
    throw InputError(fmt::format("{}: line {}: column '{}': price '{}' does not fit in float32",
                                 file, line, column, text));
  return static_cast<float>(x);
}

// The median of each item's unit prices (value / quantity of its kept rows with value >= 0);
// NaN for an item without such a row.
std::vector<float> median_unit_prices(const std::vector<std::uint32_t>& item,
                                      const std::vector<float>& unit, size_t items) {
  std::vector<size_t> start(items + 1, 0);
  for (size_t k = 0; k < item.size(); ++k)
    if (unit[k] >= 0) ++start[item[k] + 1];
  for (size_t i = 0; i < items; ++i) start[i + 1] += start[i];
  std::vector<float> sorted(start[items]);
  std::vector<size_t> fill(start.begin(), start.end() - 1);
  for (size_t k = 0; k < item.size(); ++k)
    if (unit[k] >= 0) sorted[fill[item[k]]++] = unit[k];
  std::vector<float> out(items, std::numeric_limits<float>::quiet_NaN());
  for (size_t i = 0; i < items; ++i) {
    const size_t n = start[i + 1] - start[i];
    if (n == 0) continue;
    auto* b = sorted.data() + start[i];
    std::sort(b, b + n);
    out[i] = n % 2 ? b[n / 2] : static_cast<float>((double{b[n / 2 - 1]} + b[n / 2]) / 2.0);
  }
  return out;
}

int64_t count_known(const std::vector<std::uint32_t>& codes) {
  return std::count_if(codes.begin(), codes.end(), [](std::uint32_t c) { return c != kNoCategory; });
}

nlohmann::ordered_json side_json(const SideFileReport& r) {
  nlohmann::ordered_json j;
  j["source"] = r.source;
  j["columns"] = nlohmann::ordered_json::object();
  for (const auto& [role, name] : r.columns) j["columns"][role] = name;
  j["rows_read"] = r.rows_read;
  j["rows_used"] = r.rows_used;
  j["unknown_id"] = r.unknown_id;
  j["duplicate_id"] = r.duplicate_id;
  j["bad_value"] = r.bad_value;
  j["first_line"] = nlohmann::ordered_json::object();
  for (const auto& [what, line] : r.first_line) j["first_line"][what] = line;
  j["ids"] = r.ids;
  j["ids_with_row"] = r.ids_with_row;
  for (const auto& [what, n] : r.counts) j[what] = n;
  return j;
}

}  // namespace

// ---- public -----------------------------------------------------------------------------------

void read_csv_records(
    const std::filesystem::path& path, char delimiter,
    const std::function<void(const std::vector<string_view>& fields, std::int64_t line)>& record) {
  ByteSource source(path, false);
  CsvReader reader(source, delimiter, path.string());
  Record rec;
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

bool parse_time(std::string_view text, const std::optional<std::string>& format,
                std::int64_t& unix_seconds) {
  string_view s = trim(text);
  if (s.empty()) return false;
  return format ? parse_with_format(s, *format, unix_seconds) : parse_auto(s, unix_seconds);
}

std::int64_t ImportReport::rows_dropped() const {
  std::int64_t n = 0;
  for (const auto& [reason, count] : dropped) n += count;
  return n;
}

std::string ImportReport::to_json() const {
  nlohmann::ordered_json j;
  j["source"] = source;
  j["rows_read"] = rows_read;
  j["rows_kept"] = rows_kept;
  j["rows_dropped"] = rows_dropped();
  if (cancel_events > 0) j["cancel_events"] = cancel_events;
  j["dropped"] = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : dropped) j["dropped"][reason] = count;
  j["first_dropped_line"] = nlohmann::ordered_json::object();
  for (const auto& [reason, line] : first_dropped_line) j["first_dropped_line"][reason] = line;
  j["columns"] = nlohmann::ordered_json::object();
  for (const auto& [role, name] : columns) j["columns"][role] = name;
  j["customers"] = customers;
  j["items"] = items;
  if (items_file) j["items_file"] = side_json(*items_file);
  if (customers_file) j["customers_file"] = side_json(*customers_file);
  if (item_prices_from_value) j["item_prices_from_value"] = *item_prices_from_value;
  j["seconds"] = seconds;
  j["tailor_version"] = TAILOR_VERSION;
  return j.dump();
}

ImportReport import_csv(const std::filesystem::path& csv, const std::filesystem::path& out_h5,
                        const ImportOptions& options,
                        std::function<void(std::int64_t rows)> progress) {
  const auto start = std::chrono::steady_clock::now();
  const std::string file = csv.string();
  if (options.customer_col.empty()) throw InputError("import: the customer column is not set");
  if (options.item_col.empty()) throw InputError("import: the item column is not set");
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw InputError(fmt::format("import: '{}' cannot be the delimiter",
                                 options.delimiter == '"' ? "\"" : "newline"));
  if (options.time_format) check_time_format(*options.time_format);
  if (options.cancel_col && options.cancel_prefix.empty())
    throw InputError("import: a cancel column needs a non-empty cancel prefix");
  if (options.cancel_event && (!options.cancel_col || options.cancel_event->empty()))
    throw InputError("import: --cancel-event needs a cancel column (--cancel-column) and a name");
  if (options.price_col && options.value_col)
    throw InputError("import: give a unit price column or a value column, not both");
  if (options.item_price_from_value && !options.price_col && !options.value_col)
    throw InputError(
        "import: item prices from values need a unit price column or a value column");

  // Side files: opened and their headers checked before the long read.
  const bool threaded = options.threads >= 2;
  std::optional<SideFile> items_file, customers_file;
  if (const auto& o = options.items_file) {
    std::vector<std::pair<std::string, std::string>> roles;
    if (o->category_col) roles.emplace_back("category", *o->category_col);
    if (o->name_col) roles.emplace_back("name", *o->name_col);
    if (o->price_col) roles.emplace_back("price", *o->price_col);
    if (o->available_col) roles.emplace_back("available", *o->available_col);
    items_file.emplace(o->path, options.delimiter, threaded, "item id", o->id_col, roles);
  }
  if (const auto& o = options.customers_file) {
    std::vector<std::pair<std::string, std::string>> roles;
    if (o->opt_out_col) roles.emplace_back("opt_out", *o->opt_out_col);
    if (o->segment_col) roles.emplace_back("segment", *o->segment_col);
    if (o->channel_col) roles.emplace_back("channel", *o->channel_col);
    customers_file.emplace(o->path, options.delimiter, threaded, "customer id", o->id_col, roles);
  }

  ImportReport report;
  report.source = file;

  ByteSource source(csv, threaded);
  CsvReader reader(source, options.delimiter, file);
  Record rec;
  if (!reader.next(rec)) throw InputError(fmt::format("{}: empty file (no header row)", file));
  if (rec.bad_quotes)
    throw InputError(fmt::format("{}: line 1: text after a closing quote in the header", file));
  std::vector<std::string> header(rec.fields.begin(), rec.fields.end());
  if (!header.empty() && header[0].starts_with("\xEF\xBB\xBF")) header[0].erase(0, 3);  // BOM

  Columns col;
  col.customer = find_column(header, options.customer_col, "customer", file);
  col.item = find_column(header, options.item_col, "item", file);
  report.columns["customer"] = options.customer_col;
  report.columns["item"] = options.item_col;
  auto optional_column = [&](const std::optional<std::string>& name, const char* role, int& out) {
    if (!name) return;
    out = find_column(header, *name, role, file);
    report.columns[role] = *name;
  };
  optional_column(options.time_col, "time", col.time);
  optional_column(options.quantity_col, "quantity", col.quantity);
  optional_column(options.price_col, "price", col.price);
  optional_column(options.value_col, "value", col.value);
  optional_column(options.event_col, "event", col.event);
  optional_column(options.cancel_col, "cancel", col.cancel);
  if (options.time_format) report.columns["time_format"] = *options.time_format;

  std::vector<std::string> excluded_storage;
  for (const auto& e : options.exclude_items) excluded_storage.emplace_back(trim(e));
  const std::unordered_set<string_view> excluded(excluded_storage.begin(), excluded_storage.end());
  const size_t n_fields = header.size();

  Dictionary customers, items, events;
  Dataset data;
  InteractionLog& log = data.log;

  // Drop counters indexed by reason; folded into the report's map at the end.
  enum Reason {
    bad_quotes,
    blank_line,
    wrong_field_count,
    blank_customer,
    blank_item,
    blank_event,
    cancelled,
    excluded_item,
    unparsable_time,
    unparsable_quantity,
    negative_quantity,
    zero_quantity,
    unparsable_price,
    negative_price,
    unparsable_value,
    kReasons,
    kept = kReasons
  };
  static constexpr const char* kReasonNames[kReasons] = {
      "bad_quotes",       "blank_line",          "wrong_field_count", "blank_customer",
      "blank_item",       "blank_event",         "cancelled",         "excluded_item",
      "unparsable_time",  "unparsable_quantity", "negative_quantity", "zero_quantity",
      "unparsable_price", "negative_price",      "unparsable_value"};
  int64_t drops[kReasons] = {};
  int64_t first_line[kReasons] = {};

  // One row's values, filled by classify() as far as the checks get.
  struct Row {
    string_view customer, item, event;
    bool cancelled = false;  // kept as the cancel event
    int64_t time = 0;
    double quantity = 1.0, price = 0.0, value = 0.0;
  } row;
  auto field = [&](int column) { return rec.fields[static_cast<size_t>(column)]; };
  // The first check the record fails (in the order import_csv.hpp lists), or kept.
  auto classify = [&]() -> Reason {
    if (rec.bad_quotes) return bad_quotes;
    if (rec.blank) return blank_line;
    if (rec.fields.size() != n_fields) return wrong_field_count;
    row.customer = field(col.customer);
    row.item = field(col.item);
    if (trim(row.customer).empty()) return blank_customer;
    if (trim(row.item).empty()) return blank_item;
    if (col.event >= 0 && (row.event = trim(field(col.event))).empty()) return blank_event;
    row.cancelled = false;
    if (col.cancel >= 0 && trim(field(col.cancel)).starts_with(options.cancel_prefix)) {
      if (!options.cancel_event) return cancelled;
      row.cancelled = true;
    }
    if (!excluded.empty() && excluded.count(trim(row.item))) return excluded_item;
    if (col.time >= 0 && !parse_time(field(col.time), options.time_format, row.time))
      return unparsable_time;
    if (col.quantity >= 0) {
      if (!parse_number(field(col.quantity), row.quantity)) return unparsable_quantity;
      if (row.cancelled) row.quantity = std::fabs(row.quantity);  // a cancellation's -3 is 3
      if (row.quantity < 0) return negative_quantity;
      if (row.quantity == 0) return zero_quantity;
    }
    if (col.price >= 0) {
      if (!parse_number(field(col.price), row.price)) return unparsable_price;
      if (row.price < 0) return negative_price;
    }
    if (col.value >= 0 && !parse_number(field(col.value), row.value)) return unparsable_value;
    if (row.cancelled) row.value = std::fabs(row.value);
    return kept;
  };

  std::vector<float> unit_price;  // per kept row, with item_price_from_value; < 0: not used
  int64_t rows_read = 0;
  if (progress) progress(0);
  while (reader.next(rec)) {
    ++rows_read;
    if (progress && rows_read % kProgressEvery == 0) progress(rows_read);
    if (const Reason r = classify(); r != kept) {
      if (drops[r]++ == 0) first_line[r] = rec.line;
      continue;
    }
    log.customer.push_back(customers.intern(row.customer));
    log.item.push_back(items.intern(row.item));
    if (col.time >= 0) log.time.push_back(row.time);
    if (col.quantity >= 0) log.quantity.push_back(static_cast<float>(row.quantity));
    // value in double, stored as float32 like every amount in the contract
    if (col.price >= 0) log.value.push_back(static_cast<float>(row.quantity * row.price));
    if (col.value >= 0) log.value.push_back(static_cast<float>(row.value));
    if (options.item_price_from_value)  // value / quantity in double, before the float32 rounding
      unit_price.push_back(static_cast<float>(
          col.price >= 0 ? row.price : row.value < 0 ? -1.0 : row.value / row.quantity));
    if (options.cancel_event) {
      report.cancel_events += row.cancelled;
      row.event = row.cancelled ? string_view(*options.cancel_event)
                  : col.event >= 0 ? row.event
                                   : string_view("purchase");
    }
    if (col.event >= 0 || options.cancel_event) {
      const std::uint32_t e = events.intern(row.event);
      if (events.size() > kMaxEvents)
        throw InputError(fmt::format("{}: line {}: more than {} distinct event names (at '{}')",
                                     file, rec.line, kMaxEvents, row.event));
      log.event.push_back(static_cast<std::uint8_t>(e));
    }
  }
  if (progress) progress(rows_read);

  report.rows_read = rows_read;
  report.rows_kept = log.size();
  for (int r = 0; r < kReasons; ++r) {
    if (drops[r] == 0) continue;
    report.dropped[kReasonNames[r]] = drops[r];
    report.first_dropped_line[kReasonNames[r]] = first_line[r];
  }
  // Every record is kept or counted under one reason; checked in release builds too.
  if (report.rows_read != report.rows_kept + report.rows_dropped())
    throw RunError(fmt::format("{}: internal error: {} rows read but {} kept + {} dropped", file,
                               report.rows_read, report.rows_kept, report.rows_dropped()));
  report.customers = static_cast<int64_t>(customers.size());
  report.items = static_cast<int64_t>(items.size());

  if (report.rows_kept == 0) {
    std::string why;
    for (const auto& [reason, count] : report.dropped)
      why += fmt::format("{}{} {}", why.empty() ? "" : ", ", count, reason);
    throw InputError(fmt::format("{}: no row kept out of {} ({}); nothing written to {}", file,
                                 rows_read, why.empty() ? "no data rows" : why, out_h5.string()));
  }

  data.path = out_h5;
  data.format_version = kInteractionsFormatVersion;
  data.customer_ids = customers.ids();
  data.item_ids = items.ids();
  data.event_names = events.ids();

  // Metadata from the side files and the values.
  ItemMeta& im = data.item_meta;
  const size_t n_items = items.size();
  if (items_file) {
    const ItemsFileOptions& o = *options.items_file;
    if (o.category_col) im.category.assign(n_items, kNoCategory);
    if (o.name_col) im.name.assign(n_items, std::string());
    if (o.price_col) im.price.assign(n_items, std::numeric_limits<float>::quiet_NaN());
    if (o.available_col) im.available.assign(n_items, 1);
    Dictionary categories;
    SideFile& f = *items_file;
    report.items_file = f.read(items, [&](std::uint32_t i, const std::vector<string_view>& v,
                                          int64_t line) {
      size_t k = 0;
      if (o.category_col)
        if (const string_view c = trim(v[k++]); !c.empty()) im.category[i] = categories.intern(c);
      if (o.name_col) im.name[i] = std::string(trim(v[k++]));
      if (o.price_col) {
        im.price[i] = parse_price(v[k], f.file(), line, f.column(k));
        ++k;
      }
      if (o.available_col) {
        im.available[i] = parse_flag(v[k], 1, f.file(), line, f.column(k));
        ++k;
      }
    });
    im.category_names = categories.ids();
    auto& counts = report.items_file->counts;
    if (o.category_col) {
      counts["with_category"] = count_known(im.category);
      counts["categories"] = static_cast<int64_t>(im.category_names.size());
    }
    if (o.name_col)
      counts["with_name"] = std::count_if(im.name.begin(), im.name.end(),
                                          [](const std::string& x) { return !x.empty(); });
    if (o.price_col)
      counts["with_price"] = std::count_if(im.price.begin(), im.price.end(),
                                           [](float x) { return !std::isnan(x); });
    if (o.available_col)
      counts["unavailable"] = std::count(im.available.begin(), im.available.end(), 0);
  }
  if (options.item_price_from_value) {
    const std::vector<float> median = median_unit_prices(log.item, unit_price, n_items);
    if (im.price.empty()) im.price.assign(n_items, std::numeric_limits<float>::quiet_NaN());
    int64_t filled = 0;
    for (size_t i = 0; i < n_items; ++i)
      if (std::isnan(im.price[i]) && !std::isnan(median[i])) {
        im.price[i] = median[i];
        ++filled;
      }
    report.item_prices_from_value = filled;
  }
  if (customers_file) {
    const CustomersFileOptions& o = *options.customers_file;
    CustomerMeta& cm = data.customer_meta;
    const size_t n_customers = customers.size();
    if (o.opt_out_col) cm.opt_out.assign(n_customers, 0);
    if (o.segment_col) cm.segment.assign(n_customers, kNoCategory);
    if (o.channel_col) cm.channel.assign(n_customers, kNoCategory);
    Dictionary segments, channels;
    SideFile& f = *customers_file;
    report.customers_file = f.read(customers, [&](std::uint32_t c,
                                                  const std::vector<string_view>& v, int64_t line) {
      size_t k = 0;
      if (o.opt_out_col) {
        cm.opt_out[c] = parse_flag(v[k], 0, f.file(), line, f.column(k));
        ++k;
      }
      if (o.segment_col)
        if (const string_view x = trim(v[k++]); !x.empty()) cm.segment[c] = segments.intern(x);
      if (o.channel_col)
        if (const string_view x = trim(v[k++]); !x.empty()) cm.channel[c] = channels.intern(x);
    });
    cm.segment_names = segments.ids();
    cm.channel_names = channels.ids();
    auto& counts = report.customers_file->counts;
    if (o.opt_out_col) counts["opted_out"] = std::count(cm.opt_out.begin(), cm.opt_out.end(), 1);
    if (o.segment_col) {
      counts["with_segment"] = count_known(cm.segment);
      counts["segments"] = static_cast<int64_t>(cm.segment_names.size());
    }
    if (o.channel_col) {
      counts["with_channel"] = count_known(cm.channel);
      counts["channels"] = static_cast<int64_t>(cm.channel_names.size());
    }
  }
  // seconds covers parsing; the write that follows is quick next to it and the report must be
  // final before it is stored in the file.
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  data.import_report = report.to_json();
  write_dataset(out_h5, data);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace tailor
