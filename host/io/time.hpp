// Times as users write them and as tailor writes them back, all in UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tailor {

// Parses one time value the way `tailor import` does. `format` is strptime-style, e.g.
// "%d.%m.%Y %H:%M" (supported: %Y %y %m %d %e %H %I %p %M %S %b %h %B %F %T %s %z %%; a space
// matches any run of spaces; times without a zone are UTC). Unset: auto-detected among ISO 8601
// "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]" (or 'T' instead of the space, optional "Z" or
// "+HH:MM"), unix seconds and "M/D/YYYY H:MM[:SS]". Returns false when the text does not parse.
bool parse_time(std::string_view text, const std::optional<std::string>& format,
                std::int64_t& unix_seconds);

// InputError naming the first directive of `format` that parse_time does not support.
void check_time_format(const std::string& format);

// "30d", "4w", "36h", or a plain number of days, in seconds; InputError otherwise.
std::int64_t parse_horizon_seconds(const std::string& text);

// "2011-11-02" for a unix time.
std::string utc_date(std::int64_t unix_seconds);

// The interaction times tailor accepts: 1900-01-01 up to (not including) 2200-01-01 UTC. Far
// outside, day arithmetic (campaign dates, recency, tiers) would overflow or mean nothing.
inline constexpr std::int64_t kMinUnixTime = -2208988800;  // 1900-01-01
inline constexpr std::int64_t kMaxUnixTime = 7258118400;   // 2200-01-01
inline bool time_in_range(std::int64_t t) { return t >= kMinUnixTime && t < kMaxUnixTime; }

// The current time as "2026-12-02T01:16:13Z".
std::string utc_now_iso8601();

}  // namespace tailor
