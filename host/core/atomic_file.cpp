#include "host/core/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <signal.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "host/core/error.hpp"

namespace tailor {
namespace {

void fsync_path(const std::filesystem::path& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0)
    throw RunError(fmt::format("{}: cannot open to sync: {}", path.string(), std::strerror(errno)));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw RunError(fmt::format("{}: fsync failed: {}", path.string(), std::strerror(err)));
}

}  // namespace

AtomicOutput::AtomicOutput(std::filesystem::path final_path) : final_(std::move(final_path)) {
  std::random_device rd;
  auto dir = final_.has_parent_path() ? final_.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir))
    throw RunError(fmt::format("{}: output folder {} does not exist", final_.string(), dir.string()));
  temp_ = dir / fmt::format(".{}.tmp-{}-{:08x}", final_.filename().string(), ::getpid(), rd());
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    std::error_code ec;
    std::filesystem::remove(temp_, ec);
  }
}

void AtomicOutput::commit() {
  fsync_path(temp_, false);
  std::error_code ec;
  std::filesystem::rename(temp_, final_, ec);
  if (ec)
    throw RunError(fmt::format("{}: cannot rename {} into place: {}", final_.string(),
                               temp_.string(), ec.message()));
  committed_ = true;
  auto dir = final_.has_parent_path() ? final_.parent_path() : std::filesystem::path(".");
  fsync_path(dir, true);
}

AtomicTextFile::AtomicTextFile(std::filesystem::path final_path) : out_(std::move(final_path)) {
  file_ = std::fopen(out_.temp_path().c_str(), "wb");
  if (!file_)
    throw RunError(fmt::format("{}: cannot create {}: {}", out_.final_path().string(),
                               out_.temp_path().string(), std::strerror(errno)));
  std::setvbuf(file_, nullptr, _IOFBF, std::size_t{1} << 20);
}

AtomicTextFile::~AtomicTextFile() {
  if (file_) std::fclose(file_);
}

void AtomicTextFile::write(std::string_view text) {
  if (text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
    throw RunError(fmt::format("{}: write failed: {}", out_.temp_path().string(), std::strerror(errno)));
  bytes_ += text.size();
}

void AtomicTextFile::commit() {
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0)
    throw RunError(fmt::format("{}: close failed: {}", out_.temp_path().string(), std::strerror(errno)));
  out_.commit();
}

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  AtomicTextFile f(path);
  f.write(text);
  f.commit();
}

void fsync_folder(const std::filesystem::path& folder) { fsync_path(folder, true); }

bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

int remove_stale_temporaries(const std::filesystem::path& final_path) {
  const auto dir = final_path.has_parent_path() ? final_path.parent_path() : std::filesystem::path(".");
  const std::string prefix = "." + final_path.filename().string() + ".tmp-";
  int removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (process_alive(pid)) continue;
    std::error_code rm;
    if (std::filesystem::remove(entry.path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace tailor
