// Shared helpers for the test suite: seeded random problems, a scratch directory, GPU checks.
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <random>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/core/names.hpp"
#include "host/data/csr.hpp"
#include "host/data/dataset.hpp"
#include "kernels/backend.hpp"
#include "kernels/kernels.hpp"

namespace tailor::testing {

// A random rows x cols interaction matrix with awkward rows on purpose: about a tenth of the
// rows are empty, one row (if rows > 2) holds `heavy` items (capped at cols), the rest hold
// 1..max_per_row items. Weights are positive, some fractional, some large.
inline Csr random_csr(std::int64_t rows, std::int64_t cols, int max_per_row, std::uint64_t seed,
                      std::int64_t heavy = 0) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint32_t> r, c;
  std::vector<float> w;
  std::uniform_int_distribution<std::int64_t> col(0, cols - 1);
  std::uniform_int_distribution<int> count(1, std::max(max_per_row, 1));
  std::uniform_real_distribution<float> weight(0.1f, 5.0f);
  for (std::int64_t i = 0; i < rows; ++i) {
    std::int64_t k = (rng() % 10 == 0) ? 0 : count(rng);
    if (rows > 2 && i == rows / 2 && heavy > 0) k = std::min(heavy, cols);
    std::vector<std::uint32_t> picked;
    if (k * 2 >= cols) {  // dense row: take a random subset without rejection sampling
      std::vector<std::uint32_t> all(static_cast<std::size_t>(cols));
      for (std::int64_t j = 0; j < cols; ++j) all[j] = static_cast<std::uint32_t>(j);
      std::shuffle(all.begin(), all.end(), rng);
      picked.assign(all.begin(), all.begin() + k);
    } else {
      while (static_cast<std::int64_t>(picked.size()) < k) {
        auto j = static_cast<std::uint32_t>(col(rng));
        if (std::find(picked.begin(), picked.end(), j) == picked.end()) picked.push_back(j);
      }
    }
    for (auto j : picked) {
      r.push_back(static_cast<std::uint32_t>(i));
      c.push_back(j);
      w.push_back(rng() % 4 == 0 ? std::floor(weight(rng) * 10.0f) : weight(rng));
    }
  }
  return build_csr(rows, cols, r.data(), c.data(), w.data(), static_cast<std::int64_t>(r.size()),
                   2);
}

// rows x k values uniform in [-scale, scale).
inline std::vector<float> random_factors(std::int64_t rows, int k, std::uint64_t seed,
                                         float scale = 0.5f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  std::vector<float> f(static_cast<std::size_t>(rows) * static_cast<std::size_t>(k));
  for (auto& x : f) x = u(rng);
  return f;
}

// A fresh directory under the system temp folder, removed with everything in it on scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("tailor-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `path` as is (binary: no line-end translation).
inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// Writes `text` gzip-compressed.
inline void write_gzip(const std::filesystem::path& path, const std::string& text) {
  gzFile gz = gzopen(path.c_str(), "wb6");
  ASSERT_NE(gz, nullptr) << path;
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

// A whole file's bytes.
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Files in `dir` whose name starts with '.' (temporary outputs left behind).
inline int hidden_files(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    n += e.path().filename().string().starts_with(".");
  return n;
}

// Float columns compared value by value, NaN (an unknown price) equal to NaN.
inline void expect_same_floats(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (std::isnan(a[k]))
      EXPECT_TRUE(std::isnan(b[k])) << k;
    else
      EXPECT_EQ(a[k], b[k]) << k;
  }
}

// Two datasets hold the same data: ids, event names, every log column and all item and customer
// metadata. Where they came from (path, format version, import report) is not compared.
inline void expect_same_dataset(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.customer_ids, b.customer_ids);
  EXPECT_EQ(a.item_ids, b.item_ids);
  EXPECT_EQ(a.event_names, b.event_names);
  EXPECT_EQ(a.log.customer, b.log.customer);
  EXPECT_EQ(a.log.item, b.log.item);
  EXPECT_EQ(a.log.time, b.log.time);
  EXPECT_EQ(a.log.quantity, b.log.quantity);
  EXPECT_EQ(a.log.value, b.log.value);
  EXPECT_EQ(a.log.event, b.log.event);
  EXPECT_EQ(a.item_meta.category_names, b.item_meta.category_names);
  EXPECT_EQ(a.item_meta.category, b.item_meta.category);
  EXPECT_EQ(a.item_meta.name, b.item_meta.name);
  expect_same_floats(a.item_meta.price, b.item_meta.price);
  EXPECT_EQ(a.item_meta.available, b.item_meta.available);
  EXPECT_EQ(a.customer_meta.opt_out, b.customer_meta.opt_out);
  EXPECT_EQ(a.customer_meta.segment_names, b.customer_meta.segment_names);
  EXPECT_EQ(a.customer_meta.segment, b.customer_meta.segment);
  EXPECT_EQ(a.customer_meta.channel_names, b.customer_meta.channel_names);
  EXPECT_EQ(a.customer_meta.channel, b.customer_meta.channel);
}

