// The nightly job through the real `tailor` binary: import -> run -> export -> manifest.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "host/core/fingerprint.hpp"
#include "host/data/dataset.hpp"
#include "host/train/model.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

const std::filesystem::path kSource = TAILOR_SOURCE_DIR;
const std::string kTailor = TAILOR_BINARY;

struct Result {
  int exit_code = -1;
  std::string log;  // stderr and stdout
};

Result run_tailor(const std::string& args, const testing::TempDir& dir) {
  const auto log = dir / "log.txt";
  const std::string cmd = kTailor + " " + args + " > " + log.string() + " 2>&1";
  int status = std::system(cmd.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  r.log = ss.str();
  return r;
}

// RFC 4180 rows of a whole file (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') field += s[++i];
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      rows.back().push_back(std::move(field));
      field.clear();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

using testing::write_text;

std::string config(const testing::TempDir& dir, const std::filesystem::path& input, int n,
                   const std::string& extra = "") {
  return "[input]\npath = \"" + input.string() + "\"\n[model]\npath = \"" +
         (dir / "model.h5").string() +
         "\"\nfactors = 16\niterations = 4\n[run]\ndevice = \"cpu\"\nthreads = 2\n[recommend]\nn = " +
         std::to_string(n) + "\n" + extra + "[output]\npath = \"" + (dir / "recs.csv").string() +
         "\"\n";
}

// Imports `csv` into `h5` with the import's column flags `columns`, then runs the nightly job
// on it with lists of n (config()). Both must exit 0; *run_out receives the run's output.
void import_and_run(const testing::TempDir& dir, const std::filesystem::path& csv,
                    const std::filesystem::path& h5, const std::string& columns, int n,
                    Result* run_out = nullptr) {
  const Result imp = run_tailor("import " + csv.string() + " " + h5.string() + " " + columns, dir);
  ASSERT_EQ(imp.exit_code, 0) << imp.log;
  write_text(dir / "nightly.toml", config(dir, h5, n));
  const Result run = run_tailor("run " + (dir / "nightly.toml").string(), dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  if (run_out) *run_out = run;
}

// Every customer with history gets min(n, eligible) distinct items, ranked 1.., none already
// bought, scores non-increasing; customers without history get nothing.
void check_export(const std::filesystem::path& h5, const std::filesystem::path& csv, int n,
                  std::int64_t* short_lists_out = nullptr) {
  Dataset data = load_dataset(h5, LoadOptions{});
  std::map<std::string, std::set<std::string>> bought;
  for (std::int64_t r = 0; r < data.log.size(); ++r)
    bought[data.customer_ids[data.log.customer[r]]].insert(data.item_ids[data.log.item[r]]);
  const auto rows = read_csv(csv);
  ASSERT_FALSE(rows.empty());
  ASSERT_EQ(rows[0], (std::vector<std::string>{"customer_id", "rank", "item_id", "score"}));
  std::map<std::string, std::vector<std::pair<std::string, double>>> lists;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), 4u) << "row " << r;
    auto& list = lists[rows[r][0]];
    ASSERT_EQ(std::stoi(rows[r][1]), static_cast<int>(list.size()) + 1) << "rank, row " << r;
    list.emplace_back(rows[r][2], std::stod(rows[r][3]));
  }
  const auto items = static_cast<std::int64_t>(data.item_ids.size());
  std::int64_t short_lists = 0;
  for (const auto& [customer, have] : bought) {
    SCOPED_TRACE("customer " + customer);
    auto it = lists.find(customer);
    ASSERT_NE(it, lists.end()) << "customer with history has no list";
    const auto eligible = items - static_cast<std::int64_t>(have.size());
    EXPECT_EQ(static_cast<std::int64_t>(it->second.size()), std::min<std::int64_t>(n, eligible));
    short_lists += eligible < n;
    std::set<std::string> seen_in_list;
    for (std::size_t j = 0; j < it->second.size(); ++j) {
      const auto& [item, score] = it->second[j];
      EXPECT_TRUE(seen_in_list.insert(item).second) << "duplicate item " << item;
      EXPECT_EQ(have.count(item), 0u) << "already bought: " << item;
      if (j > 0) EXPECT_LE(score, it->second[j - 1].second);
    }
  }
  EXPECT_EQ(lists.size(), bought.size()) << "lists for customers without history";
  if (short_lists_out) *short_lists_out = short_lists;
}

