// The iALS memory planner: component sizes, the resident/streamed/infeasible boundaries, batch
// cutting from real row offsets, byte-size parsing, and the retail-1b preset on an 80 GB H100.
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "host/core/error.hpp"
#include "host/data/csr.hpp"
#include "host/train/planner.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

// 10 customers x 5 items, 20 interactions, k = 4. By hand:
//   customer CSR  (10 + 1) * 8 + 20 * (4 + 4) = 88 + 160 = 248
//   item CSR      (5 + 1) * 8 + 160           = 48 + 160 = 208
//   X             10 * 4 * 4 = 160    (bf16: 80)
//   Y             5 * 4 * 4  = 80     (bf16: 40)
//   G, H          4 * 4 * 4  = 64 each
//   partials      5 * 256 * 8 = 10240
//   Gram scratch  4096 fp32 4 x 4 chunk products + the fp64 4 x 4 sum = 65536*4 + 128 = 262272
//                 (kernels/ials_layout.hpp)
//   claim order   (10 + 5) * 4 + 8 = 68
//   total fp32    273404; fixed part (everything but the CSRs) 272948
constexpr std::size_t kResident = 273404;
constexpr std::size_t kFixed = 272948;

ProblemShape small_shape(FactorPrecision p = FactorPrecision::fp32) {
  return {10, 5, 20, 4, p};
}

std::size_t component(const MemoryPlan& plan, const std::string& name) {
  for (const auto& c : plan.components)
    if (c.name == name) return c.bytes;
  ADD_FAILURE() << "no component " << name;
  return 0;
}

PlanOptions no_headroom() {
  PlanOptions o;
  o.headroom = 0.0;
  return o;
}

TEST(Planner, ComponentSizesByHand) {
  const MemoryPlan p = plan_ials(small_shape(), 1 << 20, no_headroom());
  EXPECT_EQ(component(p, "customer CSR"), 248u);
  EXPECT_EQ(component(p, "item CSR"), 208u);
  EXPECT_EQ(component(p, "X customer factors"), 160u);
  EXPECT_EQ(component(p, "Y item factors"), 80u);
  EXPECT_EQ(component(p, "Gram G"), 64u);
  EXPECT_EQ(component(p, "Gram H (objective)"), 64u);
  EXPECT_EQ(component(p, "Gram scratch"), 262272u);
  EXPECT_EQ(component(p, "row claim order"), 68u);
  EXPECT_EQ(component(p, "CG scratch"), 0u);
  EXPECT_EQ(component(p, "objective partials"), 10240u);
  EXPECT_EQ(p.total_resident, kResident);
  EXPECT_EQ(csr_bytes(10, 20), 248u);

  const MemoryPlan h = plan_ials(small_shape(FactorPrecision::bf16), 1 << 20, no_headroom());
  EXPECT_EQ(component(h, "X customer factors"), 80u);
  EXPECT_EQ(component(h, "Y item factors"), 40u);
  EXPECT_EQ(component(h, "Gram G"), 64u);  // accumulation stays fp32
  EXPECT_EQ(h.total_resident, kResident - 120u);
  EXPECT_EQ(factor_value_bytes(FactorPrecision::fp16), 2u);
}

TEST(Planner, ResidentBoundaryIsInclusive) {
  const MemoryPlan at = plan_ials(small_shape(), kResident, no_headroom());
  EXPECT_TRUE(at.feasible);
  EXPECT_TRUE(at.fits_resident);
  EXPECT_FALSE(at.streaming);
  EXPECT_EQ(at.planned_device_bytes, kResident);
  EXPECT_EQ(at.pinned_host_bytes, 0u);
  EXPECT_NE(at.explanation.find("RESIDENT"), std::string::npos) << at.explanation;

  const MemoryPlan below = plan_ials(small_shape(), kResident - 1, no_headroom());
  EXPECT_TRUE(below.feasible);
  EXPECT_FALSE(below.fits_resident);
  EXPECT_TRUE(below.streaming);
}

TEST(Planner, HeadroomIsReservedBeforePlanning) {
  PlanOptions o;  // 10% headroom
  const MemoryPlan p = plan_ials(small_shape(), 20000, o);
  EXPECT_EQ(p.reserved_bytes, 2000u);
  EXPECT_EQ(p.usable_bytes, 18000u);
  // The reserve is rounded to the nearest byte: 303782 reserves 30378 and leaves exactly
  // kResident (fits resident); 303781 also reserves 30378 and leaves one byte less (must stream).
  EXPECT_TRUE(plan_ials(small_shape(), 303782, o).fits_resident);
  EXPECT_FALSE(plan_ials(small_shape(), 303781, o).fits_resident);
}

