#include "corpus/Manifest.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "support/BinaryIO.h"
#include "support/FileIO.h"

namespace dw {

void escape_field(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

namespace {

struct LineError {
  const std::string& where;
  size_t line;
  [[noreturn]] void operator()(const std::string& why) const {
    throw FormatError(where + ":" + std::to_string(line) + ": " + why);
  }
};

std::string unescape(std::string_view s, const LineError& fail) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      if (s[i] == '\r') fail("raw carriage return in a field");
      out += s[i];
      continue;
    }
    if (++i == s.size()) fail("dangling backslash");
    switch (s[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        fail(std::string("unknown escape \\") + s[i]);
    }
  }
  return out;
}

uint64_t parse_number(std::string_view s, int base, const LineError& fail, const char* what) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size())
    fail(std::string("bad ") + what + " '" + std::string(s) + "'");
  return v;
}

bool safe_relpath(std::string_view r) {
  if (r.empty() || r.front() == '/') return false;
  size_t start = 0;
  while (start <= r.size()) {
    auto end = r.find('/', start);
    if (end == std::string_view::npos) end = r.size();
    auto part = r.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

bool entry_less(const ManifestEntry& a, const ManifestEntry& b) {
  return a.project != b.project ? a.project < b.project : a.relpath < b.relpath;
}

}  // namespace

bool is_split_name(std::string_view s) { return s == "train" || s == "valid" || s == "test"; }

std::string encode_manifest(std::vector<ManifestEntry> entries) {
  std::sort(entries.begin(), entries.end(), entry_less);
  std::string out = std::string(kManifestHeader) + "\n";
  char hex[17];
  for (const auto& e : entries) {
    escape_field(out, e.project);
    out += '\t';
    out += e.split;
    out += '\t';
    auto [end, ec] = std::to_chars(hex, hex + 16, e.hash, 16);
    out.append(size_t(16 - (end - hex)), '0');
    out.append(hex, end);
    out += '\t';
    out += std::to_string(e.bytes);
    out += '\t';
    escape_field(out, e.relpath);
    out += '\t';
    escape_field(out, e.path.native());
    out += '\n';
  }
  return out;
}

std::vector<ManifestEntry> decode_manifest(std::string_view text, const std::string& where) {
  auto nl = text.find('\n');
  if (text.substr(0, nl) != kManifestHeader)
    throw FormatError(where + ": not a dotwise manifest (expected the header '" + kManifestHeader + "')");
  std::vector<ManifestEntry> out;
  std::map<std::string, std::string, std::less<>> split_of;
  size_t line_no = 1;
  for (size_t pos = nl == std::string_view::npos ? text.size() : nl + 1; pos < text.size(); ++line_no) {
    LineError fail{where, line_no + 1};
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) fail("last line lacks its newline (truncated file?)");
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::string_view f[6];
    size_t n = 0, start = 0;
    for (;;) {
      auto tab = line.find('\t', start);
      if (n == 6) fail("more than 6 fields");
      f[n++] = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (n != 6) fail("expected 6 tab-separated fields, got " + std::to_string(n));
    ManifestEntry e;
    e.project = unescape(f[0], fail);
    if (e.project.empty()) fail("empty project name");
    if (!is_split_name(f[1])) fail("split must be train, valid or test, got '" + std::string(f[1]) + "'");
    e.split = f[1];
    if (f[2].size() != 16 || f[2].find_first_not_of("0123456789abcdef") != std::string_view::npos)
      fail("hash must be 16 lowercase hex digits");
    e.hash = parse_number(f[2], 16, fail, "hash");
    e.bytes = parse_number(f[3], 10, fail, "size");
    e.relpath = unescape(f[4], fail);
    if (!safe_relpath(e.relpath)) fail("relpath must be relative, without empty, '.' or '..' parts");
    e.path = unescape(f[5], fail);
    if (e.path.empty()) fail("empty path");
    auto [it, fresh] = split_of.try_emplace(e.project, e.split);
    if (!fresh && it->second != e.split) fail("project '" + e.project + "' is in two splits");
    if (!out.empty() && !entry_less(out.back(), e)) fail("entries not sorted by (project, relpath), or a duplicate");
    out.push_back(std::move(e));
  }
  return out;
}

void write_manifest(const std::filesystem::path& p, const std::vector<ManifestEntry>& entries) {
  write_file_atomic(p, encode_manifest(entries));
}

std::vector<ManifestEntry> read_manifest(const std::filesystem::path& p) {
  auto r = read_file(p);
  if (!r.error.empty()) throw FormatError(p.string() + ": " + r.error);
  return decode_manifest(r.data, p.string());
}

}  // namespace dw
