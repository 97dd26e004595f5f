// Hand-built ExtractedFiles for ranker and evaluation tests: each site adds `receiver . member` to the
// token stream, so positions, classes, scopes and flags are exactly what the test says.
#pragma once
#include <string>

#include "syntax/Extracted.h"

namespace dw::test {

class FileBuilder {
 public:
  FileBuilder() : in_(f_) {}
  FileBuilder(const FileBuilder&) = delete;
  FileBuilder& operator=(const FileBuilder&) = delete;
  // cls "" = unresolved class.
  FileBuilder& site(const std::string& cls, const std::string& member, uint32_t scope = 0, bool in_if = false,
                    const std::string& receiver = "r", bool call = true) {
    f_.tokens.push_back(in_(receiver));
    f_.tokens.push_back(in_("."));
    Site s;
    s.pos = uint32_t(f_.tokens.size());
    f_.tokens.push_back(in_(member));
    s.receiver = in_(receiver);
    s.cls = cls.empty() ? kNoString : in_(cls);
    s.scope = scope;
    s.line = uint32_t(f_.sites.size());
    s.flags = uint8_t((call ? kSiteCall : 0) | (in_if ? kSiteInIf : 0));
    f_.sites.push_back(s);
    return *this;
  }
  FileBuilder& token(const std::string& t) {
    f_.tokens.push_back(in_(t));
    return *this;
  }
  ExtractedFile build() const { return f_; }

 private:
  ExtractedFile f_;
  StringInterner in_;
};

}  // namespace dw::test
