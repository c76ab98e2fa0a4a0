// The nightly config reader (parse_config): any text gives a config or an InputError.
#include <cstdint>
#include <string>

#include "host/core/error.hpp"
#include "host/pipeline/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    (void)tailor::parse_config(text, "fuzz.toml");
  } catch (const tailor::InputError&) {
  }
  return 0;
}