TEST(Planner, StreamingFromAverageRows) {
  // kResident - 1 usable: staging kResident - 1 - kFixed = 455, two buffers of 227 bytes.
  // Customer rows: 8 + 8 * 20 / 10 = 24 bytes on average, x2 safety = 48 -> (227 - 8) / 48 = 4
  // rows per batch, 3 batches. Item rows: 8 + 32 = 40, x2 = 80 -> 2 rows per batch, 3 batches.
  const MemoryPlan p = plan_ials(small_shape(), kResident - 1, no_headroom());
  ASSERT_TRUE(p.streaming);
  EXPECT_EQ(p.batch_bytes, 227u);
  EXPECT_EQ(p.staging_bytes, 454u);
  EXPECT_EQ(p.customer_batch_rows, 4);
  EXPECT_EQ(p.customer_batches, 3);
  EXPECT_EQ(p.item_batch_rows, 2);
  EXPECT_EQ(p.item_batches, 3);
  EXPECT_EQ(p.pinned_host_bytes, 248u + 208u);
  EXPECT_EQ(p.transfer_bytes_per_epoch, 248u + 208u);
  EXPECT_EQ(p.planned_device_bytes, kFixed + 454u);
  EXPECT_LE(p.planned_device_bytes, p.usable_bytes);
  EXPECT_NE(p.explanation.find("STREAMED"), std::string::npos) << p.explanation;
}

TEST(Planner, InfeasibleBoundaryAndMessage) {
  // Least streaming layout: fixed + 2 buffers of the larger estimated row slice
  // (items: 80 + 8 = 88) = kFixed + 176.
  const MemoryPlan at = plan_ials(small_shape(), kFixed + 176, no_headroom());
  EXPECT_TRUE(at.feasible);
  EXPECT_TRUE(at.streaming);
  EXPECT_EQ(at.batch_bytes, 88u);

  const MemoryPlan below = plan_ials(small_shape(), kFixed + 175, no_headroom());
  EXPECT_FALSE(below.feasible);
  EXPECT_FALSE(below.streaming);
  EXPECT_EQ(below.planned_device_bytes, 0u);
  const std::string& v = below.verdict;
  EXPECT_NE(v.find("NOT FEASIBLE"), std::string::npos) << v;
  EXPECT_NE(v.find("1 B missing"), std::string::npos) << v;
  EXPECT_NE(v.find("bf16 storage at k = 4"), std::string::npos) << v;
  EXPECT_NE(v.find("factors <= 3"), std::string::npos) << v;
  EXPECT_NE(v.find("a device with at least"), std::string::npos) << v;
  EXPECT_NE(below.explanation.find(v), std::string::npos);
}

TEST(Planner, InfeasibleLargeFactorsSuggestDevicesAndFewerFactors) {
  // 200M customers x 1M items at k = 512 fp32: X alone is 409.6 GB.
  const ProblemShape s{200'000'000, 1'000'000, 2'000'000'000, 512, FactorPrecision::fp32};
  const MemoryPlan p = plan_ials(s, parse_bytes("79.1GiB"));
  ASSERT_FALSE(p.feasible);
  EXPECT_NE(p.verdict.find("missing"), std::string::npos) << p.verdict;
  EXPECT_NE(p.verdict.find("devices of this size"), std::string::npos) << p.verdict;
  EXPECT_NE(p.verdict.find("bf16 storage alone is not enough"), std::string::npos) << p.verdict;
  EXPECT_NE(p.verdict.find("factors <= "), std::string::npos) << p.verdict;
}

// Checks the batch invariants: every row exactly once, in order, each slice within the budget
// and its recorded size exact.
void expect_valid_cut(const std::vector<RowBatch>& cut, const std::vector<std::int64_t>& indptr,
                      std::size_t budget) {
  const auto rows = static_cast<std::int64_t>(indptr.size()) - 1;
  std::int64_t next = 0;
  for (const auto& b : cut) {
    EXPECT_EQ(b.begin, next);
    EXPECT_GT(b.end, b.begin);
    EXPECT_EQ(b.bytes, csr_bytes(b.end - b.begin, indptr[b.end] - indptr[b.begin]));
    EXPECT_LE(b.bytes, budget);
    next = b.end;
  }
  EXPECT_EQ(next, rows);
}

TEST(PlanBatches, CoversRowsOnceInOrderWithinBudget) {
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Csr m = testing::random_csr(500, 80, 12, seed, /*heavy=*/60);
    for (const std::size_t budget : {csr_bytes(1, 60), std::size_t{2000}, std::size_t{1} << 20}) {
      const auto cut = plan_batches(m.indptr, budget);
      expect_valid_cut(cut, m.indptr, budget);
      // Greedy: no batch could have taken the next row.
      for (std::size_t j = 0; j + 1 < cut.size(); ++j) {
        const RowBatch& b = cut[j];
        EXPECT_GT(csr_bytes(b.end + 1 - b.begin, m.indptr[b.end + 1] - m.indptr[b.begin]), budget);
      }
    }
  }
}

