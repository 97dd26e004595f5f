// What extraction produces for one Python file: its token stream and its labelled member-access
// sites. Tokens are kept as strings (a file-local table) so the vocabulary can be chosen later,
// on the training split only, without extracting again.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dw {

inline constexpr uint32_t kNoString = UINT32_MAX;

enum SiteFlag : uint8_t {
  kSiteCall = 1,  // `recv.name(...)`: the access is the callee of a call
  kSiteInIf = 2,  // inside an `if`/`elif`/`else` condition or body (the frequency-if baseline)
};

struct Site {
  uint32_t pos = 0;               // tokens[pos] is the member; tokens[pos-1] is the "."
  uint32_t receiver = kNoString;  // string: receiver source text (at most 80 bytes)
  uint32_t cls = kNoString;       // string: completion class (receiver's resolved type), or none
  uint32_t scope = 0;             // enclosing def/class within the file (0 = module level)
  uint32_t line = 0, col = 0;     // 0-based position of the member name (col in bytes)
  uint8_t flags = 0;
  bool operator==(const Site&) const = default;
};

struct ExtractedFile {
  std::vector<std::string> strings;  // file-local table: tokens, receivers and classes
  std::vector<uint32_t> tokens;      // indices into `strings`
  std::vector<Site> sites;
  uint32_t parse_errors = 0;         // ERROR/MISSING nodes tree-sitter recovered from

  std::string_view str(uint32_t i) const { return i == kNoString ? std::string_view{} : std::string_view(strings[i]); }
  std::string_view token(size_t i) const { return strings[tokens[i]]; }
  std::string_view member(const Site& s) const { return token(s.pos); }
  bool operator==(const ExtractedFile&) const = default;
};

// Interns strings into an ExtractedFile's table while it is being built.
class StringInterner {
 public:
  explicit StringInterner(ExtractedFile& f) : f_(f) {}
  uint32_t operator()(std::string_view s) {
    auto it = index_.find(std::string(s));
    if (it != index_.end()) return it->second;
    auto id = uint32_t(f_.strings.size());
    f_.strings.emplace_back(s);
    index_.emplace(f_.strings.back(), id);
    return id;
  }

 private:
  ExtractedFile& f_;
  std::unordered_map<std::string, uint32_t> index_;
};

}  // namespace dw
