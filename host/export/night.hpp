// A night published as one unit. `tailor run` with [output] folder = "out/night" writes every
// output inside that folder (exports, manifest, and the model when it lies there) into a fresh
// night folder beside it, ".night-<UTC time>-<pid>-<random>", and only when all of them are written
// points the link "out/night" at it with one atomic rename. A consumer that reads through the
// link sees the whole previous night or the whole new one, never a mix; the previous night
// stays behind a second link, ".night.previous", until the next night replaces it. Night
// folders a killed run left behind (their process is gone) are removed by the next run.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tailor {

class NightFolder {
 public:
  // Creates the new night's folder next to `link`. RunError when `link` exists as something
  // other than a symbolic link (a real folder is never replaced or deleted), or when the parent
  // folder is missing or cannot be written.
  explicit NightFolder(std::filesystem::path link);
  // Without publish(): removes the new night's folder, so nothing of it is ever visible.
  ~NightFolder();
  NightFolder(const NightFolder&) = delete;
  NightFolder& operator=(const NightFolder&) = delete;

  [[nodiscard]] const std::filesystem::path& link() const { return link_; }
  [[nodiscard]] const std::filesystem::path& folder() const { return folder_; }  // the new night
  // Whether `path` names something directly inside the link's folder ("out/night/x.csv").
  [[nodiscard]] bool holds(const std::filesystem::path& path) const { return inside(link_, path); }
  static bool inside(const std::filesystem::path& link, const std::filesystem::path& path);
  // That path inside the new night's folder; std::invalid_argument when !holds(path).
  [[nodiscard]] std::filesystem::path staged(const std::filesystem::path& path) const;
  // Every string in `j` that names a path inside the new night's folder, renamed to the same
  // path through the link (the manifest names the published paths).
  void rebase(nlohmann::json& j) const;

  // fsyncs the new folder, keeps the current target behind ".<name>.previous", swaps the link
  // to the new folder in one rename, fsyncs the parent, then removes the night folders that
  // are neither current nor previous (and not being written). Throws RunError.
  void publish();

 private:
  std::filesystem::path link_, parent_, folder_;
  std::string name_;  // the link's file name
  bool published_ = false;
};

// Night folders of `link` that no link names and whose writer is gone; returns how many were
// removed. Never throws.
int remove_stale_nights(const std::filesystem::path& link);

}  // namespace tailor
