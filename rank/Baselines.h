// The paper's baselines as rankers (Pythia, KDD'19, Table 5), all learned from the training split:
//   alphabetic    candidates in name order (every score equal, so the caller's order decides)
//   frequency     most frequent member on the site's class key first; members never seen on it
//                 (and keys never seen) fall back to the member's frequency over all classes
//   frequency-if  as frequency, but counted separately inside and outside `if` blocks
//   markov        invocation-based Markov chain: the member most often accessed right after the previous
//                 member accessed on the same class key in the same scope; no history -> frequency
// Each refines the one below it: ties on its own count are broken by the count of the coarser model.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rank/BaselineStats.h"
#include "rank/Ranker.h"

namespace dw {

const std::vector<std::string>& baseline_names();
bool is_baseline(std::string_view name);
// Throws std::invalid_argument for an unknown name. `stats` must outlive the ranker.
std::unique_ptr<Ranker> make_baseline(std::string_view name, const BaselineStats& stats);

}  // namespace dw
