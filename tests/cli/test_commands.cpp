// The command table through the real `tailor` binary: every listed command has its own help,
// usage errors exit 2 naming what is wrong, --version reports the CUDA setup, and `recommend`
// and `run` write the manifests they always have. version_text is also checked in-process on
// simulated machines, since the test machine may have no GPU or no CUDA build.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "host/cli/version.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

const std::filesystem::path kSource = TAILOR_SOURCE_DIR;

// What one invocation printed, stdout and stderr apart.
struct Invocation {
  int exit_code = -1;
  std::string out, err;
};

Invocation tailor_cmd(const std::string& args) {
  const testing::TempDir dir;
  const std::string cmd = std::string(TAILOR_BINARY) + " " + args + " > " +
                          (dir / "out").string() + " 2> " + (dir / "err").string();
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, testing::read_file(dir / "out"),
          testing::read_file(dir / "err")};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The names a help text lists in its section `title` ("Subcommands:", "Options:",
// "Positionals:"): the first word of each indented line, split at commas ("-h,--help").
std::set<std::string> listed(const std::string& help, const std::string& title) {
  std::set<std::string> names;
  bool inside = false;
  for (const std::string& line : lines_of(help)) {
    if (line.empty() || line[0] != ' ') {
      inside = line == title;
      continue;
    }
    const auto start = line.find_first_not_of(' ');
    if (!inside || start != 2) continue;  // deeper lines continue a description
    std::stringstream word(line.substr(start, line.find(' ', start) - start));
    for (std::string name; std::getline(word, name, ',');) names.insert(name);
  }
  return names;
}

// Options and positionals only this command has, by command, in the order of `tailor --help`.
const std::vector<std::pair<std::string, std::set<std::string>>> kCommands = {
    {"import", {"csv", "out", "--customer", "--item", "--delimiter", "--items-id",
                "--customers-channel", "--items-price-from-value"}},
    {"inspect", {"file", "--top"}},
    {"train", {"--input", "--model", "--algorithm", "--learning-rate", "--no-objective", "--knn-neighbours", "--ease-lambda", "--tifu-alpha",
               "--factors", "--device", "--threads"}},
    {"recommend", {"--input", "--model", "-n", "--output", "--manifest", "--include-seen",
                   "--memory-budget-mb", "--device", "--threads"}},
    {"run", {"config", "--factors", "--seed", "--learning-rate", "--item-bias", "--device",
             "--threads"}},
    {"backtest", {"config", "--as-of", "--horizon", "--report", "--markdown", "--device"}},
    {"split", {"--input", "--split", "--train", "--test", "--seed", "--split-seed"}},
    {"evaluate", {"--input", "--split", "--split-seed", "--k", "--protocol", "--config",
                  "--model-file", "--model-name", "--no-epoch-metrics", "--bpr-epochs",
                  "--bpr-item-bias", "--device"}},
    {"sweep", {"--input", "--split", "--grid-factors", "--grid-alpha", "--patience", "--best",
               "--base-config", "--cg-steps", "--grid-learning-rate",
               "--grid-item-bias", "--device"}},
    {"generate", {"out", "--preset", "--spec", "--set", "--chunk-rows", "--like", "--stats"}},
    {"plan", {"--customers", "--interactions", "--precision", "--device-memory", "--headroom",
              "--stream"}},
};

TEST(Commands, HelpListsEveryCommandOfTheTable) {
  const Invocation help = tailor_cmd("--help");
  ASSERT_EQ(help.exit_code, 0) << help.err;
  std::set<std::string> expected;
  for (const auto& [name, options] : kCommands) expected.insert(name);
  EXPECT_EQ(listed(help.out, "Subcommands:"), expected) << help.out;
  EXPECT_EQ(listed(help.out, "Options:"),
            (std::set<std::string>{"-h", "--help", "--version", "--log-level", "-q", "--quiet"}));
}

TEST(Commands, EachCommandAnswersHelpWithItsOwnOptions) {
  for (const auto& [name, own] : kCommands) {
    SCOPED_TRACE(name);
    const Invocation help = tailor_cmd(name + " --help");
    ASSERT_EQ(help.exit_code, 0) << help.err;
    EXPECT_NE(help.out.find("Usage: " + std::string(TAILOR_BINARY) + " " + name + " "),
              std::string::npos)
        << help.out;
    std::set<std::string> names = listed(help.out, "Options:");
    names.merge(listed(help.out, "Positionals:"));
    for (const std::string& option : own) EXPECT_TRUE(names.contains(option)) << option;
    EXPECT_FALSE(names.contains("--version")) << "the top-level flags are not repeated";
  }
  // Flag groups go only where they mean something.
  EXPECT_EQ(tailor_cmd("inspect --help").out.find("--device"), std::string::npos);
  EXPECT_EQ(tailor_cmd("plan --help").out.find("--threads"), std::string::npos);
  EXPECT_EQ(tailor_cmd("recommend --help").out.find("--factors"), std::string::npos);
}

TEST(Commands, UsageErrorsExitTwo) {
  for (const char* args : {"", "frobnicate", "--frobnicate", "train --frobnicate x",
                           "inspect a.h5 b.h5", "inspect --top -1 a.h5", "train --algorithm sgd",
                           "recommend --threads -2"}) {
    SCOPED_TRACE(args);
    const Invocation r = tailor_cmd(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  }
}

TEST(Commands, AMissingRequiredOptionExitsTwoNamingIt) {
  const std::map<std::string, std::string> missing = {
      {"train --model m.h5", "--input"},
      {"recommend --input a.h5 --model m.h5", "--output"},
      {"import a.csv b.h5 --item StockCode", "--customer"},
      {"split --input a.h5 --split last:1 --train t.h5", "--test"},
      {"backtest c.toml", "--as-of"},
      {"run", "config"},
      {"inspect", "file"},
  };
  for (const auto& [args, option] : missing) {
    SCOPED_TRACE(args);
    const Invocation r = tailor_cmd(args);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE((r.out + r.err).find(option + " is required"), std::string::npos)
        << r.out << r.err;
  }
}

TEST(Commands, BadInputExitsTwoAndNamesIt) {
  const Invocation r = tailor_cmd("recommend --input a.h5 --model m.h5 --output o.csv -n 0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("recommend"), std::string::npos) << r.err;
  const Invocation delimiter = tailor_cmd("import a.csv b.h5 --customer c --item i --delimiter ab");
  EXPECT_EQ(delimiter.exit_code, 2);
  EXPECT_NE(delimiter.err.find("--delimiter 'ab': must be one character, or \\t"),
            std::string::npos)
      << delimiter.err;
}

TEST(Commands, VersionReportsTheCudaSetup) {
  const Invocation r = tailor_cmd("--version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], std::string("tailor ") + TAILOR_VERSION);
  EXPECT_EQ(lines[1], std::string("CUDA backend: ") + (cuda_built() ? "built" : "not built"));
  // The rest as version_text says for this machine, which this process sees the same way.
  EXPECT_EQ(r.out, cli::version_text(probe_cuda()) + "\n");
  if (cuda_built()) EXPECT_EQ(lines[2].rfind("CUDA: ", 0), 0u) << r.out;
  EXPECT_EQ(lines.back().rfind("GPU", 0), 0u) << r.out;
}

TEST(VersionText, WithoutTheCudaBuildSaysWhyThereIsNoGpu) {
  CudaProbe probe;
  probe.error = "this build of tailor has no CUDA backend";
  EXPECT_EQ(cli::version_text(probe), std::string("tailor ") + TAILOR_VERSION +
                                          "\nCUDA backend: not built"
                                          "\nGPU: this build of tailor has no CUDA backend");
}

TEST(VersionText, WithoutADriverGivesTheRuntimeAndTheReason) {
  CudaProbe probe;
  probe.built = true;
  probe.runtime_version = 13000;
  probe.error = "cudaGetDeviceCount failed with cudaErrorInsufficientDriver";
  const std::vector<std::string> lines = lines_of(cli::version_text(probe));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[1], "CUDA backend: built");
  EXPECT_EQ(lines[2], "CUDA: no CUDA driver, runtime 13.0");
  EXPECT_EQ(lines[3], "GPU: cudaGetDeviceCount failed with cudaErrorInsufficientDriver");
}

TEST(VersionText, ListsEveryDeviceWithItsComputeCapability) {
  CudaProbe probe;
  probe.built = true;
  probe.driver_version = 12040;
  probe.runtime_version = 12040;
  CudaDeviceInfo h100{0, "NVIDIA H100 80GB HBM3", 9, 0, std::size_t{80} << 30, 132, ""};
  CudaDeviceInfo old{1, "Tesla K80", 3, 7, std::size_t{12} << 30, 13, "this binary has no code"};
  probe.devices = {h100, old};
  const std::vector<std::string> lines = lines_of(cli::version_text(probe));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[2], "CUDA: driver 12.4, runtime 12.4");
  EXPECT_EQ(lines[3], "GPU 0: NVIDIA H100 80GB HBM3 (sm_90, 80.0 GiB)");
  EXPECT_EQ(lines[4], "GPU 1: Tesla K80 (sm_37, 12.0 GiB): this binary has no code");
}

// ---- manifests --------------------------------------------------------------------------------

std::set<std::string> keys(const nlohmann::json& object) {
  std::set<std::string> out;
  for (const auto& [key, value] : object.items()) out.insert(key);
  return out;
}

// `tailor run` without a campaign, then `tailor recommend` with its model: one scoring, export
// and manifest path, so the sections they share have the same keys, and each manifest has the
// keys it always had.
class Manifests : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    const auto h5 = *dir_ / "sample.h5";
    const Invocation imp = tailor_cmd(
        "-q import " + (kSource / "data/online_retail_sample.csv.gz").string() + " " +
        h5.string() + " --customer CustomerID --item StockCode --time InvoiceDate");
    ASSERT_EQ(imp.exit_code, 0) << imp.err;
    testing::write_text(*dir_ / "run.toml",
                        "[input]\npath = \"" + h5.string() + "\"\n[model]\npath = \"" +
                            (*dir_ / "model.h5").string() +
                            "\"\nfactors = 8\niterations = 2\n[run]\ndevice = \"cpu\"\n"
                            "threads = 2\n[output]\npath = \"" +
                            (*dir_ / "run.csv").string() + "\"\n");
    const Invocation run = tailor_cmd("-q run " + (*dir_ / "run.toml").string());
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const Invocation rec = tailor_cmd("-q recommend --device cpu --threads 2 -n 5 --input " +
                                      h5.string() + " --model " + (*dir_ / "model.h5").string() +
                                      " --output " + (*dir_ / "rec.csv").string());
    ASSERT_EQ(rec.exit_code, 0) << rec.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static nlohmann::json manifest(const std::string& name) {
    return nlohmann::json::parse(testing::read_file(*dir_ / name));
  }
  static testing::TempDir* dir_;
};
testing::TempDir* Manifests::dir_ = nullptr;

TEST_F(Manifests, RecommendWritesTheKeysItAlwaysHas) {
  const nlohmann::json m = manifest("rec.csv.manifest.json");
  EXPECT_EQ(keys(m), (std::set<std::string>{"tool", "version", "command", "started_at", "host",
                                            "status", "inputs", "model", "recommendations",
                                            "outputs", "timings", "finished_at"}));
  EXPECT_EQ(m["command"], "recommend");
  EXPECT_EQ(m["status"], "ok");
  EXPECT_EQ(keys(m["model"]),
            (std::set<std::string>{"path", "fingerprint", "data_fingerprint", "parameters"}));
  EXPECT_EQ(m["model"]["path"], (*dir_ / "model.h5").string());
  EXPECT_EQ(m["model"]["parameters"]["factors"], 8);
  EXPECT_EQ(keys(m["timings"]), (std::set<std::string>{"load", "recommend", "export"}));
  ASSERT_EQ(m["inputs"].size(), 1u);
  ASSERT_EQ(m["outputs"].size(), 1u);
  EXPECT_EQ(m["outputs"][0]["path"], (*dir_ / "rec.csv").string());
  EXPECT_EQ(m["recommendations"]["n"], 5);
}

TEST_F(Manifests, RunWritesTheKeysItAlwaysHas) {
  const nlohmann::json m = manifest("run.csv.manifest.json");
  EXPECT_EQ(keys(m), (std::set<std::string>{"tool", "version", "command", "started_at", "host",
                                            "status", "config", "inputs", "parameters",
                                            "training", "model", "recommendations", "outputs",
                                            "timings", "finished_at"}));
  EXPECT_EQ(keys(m["model"]), (std::set<std::string>{"path", "fingerprint", "data_fingerprint"}));
  EXPECT_EQ(keys(m["timings"]), (std::set<std::string>{"load", "train", "save_model", "recommend",
                                                       "export", "total"}));
}

TEST_F(Manifests, RecommendAndRunDescribeTheirListsAlike) {
  const nlohmann::json rec = manifest("rec.csv.manifest.json");
  const nlohmann::json run = manifest("run.csv.manifest.json");
  EXPECT_EQ(keys(rec["recommendations"]), keys(run["recommendations"]));
  EXPECT_EQ(keys(rec["outputs"][0]), keys(run["outputs"][0]));
  EXPECT_EQ(keys(rec["inputs"][0]), keys(run["inputs"][0]));
  EXPECT_EQ(rec["inputs"][0]["fingerprint"], run["inputs"][0]["fingerprint"]);
  EXPECT_EQ(rec["model"]["fingerprint"], run["model"]["fingerprint"]);
}

// ---- BPR from run, evaluate and sweep -----------------------------------------------------------

// The bundled sample imported once; BPR trained by each command that trains.
class BprCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    const Invocation imp = tailor_cmd(
        "-q import " + (kSource / "data/online_retail_sample.csv.gz").string() + " " + h5() +
        " --customer CustomerID --item StockCode --time InvoiceDate");
    ASSERT_EQ(imp.exit_code, 0) << imp.err;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string h5() { return (*dir_ / "sample.h5").string(); }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  // A nightly config training BPR with `model_keys` in [model].
  static std::string config(const std::string& name, const std::string& model_keys) {
    testing::write_text(*dir_ / name, "[input]\npath = \"" + h5() + "\"\n[model]\npath = \"" +
                                          path(name + ".model.h5") + "\"\nalgorithm = \"bpr\"\n" +
                                          model_keys + "[run]\ndevice = \"cpu\"\nthreads = 1\n" +
                                          "[output]\npath = \"" + path(name + ".csv") + "\"\n");
    return path(name);
  }
  static testing::TempDir* dir_;
};
testing::TempDir* BprCommands::dir_ = nullptr;

