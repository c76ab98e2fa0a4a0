#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "host/core/error.hpp"
#include "host/io/h5.hpp"
#include "host/train/model.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

Model small_model() {
  Model m;
  m.params.factors = 3;
  m.params.regularization = 0.125f;
  m.params.alpha = 4.0f;
  m.params.iterations = 7;
  m.params.cg_steps = 2;
  m.params.scaling = ConfidenceScaling::log;
  m.params.log_epsilon = 0.5f;
  m.params.seed = 99;
  m.customer_ids = {"17850.0", "c,2"};
  m.item_ids = {"85123A", "POST", "22423"};
  m.customer_factors = testing::random_factors(2, 3, 1);
  m.item_factors = testing::random_factors(3, 3, 2);
  m.data_fingerprint = "0123456789abcdef";
  m.training_input = "in.h5";
  m.created_at = "2026-01-01T00:00:00Z";
  m.objective = {10.0, 9.0};
  m.epoch_seconds = {0.1, 0.2};
  return m;
}

TEST(ModelFile, RoundTrips) {
  testing::TempDir dir;
  Model m = small_model();
  save_model(dir / "m.h5", m);
  Model back = load_model(dir / "m.h5");
  EXPECT_EQ(back.customer_ids, m.customer_ids);
  EXPECT_EQ(back.item_ids, m.item_ids);
  EXPECT_EQ(back.customer_factors, m.customer_factors);
  EXPECT_EQ(back.item_factors, m.item_factors);
  EXPECT_EQ(back.params.factors, 3);
  EXPECT_FLOAT_EQ(back.params.regularization, 0.125f);
  EXPECT_FLOAT_EQ(back.params.alpha, 4.0f);
  EXPECT_EQ(back.params.iterations, 7);
  EXPECT_EQ(back.params.cg_steps, 2);
  EXPECT_EQ(back.params.scaling, ConfidenceScaling::log);
  EXPECT_FLOAT_EQ(back.params.log_epsilon, 0.5f);
  EXPECT_EQ(back.params.seed, 99u);
  EXPECT_EQ(back.data_fingerprint, m.data_fingerprint);
  EXPECT_EQ(back.objective, m.objective);
  EXPECT_TRUE(back.epoch_seconds.empty());  // timings stay in the manifest
  EXPECT_EQ(back.tailor_version, std::string(TAILOR_VERSION));
}

// The same model gives the same bytes: no object times, no wall-clock values in the file, so a
// night's fingerprint changes only when its model does.
TEST(ModelFile, TheSameModelGivesTheSameBytes) {
  testing::TempDir dir;
  Model m = small_model();
  save_model(dir / "a.h5", m);
  m.created_at = "2026-01-02T03:04:05Z";
  m.epoch_seconds = {0.3, 0.4};
  save_model(dir / "b.h5", m);
  const std::string a = testing::read_file(dir / "a.h5");
  EXPECT_FALSE(a.empty());
  EXPECT_TRUE(a == testing::read_file(dir / "b.h5"));
  m.item_factors[0] += 1.0f;
  save_model(dir / "c.h5", m);
  EXPECT_FALSE(a == testing::read_file(dir / "c.h5"));
}

// A BPR model with the item bias: 3 columns, 2 factors and the bias; `factors` in the file is
// the width of the matrices.
TEST(ModelFile, BprModelRoundTrips) {
  testing::TempDir dir;
  Model m = small_model();
  m.algorithm = "bpr";
  m.bpr.factors = m.params.factors - 1;
  m.bpr.item_bias = true;
  m.bpr.bias_regularization = 0.25f;
  m.bpr.learning_rate = 0.05f;
  m.bpr.regularization = 0.02f;
  m.bpr.epochs = 30;
  m.bpr.negatives = BprNegatives::popularity;
  m.bpr.schedule = LrSchedule::linear;
  m.bpr.seed = 5;
  save_model(dir / "bpr.h5", m);
  Model back = load_model(dir / "bpr.h5");
  EXPECT_EQ(back.algorithm, "bpr");
  EXPECT_EQ(back.params.factors, 3);
  EXPECT_EQ(back.bpr.factors, 2);
  EXPECT_TRUE(back.bpr.item_bias);
  EXPECT_FLOAT_EQ(back.bpr.bias_regularization, 0.25f);
  EXPECT_EQ(h5::File::open(dir / "bpr.h5").attr_int("/", "factors"), 3);
  EXPECT_FLOAT_EQ(back.bpr.learning_rate, 0.05f);
  EXPECT_FLOAT_EQ(back.bpr.regularization, 0.02f);
  EXPECT_EQ(back.bpr.epochs, 30);
  EXPECT_EQ(back.bpr.negatives, BprNegatives::popularity);
  EXPECT_EQ(back.bpr.schedule, LrSchedule::linear);
  EXPECT_EQ(back.bpr.seed, 5u);
  EXPECT_EQ(back.item_factors, m.item_factors);
}

