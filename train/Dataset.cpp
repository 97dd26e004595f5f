#include "train/Dataset.h"

#include <algorithm>

#include "corpus/Shard.h"

namespace dw::train {

Stream make_stream(const Vocab& v, const ExtractedFile& f) {
  Stream s;
  s.ids = encode(v, f).ids;
  s.sites.reserve(f.sites.size());
  for (const auto& site : f.sites)
    if (site.pos > 0 && site.pos < s.ids.size()) s.sites.push_back(site.pos);  // a site at 0 has no context
  std::sort(s.sites.begin(), s.sites.end());
  s.sites.erase(std::unique(s.sites.begin(), s.sites.end()), s.sites.end());
  return s;
}

void add_file(Dataset& d, Stream s) {
  if (s.ids.size() < 2) {
    ++d.skipped;
    return;
  }
  d.tokens += s.ids.size();
  d.sites += s.sites.size();
  d.files.push_back(std::move(s));
}

namespace {

// A cap of k files out of a split of N keeps file i when floor((i+1)k/N) > floor(ik/N): exactly k
// files, evenly spread. Shards are written in project order, so taking the first k would train on a
// handful of projects (alphabetically first) and overfit them; the spread covers every project.
class Spread {
 public:
  Spread(const std::filesystem::path& dir, const std::string& split, uint64_t k) : k_(k) {
    if (k_ == 0) return;
    for (const auto& shard : list_shards(dir, split)) n_ += read_shard_file_header(shard).n_files;
  }
  bool keep(uint64_t i) const { return k_ == 0 || k_ >= n_ || (i + 1) * k_ / n_ > i * k_ / n_; }

 private:
  uint64_t k_, n_ = 0;
};

// Calls fn(file) for the files of a split that a cap of max_files keeps (see load_split).
template <class Fn>
void for_each_picked_file(const std::filesystem::path& dir, const std::string& split, uint64_t max_files,
                          bool spread_out, Fn fn) {
  Spread spread(dir, split, spread_out ? max_files : 0);
  uint64_t i = 0;
  for (const auto& shard : list_shards(dir, split))
    for (const auto& f : read_shard(shard)) {
      if (!spread_out && max_files && i >= max_files) return;
      if (spread.keep(i++)) fn(f.data);
    }
}

}  // namespace

Dataset load_split(const std::filesystem::path& dir, const std::string& split, const Vocab& v, uint64_t max_files,
                   bool spread) {
  Dataset d;
  for_each_picked_file(dir, split, max_files, spread, [&](const ExtractedFile& f) { add_file(d, make_stream(v, f)); });
  return d;
}

VocabCounter count_split(const std::filesystem::path& dir, const std::string& split, uint64_t max_files, bool spread) {
  VocabCounter c;
  for_each_picked_file(dir, split, max_files, spread, [&](const ExtractedFile& f) { c.add(f); });
  return c;
}

}  // namespace dw::train