TEST(EndToEnd, NightlyJobOnTheBundledSample) {
  testing::TempDir dir;
  const auto h5 = dir / "sample.h5";
  Result run;
  ASSERT_NO_FATAL_FAILURE(import_and_run(dir, kSource / "data/online_retail_sample.csv.gz", h5,
                                         "--customer CustomerID --item StockCode --time "
                                         "InvoiceDate --quantity Quantity --price UnitPrice",
                                         20, &run));
  EXPECT_NE(run.log.find("objective"), std::string::npos) << "objective is reported per epoch";
  std::int64_t short_lists = 0;
  check_export(h5, dir / "recs.csv", 20, &short_lists);

  std::ifstream mf(dir / "recs.csv.manifest.json");
  ASSERT_TRUE(mf.good()) << "manifest missing";
  nlohmann::json m = nlohmann::json::parse(mf);
  EXPECT_EQ(m["status"], "ok");
  EXPECT_EQ(m["recommendations"]["short_lists"].get<std::int64_t>(), short_lists);
  EXPECT_EQ(m["outputs"][0]["rows"].get<std::int64_t>(),
            static_cast<std::int64_t>(read_csv(dir / "recs.csv").size()) - 1);
  EXPECT_EQ(m["training"]["epochs"].size(), 4u);
  EXPECT_EQ(m["inputs"][0]["fingerprint"].get<std::string>().size(), 16u);
  for (const char* stage : {"load", "train", "recommend", "export"})
    EXPECT_TRUE(m["timings"].contains(stage)) << stage;
  EXPECT_TRUE(std::filesystem::exists(dir / "model.h5"));

  // train + recommend as separate commands, with a long list so that short lists occur.
  Result rec = run_tailor("recommend --input " + h5.string() + " --model " +
                              (dir / "model.h5").string() + " -n 1000 --device cpu --output " +
                              (dir / "long.csv").string(),
                          dir);
  ASSERT_EQ(rec.exit_code, 0) << rec.log;
  check_export(h5, dir / "long.csv", 1000);

  // A BPR model goes through the same recommend path.
  Result bpr = run_tailor("train --algorithm bpr --epochs 3 --factors 8 --device cpu --input " +
                              h5.string() + " --model " + (dir / "bpr.h5").string(),
                          dir);
  ASSERT_EQ(bpr.exit_code, 0) << bpr.log;
  Result bpr_rec = run_tailor("recommend --input " + h5.string() + " --model " +
                                  (dir / "bpr.h5").string() + " -n 20 --device cpu --output " +
                                  (dir / "bpr.csv").string(),
                              dir);
  ASSERT_EQ(bpr_rec.exit_code, 0) << bpr_rec.log;
  check_export(h5, dir / "bpr.csv", 20);
  Result wrong = run_tailor("train --algorithm bpr --alpha 3 --input " + h5.string() + " --model " +
                                (dir / "x.h5").string(),
                            dir);
  EXPECT_EQ(wrong.exit_code, 2) << wrong.log;
}

TEST(EndToEnd, IdsRoundTripFromCsvToExport) {
  testing::TempDir dir;
  // Ids with commas, quotes, spaces and UTF-8; every customer buys every item except one.
  const std::vector<std::string> customers = {"C,1", "\"quoted\" 2", "Zoë 3", "4"};
  const std::vector<std::string> items = {"SKU,A", "B \"b\"", "ü-C", "D", "E"};
  std::string csv = "customer,item,qty\n";
  auto q = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  };
  for (std::size_t c = 0; c < customers.size(); ++c)
    for (std::size_t i = 0; i < items.size(); ++i)
      if (i != c) csv += q(customers[c]) + "," + q(items[i]) + ",1\n";
  write_text(dir / "in.csv", csv);
  const auto h5 = dir / "in.h5";
  ASSERT_NO_FATAL_FAILURE(
      import_and_run(dir, dir / "in.csv", h5, "--customer customer --item item --quantity qty", 3));
  const auto rows = read_csv(dir / "recs.csv");
  ASSERT_EQ(rows.size(), 1 + customers.size());  // one eligible item each: customer c lacks item c
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto c = std::find(customers.begin(), customers.end(), rows[r][0]) - customers.begin();
    ASSERT_LT(c, static_cast<std::ptrdiff_t>(customers.size())) << "unknown id " << rows[r][0];
    EXPECT_EQ(rows[r][2], items[static_cast<std::size_t>(c)]);
  }
  check_export(h5, dir / "recs.csv", 3);
}

