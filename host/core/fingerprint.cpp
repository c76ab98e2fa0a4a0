#include "host/core/fingerprint.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <fstream>

#include "host/core/error.hpp"

namespace tailor {

struct Fingerprint::State {
  State() : s(XXH3_createState()) {
    if (!s) throw std::bad_alloc();
    XXH3_64bits_reset(s);
  }
  ~State() { XXH3_freeState(s); }
  XXH3_state_t* s;
};

Fingerprint::Fingerprint() : state_(std::make_unique<State>()) {}
Fingerprint::~Fingerprint() = default;

void Fingerprint::add_bytes(const void* data, std::size_t bytes) {
  XXH3_64bits_update(state_->s, data, bytes);
}

void Fingerprint::add(const std::vector<std::string>& v) {
  const std::uint64_t n = v.size();
  add_bytes(&n, sizeof n);
  for (const auto& str : v) {
    const std::uint64_t len = str.size();
    add_bytes(&len, sizeof len);
    add_bytes(str.data(), str.size());
  }
}

std::string Fingerprint::hex() const {
  return fmt::format("{:016x}", XXH3_64bits_digest(state_->s));
}

std::string file_fingerprint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RunError(fmt::format("{}: cannot open to fingerprint", path.string()));
  Fingerprint f;
  std::vector<char> buf(std::size_t{4} << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    f.add_bytes(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw RunError(fmt::format("{}: read error while fingerprinting", path.string()));
  return f.hex();
}

}  // namespace tailor
