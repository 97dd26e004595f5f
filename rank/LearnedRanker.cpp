#include "rank/LearnedRanker.h"

#include <fmt/format.h>

#include <cstring>

#include "rank/Features.h"
#include "support/BinaryIO.h"
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
// Strings with a u32 length (not ByteWriter::str's varint): the format as first written.
void put_str(ByteWriter& w, std::string_view s) {
  w.u32(uint32_t(s.size()));
  w.raw(s.data(), s.size());
}
std::string_view take_str(ByteReader& r) { return r.bytes(r.u32()); }
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
  ByteWriter w;
  w.raw(kMagic, 8);
  w.u32(kRankerFormatVersion);
  w.u32(uint32_t(kFeatureCount));
  put_str(w, feature_list());
  w.u64(fingerprint);
  put_str(w, info_json);
  put_str(w, trees.to_bytes());
  w.u64(hash64(w.buffer()));
  return std::move(w.buffer());
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
  try {
    ByteReader in(d.substr(8, d.size() - 16), "ranker");
    if (uint32_t v = in.u32(); v != kRankerFormatVersion)
      throw fail(fmt::format("ranker format {} (this build reads {})", v, kRankerFormatVersion));
    if (in.u32() != kFeatureCount || take_str(in) != feature_list()) throw fail("trained on another feature list");
    if (uint64_t fp = in.u64(); model && fp != model_fingerprint(*model))
      throw fail("trained for another model (vocabulary or architecture differ)");
    auto info = take_str(in);
    if (info_json) *info_json = std::string(info);
    return TreeEnsemble::from_bytes(take_str(in), kFeatureCount);
  } catch (const FormatError& e) {
    throw fail(e.what());
  }
}

}  // namespace dw
