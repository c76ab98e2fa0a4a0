// Progress of long work on the log: done/total, rate and ETA, at most one line every few seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tailor {

class Progress {
 public:
  // total <= 0 means unknown (no ETA). Lines go to spdlog at info level.
  Progress(std::string what, std::int64_t total, std::string unit);
  // Reports `done` units so far; prints when `force` or when enough time has passed.
  void update(std::int64_t done, const std::string& detail = "", bool force = false);
  [[nodiscard]] double elapsed() const;

 private:
  std::string what_, unit_;
  std::int64_t total_;
  std::chrono::steady_clock::time_point start_, last_;
};

// "1h02m", "3m05s", "12.3s".
std::string format_duration(double seconds);

// Seconds from t to now.
inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace tailor
