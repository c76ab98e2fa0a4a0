// The sweep against the popularity baseline: the comparison of the best trial with popularity in
// the result, the terminal table and the HTML report, a warning when popularity beats every
// trial, and that warning at the head of the --best config and in `tailor sweep --best`'s log.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "host/data/dataset.hpp"
#include "host/eval/sweep.hpp"
#include "host/pipeline/config.hpp"
#include "host/report/report.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;

// `customers` customers with 3 rows before the cutoff (day 7) and 2 after it. grouped: customer
// c buys only items of its group (c < customers / 4: items 0..9, else 10..19), so the popular
// items (the large group's) are wrong for the small group and a factor model sees the groups.
// Otherwise every item is drawn from one skewed distribution whoever buys it: there is nothing
// personal to learn, and popularity is the best list there is.
Dataset shop(std::int64_t customers, bool grouped, std::uint64_t seed) {
  Dataset d;
  d.path = grouped ? "grouped.h5" : "random.h5";
  const int items = grouped ? 20 : 80;
  for (std::int64_t c = 0; c < customers; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  for (int i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (std::int64_t c = 0; c < customers; ++c)
    for (int row = 0; row < 5; ++row) {
      const double x = u(rng);
      const auto item = grouped ? static_cast<std::uint32_t>((c < customers / 4 ? 0 : 10) + x * 10)
                                : static_cast<std::uint32_t>(x * x * x * items);
      d.log.customer.push_back(static_cast<std::uint32_t>(c));
      d.log.item.push_back(item);
      d.log.time.push_back((row < 3 ? 1 + row : 8 + row) * kDay);
    }
  return d;
}

SweepOptions small_sweep() {
  SweepOptions o;
  o.split = parse_split("time:1970-01-08", 1);  // day 7
  o.ks = {5};
  o.space.factors = {8};
  o.space.regularization = {0.01f, 0.1f};
  o.space.alpha = {5.0f};
  o.space.iterations = {6};
  o.patience = 2;
  return o;
}

// Runs sweep() with the default logger writing into `log`, then restores the logger.
nlohmann::json sweep_logged(const Dataset& d, const SweepOptions& o, std::string& log) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_st>(out)));
  nlohmann::json r;
  try {
    r = sweep(d, o, Backend::cpu({1}));
  } catch (...) {
    spdlog::set_default_logger(previous);
    throw;
  }
  spdlog::set_default_logger(previous);
  log = out.str();
  return r;
}

void expect_comparison_matches(const nlohmann::json& r) {
  const auto& c = r["best_against_popularity"];
  EXPECT_EQ(c["metric"], r["metric"]);
  EXPECT_EQ(c["best_trial"], r["best"]["trial"]);
  EXPECT_EQ(c["best"], r["best"]["score"]);
  EXPECT_EQ(c["popularity"], r["baselines"]["popularity"][r["metric"].get<std::string>()]);
}

TEST(Sweep, PopularityBeatingEveryTrialIsReportedAndWarned) {
  const Dataset d = shop(300, /*grouped=*/false, 11);
  std::string log;
  const nlohmann::json r = sweep_logged(d, small_sweep(), log);
  expect_comparison_matches(r);
  const auto& c = r["best_against_popularity"];
  ASSERT_TRUE(c["popularity_wins"].get<bool>())
      << "best " << c["best"] << ", popularity " << c["popularity"];
  EXPECT_GT(c["popularity"].get<double>(), c["best"].get<double>());
  EXPECT_NE(log.find("sweep: popularity beats every trial: ndcg@5 = "), std::string::npos) << log;
  EXPECT_NE(format_sweep(r).find("popularity beats every trial: ndcg@5"), std::string::npos)
      << format_sweep(r);
  EXPECT_NE(render_report_html(r).find("popularity beats every trial"), std::string::npos);

  // --best still writes the best trial, headed by the comparison, and `tailor run` reads it.
  const testing::TempDir dir;
  write_best_config(dir / "best.toml", r, std::nullopt);
  const std::string toml = testing::read_file(dir / "best.toml");
  EXPECT_NE(toml.find("\n# Warning: popularity beats every trial on this split (ndcg@5 "),
            std::string::npos)
      << toml;
  EXPECT_EQ(load_config(dir / "best.toml").ials.factors, 8);
}

TEST(Sweep, ABestTrialAbovePopularityIsReportedWithoutWarning) {
  const Dataset d = shop(200, /*grouped=*/true, 12);
  std::string log;
  const nlohmann::json r = sweep_logged(d, small_sweep(), log);
  expect_comparison_matches(r);
  const auto& c = r["best_against_popularity"];
  EXPECT_FALSE(c["popularity_wins"].get<bool>())
      << "best " << c["best"] << ", popularity " << c["popularity"];
  EXPECT_EQ(log.find("popularity beats"), std::string::npos) << log;
  EXPECT_EQ(format_sweep(r).find("popularity beats"), std::string::npos);
  EXPECT_NE(render_report_html(r).find("Against popularity"), std::string::npos);
  const testing::TempDir dir;
  write_best_config(dir / "best.toml", r, std::nullopt);
  EXPECT_EQ(testing::read_file(dir / "best.toml").find("# Warning"), std::string::npos);
}

TEST(Sweep, CommandLineBestWarnsWhenPopularityWins) {
  const testing::TempDir dir;
  write_dataset(dir / "random.h5", shop(300, /*grouped=*/false, 11));
  const std::string cmd =
      std::string(TAILOR_BINARY) + " sweep --input " + (dir / "random.h5").string() +
      " --split time:1970-01-08 --k 5 --grid-factors 8 --grid-regularization 0.01,0.1 "
      "--grid-alpha 5 --grid-iterations 6 --patience 2 --device cpu --threads 1 --best " +
      (dir / "best.toml").string() + " --json " + (dir / "s.json").string() + " > " +
      (dir / "out").string() + " 2> " + (dir / "err").string();
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << testing::read_file(dir / "err");
  EXPECT_NE(testing::read_file(dir / "err").find("warning sweep: popularity beats every trial"),
            std::string::npos)
      << testing::read_file(dir / "err");
  EXPECT_NE(testing::read_file(dir / "best.toml").find("# Warning: popularity beats"),
            std::string::npos);
}

}  // namespace
}  // namespace tailor
