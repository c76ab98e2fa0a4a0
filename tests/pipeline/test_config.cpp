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

// The campaign sections, one by one: each key lands where it belongs.
TEST(Config, CampaignSectionsAreReadEach) {
  const RunConfig c = parse_config(kMinimal + R"(
[campaign]
id = "x"
[recipe]
popular = 2
popular_fallback = "none"
[rules]
include_items = ["a", "b"]
blocklist = "block.csv"
price_max = 20.0
[tiers]
count = 4
purchase_event = "order"
[tier.none]
price_min = 1.0
[replenish]
min_item_intervals = 2
kappa = 0.5
due_from = 0.7
overdue_until = 2.0
bump_width = 0.2
[suppression]
complaint = "remove"
unsubscribe = "suppress"
[qa]
max_churn = 0.5
previous = "old.csv"
)",
                                   "nightly.toml");
  ASSERT_TRUE(c.campaign);
  const CampaignConfig& cc = *c.campaign;
  EXPECT_EQ(cc.recipe.count[static_cast<int>(Slot::popular)], 2);
  EXPECT_FALSE(cc.recipe.fallback[static_cast<int>(Slot::popular)]);
  EXPECT_EQ(cc.include_items, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(cc.blocklist, std::filesystem::path("block.csv"));
  EXPECT_EQ(cc.price_max, 20.0);
  EXPECT_EQ(cc.tiers.tiers, 4);
  EXPECT_TRUE(cc.tiers.names.empty());  // another count than 3 without names: tier1 .. tier4
  EXPECT_EQ(cc.tiers.purchase_event, "order");
  ASSERT_TRUE(cc.tier_rules.count("none"));
  EXPECT_FALSE(cc.tier_rules.at("none").recipe);  // no recipe key: the campaign's recipe
  EXPECT_EQ(cc.tier_rules.at("none").price_min, 1.0);
  EXPECT_EQ(cc.replenish.min_item_intervals, 2);
  EXPECT_DOUBLE_EQ(cc.replenish.kappa, 0.5);
  EXPECT_DOUBLE_EQ(cc.replenish.due_from, 0.7);
  EXPECT_DOUBLE_EQ(cc.replenish.overdue_until, 2.0);
  EXPECT_DOUBLE_EQ(cc.replenish.bump_width, 0.2);
  EXPECT_EQ(cc.negative_events.at("complaint"), NegativeAction::remove);
  EXPECT_EQ(cc.negative_events.at("unsubscribe"), NegativeAction::suppress);
  EXPECT_EQ(c.qa.max_churn, 0.5);
  EXPECT_EQ(c.qa_previous, std::filesystem::path("old.csv"));
}

TEST(Config, CampaignMistakesArePreciseErrors) {
  expect_error(kMinimal + "[recipe]\nmodel = 3\n",
               "[recipe] only applies to campaign runs; add a [campaign] section");
  const std::string campaign = kMinimal + "[campaign]\nid = \"x\"\n";
  expect_error(campaign + "[suppression]\nreturn = \"hide\"\n",
               "[suppression] return = \"hide\": the action must be \"remove\", \"demote\" or "
               "\"suppress\"");
  expect_error(campaign + "[suppression]\nreturn = 1\n", "[suppression] return must be a string");
  expect_error(campaign + "[recipe]\nmodel_fallback = \"later\"\n",
               "[recipe] model_fallback: unknown slot type \"later\"");
  expect_error(campaign + "[qa]\nmin_coverage = 2\n", "[qa] min_coverage = 2 must be a share");
  expect_error(campaign + "[discovery]\npool = 0\n", "[discovery]: pool = 0 must be >= 1");
}

TEST(Config, TifuKnnSectionIsReadAndChecked) {
  const RunConfig c = parse_config(kMinimal + R"(
[tifuknn]
group_size = 4
within_decay = 0.8
across_decay = 0.5
neighbours = 50
alpha = 0.9
basket_window_seconds = 3600
)",
                                   "nightly.toml");
  EXPECT_EQ(c.tifuknn.group_size, 4);
  EXPECT_DOUBLE_EQ(c.tifuknn.within_decay, 0.8);
  EXPECT_DOUBLE_EQ(c.tifuknn.across_decay, 0.5);
  EXPECT_EQ(c.tifuknn.neighbours, 50);
  EXPECT_DOUBLE_EQ(c.tifuknn.alpha, 0.9);
  EXPECT_EQ(c.tifuknn.basket_window, 3600);
  EXPECT_EQ(parse_config(kMinimal, "nightly.toml").tifuknn.group_size, TifuKnnParams{}.group_size);
  expect_error(kMinimal + "[tifuknn]\nalpha = 1.5\n",
               "nightly.toml: [tifuknn] alpha = 1.5 must be in [0, 1]");
  expect_error(kMinimal + "[tifuknn]\nneighbors = 5\n", "neighbors");
}