TEST(EndToEnd, FailuresExitNonZeroAndPublishNothing) {
  testing::TempDir dir;
  Result missing = run_tailor("train --input " + (dir / "nope.h5").string() + " --model " +
                                  (dir / "m.h5").string(),
                              dir);
  EXPECT_EQ(missing.exit_code, 2) << missing.log;
  EXPECT_NE(missing.log.find("nope.h5: no such file"), std::string::npos) << missing.log;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));

  write_text(dir / "bad.toml", "[input]\npath = \"x.h5\"\n[output]\npath = \"r.csv\"\n[model]\nfactors = 0\n");
  Result bad = run_tailor("run " + (dir / "bad.toml").string(), dir);
  EXPECT_EQ(bad.exit_code, 2) << bad.log;
  EXPECT_NE(bad.log.find("factors = 0"), std::string::npos) << bad.log;

  // A run whose export folder does not exist is refused before it loads or trains anything.
  const auto h5 = dir / "s.h5";
  ASSERT_EQ(run_tailor("import " + (kSource / "data/online_retail_sample.csv.gz").string() + " " +
                           h5.string() + " --customer CustomerID --item StockCode",
                       dir)
                .exit_code,
            0);
  std::string cfg = config(dir, h5, 5);
  const std::string good_out = (dir / "recs.csv").string();
  cfg.replace(cfg.find(good_out), good_out.size(), (dir / "missing" / "recs.csv").string());
  write_text(dir / "c.toml", cfg);
  Result fail = run_tailor("run " + (dir / "c.toml").string(), dir);
  EXPECT_EQ(fail.exit_code, 2) << fail.log;
  EXPECT_NE(fail.log.find("missing does not exist"), std::string::npos) << fail.log;
  EXPECT_EQ(fail.log.find("train:"), std::string::npos) << fail.log;
  EXPECT_FALSE(std::filesystem::exists(dir / "missing"));
  EXPECT_FALSE(std::filesystem::exists(dir / "recs.csv.manifest.json"));

  Result too_many = run_tailor("train --input " + h5.string() + " --model " +
                                   (dir / "m.h5").string() + " --factors 2048",
                               dir);
  EXPECT_EQ(too_many.exit_code, 2) << too_many.log;
  EXPECT_NE(too_many.log.find("1..1024"), std::string::npos) << too_many.log;
}

// --device cuda where no CUDA device can run is bad input: exit 2, the reason, no model; auto
// falls back to the CPU with one log line saying why, and trains.
TEST(EndToEnd, DeviceChoiceWithoutAGpu) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is usable here";
  testing::TempDir dir;
  const auto h5 = dir / "sample.h5";
  ASSERT_EQ(run_tailor("import " + (kSource / "data/online_retail_sample.csv.gz").string() + " " +
                           h5.string() + " --customer CustomerID --item StockCode",
                       dir)
                .exit_code,
            0);
  const std::string train = "train --iterations 1 --factors 4 --input " + h5.string() +
                            " --model " + (dir / "m.h5").string();
  const Result cuda = run_tailor(train + " --device cuda", dir);
  EXPECT_EQ(cuda.exit_code, 2) << cuda.log;
  EXPECT_NE(cuda.log.find("--device cuda: "), std::string::npos) << cuda.log;
  EXPECT_FALSE(std::filesystem::exists(dir / "m.h5"));
  const Result second = run_tailor(train + " --device cuda:7", dir);
  EXPECT_EQ(second.exit_code, 2) << second.log;
  const Result bad = run_tailor(train + " --device tpu", dir);
  EXPECT_EQ(bad.exit_code, 2) << bad.log;
  EXPECT_NE(bad.log.find("unknown device 'tpu'"), std::string::npos) << bad.log;

  const Result automatic = run_tailor(train + " --device auto", dir);
  EXPECT_EQ(automatic.exit_code, 0) << automatic.log;
  EXPECT_NE(automatic.log.find("device: CPU ("), std::string::npos) << automatic.log;
  EXPECT_TRUE(std::filesystem::exists(dir / "m.h5"));
}

}  // namespace
}  // namespace tailor

