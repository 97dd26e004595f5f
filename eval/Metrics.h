// Ranking metrics over sites, as in the paper: top-k accuracy and mean reciprocal rank, where a site
// whose true member is not among the candidates (out of vocabulary, or unknown to the class) is a miss:
// it counts in the denominator with reciprocal rank 0 and is also tallied on its own.
#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace dw {

inline constexpr uint32_t kMiss = 0;  // rank of a site whose true member is not a candidate
inline constexpr int kMaxK = 10;      // top-k is tracked for k = 1..kMaxK

// 1-based rank of candidate `truth` under `scores` (higher = better); equal scores keep candidate order,
// so a tie with an earlier candidate ranks below it. A NaN score for the truth ranks it last.
uint32_t rank_of(std::span<const float> scores, size_t truth);

struct RankTally {
  uint64_t sites = 0, misses = 0;
  std::array<uint64_t, kMaxK> at_most{};  // at_most[k-1]: sites with rank <= k
  double rr_sum = 0;

  void add(uint32_t rank);
  void merge(const RankTally& o);
  double top(int k) const;  // share of sites with rank <= k (k in 1..kMaxK)
  double mrr() const;
  double miss_rate() const { return sites ? double(misses) / double(sites) : 0; }
  // The same tally without the misses: quality where the true member was rankable at all.
  RankTally covered() const {
    RankTally c = *this;
    c.sites -= misses;
    c.misses = 0;
    return c;
  }
};

}  // namespace dw
