// StreamExporter against export_csv: the same bytes for every batch size and thread count,
// errors on either side leave no final file, back-pressure bounds the batches in flight.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "host/core/error.hpp"
#include "host/export/export.hpp"
#include "host/export/stream_export.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::hidden_files;

std::string slurp(const std::filesystem::path& p) { return testing::read_file(p); }

// A model with ids that need quoting and lists of every length, empty ones included.
struct Problem {
  Model model;
  Recommendations rec;
};

Problem make_problem(std::int64_t customers, std::int64_t items, int max_len, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  Problem p;
  p.model.params.factors = 1;
  for (std::int64_t c = 0; c < customers; ++c) {
    const auto r = rng() % 8;
    p.model.customer_ids.push_back(r == 0   ? "c," + std::to_string(c)
                                   : r == 1 ? "say \"" + std::to_string(c) + "\""
                                   : r == 2 ? "two\nlines " + std::to_string(c)
                                            : std::to_string(100000 + c));
  }
  for (std::int64_t i = 0; i < items; ++i)
    p.model.item_ids.push_back(i % 5 == 0 ? "item," + std::to_string(i) : "SKU" + std::to_string(i));
  p.model.customer_factors.assign(static_cast<std::size_t>(customers), 0.0f);
  p.model.item_factors.assign(static_cast<std::size_t>(items), 0.0f);
  std::uniform_real_distribution<float> score(-3.0f, 3.0f);
  p.rec.lists.offsets.push_back(0);
  for (std::int64_t c = 0; c < customers; ++c) {
    if (rng() % 3 == 0) continue;  // not every customer gets a list
    p.rec.customers.push_back(static_cast<std::uint32_t>(c));
    const int len = rng() % 6 == 0 ? 0 : static_cast<int>(rng() % static_cast<std::uint64_t>(max_len + 1));
    for (int j = 0; j < len; ++j) {
      p.rec.lists.items.push_back(static_cast<std::uint32_t>(rng() % static_cast<std::uint64_t>(items)));
      p.rec.lists.scores.push_back(j == 0 && c % 7 == 0 ? 1e-30f : score(rng));
    }
    p.rec.lists.offsets.push_back(static_cast<std::int64_t>(p.rec.lists.items.size()));
  }
  return p;
}

// Lists [begin, end) of rec as one batch.
void push_slice(StreamExporter& ex, const Recommendations& rec, std::size_t begin, std::size_t end) {
  std::vector<std::uint32_t> customers(rec.customers.begin() + static_cast<std::ptrdiff_t>(begin),
                                       rec.customers.begin() + static_cast<std::ptrdiff_t>(end));
  TopNResult lists;
  const auto& o = rec.lists.offsets;
  const std::int64_t base = o[begin];
  for (std::size_t c = begin; c <= end; ++c) lists.offsets.push_back(o[c] - base);
  lists.items.assign(rec.lists.items.begin() + base, rec.lists.items.begin() + o[end]);
  lists.scores.assign(rec.lists.scores.begin() + base, rec.lists.scores.begin() + o[end]);
  ex.push(std::move(customers), std::move(lists));
}

ExportSummary stream(const std::filesystem::path& path, const Problem& p, std::size_t batch,
                     StreamExportOptions opt) {
  StreamExporter ex(path, p.model, opt);
  const std::size_t n = p.rec.customers.size();
  for (std::size_t b = 0; b < n; b += batch) push_slice(ex, p.rec, b, std::min(n, b + batch));
  return ex.finish();
}

TEST(StreamExport, EqualsExportCsvByteForByte) {
  testing::TempDir dir;
  const Problem p = make_problem(700, 90, 12, 17);
  const ExportSummary ref = export_csv(dir / "ref.csv", p.rec, p.model);
  const std::string want = slurp(dir / "ref.csv");
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{100000}}) {
    for (const int threads : {1, 2, 4}) {
      for (const int pending : {1, 3}) {
        const auto path = dir / "stream.csv";
        const ExportSummary s = stream(path, p, batch, {threads, pending});
        ASSERT_EQ(slurp(path), want) << "batch " << batch << " threads " << threads;
        EXPECT_EQ(s.rows, ref.rows);
        EXPECT_EQ(s.customers, ref.customers);
        EXPECT_EQ(s.bytes, ref.bytes);
        EXPECT_EQ(hidden_files(dir.path()), 0);
      }
    }
  }
}

