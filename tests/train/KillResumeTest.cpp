// kill -9 at random moments during `dotwise train --resume` (a child process) on a tiny extracted
// corpus, five kills that land mid-run, one output directory: after every kill each file there is
// complete (checkpoints load, JSON parses, every metrics line is whole), and a last `--resume` ends
// with checkpoints byte-identical to an uninterrupted run's and no temp files left behind.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "tests/support/ChildProcess.h"
#include "train/Checkpoint.h"

namespace fs = std::filesystem;
using dw::test::contents;
using dw::test::spawn;
using dw::test::wait_for;

namespace {
const std::string kDotwise = dw::test::dotwise_binary();

// Three projects of stdlib files (the third held out as `valid`), extracted with min-count 2.
struct TinyCorpus {
  fs::path root = fs::temp_directory_path() / ("dw_kill_train_" + std::to_string(::getpid()));
  fs::path data = root / "data";
  bool ok = false;
  TinyCorpus() {
    fs::remove_all(root);
    std::vector<fs::path> picked;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/usr/lib/python3.11", ec))
      if (e.path().extension() == ".py" && e.file_size() > 3000 && e.file_size() < 30000) picked.push_back(e.path());
    std::sort(picked.begin(), picked.end());
    if (picked.size() < 18) return;
    picked.resize(18);
    for (size_t i = 0; i < picked.size(); ++i) {
      fs::path dir = root / "src" / ("p" + std::to_string(i % 3));
      fs::create_directories(dir);
      fs::copy_file(picked[i], dir / picked[i].filename());
    }
    const std::string src = (root / "src").string();
    ok = wait_for(spawn({kDotwise, "corpus", src + "/p0", src + "/p1", src + "/p2", "--split-override", "p2=valid",
                         "-o", (root / "corpus").string()})) == 0 &&
         wait_for(spawn({kDotwise, "extract", (root / "corpus").string(), "-o", data.string(), "--min-count", "2", "-j",
                         "1"})) == 0;
  }
  ~TinyCorpus() { fs::remove_all(root); }
  // A checkpoint every few steps (0.0005 min = 30 ms), so kills land between and during writes.
  std::vector<std::string> train(const fs::path& out) const {
    return {kDotwise, "train",    data.string(), "-o",        out.string(), "--dx",
            "16",     "--dh",     "16",          "--batch",   "4",          "--epochs",
            "2",      "--bptt",   "20",          "--threads", "1",          "--checkpoint-minutes",
            "0.0005", "--resume", "-q"};
  }
};

void expect_complete(const fs::path& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [name, bytes] : files) {
    SCOPED_TRACE(name);
    if (name.ends_with(".dwc")) {
      EXPECT_NO_THROW(dw::train::load_checkpoint(dir / name)) << "a torn checkpoint";
    } else if (name.ends_with(".json")) {
      EXPECT_TRUE(nlohmann::json::accept(bytes)) << "not complete JSON";
    } else if (name == "metrics.jsonl") {
      std::istringstream in(bytes);
      for (std::string line; std::getline(in, line);) EXPECT_TRUE(nlohmann::json::accept(line)) << line;
      EXPECT_TRUE(bytes.empty() || bytes.back() == '\n') << "a torn last line";
    }
  }
}
}  // namespace

TEST(KillResume, KilledTrainingLeavesCompleteFilesAndResumeMatches) {
  TinyCorpus c;
  if (!c.ok) GTEST_SKIP() << "no Python stdlib to build a corpus from";
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn(c.train(c.root / "ref"))), 0);
  const double ref_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto ref = contents(c.root / "ref");
  ASSERT_TRUE(ref.count("checkpoint.dwc") && ref.count("best.dwc"));

  std::mt19937 rng(20261126);
  std::uniform_real_distribution<double> when(0.1 * ref_s, 0.9 * ref_s);
  const fs::path out = c.root / "killed";
  size_t killed_mid_run = 0, temps = 0;
  for (int round = 0; round < 30 && killed_mid_run < 5; ++round) {
    pid_t pid = spawn(c.train(out));
    std::this_thread::sleep_for(std::chrono::duration<double>(when(rng)));
    ::kill(pid, SIGKILL);
    const bool mid_run = wait_for(pid) == 128 + SIGKILL;
    killed_mid_run += mid_run;
    SCOPED_TRACE("round " + std::to_string(round));
    expect_complete(out, contents(out, &temps));
    if (!mid_run) fs::remove_all(out);  // it finished: start the next round over
  }
  EXPECT_EQ(killed_mid_run, 5u) << "too few kills landed before the run finished";

  ASSERT_EQ(wait_for(spawn(c.train(out))), 0);
  size_t left = 0;
  auto fin = contents(out, &left);
  std::string temps_left;
  for (const auto& e : fs::directory_iterator(out))
    if (e.path().filename().string().find(".tmp.") != std::string::npos)
      temps_left += " " + e.path().filename().string();
  EXPECT_EQ(left, 0u) << "--resume removes the temp files of killed writers:" << temps_left;
  expect_complete(out, fin);
  for (const char* name : {"checkpoint.dwc", "best.dwc"})
    EXPECT_TRUE(fin[name] == ref.at(name)) << name << " differs from the uninterrupted run";
  RecordProperty("temp_files_left_by_kills", int(temps));
}
