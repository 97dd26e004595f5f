#include <gtest/gtest.h>

#include "train/Batcher.h"

namespace dw::train {
namespace {

Dataset toy() {
  Dataset d;
  // file 0: 10 tokens, sites at 3 and 7; file 1: 5 tokens, site at 4; file 2: 23 tokens, site at 20.
  Stream a{{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, {3, 7}};
  Stream b{{20, 21, 22, 23, 24}, {4}};
  Stream c;
  for (int i = 0; i < 23; ++i) c.ids.push_back(30 + i);
  c.sites = {20};
  add_file(d, a);
  add_file(d, b);
  add_file(d, c);
  return d;
}

TEST(Batcher, EveryTokenOnceAndSitesPredictedFromThePreviousToken) {
  auto d = toy();
  Schedule s(d, 2, 4, 0);
  uint64_t tokens = 0, sites = 0;
  std::vector<int64_t> targets;
  for (uint64_t i = 0; i < s.steps(); ++i) {
    auto b = s.batch(i, 0, 2);
    tokens += b.tokens;
    for (size_t k = 0; k < b.site_index.size(); ++k) {
      ++sites;
      // The output at site_index consumed the token just before the member.
      EXPECT_EQ(b.input[size_t(b.site_index[k])] + 1, b.site_target[k]);
      targets.push_back(b.site_target[k]);
    }
  }
  EXPECT_EQ(tokens, d.tokens);
  EXPECT_EQ(sites, d.sites);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets, (std::vector<int64_t>{13, 17, 24, 50}));
}

TEST(Batcher, ResetOnlyAtFileStarts) {
  auto d = toy();
  Schedule s(d, 1, 4, 0);  // one lane: files one after another
  std::vector<int> resets;
  for (uint64_t i = 0; i < s.steps(); ++i) resets.push_back(s.batch(i, 0, 1).reset[0]);
  // file 0: 3 chunks, file 1: 2 chunks, file 2: 6 chunks.
  EXPECT_EQ(resets, (std::vector<int>{1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}));
}

TEST(Batcher, LaneRangesPartitionTheGlobalBatch) {
  auto d = toy();
  Schedule s(d, 4, 3, 42);
  for (uint64_t i = 0; i < s.steps(); ++i) {
    auto all = s.batch(i, 0, 4, true), lo = s.batch(i, 0, 2, true), hi = s.batch(i, 2, 4, true);
    for (uint32_t t = 0; t < 3; ++t)
      for (uint32_t j = 0; j < 4; ++j) {
        const auto& part = j < 2 ? lo : hi;
        EXPECT_EQ(all.input[t * 4 + j], part.input[t * 2 + j % 2]);
        EXPECT_EQ(all.next_target[t * 4 + j], part.next_target[t * 2 + j % 2]);
      }
    EXPECT_EQ(all.site_index.size(), lo.site_index.size() + hi.site_index.size());
    EXPECT_EQ(all.tokens, lo.tokens + hi.tokens);
  }
}

// One long file among many short ones: with the long file dealt first the epoch lasts about as long
// as that file or the mean lane, not their sum (no lane runs long while the others idle).
TEST(Batcher, LanesEndTogether) {
  Dataset d;
  Stream big;
  big.ids.assign(400, 5);
  for (int i = 0; i < 200; ++i) {
    Stream s;
    s.ids.assign(40, 6);
    add_file(d, s);
    if (i == 150) add_file(d, big);  // late in file order: shuffled dealing often put it last
  }
  for (uint64_t seed : {1, 2, 3, 4, 5}) {
    Schedule s(d, 8, 10, seed);
    uint64_t total = (200 * 40 + 400) / 10, mean = (total + 7) / 8;
    EXPECT_LE(s.steps(), std::max<uint64_t>(40, mean) + 4) << "seed " << seed;
    EXPECT_EQ(s.tokens(), 200u * 40 + 400);
  }
}

// A file longer than kMaxPieceChunks chunks is trained on in pieces spread over lanes, each from a
// zero state; validation (seed 0) keeps it whole.
TEST(Batcher, LongFilesAreCutIntoPiecesForTraining) {
  Dataset d;
  Stream big;
  for (uint32_t i = 0; i < 3 * kMaxPieceChunks + 8; ++i) big.ids.push_back(int32_t(2 + i % 50));
  add_file(d, big);
  Schedule train(d, 4, 1, 9), valid(d, 4, 1, 0);
  EXPECT_EQ(train.steps(), kMaxPieceChunks);
  EXPECT_EQ(valid.steps(), big.ids.size());
  size_t resets = 0, tokens = 0;
  for (uint64_t i = 0; i < train.steps(); ++i) {
    auto b = train.batch(i, 0, 4);
    tokens += b.tokens;
    for (uint32_t j = 0; j < 4; ++j) resets += b.reset[j] && b.input[j] != 0;
  }
  EXPECT_EQ(tokens, big.ids.size());  // every token once
  EXPECT_EQ(resets, 4u);              // one zero state per piece
}

TEST(Batcher, ShuffleDependsOnSeedOnly) {
  auto d = toy();
  Schedule a(d, 2, 4, 7), b(d, 2, 4, 7);
  for (uint64_t i = 0; i < a.steps(); ++i) EXPECT_EQ(a.batch(i, 0, 2).input, b.batch(i, 0, 2).input);
}

}  // namespace
}  // namespace dw::train