// `run` trains BPR from [model]: the manifest says so, the model file holds the bias column,
// `recommend` scores it, and a flag overrides the config.
TEST_F(BprCommands, RunTrainsBprFromTheConfig) {
  const std::string c = config("bpr.toml", "factors = 6\nepochs = 3\nlearning_rate = 0.05\n");
  const Invocation run = tailor_cmd("-q run " + c + " --bias-regularization 0.5");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto m = nlohmann::json::parse(testing::read_file(c + ".csv.manifest.json"));
  EXPECT_EQ(m["parameters"]["algorithm"], "bpr");
  EXPECT_EQ(m["parameters"]["factors"], 6);
  EXPECT_EQ(m["parameters"]["epochs"], 3);
  EXPECT_EQ(m["parameters"]["item_bias"], true);
  EXPECT_EQ(m["parameters"]["bias_regularization"], 0.5);
  EXPECT_EQ(m["training"]["epochs"].size(), 3u);
  const Invocation rec = tailor_cmd("-q recommend --device cpu -n 20 --input " + h5() +
                                    " --model " + c + ".model.h5 --output " + path("bpr_rec.csv"));
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  const auto r = nlohmann::json::parse(testing::read_file(path("bpr_rec.csv.manifest.json")));
  EXPECT_EQ(r["model"]["parameters"]["algorithm"], "bpr");
  EXPECT_EQ(r["model"]["parameters"]["factors"], 6);
  EXPECT_EQ(r["model"]["parameters"]["item_bias"], true);
  // The same lists as the run wrote (n = 20 both): the bias column scores like any other.
  EXPECT_TRUE(testing::read_file(path("bpr_rec.csv")) == testing::read_file(c + ".csv"));
}

