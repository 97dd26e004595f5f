#include "syntax/CompletionContext.h"

#include <algorithm>
#include <cctype>

namespace dw {
namespace {
// A member name no real code uses: it stands in for the member being typed, so the extractor's own
// site labelling finds the receiver, its class and the context, exactly as at training time.
constexpr std::string_view kPlaceholder = "__dotwise_cursor__";

bool ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// True when the cursor sits in a comment or an unterminated one-line string of its own line. Error
// recovery would otherwise turn `s = 'a.b.` into an attribute access. (Triple-quoted strings spanning
// lines parse as strings and produce no site, so they need no check here.)
bool in_comment_or_string(std::string_view text) {
  size_t bol = text.rfind('\n');
  std::string_view line = text.substr(bol == std::string_view::npos ? 0 : bol + 1);
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '#') {
      return true;
    } else if (c == '\'' || c == '"') {
      quote = c;
    }
  }
  return quote != 0;
}
}  // namespace

size_t typed_prefix_length(std::string_view text, size_t cursor) {
  size_t start = std::min(cursor, text.size());
  const size_t end = start;
  while (start > 0 && ident_char(static_cast<unsigned char>(text[start - 1]))) --start;
  return end - start;
}

std::optional<CompletionContext> completion_context(const Extractor& ex, std::string_view text, ParseCache* reuse) {
  size_t end = text.size();
  size_t start = end - typed_prefix_length(text, end);
  size_t dot = start;
  while (dot > 0 && (text[dot - 1] == ' ' || text[dot - 1] == '\t')) --dot;  // `x. foo` is legal Python
  if (dot == 0 || text[dot - 1] != '.') return std::nullopt;
  if (dot >= 2 && text[dot - 2] == '.') return std::nullopt;  // `..` / `...`: not a member access
  if (start < end && std::isdigit(static_cast<unsigned char>(text[start]))) return std::nullopt;
  if (in_comment_or_string(text.substr(0, dot))) return std::nullopt;

  std::string src(text.substr(0, start));
  src += kPlaceholder;
  src += '\n';
  ExtractResult r = ex.extract(src, reuse);
  if (r.skip != Skip::None) return std::nullopt;
  const Site* hit = nullptr;
  for (const auto& s : r.file.sites)
    if (r.file.member(s) == kPlaceholder) hit = &s;  // the last one: the cursor's
  if (!hit) return std::nullopt;                     // e.g. a float literal `1.` or a "." inside a string
  CompletionContext c;
  c.receiver = std::string(r.file.str(hit->receiver));
  c.cls = std::string(r.file.str(hit->cls));
  c.prefix = std::string(text.substr(start));
  c.scope = hit->scope;
  c.in_if = hit->flags & kSiteInIf;
  uint32_t pos = hit->pos;
  c.file = std::move(r.file);
  c.file.tokens.resize(pos);
  std::erase_if(c.file.sites, [&](const Site& s) { return s.pos >= pos; });
  return c;
}

}  // namespace dw
