// Killing `tailor run` anywhere never publishes a mixed or half night: the demo's campaign
// (published through [output] folder) is killed with SIGKILL at random times and right after
// random log lines, with the previous night in place. After every kill the link names one whole
// night whose manifest's fingerprints match its files; the next run cleans what the kills left,
// and its exports are byte for byte those of a clean run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "host/core/fingerprint.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = TAILOR_SOURCE_DIR;
const char* const kExports[] = {"campaign.csv", "campaign.jsonl", "campaign.h5", "model.h5"};

int run_tool(const std::vector<std::string>& args, int stderr_fd) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(stderr_fd >= 0 ? stderr_fd : null, 2);
    std::vector<char*> argv;
    static const std::string bin = TAILOR_BINARY;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// The sample imported and the demo's config pointed at `dir`.
struct Night {
  testing::TempDir dir;
  fs::path config;
  std::vector<std::string> run_args;
  Night() {
    const fs::path h5 = dir / "sample.h5";
    const pid_t imp = run_tool(
        {"import", (kSource / "data/online_retail_sample.csv.gz").string(), h5.string(),
         "--customer", "CustomerID", "--item", "StockCode", "--time", "InvoiceDate", "--quantity",
         "Quantity", "--price", "UnitPrice", "--items",
         (kSource / "data/online_retail_items.csv.gz").string(), "--items-id", "StockCode",
         "--items-name", "name", "--items-category", "category", "--items-price", "price"},
        -1);
    EXPECT_EQ(wait_for(imp), 0);
    std::string text = testing::read_file(kSource / "data/campaign.example.toml");
    for (std::size_t at; (at = text.find("\"out/")) != std::string::npos;)
      text.replace(at + 1, 4, (dir / "").string());
    config = dir / "night.toml";
    testing::write_text(config, text);
    run_args = {"run", config.string(), "--device", "cpu", "--threads", "1"};
  }
  [[nodiscard]] fs::path link() const { return dir / "night"; }
};

// What the link shows: its target, and "" plus the reason when that is not a whole night.
struct Published {
  std::string target, problem;
};

Published published(const fs::path& link) {
  Published p;
  std::error_code ec;
  p.target = fs::read_symlink(link, ec).string();
  if (ec) return {"", "no link"};
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(testing::read_file(link / "campaign.csv.manifest.json"));
  } catch (const std::exception& e) {
    return {p.target, std::string("manifest: ") + e.what()};
  }
  std::map<std::string, std::string> listed;
  for (const auto& o : m["outputs"]) listed[o["path"]] = o["fingerprint"];
  listed[m["model"]["path"]] = m["model"]["fingerprint"];
  for (const char* name : kExports) {
    const std::string path = (link / name).string();
    if (!listed.count(path)) return {p.target, path + " is not in the manifest"};
    if (file_fingerprint(path) != listed[path]) return {p.target, path + ": fingerprint differs"};
  }
  return p;
}

// Kills a run `delay` after its start, or right after its `lines`-th log line.
void kill_run(const Night& n, std::chrono::microseconds delay, int lines) {
  int fds[2] = {-1, -1};
  if (lines > 0) ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = run_tool(n.run_args, lines > 0 ? fds[1] : -1);
  if (lines > 0) {
    close(fds[1]);
    int seen = 0;
    char c;
    while (seen < lines && read(fds[0], &c, 1) == 1) seen += (c == '\n');
  } else {
    std::this_thread::sleep_for(delay);
  }
  kill(pid, SIGKILL);
  wait_for(pid);
  if (fds[0] >= 0) close(fds[0]);
}

std::set<std::string> entries(const fs::path& dir, const std::string& part) {
  std::set<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(part) != std::string::npos)
      out.insert(e.path().filename().string());
  return out;
}

TEST(KillTest, EveryKillLeavesOneWholeNight) {
  Night n;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(run_tool(n.run_args, -1)), 0);
  const auto run_time = std::chrono::steady_clock::now() - start;
  std::map<std::string, std::string> clean;
  for (const char* name : kExports) clean[name] = testing::read_file(n.link() / name);
  ASSERT_TRUE(published(n.link()).problem.empty()) << published(n.link()).problem;

  std::mt19937 rng(7);
  const auto max_us = std::chrono::duration_cast<std::chrono::microseconds>(run_time).count();
  std::set<std::string> states;
  int kills = 0, violations = 0;
  for (; kills < 100; ++kills) {
    if (kills % 2 == 0)
      kill_run(n, std::chrono::microseconds(rng() % static_cast<unsigned>(max_us * 11 / 10 + 1)), 0);
    else
      kill_run(n, {}, 1 + static_cast<int>(rng() % 40));
    const Published p = published(n.link());
    states.insert(p.target);
    if (!p.problem.empty()) {
      ++violations;
      ADD_FAILURE() << "kill " << kills << ": " << p.problem;
    }
  }
  EXPECT_EQ(violations, 0);
  EXPECT_GE(states.size(), 2u) << "no kill came late enough to publish a new night";

  ASSERT_EQ(wait_for(run_tool(n.run_args, -1)), 0);
  EXPECT_TRUE(published(n.link()).problem.empty());
  for (const char* name : kExports)
    EXPECT_TRUE(testing::read_file(n.link() / name) == clean[name]) << name << " differs";
  EXPECT_LE(entries(n.dir.path(), ".night-").size(), 2u);  // the current night and the previous
  EXPECT_TRUE(entries(n.dir.path(), ".tmp-").empty());
  std::cout << kills << " kills, " << states.size() << " nights seen, " << violations
            << " violations\n";
}

}  // namespace
}  // namespace tailor
