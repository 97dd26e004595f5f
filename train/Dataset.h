// A split turned into what the trainer consumes: per file, its encoded id stream and the positions
// of its member-access sites. The strings are dropped once encoded, to keep a large split in memory.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "corpus/Vocab.h"

namespace dw::train {

struct Stream {
  std::vector<int32_t> ids;     // encode(vocab, file).ids
  std::vector<uint32_t> sites;  // sorted member positions: the model has seen ids[0, pos) and predicts ids[pos]
};

struct Dataset {
  std::vector<Stream> files;
  uint64_t tokens = 0, sites = 0, skipped = 0;  // skipped: files with fewer than 2 tokens
};

Stream make_stream(const Vocab& v, const ExtractedFile& f);
void add_file(Dataset& d, Stream s);

// Reads DIR/<split>-*.dws. max_files = 0 reads everything; otherwise that many files, evenly spread
// over the split (so over its projects), or with spread = false the first max_files in shard order. An absent split
// gives an empty dataset.
Dataset load_split(const std::filesystem::path& dir, const std::string& split, const Vocab& v, uint64_t max_files = 0,
                   bool spread = true);

// Counts tokens over the same files load_split reads (to rebuild the vocabulary with another
// min_count, for `tune`).
VocabCounter count_split(const std::filesystem::path& dir, const std::string& split, uint64_t max_files = 0,
                         bool spread = true);

}  // namespace dw::train
