// Paired bootstrap for "is ranker A better than ranker B on these sites?": both were scored on the same
// sites, so the sites are resampled together and the spread of mean(a - b) gives the interval. This is
// the offline stand-in for the A/B gate (top-1 and MRR) a new default model must pass.
#pragma once
#include <cstdint>
#include <span>

namespace dw {

struct PairedDiff {
  double diff = 0;        // mean(a) - mean(b) on the full sample
  double lo = 0, hi = 0;  // percentile interval of the resampled differences
  int iterations = 0;
  uint64_t seed = 0;
  double level = 0.95;
  bool excludes_zero() const { return lo > 0 || hi < 0; }
};

// a[i] and b[i] are the per-site values (1/0 for top-1, reciprocal rank for MRR) of the two rankers.
// Deterministic for a given seed: the resampling uses its own generator, not the standard library's.
PairedDiff paired_bootstrap(std::span<const float> a, std::span<const float> b, int iterations = 1000,
                            uint64_t seed = 1, double level = 0.95);

// The same from two rankers' ranks at the same sites (1 = first, kMiss = not in the list): top-1 and MRR
// (a miss counts 0), each a minus b.
struct PairedRankDiff {
  PairedDiff top1, mrr;
};
PairedRankDiff paired_rank_bootstrap(std::span<const uint32_t> a, std::span<const uint32_t> b, int iterations = 1000,
                                     uint64_t seed = 1);

}  // namespace dw
