#include "host/export/night.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <random>
#include <stdexcept>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;

fs::path parent_of(const fs::path& p) { return p.has_parent_path() ? p.parent_path() : fs::path("."); }

// ".<name>-": the prefix of every night folder of the link <name>.
std::string night_prefix(const std::string& name) { return "." + name + "-"; }
std::string previous_name(const std::string& name) { return "." + name + ".previous"; }

std::string utc_stamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

// The writer's pid in ".<name>-<stamp>-<pid>-<random>".
long night_pid(const std::string& folder_name, const std::string& prefix) {
  const auto first = folder_name.find('-', prefix.size());
  if (first == std::string::npos) return 0;
  return std::strtol(folder_name.c_str() + first + 1, nullptr, 10);
}

// The file name a symbolic link points to, or "" when it is no link.
std::string link_target(const fs::path& link) {
  std::error_code ec;
  if (!fs::is_symlink(fs::symlink_status(link, ec))) return "";
  return fs::read_symlink(link, ec).filename().string();
}

// Points `link` at `target` (a name in the same folder) with one rename over it.
void swap_link(const fs::path& link, const std::string& target) {
  std::random_device rd;
  const fs::path temp = parent_of(link) / fmt::format(".{}.link-{}-{:08x}", link.filename().string(),
                                                      ::getpid(), rd());
  std::error_code ec;
  fs::create_symlink(target, temp, ec);
  if (!ec) fs::rename(temp, link, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(temp, ignore);
    throw RunError(fmt::format("{}: cannot point the link at {}: {}", link.string(), target,
                               ec.message()));
  }
}

void check_link(const fs::path& link, const fs::path& parent) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(link, ec);
  if (fs::exists(st) && !fs::is_symlink(st))
    throw RunError(fmt::format("{}: [output] folder must be the link tailor publishes nights "
                               "through, but it is a real {}; move it away (tailor never "
                               "deletes it)",
                               link.string(), fs::is_directory(st) ? "folder" : "file"));
  if (!fs::is_directory(parent))
    throw RunError(fmt::format("{}: the folder {} does not exist", link.string(), parent.string()));
  if (::access(parent.c_str(), W_OK) != 0)
    throw RunError(fmt::format("{}: the folder {} cannot be written", link.string(),
                               parent.string()));
}

}  // namespace

int remove_stale_nights(const fs::path& link) {
  const std::string name = link.filename().string();
  const fs::path parent = parent_of(link);
  const std::string prefix = night_prefix(name);
  const std::string current = link_target(link), previous = link_target(parent / previous_name(name));
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string n = entry.path().filename().string();
    if (n.rfind(prefix, 0) != 0 || n == current || n == previous) continue;
    const long pid = night_pid(n, prefix);
    if (pid != ::getpid() && process_alive(pid)) continue;  // another run is writing it
    std::error_code rm;
    if (fs::remove_all(entry.path(), rm) > 0) ++removed;
  }
  return removed;
}

NightFolder::NightFolder(fs::path link)
    : link_(std::move(link)), parent_(parent_of(link_)), name_(link_.filename().string()) {
  check_link(link_, parent_);
  remove_stale_nights(link_);
  std::random_device rd;
  folder_ = parent_ / fmt::format("{}{}-{}-{:08x}", night_prefix(name_), utc_stamp(), ::getpid(), rd());
  std::error_code ec;
  fs::create_directory(folder_, ec);
  if (ec)
    throw RunError(fmt::format("{}: cannot create the night folder {}: {}", link_.string(),
                               folder_.string(), ec.message()));
}

NightFolder::~NightFolder() {
  if (published_) return;
  std::error_code ec;
  fs::remove_all(folder_, ec);
}

bool NightFolder::inside(const fs::path& link, const fs::path& path) {
  return parent_of(path).lexically_normal() == link.lexically_normal();
}

fs::path NightFolder::staged(const fs::path& path) const {
  if (!holds(path))
    throw std::invalid_argument(fmt::format("{} is not inside {}", path.string(), link_.string()));
  return folder_ / path.filename();
}

void NightFolder::rebase(nlohmann::json& j) const {
  if (j.is_string()) {
    const fs::path p = j.get<std::string>();
    if (parent_of(p).lexically_normal() == folder_.lexically_normal())
      j = (link_ / p.filename()).string();
    return;
  }
  if (j.is_structured())
    for (auto& v : j) rebase(v);
}

void NightFolder::publish() {
  fsync_folder(folder_);
  const std::string current = link_target(link_);
  if (!current.empty()) swap_link(parent_ / previous_name(name_), current);
  swap_link(link_, folder_.filename().string());
  published_ = true;
  fsync_folder(parent_);
  remove_stale_nights(link_);
}

}  // namespace tailor
