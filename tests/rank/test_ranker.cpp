// The two-stage ranker: the booster's round trip, hand-worked features, no leakage from rows
// after the as-of time, and a planted shop where it must beat buy-again and iALS.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <numeric>
#include <random>
#include <set>

#include "host/eval/baselines.hpp"
#include "host/eval/evaluate.hpp"
#include "host/rank/feature_columns.hpp"
#include "host/rank/ranker.hpp"
#include "kernels/backend.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kEpoch = 18519 * kDay;  // day 0 of the test shops, a UTC midnight

void add(Dataset& d, std::uint32_t c, std::uint32_t i, double day, float qty = 1.0f) {
  d.log.customer.push_back(c);
  d.log.item.push_back(i);
  d.log.time.push_back(kEpoch + static_cast<std::int64_t>(day * kDay));
  d.log.quantity.push_back(qty);
}

Dataset empty_shop(int customers, int items) {
  Dataset d;
  d.path = "shop.h5";
  for (int c = 0; c < customers; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  for (int i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
  return d;
}

RankerParams small_params() {
  RankerParams p;
  p.sources.counts = {20, 10, 10, 10, 5};
  p.sources.ials.factors = 8;
  p.sources.ials.iterations = 5;
  p.sources.tifuknn.neighbours = 10;
  p.sources.replenish.min_item_intervals = 2;
  p.booster.rounds = 40;
  p.booster.max_depth = 4;
  p.horizon_seconds = 7 * kDay;
  return p;
}

Backend cpu() {
  BackendOptions o;
  o.threads = 2;
  return Backend::cpu(o);
}

float feature(const CandidateRows& rows, std::uint32_t item, int column) {
  for (std::size_t r = 0; r < rows.items.size(); ++r)
    if (rows.items[r] == item)
      return rows.features.values[r * static_cast<std::size_t>(rows.features.cols) + column];
  ADD_FAILURE() << "item " << item << " is not a candidate";
  return 0.0f;
}

TEST(Booster, LearnsAnOrderAndRoundTripsThroughJson) {
  // One feature; the label is 1 exactly where it is above 0.5.
  FeatureMatrix x{40, 1, {}};
  std::vector<float> labels;
  for (int r = 0; r < 40; ++r) {
    const float v = static_cast<float>((r * 7) % 40) / 40.0f;
    x.values.push_back(v);
    labels.push_back(v > 0.5f ? 1.0f : 0.0f);
  }
  const std::vector<std::uint32_t> groups = {10, 10, 10, 10};
  BoosterParams p;
  p.rounds = 20;
  p.min_child_weight = 0.0;
  const Booster b = Booster::train(x, labels, groups, {"v"}, p, 1);
  const auto s = b.predict(x);
  for (int r = 0; r < 40; ++r)
    for (int q = 0; q < 40; ++q)
      if (labels[r] > labels[q]) EXPECT_GT(s[r], s[q]) << r << " vs " << q;
  const Booster back = Booster::from_json(b.to_json(), 1);
  EXPECT_EQ(back.predict(x), s);
  const Importances imp = b.importances({"v"});
  ASSERT_EQ(imp.size(), 1u);
  EXPECT_EQ(imp[0].first, "v");
  EXPECT_DOUBLE_EQ(imp[0].second, 1.0);
}

TEST(Booster, RefusesGroupsThatDoNotCoverTheRows) {
  FeatureMatrix x{4, 1, {0, 1, 2, 3}};
  const std::vector<float> labels = {0, 1, 0, 1};
  const std::vector<std::uint32_t> groups = {2, 1};
  EXPECT_THROW(Booster::train(x, labels, groups, {"v"}, {}, 1), RunError);
}

// c0 buys i0 on days 0, 10 and 20 (twice on day 20), i1 on day 5; c1 buys i0 on day 2, i2 on
// day 15. Items 0 and 1 are category 0, item 2 category 1; prices 2, 4, 8.
Dataset hand_shop() {
  Dataset d = empty_shop(3, 4);
  add(d, 0, 0, 0);
  add(d, 0, 0, 10);
  add(d, 0, 0, 20);
  add(d, 0, 0, 20.5);
  add(d, 0, 1, 5);
  add(d, 1, 0, 2);
  add(d, 1, 2, 15);
  d.item_meta.category_names = {"a", "b"};
  d.item_meta.category = {0, 0, 1, kNoCategory};
  d.item_meta.price = {2.0f, 4.0f, 8.0f, NAN};
  return d;
}

TEST(RankerFeatures, HandWorkedValues) {
  using namespace rank;
  RankerSourceParams p = small_params().sources;
  p.popular_window_days = 20;
  const Dataset d = hand_shop();
  const std::int64_t as_of = kEpoch + 30 * kDay;
  const RankerSnapshot s(d, as_of, p, cpu());
  const std::uint32_t who[] = {0, 2};
  const CandidateRows rows = s.candidates(who);
  ASSERT_EQ(rows.customers, std::vector<std::uint32_t>{0});  // c2 has no history
  EXPECT_FLOAT_EQ(feature(rows, 0, fRows), 4.0f);
  EXPECT_FLOAT_EQ(feature(rows, 0, fPairDays), 3.0f);             // days 0, 10, 20
  EXPECT_NEAR(feature(rows, 0, fDaysSinceLast), 9.5f, 1e-4);      // last row on day 20.5
  EXPECT_FLOAT_EQ(feature(rows, 0, fRepeatRank), 1.0f);           // bought most
  EXPECT_FLOAT_EQ(feature(rows, 1, fRepeatRank), 2.0f);
  EXPECT_FLOAT_EQ(feature(rows, 0, fCategoryShare), 1.0f);        // all 5 rows in category a
  EXPECT_FLOAT_EQ(feature(rows, 2, fCategoryShare), 0.0f);
  // Usual price of c0: the median of i0 and i1's prices, 3; i2 costs 8.
  EXPECT_FLOAT_EQ(feature(rows, 2, fPriceRatio), 8.0f / 3.0f);
  EXPECT_FLOAT_EQ(feature(rows, 2, fRows), 0.0f);
  EXPECT_TRUE(std::isnan(feature(rows, 2, fDaysSinceLast)));
  EXPECT_FLOAT_EQ(feature(rows, 0, fItemCustomers), 2.0f);
  // In the last 20 days (after day 10): c0 bought i0 (day 20), c1 bought i2 (day 15).
  EXPECT_FLOAT_EQ(feature(rows, 0, fItemRecent), 1.0f);
  EXPECT_FLOAT_EQ(feature(rows, 1, fItemRecent), 0.0f);
  // Days 10 .. -10 before: c0 (day 0, 10 is not before day 10) and c1 (day 2) bought i0.
  EXPECT_FLOAT_EQ(feature(rows, 0, fItemTrend), (1.0f + 1.0f) / (2.0f + 1.0f));
  EXPECT_FLOAT_EQ(feature(rows, 0, fItemRepeatShare), 0.5f);  // c0 of {c0, c1}
  EXPECT_FLOAT_EQ(feature(rows, 0, fValuePct), 1.0f);        // c0 spent more than c1
  EXPECT_FLOAT_EQ(feature(rows, 0, fCustomerDays), 4.0f);    // days 0, 5, 10, 20
  EXPECT_FLOAT_EQ(feature(rows, 0, fCustomerItems), 2.0f);
  EXPECT_FLOAT_EQ(feature(rows, 0, fPopularRank), 1.0f);     // ties: lower index first
  // i0's intervals: c0's 10 and 10 (median 10) shrunk toward the item median 10: est 10 days,
  // 9.5 days after the last purchase.
  EXPECT_NEAR(feature(rows, 0, fDueRatio), 0.95f, 1e-4);
}

TEST(RankerFeatures, RowsAfterTheAsOfTimeAreNeverSeen) {
  Dataset d = hand_shop();
  const std::int64_t as_of = kEpoch + 30 * kDay;
  const RankerSourceParams p = small_params().sources;
  const RankerSnapshot a(d, as_of, p, cpu());
  add(d, 0, 2, 31);
  add(d, 1, 1, 40, 9.0f);
  const RankerSnapshot b(d, as_of, p, cpu());
  const std::uint32_t who[] = {0, 1};
  const CandidateRows ra = a.candidates(who), rb = b.candidates(who);
  EXPECT_EQ(ra.items, rb.items);
  ASSERT_EQ(ra.features.values.size(), rb.features.values.size());
  for (std::size_t k = 0; k < ra.features.values.size(); ++k) {
    const float x = ra.features.values[k], y = rb.features.values[k];
    EXPECT_TRUE(x == y || (std::isnan(x) && std::isnan(y))) << "value " << k;
  }
}

// Customers re-buy 4 staples on fixed cycles (12, 18, 24 and 36 days per item), with random
// phases, and now and then buy a pair item then its partner two days later.
Dataset planted_shop(int customers, int days) {
  Dataset d = empty_shop(customers, 80);
  std::mt19937 rng(7);
  for (int c = 0; c < customers; ++c) {
    for (int cls = 0; cls < 4; ++cls) {
      const int period = std::array{12, 18, 24, 36}[cls];
      const auto item = static_cast<std::uint32_t>(4 * (rng() % 10) + cls);
      for (int t = static_cast<int>(rng() % period); t <= days; t += period)
        add(d, c, item, t + 0.3);
    }
    for (int k = 0; k < 3; ++k) {
      const auto pair = static_cast<std::uint32_t>(rng() % 20);
      const int t = static_cast<int>(rng() % days);
      add(d, c, 40 + pair, t + 0.5);
      if (t + 2 <= days) add(d, c, 60 + pair, t + 2.5);
    }
  }
  return d;
}

// Share of customers who bought at least one listed item in (from, to].
double hit_rate(const Dataset& d, const TopNResult& lists,
                const std::vector<std::uint32_t>& customers, std::int64_t from, std::int64_t to) {
  std::set<std::pair<std::uint32_t, std::uint32_t>> bought;
  for (std::int64_t r = 0; r < d.log.size(); ++r)
    if (d.log.time[r] > from && d.log.time[r] <= to) bought.insert({d.log.customer[r], d.log.item[r]});
  int hits = 0;
  for (std::size_t k = 0; k < customers.size(); ++k) {
    bool hit = false;
    for (auto j = lists.offsets[k]; j < lists.offsets[k + 1]; ++j)
      hit = hit || bought.count({customers[k], lists.items[j]}) > 0;
    hits += hit;
  }
  return static_cast<double>(hits) / static_cast<double>(customers.size());
}

TEST(Ranker, BeatsBuyAgainAndIalsOnAPlantedShop) {
  const int days = 300;
  const Dataset full = planted_shop(300, days + 7);
  const std::int64_t as_of = kEpoch + days * kDay;
  const RankerParams p = small_params();
  const Backend backend = cpu();
  const RankerModel m = fit_ranker(full, as_of, p, backend);
  EXPECT_GT(m.train_customers, 200);
  EXPECT_FALSE(m.importances.empty());
  const RankerSnapshot now(full, as_of, p.sources, backend);
  std::vector<std::uint32_t> customers(300);
  std::iota(customers.begin(), customers.end(), 0u);
  const int n = 1;
  const TopNResult ranked = ranker_lists(m, now, customers, nullptr, n);
  const std::vector<bool> all(static_cast<std::size_t>(now.past().log.size()), true);
  const TopNResult again = buy_again_lists(now.past(), all, customers, nullptr, n);
  // iALS alone: the ranker's own iALS source, trained on the same rows.
  RankerParams ials_only = p;
  ials_only.sources.counts = {0, n, 0, 0, 0};
  const RankerSnapshot ials_now(full, as_of, ials_only.sources, backend);
  CandidateRows ials_rows = ials_now.candidates(customers);
  TopNResult ials;
  ials.offsets = {0};
  for (std::size_t g = 0, r = 0; g < ials_rows.group_sizes.size(); ++g) {
    ials.items.push_back(ials_rows.items[r]);
    r += ials_rows.group_sizes[g];
    ials.offsets.push_back(static_cast<std::int64_t>(ials.items.size()));
  }
  const std::int64_t end = as_of + 7 * kDay;
  const double h_rank = hit_rate(full, ranked, customers, as_of, end);
  const double h_again = hit_rate(full, again, customers, as_of, end);
  const double h_ials = hit_rate(full, ials, customers, as_of, end);
  EXPECT_GT(h_rank, h_again + 0.1) << "buy-again " << h_again << ", ials " << h_ials;
  EXPECT_GT(h_rank, h_ials + 0.1) << "buy-again " << h_again << ", ials " << h_ials;
  // The timing features carry it: one of them is among the three most important.
  const std::set<std::string> timing = {"due_ratio", "days_since_last", "due_score"};
  ASSERT_GE(m.importances.size(), 3u);
  EXPECT_TRUE(timing.count(m.importances[0].first) || timing.count(m.importances[1].first) ||
              timing.count(m.importances[2].first));
  std::cout << "hit rate: ranker " << h_rank << ", buy-again " << h_again << ", ials " << h_ials
            << "\n";
}

TEST(Ranker, RowsAfterTheFitTimeDoNotChangeTheModel) {
  const int days = 200;
  Dataset d = planted_shop(120, days);
  const std::int64_t as_of = kEpoch + 150 * kDay;
  RankerParams p = small_params();
  p.booster.rounds = 15;
  const Backend backend = cpu();
  const std::string before = fit_ranker(d, as_of, p, backend).booster.to_json();
  // Every customer buys item 79 right after the fit time: a feature that saw it would change.
  Dataset later = d;
  for (std::uint32_t c = 0; c < 120; ++c) add(later, c, 79, 150.5);
  EXPECT_EQ(fit_ranker(later, as_of, p, backend).booster.to_json(), before);
  // The same rows before the fit time change it, so the check above can fail.
  Dataset earlier = d;
  for (std::uint32_t c = 0; c < 120; ++c) add(earlier, c, 79, 120.5);
  EXPECT_NE(fit_ranker(earlier, as_of, p, backend).booster.to_json(), before);
}

TEST(Ranker, TheModelFileKeepsItAndItsListsStayTheSame) {
  const Dataset d = planted_shop(80, 120);
  const std::int64_t as_of = kEpoch + 100 * kDay;
  RankerParams p = small_params();
  p.booster.rounds = 10;
  const Backend backend = cpu();
  const RankerModel m = fit_ranker(d, as_of, p, backend);
  testing::TempDir dir;
  Model file;
  file.customer_ids = d.customer_ids;
  file.item_ids = d.item_ids;
  file.params.factors = 2;
  file.customer_factors.assign(d.customer_ids.size() * 2, 0.0f);
  file.item_factors.assign(d.item_ids.size() * 2, 0.0f);
  file.ranker = to_model_part(m);
  save_model(dir / "m.h5", file);
  const Model back = load_model(dir / "m.h5");
  ASSERT_TRUE(back.ranker.has_value());
  EXPECT_EQ(back.ranker->as_of, as_of);
  const RankerModel again = from_model_part(*back.ranker, "m.h5", 2);
  EXPECT_EQ(ranker_params_json(again.params), ranker_params_json(m.params));
  const RankerSnapshot now(d, as_of, p.sources, backend);
  std::vector<std::uint32_t> customers(80);
  std::iota(customers.begin(), customers.end(), 0u);
  const TopNResult a = ranker_lists(m, now, customers, nullptr, 5);
  const TopNResult b = ranker_lists(again, now, customers, nullptr, 5);
  EXPECT_EQ(a.items, b.items);
  EXPECT_EQ(a.scores, b.scores);
  // Scoring in batches gives the same candidates and scores.
  const CandidateScores whole = score_candidates(m, now, customers);
  const CandidateScores parts = score_candidates(m, now, customers, 7);
  EXPECT_EQ(whole.customers, parts.customers);
  EXPECT_EQ(whole.offsets, parts.offsets);
  EXPECT_EQ(whole.items, parts.items);
  EXPECT_EQ(whole.scores, parts.scores);
  RankerPart stale = *back.ranker;
  stale.features.pop_back();
  EXPECT_THROW(from_model_part(stale, "m.h5", 1), InputError);
}

TEST(Ranker, ExcludedItemsAreNeverListed) {
  const Dataset d = planted_shop(60, 120);
  const std::int64_t as_of = kEpoch + 100 * kDay;
  RankerParams p = small_params();
  p.booster.rounds = 5;
  const Backend backend = cpu();
  const RankerModel m = fit_ranker(d, as_of, p, backend);
  const RankerSnapshot now(d, as_of, p.sources, backend);
  std::vector<std::uint32_t> customers(60);
  std::iota(customers.begin(), customers.end(), 0u);
  const Csr& seen = now.matrices().customer_items;  // every customer's past items
  const TopNResult lists = ranker_lists(m, now, customers, &seen, 10);
  std::int64_t listed = 0;
  for (std::size_t k = 0; k < customers.size(); ++k)
    for (auto j = lists.offsets[k]; j < lists.offsets[k + 1]; ++j, ++listed) {
      const auto* b = seen.indices.data() + seen.indptr[k];
      const auto* e = seen.indices.data() + seen.indptr[k + 1];
      EXPECT_FALSE(std::binary_search(b, e, lists.items[j])) << "customer " << k;
    }
  EXPECT_GT(listed, 0);
}

TEST(Ranker, EvaluateScoresItOnATimeSplitAndRefusesOtherSplits) {
  const Dataset d = planted_shop(150, 307);
  RankerParams p = small_params();
  p.booster.rounds = 20;
  EvaluateOptions o;
  o.split.kind = SplitKind::time;
  o.split.cutoff = kEpoch + 300 * kDay + 1;  // the ranker's as-of time is the cut's last second
  o.split.text = "time:day-300";
  o.protocol = Protocol::all_items;
  o.ks = {1, 3};
  o.train_ials = false;
  o.external.push_back(ranker_evaluation(d, p));
  const nlohmann::json r = evaluate(d, o, cpu());
  ASSERT_TRUE(r["models"].contains("ranker")) << r["models"].dump();
  EXPECT_GT(r["models"]["ranker"]["hit_rate@1"].get<double>(),
            r["models"]["buy_again"]["hit_rate@1"].get<double>() + 0.1);
  EXPECT_FALSE(r["item_models"]["ranker"]["importances"].empty());
  EXPECT_GT(r["item_models"]["ranker"]["fit_seconds"].get<double>(), 0.0);
  o.split = parse_split("random:0.2", 1);
  EXPECT_THROW(evaluate(d, o, cpu()), InputError);
}

TEST(Ranker, ParametersRoundTripAndAreChecked) {
  RankerParams p = small_params();
  p.booster.objective = "rank:pairwise";
  p.sources.itemknn.weighting = KnnWeighting::bm25;
  const RankerParams q = ranker_params_from_json(ranker_params_json(p), "m.h5");
  EXPECT_EQ(ranker_params_json(q), ranker_params_json(p));
  p.booster.objective = "reg:squarederror";
  EXPECT_THROW(validate_ranker_params(p, "cfg"), InputError);
  p = small_params();
  p.sources.counts = {0, 0, 0, 0, 0};
  try {
    validate_ranker_params(p, "cfg [ranker]");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no candidates"), std::string::npos) << e.what();
  }
}

TEST(Ranker, SweepPointsSetTheBoosterAndAreChecked) {
  const RankerParams p = apply_ranker_point(small_params(), {{"max_depth", 3.0}, {"train_windows", 2.0}});
  EXPECT_EQ(p.booster.max_depth, 3);
  EXPECT_EQ(p.train_windows, 2);
  EXPECT_THROW(apply_ranker_point(small_params(), {{"depth", 3.0}}), InputError);
  EXPECT_THROW(apply_ranker_point(small_params(), {{"max_depth", 0.0}}), InputError);
}

TEST(Ranker, RefusesDataWithoutTimes) {
  Dataset d = hand_shop();
  d.log.time.clear();
  EXPECT_THROW(fit_ranker(d, kEpoch, small_params(), cpu()), InputError);
}

}  // namespace
}  // namespace tailor
