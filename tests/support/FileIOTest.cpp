#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "support/FileIO.h"

namespace dw {
namespace {
namespace fs = std::filesystem;

void touch(const fs::path& p) { std::ofstream(p) << "partial"; }

// A killed writer's PID soon names another process, or a thread: CI's kill-and-resume test once found
// a killed trainer's temp kept because its PID was alive again. The writer's start time tells them apart.
TEST(FileIO, StaleTempsGoEvenWhenTheirPidIsAliveAgain) {
  const fs::path dir = fs::temp_directory_path() / ("dw_fileio_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path mine = temp_path(dir / "a.json");  // as this process writes a.json
  touch(mine);
  const std::string pid = std::to_string(::getpid());
  touch(dir / ("b.json.tmp." + pid + "-1"));  // this PID, another start: a writer that is gone
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);
  touch(dir / ("c.json.tmp." + std::to_string(child) + "-5"));  // a PID no one has
  touch(dir / ("d.json.tmp." + std::to_string(child)));         // the older name, PID alone, gone
  touch(dir / ("e.json.tmp." + pid));                           // the older name, PID alone, alive
  touch(dir / "f.json.tmp.x1");                                 // not a writer's temp

  EXPECT_EQ(remove_stale_temps(dir), 3u);
  EXPECT_TRUE(fs::exists(mine)) << "a live writer's temp stays";
  EXPECT_FALSE(fs::exists(dir / ("b.json.tmp." + pid + "-1")));
  EXPECT_FALSE(fs::exists(dir / ("c.json.tmp." + std::to_string(child) + "-5")));
  EXPECT_FALSE(fs::exists(dir / ("d.json.tmp." + std::to_string(child))));
  EXPECT_TRUE(fs::exists(dir / ("e.json.tmp." + pid)));
  EXPECT_TRUE(fs::exists(dir / "f.json.tmp.x1"));

  write_file_atomic(dir / "g.json", "{}");
  EXPECT_FALSE(fs::exists(temp_path(dir / "g.json"))) << "the writer renames its temp";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dw
