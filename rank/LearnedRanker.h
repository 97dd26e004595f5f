// The learned ranker's file: a versioned companion of the model (`M.dwr` beside `M.dwm`):
//   "DWRANK01"  u32 format version  u32 feature count  the feature names ('\n'-joined, u32 length)
//   u64 model fingerprint  u32 length + info JSON (how it was trained)  u32 length + the trees
//   (TreeEnsemble::to_bytes)  u64 hash64 of every byte before it
// The loader refuses a file whose checksum, version, feature list (rank/Features.h, by name and
// order) or model fingerprint (the logits it reads depend on the model) does not match.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/ModelFile.h"
#include "rank/TreeEnsemble.h"

namespace dw {

inline constexpr uint32_t kRankerFormatVersion = 1;

// hash64 over the vocabulary's tokens and the architecture: a ranker is trained for one model family.
uint64_t model_fingerprint(const ModelFile& m);

// The companion path of a model file: "x/default.dwm" -> "x/default.dwr".
std::filesystem::path ranker_path_for(const std::filesystem::path& model);

// Throws std::runtime_error naming what is wrong (missing, truncated, corrupt, other features, other model).
TreeEnsemble load_ranker(const std::filesystem::path& p, const ModelFile* model, std::string* info_json = nullptr);

std::string ranker_file_bytes(const TreeEnsemble& trees, uint64_t fingerprint, const std::string& info_json);

}  // namespace dw
