#include <gtest/gtest.h>

#include <filesystem>

#include "corpus/Shard.h"
#include "eval/Metrics.h"
#include "rank/Baselines.h"
#include "support/BinaryIO.h"
#include "tests/rank/FileBuilder.h"

namespace {
using dw::test::FileBuilder;

// Training data, counted by hand:
//   file 1, class C, scope 1, outside if: a b a c a
//   file 2, class C, scope 1, inside if:  b b c;  class D, scope 0: x y
// global: a3 b3 c2 x1 y1.  class C: a3 b3 c2 (inside if: b2 c1; outside: a3 b1 c1).  class D: x1 y1.
// transitions on C: a->b, b->a, a->c, c->a (file 1), b->b, b->c (file 2); on D: x->y.
std::vector<dw::ExtractedFile> training() {
  FileBuilder f1, f2;
  for (const char* m : {"a", "b", "a", "c", "a"}) f1.site("C", m, 1);
  for (const char* m : {"b", "b", "c"}) f2.site("C", m, 1, true);
  f2.site("D", "x", 0).site("D", "y", 0);
  return {f1.build(), f2.build()};
}

dw::BaselineStats stats_of(const std::vector<dw::ExtractedFile>& files) {
  dw::BaselineCounter c;
  for (const auto& f : files) c.add_file(f);
  return c.finish();
}

// The test file's sites, with the rank each baseline must give (worked out in the comments).
dw::ExtractedFile test_file() {
  FileBuilder t;
  t.site("C", "b", 5);                    // s0: no history
  t.site("C", "c", 5, true);              // s1: in if, previous on C in scope 5: b
  t.site("C", "a", 5, true);              // s2: in if, previous: c
  t.site("D", "y", 0);                    // s3: no history on D
  t.site("D", "y", 0);                    // s4: previous on D: y (y->? unseen)
  t.site("", "c", 0, false, "fresh");     // s5: unresolved, receiver never seen: key "?fresh" unknown
  t.site("C", "c", 9);                    // s6: new scope: no history (in scope 5 the previous would be a)
  t.site("C", "z", 5);                    // s7: a member never seen in training
  t.site("D", "x", 7).site("D", "y", 7);  // s8, s9: y after x
  return t.build();
}

std::vector<uint32_t> ranks(dw::Ranker& r, const dw::ExtractedFile& f) {
  std::vector<std::string> names{"a", "b", "c", "x", "y", "z"};
  std::vector<dw::Candidate> cands;
  for (const auto& n : names) cands.push_back({n, -1});
  dw::EncodedFile enc;
  r.begin_file(enc, f);
  std::vector<uint32_t> out;
  std::vector<float> scores(cands.size());
  for (size_t i = 0; i < f.sites.size(); ++i) {
    r.score(i, cands, scores);
    auto truth = std::find(names.begin(), names.end(), f.member(f.sites[i])) - names.begin();
    out.push_back(dw::rank_of(scores, size_t(truth)));
  }
  return out;
}

TEST(Baselines, AlphabeticRanksByCandidateOrder) {
  auto stats = stats_of(training());
  auto r = dw::make_baseline("alphabetic", stats);
  EXPECT_EQ(ranks(*r, test_file()), (std::vector<uint32_t>{2, 3, 1, 5, 5, 3, 3, 6, 4, 5}));
}

TEST(Baselines, FrequencyPerClassThenGlobal) {
  auto stats = stats_of(training());
  auto r = dw::make_baseline("frequency", stats);
  // C: a=b (3, tie kept in candidate order) > c (2) > x=y (global 1) > z (never seen).
  // D: x=y > a=b (global 3) > c > z.  Unknown key: global a=b > c > x=y > z.
  EXPECT_EQ(ranks(*r, test_file()), (std::vector<uint32_t>{2, 3, 1, 2, 2, 3, 3, 6, 1, 2}));
}

TEST(Baselines, FrequencyIfSplitsInsideAndOutside) {
  auto stats = stats_of(training());
  auto r = dw::make_baseline("frequency-if", stats);
  // C outside if: a3 > b1 = c1, broken by class count b3 > c2.  C inside if: b2 > c1 > a (class count 3).
  EXPECT_EQ(ranks(*r, test_file()), (std::vector<uint32_t>{2, 2, 3, 2, 2, 3, 3, 6, 1, 2}));
}

TEST(Baselines, MarkovUsesThePreviousMemberOnTheSameClassAndScope) {
  auto stats = stats_of(training());
  auto r = dw::make_baseline("markov", stats);
  // s1 after b: a=b (1 each, class 3) > c.  s2 after c: a.  s4 after y: nothing -> frequency.
  // s6: scope 9 has no history (after a it would be b > c: rank 2).  s7 after a: z unseen.  s9 after x: y.
  EXPECT_EQ(ranks(*r, test_file()), (std::vector<uint32_t>{2, 3, 1, 2, 2, 3, 3, 6, 1, 1}));
}

TEST(Baselines, CountsAreWhatWasCountedByHand) {
  auto s = stats_of(training());
  EXPECT_EQ(s.n_sites(), 10u);
  EXPECT_EQ(s.n_files(), 2u);
  EXPECT_EQ(s.global_count(uint32_t(s.member_id("a"))), 3u);
  EXPECT_EQ(s.global_count(uint32_t(s.member_id("c"))), 2u);
  auto c = s.key_id("C");
  ASSERT_GE(c, 0);
  auto by = s.by_class(c);
  ASSERT_EQ(by.size(), 3u);
  EXPECT_EQ(s.member_name(by[0].member), "a");
  EXPECT_EQ(by[0].level, by[1].level);  // a and b tie
  EXPECT_EQ(s.member_name(by[2].member), "c");
  auto after_a = s.after(c, s.member_id("a"));
  ASSERT_EQ(after_a.size(), 2u);
  EXPECT_EQ(s.member_name(after_a[0].member), "b");
  EXPECT_TRUE(s.after(c, s.member_id("z")).empty());
  EXPECT_EQ(s.member_id("z"), -1);
}

TEST(Baselines, ClassKeyFallsBackToReceiverText) {
  FileBuilder b;
  b.site("os.path", "join", 0, false, "p").site("", "append", 0, false, "self.items");
  auto f = b.build();
  EXPECT_EQ(dw::class_key(f, f.sites[0]), "os.path");
  EXPECT_EQ(dw::class_key(f, f.sites[1]), "?self.items");
}

TEST(Baselines, UnknownNameIsRejected) {
  dw::BaselineStats s;
  EXPECT_THROW(dw::make_baseline("oracle", s), std::invalid_argument);
  EXPECT_TRUE(dw::is_baseline("markov"));
}

TEST(Baselines, ScoringWithoutBeginFileFallsBackToGlobalFrequency) {
  auto stats = stats_of(training());
  auto r = dw::make_baseline("markov", stats);
  std::vector<dw::Candidate> cands{{"c", -1}, {"a", -1}, {"q", -1}};
  std::vector<float> out(3);
  r->score(0, cands, out);
  EXPECT_GT(out[1], out[0]);
  EXPECT_GT(out[0], out[2]);
}

TEST(BaselineStats, EncodeDecodeRoundTripsAndRejectsDamage) {
  auto s = stats_of(training());
  auto bytes = s.encode(42);
  uint64_t fp = 0;
  auto back = dw::BaselineStats::decode(bytes, &fp);
  EXPECT_EQ(fp, 42u);
  EXPECT_EQ(back.encode(42), bytes);
  for (size_t n = 0; n < bytes.size(); n += 7)
    EXPECT_THROW(dw::BaselineStats::decode(bytes.substr(0, n)), dw::FormatError);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    auto bad = bytes;
    bad[i] = char(bad[i] ^ 0x21);
    if (i >= 12 && i < 20) {  // the fingerprint: a changed one reads fine and marks the cache stale
      dw::BaselineStats::decode(bad, &fp);
      EXPECT_NE(fp, 42u);
      continue;
    }
    EXPECT_THROW(dw::BaselineStats::decode(bad), dw::FormatError) << i;
  }
}

