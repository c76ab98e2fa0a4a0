#include "host/core/progress.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cmath>

namespace tailor {

constexpr double kMinSecondsBetweenLines = 2.0;

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) return fmt::format("{:.1f}s", s);
  auto total = static_cast<long>(std::lround(s));
  if (total < 3600) return fmt::format("{}m{:02}s", total / 60, total % 60);
  return fmt::format("{}h{:02}m", total / 3600, (total % 3600) / 60);
}

Progress::Progress(std::string what, std::int64_t total, std::string unit)
    : what_(std::move(what)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::update(std::int64_t done, const std::string& detail, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && std::chrono::duration<double>(now - last_).count() < kMinSecondsBetweenLines) return;
  last_ = now;
  const double t = elapsed();
  std::string eta;
  if (total_ > 0 && done > 0 && done < total_)
    eta = fmt::format(", ETA {}", format_duration(t / static_cast<double>(done) *
                                                  static_cast<double>(total_ - done)));
  std::string count = total_ > 0 ? fmt::format("{}/{} {}", done, total_, unit_)
                                 : fmt::format("{} {}", done, unit_);
  spdlog::info("{}: {}{}{}, {} elapsed{}", what_, count, detail.empty() ? "" : " ", detail,
               format_duration(t), eta);
}

}  // namespace tailor