TEST_F(BprCommands, RunRefusesTheOtherAlgorithmsFlags) {
  const std::string c = config("bpr_flags.toml", "epochs = 1\n");
  const Invocation alpha = tailor_cmd("-q run " + c + " --alpha 3");
  EXPECT_EQ(alpha.exit_code, 2);
  EXPECT_NE(alpha.err.find("run: --alpha, --cg-steps, --iterations, --confidence and "
                           "--log-epsilon are iALS flags"),
            std::string::npos)
      << alpha.err;
  testing::write_text(*dir_ / "ials.toml", "[input]\npath = \"" + h5() + "\"\n[output]\npath = \"" +
                                               path("ials.csv") + "\"\n");
  const Invocation lr = tailor_cmd("-q run " + path("ials.toml") + " --learning-rate 0.1");
  EXPECT_EQ(lr.exit_code, 2);
  EXPECT_NE(lr.err.find("need algorithm = \"bpr\" in [model]"), std::string::npos) << lr.err;
  const Invocation bad = tailor_cmd("-q run " + c + " --item-bias maybe");
  EXPECT_EQ(bad.exit_code, 2);
}

// `evaluate --models ials,bpr`: both in one table and one document, BPR's epochs recorded.
TEST_F(BprCommands, EvaluatePutsBprBesideIals) {
  const Invocation ev = tailor_cmd(
      "-q evaluate --device cpu --threads 1 --input " + h5() +
      " --split time:2011-11-15 --k 5,10 --models ials,bpr --iterations 2 --bpr-epochs 3 "
      "--bpr-factors 6 --bpr-item-bias off --json " + path("eval.json"));
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_NE(ev.out.find("\nbpr "), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("\nials "), std::string::npos) << ev.out;
  const auto j = nlohmann::json::parse(testing::read_file(path("eval.json")));
  ASSERT_TRUE(j["models"].contains("bpr"));
  ASSERT_TRUE(j["models"].contains("ials"));
  EXPECT_TRUE(j["buckets"].contains("bpr"));
  EXPECT_EQ(j["bpr"]["parameters"]["factors"], 6);
  EXPECT_EQ(j["bpr"]["parameters"]["item_bias"], false);
  ASSERT_EQ(j["bpr"]["epochs"].size(), 3u);
  EXPECT_TRUE(j["bpr"]["epochs"][2].contains("ndcg@10"));
  EXPECT_EQ(j["epochs"].size(), 2u);  // iALS's
  EXPECT_DOUBLE_EQ(j["bpr"]["epochs"][2]["ndcg@10"].get<double>(),
                   j["models"]["bpr"]["ndcg@10"].get<double>());
  const Invocation stray = tailor_cmd("-q evaluate --input " + h5() +
                                      " --split time:2011-11-15 --bpr-epochs 3");
  EXPECT_EQ(stray.exit_code, 2);
  EXPECT_NE(stray.err.find("evaluate: --bpr-* flags need bpr in --models"), std::string::npos)
      << stray.err;
  const Invocation unknown = tailor_cmd("-q evaluate --input " + h5() +
                                        " --split time:2011-11-15 --models ials,sgd");
  EXPECT_NE(unknown.err.find("use ials, bpr, itemknn, ease, tifuknn or ranker"), std::string::npos)
      << unknown.err;
}

