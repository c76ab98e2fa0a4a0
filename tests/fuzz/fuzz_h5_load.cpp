// The HDF5 loader on damaged contract files: the input is the whole file (seeds: valid contract
// files, which the mutator damages). It loads, or throws InputError.
#include <cstdint>

#include "fuzz_util.hpp"
#include "host/core/error.hpp"
#include "host/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = tailor::fuzz::write_input("in.h5", data, size);
  try {
    tailor::LoadOptions options;
    options.chunk_rows = 3;  // several ranges per column, as a large file has
    (void)tailor::load_dataset(path, options);
  } catch (const tailor::InputError&) {
  }
  return 0;
}