// write_dataset(in) then load_dataset give `in` back, loaded with two threads and chunks of 1, 3
// and 2^20 rows (ranges that split the file at every row, at odd places, and not at all);
// also(out, file) checks more of each load.
template <class Also>
void expect_dataset_round_trips(const Dataset& in, const Also& also) {
  TempDir dir;
  const std::filesystem::path file = dir / "d.h5";
  write_dataset(file, in);
  for (std::int64_t chunk : {std::int64_t{1}, std::int64_t{3}, std::int64_t{1} << 20}) {
    SCOPED_TRACE(chunk);
    LoadOptions o;
    o.threads = 2;
    o.chunk_rows = chunk;
    const Dataset out = load_dataset(file, o);
    expect_same_dataset(in, out);
    also(out, file);
  }
}

// The message of the InputError that f() throws; a test failure (and "") when it throws none.
template <class F>
std::string input_error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

// A module's to_string and parse wrappers agree with its name table: every entry round-trips
// (parse(name(e)) == e) and an unknown name's error names it and lists every choice.
template <class E, std::size_t N, class Parse, class Name>
void expect_names_round_trip(const NameTable<E, N>& table, Parse parse, Name name) {
  for (const auto& [value, text] : table.entries) {
    EXPECT_EQ(std::string(name(value)), text);
    EXPECT_EQ(parse(name(value)), value) << text;
  }
  const std::string error = input_error_of([&] { (void)parse("no-such-name"); });
  EXPECT_NE(error.find("'no-such-name'"), std::string::npos) << error;
  for (const auto& [value, text] : table.entries)
    EXPECT_NE(error.find(text), std::string::npos) << error << " does not list " << text;
}

// |got - ref| <= atol + rtol * |ref| element-wise over a rows x cols matrix; prints the first
// mismatches with their coordinates.
inline ::testing::AssertionResult all_close(std::span<const float> got, std::span<const float> ref,
                                     int cols, double atol, double rtol) {
  if (got.size() != ref.size())
    return ::testing::AssertionFailure() << "sizes differ: " << got.size() << " vs " << ref.size();
  std::size_t bad = 0;
  std::string first;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    const double g = got[i];
    const double r = ref[i];
    if (std::abs(g - r) <= atol + rtol * std::abs(r)) continue;  // also false for NaN
    if (++bad <= 10) {
      char line[160];
      std::snprintf(line, sizeof line, "\n  [%zu, %zu] got %.8g ref %.8g (diff %.3g)",
                    i / static_cast<std::size_t>(cols), i % static_cast<std::size_t>(cols), g, r,
                    std::abs(g - r));
      first += line;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << ref.size() << " values differ beyond atol " << atol << " + rtol "
         << rtol << " * |ref|; first ones:" << first;
}

inline double max_abs(std::span<const float> v) {
  double m = 0.0;
  for (float x : v) m = std::max(m, static_cast<double>(std::abs(x)));
  return m;
}

// GPU tests start with this: skipped (not passed) where no CUDA device is usable.
#define TAILOR_REQUIRE_GPU()                                                        \
  do {                                                                              \
    if (::tailor::cuda_device_count() == 0)                                         \
      GTEST_SKIP() << "no usable CUDA device: " << ::tailor::cuda_device_description(); \
  } while (0)

// The CUDA backend of device 0, made once per test program (after TAILOR_REQUIRE_GPU): every GPU
// test shares one context, as every stage of a run does.
inline const Backend& cuda_backend() {
  static const Backend backend = Backend::cuda(0);
  return backend;
}

}  // namespace tailor::testing
