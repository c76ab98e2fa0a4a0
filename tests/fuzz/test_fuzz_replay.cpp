// Every input of the fuzz targets' seed corpus (tests/fuzz/corpus/<target>/) and of their
// regressions (tests/fuzz/regressions/<target>/: inputs that once crashed) through the targets
// themselves, built here without libFuzzer: each must give a result or an InputError (a target
// aborts on anything else, which fails the test). So the normal test suite replays what the
// fuzzers found.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// The entry points, renamed per source file in tests/CMakeLists.txt.
extern "C" int fuzz_csv_import_entry(const std::uint8_t*, std::size_t);
extern "C" int fuzz_h5_load_entry(const std::uint8_t*, std::size_t);
extern "C" int fuzz_config_entry(const std::uint8_t*, std::size_t);
extern "C" int fuzz_side_files_entry(const std::uint8_t*, std::size_t);

namespace {

namespace fs = std::filesystem;
using Entry = int (*)(const std::uint8_t*, std::size_t);

// Replays every file of corpus/<target> and regressions/<target>; returns how many.
int replay(const std::string& target, Entry entry) {
  int n = 0;
  for (const char* folder : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(TAILOR_SOURCE_DIR) / "tests" / "fuzz" / folder / target;
    if (!fs::exists(dir)) continue;
    for (const auto& file : fs::directory_iterator(dir)) {
      std::ifstream in(file.path(), std::ios::binary);
      const std::string bytes(std::istreambuf_iterator<char>(in), {});
      SCOPED_TRACE(file.path().string());
      EXPECT_EQ(entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
      ++n;
    }
  }
  return n;
}

TEST(FuzzReplay, CsvImport) { EXPECT_GT(replay("fuzz_csv_import", fuzz_csv_import_entry), 0); }
TEST(FuzzReplay, H5Load) { EXPECT_GT(replay("fuzz_h5_load", fuzz_h5_load_entry), 0); }
TEST(FuzzReplay, Config) { EXPECT_GT(replay("fuzz_config", fuzz_config_entry), 0); }
TEST(FuzzReplay, SideFiles) { EXPECT_GT(replay("fuzz_side_files", fuzz_side_files_entry), 0); }

}  // namespace
