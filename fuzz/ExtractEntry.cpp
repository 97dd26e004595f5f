#include "corpus/Shard.h"
#include "fuzz/Entries.h"
#include "syntax/Extractor.h"

namespace dw::fuzz {

void extract_bytes(std::string_view bytes) {
  // One index for the whole run, as in `dotwise extract`: stub modules are parsed once and cached.
  static const TypeshedIndex stubs(TypeshedIndex::default_roots());
  static const Extractor extractor(stubs);
  ExtractResult r = extractor.extract(bytes);
  if (r.skip != Skip::None) return;  // a counted skip is a documented outcome
  const ExtractedFile& f = r.file;
  for (uint32_t t : f.tokens) require(t < f.strings.size(), "token index in range");
  uint32_t prev = 0;
  for (const auto& s : f.sites) {
    require(s.pos >= 1 && s.pos < f.tokens.size(), "site position in range");
    require(s.pos >= prev, "sites in stream order");
    require(f.token(s.pos - 1) == ".", "a site follows its dot");
    require(s.receiver == kNoString || s.receiver < f.strings.size(), "receiver string in range");
    require(s.cls == kNoString || s.cls < f.strings.size(), "class string in range");
    prev = s.pos;
  }
  // The extraction must survive the trip through a shard unchanged (what training reads back).
  std::vector<ShardFile> files = {{"fuzz", "input.py", f}};
  require(decode_shard(encode_shard(files)) == files, "shard round trip of an extracted file");
}

}  // namespace dw::fuzz
