// Time values (host/io/time.hpp): ISO 8601 dates and times with their zones, the US
// "M/D/YYYY H:MM AM" form, unix seconds, strptime-style formats with each directive, invalid
// dates and times (Feb 30, hour 24, ...), leap years, format checks, horizons and the way back to
// dates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <regex>
#include <string>

#include "host/core/error.hpp"
#include "host/io/time.hpp"

namespace tailor {
namespace {

using ::testing::HasSubstr;

// Unix seconds of a UTC calendar time.
std::int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  const sys_days date{year{y} / month{mo} / day{d}};
  return (sys_seconds{date} + hours{h} + minutes{mi} + seconds{s}).time_since_epoch().count();
}

const std::optional<std::string> kAuto;

// The time `text` parses to (auto-detected or with `format`), or nullopt.
std::optional<std::int64_t> parsed(const std::string& text,
                                   const std::optional<std::string>& format = kAuto) {
  std::int64_t t = 0;
  if (!parse_time(text, format, t)) return std::nullopt;
  return t;
}

TEST(Time, IsoDatesAndTimes) {
  EXPECT_EQ(parsed("2010-12-01"), utc(2010, 12, 1));
  EXPECT_EQ(parsed("2010-12-01 08:26"), utc(2010, 12, 1, 8, 26));
  EXPECT_EQ(parsed("2010-12-01T08:26:07"), utc(2010, 12, 1, 8, 26, 7));
  EXPECT_EQ(parsed("2010-12-01 08:26:07.999"), utc(2010, 12, 1, 8, 26, 7));  // truncated
  EXPECT_EQ(parsed("2010-12-01 08:26:07,5"), utc(2010, 12, 1, 8, 26, 7));
  EXPECT_EQ(parsed("  2010-12-01 08:26\t"), utc(2010, 12, 1, 8, 26));  // trimmed
  EXPECT_EQ(parsed("2010-12-31 23:59:60"), utc(2011, 1, 1));  // a leap second
  EXPECT_EQ(parsed("1969-12-31"), -86400);
  for (const char* bad :
       {"2010-12-1", "2010-1-01", "10-12-01", "2010/12/01", "2010-12-01 8:26", "2010-12-01 08",
        "2010-12-01 08:26:7", "2010-12-01 08:26:07.", "2010-12-01x", "2010-12-01  08:26",
        "2010-12-01T"})
    EXPECT_EQ(parsed(bad), std::nullopt) << bad;
}

TEST(Time, IsoZones) {
  EXPECT_EQ(parsed("2010-12-01T08:26:00Z"), utc(2010, 12, 1, 8, 26));
  EXPECT_EQ(parsed("2010-12-01T08:26Z"), utc(2010, 12, 1, 8, 26));
  EXPECT_EQ(parsed("2010-12-01T08:26:00+02:00"), utc(2010, 12, 1, 6, 26));
  EXPECT_EQ(parsed("2010-12-01T08:26:00+0230"), utc(2010, 12, 1, 5, 56));
  EXPECT_EQ(parsed("2010-12-01T08:26:00-01"), utc(2010, 12, 1, 9, 26));
  EXPECT_EQ(parsed("2010-12-01 23:30-01:00"), utc(2010, 12, 2, 0, 30));  // the next day in UTC
  EXPECT_EQ(parsed("2010-12-01T08:26:00.25+01:00"), utc(2010, 12, 1, 7, 26));
  for (const char* bad : {"2010-12-01Z", "2010-12-01T08:26:00+1", "2010-12-01T08:26:00+24:00",
                          "2010-12-01T08:26:00+01:60", "2010-12-01T08:26:00+01:0",
                          "2010-12-01T08:26:00 +01:00", "2010-12-01T08:26:00UTC"})
    EXPECT_EQ(parsed(bad), std::nullopt) << bad;
}

TEST(Time, UsForm) {
  EXPECT_EQ(parsed("12/1/2010"), utc(2010, 12, 1));
  EXPECT_EQ(parsed("12/1/2010 8:26"), utc(2010, 12, 1, 8, 26));
  EXPECT_EQ(parsed("01/09/2011 17:05:09"), utc(2011, 1, 9, 17, 5, 9));
  EXPECT_EQ(parsed("1/31/2011 12:05 AM"), utc(2011, 1, 31, 0, 5));
  EXPECT_EQ(parsed("1/31/2011 12:05 pm"), utc(2011, 1, 31, 12, 5));
  EXPECT_EQ(parsed("1/31/2011 1:05:30 Pm"), utc(2011, 1, 31, 13, 5, 30));
  for (const char* bad :
       {"13/1/2010", "12/1/10", "12/1/2010 8", "12/1/2010 8:6", "12/1/2010  8:26",
        "12/1/2010 13:05 PM", "12/1/2010 0:05 AM", "12/1/2010 8:05 XM",
        "12/1/2010 8:05 AMX", "12/1/2010 8:05AM", "12/32/2010", "12-1-2010 8:26"})
    EXPECT_EQ(parsed(bad), std::nullopt) << bad;
}

TEST(Time, UnixSeconds) {
  EXPECT_EQ(parsed("0"), 0);
  EXPECT_EQ(parsed("1291191960"), 1291191960);
  EXPECT_EQ(parsed("1291191960.75"), 1291191960);  // fractions truncated
  EXPECT_EQ(parsed("-86400"), -86400);
  for (const char* bad : {"", "  ", "-", ".5", "1.", "1.5x", "12a", "+5", "1e9", "1 2"})
    EXPECT_EQ(parsed(bad), std::nullopt) << bad;
}

TEST(Time, FormatsWithEachDirective) {
  auto f = [](const std::string& text, const std::string& format) {
    return parsed(text, format);
  };
  EXPECT_EQ(f("2010-12-01 08:26:07", "%Y-%m-%d %H:%M:%S"), utc(2010, 12, 1, 8, 26, 7));
  EXPECT_EQ(f("1.2.2010 8:5:7", "%d.%m.%Y %H:%M:%S"), utc(2010, 2, 1, 8, 5, 7));  // 1 digit
  EXPECT_EQ(f("20101201082607", "%Y%m%d%H%M%S"), utc(2010, 12, 1, 8, 26, 7));
  // %y: 69..99 are 19xx, 00..68 are 20xx.
  EXPECT_EQ(f("01.12.68", "%d.%m.%y"), utc(2068, 12, 1));
  EXPECT_EQ(f("01.12.69", "%d.%m.%y"), utc(1969, 12, 1));
  EXPECT_EQ(f("01.12.2010", "%d.%m.%y"), std::nullopt);
  // %e: a space-padded day; %b %h %B: month names, any case, full or three letters.
  EXPECT_EQ(f("Dec  1 2010", "%b %e %Y"), utc(2010, 12, 1));
  EXPECT_EQ(f("DEC 1 2010", "%h %e %Y"), utc(2010, 12, 1));
  EXPECT_EQ(f("september 30, 2011", "%B %d, %Y"), utc(2011, 9, 30));
  EXPECT_EQ(f("Sep 30, 2011", "%B %d, %Y"), utc(2011, 9, 30));
  EXPECT_EQ(f("Sept 30, 2011", "%B %d, %Y"), std::nullopt);
  // %I with %p; %p without %I applies to %H too.
  EXPECT_EQ(f("12:15 AM", "%I:%M %p"), utc(1970, 1, 1, 0, 15));
  EXPECT_EQ(f("12:15 pm", "%I:%M %p"), utc(1970, 1, 1, 12, 15));
  EXPECT_EQ(f("11:15 PM", "%H:%M %p"), utc(1970, 1, 1, 23, 15));
  EXPECT_EQ(f("13:15 PM", "%I:%M %p"), std::nullopt);
  EXPECT_EQ(f("00:15 AM", "%I:%M %p"), std::nullopt);
  EXPECT_EQ(f("11:15 XM", "%I:%M %p"), std::nullopt);
  // %F %T %z: ISO pieces and a zone.
  EXPECT_EQ(f("2010-12-01T08:26:00+0100", "%FT%T%z"), utc(2010, 12, 1, 7, 26));
  EXPECT_EQ(f("2010-12-01 08:26:00Z", "%F %T%z"), utc(2010, 12, 1, 8, 26));
  // %s: unix seconds, whatever else the format reads.
  EXPECT_EQ(f("@1291191960", "@%s"), 1291191960);
  EXPECT_EQ(f("-5 1999", "%s %Y"), -5);
  EXPECT_EQ(f("@", "@%s"), std::nullopt);
  // %% and literal characters; a space matches any run of spaces, or none.
  EXPECT_EQ(f("100% 2010", "100%% %Y"), utc(2010, 1, 1));
  EXPECT_EQ(f("2010-12-01    8", "%F %H"), utc(2010, 12, 1, 8));
  EXPECT_EQ(f("2010-12-018", "%F %H"), utc(2010, 12, 1, 8));
  EXPECT_EQ(f("2010/12/01", "%Y-%m-%d"), std::nullopt);
  EXPECT_EQ(f("2010-12-01 junk", "%Y-%m-%d"), std::nullopt);  // all of the text
  EXPECT_EQ(f("2010-12", "%Y-%m-%d"), std::nullopt);          // all of the format
  EXPECT_EQ(f("2010", "%Y%"), std::nullopt);                  // a dangling '%'
}

TEST(Time, InvalidDatesAndTimes) {
  for (const char* bad : {"2011-02-30", "2011-04-31", "2011-13-01", "2011-00-10", "2011-01-00",
                          "2011-01-32", "2011-01-01 24:00", "2011-01-01 23:60",
                          "2011-01-01 23:59:61"})
    EXPECT_EQ(parsed(bad), std::nullopt) << bad;
  for (const char* bad : {"30.02.2011 10:00", "31.06.2011 10:00", "01.13.2011 10:00",
                          "01.01.2011 24:00", "01.01.2011 10:60"})
    EXPECT_EQ(parsed(bad, std::string("%d.%m.%Y %H:%M")), std::nullopt) << bad;
  EXPECT_EQ(parsed("28.02.2011 10:00", std::string("%d.%m.%Y %H:%M")), utc(2011, 2, 28, 10));
  EXPECT_EQ(parsed("2/30/2011"), std::nullopt);
  EXPECT_EQ(parsed("1/1/2011 24:00"), std::nullopt);
  EXPECT_EQ(parsed("2011-04-30"), utc(2011, 4, 30));
  EXPECT_EQ(parsed("2011-01-31 23:59:59"), utc(2011, 1, 31, 23, 59, 59));
}

TEST(Time, LeapYears) {
  for (int y : {1600, 2000, 2004, 2012, 2024, 2400})
    EXPECT_EQ(parsed(std::to_string(y) + "-02-29"), utc(y, 2, 29)) << y;
  for (int y : {1700, 1900, 2011, 2023, 2100})
    EXPECT_EQ(parsed(std::to_string(y) + "-02-29"), std::nullopt) << y;
  EXPECT_EQ(parsed("2/29/2012 23:59"), utc(2012, 2, 29, 23, 59));
  EXPECT_EQ(parsed("2/29/2013 23:59"), std::nullopt);
  EXPECT_EQ(parsed("29.02.00", std::string("%d.%m.%y")), utc(2000, 2, 29));
  EXPECT_EQ(parsed("29.02.2100", std::string("%d.%m.%Y")), std::nullopt);
  // The day after a leap day, and a whole leap year of seconds.
  EXPECT_EQ(*parsed("2012-03-01") - *parsed("2012-02-28"), 2 * 86400);
  EXPECT_EQ(*parsed("2013-01-01") - *parsed("2012-01-01"), 366 * 86400);
}

TEST(Time, CheckTimeFormat) {
  for (const char* ok : {"", "%Y", "%d.%m.%Y %H:%M", "%e-%b-%y %I:%M:%S %p", "%FT%T%z", "@%s",
                         "100%%", "%h %B"})
    EXPECT_NO_THROW(check_time_format(ok)) << ok;
  try {
    check_time_format("%Y-%m-%d %Q");
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "time format '%Y-%m-%d %Q': unsupported directive '%Q' (supported: %Y %y %m %d "
                 "%e %H %I %p %M %S %b %h %B %F %T %s %z %%)");
  }
  for (const char* bad : {"%", "%Y%", "%j", "%%%"})
    EXPECT_THROW(check_time_format(bad), InputError) << bad;
  try {
    check_time_format("%Y%");
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unsupported directive '%'"));
  }
}

