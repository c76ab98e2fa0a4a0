// Time values as users write them: ISO 8601, unix seconds, "M/D/YYYY H:MM" and strptime-style
// formats, to unix seconds (UTC); and unix seconds back to dates.
#include "host/io/time.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <string>

#include "host/core/error.hpp"
#include "host/io/csv.hpp"

namespace tailor {
namespace {

using std::int64_t;
using std::size_t;
using std::string_view;

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

// s[i] == ch, stepping past it.
bool expect(string_view s, size_t& i, char ch) { return i < s.size() && s[i++] == ch; }

// A 12-hour clock's hour (1..12) as 0..23.
bool apply_pm(Clock& c, bool pm) {
  if (c.hour < 1 || c.hour > 12) return false;
  c.hour = c.hour % 12 + (pm ? 12 : 0);
  return true;
}

// YYYY-MM-DD
bool read_iso_date(string_view s, size_t& i, Clock& c) {
  if (!read_int(s, i, 4, 4, c.year) || !expect(s, i, '-')) return false;
  if (!read_int(s, i, 2, 2, c.month) || !expect(s, i, '-')) return false;
  return read_int(s, i, 2, 2, c.day);
}

// HH:MM[:SS[.fff]] (or ",fff"); fractions of a second are truncated.
bool read_iso_time(string_view s, size_t& i, Clock& c) {
  if (!read_int(s, i, 2, 2, c.hour) || !expect(s, i, ':')) return false;
  if (!read_int(s, i, 2, 2, c.minute)) return false;
  if (i >= s.size() || s[i] != ':') return true;
  ++i;
  if (!read_int(s, i, 2, 2, c.second)) return false;
  if (i >= s.size() || (s[i] != '.' && s[i] != ',')) return true;
  ++i;
  const size_t start = i;
  while (i < s.size() && is_digit(s[i])) ++i;
  return i != start;
}

// YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|+HH:MM]
bool parse_iso(string_view s, int64_t& out) {
  Clock c;
  size_t i = 0;
  if (!read_iso_date(s, i, c)) return false;
  if (i < s.size() && (s[i] == ' ' || s[i] == 'T')) {
    ++i;
    if (!read_iso_time(s, i, c)) return false;
    if (i < s.size() && !parse_zone(s, i, c.offset)) return false;
  }
  return i == s.size() && c.to_unix(out);
}

// M/D/YYYY
bool read_us_date(string_view s, size_t& i, Clock& c) {
  if (!read_int(s, i, 1, 2, c.month) || !expect(s, i, '/')) return false;
  if (!read_int(s, i, 1, 2, c.day) || !expect(s, i, '/')) return false;
  return read_int(s, i, 4, 4, c.year);
}

// " H:MM[:SS][ AM|PM]" to the end of s (AM and PM in any case).
bool read_us_time(string_view s, size_t& i, Clock& c) {
  if (!expect(s, i, ' ')) return false;
  if (!read_int(s, i, 1, 2, c.hour) || !expect(s, i, ':')) return false;
  if (!read_int(s, i, 2, 2, c.minute)) return false;
  if (i < s.size() && s[i] == ':') {
    ++i;
    if (!read_int(s, i, 2, 2, c.second)) return false;
  }
  if (i == s.size()) return true;
  if (!expect(s, i, ' ') || s.size() - i != 2) return false;
  const char a = static_cast<char>(s[i] | 0x20);
  const char m = static_cast<char>(s[i + 1] | 0x20);
  if ((a != 'a' && a != 'p') || m != 'm' || !apply_pm(c, a == 'p')) return false;
  i += 2;
  return true;
}

// M/D/YYYY[ H:MM[:SS][ AM|PM]]
bool parse_us(string_view s, int64_t& out) {
  Clock c;
  size_t i = 0;
  if (!read_us_date(s, i, c)) return false;
  if (i < s.size() && !read_us_time(s, i, c)) return false;
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

// What a format has read so far.
struct Parsed {
  Clock c;
  int pm = -1;             // %p: 0 am, 1 pm, -1 not given
  bool epoch_set = false;  // %s: the time is `epoch`, whatever else was read
  int64_t epoch = 0;
};

bool parse_formatted(string_view s, string_view fmt, Parsed& p, size_t& i);

// The directives that read a number into a field of the clock.
struct NumberDirective {
  char directive;
  int min_digits, max_digits;
  int Clock::*field;
  bool space_padded = false;  // one leading space allowed (%e)
};
constexpr NumberDirective kNumberDirectives[] = {
    {'Y', 4, 4, &Clock::year},      {'m', 1, 2, &Clock::month}, {'d', 1, 2, &Clock::day},
    {'e', 1, 2, &Clock::day, true}, {'H', 1, 2, &Clock::hour},  {'I', 1, 2, &Clock::hour},
    {'M', 1, 2, &Clock::minute},    {'S', 1, 2, &Clock::second}};

bool parse_number_directive(string_view s, const NumberDirective& n, Clock& c, size_t& i) {
  if (n.space_padded && i < s.size() && s[i] == ' ') ++i;
  return read_int(s, i, n.min_digits, n.max_digits, c.*n.field);
}

// %y: two digits, 69..99 -> 1969..1999 and 00..68 -> 2000..2068 (the POSIX pivot).
bool parse_short_year(string_view s, size_t& i, int& year) {
  int yy = 0;
  if (!read_int(s, i, 2, 2, yy)) return false;
  year = yy < 69 ? 2000 + yy : 1900 + yy;
  return true;
}

// %p: "am" or "pm" in any case.
bool parse_am_pm(string_view s, size_t& i, int& pm) {
  if (s.size() - i < 2) return false;
  if (lower_equal(s.substr(i, 2), "am"))
    pm = 0;
  else if (lower_equal(s.substr(i, 2), "pm"))
    pm = 1;
  else
    return false;
  i += 2;
  return true;
}

// %s: [-]digits, unix seconds.
bool parse_epoch(string_view s, size_t& i, Parsed& p) {
  const size_t start = i;
  if (i < s.size() && s[i] == '-') ++i;
  while (i < s.size() && is_digit(s[i])) ++i;
  auto [ptr, ec] = std::from_chars(s.data() + start, s.data() + i, p.epoch);
  if (ec != std::errc() || ptr != s.data() + i) return false;
  p.epoch_set = true;
  return true;
}

// The directive `d` (the letter after '%') at s[i].
bool parse_directive(string_view s, char d, Parsed& p, size_t& i) {
  for (const NumberDirective& n : kNumberDirectives)
    if (n.directive == d) return parse_number_directive(s, n, p.c, i);
  switch (d) {
    case 'y': return parse_short_year(s, i, p.c.year);
    case 'p': return parse_am_pm(s, i, p.pm);
    case 'b':
    case 'h':
    case 'B': return parse_month_name(s, i, p.c.month);
    case 'F': return parse_formatted(s, "%Y-%m-%d", p, i);
    case 'T': return parse_formatted(s, "%H:%M:%S", p, i);
    case 's': return parse_epoch(s, i, p);
    case 'z': return parse_zone(s, i, p.c.offset);
    case '%': return expect(s, i, '%');
    default: return false;
  }
}

// A strptime-style format (see ImportOptions::time_format); one directive per '%', a space
// matches any run of spaces (none included), any other character itself.
bool parse_formatted(string_view s, string_view fmt, Parsed& p, size_t& i) {
  for (size_t f = 0; f < fmt.size(); ++f) {
    const char ch = fmt[f];
    if (ch == ' ') {
      while (i < s.size() && s[i] == ' ') ++i;
      continue;
    }
    if (ch != '%') {
      if (!expect(s, i, ch)) return false;
      continue;
    }
    if (++f >= fmt.size() || !parse_directive(s, fmt[f], p, i)) return false;
  }
  return true;
}

bool parse_with_format(string_view s, string_view fmt, int64_t& out) {
  Parsed p;
  size_t i = 0;
  if (!parse_formatted(s, fmt, p, i) || i != s.size()) return false;
  if (p.epoch_set) {
    out = p.epoch;
    return true;
  }
  if (p.pm >= 0 && !apply_pm(p.c, p.pm == 1)) return false;
  return p.c.to_unix(out);
}

}  // namespace

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

std::int64_t parse_horizon_seconds(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = used > 0 ? text.substr(used) : "";
  double scale = 0;
  if (unit.empty() || unit == "d") scale = 86400;
  else if (unit == "w") scale = 7 * 86400;
  else if (unit == "h") scale = 3600;
  if (used == 0 || scale == 0 || !(value > 0) || !std::isfinite(value))
    throw InputError(fmt::format(
        "--horizon {}: expected a positive duration such as 30d, 4w or 36h", text));
  return static_cast<std::int64_t>(std::llround(value * scale));
}

std::string utc_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string utc_now_iso8601() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool parse_time(std::string_view text, const std::optional<std::string>& format,
                std::int64_t& unix_seconds) {
  string_view s = trim(text);
  if (s.empty()) return false;
  return format ? parse_with_format(s, *format, unix_seconds) : parse_auto(s, unix_seconds);
}

}  // namespace tailor
