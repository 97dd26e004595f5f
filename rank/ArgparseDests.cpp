#include "rank/ArgparseDests.h"

#include <array>
#include <cctype>
#include <cstring>

namespace dw {
namespace {
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

void skip_space(std::string_view t, size_t& i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r' || t[i] == '\\')) ++i;
}

// A plain (unprefixed, single-line) string literal at t[i]; false when there is none.
bool read_string(std::string_view t, size_t& i, std::string& out) {
  if (i >= t.size() || (t[i] != '\'' && t[i] != '"')) return false;
  const char q = t[i];
  size_t j = i + 1;
  while (j < t.size() && t[j] != q && t[j] != '\n' && t[j] != '\\') ++j;
  if (j >= t.size() || t[j] != q) return false;
  out.assign(t.substr(i + 1, j - i - 1));
  i = j + 1;
  return true;
}

// An option or positional string as an attribute name: "--dry-run" -> "dry_run"; "" when it is not one.
std::string attribute_of(std::string_view s) {
  while (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return {};
  std::string out;
  for (char c : s) {
    if (c == '-') c = '_';
    if (!ident_char(c)) return {};
    out += c;
  }
  return out;
}
}  // namespace

std::vector<ArgparseDest> argparse_dests(std::string_view t, size_t max_calls) {
  constexpr std::string_view kCall = "add_argument(";
  // memmem: string_view::find stops at every 'a' of the text (4x slower on 128 KB of code, 40 us).
  auto next = [&](size_t from) -> size_t {
    if (from >= t.size()) return std::string_view::npos;
    const void* p = memmem(t.data() + from, t.size() - from, kCall.data(), kCall.size());
    return p ? size_t(static_cast<const char*>(p) - t.data()) : std::string_view::npos;
  };
  std::vector<ArgparseDest> out;
  for (size_t at = next(0); at != std::string_view::npos && max_calls > 0; at = next(at + 1)) {
    --max_calls;
    if (at > 0 && ident_char(t[at - 1])) continue;  // `my_add_argument(`
    size_t i = at + kCall.size();
    std::string s, long_opt, first, dest;
    // The leading string arguments: option strings, or a positional's name.
    for (;;) {
      skip_space(t, i);
      if (!read_string(t, i, s)) break;
      if (first.empty()) first = s;
      if (long_opt.empty() && s.starts_with("--")) long_opt = s;
      skip_space(t, i);
      if (i < t.size() && t[i] == ',') ++i;
    }
    if (first.empty()) continue;
    // `dest=` among the keyword arguments, within the call's first few hundred bytes.
    const size_t end = std::min(t.size(), i + 400);
    size_t depth = 1;
    for (size_t j = i; j < end && depth > 0; ++j) {
      const char c = t[j];
      if (c == '\'' || c == '"') {  // a help text's "dest=" or ")" is not code
        const size_t close = t.find(c, j + 1);
        if (close == std::string_view::npos || close >= end) break;
        j = close;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      if (depth == 1 && t.substr(j, 5) == "dest=" && (j == 0 || !ident_char(t[j - 1]))) {
        size_t k = j + 5;
        skip_space(t, k);
        read_string(t, k, dest);
        break;
      }
    }
    std::string name = attribute_of(!dest.empty() ? dest : !long_opt.empty() ? long_opt : first);
    if (!name.empty()) out.push_back({std::move(name), at});
  }
  return out;
}

bool namespace_like(std::string_view r) {
  static constexpr std::array<std::string_view, 9> kNames = {
      "args", "opts", "options", "parsed_args", "known_args", "cli_args", "arguments", "namespace", "ns"};
  for (auto n : kNames)
    if (r == n) return true;
  return false;
}

}  // namespace dw
