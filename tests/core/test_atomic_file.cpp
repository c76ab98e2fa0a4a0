// host/core/atomic_file: what a killed writer left under a temporary name is removed by the
// next run; a living writer's temporary is left alone.
#include "host/core/atomic_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "test_util.hpp"

namespace tailor {
namespace {

TEST(AtomicFile, StaleTemporariesOfDeadWritersAreRemoved) {
  testing::TempDir dir;
  const auto final_path = dir / "campaign.csv";
  testing::write_text(dir / ".campaign.csv.tmp-999999999-0000abcd", "half");
  const auto alive = dir / (".campaign.csv.tmp-" + std::to_string(::getpid()) + "-0000abcd");
  testing::write_text(alive, "being written");
  testing::write_text(dir / ".other.csv.tmp-999999999-0000abcd", "another file's");
  EXPECT_EQ(remove_stale_temporaries(final_path), 1);
  EXPECT_FALSE(std::filesystem::exists(dir / ".campaign.csv.tmp-999999999-0000abcd"));
  EXPECT_TRUE(std::filesystem::exists(alive));
  EXPECT_TRUE(std::filesystem::exists(dir / ".other.csv.tmp-999999999-0000abcd"));
  EXPECT_TRUE(process_alive(::getpid()));
  EXPECT_FALSE(process_alive(999999999));
}

}  // namespace
}  // namespace tailor
