#include <gtest/gtest.h>

#include <fstream>

#include "corpus/ExtractJob.h"
#include "corpus/Shard.h"
#include "corpus/Vocab.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace fs = std::filesystem;

namespace {
struct Fixture {
  fs::path root = fs::temp_directory_path() / ("dw_extract_job_" + std::to_string(::getpid()));
  std::vector<dw::ManifestEntry> entries;
  Fixture() {
    fs::remove_all(root);
    const char* sources[] = {
        "import os\nos.getcwd()\nos.path.join('a', 'b')\n",
        "import logging\nlog = logging.getLogger()\nlog.info('x')\nlog.warning('y')\n",
        "s = 'x'\ns.upper()\ns.strip().lower()\n",
        "",                                      // empty: skipped
        "data = b'\\x00'\x00\x01\x02 binary\n",  // NUL bytes: skipped
    };
    const char* splits[] = {"train", "train", "test", "train", "valid"};
    for (int i = 0; i < 5; ++i) {
      fs::path p = root / "src" / ("f" + std::to_string(i) + ".py");
      fs::create_directories(p.parent_path());
      // Source 4 holds NUL bytes, so strlen would stop early: its length is spelled out.
      std::string src(sources[i],
                      i == 4 ? sizeof("data = b'\\x00'\x00\x01\x02 binary\n") - 1 : std::strlen(sources[i]));
      std::ofstream(p, std::ios::binary) << src;
      entries.push_back({"p" + std::to_string(i), splits[i], "f.py", p, src.size(), dw::hash64(src)});
    }
  }
  ~Fixture() { fs::remove_all(root); }
  std::string bytes_of(const fs::path& p) { return dw::read_file(p).data; }
};
}  // namespace

TEST(ExtractJob, SameBytesWhateverTheThreadCountAndSkipsCounted) {
  Fixture fx;
  dw::ExtractJobOptions o1;
  o1.out = fx.root / "one";
  o1.threads = 1;
  o1.min_count = 1;
  o1.shard_files = 1;
  auto o2 = o1;
  o2.out = fx.root / "two";
  o2.threads = 2;
  auto r1 = dw::run_extract(fx.entries, o1);
  dw::run_extract(fx.entries, o2);
  for (const auto& split : {"train", "valid", "test"}) {
    auto a = dw::list_shards(o1.out, split), b = dw::list_shards(o2.out, split);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(fx.bytes_of(a[i]), fx.bytes_of(b[i]));
  }
  EXPECT_EQ(fx.bytes_of(o1.out / "vocab.tsv"), fx.bytes_of(o2.out / "vocab.tsv"));
  EXPECT_EQ(r1["total"]["skipped"]["empty"], 1);
  EXPECT_EQ(r1["total"]["skipped"]["binary"], 1);
  EXPECT_EQ(r1["splits"]["train"]["files"], 2);
  EXPECT_EQ(r1["splits"]["train"]["sites"], 6);  // getcwd, path, join; getLogger, info, warning
  // The vocabulary comes from train only: `upper` (test split) is not in it.
  auto v = dw::Vocab::load(o1.out / "vocab.tsv");
  EXPECT_GE(v.id("getLogger"), 0);
  EXPECT_EQ(v.id("upper"), -1);
}

TEST(ExtractJob, ResumeKeepsCompleteShardsAndRedoesDamagedOnes) {
  Fixture fx;
  dw::ExtractJobOptions o;
  o.out = fx.root / "out";
  o.threads = 1;
  o.min_count = 1;
  o.shard_files = 1;
  dw::run_extract(fx.entries, o);
  auto shards = dw::list_shards(o.out, "train");
  ASSERT_EQ(shards.size(), 3u);
  std::string good = fx.bytes_of(shards[0]);
  std::string vocab = fx.bytes_of(o.out / "vocab.tsv");
  // Damage one shard and remove the sidecar of another, as a kill would.
  dw::write_file_atomic(shards[0], good.substr(0, good.size() / 2));
  fs::remove(fs::path(shards[1].string() + ".skips.json"));
  o.resume = true;
  auto r = dw::run_extract(fx.entries, o);
  EXPECT_EQ(fx.bytes_of(shards[0]), good);
  EXPECT_EQ(fx.bytes_of(o.out / "vocab.tsv"), vocab);
  EXPECT_EQ(r["resumed_shards"], 3);  // 5 shards, 2 redone
  EXPECT_EQ(r["total"]["skipped"]["empty"], 1);
}
