// tailor generate: determinism (seed, threads, chunking), exact shapes, ranges, and the requested
// statistics (item skew, repeat fraction) within stated bounds.
#include <cmath>
#include <fmt/format.h>

#include <string>

#include "host/core/error.hpp"
#include "host/data/dataset.hpp"
#include "host/data/generate.hpp"
#include "host/io/h5.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using nlohmann::json;

// Three customer blocks (so threads and chunks have something to split), a few seconds at most.
GenerateSpec small_spec(std::uint64_t seed) {
  GenerateSpec s;
  s.customers = 2 * kGenerateBlockCustomers + 300;
  s.items = 700;
  s.interactions = 40000;
  s.categories = 12;
  s.days = 120;
  s.start = 1600000000;
  s.repeat_fraction = 0.25;
  s.seed = seed;
  return s;
}

Dataset make(const std::filesystem::path& path, const GenerateSpec& spec, int threads = 1,
             std::int64_t chunk_rows = std::int64_t{1} << 23) {
  GenerateOptions opt;
  opt.threads = threads;
  opt.chunk_rows = chunk_rows;
  generate(path, spec, opt);
  return load_dataset(path, LoadOptions{});
}

TEST(Generate, SameSeedSameFileDifferentSeedDifferentFile) {
  testing::TempDir dir;
  const Dataset a = make(dir / "a.h5", small_spec(7));
  const Dataset b = make(dir / "b.h5", small_spec(7));
  testing::expect_same_dataset(a, b);
  const Dataset c = make(dir / "c.h5", small_spec(8));
  EXPECT_NE(a.log.item, c.log.item);
  EXPECT_NE(a.log.time, c.log.time);
}

TEST(Generate, ThreadsAndChunksDoNotChangeTheOutput) {
  testing::TempDir dir;
  const GenerateSpec spec = small_spec(11);
  const Dataset one = make(dir / "one.h5", spec, 1);
  const Dataset two = make(dir / "two.h5", spec, 2);
  testing::expect_same_dataset(one, two);
  // chunk_rows below a block's rows: one block per chunk, several chunks.
  const Dataset chunked = make(dir / "chunked.h5", spec, 2, 1000);
  testing::expect_same_dataset(one, chunked);
  h5::File f1 = h5::File::open(dir / "one.h5"), f2 = h5::File::open(dir / "chunked.h5");
  EXPECT_EQ(f1.read_all<float>("/items/price"), f2.read_all<float>("/items/price"));
  EXPECT_EQ(f1.read_all<std::uint32_t>("/items/category"),
            f2.read_all<std::uint32_t>("/items/category"));
}

TEST(Generate, ExactShapeAndValuesInRange) {
  testing::TempDir dir;
  const GenerateSpec spec = small_spec(3);
  const Dataset d = make(dir / "d.h5", spec, 2, 5000);
  ASSERT_EQ(d.log.size(), spec.interactions);
  ASSERT_EQ(d.customers(), spec.customers);
  ASSERT_EQ(d.items(), spec.items);
  EXPECT_EQ(d.customer_ids.front(), "c0001");
  EXPECT_EQ(d.item_ids.back(), "i700");
  const std::int64_t end = spec.start + static_cast<std::int64_t>(spec.days * 86400);
  std::vector<std::int64_t> rows_of(static_cast<std::size_t>(spec.customers), 0);
  for (std::int64_t r = 0; r < d.log.size(); ++r) {
    ASSERT_LT(d.log.customer[r], spec.customers) << "row " << r;
    ASSERT_LT(d.log.item[r], spec.items) << "row " << r;
    ASSERT_GE(d.log.time[r], spec.start) << "row " << r;
    ASSERT_LT(d.log.time[r], end) << "row " << r;
    ASSERT_GE(d.log.quantity[r], 1.0f) << "row " << r;
    ASSERT_GT(d.log.value[r], 0.0f) << "row " << r;
    ++rows_of[d.log.customer[r]];
  }
  for (std::size_t c = 0; c < rows_of.size(); ++c) ASSERT_GE(rows_of[c], 1) << "customer " << c;

  h5::File f = h5::File::open(dir / "d.h5");
  const auto category = f.read_all<std::uint32_t>("/items/category");
  ASSERT_EQ(static_cast<std::int64_t>(category.size()), spec.items);
  for (auto c : category) ASSERT_LT(c, spec.categories);
  EXPECT_EQ(static_cast<std::int64_t>(f.read_strings("/items/category_names").size()), spec.categories);
  // The loader reads them as item metadata, ready for campaign rules.
  EXPECT_EQ(d.item_meta.category, category);
  ASSERT_EQ(static_cast<std::int64_t>(d.item_meta.price.size()), spec.items);
  for (float p : d.item_meta.price) ASSERT_GT(p, 0.0f);
  const json generator = json::parse(*f.attr_string("/", "generator"));
  EXPECT_EQ(generator, generate_spec_json(spec));
  EXPECT_EQ(generate_spec_json(generate_spec_from_json(generator, GenerateSpec{})), generator);
}

TEST(Generate, IntegerIds) {
  testing::TempDir dir;
  GenerateSpec spec = small_spec(5);
  spec.ids = "integer";
  const Dataset d = make(dir / "d.h5", spec);
  EXPECT_EQ(d.customer_ids.front(), "1");
  EXPECT_EQ(d.item_ids.back(), "700");
}

