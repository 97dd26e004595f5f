#include "lsp/ContextWindow.h"

#include <cctype>
#include <vector>

namespace dw::lsp {
namespace {
bool starts_statement(std::string_view line) {
  if (line.empty()) return false;
  char c = line.front();
  if (c == ' ' || c == '\t' || c == '#' || c == ')' || c == ']' || c == '}' || c == '\r' || c == '@') return false;
  for (std::string_view kw : {"else", "elif", "except", "finally", "case"})
    if (line.starts_with(kw) && (line.size() == kw.size() || line[kw.size()] == ':' || line[kw.size()] == ' '))
      return false;
  return true;
}

bool is_import(std::string_view line) { return line.starts_with("import ") || line.starts_with("from "); }

// `NAME = ...` or `NAME: T = ...` at the top level (module variables such as `log = logging.getLogger()`
// type receivers anywhere below them).
bool is_assignment(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
  if (i == 0 || std::isdigit(static_cast<unsigned char>(line[0]))) return false;
  while (i < line.size() && line[i] == ' ') ++i;
  if (i < line.size() && line[i] == ':') return line.find('=', i) != std::string_view::npos;
  return i + 1 < line.size() && line[i] == '=' && line[i + 1] != '=';
}

// Bracket depth change over a line (strings and comments not parsed: a guess that only decides how
// many continuation lines to copy, bounded by the caller).
int bracket_delta(std::string_view line) {
  int d = 0;
  for (char c : line) {
    if (c == '#') break;
    d += (c == '(' || c == '[' || c == '{') - (c == ')' || c == ']' || c == '}');
  }
  return d;
}
}  // namespace

std::string context_window(std::string_view text, WindowOptions opt) {
  if (opt.max_lines == 0) return std::string(text);
  std::vector<size_t> starts = {0};  // byte offset of each line
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  const size_t n = starts.size();  // the cursor's line is n - 1
  if (n <= opt.max_lines + opt.step) return std::string(text);
  const size_t step = opt.step ? opt.step : 1;
  size_t first = (n - 1 - opt.max_lines) / step * step;
  auto line_at = [&](size_t l) {
    size_t end = l + 1 < n ? starts[l + 1] - 1 : text.size();
    return text.substr(starts[l], end - starts[l]);
  };
  while (first > 0 && !starts_statement(line_at(first))) --first;
  while (first > 0 && line_at(first - 1).starts_with("@")) --first;  // keep a def's decorators
  if (first == 0) return std::string(text);
  std::string out;
  // Top-level imports and assignments above the window, bracketed continuations included.
  constexpr size_t kMaxContinuation = 30;
  for (size_t l = 0; l < first; ++l) {
    auto line = line_at(l);
    if (!is_import(line) && !is_assignment(line)) continue;
    int depth = bracket_delta(line);
    size_t end = l + 1;
    while (depth > 0 && end < first && end - l <= kMaxContinuation) depth += bracket_delta(line_at(end++));
    if (depth > 0) continue;  // unbalanced or too long: a partial statement would break the parse
    for (; l < end; ++l) out.append(line_at(l)).push_back('\n');
    --l;
  }
  out.append(text.substr(starts[first]));
  return out;
}

}  // namespace dw::lsp