namespace tailor {
namespace {

// The campaign job on the bundled sample with its items file: every rule visible in the export
// holds, the manifest counts opted-out customers and lists all three exports, and a bad night
// is refused without touching the published files.
TEST(EndToEndCampaign, BundledSampleRulesExportsAndQaGate) {
  testing::TempDir dir;
  const auto h5 = dir / "sample.h5";
  const std::string import_args =
      "import " + (kSource / "data/online_retail_sample.csv.gz").string() + " " + h5.string() +
      " --customer CustomerID --item StockCode --time InvoiceDate --quantity Quantity --price "
      "UnitPrice --items " + (kSource / "data/online_retail_items.csv.gz").string() +
      " --items-id StockCode --items-name name --items-category category --items-price price";
  ASSERT_EQ(run_tailor(import_args, dir).exit_code, 0);
  // Opt out the first three customers through a customers file.
  const Dataset first = load_dataset(h5, LoadOptions{});
  ASSERT_GT(first.customers(), 10);
  write_text(dir / "customers.csv", "id,opt_out\n" + first.customer_ids[0] + ",yes\n" +
                                        first.customer_ids[1] + ",1\n" + first.customer_ids[2] +
                                        ",true\n" + first.customer_ids[3] + ",no\n");
  Result imp = run_tailor(import_args + " --customers " + (dir / "customers.csv").string() +
                              " --customers-id id --customers-opt-out opt_out",
                          dir);
  ASSERT_EQ(imp.exit_code, 0) << imp.log;
  const Dataset data = load_dataset(h5, LoadOptions{});
  ASSERT_TRUE(data.item_meta.has_category());

  const std::string campaign = R"(
[campaign]
id = "test-week"
control_fraction = 0.2
[recipe]
repeat = 2
discovery = 1
model = 5
[rules]
max_per_category = 3
)";
  auto config_text = [&](const std::string& extra) {
    return "[input]\npath = \"" + h5.string() +
           "\"\n[model]\nfactors = 16\niterations = 4\n[run]\ndevice = \"cpu\"\nthreads = 2\n" +
           campaign + extra + "[output]\npath = \"" + (dir / "c.csv").string() + "\"\njsonl = \"" +
           (dir / "c.jsonl").string() + "\"\nh5 = \"" + (dir / "c.h5").string() + "\"\n";
  };
  write_text(dir / "good.toml", config_text("[qa]\nmax_empty_share = 0.05\nmin_coverage = 0.01\n"));
  Result run = run_tailor("run " + (dir / "good.toml").string(), dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;

  std::map<std::string, std::uint32_t> customer_index, item_index;
  for (std::size_t k = 0; k < data.customer_ids.size(); ++k) customer_index[data.customer_ids[k]] = static_cast<std::uint32_t>(k);
  for (std::size_t k = 0; k < data.item_ids.size(); ++k) item_index[data.item_ids[k]] = static_cast<std::uint32_t>(k);
  std::map<std::uint32_t, std::set<std::uint32_t>> bought, bought_categories;
  for (std::int64_t r = 0; r < data.log.size(); ++r) {
    bought[data.log.customer[r]].insert(data.log.item[r]);
    bought_categories[data.log.customer[r]].insert(data.item_meta.category[data.log.item[r]]);
  }
  const auto rows = read_csv(dir / "c.csv");
  ASSERT_EQ(rows[0], (std::vector<std::string>{"customer_id", "rank", "item_id", "score", "slot",
                                               "reason", "tier", "group"}));
  std::map<std::string, std::vector<std::vector<std::string>>> lists;
  for (std::size_t r = 1; r < rows.size(); ++r) lists[rows[r][0]].push_back(rows[r]);
  std::set<std::string> groups;
  for (const auto& [customer, list] : lists) {
    SCOPED_TRACE(customer);
    const std::uint32_t c = customer_index.at(customer);
    EXPECT_FALSE(data.customer_meta.opted_out(c)) << "opted-out customer listed";
    EXPECT_LE(list.size(), 8u);
    std::set<std::string> items;
    std::map<std::uint32_t, int> per_category;
    for (std::size_t j = 0; j < list.size(); ++j) {
      const auto& row = list[j];
      EXPECT_EQ(std::stoi(row[1]), static_cast<int>(j) + 1);
      EXPECT_TRUE(items.insert(row[2]).second) << "item twice";
      const std::uint32_t i = item_index.at(row[2]);
      const std::uint32_t cat = data.item_meta.category[i];
      if (cat != kNoCategory) EXPECT_LE(++per_category[cat], 3);
      const bool has = bought[c].count(i) > 0;
      if (row[4] == "repeat") {
        EXPECT_TRUE(has);
        EXPECT_EQ(row[5].rfind("due ", 0), 0u) << row[5];
      } else {
        EXPECT_FALSE(has) << "bought item in slot " << row[4];
      }
      if (row[4] == "discovery") {
        EXPECT_FALSE(bought_categories[c].count(cat)) << "discovery from a bought category";
        EXPECT_EQ(row[5], "new category: " + data.item_meta.category_names[cat]);
      }
      if (row[4] == "model") EXPECT_EQ(row[5].rfind("because you bought ", 0), 0u) << row[5];
      EXPECT_TRUE(row[6] == "high" || row[6] == "mid" || row[6] == "low" || row[6] == "none");
      groups.insert(row[7]);
    }
  }
  EXPECT_EQ(groups, (std::set<std::string>{"control", "treatment"}));
  std::ifstream mf(dir / "c.csv.manifest.json");
  const nlohmann::json m = nlohmann::json::parse(mf);
  EXPECT_EQ(m["status"], "ok");
  EXPECT_EQ(m["campaign"]["opted_out"], 3);
  EXPECT_EQ(m["campaign"]["lists"].get<std::int64_t>(), data.customers() - 3);
  EXPECT_TRUE(m["qa"]["passed"].get<bool>());
  ASSERT_EQ(m["outputs"].size(), 3u);
  EXPECT_EQ(m["outputs"][1]["format"], "jsonl");
  EXPECT_EQ(m["outputs"][2]["format"], "hdf5");
  std::ifstream jl(dir / "c.jsonl");
  std::int64_t lines = 0;
  for (std::string line; std::getline(jl, line);) lines += !line.empty();
  EXPECT_EQ(lines, data.customers() - 3);

  // A planted bad night: only one item may be offered, so lists are short and everything
  // churns against last night's export (the JSON lines file, read by default). Refused, nothing
  // published: the earlier exports and manifest stay byte for byte.
  const std::string before_csv = testing::read_file(dir / "c.csv");
  const std::string before_jsonl = testing::read_file(dir / "c.jsonl");
  const std::string before_h5 = testing::read_file(dir / "c.h5");
  const std::string before_manifest = testing::read_file(dir / "c.csv.manifest.json");
  write_text(dir / "bad.toml", config_text("[qa]\nmax_short_share = 0.5\nmax_churn = 0.5\n"));
  std::string bad = testing::read_file(dir / "bad.toml");
  bad.replace(bad.find("max_per_category = 3"), 20,
              "max_per_category = 3\ninclude_items = [\"" + data.item_ids[0] + "\"]");
  write_text(dir / "bad.toml", bad);
  Result refused = run_tailor("run " + (dir / "bad.toml").string(), dir);
  EXPECT_EQ(refused.exit_code, 1) << refused.log;
  EXPECT_NE(refused.log.find("QA gates failed, nothing was published"), std::string::npos)
      << refused.log;
  EXPECT_NE(refused.log.find("(max_short_share)"), std::string::npos) << refused.log;
  EXPECT_NE(refused.log.find("(max_churn)"), std::string::npos) << refused.log;
  EXPECT_EQ(testing::read_file(dir / "c.csv"), before_csv);
  EXPECT_EQ(testing::read_file(dir / "c.jsonl"), before_jsonl);
  EXPECT_EQ(testing::read_file(dir / "c.h5"), before_h5);
  EXPECT_EQ(testing::read_file(dir / "c.csv.manifest.json"), before_manifest);
  EXPECT_TRUE(std::filesystem::exists(dir / "c.csv.manifest.json.rejected.json"));
  EXPECT_EQ(testing::hidden_files(dir.path()), 0) << "temporary files left behind";
}

// A campaign whose model slots come from item kNN: no iALS model is trained unless [model]
// path asks for the file; the manifest names the slot model; --slot-model overrides the config.
TEST(EndToEndCampaign, HistorySlotModelSkipsIalsTraining) {
  testing::TempDir dir;
  const auto h5 = dir / "sample.h5";
  ASSERT_EQ(run_tailor("import " + (kSource / "data/online_retail_sample.csv.gz").string() + " " +
                           h5.string() +
                           " --customer CustomerID --item StockCode --time InvoiceDate "
                           "--quantity Quantity --price UnitPrice --items " +
                           (kSource / "data/online_retail_items.csv.gz").string() +
                           " --items-id StockCode --items-name name --items-category category "
                           "--items-price price",
                       dir)
                .exit_code,
            0);
  auto config = [&](const std::string& model_section) {
    return "[input]\npath = \"" + h5.string() + "\"\n" + model_section +
           "[run]\ndevice = \"cpu\"\nthreads = 2\n[campaign]\nid = \"w\"\nmodel = \"itemknn\"\n"
           "[recipe]\nrepeat = 1\nmodel = 4\n[itemknn]\nneighbours = 30\n[output]\npath = \"" +
           (dir / "c.csv").string() + "\"\n";
  };
  write_text(dir / "knn.toml", config(""));
  const Result run = run_tailor("run " + (dir / "knn.toml").string(), dir);
  ASSERT_EQ(run.exit_code, 0) << run.log;
  std::ifstream mf(dir / "c.csv.manifest.json");
  const nlohmann::json m = nlohmann::json::parse(mf);
  EXPECT_EQ(m["slot_model"]["name"], "itemknn");
  EXPECT_EQ(m["slot_model"]["parameters"]["neighbours"], 30);
  EXPECT_FALSE(m.contains("training")) << "iALS was trained";
  int model_items = 0;
  for (const auto& row : read_csv(dir / "c.csv"))
    if (row[4] == "model") {
      ++model_items;
      EXPECT_EQ(row[5].rfind("because you bought ", 0), 0u) << row[5];
    }
  EXPECT_GT(model_items, 0);

  // A model file asked for: iALS is trained and saved as before.
  write_text(dir / "saved.toml",
             config("[model]\npath = \"" + (dir / "m.h5").string() + "\"\nfactors = 8\n"
                    "iterations = 2\n"));
  ASSERT_EQ(run_tailor("run " + (dir / "saved.toml").string(), dir).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "m.h5"));

