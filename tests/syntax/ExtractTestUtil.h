// Shared by the syntax tests: one stub index (typeshed from node_modules) and small helpers.
#pragma once
#include <string>
#include <vector>

#include "syntax/Extractor.h"

namespace dw::test {

inline const TypeshedIndex& stubs() {
  static TypeshedIndex index(TypeshedIndex::default_roots());
  return index;
}

inline ExtractedFile extract(std::string_view src) {
  auto r = Extractor(stubs()).extract(src);
  return std::move(r.file);
}

inline std::vector<std::string> tokens(const ExtractedFile& f) {
  std::vector<std::string> out;
  for (size_t i = 0; i < f.tokens.size(); ++i) out.emplace_back(f.token(i));
  return out;
}

inline std::string joined(const ExtractedFile& f) {
  std::string out;
  for (size_t i = 0; i < f.tokens.size(); ++i) out += (i ? " " : "") + std::string(f.token(i));
  return out;
}

// "receiver.member:class" for each site, class "?" when unresolved.
inline std::vector<std::string> sites(const ExtractedFile& f) {
  std::vector<std::string> out;
  for (const auto& s : f.sites)
    out.push_back(std::string(f.str(s.receiver)) + "." + std::string(f.member(s)) + ":" +
                  (s.cls == kNoString ? "?" : std::string(f.str(s.cls))));
  return out;
}

}  // namespace dw::test
