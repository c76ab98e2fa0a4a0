#include "host/fingerprint.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <fstream>
#include <memory>

#include "host/error.hpp"

namespace tailor {
namespace {

struct StateDeleter {
  void operator()(XXH3_state_t* s) const noexcept { XXH3_freeState(s); }
};
using State = std::unique_ptr<XXH3_state_t, StateDeleter>;

State new_state() {
  State s(XXH3_createState());
  XXH3_64bits_reset(s.get());
  return s;
}

template <class T>
void update(XXH3_state_t* s, const std::vector<T>& v) {
  const std::uint64_t n = v.size();
  XXH3_64bits_update(s, &n, sizeof n);
  if (!v.empty()) XXH3_64bits_update(s, v.data(), v.size() * sizeof(T));
}

void update(XXH3_state_t* s, const std::vector<std::string>& v) {
  const std::uint64_t n = v.size();
  XXH3_64bits_update(s, &n, sizeof n);
  for (const auto& str : v) {
    const std::uint64_t len = str.size();
    XXH3_64bits_update(s, &len, sizeof len);
    XXH3_64bits_update(s, str.data(), str.size());
  }
}

}  // namespace

std::string file_fingerprint(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RunError(fmt::format("{}: cannot open to fingerprint", path.string()));
  State s = new_state();
  std::vector<char> buf(std::size_t{4} << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    XXH3_64bits_update(s.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw RunError(fmt::format("{}: read error while fingerprinting", path.string()));
  return fmt::format("{:016x}", XXH3_64bits_digest(s.get()));
}

std::string data_fingerprint(const Csr& m, const std::vector<std::string>& customer_ids,
                             const std::vector<std::string>& item_ids) {
  State s = new_state();
  const std::int64_t shape[2] = {m.rows, m.cols};
  XXH3_64bits_update(s.get(), shape, sizeof shape);
  update(s.get(), m.indptr);
  update(s.get(), m.indices);
  update(s.get(), m.data);
  update(s.get(), customer_ids);
  update(s.get(), item_ids);
  return fmt::format("{:016x}", XXH3_64bits_digest(s.get()));
}

}  // namespace tailor
