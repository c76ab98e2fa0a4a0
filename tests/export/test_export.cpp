#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "host/core/atomic_file.hpp"
#include "host/core/error.hpp"
#include "host/export/export.hpp"
#include "test_util.hpp"

namespace tailor {
namespace {

using testing::hidden_files;

std::string slurp(const std::filesystem::path& p) { return testing::read_file(p); }

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("17850"), "17850");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
}

TEST(ExportCsv, WritesRanksOriginalIdsAndScores) {
  testing::TempDir dir;
  Model model;
  model.params.factors = 1;
  model.customer_ids = {"c0", "c,1", "c2"};
  model.item_ids = {"i0", "i\"1", "i2"};
  model.customer_factors = {0, 0, 0};
  model.item_factors = {0, 0, 0};
  Recommendations rec;
  rec.customers = {2, 1};  // model customer indices, in list order
  rec.lists.offsets = {0, 2, 3};
  rec.lists.items = {1, 0, 2};
  rec.lists.scores = {0.5f, 0.25f, -1.5f};
  auto path = dir / "recs.csv";
  ExportSummary s = export_csv(path, rec, model);
  EXPECT_EQ(s.rows, 3);
  EXPECT_EQ(s.customers, 2);
  EXPECT_EQ(slurp(path),
            "customer_id,rank,item_id,score\n"
            "c2,1,\"i\"\"1\",0.5\n"
            "c2,2,i0,0.25\n"
            "\"c,1\",1,i2,-1.5\n");
  EXPECT_EQ(s.bytes, std::filesystem::file_size(path));
  EXPECT_EQ(hidden_files(dir.path()), 0);
}

TEST(AtomicOutput, AbandonedWriteLeavesNoFinalFileAndNoTemporary) {
  testing::TempDir dir;
  auto path = dir / "out.csv";
  {
    AtomicTextFile f(path);
    f.write("half a file");
    EXPECT_FALSE(std::filesystem::exists(path));
    // destroyed without commit(), as when an exception unwinds the export
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(hidden_files(dir.path()), 0);
}

TEST(AtomicOutput, KilledWriterLeavesThePreviousFileIntact) {
  testing::TempDir dir;
  auto path = dir / "recs.csv";
  write_file_atomically(path, "yesterday\n");
  std::fflush(nullptr);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    AtomicTextFile f(path);
    for (int i = 0; i < 10000; ++i) f.write("today, not finished\n");
    ::kill(::getpid(), SIGKILL);  // killed mid-write, before commit
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(slurp(path), "yesterday\n");
}

TEST(AtomicOutput, CommitReplacesTheFile) {
  testing::TempDir dir;
  auto path = dir / "recs.csv";
  write_file_atomically(path, "yesterday\n");
  write_file_atomically(path, "today\n");
  EXPECT_EQ(slurp(path), "today\n");
  EXPECT_EQ(hidden_files(dir.path()), 0);
}

TEST(AtomicOutput, MissingFolderIsAPreciseError) {
  testing::TempDir dir;
  auto path = dir / "no-such-folder" / "recs.csv";
  try {
    write_file_atomically(path, "x");
    FAIL() << "expected RunError";
  } catch (const RunError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-folder"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tailor
