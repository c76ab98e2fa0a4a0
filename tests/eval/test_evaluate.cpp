#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "host/core/error.hpp"
#include "host/eval/evaluate.hpp"
#include "host/eval/sweep.hpp"
#include "host/pipeline/config.hpp"
#include "host/train/model.hpp"
#include "host/train/train.hpp"
#include "test_util.hpp"
#include "tiny_shop.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;

// The shop of tests/eval/tiny_shop.hpp.
Dataset tiny() { return testing::tiny_shop(); }

EvaluateOptions options(Protocol protocol) {
  EvaluateOptions o;
  o.split = parse_split("time:1970-01-07", 1);  // day 6 = 1970-01-07 00:00 UTC
  o.protocol = protocol;
  o.ks = {1, 2};
  o.ials.factors = 2;
  o.ials.iterations = 2;
  return o;
}

TEST(Evaluate, NewProtocolOnAHandMadeShop) {
  nlohmann::json r = evaluate(tiny(), options(Protocol::new_items), Backend::cpu({1}));
  EXPECT_EQ(r["kind"], "evaluation");
  EXPECT_EQ(r["protocol"], "new");
  EXPECT_EQ(r["k"], nlohmann::json({1, 2}));
  // c0 (relevant {i2}) and c2 ({i3}); c1 only repeats, so it has nothing new: left out, counted.
  EXPECT_EQ(r["customers"]["evaluated"], 2);
  EXPECT_EQ(r["customers"]["without_relevant"], 1);
  const auto& pop = r["models"]["popularity"];
  // Popularity without the seen items: c0 -> [i2, i3] (hit at 1), c2 -> [i1, i2] (miss).
  EXPECT_DOUBLE_EQ(pop["precision@1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(pop["recall@1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(pop["hit_rate@2"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(pop["coverage@1"].get<double>(), 2.0 / 5.0);  // i2 and i1
  EXPECT_DOUBLE_EQ(pop["popularity@1"].get<double>(), (1.0 + 2.0) / 2.0);
  // Buy-again only has seen items, which the "new" protocol removes: empty lists, zero metrics.
  EXPECT_DOUBLE_EQ(r["models"]["buy_again"]["hit_rate@2"].get<double>(), 0.0);
  for (const char* m : {"ials", "popularity", "buy_again", "random"}) {
    ASSERT_TRUE(r["models"].contains(m)) << m;
    std::int64_t bucketed = 0;
    for (const auto& b : r["buckets"][m]) bucketed += b["customers"].get<std::int64_t>();
    EXPECT_EQ(bucketed, 2) << m;
    for (const auto& [key, value] : r["models"][m].items())
      if (!key.starts_with("popularity")) {
        EXPECT_GE(value.get<double>(), 0.0) << m << " " << key;
        EXPECT_LE(value.get<double>(), 1.0) << m << " " << key;
      }
  }
  EXPECT_EQ(r["epochs"].size(), 2u);
  EXPECT_TRUE(r["epochs"][0].contains("ndcg@2"));
}

TEST(Evaluate, AllProtocolCountsRepeats) {
  nlohmann::json r = evaluate(tiny(), options(Protocol::all_items), Backend::cpu({1}));
  EXPECT_EQ(r["customers"]["evaluated"], 3);  // c1's repeat now counts
  EXPECT_EQ(r["customers"]["without_relevant"], 0);
  // Popularity puts i0 first for everyone: c0 and c1 bought it again, c2 did not.
  EXPECT_DOUBLE_EQ(r["models"]["popularity"]["precision@1"].get<double>(), 2.0 / 3.0);
  // Buy-again by count, then recency: c0 -> [i1, i0] (i1 is more recent), c1 -> [i0, i2],
  // c2 -> [i0]. At 1: only c1 hits. At 2: c0 and c1 hit.
  EXPECT_DOUBLE_EQ(r["models"]["buy_again"]["hit_rate@1"].get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(r["models"]["buy_again"]["hit_rate@2"].get<double>(), 2.0 / 3.0);
}

TEST(Evaluate, NewProtocolListsNeverHoldSeenItems) {
  Dataset d;
  d.path = "random.h5";
  Csr m = testing::random_csr(60, 40, 12, 7);
  for (std::int64_t c = 0; c < m.rows; ++c) {
    d.customer_ids.push_back("c" + std::to_string(c));
    for (std::int64_t j = m.indptr[c]; j < m.indptr[c + 1]; ++j) {
      d.log.customer.push_back(static_cast<std::uint32_t>(c));
      d.log.item.push_back(m.indices[j]);
    }
  }
  for (std::int64_t i = 0; i < m.cols; ++i) d.item_ids.push_back("i" + std::to_string(i));
  Split split = make_split(d, parse_split("random:0.3", 5));
  Evaluation ev(d, split, Protocol::new_items, {5, 10}, Backend::cpu({2}));
  IalsParams p;
  p.factors = 4;
  const auto X = testing::random_factors(d.customers(), 4, 1), Y = testing::random_factors(d.items(), 4, 2);
  TopNResult lists = ev.model_lists(X, Y, p);
  ASSERT_EQ(lists.customers(), static_cast<std::int64_t>(ev.customers().size()));
  for (std::size_t r = 0; r < ev.customers().size(); ++r) {
    const auto c = ev.customers()[r];
    const Csr& h = ev.history();
    for (std::int64_t q = lists.offsets[r]; q < lists.offsets[r + 1]; ++q)
      EXPECT_FALSE(std::binary_search(h.indices.begin() + h.indptr[c], h.indices.begin() + h.indptr[c + 1],
                                      lists.items[q]))
          << "customer " << c << " got a seen item";
  }
}

TEST(Evaluate, CutoffsParse) {
  EXPECT_EQ(parse_ks("20,10,10"), (std::vector<int>{10, 20}));
  EXPECT_THROW(parse_ks("0"), InputError);
  EXPECT_THROW(parse_ks("10,x"), InputError);
  EXPECT_THROW(parse_ks("1001"), InputError);
  EXPECT_THROW(parse_protocol("repeat"), InputError);
  EXPECT_EQ(activity_bucket(0), "cold start");
  EXPECT_EQ(activity_bucket(4), "1-4");
  EXPECT_EQ(activity_bucket(50), "50+");
}

TEST(Evaluate, ProtocolNamesRoundTrip) {
  testing::expect_names_round_trip(kProtocolNames, parse_protocol,
                                   [](Protocol p) { return to_string(p); });
  EXPECT_EQ(testing::input_error_of([] { (void)parse_protocol("repeat"); }),
            "unknown protocol 'repeat': use new or all");
}

TEST(Evaluate, ColdStartNamesRoundTrip) {
  testing::expect_names_round_trip(kColdStartNames, parse_cold_start,
                                   [](ColdStart c) { return to_string(c); });
  EXPECT_EQ(testing::input_error_of([] { (void)parse_cold_start("model"); }),
            "unknown cold-start list 'model': use popularity or random");
}

// tiny() with a fifth customer, c4, who bought only after the cutoff (i0 on day 8, i4 on day 9):
// no history, so a cold-start customer. Under "new" both items are relevant; the popular list
// [i0, i1] hits at 1. With `rows` false, c4 is in the ids but has no rows at all.
Dataset tiny_with_cold_start(bool rows = true) {
  Dataset d = tiny();
  d.customer_ids.push_back("c4");
  if (rows)
    for (const auto& [item, day] : {std::pair{0u, 8}, {4u, 9}}) {
      d.log.customer.push_back(4);
      d.log.item.push_back(item);
      d.log.time.push_back(day * kDay);
    }
  return d;
}

// A model on the ids of tiny_with_cold_start: random factors, and for c4 the ~1e-10 noise the
// engine left before cold-start rows were set to 0 (its list must not depend on them).
Model given_model_for(const Dataset& d) {
  Model m;
  m.params.factors = 2;
  m.customer_ids = d.customer_ids;
  m.item_ids = d.item_ids;
  m.customer_factors = testing::random_factors(d.customers(), 2, 3);
  m.item_factors = testing::random_factors(d.items(), 2, 4);
  m.customer_factors[8] = 3e-10f;
  m.customer_factors[9] = -2e-10f;
  return m;
}

const nlohmann::json& bucket(const nlohmann::json& rows, const std::string& name) {
  for (const auto& b : rows)
    if (b["bucket"] == name) return b;
  static const nlohmann::json none;
  ADD_FAILURE() << "no bucket " << name << " in " << rows.dump();
  return none;
}

TEST(Evaluate, ColdStartCustomersGetThePopularListAndTheirOwnBucket) {
  const Dataset d = tiny_with_cold_start();
  const Model model = given_model_for(d);
  EvaluateOptions o = options(Protocol::new_items);
  o.model = &model;
  const nlohmann::json r = evaluate(d, o, Backend::cpu({1}));
  EXPECT_EQ(r["customers"]["evaluated"], 3);  // c0, c2 and c4
  EXPECT_EQ(r["customers"]["cold_start"], 1);
  EXPECT_EQ(r["cold_start"], "popularity");
  // c4's model list is the popular one: its bucket has the popularity baseline's figures.
  const nlohmann::json& cold = bucket(r["buckets"]["ials"], "cold start");
  EXPECT_EQ(cold["customers"], 1);
  EXPECT_DOUBLE_EQ(cold["precision@1"].get<double>(), 1.0);
  EXPECT_EQ(cold, bucket(r["buckets"]["popularity"], "cold start"));
  EXPECT_NE(format_evaluation(r).find("cold start: 1, given the popularity list"),
            std::string::npos)
      << format_evaluation(r);

  // The warm customers' figures are those of the same model on the data without c4's rows.
  const nlohmann::json warm = evaluate(tiny_with_cold_start(false), o, Backend::cpu({1}));
  EXPECT_EQ(warm["customers"]["cold_start"], 0);
  nlohmann::json warm_buckets = nlohmann::json::array();
  for (const auto& b : r["buckets"]["ials"])
    if (b["bucket"] != "cold start") warm_buckets.push_back(b);
  EXPECT_EQ(warm_buckets, warm["buckets"]["ials"]);
  for (const char* key : {"ndcg@2", "recall@1", "hit_rate@2"})
    EXPECT_NEAR(r["models"]["ials"][key].get<double>(),
                (2.0 * warm["models"]["ials"][key].get<double>() + cold[key].get<double>()) / 3.0,
                1e-12)
        << key;
}

TEST(Evaluate, ColdStartCustomersTrainToZeroFactorsAndCanGetRandomLists) {
  const Dataset d = tiny_with_cold_start();
  EvaluateOptions o = options(Protocol::all_items);
  const Split split = make_split(d, o.split);
  const Evaluation ev(d, split, o.protocol, o.ks, Backend::cpu({1}), ColdStart::random, 5);
  ASSERT_EQ(ev.cold_start_rows().size(), 1u);
  EXPECT_EQ(ev.customers()[ev.cold_start_rows()[0]], 4u);
  TrainOptions topts;
  topts.ials = o.ials;
  const TrainResult t = train_ials(ev.train(), topts, Backend::cpu({1}));
  for (int a = 0; a < o.ials.factors; ++a)
    EXPECT_EQ(t.customer_factors[static_cast<std::size_t>(4 * o.ials.factors + a)], 0.0f);
  // With the random cold-start list, c4's model list is the random baseline's list for c4.
  const TopNResult model = ev.model_lists(t.customer_factors, t.item_factors, o.ials);
  const TopNResult random = ev.baseline_lists("random", 5);
  const std::size_t row = ev.cold_start_rows()[0];
  const auto span = [row](const TopNResult& l) {
    return std::vector<std::uint32_t>(l.items.begin() + l.offsets[row],
                                      l.items.begin() + l.offsets[row + 1]);
  };
  EXPECT_EQ(span(model), span(random));

  o.cold_start = ColdStart::random;
  const nlohmann::json r = evaluate(d, o, Backend::cpu({1}));
  EXPECT_EQ(r["cold_start"], "random");
  EXPECT_EQ(bucket(r["buckets"]["ials"], "cold start"),
            bucket(r["buckets"]["random"], "cold start"));
}

int run(const std::string& args, const testing::TempDir& dir) {
  const std::string cmd = std::string(TAILOR_BINARY) + " " + args + " > " + (dir / "log.txt").string() + " 2>&1";
  int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(Evaluate, CommandLineEvaluateAndSweepOnTheSample) {
  testing::TempDir dir;
  const auto h5 = dir / "s.h5";
  ASSERT_EQ(run("import " + std::string(TAILOR_SOURCE_DIR) + "/data/online_retail_sample.csv.gz " +
                    h5.string() + " --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity",
                dir),
            0);
  ASSERT_EQ(run("evaluate --input " + h5.string() + " --split time:2011-11-01 --k 10,20 --factors 8 "
                "--iterations 3 --device cpu --json " + (dir / "e.json").string() + " --report " +
                (dir / "e.html").string(),
                dir),
            0);
  nlohmann::json e = nlohmann::json::parse(std::ifstream(dir / "e.json"));
  EXPECT_EQ(e["split"]["kind"], "time");
  EXPECT_EQ(e["protocol"], "new");
  for (const char* m : {"ials", "popularity", "buy_again", "random"}) {
    EXPECT_TRUE(e["models"][m].contains("recall@20")) << m;
    EXPECT_TRUE(e["models"][m].contains("ndcg@20")) << m;
  }
  EXPECT_GT(std::filesystem::file_size(dir / "e.html"), 1000u);

  ASSERT_EQ(run("sweep --input " + h5.string() + " --split time:2011-10-01 --k 10 --grid-factors 4,8 "
                "--grid-regularization 0.05 --grid-alpha 1,4 --grid-iterations 6 --patience 1 --device cpu "
                "--json " + (dir / "s.json").string() + " --best " + (dir / "best.toml").string(),
                dir),
            0);
  nlohmann::json s = nlohmann::json::parse(std::ifstream(dir / "s.json"));
  ASSERT_EQ(s["trials"].size(), 4u);
  for (std::size_t t = 1; t < s["trials"].size(); ++t)
    EXPECT_GE(s["trials"][t - 1]["score"].get<double>(), s["trials"][t]["score"].get<double>());
  for (const auto& t : s["trials"]) EXPECT_LE(t["epochs"].size(), 6u);
  RunConfig best = load_config(dir / "best.toml");
  EXPECT_EQ(best.ials.factors, s["best"]["params"]["factors"].get<int>());
  EXPECT_EQ(best.ials.iterations, s["best"]["best_epoch"].get<int>());
}

}  // namespace
}  // namespace tailor
