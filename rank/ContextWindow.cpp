#include "rank/ContextWindow.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <vector>

#include "support/Hash.h"

namespace dw {
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

using Scan = LineScan;  // brackets in strings and comments do not count

// The bytes scan_line acts on outside strings; the rest it skips in a tight loop (a 5 MB generated
// module has 100k lines above a cursor near its end: 13 ms scanned byte by byte, every call).
constexpr std::array<bool, 256> kActive = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view("#'\"()[]{}")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

void scan_line(std::string_view line, Scan& st) {
  const size_t n = line.size();
  size_t i = 0;
  // Past the string's closing quote(s) (honouring backslashes), or false at the line's end.
  auto skip_to = [&](char q, bool triple) {
    for (; i < n; ++i) {
      const char c = line[i];
      if (c == '\\') {
        ++i;
        continue;
      }
      if (c == q && (!triple || (i + 2 < n && line[i + 1] == q && line[i + 2] == q))) {
        i += triple ? 3 : 1;
        return true;
      }
    }
    return false;
  };
  if (st.triple) {
    if (!skip_to(st.triple, true)) return;
    st.triple = 0;
  }
  while (i < n) {
    while (i < n && !kActive[static_cast<unsigned char>(line[i])]) ++i;
    if (i >= n) return;
    const char c = line[i];
    if (c == '#') return;
    if (c == '"' || c == '\'') {
      if (i + 2 < n && line[i + 1] == c && line[i + 2] == c) {
        i += 3;
        if (!skip_to(c, true)) {
          st.triple = c;
          return;
        }
      } else {
        ++i;
        if (!skip_to(c, false)) return;  // unterminated: the rest of the line is string
      }
      continue;
    }
    st.depth += (c == '(' || c == '[' || c == '{') - (c == ')' || c == ']' || c == '}');
    st.depth = std::max(st.depth, 0);
    ++i;
  }
}

size_t indent_of(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i;
}

bool blank_or_comment(std::string_view line) {
  size_t i = indent_of(line);
  return i == line.size() || line[i] == '#' || line[i] == '\r';
}

// The header of a compound statement ends with ':' (a trailing comment apart).
bool ends_header(std::string_view line) {
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
  return !line.empty() && line.back() == ':';
}

// How much of `text` is known unchanged since the cache saw it (a multiple of the block size, or all
// of it), with the cache updated to `text`. A hash collision would keep stale line states; at 64 bits
// per 4 KB block that is not a practical concern.
size_t unchanged_prefix(WindowCache& c, std::string_view text) {
  constexpr size_t B = WindowCache::kHashBlock;
  const size_t blocks = (text.size() + B - 1) / B;
  size_t same = 0;
  bool equal = true;
  c.blocks.resize(std::max(c.blocks.size(), blocks));
  for (size_t i = 0; i < blocks; ++i) {
    const size_t len = std::min(B, text.size() - i * B);
    const uint64_t h = hash64(text.data() + i * B, len, len);
    // A block counts only where it had the same extent before (the last block may have grown).
    const bool was_full = (i + 1) * B <= c.size;
    equal = equal && c.blocks[i] == h && (was_full || c.size == text.size());
    if (equal) ++same;
    c.blocks[i] = h;
  }
  c.blocks.resize(blocks);
  c.size = text.size();
  return std::min(same * B, text.size());
}

// The top-level imports and assignments of lines [0, first), bracketed continuations included.
// Modules with big tables (`OPS = [...]` over hundreds of lines) would make this header the cost, so
// an assignment spans at most a few lines, and they share a line budget.
std::string header_of(std::string_view text, const std::vector<size_t>& starts, size_t first,
                      const std::vector<LineScan>& before) {
  constexpr size_t kMaxImportLines = 30, kMaxAssignmentLines = 3, kAssignmentBudget = 120;
  auto line_at = [&](size_t l) { return text.substr(starts[l], starts[l + 1] - 1 - starts[l]); };
  std::string out;
  size_t assignment_lines = 0;
  for (size_t l = 0; l < first; ++l) {
    // A docstring's "from the ..." or a call's "key=value," line is not a statement. Lines past the
    // known states are the rest of a docstring the window starts after.
    if (l >= before.size() || !before[l].at_statement_level()) continue;
    auto line = line_at(l);
    const bool import = is_import(line);
    if (!import && !is_assignment(line)) continue;
    const size_t max_lines = import ? kMaxImportLines : kMaxAssignmentLines;
    Scan st;
    scan_line(line, st);
    size_t end = l + 1;
    while (!st.at_statement_level() && end < first && end - l < max_lines) scan_line(line_at(end++), st);
    if (!st.at_statement_level()) continue;  // unbalanced or too long: a partial statement would break the parse
    if (!import && (assignment_lines += end - l) > kAssignmentBudget) continue;
    for (; l < end; ++l) out.append(line_at(l)).push_back('\n');
    --l;
  }
  return out;
}
}  // namespace

