#include "rank/LearnedRanker.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "rank/Features.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {

uint64_t model_fingerprint(const ModelFile& m) {
  const auto& c = m.config();
  uint64_t h = hash64(fmt::format("{} {} {} {}", c.dx, c.dh, c.layers, m.vocab().size()));
  for (auto t : m.vocab()) h = hash64(t, h);
  return h;
}

std::filesystem::path ranker_path_for(const std::filesystem::path& model) {
  auto p = model;
  p.replace_extension(".ranker.json");
  return p;
}

TreeEnsemble load_ranker(const std::filesystem::path& p, const ModelFile* model) {
  using Json = nlohmann::json;
  auto r = read_file(p, 256u << 20);
  auto fail = [&](const std::string& why) { return std::runtime_error(p.string() + ": " + why); };
  if (!r.error.empty()) throw fail(r.error);
  Json j = Json::parse(r.data, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", "") != "dotwise-ranker") throw fail("not a dotwise ranker file");
  if (j.value("version", 0) != kRankerFormatVersion)
    throw fail(fmt::format("ranker format {} (this build reads {})", j.value("version", 0), kRankerFormatVersion));
  const Json& feats = j.contains("features") ? j["features"] : Json();
  bool same = feats.is_array() && feats.size() == kFeatureCount;
  for (size_t i = 0; same && i < kFeatureCount; ++i) same = feats[i].is_string() && feats[i].get<std::string>() == kFeatureNames[i];
  if (!same) throw fail("trained on another feature list");
  if (model) {
    std::string want = fmt::format("{:016x}", model_fingerprint(*model));
    if (j.value("model_fingerprint", "") != want) throw fail("trained for another model (vocabulary or architecture differ)");
  }
  if (!j.contains("xgboost") || !j["xgboost"].is_object()) throw fail("no xgboost model inside");
  try {
    return TreeEnsemble::from_xgboost_json(j["xgboost"].dump(), kFeatureCount);
  } catch (const std::runtime_error& e) {
    throw fail(e.what());
  }
}

std::string ranker_file_json(const std::string& xgboost_json, uint64_t fingerprint, const std::string& info_json) {
  using Json = nlohmann::json;
  Json j;
  j["format"] = "dotwise-ranker";
  j["version"] = kRankerFormatVersion;
  j["features"] = Json::array();
  for (auto n : kFeatureNames) j["features"].push_back(n);
  j["model_fingerprint"] = fmt::format("{:016x}", fingerprint);
  j["info"] = Json::parse(info_json, nullptr, false);
  j["xgboost"] = Json::parse(xgboost_json);
  return j.dump();
}

}  // namespace dw