// A BPR model file as tailor wrote it before the item bias: no item_bias attribute.
void write_old_bpr_model(const std::filesystem::path& path, const Model& m,
                         std::optional<std::int64_t> item_bias = std::nullopt) {
  auto f = h5::File::create(path);
  f.set_attr("/", "format", std::string(kModelFormat));
  f.set_attr("/", "format_version", kModelFormatVersion);
  f.set_attr("/", "algorithm", std::string("bpr"));
  f.set_attr("/", "factors", std::int64_t{3});
  f.set_attr("/", "learning_rate", 0.05);
  f.set_attr("/", "regularization", 0.01);
  f.set_attr("/", "epochs", std::int64_t{20});
  if (item_bias) f.set_attr("/", "item_bias", *item_bias);
  f.write_strings("/customers/id", m.customer_ids);
  f.write_strings("/items/id", m.item_ids);
  f.write_matrix("/customers/factors", m.customer_factors.data(), 2, 3);
  f.write_matrix("/items/factors", m.item_factors.data(), 3, 3);
  f.close();
}

// Files written before the bias load as BPR without it, every column a learned factor; saved
// again they say so, and a bias-less model round-trips as such.
TEST(ModelFile, BprModelWithoutItemBiasAttributeLoadsWithoutBias) {
  testing::TempDir dir;
  const Model m = small_model();
  write_old_bpr_model(dir / "old.h5", m);
  Model back = load_model(dir / "old.h5");
  EXPECT_EQ(back.algorithm, "bpr");
  EXPECT_FALSE(back.bpr.item_bias);
  EXPECT_EQ(back.bpr.factors, 3);
  EXPECT_EQ(back.params.factors, 3);
  EXPECT_EQ(back.item_factors, m.item_factors);
  save_model(dir / "again.h5", back);
  EXPECT_EQ(h5::File::open(dir / "again.h5").attr_int("/", "item_bias"), 0);
  const Model again = load_model(dir / "again.h5");
  EXPECT_FALSE(again.bpr.item_bias);
  EXPECT_EQ(again.bpr.factors, 3);
}

void expect_load_error(const std::filesystem::path& p, const std::string& needle) {
  try {
    (void)load_model(p);
    FAIL() << "expected InputError containing '" << needle << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(ModelFile, RejectsOtherFilesAndVersions) {
  testing::TempDir dir;
  {
    auto f = h5::File::create(dir / "other.h5");
    f.set_attr("/", "format", std::string("tailor-interactions"));
    f.close();
  }
  expect_load_error(dir / "other.h5", "not a tailor model");
  {
    auto f = h5::File::create(dir / "v9.h5");
    f.set_attr("/", "format", std::string(kModelFormat));
    f.set_attr("/", "format_version", std::int64_t{9});
    f.close();
  }
  expect_load_error(dir / "v9.h5", "version 9");
  expect_load_error(dir / "missing.h5", "no such file");
}

TEST(ModelFile, RejectsFactorShapeMismatch) {
  testing::TempDir dir;
  Model m = small_model();
  // One customer id but two factor rows.
  {
    auto f = h5::File::create(dir / "bad.h5");
    f.set_attr("/", "format", std::string(kModelFormat));
    f.set_attr("/", "format_version", kModelFormatVersion);
    f.set_attr("/", "factors", std::int64_t{3});
    f.set_attr("/", "regularization", 0.1);
    f.set_attr("/", "alpha", 1.0);
    f.set_attr("/", "iterations", std::int64_t{1});
    f.set_attr("/", "cg_steps", std::int64_t{1});
    f.write_strings("/customers/id", {"a"});
    f.write_strings("/items/id", m.item_ids);
    f.write_matrix("/customers/factors", m.customer_factors.data(), 2, 3);
    f.write_matrix("/items/factors", m.item_factors.data(), 3, 3);
    f.close();
  }
  expect_load_error(dir / "bad.h5", "/customers/factors is 2 x 3, expected 1 x 3");
}

TEST(ModelFile, RejectsABadItemBiasAttribute) {
  testing::TempDir dir;
  write_old_bpr_model(dir / "bias2.h5", small_model(), 2);
  expect_load_error(dir / "bias2.h5", "model attribute 'item_bias' is 2, expected 0 or 1");
}

// The names written into model files and accepted on the command line and in configs.
TEST(ModelNames, EveryNameRoundTripsAndAnUnknownOneListsTheChoices) {
  testing::expect_names_round_trip(kScalingNames, parse_scaling,
                                   [](ConfidenceScaling s) { return to_string(s); });
  testing::expect_names_round_trip(kNegativesNames, parse_negatives,
                                   [](BprNegatives n) { return to_string(n); });
  testing::expect_names_round_trip(kScheduleNames, parse_schedule,
                                   [](LrSchedule s) { return to_string(s); });
  EXPECT_EQ(testing::input_error_of([] { (void)parse_scaling("sqrt"); }),
            "unknown confidence scaling 'sqrt': use linear or log");
  EXPECT_EQ(testing::input_error_of([] { (void)parse_negatives("hard"); }),
            "unknown negative sampling 'hard': use uniform or popularity");
  EXPECT_EQ(testing::input_error_of([] { (void)parse_schedule("cosine"); }),
            "unknown learning-rate schedule 'cosine': use constant or linear");
}

}  // namespace
}  // namespace tailor
