// The learned ranker's cost per completion list: each group of a feature file (`dotwise eval
// --protocol editor --dump-features F`) scored row by row (predict_trees) and eight rows at a time
// (add_trees), whole lists and the server's cascade (every row the first 64 trees, the best 48 the
// rest). Prints JSON: microseconds per list (p50, p90) and whether both ways agree bit for bit.
//   ranker_latency FEATURES.bin [RANKER.dwr]   (default: models/default.dwr)
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>

#include "rank/FeatureFile.h"
#include "rank/LearnedRanker.h"

using namespace dw;
using Clock = std::chrono::steady_clock;

namespace {
double us_since(Clock::time_point t0) { return std::chrono::duration<double, std::micro>(Clock::now() - t0).count(); }
nlohmann::json percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {{"p50_us", v[v.size() / 2]}, {"p90_us", v[v.size() * 9 / 10]}, {"lists", v.size()}};
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: ranker_latency FEATURES.bin [RANKER.dwr]\n";
    return 2;
  }
  const auto groups = read_feature_file(argv[1]);
  const TreeEnsemble e = load_ranker(argc > 2 ? argv[2] : DOTWISE_SOURCE_DIR "/models/default.dwr", nullptr);
  const size_t F = kFeatureCount, trees = e.trees(), cut = std::min<size_t>(64, trees);
  std::vector<double> one, eight, one_cascade, eight_cascade;
  bool same = true;
  std::vector<float> a, b;
  std::vector<const float*> rows;
  for (int rep = 0; rep < 3; ++rep)
    for (const auto& g : groups) {
      const size_t n = g.labels.size();
      if (!n) continue;
      rows.clear();
      for (size_t i = 0; i < n; ++i) rows.push_back(g.rows.data() + i * F);
      auto t0 = Clock::now();
      a.assign(n, 0.0f);
      for (size_t i = 0; i < n; ++i) a[i] = e.predict_trees({rows[i], F}, 0, trees);
      one.push_back(us_since(t0));
      t0 = Clock::now();
      b.assign(n, 0.0f);
      e.add_trees(rows.data(), n, 0, trees, b.data());
      eight.push_back(us_since(t0));
      same = same && std::memcmp(a.data(), b.data(), n * sizeof(float)) == 0;
      // The cascade: the first trees for all, the rest for the best 48 (here simply the first 48).
      const size_t keep = std::min<size_t>(48, n);
      t0 = Clock::now();
      for (size_t i = 0; i < n; ++i) a[i] = e.predict_trees({rows[i], F}, 0, cut);
      for (size_t i = 0; i < keep; ++i) a[i] += e.predict_trees({rows[i], F}, cut, trees);
      one_cascade.push_back(us_since(t0));
      t0 = Clock::now();
      b.assign(n, 0.0f);
      e.add_trees(rows.data(), n, 0, cut, b.data());
      e.add_trees(rows.data(), keep, cut, trees, b.data());
      eight_cascade.push_back(us_since(t0));
    }
  nlohmann::json out = {{"trees", trees},
                        {"groups", groups.size()},
                        {"bit_identical", same},
                        {"row_by_row", percentiles(one)},
                        {"eight_rows", percentiles(eight)},
                        {"cascade_row_by_row", percentiles(one_cascade)},
                        {"cascade_eight_rows", percentiles(eight_cascade)}};
  std::cout << out.dump(2) << "\n";
  return same ? 0 : 1;
}
