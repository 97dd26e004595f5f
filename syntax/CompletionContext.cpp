#include "syntax/CompletionContext.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace dw {
namespace {
// A member name no real code uses: it stands in for the member being typed, so the extractor's own
// site labelling finds the receiver, its class and the context, exactly as at training time.
constexpr std::string_view kPlaceholder = "__dotwise_cursor__";

bool ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

// Where the cursor stands on its own line: in code, in a comment or a string's text, or in code
// inside an f-string's replacement field (`f"{self.`), which the extractor never sees as code (a
// string is one <str> token), so the field's expression is lifted out and completed as code.
struct CursorLine {
  bool code = true;
  size_t outer_begin = 0;  // fields only: where the outermost string starts (its prefix included)
  size_t field_begin = 0;  // where the innermost field's expression starts
  std::string closers;     // what closes the brackets opened inside that expression
};

// One string being scanned; `open` holds the brackets of the field the scan is in ("" in the text).
struct StringFrame {
  char quote = 0;
  bool triple = false, formatted = false, spec = false;  // spec: in a field's `:format` / `!r` part
  size_t begin = 0, field = 0;
  std::string open;
};

char closer_of(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

// Only the cursor's line is read: a string spanning lines is triple-quoted, parses as one string
// and yields no site, so the extractor's result stands there.
CursorLine cursor_line(std::string_view text) {
  const size_t nl = text.rfind('\n');
  const size_t bol = nl == std::string_view::npos ? 0 : nl + 1;
  std::string_view line = text.substr(bol);
  std::vector<StringFrame> st;
  auto tripled = [&](size_t i) { return i + 2 < line.size() && line[i + 1] == line[i] && line[i + 2] == line[i]; };
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    const bool code = st.empty() || (!st.back().open.empty() && !st.back().spec);
    if (code) {
      if (c == '#') return {.code = false};
      if (c == '\'' || c == '"') {
        size_t p = i;
        while (p > 0 && std::isalpha(static_cast<unsigned char>(line[p - 1]))) --p;
        const std::string_view prefix = line.substr(p, i - p);
        StringFrame f{.quote = c, .triple = tripled(i), .begin = bol + p};
        f.formatted = prefix.size() <= 2 && prefix.find_first_of("fF") != std::string_view::npos;
        st.push_back(f);
        if (f.triple) i += 2;
      } else if (!st.empty()) {  // inside a replacement field
        StringFrame& f = st.back();
        if (c == '(' || c == '[' || c == '{') {
          f.open += c;
        } else if (c == ')' || c == ']' || c == '}') {
          f.open.pop_back();  // `}` closing the field itself leaves the frame in its text again
        } else if (f.open.size() == 1 && (c == ':' || (c == '!' && (i + 1 >= line.size() || line[i + 1] != '=')))) {
          f.spec = true;
        }
      }
      continue;
    }
    StringFrame& f = st.back();
    if (f.spec) {  // a format spec ends with its field
      if (c == '}') f.spec = false, f.open.clear();
      continue;
    }
    if (c == '\\') {
      ++i;
    } else if (c == f.quote && (!f.triple || tripled(i))) {
      if (f.triple) i += 2;
      st.pop_back();
    } else if (f.formatted && c == '{') {
      if (i + 1 < line.size() && line[i + 1] == '{')
        ++i;  // a literal brace
      else
        f.open = "{", f.field = bol + i + 1;
    }
  }
  if (st.empty()) return {};
  const StringFrame& top = st.back();
  if (top.open.empty() || top.spec) return {.code = false};
  CursorLine r{.outer_begin = st.front().begin, .field_begin = top.field};
  for (size_t k = top.open.size(); k-- > 1;) r.closers += closer_of(top.open[k]);
  return r;
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
  const CursorLine line = cursor_line(text.substr(0, dot));
  if (!line.code) return std::nullopt;

  std::string src;
  if (line.field_begin) {  // `return f"a{x.`: `return (x.` + placeholder + `)`
    src.append(text.substr(0, line.outer_begin)).append("(");
    src.append(text.substr(line.field_begin, start - line.field_begin));
    src.append(kPlaceholder).append(line.closers).append(")");
  } else {
    src.append(text.substr(0, start)).append(kPlaceholder);
  }
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