TEST(Config, RankerSectionIsReadAndChecked) {
  const RunConfig c = parse_config(kMinimal + R"(
[ranker]
repeat_candidates = 50
ials_candidates = 0
popular_window_days = 14
horizon = "14d"
train_windows = 2
objective = "rank:pairwise"
rounds = 30
max_depth = 3
learning_rate = 0.2
seed = 9
)",
                                   "nightly.toml");
  EXPECT_EQ(c.ranker.sources.counts.repeat, 50);
  EXPECT_EQ(c.ranker.sources.counts.ials, 0);
  EXPECT_EQ(c.ranker.sources.counts.tifuknn, CandidateCounts{}.tifuknn);
  EXPECT_EQ(c.ranker.sources.popular_window_days, 14);
  EXPECT_EQ(c.ranker.train_windows, 2);
  EXPECT_EQ(c.ranker.booster.objective, "rank:pairwise");
  EXPECT_EQ(c.ranker.booster.rounds, 30);
  EXPECT_EQ(c.ranker.booster.max_depth, 3);
  EXPECT_DOUBLE_EQ(c.ranker.booster.learning_rate, 0.2);
  EXPECT_EQ(c.ranker.booster.seed, 9u);
  // The label window: [ranker] horizon when given, else the caller's (the backtest's horizon).
  EXPECT_EQ(ranker_params(c, 30 * 86400).horizon_seconds, 14 * 86400);
  const RunConfig plain = parse_config(kMinimal, "nightly.toml");
  EXPECT_EQ(ranker_params(plain, 7 * 86400).horizon_seconds, 7 * 86400);
  // The sources take [model] and [tifuknn].
  EXPECT_EQ(ranker_params(plain, 86400).sources.ials.factors, plain.ials.factors);
  expect_error(kMinimal + "[ranker]\nmax_depth = 0\n",
               "nightly.toml: [ranker]: max_depth = 0: must be in 1..32");
  expect_error(kMinimal + "[ranker]\nobjective = \"reg:linear\"\n", "objective = reg:linear");
  expect_error(kMinimal + "[ranker]\nhorizon = \"soon\"\n", "[ranker] horizon");
  expect_error(kMinimal + "[ranker]\ncandidates = 5\n", "unknown key 'candidates' in [ranker]");
}

TEST(Config, SlotModelAndItemModelSectionsAreRead) {
  RunConfig d = parse_config(kMinimal + "[campaign]\nid = \"x\"\n", "c.toml");
  EXPECT_EQ(d.campaign->model, SlotModel::ials);
  EXPECT_EQ(d.itemknn.neighbours, ItemKnnParams{}.neighbours);
  EXPECT_EQ(d.ease_max_bytes, kDefaultEaseMaxBytes);
  RunConfig c = parse_config(kMinimal + R"(
[campaign]
id = "x"
model = "ease"
[itemknn]
neighbours = 50
shrinkage = 10
weighting = "bm25"
bm25_k1 = 1.5
bm25_b = 0.5
weighted_scores = true
[ease]
regularization = 250
weighted = true
max_memory_mb = 512
)",
                             "c.toml");
  EXPECT_EQ(c.campaign->model, SlotModel::ease);
  EXPECT_EQ(c.itemknn.neighbours, 50);
  EXPECT_FLOAT_EQ(c.itemknn.shrinkage, 10.0f);
  EXPECT_EQ(c.itemknn.weighting, KnnWeighting::bm25);
  EXPECT_FLOAT_EQ(c.itemknn.bm25_k1, 1.5f);
  EXPECT_FLOAT_EQ(c.itemknn.bm25_b, 0.5f);
  EXPECT_TRUE(c.itemknn.weighted_scores);
  EXPECT_DOUBLE_EQ(c.ease.regularization, 250.0);
  EXPECT_TRUE(c.ease.weighted);
  EXPECT_EQ(c.ease_max_bytes, std::size_t{512} << 20);
  const SlotModelParams p = slot_model_params(c);
  EXPECT_EQ(p.itemknn.neighbours, 50);
  EXPECT_EQ(p.ease_max_bytes, c.ease_max_bytes);
  // [itemknn] and [ease] also serve the backtest's lists: allowed without a campaign.
  EXPECT_EQ(parse_config(kMinimal + "[itemknn]\nneighbours = 5\n", "c.toml").itemknn.neighbours, 5);
}