TEST(StreamExport, NoBatchesGivesTheHeaderOnly) {
  testing::TempDir dir;
  const Problem p = make_problem(3, 4, 2, 1);
  StreamExporter ex(dir / "out.csv", p.model);
  ex.push({}, TopNResult{});  // an empty batch is allowed
  const ExportSummary s = ex.finish();
  EXPECT_EQ(s.rows, 0);
  EXPECT_EQ(slurp(dir / "out.csv"), "customer_id,rank,item_id,score\n");
}

TEST(StreamExport, ProducerErrorLeavesNoFinalFile) {
  testing::TempDir dir;
  const Problem p = make_problem(300, 50, 10, 5);
  const auto path = dir / "out.csv";
  try {
    StreamExporter ex(path, p.model, {2, 2});
    for (std::size_t b = 0; b < 200; b += 10) {
      if (b == 100) throw std::runtime_error("scorer failed");
      push_slice(ex, p.rec, b, b + 10);
    }
    ex.finish();
    FAIL() << "expected the producer's error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "scorer failed");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(hidden_files(dir.path()), 0);
}

TEST(StreamExport, FormatterErrorReachesTheProducerAndLeavesNoFile) {
  testing::TempDir dir;
  const Problem p = make_problem(50, 20, 5, 9);
  const auto path = dir / "out.csv";
  StreamExporter ex(path, p.model, {2, 2});
  TopNResult bad;
  bad.offsets = {0, 1};
  bad.items = {20};  // one past the last item
  bad.scores = {1.0f};
  bool thrown = false;
  try {
    ex.push({0}, bad);
    for (int i = 0; i < 1000; ++i) ex.push({1}, TopNResult{{0, 0}, {}, {}, 0});
    ex.finish();
  } catch (const RunError& e) {
    thrown = true;
    EXPECT_NE(std::string(e.what()).find("item index 20"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(thrown);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(StreamExport, RejectsMalformedBatches) {
  testing::TempDir dir;
  const Problem p = make_problem(5, 5, 2, 3);
  StreamExporter ex(dir / "out.csv", p.model);
  TopNResult lists;
  lists.offsets = {0, 1};
  lists.items = {0};
  lists.scores = {0.5f};
  EXPECT_THROW(ex.push({0, 1}, lists), std::invalid_argument);
  const StreamExportOptions no_threads{0, 1}, no_queue{1, 0};
  EXPECT_THROW(StreamExporter(dir / "x.csv", p.model, no_threads), std::invalid_argument);
  EXPECT_THROW(StreamExporter(dir / "y.csv", p.model, no_queue), std::invalid_argument);
  ex.finish();
  EXPECT_THROW(ex.push({}, TopNResult{}), std::logic_error);
}

// Rows per second of export_csv and the streamed export on this machine (printed; the producer
// here only slices, so this measures formatting and writing).
TEST(StreamExport, Throughput) {
  testing::TempDir dir;
  const Problem p = make_problem(100000, 5000, 40, 99);
  const auto rows = static_cast<double>(p.rec.lists.items.size());
  auto t0 = std::chrono::steady_clock::now();
  export_csv(dir / "ref.csv", p.rec, p.model);
  const double plain = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const int threads : {1, 2}) {
    t0 = std::chrono::steady_clock::now();
    stream(dir / "stream.csv", p, 4096, {threads, 4});
    const double streamed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("  %.0f rows: export_csv %.2f M rows/s, streamed (%d format threads) %.2f M rows/s\n",
                rows, rows / plain / 1e6, threads, rows / streamed / 1e6);
  }
  EXPECT_EQ(slurp(dir / "stream.csv"), slurp(dir / "ref.csv"));
}

}  // namespace
}  // namespace tailor
