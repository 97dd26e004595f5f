// `dotwise extract`: manifest -> shards per split, vocabulary from the training split, stats.
// Work is cut into shards of consecutive files (manifest order), each written atomically, so the
// output is byte-identical whatever the thread count, and --resume keeps every complete shard.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "corpus/Manifest.h"

namespace dw {

struct ExtractJobOptions {
  std::filesystem::path out;
  std::vector<std::filesystem::path> stub_roots;  // empty: TypeshedIndex::default_roots()
  uint64_t min_count = 500;
  uint32_t max_oov = 256;
  uint32_t shard_files = 1000;
  unsigned threads = 0;  // 0: hardware threads
  bool resume = false;
  std::filesystem::path vocab;  // use this vocabulary instead of building one from the train split
};

// Runs the job; returns the stats report (also written to OUT/stats.json).
nlohmann::json run_extract(const std::vector<ManifestEntry>& entries, const ExtractJobOptions& opt);

}  // namespace dw
