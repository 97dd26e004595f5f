// kill -9 at random moments during `dotwise extract --resume` (a child process) on a few dozen real
// Python files, five kills that land mid-run over the same output directory: after every kill each output file must be
// absent or complete (the bytes an uninterrupted run writes), and a final `--resume` must leave output byte-identical
// to an uninterrupted run. stats.json describes a run (timings), so only its completeness is checked.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
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
  // Timed twice, the faster kept: the first run after boot reads the stdlib from disk and can take
  // many times longer than the runs killed below, whose kills would then mostly land after the end.
  double ref_s = 1e9;
  for (int run = 0; run < 2; ++run) {
    fs::remove_all(root / "ref");
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(wait_for(spawn(corpus(root / "ref"))), 0);
    ref_s = std::min(ref_s, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
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
  size_t left = 0;
  EXPECT_EQ(contents(out, &left), ref);
  EXPECT_EQ(left, 0u) << "the rerun removes the temp files of killed writers";
  RecordProperty("temp_files_left_by_kills", int(temps));
  RecordProperty("complete_files_seen_after_kills", int(complete_after_kill));
  fs::remove_all(root);
}

namespace {
// Every file under `dir` (relative path -> bytes), except in-progress work: src/.tmp/, .work/ and
// `*.tmp` files, which a killed run may leave and the next run removes or ignores.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    const std::string rel = fs::relative(it->path(), dir).string();
    if (rel == "src/.tmp" || rel == ".work" || rel == "debs") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && !rel.ends_with(".tmp")) out[rel] = dw::read_file(it->path()).data;
  }
  return out;
}

// What a path is a part of: its package directory src/<project>/<pkg> (unpacked as a whole), or
// itself for a top-level record file.
std::string unit_of(const std::string& rel) {
  if (!rel.starts_with("src/")) return rel;
  const size_t a = rel.find('/', 4), b = a == std::string::npos ? a : rel.find('/', a + 1);
  return rel.substr(0, b);
}
}  // namespace