TEST(Config, SlotModelMistakesArePreciseErrors) {
  const std::string campaign = kMinimal + "[campaign]\nid = \"x\"\n";
  expect_error(campaign + "model = \"bpr\"\n",
               "nightly.toml: [campaign] model = \"bpr\": the slot model must be \"ials\", "
               "\"itemknn\", \"ease\", \"tifuknn\" or \"ranker\"");
  expect_error(campaign + "model = 3\n", "[campaign] model must be a string");
  expect_error(kMinimal + "[itemknn]\nneighbours = 0\n",
               "nightly.toml: [itemknn] neighbours = 0: must be >= 1");
  expect_error(kMinimal + "[itemknn]\nshrinkage = -1\n", "[itemknn] shrinkage = -1: must be");
  expect_error(kMinimal + "[itemknn]\nbm25_b = 2\n", "[itemknn] bm25_b = 2: must be in [0, 1]");
  expect_error(kMinimal + "[itemknn]\nweighting = \"idf\"\n",
               "[itemknn] weighting = \"idf\": the weighting must be \"none\", \"tfidf\" or "
               "\"bm25\"");
  expect_error(kMinimal + "[itemknn]\nk = 5\n", "unknown key 'k' in [itemknn]");
  expect_error(kMinimal + "[ease]\nregularization = 0\n",
               "nightly.toml: [ease] regularization = 0: must be finite and > 0");
  expect_error(kMinimal + "[ease]\nmax_memory_mb = 0\n", "[ease] max_memory_mb = 0: must be > 0");
  expect_error(kMinimal + "[ease]\nweighted = 1\n", "[ease] weighted must be true or false");
}

TEST(Config, TheExampleConfigIsValid) {
  RunConfig c = load_config(std::filesystem::path(TAILOR_SOURCE_DIR) / "data/nightly.example.toml");
  EXPECT_EQ(c.ials.factors, 64);
  EXPECT_EQ(c.topn.n, 20);
  EXPECT_TRUE(c.model_path.has_value());
}

// ---- [output]: paths that would overwrite each other or the input, the night folder ----------

TEST(ConfigOutput, OverlappingPathsAreRefusedUpFront) {
  const std::string in = "[input]\npath = \"d/in.h5\"\n";
  expect_error(in + "[output]\npath = \"d/r.csv\"\njsonl = \"d/./r.csv\"\n",
               "two outputs write d/r.csv; give each its own path");
  expect_error(in + "[output]\npath = \"d/r.csv\"\nh5 = \"d/in.h5\"\n",
               "the output d/in.h5 is the input file; it would be overwritten");
  expect_error(in + "[model]\npath = \"d/in.h5\"\n[output]\npath = \"d/r.csv\"\n",
               "the output d/in.h5 is the input file");
  expect_error(in + "[output]\npath = \"d/r.csv\"\nmanifest = \"d/r.csv\"\n",
               "two outputs write d/r.csv");
}

TEST(ConfigOutput, ANightFolderHoldsEveryExportAndTheManifest) {
  const std::string in = "[input]\npath = \"in.h5\"\n[model]\npath = \"m/model.h5\"\n";
  const RunConfig c = parse_config(
      in + "[output]\nfolder = \"out/night\"\npath = \"out/night/r.csv\"\njsonl = "
           "\"out/night/r.jsonl\"\n",
      "c.toml");
  ASSERT_TRUE(c.output_folder.has_value());
  EXPECT_EQ(c.rejected_manifest, std::filesystem::path("out/night.rejected.json"));
  EXPECT_EQ(c.manifest, std::filesystem::path("out/night/r.csv.manifest.json"));
  expect_error(in + "[output]\nfolder = \"out/night\"\npath = \"out/night/r.csv\"\njsonl = "
                    "\"out/r.jsonl\"\n",
               "out/r.jsonl lies outside [output] folder = \"out/night\"");
  EXPECT_EQ(parse_config(kMinimal, "c.toml").rejected_manifest,
            std::filesystem::path("out/recs.csv.manifest.json.rejected.json"));
}

// ---- history models in [model] ---------------------------------------------------------------

TEST(ConfigHistoryModel, TakesItsParametersFromItsOwnSection) {
  const RunConfig c = parse_config(kMinimal + R"([model]
algorithm = "itemknn"
[itemknn]
neighbours = 7
)",
                                   "nightly.toml");
  EXPECT_EQ(c.algorithm, "itemknn");
  EXPECT_EQ(slot_model_params(c).itemknn.neighbours, 7);
  expect_error(kMinimal + "[model]\nalgorithm = \"ease\"\nfactors = 8\n",
               "[model] factors is a factor model's key; algorithm = \"ease\" does not take it");
  expect_error(kMinimal + "[model]\nalgorithm = \"tifuknn\"\nalpha = 2\n",
               "[model] alpha is an iALS key; algorithm = \"tifuknn\" does not take it");
  expect_error(kMinimal + "[model]\nalgorithm = \"ease\"\nepochs = 2\n",
               "[model] epochs is a BPR key");
}

