// Training rows for the learned ranker, as `dotwise eval --protocol editor --dump-features` writes
// them: one group per completion site (every candidate the engine produced, so the ranker trains on
// exactly the lists the server ranks), label 1 on the member really written there.
//   header  "DWFEAT01" u32 feature_count
//   group   u32 rows  u8 receiver_kind  u8 has_positive  u16 0  u32 project
//   row     u8 label  f32[feature_count]
// Groups without the true member stay in the file: they are misses when a ranker is scored on it.
#pragma once
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "rank/CompletionEngine.h"

namespace dw {

struct FeatureGroup {
  uint32_t project = 0;
  uint8_t receiver_kind = 4;
  bool has_positive = false;
  std::vector<uint8_t> labels;
  std::vector<float> rows;  // labels.size() x feature_count
};

class FeatureWriter {
 public:
  explicit FeatureWriter(const std::filesystem::path& p);  // to p.tmp, renamed by close()
  ~FeatureWriter();
  void add(const CompletionResult& r, const std::string& truth, uint32_t project);
  void close();
  uint64_t groups() const { return groups_; }

 private:
  std::filesystem::path path_, tmp_;
  std::FILE* f_ = nullptr;
  uint64_t groups_ = 0;
};

// Throws std::runtime_error on a foreign, truncated or mismatched file.
std::vector<FeatureGroup> read_feature_file(const std::filesystem::path& p);

}  // namespace dw
