// One interface for everything that orders member candidates at a site: the paper's baselines and
// the neural model. `dotwise eval` drives rankers through it on identical sites.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "corpus/Vocab.h"
#include "syntax/Extracted.h"

namespace dw {

struct Candidate {
  std::string_view name;  // the member name (valid during the score() call only: it may point into the file)
  int32_t id = -1;        // its id in the file's encoding: vocabulary id, per-file OOV id (>= V), or -1 if neither
};

class Ranker {
 public:
  virtual ~Ranker() = default;
  virtual std::string name() const = 0;
  // Called once per file before its sites, in stream order; stateful rankers (the LSTM) run the file here.
  virtual void begin_file(const EncodedFile& enc, const ExtractedFile& src) {
    (void)enc;
    (void)src;
  }
  // Scores (higher = better) for `cands` at src.sites[site_index]; out.size() == cands.size().
  // Only tokens before the site's member may be used. Ties are broken by candidate order (callers pass
  // candidates sorted by name), so equal scores mean alphabetical order.
  virtual void score(size_t site_index, std::span<const Candidate> cands, std::span<float> out) = 0;
};

}  // namespace dw