// `sweep --model bpr` over the item bias: two trials, and --best writes a BPR config that
// `run` accepts.
TEST_F(BprCommands, SweepSearchesBprAndWritesARunnableBest) {
  const Invocation sw = tailor_cmd(
      "-q sweep --device cpu --threads 1 --input " + h5() +
      " --split time:2011-11-15 --k 10 --model bpr --grid-factors 4 --grid-regularization "
      "0.01 --grid-learning-rate 0.05 --grid-item-bias on,off --grid-epochs 3 --json " +
      path("sweep.json") + " --best " + path("best.toml"));
  ASSERT_EQ(sw.exit_code, 0) << sw.err;
  EXPECT_NE(sw.out.find("learning_rate"), std::string::npos) << sw.out;
  const auto j = nlohmann::json::parse(testing::read_file(path("sweep.json")));
  EXPECT_EQ(j["algorithm"], "bpr");
  ASSERT_EQ(j["trials"].size(), 2u);
  std::set<bool> biases;
  for (const auto& t : j["trials"]) biases.insert(t["params"]["item_bias"].get<bool>());
  EXPECT_EQ(biases, (std::set<bool>{true, false}));
  const std::string best = testing::read_file(path("best.toml"));
  EXPECT_NE(best.find("algorithm = \"bpr\""), std::string::npos) << best;
  EXPECT_NE(best.find("learning_rate = 0.05"), std::string::npos) << best;
  const Invocation alpha = tailor_cmd("-q sweep --input " + h5() +
                                      " --split time:2011-11-15 --model bpr --grid-alpha 1");
  EXPECT_EQ(alpha.exit_code, 2);
  EXPECT_NE(alpha.err.find("--grid-alpha, --grid-iterations, --cg-steps and --confidence are "
                           "iALS flags"),
            std::string::npos)
      << alpha.err;
  const Invocation bias = tailor_cmd("-q sweep --input " + h5() +
                                     " --split time:2011-11-15 --model bpr --grid-item-bias yes");
  EXPECT_NE(bias.err.find("--grid-item-bias 'yes': 'yes' is not on or off"), std::string::npos)
      << bias.err;
}