// Share of draws on the top `fraction` of ranks of Zipf(s) over n items.
double zipf_top_share(std::int64_t n, double s, double fraction) {
  const auto top = static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(n)));
  double head = 0, all = 0;
  for (std::int64_t r = 1; r <= n; ++r) {
    const double w = std::pow(static_cast<double>(r), -s);
    all += w;
    if (r <= top) head += w;
  }
  return head / all;
}

TEST(Generate, StatisticsFollowTheSpec) {
  testing::TempDir dir;
  for (double skew : {0.6, 1.0}) {
    for (double repeat : {0.0, 0.3}) {
      GenerateSpec spec;
      spec.customers = 4000;
      spec.items = 3000;
      spec.interactions = 80000;
      spec.item_skew = skew;
      spec.activity_sigma = 0.5;
      spec.repeat_fraction = repeat;
      spec.seed = 42;
      const Dataset d = make(dir / "s.h5", spec, 2);
      const json st = shape_stats(d);
      const double expected = zipf_top_share(spec.items, skew, 0.10);
      SCOPED_TRACE(fmt::format("skew {} repeat {}: {}", skew, repeat, st.dump()));
      if (repeat > 0 || skew < 0.8) {
        EXPECT_NEAR(st["top10_share"].get<double>(), expected, 0.05);
      } else {
        // Without re-buys a customer's items are distinct, which flattens a steep head a little.
        EXPECT_LT(st["top10_share"].get<double>(), expected);
        EXPECT_GT(st["top10_share"].get<double>(), expected - 0.1);
      }
      EXPECT_NEAR(st["repeat_fraction"].get<double>(), repeat, 0.03);
      EXPECT_EQ(st["rows"].get<std::int64_t>(), spec.interactions);
      EXPECT_LE(st["span_days"].get<double>(), spec.days);
      EXPECT_GT(st["span_days"].get<double>(), spec.days * 0.95);
      EXPECT_NEAR(st["rows_per_customer"]["mean"].get<double>(), 20.0, 1e-9);
      if (repeat > 0) {
        // Median gap within a factor of two of the median typical interval (edges censor it).
        const double gap = st["repeat_interval_days"].get<double>();
        EXPECT_GT(gap, spec.repeat_interval_days / 2);
        EXPECT_LT(gap, spec.repeat_interval_days * 2);
      }
    }
  }
}

TEST(Generate, ShapeStatsByHand) {
  Dataset d;
  d.customer_ids = {"a", "b"};
  d.item_ids = {"x", "y", "z"};
  // a buys x twice (days 0 and 10), y once; b buys x once and x again at the same time.
  d.log.customer = {0, 0, 0, 1, 1};
  d.log.item = {0, 0, 1, 0, 0};
  d.log.time = {0, 864000, 5, 100, 100};
  const json st = shape_stats(d);
  EXPECT_EQ(st["pairs"].get<std::int64_t>(), 3);
  EXPECT_DOUBLE_EQ(st["repeat_fraction"].get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(st["repeat_interval_days"].get<double>(), 10.0);
  EXPECT_DOUBLE_EQ(st["top1_share"].get<double>(), 0.8);
  // Counts (4, 1, 0): Gini = 2 (1*0 + 2*1 + 3*4) / (3 * 5) - 4/3 = 28/15 - 20/15.
  EXPECT_NEAR(st["item_gini"].get<double>(), 8.0 / 15.0, 1e-12);
  EXPECT_EQ(st["rows_per_customer"]["max"].get<std::int64_t>(), 3);
  const std::string table = compare_stats(st, st);
  EXPECT_NE(table.find("repeat_fraction"), std::string::npos);
  EXPECT_NE(table.find("1.000"), std::string::npos);
}

TEST(Generate, PresetsAndSpecEditing) {
  for (const auto& name : generate_presets()) {
    const GenerateSpec s = generate_preset(name);
    EXPECT_EQ(s.name, name);
    EXPECT_NO_THROW(validate_generate_spec(s)) << name;
  }
  EXPECT_EQ(generate_preset("online-retail-shape").interactions, 397924);
  EXPECT_EQ(generate_preset("retail-1b").interactions, 1'000'000'000);
  try {
    (void)generate_preset("nope");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("online-retail-shape"), std::string::npos) << e.what();
  }
  GenerateSpec s = small_spec(1);
  set_generate_field(s, "item_skew", "1.25");
  set_generate_field(s, "interactions", "1e5");
  set_generate_field(s, "ids", "integer");
  EXPECT_DOUBLE_EQ(s.item_skew, 1.25);
  EXPECT_EQ(s.interactions, 100000);
  EXPECT_EQ(s.ids, "integer");
  EXPECT_THROW(set_generate_field(s, "skew", "1"), InputError);
  EXPECT_THROW(set_generate_field(s, "customers", "many"), InputError);
  s.interactions = s.customers - 1;
  EXPECT_THROW(validate_generate_spec(s), InputError);
  s = small_spec(1);
  s.repeat_fraction = 1.0;
  EXPECT_THROW(validate_generate_spec(s), InputError);
}

}  // namespace
}  // namespace tailor