TEST(PlanBatches, HeavyRowAloneAndOversizedRowErrors) {
  // Rows of 1, 1, 100, 1, 1 interactions; offsets not starting at 0 (a slice of a bigger CSR).
  const std::vector<std::int64_t> indptr = {7, 8, 9, 109, 110, 111};
  const std::size_t budget = csr_bytes(1, 100);  // 816: exactly the heavy row
  const auto cut = plan_batches(indptr, budget);
  expect_valid_cut(cut, indptr, budget);
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[1].begin, 2);
  EXPECT_EQ(cut[1].end, 3);
  EXPECT_EQ(cut[1].bytes, budget);

  try {
    (void)plan_batches(indptr, budget - 1);
    FAIL() << "an over-sized row must throw";
  } catch (const InputError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("row 2 holds 100 interactions"), std::string::npos) << msg;
    EXPECT_NE(msg.find("816 bytes"), std::string::npos) << msg;
    EXPECT_NE(msg.find("815 bytes"), std::string::npos) << msg;
  }
  EXPECT_TRUE(plan_batches(std::vector<std::int64_t>{0}, 100).empty());
  EXPECT_THROW((void)plan_batches(std::vector<std::int64_t>{0, 5, 3}, 1000), InputError);
}

TEST(Planner, StreamingCutFromRealOffsets) {
  const Csr m = testing::random_csr(300, 60, 10, 7, /*heavy=*/50);
  const Csr t = transpose(m, 2);
  const ProblemShape s{m.rows, m.cols, m.nnz(), 8, FactorPrecision::fp32};
  PlanOptions o = no_headroom();
  o.force_streaming = true;
  o.staging_bytes = 2 * csr_bytes(1, 120);
  o.customer_indptr = m.indptr;
  o.item_indptr = t.indptr;
  const MemoryPlan p = plan_ials(s, 4 << 20, o);  // the k = 8 Gram scratch alone is 1 MiB
  ASSERT_TRUE(p.feasible) << p.explanation;
  ASSERT_TRUE(p.streaming);
  EXPECT_TRUE(p.fits_resident);  // forced, not needed
  EXPECT_EQ(p.batch_bytes, csr_bytes(1, 120));
  expect_valid_cut(p.customer_row_batches, m.indptr, p.batch_bytes);
  expect_valid_cut(p.item_row_batches, t.indptr, p.batch_bytes);
  EXPECT_EQ(p.customer_batches, static_cast<std::int64_t>(p.customer_row_batches.size()));
  EXPECT_EQ(p.item_batches, static_cast<std::int64_t>(p.item_row_batches.size()));
  EXPECT_GT(p.customer_batches, 1);

  // A staging buffer smaller than the heaviest item row (some item has > 20 customers here):
  // not feasible, and the message says the cap is what is in the way.
  std::int64_t heaviest = 0;
  for (std::int64_t r = 0; r < t.rows; ++r)
    heaviest = std::max(heaviest, t.indptr[r + 1] - t.indptr[r]);
  o.staging_bytes = 2 * (csr_bytes(1, heaviest) - 1);
  const MemoryPlan q = plan_ials(s, 4 << 20, o);
  EXPECT_FALSE(q.feasible);
  EXPECT_NE(q.verdict.find("staging_bytes cap"), std::string::npos) << q.verdict;
}