// What a new user trips over: -q after the subcommand, a config that is not there, absurd
// thread counts.
TEST(CommandLine, QuietAfterTheSubcommandMissingConfigAndThreadCap) {
  const Invocation missing = tailor_cmd("run /nonexistent/nightly.toml -q");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/nightly.toml: no such config file"), std::string::npos)
      << missing.err;
  const Invocation threads = tailor_cmd("train --input x.h5 --model m.h5 --threads 100000");
  EXPECT_EQ(threads.exit_code, 2);
  EXPECT_NE(threads.err.find("--threads"), std::string::npos) << threads.err;
  const Invocation quiet = tailor_cmd("inspect --top -1 /nonexistent.h5 -q");
  EXPECT_EQ(quiet.err.find("[info]"), std::string::npos) << quiet.err;
  EXPECT_EQ(quiet.err.find("The following argument was not expected"), std::string::npos)
      << quiet.err;
}

// The history models through `train`, `recommend` and `run`: the model file carries what
// recommend needs, and a run with [model] algorithm = "itemknn" exports the lists recommend
// gives from its model file.
class HistoryCommands : public BprCommands {};

TEST_F(HistoryCommands, TrainRecommendAndRunAnItemModel) {
  const Invocation train = tailor_cmd("-q train --device cpu --algorithm ease --ease-lambda 50 "
                                      "--input " + h5() + " --model " + path("ease.h5"));
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const Invocation rec = tailor_cmd("-q recommend --device cpu -n 5 --input " + h5() +
                                    " --model " + path("ease.h5") + " --output " +
                                    path("ease.csv"));
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  const auto m = nlohmann::json::parse(testing::read_file(path("ease.csv.manifest.json")));
  EXPECT_EQ(m["model"]["parameters"]["algorithm"], "ease");
  EXPECT_EQ(m["model"]["parameters"]["lambda"], 50.0);
  EXPECT_GT(m["recommendations"]["customers_with_list"].get<int>(), 300);
  EXPECT_EQ(m["recommendations"]["customers_not_in_model"], 0);

  testing::write_text(path("knn.toml"),
                      "[input]\npath = \"" + h5() + "\"\n[model]\nalgorithm = \"itemknn\"\n"
                      "path = \"" + path("knn.h5") + "\"\n[itemknn]\nneighbours = 10\n"
                      "[run]\ndevice = \"cpu\"\n[recommend]\nn = 5\n[output]\npath = \"" +
                      path("knn_run.csv") + "\"\n");
  const Invocation run = tailor_cmd("-q run " + path("knn.toml"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Invocation again = tailor_cmd("-q recommend --device cpu -n 5 --input " + h5() +
                                      " --model " + path("knn.h5") + " --output " +
                                      path("knn_rec.csv"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const std::string lists = testing::read_file(path("knn_run.csv"));
  EXPECT_GT(lists.size(), 10000u);
  EXPECT_TRUE(lists == testing::read_file(path("knn_rec.csv")));
  EXPECT_TRUE(lists != testing::read_file(path("ease.csv")));

  const Invocation wrong = tailor_cmd("-q train --algorithm itemknn --alpha 3 --input " + h5() +
                                      " --model " + path("x.h5"));
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("--algorithm itemknn takes only its own flags (--knn-*)"),
            std::string::npos)
      << wrong.err;
  const Invocation eval = tailor_cmd("-q evaluate --device cpu --split time:2011-11-15 --input " +
                                     h5() + " --model-file " + path("ease.h5"));
  EXPECT_EQ(eval.exit_code, 2);
  EXPECT_NE(eval.err.find("fit it there with --models ease"), std::string::npos) << eval.err;
  const Invocation flags = tailor_cmd("-q run " + path("knn.toml") + " --factors 8");
  EXPECT_EQ(flags.exit_code, 2);
  EXPECT_NE(flags.err.find("takes its parameters from its own section"), std::string::npos)
      << flags.err;
}

}  // namespace
}  // namespace tailor
