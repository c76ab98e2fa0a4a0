// Sweeps of the models without epochs: the grid, the random subset, knob checks, and trials
// ranked by their own evaluation's metric.
#include <gtest/gtest.h>

#include "eval/tiny_shop.hpp"
#include "host/core/error.hpp"
#include "host/eval/sweep_lists.hpp"

namespace tailor {
namespace {

ListSweepOptions tiny_sweep(const std::string& model) {
  ListSweepOptions o;
  o.split = parse_split("time:1970-01-07", 1);
  o.protocol = Protocol::all_items;
  o.ks = {2};
  o.model = model;
  return o;
}

TEST(ListSweep, EveryGridPointIsATrialRankedByItsMetric) {
  const Dataset d = testing::tiny_shop();
  ListSweepOptions o = tiny_sweep("itemknn");
  o.axes = {{"neighbours", {1, 2, 4}}, {"weighting", {0, 2}}};
  const nlohmann::json r = sweep_lists(d, o, Backend::cpu());
  ASSERT_EQ(r["trials"].size(), 6u);
  std::set<std::string> seen;
  double last = 1e9;
  for (const auto& t : r["trials"]) {
    EXPECT_TRUE(seen.insert(t["params"].dump()).second);
    const double score = t["score"].get<double>();
    EXPECT_LE(score, last);
    EXPECT_DOUBLE_EQ(score, t["metrics"]["ndcg@2"].get<double>());
    last = score;
  }
  // Each trial's score is the evaluation's own figure for that point.
  const auto& best = r["trials"][0];
  EvaluateOptions e;
  e.split = o.split;
  e.protocol = o.protocol;
  e.ks = o.ks;
  e.train_ials = false;
  e.baselines = false;
  e.item_models = apply_point("itemknn", {}, best["params"]);
  const nlohmann::json direct = evaluate(d, e, Backend::cpu());
  EXPECT_DOUBLE_EQ(direct["models"]["itemknn"]["ndcg@2"].get<double>(),
                   best["score"].get<double>());
  EXPECT_TRUE(r["baselines"].contains("buy_again"));
  EXPECT_EQ(r["best"]["trial"], best["trial"]);
  EXPECT_NE(format_list_sweep(r).find("itemknn"), std::string::npos);
}

TEST(ListSweep, RandomTrialsAreADistinctSeededSubset) {
  const Dataset d = testing::tiny_shop();
  ListSweepOptions o = tiny_sweep("ease");
  o.axes = {{"lambda", {0.5, 1, 2, 5, 10}}};
  o.random_trials = 3;
  const nlohmann::json a = sweep_lists(d, o, Backend::cpu());
  const nlohmann::json b = sweep_lists(d, o, Backend::cpu());
  ASSERT_EQ(a["trials"].size(), 3u);
  for (std::size_t k = 0; k < 3; ++k) EXPECT_EQ(a["trials"][k]["params"], b["trials"][k]["params"]);
}

TEST(ListSweep, KnobsAndValuesAreChecked) {
  EXPECT_THROW(apply_point("itemknn", {}, {{"lambda", 5.0}}), InputError);
  EXPECT_THROW(apply_point("itemknn", {}, {{"neighbours", 0.0}}), InputError);
  EXPECT_THROW(apply_point("itemknn", {}, {{"weighting", 7.0}}), InputError);
  EXPECT_THROW(apply_point("tifuknn", {}, {{"alpha", 2.0}}), InputError);
  EXPECT_THROW(default_sweep_axes("svd"), InputError);
  const ItemModelOptions o = apply_point("tifuknn", {}, {{"group_size", 3.0}, {"alpha", 0.5}});
  EXPECT_TRUE(o.tifuknn);
  EXPECT_EQ(o.tifu.group_size, 3);
  EXPECT_DOUBLE_EQ(o.tifu.alpha, 0.5);
  const SweepAxis axis = parse_sweep_axis("neighbours=10,20");
  EXPECT_EQ(axis.first, "neighbours");
  EXPECT_EQ(axis.second, (std::vector<double>{10, 20}));
  EXPECT_THROW(parse_sweep_axis("neighbours"), InputError);
  EXPECT_THROW(parse_sweep_axis("neighbours=ten"), InputError);
}

}  // namespace
}  // namespace tailor
