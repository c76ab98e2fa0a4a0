// Fingerprints: short stable hashes (XXH3-64, as 16 hex digits) that tie outputs to the exact
// inputs they came from.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace tailor {

// Of a file's bytes. RunError if the file cannot be read.
std::string file_fingerprint(const std::filesystem::path& path);

// A running hash over typed values. Every vector is hashed with its length first, so that
// ([a, b], [c]) and ([a], [b, c]) differ.
class Fingerprint {
 public:
  Fingerprint();
  ~Fingerprint();
  Fingerprint(const Fingerprint&) = delete;
  Fingerprint& operator=(const Fingerprint&) = delete;

  void add_bytes(const void* data, std::size_t bytes);
  template <class T>
  void add(const std::vector<T>& v) {
    const std::uint64_t n = v.size();
    add_bytes(&n, sizeof n);
    if (!v.empty()) add_bytes(v.data(), v.size() * sizeof(T));
  }
  void add(const std::vector<std::string>& v);
  [[nodiscard]] std::string hex() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tailor
