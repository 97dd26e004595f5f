#include "lsp/ContextWindow.h"

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
  // Top-level imports above the window, parenthesised continuations included.
  for (size_t l = 0; l < first; ++l) {
    auto line = line_at(l);
    if (!line.starts_with("import ") && !line.starts_with("from ")) continue;
    out.append(line).push_back('\n');
    if (line.find('(') != std::string_view::npos && line.find(')') == std::string_view::npos)
      while (++l < first) {
        out.append(line_at(l)).push_back('\n');
        if (line_at(l).find(')') != std::string_view::npos) break;
      }
  }
  out.append(text.substr(starts[first]));
  return out;
}

}  // namespace dw::lsp