TEST(Planner, RejectsInvalidShapes) {
  EXPECT_THROW((void)plan_ials({0, 5, 0, 4}, 1000), InputError);
  EXPECT_THROW((void)plan_ials({10, 5, 51, 4}, 1000), InputError);  // more than 10 x 5
  EXPECT_THROW((void)plan_ials({10, 5, 20, 0}, 1000), InputError);
  EXPECT_THROW((void)plan_ials({10, 5, 20, 1025}, 1000), InputError);
  PlanOptions o;
  o.headroom = 1.0;
  EXPECT_THROW((void)plan_ials(small_shape(), 1000, o), InputError);
  o = PlanOptions{};
  const std::vector<std::int64_t> short_indptr = {0, 20};
  o.customer_indptr = short_indptr;
  EXPECT_THROW((void)plan_ials(small_shape(), 1000, o), InputError);
  EXPECT_EQ(parse_precision("bf16"), FactorPrecision::bf16);
  EXPECT_THROW((void)parse_precision("fp8"), InputError);
}

TEST(Planner, PrecisionNamesRoundTrip) {
  testing::expect_names_round_trip(kPrecisionNames, parse_precision,
                                   [](FactorPrecision p) { return to_string(p); });
  EXPECT_EQ(testing::input_error_of([] { (void)parse_precision("fp8"); }),
            "unknown factor precision 'fp8': use fp32, bf16 or fp16");
}

