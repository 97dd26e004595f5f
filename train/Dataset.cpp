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

Dataset load_split(const std::filesystem::path& dir, const std::string& split, const Vocab& v, uint64_t max_files) {
  Dataset d;
  for (const auto& shard : list_shards(dir, split)) {
    for (const auto& f : read_shard(shard)) {
      if (max_files && d.files.size() + d.skipped >= max_files) return d;
      add_file(d, make_stream(v, f.data));
    }
  }
  return d;
}

VocabCounter count_split(const std::filesystem::path& dir, const std::string& split, uint64_t max_files) {
  VocabCounter c;
  uint64_t n = 0;
  for (const auto& shard : list_shards(dir, split))
    for (const auto& f : read_shard(shard)) {
      if (max_files && n++ >= max_files) return c;
      c.add(f.data);
    }
  return c;
}

}  // namespace dw::train