TEST(BaselineStats, BuildFromShardsIsDeterministicAndCached) {
  auto dir = std::filesystem::temp_directory_path() / ("dw_baselines_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto files = training();
  dw::write_shard(dir / "train-00000.dws", {{"p1", "a.py", files[0]}});
  dw::write_shard(dir / "train-00001.dws", {{"p2", "b.py", files[1]}});
  dw::write_shard(dir / "test-00000.dws", {{"p3", "t.py", test_file()}});  // never counted
  auto shards = dw::list_shards(dir, "train");
  auto one = dw::BaselineStats::build(shards, 1), two = dw::BaselineStats::build(shards, 2);
  EXPECT_EQ(one.encode(), two.encode());
  EXPECT_EQ(one.encode(), stats_of(files).encode());

  bool rebuilt = false;
  auto first = dw::BaselineStats::load_or_build(dir, 2, &rebuilt);
  EXPECT_TRUE(rebuilt);
  auto second = dw::BaselineStats::load_or_build(dir, 2, &rebuilt);
  EXPECT_FALSE(rebuilt);
  EXPECT_EQ(first.encode(), second.encode());
  // A changed train split invalidates the cache.
  dw::write_shard(dir / "train-00001.dws", {{"p2", "b.py", files[0]}});
  auto third = dw::BaselineStats::load_or_build(dir, 1, &rebuilt);
  EXPECT_TRUE(rebuilt);
  EXPECT_EQ(third.n_sites(), 10u);
  EXPECT_EQ(third.global_count(uint32_t(third.member_id("b"))), 2u);
  std::filesystem::remove_all(dir);
}

}  // namespace
