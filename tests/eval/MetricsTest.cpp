#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/Bootstrap.h"
#include "eval/Metrics.h"
#include "eval/SiteCap.h"

namespace {

TEST(Metrics, RankCountsBetterScoresAndEarlierTies) {
  std::vector<float> s{0.5f, 0.9f, 0.5f, 0.1f, 0.5f};
  EXPECT_EQ(dw::rank_of(s, 1), 1u);
  EXPECT_EQ(dw::rank_of(s, 0), 2u);  // only 0.9 is better
  EXPECT_EQ(dw::rank_of(s, 2), 3u);  // 0.9 and the earlier tie
  EXPECT_EQ(dw::rank_of(s, 4), 4u);
  EXPECT_EQ(dw::rank_of(s, 3), 5u);
  EXPECT_EQ(dw::rank_of(s, 9), dw::kMiss);
  std::vector<float> n{1.f, NAN, 0.f};
  EXPECT_EQ(dw::rank_of(n, 1), 3u);  // NaN truth: last
  EXPECT_EQ(dw::rank_of(n, 2), 2u);  // a NaN elsewhere is never better
}

TEST(Metrics, TopKAndMrrMatchHandValues) {
  dw::RankTally t;
  for (uint32_t r : {1u, 3u, dw::kMiss, 2u, 7u, 12u}) t.add(r);
  EXPECT_EQ(t.sites, 6u);
  EXPECT_EQ(t.misses, 1u);
  EXPECT_DOUBLE_EQ(t.top(1), 1.0 / 6);
  EXPECT_DOUBLE_EQ(t.top(2), 2.0 / 6);
  EXPECT_DOUBLE_EQ(t.top(5), 3.0 / 6);
  EXPECT_DOUBLE_EQ(t.top(10), 4.0 / 6);
  EXPECT_DOUBLE_EQ(t.mrr(), (1 + 1.0 / 3 + 0 + 1.0 / 2 + 1.0 / 7 + 1.0 / 12) / 6);
  dw::RankTally u;
  u.add(1);
  t.merge(u);
  EXPECT_EQ(t.sites, 7u);
  EXPECT_DOUBLE_EQ(t.top(1), 2.0 / 7);
  EXPECT_DOUBLE_EQ(dw::RankTally{}.mrr(), 0.0);
}

TEST(SiteCap, KeepsAtMostCapPerProjectWhateverTheOrder) {
  std::vector<std::pair<std::string, uint64_t>> offers;
  for (int i = 0; i < 10; ++i) offers.emplace_back("big", dw::SiteCap::site_hash("big", "f.py", size_t(i)));
  for (int i = 0; i < 3; ++i) offers.emplace_back("small", dw::SiteCap::site_hash("small", "g.py", size_t(i)));
  auto kept = [&](bool reversed) {
    dw::SiteCap cap(4);
    auto o = offers;
    if (reversed) std::reverse(o.begin(), o.end());
    for (const auto& [p, h] : o) cap.offer(p, h);
    cap.finish();
    std::vector<uint64_t> k;
    for (const auto& [p, h] : offers)
      if (cap.keep(p, h)) k.push_back(h);
    EXPECT_EQ(cap.capped_projects(), 1u);
    auto counts = cap.counts();
    EXPECT_EQ(counts.size(), 2u);
    EXPECT_EQ(counts[0].project, "big");
    EXPECT_EQ(counts[0].eligible, 10u);
    EXPECT_EQ(counts[0].kept, 4u);
    return k;
  };
  auto k = kept(false);
  EXPECT_EQ(k.size(), 7u);  // 4 of big, all 3 of small
  EXPECT_EQ(k, kept(true));
  // The kept sites of the big project are its 4 smallest hashes.
  std::vector<uint64_t> big;
  for (int i = 0; i < 10; ++i) big.push_back(offers[size_t(i)].second);
  std::sort(big.begin(), big.end());
  for (int i = 0; i < 4; ++i) EXPECT_NE(std::find(k.begin(), k.end(), big[size_t(i)]), k.end());
  dw::SiteCap none(0);
  none.offer("big", 1);
  none.finish();
  EXPECT_TRUE(none.keep("big", 1));
  EXPECT_FALSE(none.keep("other", 1));
}

// Synthetic paired data with a known true difference: b is right on 50% of sites, a on 60%.
TEST(Bootstrap, IntervalCoversTheTrueDifferenceAndIsDeterministic) {
  const size_t n = 20000;
  std::vector<float> a(n), b(n);
  uint64_t x = 12345;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    double u = double(x >> 11) / double(1ull << 53);
    b[i] = u < 0.5f;
    a[i] = u < 0.6f;  // paired: a right whenever b is, plus 10% more
  }
  auto r = dw::paired_bootstrap(a, b, 500, 7);
  EXPECT_NEAR(r.diff, 0.1, 0.01);
  EXPECT_LT(r.lo, 0.1);
  EXPECT_GT(r.hi, 0.1);
  EXPECT_LT(r.lo, r.diff);
  EXPECT_GT(r.hi, r.diff);
  EXPECT_LT(r.hi - r.lo, 0.02);  // sd of the mean ~ sqrt(.09/20000) = .0021: 95% width ~ .008
  EXPECT_TRUE(r.excludes_zero());
  auto again = dw::paired_bootstrap(a, b, 500, 7);
  EXPECT_EQ(r.lo, again.lo);
  EXPECT_EQ(r.hi, again.hi);
  auto other = dw::paired_bootstrap(a, b, 500, 8);
  EXPECT_NE(r.lo, other.lo);
  auto same = dw::paired_bootstrap(a, a, 200, 1);
  EXPECT_EQ(same.diff, 0);
  EXPECT_EQ(same.lo, 0);
  EXPECT_EQ(same.hi, 0);
  EXPECT_FALSE(same.excludes_zero());
  std::vector<float> shorter(n - 1);
  EXPECT_THROW(dw::paired_bootstrap(a, shorter), std::invalid_argument);
}

// With no real difference (independent noise of equal rate) the interval should usually contain 0.
TEST(Bootstrap, NoDifferenceGivesAnIntervalAroundZero) {
  const size_t n = 5000;
  std::vector<float> a(n), b(n);
  uint64_t x = 99;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    a[i] = (x >> 40) & 1;
    b[i] = (x >> 50) & 1;
  }
  auto r = dw::paired_bootstrap(a, b, 1000, 3);
  EXPECT_LE(r.lo, 0.0);
  EXPECT_GE(r.hi, 0.0);
}

}  // namespace
