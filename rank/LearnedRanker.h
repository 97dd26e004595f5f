// The learned ranker's file: a versioned companion of the model (`M.ranker.json` beside `M.dwm`),
// holding XGBoost's own JSON model plus what it was trained against — the feature list
// (rank/Features.h, by name and order) and the model's vocabulary fingerprint (the logits it reads
// depend on the model). The loader refuses a file that does not match either.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model/ModelFile.h"
#include "rank/TreeEnsemble.h"

namespace dw {

inline constexpr int kRankerFormatVersion = 1;

// hash64 over the vocabulary's tokens and the architecture: a ranker is trained for one model family.
uint64_t model_fingerprint(const ModelFile& m);

// The companion path of a model file: "x/default.dwm" -> "x/default.ranker.json".
std::filesystem::path ranker_path_for(const std::filesystem::path& model);

// Throws std::runtime_error naming what is wrong (missing, malformed, other features, other model).
TreeEnsemble load_ranker(const std::filesystem::path& p, const ModelFile* model);

// Wraps XGBoost's JSON model with the header load_ranker checks; `info` is free-form (training facts).
std::string ranker_file_json(const std::string& xgboost_json, uint64_t fingerprint, const std::string& info_json);

}  // namespace dw
