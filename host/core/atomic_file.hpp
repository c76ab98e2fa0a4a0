// Atomic outputs: everything tailor publishes is written under a temporary name in the same
// folder, flushed to disk, then renamed over the final name. A failed or killed run leaves the
// previous file (or nothing) under the final name, never half a file.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace tailor {

class AtomicOutput {
 public:
  // Creates no file yet; temp_path() is "<dir>/.<name>.tmp-<pid>-<random>".
  explicit AtomicOutput(std::filesystem::path final_path);
  ~AtomicOutput();  // removes the temporary file unless commit() succeeded
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_; }
  [[nodiscard]] const std::filesystem::path& final_path() const { return final_; }

  // fsyncs the temporary file, renames it to the final name and fsyncs the folder.
  // The writer of the temporary file must have closed it. Throws RunError.
  void commit();

 private:
  std::filesystem::path final_;
  std::filesystem::path temp_;
  bool committed_ = false;
};

// A buffered text file written through AtomicOutput.
class AtomicTextFile {
 public:
  explicit AtomicTextFile(std::filesystem::path final_path);
  ~AtomicTextFile();
  AtomicTextFile(const AtomicTextFile&) = delete;
  AtomicTextFile& operator=(const AtomicTextFile&) = delete;

  void write(std::string_view text);  // throws RunError on a write error (disk full, ...)
  void commit();                      // close, fsync, rename
  [[nodiscard]] std::uint64_t bytes_written() const { return bytes_; }

 private:
  AtomicOutput out_;
  std::FILE* file_ = nullptr;
  std::uint64_t bytes_ = 0;
};

// Writes a whole small text file atomically.
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

// fsync of a folder (after a rename in it); RunError naming it on failure.
void fsync_folder(const std::filesystem::path& folder);

// Whether process `pid` is alive on this machine (a temporary's writer, e.g.).
bool process_alive(long pid);

// Removes the temporaries of `final_path` ("<dir>/.<name>.tmp-<pid>-<random>") whose writer is
// no longer running: what a killed run left. Returns how many were removed; never throws.
int remove_stale_temporaries(const std::filesystem::path& final_path);

}  // namespace tailor