TEST(ParseBytes, UnitsAndJunk) {
  EXPECT_EQ(parse_bytes("80GiB"), 80ull << 30);
  EXPECT_EQ(parse_bytes("80GB"), 80'000'000'000ull);
  EXPECT_EQ(parse_bytes("81920MiB"), 80ull << 30);
  EXPECT_EQ(parse_bytes("1e9"), 1'000'000'000ull);
  EXPECT_EQ(parse_bytes("512"), 512u);
  EXPECT_EQ(parse_bytes("512B"), 512u);
  EXPECT_EQ(parse_bytes(" 80 gib "), 80ull << 30);
  EXPECT_EQ(parse_bytes("1.5KiB"), 1536u);
  EXPECT_EQ(parse_bytes("2TB"), 2'000'000'000'000ull);
  EXPECT_EQ(parse_bytes("1KB"), 1000u);
  EXPECT_EQ(parse_bytes("0"), 0u);
  EXPECT_EQ(parse_bytes("79.1GiB"), 84'932'978'278ull);  // floor(79.1 * 2^30)
  for (const char* junk : {"", "  ", "GiB", "80XB", "80 G", "-1GB", "nan", "inf", "1e30GB",
                           "80GiBs", "0x10", "+5", "8 0GB", "80GiB!"}) {
    EXPECT_THROW((void)parse_bytes(junk), InputError) << "'" << junk << "'";
  }
  try {
    (void)parse_bytes("eighty");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'eighty'"), std::string::npos);
  }
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(3ull << 30), "3.00 GiB");
}

// The InputError of plan_ials(shape, 1 << 20, o), or "" when it plans.
std::string plan_error(const ProblemShape& shape, const PlanOptions& o = PlanOptions{}) {
  try {
    (void)plan_ials(shape, 1 << 20, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Planner, EachInvalidShapeOrOptionHasItsMessage) {
  EXPECT_EQ(plan_error({0, 5, 0, 4}),
            "memory plan: customers = 0 must be in 1 .. 2147483647 (cuBLAS int)");
  EXPECT_EQ(plan_error({10, 2147483648, 0, 4}),
            "memory plan: items = 2147483648 must be in 1 .. 2147483647 (cuBLAS int)");
  EXPECT_EQ(plan_error({10, 5, -1, 4}),
            "memory plan: interactions = -1 must be in 0 .. customers x items = 50");
  EXPECT_EQ(plan_error({10, 5, 51, 4}),
            "memory plan: interactions = 51 must be in 0 .. customers x items = 50");
  EXPECT_EQ(plan_error({10, 5, 50, 4}), "");  // every pair: still a shape
  EXPECT_EQ(plan_error({10, 5, 20, 1025}), "memory plan: factors = 1025 must be in 1 .. 1024");

  PlanOptions o;
  o.headroom = -0.5;
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: headroom = -0.5 must be in [0, 1)");
  o.headroom = std::nan("");
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: headroom = nan must be in [0, 1)");
  o = PlanOptions{};
  o.staging_buffers = 0;
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: staging_buffers = 0 must be >= 1");
  o = PlanOptions{};
  o.average_row_safety = 0.5;
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: average_row_safety = 0.5 must be >= 1");
  o.average_row_safety = INFINITY;
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: average_row_safety = inf must be >= 1");
  o = PlanOptions{};
  o.host_to_device_gbs = 0.0;
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: host_to_device_gbs = 0 must be > 0");

  // Row offsets: rows + 1 of them, spanning the interactions; an empty span is "not given".
  o = PlanOptions{};
  const std::vector<std::int64_t> two = {0, 20};
  o.customer_indptr = two;
  EXPECT_EQ(plan_error(small_shape(), o),
            "memory plan: customer indptr has 2 offsets, expected rows + 1 = 11");
  o = PlanOptions{};
  const std::vector<std::int64_t> short_span = {3, 5, 9, 12, 20, 22};  // 19 of 20
  o.item_indptr = short_span;
  EXPECT_EQ(plan_error(small_shape(), o),
            "memory plan: item indptr spans 19 interactions, expected 20");

  // The shape is checked before the options, the options before the offsets.
  o.headroom = 2.0;
  EXPECT_EQ(plan_error({10, 5, 20, 0}, o), "memory plan: factors = 0 must be in 1 .. 1024");
  EXPECT_EQ(plan_error(small_shape(), o), "memory plan: headroom = 2 must be in [0, 1)");
}

TEST(Planner, VerdictSaysWhyItStreamsAndWhereBatchesComeFrom) {
  // kResident - 1 usable: one byte short of resident; batches from average rows.
  const MemoryPlan p = plan_ials(small_shape(), kResident - 1, no_headroom());
  ASSERT_TRUE(p.streaming);
  EXPECT_NE(p.verdict.find("trains STREAMED (all resident needs 267.00 KiB, 1 B more than the "
                           "267.00 KiB usable)"),
            std::string::npos)
      << p.verdict;
  EXPECT_NE(p.verdict.find("(estimated from the average row x 2)"), std::string::npos)
      << p.verdict;
  EXPECT_NE(p.verdict.find("staging 454 B = 2 x 227 B"), std::string::npos) << p.verdict;
  // A staging cap above what is left changes nothing: the usable memory bounds the batches.
  PlanOptions capped = no_headroom();
  capped.staging_bytes = std::size_t{1} << 30;
  EXPECT_EQ(plan_ials(small_shape(), kResident - 1, capped).batch_bytes, 227u);
  // One staging buffer takes all of it.
  capped.staging_buffers = 1;
  EXPECT_EQ(plan_ials(small_shape(), kResident - 1, capped).batch_bytes, 455u);

  // Forced streaming with both sides' real offsets: 2 rows per customer, 4 per item.
  PlanOptions o = no_headroom();
  o.force_streaming = true;
  const std::vector<std::int64_t> customers = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20};
  const std::vector<std::int64_t> items = {0, 4, 8, 12, 16, 20};
  o.customer_indptr = customers;
  const MemoryPlan one_side = plan_ials(small_shape(), 1 << 20, o);
  EXPECT_NE(one_side.verdict.find("trains STREAMED (streaming forced)"), std::string::npos)
      << one_side.verdict;
  EXPECT_NE(one_side.verdict.find("estimated from the average row"), std::string::npos)
      << one_side.verdict;  // the item side has no offsets
  o.item_indptr = items;
  EXPECT_NE(plan_ials(small_shape(), 1 << 20, o).verdict.find("(cut from the real row offsets)"),
            std::string::npos);
  // Infeasible with real offsets: the heaviest row is known, not estimated. Fixed plus two
  // buffers of the heaviest item row (4 interactions: 16 + 32 = 48) = kFixed + 96.
  const MemoryPlan no = plan_ials(small_shape(), kFixed + 95, o);
  ASSERT_FALSE(no.feasible);
  EXPECT_NE(no.verdict.find("2 staging buffers of at least 48 B (the heaviest row) need 96 B"),
            std::string::npos)
      << no.verdict;
  EXPECT_TRUE(plan_ials(small_shape(), kFixed + 96, o).feasible);
}

TEST(ParseBytes, EveryUnitInAnyCase) {
  const char* prefixes[] = {"k", "m", "g", "t"};
  std::size_t decimal = 1, binary = 1;
  for (const char* p : prefixes) {
    decimal *= 1000;
    binary *= 1024;
    const std::string lower = p, upper(1, static_cast<char>(std::toupper(p[0])));
    for (const std::string& unit : {lower + "b", upper + "B", upper + "b", lower + "B"})
      EXPECT_EQ(parse_bytes("3" + unit), 3 * decimal) << unit;
    for (const std::string& unit : {lower + "ib", upper + "iB", upper + "IB", lower + "IB"})
      EXPECT_EQ(parse_bytes("3" + unit), 3 * binary) << unit;
  }
  EXPECT_EQ(parse_bytes("7b"), 7u);
  EXPECT_EQ(parse_bytes("7   B"), 7u);          // spaces between number and unit
  EXPECT_EQ(parse_bytes("\t2KiB\n"), 2048u);    // white space around the whole text
  EXPECT_EQ(parse_bytes("0.9999B"), 0u);        // fractions of a byte round down
  EXPECT_EQ(parse_bytes("18446744073709549568"), 18446744073709549568ull);  // below 2^64
  for (const char* unit : {"1ib", "1PB", "1PiB", "1kibb", "1\tGB", "1 k"})
    EXPECT_THROW((void)parse_bytes(unit), InputError) << unit;
}

// The reason parse_bytes gives for `text` ("" when it parses).
std::string bytes_error(const std::string& text) {
  try {
    (void)parse_bytes(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ParseBytes, ErrorsSayWhy) {
  EXPECT_EQ(bytes_error(" "),
            "invalid byte size ' ': empty (examples: 80GiB, 80GB, 81920MiB, 1e9)");
  EXPECT_EQ(bytes_error("GiB"),
            "invalid byte size 'GiB': no number (examples: 80GiB, 80GB, 81920MiB, 1e9)");
  for (const char* text : {"-1GB", "nan", "inf"})
    EXPECT_NE(bytes_error(text).find(": not a finite, non-negative number ("), std::string::npos)
        << text;
  EXPECT_NE(bytes_error("80XB").find(": unknown unit (use B, KB, MB, GB, TB, KiB, MiB, GiB or "
                                     "TiB) ("),
            std::string::npos);
  for (const char* text : {"18446744073709551616", "16777216TiB"})  // 2^64 bytes
    EXPECT_NE(bytes_error(text).find(": larger than 2^64 - 1 bytes ("), std::string::npos)
        << text;
}

// The retail-1b preset (docs/memory.md): 20M customers x 500k items x 1e9 interactions, k = 128,
// on an H100 80GB reporting 79.1 GiB, 10% headroom. Both precisions train resident.
TEST(Planner, Retail1bOnH100TrainsResident) {
  const std::size_t h100 = parse_bytes("79.1GiB");
  ProblemShape s{20'000'000, 500'000, 1'000'000'000, 128, FactorPrecision::fp32};
  const MemoryPlan fp32 = plan_ials(s, h100);
  EXPECT_TRUE(fp32.feasible);
  EXPECT_TRUE(fp32.fits_resident);
  EXPECT_FALSE(fp32.streaming);
  EXPECT_EQ(fp32.usable_bytes, h100 - 8'493'297'828u);
  EXPECT_EQ(component(fp32, "customer CSR"), 8'160'000'008u);
  EXPECT_EQ(component(fp32, "item CSR"), 8'004'000'008u);
  EXPECT_EQ(component(fp32, "X customer factors"), 10'240'000'000u);
  EXPECT_EQ(component(fp32, "Y item factors"), 256'000'000u);
  EXPECT_EQ(fp32.total_resident, 26'809'381'272u);

  s.precision = FactorPrecision::bf16;
  const MemoryPlan bf16 = plan_ials(s, h100);
  EXPECT_TRUE(bf16.feasible);
  EXPECT_TRUE(bf16.fits_resident);
  EXPECT_FALSE(bf16.streaming);
  EXPECT_EQ(bf16.total_resident, 21'561'381'272u);

  // Ten times the interactions no longer fits resident; it streams with the factors resident.
  s.precision = FactorPrecision::fp32;
  s.nnz = 10'000'000'000;
  const MemoryPlan big = plan_ials(s, h100);
  EXPECT_TRUE(big.feasible);
  EXPECT_FALSE(big.fits_resident);
  EXPECT_TRUE(big.streaming);
  EXPECT_LE(big.planned_device_bytes, big.usable_bytes);
  EXPECT_EQ(big.pinned_host_bytes, csr_bytes(20'000'000, s.nnz) + csr_bytes(500'000, s.nnz));
}

}  // namespace
}  // namespace tailor