TEST(Time, Horizons) {
  EXPECT_EQ(parse_horizon_seconds("30d"), 30 * 86400);
  EXPECT_EQ(parse_horizon_seconds("4w"), 28 * 86400);
  EXPECT_EQ(parse_horizon_seconds("36h"), 36 * 3600);
  EXPECT_EQ(parse_horizon_seconds("2"), 2 * 86400);
  EXPECT_EQ(parse_horizon_seconds("1.5d"), 129600);
  for (const char* bad : {"", "0", "-1d", "d", "3m", "30 d", "inf", "nan", "1e400"}) {
    try {
      parse_horizon_seconds(bad);
      ADD_FAILURE() << bad;
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), std::string("--horizon ") + bad +
                                           ": expected a positive duration such as 30d, 4w or "
                                           "36h");
    }
  }
}

TEST(Time, BackToDates) {
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(1291191960), "2010-12-01");
  EXPECT_EQ(utc_date(-1), "1969-12-31");
  EXPECT_EQ(utc_date(utc(2012, 2, 29, 23, 59, 59)), "2012-02-29");
  const std::string now = utc_now_iso8601();
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << now;
  const auto t = parsed(now);
  ASSERT_TRUE(t.has_value()) << now;
  const auto wall = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  EXPECT_LE(std::abs(*t - wall), 5);
}

}  // namespace
}  // namespace tailor
