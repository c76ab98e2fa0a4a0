// host/export/night: a night published through a link in one rename, the previous night kept
// behind a second link, unpublished and stale nights removed, a real folder never replaced.
#include "host/export/night.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "host/core/error.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

namespace fs = std::filesystem;

std::string target(const fs::path& link) { return fs::read_symlink(link).filename().string(); }

int nights(const fs::path& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir))
    n += e.path().filename().string().rfind(".night-", 0) == 0;
  return n;
}

TEST(NightFolder, PublishesThroughTheLinkAndKeepsThePreviousNight) {
  testing::TempDir dir;
  const fs::path link = dir / "night";
  std::string first;
  {
    NightFolder n(link);
    EXPECT_FALSE(fs::exists(link));  // nothing is visible before publish()
    testing::write_text(n.staged(link / "a.csv"), "one\n");
    n.publish();
    first = target(link);
  }
  EXPECT_EQ(testing::read_file(link / "a.csv"), "one\n");
  {
    NightFolder n(link);
    testing::write_text(n.staged(link / "a.csv"), "two\n");
    EXPECT_EQ(testing::read_file(link / "a.csv"), "one\n");  // still last night
    n.publish();
  }
  EXPECT_EQ(testing::read_file(link / "a.csv"), "two\n");
  EXPECT_EQ(target(dir / ".night.previous"), first);
  {
    NightFolder n(link);
    n.publish();
  }
  EXPECT_EQ(nights(dir.path()), 2);  // the first night is gone; current and previous remain
}

TEST(NightFolder, AnUnpublishedNightLeavesNothing) {
  testing::TempDir dir;
  const fs::path link = dir / "night";
  {
    NightFolder n(link);
    testing::write_text(n.staged(link / "a.csv"), "x\n");
    EXPECT_EQ(nights(dir.path()), 1);
  }
  EXPECT_EQ(nights(dir.path()), 0);
  EXPECT_FALSE(fs::exists(link));
}

TEST(NightFolder, AKilledRunsNightIsRemovedByTheNext) {
  testing::TempDir dir;
  // A night folder whose writer (pid 999999999) is gone.
  fs::create_directory(dir / ".night-20260101T000000Z-999999999-00000000");
  const fs::path link = dir / "night";
  NightFolder n(link);
  EXPECT_EQ(nights(dir.path()), 1);  // only the new one
  n.publish();
}

TEST(NightFolder, ARealFolderIsNeverReplaced) {
  testing::TempDir dir;
  fs::create_directory(dir / "night");
  testing::write_text(dir / "night" / "keep.txt", "k");
  try {
    NightFolder n(dir / "night");
    ADD_FAILURE() << "a real folder was accepted";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("it is a real folder; move it away"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(testing::read_file(dir / "night" / "keep.txt"), "k");
  EXPECT_THROW(NightFolder(dir / "missing" / "night"), RunError);
}

TEST(NightFolder, PathsAreStagedAndRebased) {
  testing::TempDir dir;
  const fs::path link = dir / "night";
  NightFolder n(link);
  const fs::path staged = n.staged(link / "r.csv");
  EXPECT_EQ(staged.parent_path(), n.folder());
  EXPECT_THROW((void)n.staged(dir / "r.csv"), std::invalid_argument);
  nlohmann::json j = {{"outputs", {{{"path", staged.string()}}}}, {"input", "in.h5"}};
  n.rebase(j);
  EXPECT_EQ(j["outputs"][0]["path"], (link / "r.csv").string());
  EXPECT_EQ(j["input"], "in.h5");
}

}  // namespace
}  // namespace tailor