std::string context_window(std::string_view text, WindowOptions opt, WindowCache* cache) {
  if (opt.max_lines == 0) return std::string(text);
  WindowCache local;
  WindowCache& c = cache ? *cache : local;
  const size_t common = cache ? unchanged_prefix(c, text) : 0;
  // Byte offset of each line: those that start inside the unchanged prefix are known.
  std::vector<size_t>& starts = c.starts;
  if (starts.empty()) starts.push_back(0);
  while (starts.size() > 1 && starts.back() > common) starts.pop_back();
  const char* const end = text.data() + text.size();
  for (const char* p = text.data() + starts.back();
       (p = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p))));)
    starts.push_back(size_t(++p - text.data()));
  if (common < c.header_bytes) c.header_first = SIZE_MAX;  // a line the header was made of changed
  const size_t n = starts.size();                          // the cursor's line is n - 1
  if (n <= opt.max_lines + opt.step) {
    c.before.clear();  // states of an older text: the next call must not trust them
    return std::string(text);
  }
  const size_t step = opt.step ? opt.step : 1;
  size_t first = (n - 1 - opt.max_lines) / step * step;
  auto line_at = [&](size_t l) {
    size_t e = l + 1 < n ? starts[l + 1] - 1 : text.size();
    return text.substr(starts[l], e - starts[l]);
  };
  const size_t aligned = first;

  // The scan state before each line [0, aligned]: kept from the last call up to the first changed line.
  size_t valid = 0;  // line `valid` starts after lines that did not change, so its state holds
  while (valid + 1 < c.before.size() && valid + 1 < n && starts[valid + 1] <= common) ++valid;
  c.before.resize(std::min(valid, aligned) + 1);
  for (size_t l = c.before.size() - 1; l < aligned; ++l) {
    Scan st = c.before[l];
    scan_line(line_at(l), st);
    c.before.push_back(st);
  }
  auto open = [&](size_t l) { return !c.before[l].at_statement_level(); };  // starts inside brackets or a string

  while (first > 0 && (open(first) || !starts_statement(line_at(first)))) --first;
  while (first > 0 && line_at(first - 1).starts_with("@")) --first;  // keep a def's decorators

  // Inside a long top-level class or function (stdlib modules have classes of thousands of lines),
  // keep its header and start at a statement of its body instead, so the parse stays bounded.
  size_t header_end = 0, inner = 0;  // lines [first, header_end] + [inner, cursor] when inner > 0
  if (aligned - first > opt.max_lines) {
    size_t h = first;
    while (h < aligned && h - first < 10 && !ends_header(line_at(h))) ++h;
    size_t body = h + 1;
    while (body < aligned && blank_or_comment(line_at(body))) ++body;
    const size_t indent = body < aligned ? indent_of(line_at(body)) : 0;
    if (ends_header(line_at(h)) && indent > 0) {
      auto at_body_level = [&](size_t l) {
        auto line = line_at(l);
        return !open(l) && indent_of(line) == indent && starts_statement(line.substr(indent));
      };
      size_t l = aligned;
      while (l > body && !at_body_level(l)) --l;
      while (l > body && indent_of(line_at(l - 1)) == indent && line_at(l - 1).substr(indent).starts_with("@")) --l;
      if (l > body) header_end = h, inner = l;
    }
    // No body to start in (e.g. a table literal of a thousand lines): start at the line itself and
    // let the error-tolerant parse make what it can of a statement's tail.
    if (inner == 0) first = aligned;
    // Inside a long string (a module docstring of doctests): start after it instead, where the code
    // is. Its text read as code would turn its closing quotes into an opening one.
    if (inner == 0 && c.before[aligned].triple) {
      Scan st = c.before[aligned];
      for (size_t l = aligned; l + 1 < n - 1; ++l) {
        scan_line(line_at(l), st);
        if (st.at_statement_level()) {
          first = l + 1;
          break;
        }
      }
    }
  }
  if (first == 0 && inner == 0) return std::string(text);
  if (c.header_first != first) {
    c.header = header_of(text, starts, first, c.before);
    c.header_first = first;
    c.header_bytes = starts[first];
  }
  std::string out = c.header;
  if (inner > 0) {
    out.append(text.substr(starts[first], starts[header_end + 1] - starts[first]));
    out.append(text.substr(starts[inner]));
  } else {
    out.append(text.substr(starts[first]));
  }
  return out;
}

}  // namespace dw