  const Result bad = run_tailor("run " + (dir / "knn.toml").string() + " --slot-model bpr", dir);
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.log.find("run: --slot-model: unknown slot model \"bpr\"; slot models are ials, "
                         "itemknn, ease, tifuknn"),
            std::string::npos)
      << bad.log;
  const Result tifu = run_tailor("run " + (dir / "knn.toml").string() + " --slot-model tifuknn", dir);
  ASSERT_EQ(tifu.exit_code, 0) << tifu.log;
  std::ifstream tf(dir / "c.csv.manifest.json");
  EXPECT_EQ(nlohmann::json::parse(tf)["slot_model"]["name"], "tifuknn");

  // The ranker as the slot model: fitted as of the campaign date and kept in the model file.
  const Result ranked =
      run_tailor("run " + (dir / "saved.toml").string() + " --slot-model ranker", dir);
  ASSERT_EQ(ranked.exit_code, 0) << ranked.log;
  std::ifstream rf(dir / "c.csv.manifest.json");
  const nlohmann::json rm = nlohmann::json::parse(rf);
  EXPECT_EQ(rm["slot_model"]["name"], "ranker");
  EXPECT_FALSE(rm["ranker"]["importances"].empty());
  EXPECT_GT(rm["ranker"]["train_positives"].get<std::int64_t>(), 0);
  const Model saved = load_model(dir / "m.h5");
  ASSERT_TRUE(saved.ranker.has_value());
  EXPECT_FALSE(saved.ranker->booster.empty());
  EXPECT_EQ(rm["model"]["fingerprint"], file_fingerprint(dir / "m.h5"));
}

}  // namespace
}  // namespace tailor
