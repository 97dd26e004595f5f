// kill -9 at random moments during `dotwise extract --resume` (a child process) on a few dozen real
// Python files, five kills that land mid-run over the same output directory: after every kill each output file must be
// absent or complete (the bytes an uninterrupted run writes), and a final `--resume` must leave output byte-identical
// to an uninterrupted run. stats.json describes a run (timings), so only its completeness is checked.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "corpus/Manifest.h"
#include "corpus/Shard.h"
#include "support/FileIO.h"
#include "support/Hash.h"
#include "tests/support/ChildProcess.h"

namespace fs = std::filesystem;

using dw::test::contents;
using dw::test::spawn;
using dw::test::wait_for;

namespace {
const std::string kDotwise = dw::test::dotwise_binary();

struct Corpus {
  fs::path root = fs::temp_directory_path() / ("dw_crash_safety_" + std::to_string(::getpid()));
  fs::path manifest = root / "manifest.tsv";
  size_t files = 0;
  Corpus() {
    fs::remove_all(root);
    fs::create_directories(root / "src");
    std::vector<fs::path> picked;
    for (const char* lib : {"/usr/lib/python3.11", "/usr/lib/python3"}) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(lib, ec))
        if (e.path().extension() == ".py" && e.file_size() > 2000 && e.file_size() < 40000) picked.push_back(e.path());
      if (!picked.empty()) break;
    }
    std::sort(picked.begin(), picked.end());
    if (picked.size() > 36) picked.resize(36);
    std::vector<dw::ManifestEntry> entries;
    const char* splits[] = {"train", "train", "train", "train", "valid", "test"};
    for (size_t i = 0; i < picked.size(); ++i) {
      auto data = dw::read_file(picked[i]).data;
      fs::path copy = root / "src" / picked[i].filename();
      dw::write_file_atomic(copy, data);
      std::string project = "p" + std::to_string(i % 6);
      entries.push_back({project, splits[i % 6], picked[i].filename().string(), copy, data.size(), dw::hash64(data)});
    }
    files = entries.size();
    dw::write_manifest(manifest, entries);
  }
  ~Corpus() { fs::remove_all(root); }
  std::vector<std::string> extract(const fs::path& out, bool resume) const {
    std::vector<std::string> a = {
        kDotwise, "extract", manifest.string(), "-o", out.string(), "--shard-files", "2", "--min-count", "2",
        "-j",     "1"};
    if (resume) a.push_back("--resume");
    return a;
  }
};
}  // namespace

TEST(CrashSafety, KilledExtractLeavesCompleteFilesAndResumeMatches) {
  Corpus c;
  if (c.files < 12) GTEST_SKIP() << "no Python stdlib to copy files from";
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn(c.extract(c.root / "ref", false))), 0);
  const double ref_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto ref = contents(c.root / "ref");
  ASSERT_GT(ref.size(), 10u);  // shards, sidecars, vocab.tsv, stats.json

  std::mt19937 rng(20261126);
  std::uniform_real_distribution<double> when(0.0, ref_s * 1.1);
  const fs::path out = c.root / "killed";
  size_t killed_mid_run = 0, temps = 0;
  // Until five kills have landed mid-run: a --resume run that finished before its kill leaves nothing
  // to interrupt, so the next round starts over from an empty directory.
  for (int round = 0; round < 40 && killed_mid_run < 5; ++round) {
    pid_t pid = spawn(c.extract(out, true));
    std::this_thread::sleep_for(std::chrono::duration<double>(when(rng)));
    ::kill(pid, SIGKILL);
    const bool mid_run = wait_for(pid) == 128 + SIGKILL;
    killed_mid_run += mid_run;
    for (const auto& [name, bytes] : contents(out, &temps)) {
      SCOPED_TRACE("round " + std::to_string(round) + ": " + name);
      if (name == "stats.json") {
        EXPECT_TRUE(nlohmann::json::accept(bytes)) << "stats.json is not complete JSON";
        continue;
      }
      ASSERT_TRUE(ref.count(name)) << "a file an uninterrupted run does not write";
      EXPECT_TRUE(bytes == ref.at(name)) << "partial or different content";
      if (name.ends_with(".dws")) {
        EXPECT_NO_THROW(dw::decode_shard(bytes));
      }
    }
    if (!mid_run) fs::remove_all(out);
  }
  EXPECT_EQ(killed_mid_run, 5u) << "too few kills landed before the run finished";
  ASSERT_EQ(wait_for(spawn(c.extract(out, true))), 0);
  size_t left = 0;
  auto fin = contents(out, &left);
  EXPECT_EQ(left, 0u) << "--resume removes the temp files of killed writers";
  ASSERT_EQ(fin.size(), ref.size());
  for (const auto& [name, bytes] : ref) {
    if (name == "stats.json") continue;
    EXPECT_TRUE(fin[name] == bytes) << name << " differs from the uninterrupted run";
  }
  // Temp files of killed writers are never read (no reader matches their names); report how many.
  RecordProperty("temp_files_left_by_kills", int(temps));
  RecordProperty("kills_mid_run", int(killed_mid_run));
}

// The same for `dotwise corpus` over the stdlib (hundreds of files; it writes manifest.tsv, skipped.tsv
// and corpus.json at the end): after any kill each of them is absent or complete, and a rerun over the
// killed directory (the corpus step has no state to resume: it starts over) gives the uninterrupted bytes.
TEST(CrashSafety, KilledCorpusLeavesCompleteFilesAndRerunMatches) {
  const fs::path lib = "/usr/lib/python3.11";
  if (!fs::exists(lib / "os.py")) GTEST_SKIP() << "no Python stdlib to build a corpus from";
  const fs::path root = fs::temp_directory_path() / ("dw_crash_corpus_" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto corpus = [&](const fs::path& out) {
    return std::vector<std::string>{kDotwise, "corpus", "stdlib=" + lib.string(), "-o", out.string(), "-j", "1"};
  };
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(spawn(corpus(root / "ref"))), 0);
  const double ref_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto ref = contents(root / "ref");
  ASSERT_EQ(ref.size(), 3u);  // manifest.tsv, skipped.tsv, corpus.json

  std::mt19937 rng(20261130);
  std::uniform_real_distribution<double> when(0.0, ref_s * 1.1);
  const fs::path out = root / "killed";
  size_t killed_mid_run = 0, temps = 0, complete_after_kill = 0;
  for (int round = 0; round < 40 && killed_mid_run < 5; ++round) {
    pid_t pid = spawn(corpus(out));
    std::this_thread::sleep_for(std::chrono::duration<double>(when(rng)));
    ::kill(pid, SIGKILL);
    killed_mid_run += wait_for(pid) == 128 + SIGKILL;
    for (const auto& [name, bytes] : contents(out, &temps)) {
      SCOPED_TRACE("round " + std::to_string(round) + ": " + name);
      ASSERT_TRUE(ref.count(name)) << "a file an uninterrupted run does not write";
      EXPECT_TRUE(bytes == ref.at(name)) << "partial or different content";
      ++complete_after_kill;
    }
  }
  EXPECT_EQ(killed_mid_run, 5u) << "too few kills landed before the run finished";
  ASSERT_EQ(wait_for(spawn(corpus(out))), 0);
  EXPECT_EQ(contents(out), ref);
  RecordProperty("temp_files_left_by_kills", int(temps));
  RecordProperty("complete_files_seen_after_kills", int(complete_after_kill));
  fs::remove_all(root);
}
