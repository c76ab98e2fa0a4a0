// The item-item models in an evaluation: their lists beside iALS and the baselines, the
// customers' profiles they are scored from, and `tailor evaluate --models`.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <random>
#include <nlohmann/json.hpp>
#include <set>

#include "host/eval/evaluate.hpp"
#include "host/eval/item_lists.hpp"
#include "host/train/tifuknn.hpp"
#include "test_util.hpp"
#include "tiny_shop.hpp"

namespace tailor {
namespace {

constexpr std::int64_t kDay = 86400;

// The shop of tests/eval/tiny_shop.hpp.
Dataset tiny() { return testing::tiny_shop(); }

// `rows` seeded rows over customers x items, with times and quantities (1..4).
Dataset random_dataset(std::uint32_t customers, std::uint32_t items, int rows,
                       std::uint64_t seed) {
  Dataset d;
  d.path = "random.h5";
  for (std::uint32_t c = 0; c < customers; ++c) d.customer_ids.push_back("c" + std::to_string(c));
  for (std::uint32_t i = 0; i < items; ++i) d.item_ids.push_back("i" + std::to_string(i));
  std::mt19937_64 rng(seed);
  for (int r = 0; r < rows; ++r) {
    d.log.customer.push_back(static_cast<std::uint32_t>(rng() % customers));
    d.log.item.push_back(static_cast<std::uint32_t>(rng() % (rng() % 2 ? items : 4)));
    d.log.time.push_back(static_cast<std::int64_t>(rng() % 100) * kDay);
    d.log.quantity.push_back(static_cast<float>(1 + rng() % 4));
  }
  return d;
}

EvaluateOptions options() {
  EvaluateOptions o;
  o.split = parse_split("time:1970-01-07", 1);
  o.ks = {1, 2};
  o.ials.factors = 2;
  o.ials.iterations = 2;
  o.item_models.itemknn = true;
  o.item_models.ease = true;
  o.item_models.ease_params.regularization = 1.0;
  return o;
}

TEST(ItemLists, TheItemModelsAppearBesideIalsAndTheBaselines) {
  const nlohmann::json r = evaluate(tiny(), options(), Backend::cpu({1}));
  for (const char* m : {"ials", "itemknn", "ease", "popularity", "buy_again", "random"}) {
    ASSERT_TRUE(r["models"].contains(m)) << m;
    ASSERT_TRUE(r["buckets"].contains(m)) << m;
    EXPECT_TRUE(r["models"][m].contains("ndcg@2")) << m;
  }
  // Binary cosine: sim(i0, i2) = 1 / sqrt 3 and sim(i0, i1) = 1 / sqrt 6, sim(i1, i2) = 0.
  // c0 (i0, i1; relevant i2) gets [i2]: a hit at 1. c2 (i0; relevant i3) gets [i2, i1]: none.
  const auto& knn = r["models"]["itemknn"];
  EXPECT_DOUBLE_EQ(knn["precision@1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(knn["hit_rate@2"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(knn["ndcg@1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(knn["coverage@2"].get<double>(), 2.0 / 5.0);  // i2 and i1
  EXPECT_EQ(r["item_models"]["itemknn"]["parameters"]["neighbours"], 20);
  EXPECT_EQ(r["item_models"]["itemknn"]["parameters"]["weighting"], "none");
  EXPECT_EQ(r["item_models"]["ease"]["parameters"]["lambda"], 1.0);
  EXPECT_TRUE(r["timings"].contains("item_models"));
  EXPECT_TRUE(r["parameters"].contains("factors"));  // iALS's, as before
  // The table lists them with the models, before the baselines.
  const std::string table = format_evaluation(r);
  const auto at = [&](const char* name) { return table.find(std::string("\n") + name + " "); };
  EXPECT_LT(at("ease"), at("popularity"));
  EXPECT_LT(at("itemknn"), at("popularity"));
  EXPECT_LT(at("ials"), at("popularity"));
}

TEST(ItemLists, WithoutIalsOnlyTheItemModelsAndBaselinesAreScored) {
  EvaluateOptions o = options();
  o.train_ials = false;
  const nlohmann::json r = evaluate(tiny(), o, Backend::cpu({1}));
  EXPECT_FALSE(r["models"].contains("ials"));
  EXPECT_TRUE(r["models"].contains("itemknn"));
  EXPECT_TRUE(r["models"].contains("ease"));
  EXPECT_TRUE(r["models"].contains("buy_again"));
  EXPECT_FALSE(r.contains("parameters"));
  EXPECT_TRUE(r["epochs"].empty());
}

TEST(ItemLists, WithoutItemModelsTheDocumentIsAsBefore) {
  EvaluateOptions o = options();
  o.item_models = {};
  const nlohmann::json r = evaluate(tiny(), o, Backend::cpu({1}));
  EXPECT_FALSE(r.contains("item_models"));
  EXPECT_FALSE(r["timings"].contains("item_models"));
  EXPECT_EQ(r["models"].size(), 4u);
}

// Each evaluated customer's profile is its non-test rows with the training weights, for every
// kind of split (customer splits included: held-out customers are scored from fold-in rows).
TEST(ItemLists, ProfilesAreTheNonTestRowsOfTheEvaluatedCustomers) {
  const Dataset d = random_dataset(40, 12, 300, 5);
  for (const char* spec : {"random:0.3", "customers:0.5", "last:1"}) {
    SCOPED_TRACE(spec);
    const Split split = make_split(d, parse_split(spec, 3));
    const Evaluation ev(d, split, Protocol::all_items, {5}, Backend::cpu({1}));
    const Csr profiles = evaluation_profiles(d, ev);
    ASSERT_EQ(profiles.rows, static_cast<std::int64_t>(ev.customers().size()));
    for (std::size_t r = 0; r < ev.customers().size(); ++r) {
      std::map<std::uint32_t, double> want;
      for (std::int64_t k = 0; k < d.log.size(); ++k)
        if (d.log.customer[k] == ev.customers()[r] && split.role[k] != Role::test)
          want[d.log.item[k]] += d.log.quantity.empty() ? 1.0 : d.log.quantity[k];
      std::map<std::uint32_t, double> got;
      for (std::int64_t k = profiles.indptr[r]; k < profiles.indptr[r + 1]; ++k)
        got[profiles.indices[k]] = profiles.data[k];
      ASSERT_EQ(got.size(), want.size()) << "customer " << ev.customers()[r];
      for (const auto& [item, w] : want) EXPECT_NEAR(got[item], w, 1e-4 * w);
    }
  }
}

TEST(ItemLists, ListsUnderTheNewProtocolHoldNoSeenItem) {
  const Dataset d = random_dataset(60, 15, 500, 9);
  const Split split = make_split(d, parse_split("random:0.3", 2));
  const Evaluation ev(d, split, Protocol::new_items, {10}, Backend::cpu({2}));
  ItemModelOptions o;
  o.itemknn = o.ease = true;
  o.ease_params.regularization = 5.0;
  std::map<std::string, TopNResult> lists;
  const nlohmann::json rec = evaluate_item_models(
      d, ev, true, o, [&](const std::string& name, const TopNResult& l) { lists[name] = l; });
  ASSERT_EQ(lists.size(), 2u);
  ASSERT_TRUE(rec.contains("itemknn") && rec.contains("ease"));
  const Csr profiles = evaluation_profiles(d, ev);
  for (const auto& [name, l] : lists) {
    ASSERT_EQ(l.customers(), profiles.rows) << name;
    for (std::int64_t r = 0; r < profiles.rows; ++r) {
      const std::set<std::uint32_t> seen(profiles.indices.begin() + profiles.indptr[r],
                                         profiles.indices.begin() + profiles.indptr[r + 1]);
      for (std::int64_t q = l.offsets[r]; q < l.offsets[r + 1]; ++q)
        EXPECT_EQ(seen.count(l.items[q]), 0u) << name << " customer " << r;
    }
  }
}

// TIFU-KNN in an evaluation: its lists are tifuknn_lists over the personal vectors of every
// customer's non-test rows, history excluded under "new"; cold-start customers get the popular
// list, as the factor model's do.
TEST(ItemLists, TifuKnnListsAreThoseOfItsOwnFunction) {
  const Dataset d = random_dataset(60, 15, 500, 11);
  const Split split = make_split(d, parse_split("customers:0.3", 4));
  for (const Protocol protocol : {Protocol::all_items, Protocol::new_items}) {
    const bool exclude = protocol == Protocol::new_items;
    const Evaluation ev(d, split, protocol, {5}, Backend::cpu({1}));
    ItemModelOptions o;
    o.tifuknn = true;
    o.tifu.neighbours = 5;
    o.tifu.group_size = 2;
    std::map<std::string, TopNResult> lists;
    const nlohmann::json rec = evaluate_item_models(
        d, ev, exclude, o, [&](const std::string& name, const TopNResult& l) { lists[name] = l; });
    ASSERT_EQ(lists.size(), 1u);
    EXPECT_EQ(rec["tifuknn"]["parameters"]["neighbours"], 5);
    std::vector<bool> history(split.role.size());
    for (std::size_t r = 0; r < history.size(); ++r) history[r] = split.role[r] != Role::test;
    const Csr personal = tifu_personal_vectors(d, history, o.tifu);
    const Csr seen = build_matrices(d, 1, &history).customer_items;
    const TopNResult want = ev.with_cold_start(
        tifuknn_lists(personal, ev.customers(), exclude ? &seen : nullptr, 5, o.tifu, 1));
    EXPECT_EQ(lists["tifuknn"].offsets, want.offsets);
    EXPECT_EQ(lists["tifuknn"].items, want.items);
  }
}

int run(const std::string& args, const testing::TempDir& dir) {
  const std::string cmd = std::string(TAILOR_BINARY) + " " + args + " > " +
                          (dir / "log.txt").string() + " 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ItemLists, CommandLineComparesTheItemModels) {
  testing::TempDir dir;
  const auto h5 = dir / "s.h5";
  ASSERT_EQ(run("import " + std::string(TAILOR_SOURCE_DIR) +
                    "/data/online_retail_sample.csv.gz " + h5.string() +
                    " --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity",
                dir),
            0);
  const std::string base = "evaluate --input " + h5.string() +
                           " --split time:2011-11-01 --k 10 --factors 8 --iterations 2 "
                           "--device cpu ";
  ASSERT_EQ(run(base + "--models ials,itemknn,ease --knn-neighbours 30 --knn-weighting bm25 "
                       "--ease-lambda 50 --json " + (dir / "e.json").string(),
                dir),
            0)
      << testing::read_file(dir / "log.txt");
  const nlohmann::json e = nlohmann::json::parse(std::ifstream(dir / "e.json"));
  for (const char* m : {"ials", "itemknn", "ease", "buy_again", "popularity"})
    EXPECT_TRUE(e["models"][m].contains("ndcg@10")) << m;
  EXPECT_EQ(e["item_models"]["itemknn"]["parameters"]["neighbours"], 30);
  EXPECT_EQ(e["item_models"]["itemknn"]["parameters"]["weighting"], "bm25");
  EXPECT_EQ(e["item_models"]["ease"]["parameters"]["lambda"], 50.0);

  ASSERT_EQ(run(base + "--models tifuknn --tifu-group-size 3 --tifu-alpha 0.5 --json " +
                    (dir / "t.json").string(),
                dir),
            0)
      << testing::read_file(dir / "log.txt");
  const nlohmann::json t = nlohmann::json::parse(std::ifstream(dir / "t.json"));
  EXPECT_TRUE(t["models"]["tifuknn"].contains("ndcg@10"));
  EXPECT_EQ(t["item_models"]["tifuknn"]["parameters"]["group_size"], 3);
  EXPECT_EQ(t["item_models"]["tifuknn"]["parameters"]["alpha"], 0.5);
  EXPECT_EQ(run(base + "--tifu-alpha 0.5", dir), 2);
  EXPECT_NE(testing::read_file(dir / "log.txt").find("--tifu-* flags need tifuknn in --models"),
            std::string::npos);

  EXPECT_EQ(run(base + "--models ials,knn", dir), 2);
  EXPECT_NE(testing::read_file(dir / "log.txt")
                .find("--models 'ials,knn': unknown model 'knn': use ials, bpr, itemknn, ease, tifuknn or ranker"),
            std::string::npos);
  EXPECT_EQ(run(base + "--knn-neighbours 5", dir), 2);
  EXPECT_NE(testing::read_file(dir / "log.txt").find("--knn-* flags need itemknn in --models"),
            std::string::npos);
  EXPECT_EQ(run(base + "--models ease --ease-max-memory 1KiB", dir), 2);
  EXPECT_NE(testing::read_file(dir / "log.txt").find("the limit is 1.00 KiB (--ease-max-memory)"),
            std::string::npos)
      << testing::read_file(dir / "log.txt");
  EXPECT_EQ(run(base + "--models itemknn --knn-neighbours 0", dir), 2);
  EXPECT_NE(testing::read_file(dir / "log.txt")
                .find("evaluate: item kNN neighbours = 0: must be >= 1"),
            std::string::npos);
}

}  // namespace
}  // namespace tailor
