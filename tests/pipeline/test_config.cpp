#include <gtest/gtest.h>

#include "host/core/error.hpp"
#include "host/pipeline/config.hpp"

namespace tailor {
namespace {

void expect_error(const std::string& toml, const std::string& needle) {
  try {
    (void)parse_config(toml, "nightly.toml");
    FAIL() << "expected InputError containing '" << needle << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const std::string kMinimal = "[input]\npath = \"in.h5\"\n[output]\npath = \"out/recs.csv\"\n";

TEST(Config, MinimalConfigGetsDefaults) {
  RunConfig c = parse_config(kMinimal, "nightly.toml");
  EXPECT_EQ(c.input, "in.h5");
  EXPECT_EQ(c.output, "out/recs.csv");
  EXPECT_EQ(c.manifest, "out/recs.csv.manifest.json");
  EXPECT_FALSE(c.model_path.has_value());
  EXPECT_EQ(c.ials.factors, IalsParams{}.factors);
  EXPECT_EQ(c.topn.n, TopNParams{}.n);
  EXPECT_TRUE(c.topn.exclude_seen);
  EXPECT_EQ(c.device.kind, Device::automatic);
}

TEST(Config, EveryKeyIsRead) {
  RunConfig c = parse_config(R"(
[input]
path = "a.h5"
[model]
path = "m.h5"
factors = 128
regularization = 0.5
alpha = 3
iterations = 4
cg_steps = 5
confidence = "log"
log_epsilon = 2.5
seed = 7
report_objective = false
[run]
device = "cpu"
threads = 3
[recommend]
n = 50
exclude_seen = false
memory_budget_mb = 16
[output]
path = "r.csv"
manifest = "m.json"
)",
                             "c.toml");
  EXPECT_EQ(c.model_path, std::filesystem::path("m.h5"));
  EXPECT_EQ(c.ials.factors, 128);
  EXPECT_FLOAT_EQ(c.ials.regularization, 0.5f);
  EXPECT_FLOAT_EQ(c.ials.alpha, 3.0f);
  EXPECT_EQ(c.ials.iterations, 4);
  EXPECT_EQ(c.ials.cg_steps, 5);
  EXPECT_EQ(c.ials.scaling, ConfidenceScaling::log);
  EXPECT_FLOAT_EQ(c.ials.log_epsilon, 2.5f);
  EXPECT_EQ(c.ials.seed, 7u);
  EXPECT_FALSE(c.report_objective);
  EXPECT_EQ(c.device.kind, Device::cpu);
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(c.topn.n, 50);
  EXPECT_FALSE(c.topn.exclude_seen);
  EXPECT_EQ(c.topn.memory_budget, std::size_t{16} << 20);
  EXPECT_EQ(c.manifest, "m.json");
}

TEST(Config, MistakesArePreciseErrors) {
  expect_error(kMinimal + "[model]\nfactor = 3\n", "unknown key 'factor' in [model]");
  expect_error(kMinimal + "[modle]\n", "unknown section [modle]");
  expect_error(kMinimal + "[model]\nfactors = \"64\"\n", "[model] factors must be an integer");
  expect_error(kMinimal + "[model]\nfactors = 5000\n", "factors = 5000");
  expect_error(kMinimal + "[model]\nalpha = -1\n", "alpha = -1");
  expect_error(kMinimal + "[recommend]\nn = 0\n", "n = 0");
  expect_error(kMinimal + "[recommend]\nn = 1001\n", "1..1000");
  expect_error(kMinimal + "[run]\ndevice = \"tpu\"\n", "unknown device 'tpu'");
  expect_error(kMinimal + "[model]\nconfidence = \"sqrt\"\n", "unknown confidence scaling 'sqrt'");
  expect_error("[output]\npath = \"r.csv\"\n", "[input] path is required");
  expect_error("[input\npath = 1", "nightly.toml:1:");
}

TEST(Config, TheExampleConfigIsValid) {
  RunConfig c = load_config(std::filesystem::path(TAILOR_SOURCE_DIR) / "data/nightly.example.toml");
  EXPECT_EQ(c.ials.factors, 64);
  EXPECT_EQ(c.topn.n, 20);
  EXPECT_TRUE(c.model_path.has_value());
}

}  // namespace
}  // namespace tailor