TEST(ConfigHistoryModel, ACampaignFillsItsSlotsWithIt) {
  const std::string head = kMinimal + "[model]\nalgorithm = \"tifuknn\"\n[campaign]\nid = \"x\"\n";
  EXPECT_EQ(parse_config(head, "c.toml").campaign->model, SlotModel::tifuknn);
  EXPECT_EQ(parse_config(head + "model = \"ease\"\n", "c.toml").campaign->model, SlotModel::ease);
  expect_error(head + "model = \"ials\"\n",
               "the slot model \"ials\" takes the factors of [model], and algorithm = "
               "\"tifuknn\" has none: make the slot model \"tifuknn\"");
}

// ---- BPR in [model] ---------------------------------------------------------------------------

const std::string kBprHead = "[input]\npath = \"in.h5\"\n[output]\npath = \"r.csv\"\n[model]\n";

TEST(ConfigBpr, EveryBprKeyIsRead) {
  const RunConfig c = parse_config(kBprHead + R"(algorithm = "bpr"
factors = 32
regularization = 0.002
learning_rate = 0.05
epochs = 40
negatives = "popularity"
lr_schedule = "linear"
item_bias = false
bias_regularization = 0.5
seed = 9
)",
                                   "c.toml");
  EXPECT_EQ(c.algorithm, "bpr");
  EXPECT_EQ(c.bpr.factors, 32);
  EXPECT_FLOAT_EQ(c.bpr.regularization, 0.002f);
  EXPECT_FLOAT_EQ(c.bpr.learning_rate, 0.05f);
  EXPECT_EQ(c.bpr.epochs, 40);
  EXPECT_EQ(c.bpr.negatives, BprNegatives::popularity);
  EXPECT_EQ(c.bpr.schedule, LrSchedule::linear);
  EXPECT_FALSE(c.bpr.item_bias);
  EXPECT_FLOAT_EQ(c.bpr.bias_regularization, 0.5f);
  EXPECT_EQ(c.bpr.seed, 9u);
  EXPECT_EQ(c.ials.factors, IalsParams{}.factors);  // untouched
}

TEST(ConfigBpr, DefaultsAreBprsOwn) {
  const RunConfig c = parse_config(kBprHead + "algorithm = \"bpr\"\n", "c.toml");
  EXPECT_FLOAT_EQ(c.bpr.regularization, BprParams{}.regularization);
  EXPECT_TRUE(c.bpr.item_bias);
  EXPECT_EQ(parse_config(kMinimal, "c.toml").algorithm, "ials");
}

TEST(ConfigBpr, BadValuesAndOtherAlgorithmsKeysAreRefused) {
  expect_error(kBprHead + "algorithm = \"sgd\"\n",
               "[model] algorithm = \"sgd\": must be \"ials\", \"bpr\", \"itemknn\", \"ease\" "
               "or \"tifuknn\"");
  expect_error(kBprHead + "algorithm = \"bpr\"\nalpha = 5\n",
               "[model] alpha is an iALS key; algorithm = \"bpr\" does not take it");
  expect_error(kBprHead + "algorithm = \"bpr\"\niterations = 5\n", "[model] iterations is an iALS key");
  expect_error(kBprHead + "learning_rate = 0.1\n",
               "[model] learning_rate is a BPR (algorithm = \"bpr\") key; algorithm = \"ials\" "
               "does not take it");
  expect_error(kBprHead + "algorithm = \"bpr\"\nnegatives = \"hard\"\n",
               "[model] negatives = \"hard\": unknown negative sampling 'hard': use uniform or "
               "popularity");
  expect_error(kBprHead + "algorithm = \"bpr\"\nlr_schedule = \"cosine\"\n",
               "[model] lr_schedule = \"cosine\"");
  expect_error(kBprHead + "algorithm = \"bpr\"\nitem_bias = 1\n", "[model] item_bias must be true or false");
  expect_error(kBprHead + "algorithm = \"bpr\"\nbias_regularization = -1\n",
               "nightly.toml: [model]: bias_regularization = -1: must be finite and >= 0");
  expect_error(kBprHead + "algorithm = \"bpr\"\nlearning_rate = 0\n",
               "learning_rate = 0: must be finite and > 0");
  expect_error(kBprHead + "algorithm = \"bpr\"\nfactors = 1024\n",
               "factors = 1024 with item_bias: the bias takes one of the 1024 columns");
  EXPECT_NO_THROW((void)parse_config(
      kBprHead + "algorithm = \"bpr\"\nfactors = 1024\nitem_bias = false\n", "c.toml"));
}

}  // namespace
}  // namespace tailor
