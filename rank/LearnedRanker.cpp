#include "rank/LearnedRanker.h"

#include <fmt/format.h>

#include <cstring>

#include "rank/Features.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {
namespace {
constexpr char kMagic[8] = {'D', 'W', 'R', 'A', 'N', 'K', '0', '1'};

std::string feature_list() {
  std::string s;
  for (auto n : kFeatureNames) s += std::string(s.empty() ? "" : "\n") + n;
  return s;
}
template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_str(std::string& out, std::string_view s) {
  put(out, uint32_t(s.size()));
  out.append(s);
}
}  // namespace

uint64_t model_fingerprint(const ModelFile& m) {
  const auto& c = m.config();
  uint64_t h = hash64(fmt::format("{} {} {} {}", c.dx, c.dh, c.layers, m.vocab().size()));
  for (auto t : m.vocab()) h = hash64(t, h);
  return h;
}

std::filesystem::path ranker_path_for(const std::filesystem::path& model) {
  auto p = model;
  p.replace_extension(".dwr");
  return p;
}

std::string ranker_file_bytes(const TreeEnsemble& trees, uint64_t fingerprint, const std::string& info_json) {
  std::string out(kMagic, 8);
  put(out, kRankerFormatVersion);
  put(out, uint32_t(kFeatureCount));
  put_str(out, feature_list());
  put(out, fingerprint);
  put_str(out, info_json);
  put_str(out, trees.to_bytes());
  put(out, hash64(out));
  return out;
}

TreeEnsemble load_ranker(const std::filesystem::path& p, const ModelFile* model, std::string* info_json) {
  auto r = read_file(p, 64u << 20);
  auto fail = [&](const std::string& why) { return std::runtime_error(p.string() + ": " + why); };
  if (!r.error.empty()) throw fail(r.error);
  std::string_view d = r.data;
  if (d.size() < 8 + 4 + 4 + 8 || std::memcmp(d.data(), kMagic, 8) != 0) throw fail("not a dotwise ranker file");
  uint64_t sum;
  std::memcpy(&sum, d.data() + d.size() - 8, 8);
  if (hash64(d.substr(0, d.size() - 8)) != sum) throw fail("checksum mismatch (truncated or corrupted)");
  d = d.substr(8, d.size() - 16);
  auto take32 = [&]() {
    if (d.size() < 4) throw fail("truncated");
    uint32_t v;
    std::memcpy(&v, d.data(), 4);
    d.remove_prefix(4);
    return v;
  };
  auto take_str = [&]() {
    uint32_t n = take32();
    if (n > d.size()) throw fail("truncated");
    auto s = d.substr(0, n);
    d.remove_prefix(n);
    return s;
  };
  if (uint32_t v = take32(); v != kRankerFormatVersion)
    throw fail(fmt::format("ranker format {} (this build reads {})", v, kRankerFormatVersion));
  if (take32() != kFeatureCount || take_str() != feature_list()) throw fail("trained on another feature list");
  if (d.size() < 8) throw fail("truncated");
  uint64_t fp;
  std::memcpy(&fp, d.data(), 8);
  d.remove_prefix(8);
  if (model && fp != model_fingerprint(*model))
    throw fail("trained for another model (vocabulary or architecture differ)");
  auto info = take_str();
  if (info_json) *info_json = std::string(info);
  try {
    return TreeEnsemble::from_bytes(take_str(), kFeatureCount);
  } catch (const std::runtime_error& e) {
    throw fail(e.what());
  }
}

}  // namespace dw
