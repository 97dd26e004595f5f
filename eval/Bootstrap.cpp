#include "eval/Bootstrap.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "eval/Metrics.h"

namespace dw {
namespace {
uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
}  // namespace

PairedDiff paired_bootstrap(std::span<const float> a, std::span<const float> b, int iterations, uint64_t seed,
                            double level) {
  if (a.size() != b.size()) throw std::invalid_argument("paired_bootstrap: the two rankers saw different sites");
  PairedDiff r;
  r.iterations = std::max(iterations, 1);
  r.seed = seed;
  r.level = level;
  const size_t n = a.size();
  if (n == 0) return r;
  std::vector<double> d(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += d[i] = double(a[i]) - double(b[i]);
  r.diff = sum / double(n);
  std::vector<double> means(size_t(r.iterations));
  uint64_t state = seed;
  for (auto& m : means) {
    double s = 0;
    for (size_t i = 0; i < n; ++i) s += d[size_t(splitmix64(state) % n)];  // modulo bias ~ n / 2^64: negligible
    m = s / double(n);
  }
  std::sort(means.begin(), means.end());
  auto at = [&](double q) {
    double pos = q * double(means.size() - 1);
    size_t lo = size_t(std::floor(pos));
    size_t hi = std::min(lo + 1, means.size() - 1);
    return means[lo] + (means[hi] - means[lo]) * (pos - double(lo));
  };
  r.lo = at((1 - level) / 2);
  r.hi = at(1 - (1 - level) / 2);
  return r;
}

PairedRankDiff paired_rank_bootstrap(std::span<const uint32_t> a, std::span<const uint32_t> b, int iterations,
                                     uint64_t seed) {
  if (a.size() != b.size()) throw std::invalid_argument("paired_rank_bootstrap: the two rankers saw different sites");
  std::vector<float> t1a, t1b, rra, rrb;
  for (size_t i = 0; i < a.size(); ++i) {
    t1a.push_back(a[i] == 1);
    t1b.push_back(b[i] == 1);
    rra.push_back(a[i] == kMiss ? 0.f : 1.f / float(a[i]));
    rrb.push_back(b[i] == kMiss ? 0.f : 1.f / float(b[i]));
  }
  return {paired_bootstrap(t1a, t1b, iterations, seed), paired_bootstrap(rra, rrb, iterations, seed)};
}

}  // namespace dw