// kill -9 of the whole process tree of scripts/debian-corpus.sh at random moments while it unpacks (the downloads are
// already in debs/, so no network is used; packages are built here with dpkg-deb): afterwards each
// package directory and each record file is absent or exactly what an uninterrupted run writes, and a
// rerun over the killed directory ends identical to it.
TEST(CrashSafety, KilledDebianCorpusUnpackLeavesWholePackagesAndRerunMatches) {
  if (::system("command -v dpkg-deb >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "needs dpkg-deb and apt-get (Debian)";
  const fs::path root = fs::temp_directory_path() / ("dw_crash_debian_" + std::to_string(::getpid()));
  fs::remove_all(root);
  const fs::path debs = root / "debs", list = root / "packages.tsv";
  fs::create_directories(debs);
  std::string tsv = "package\tproject\n";
  std::string body;
  for (int i = 0; i < 300; ++i) body += "def f" + std::to_string(i) + "(x):\n    return x.strip().lower()\n";
  for (int p = 0; p < 16; ++p) {
    const std::string pkg = "python3-dwtest" + std::to_string(p);
    const fs::path stage = root / "stage" / pkg;
    fs::create_directories(stage / "DEBIAN");
    dw::write_file_atomic(stage / "DEBIAN/control", "Package: " + pkg +
                                                        "\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\n"
                                                        "Description: test\n");
    const fs::path py = stage / "usr/lib/python3/dist-packages" / ("dwtest" + std::to_string(p));
    fs::create_directories(py);
    for (int f = 0; f < 150; ++f) dw::write_file_atomic(py / ("m" + std::to_string(f) + ".py"), body);
    dw::write_file_atomic(py / "README.txt", "not python\n");
    const fs::path deb = debs / (pkg + "_1.0_all.deb");
    ASSERT_EQ(wait_for(spawn({"/usr/bin/dpkg-deb", "-Znone", "--build", stage.string(), deb.string()})), 0);
    tsv += pkg + "\tproj" + std::to_string(p % 5) + "\n";
  }
  dw::write_file_atomic(list, tsv);
  const std::string script = std::string(DOTWISE_SOURCE_DIR) + "/scripts/debian-corpus.sh";
  auto run = [&](const fs::path& out) {
    fs::create_directories(out / "debs");
    for (const auto& e : fs::directory_iterator(debs))
      if (!fs::exists(out / "debs" / e.path().filename())) fs::copy_file(e.path(), out / "debs" / e.path().filename());
    // setsid: the script and its xargs/dpkg-deb/tar children form one process group, killed together.
    return std::vector<std::string>{"/usr/bin/setsid", "/bin/bash",   script, out.string(), "--list",
                                    list.string(),     "--no-corpus", "-j",   "2"};
  };
  auto normalized = [](std::map<std::string, std::string> files, const fs::path& out) {
    if (auto it = files.find("projects.tsv"); it != files.end()) {  // it names absolute directories
      std::string& s = it->second;
      for (size_t at; (at = s.find(out.string())) != std::string::npos;) s.replace(at, out.string().size(), "OUT");
    }
    return files;
  };
  // Waits until `out` has a package being unpacked (or the run ended); returns the run's exit status
  // if it ended.
  auto until_unpacking = [](pid_t pid, const fs::path& out) -> std::optional<int> {
    for (int i = 0; i < 20000 && !fs::exists(out / "src/.tmp"); ++i) {
      int st = 0;
      if (::waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    return std::nullopt;
  };
  pid_t ref_pid = spawn(run(root / "ref"));
  ASSERT_FALSE(until_unpacking(ref_pid, root / "ref").has_value()) << "the reference run ended before unpacking";
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(wait_for(ref_pid), 0);
  const double unpack_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto ref = normalized(tree(root / "ref"), root / "ref");
  ASSERT_EQ(std::count_if(ref.begin(), ref.end(), [](const auto& kv) { return kv.first.ends_with(".py"); }), 16 * 150);
  ASSERT_TRUE(ref.count("versions.tsv") && ref.count("projects.tsv") && ref.count("failed.tsv"));

  std::mt19937 rng(20261130);
  std::uniform_real_distribution<double> when(0.0, unpack_s * 1.1);
  const fs::path out = root / "killed";
  std::map<std::string, std::map<std::string, std::string>> want;  // the reference, grouped the same way
  for (const auto& [rel, bytes] : ref) want[unit_of(rel)][rel] = bytes;
  size_t killed_mid_run = 0, partial_units = 0;
  for (int round = 0; round < 60 && killed_mid_run < 10; ++round) {
    pid_t pid = spawn(run(out));
    if (until_unpacking(pid, out)) {  // nothing left to unpack: start over
      fs::remove_all(out);
      continue;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(when(rng)));
    ::kill(-pid, SIGKILL);  // the whole group: a crash of the machine, as far as these files can tell
    ::kill(pid, SIGKILL);   // in case setsid had not yet made the group
    const bool mid_run = wait_for(pid) == 128 + SIGKILL;
    killed_mid_run += mid_run;
    // Group what is on disk by package directory (or record file) and compare each with the reference.
    std::map<std::string, std::map<std::string, std::string>> got;
    for (auto& [rel, bytes] : normalized(tree(out), out)) got[unit_of(rel)][rel] = bytes;
    for (const auto& [unit, files] : got) {
      SCOPED_TRACE("round " + std::to_string(round) + ": " + unit);
      ASSERT_TRUE(want.count(unit)) << "something an uninterrupted run does not write";
      const bool whole = files == want.at(unit);
      partial_units += !whole;
      EXPECT_TRUE(whole) << "a package or record file is partial or different";
    }
    if (!mid_run) fs::remove_all(out);
  }
  EXPECT_EQ(killed_mid_run, 10u) << "too few kills landed before the run finished";
  ASSERT_EQ(wait_for(spawn(run(out))), 0);
  EXPECT_EQ(normalized(tree(out), out), ref);
  EXPECT_FALSE(fs::exists(out / "src/.tmp")) << "the rerun removes the killed run's half-unpacked packages";
  RecordProperty("partial_units_seen", int(partial_units));
  fs::remove_all(root);
}
