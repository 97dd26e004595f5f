#include "eval/Metrics.h"

#include <cmath>

namespace dw {

uint32_t rank_of(std::span<const float> scores, size_t truth) {
  if (truth >= scores.size()) return kMiss;
  float s = scores[truth];
  if (std::isnan(s)) return uint32_t(scores.size());
  uint32_t better = 0;
  for (size_t i = 0; i < truth; ++i) better += scores[i] >= s;
  for (size_t i = truth + 1; i < scores.size(); ++i) better += scores[i] > s;
  return better + 1;
}

void RankTally::add(uint32_t rank) {
  ++sites;
  if (rank == kMiss) {
    ++misses;
    return;
  }
  rr_sum += 1.0 / double(rank);
  for (int k = int(rank); k <= kMaxK; ++k) ++at_most[size_t(k - 1)];
}

void RankTally::merge(const RankTally& o) {
  sites += o.sites;
  misses += o.misses;
  rr_sum += o.rr_sum;
  for (int k = 0; k < kMaxK; ++k) at_most[size_t(k)] += o.at_most[size_t(k)];
}

double RankTally::top(int k) const {
  if (!sites || k < 1) return 0;
  if (k > kMaxK) k = kMaxK;
  return double(at_most[size_t(k - 1)]) / double(sites);
}

double RankTally::mrr() const { return sites ? rr_sum / double(sites) : 0; }

}  // namespace dw
