#include "lsp/JsonBody.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "support/Utf8.h"

namespace dw::lsp {
namespace {

constexpr size_t kLong = 4096;
// Stands in for the i-th long string in the skeleton. It holds a NUL, which no client sends in a key
// or a value of its own without the escape that a body is checked for first.
constexpr std::string_view kMark = "\\u0000dotwise-long-";
std::string mark(size_t i) { return std::string(kMark) + std::to_string(i); }

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool hex4(std::string_view s, size_t at, unsigned* v) {
  if (at + 4 > s.size()) return false;
  *v = 0;
  for (size_t k = 0; k < 4; ++k) {
    const int h = hex(s[at + k]);
    if (h < 0) return false;
    *v = *v * 16 + unsigned(h);
  }
  return true;
}
void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

// The contents of a string literal (without its quotes) decoded, or nullopt where nlohmann must judge.
std::optional<std::string> decode(std::string_view s) {
  // Branch-free passes the compiler vectorizes: a raw control character, or any byte past ASCII
  // (then the full UTF-8 check).
  unsigned char low = 0xFF, high = 0;
  for (unsigned char c : s) low = std::min(low, c), high = std::max(high, c);
  if (low < 0x20 || (high >= 0x80 && !is_valid_utf8(s))) return std::nullopt;
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const void* bs = std::memchr(s.data() + i, '\\', s.size() - i);
    const size_t run = bs ? size_t(static_cast<const char*>(bs) - s.data()) : s.size();
    out.append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    if (i + 1 >= s.size()) return std::nullopt;
    const char e = s[i + 1];
    i += 2;
    switch (e) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        unsigned cp;
        if (!hex4(s, i, &cp)) return std::nullopt;
        i += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return std::nullopt;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (i + 6 > s.size() || s[i] != '\\' || s[i + 1] != 'u' || !hex4(s, i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
            return std::nullopt;
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

void put_back(Json& j, std::vector<std::string>& longs) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.size() > 1 && s[0] == '\0' && s.starts_with(std::string_view("\0dotwise-long-", 14))) {
      const size_t i = std::stoul(s.substr(14));
      j = std::move(longs.at(i));
    }
  } else if (j.is_structured()) {
    for (auto& v : j) put_back(v, longs);
  }
}

}  // namespace

Json parse_body(std::string_view body) {
  auto whole = [&] { return Json::parse(body, nullptr, /*allow_exceptions=*/false); };
  if (body.size() < kLong || body.find("\\u0000") != std::string_view::npos) return whole();
  std::string skeleton;
  std::vector<std::string> longs;
  size_t copied = 0;
  for (size_t at = body.find('"'); at != std::string_view::npos; at = body.find('"', at)) {
    // The closing quote: the first one after an even number of backslashes.
    size_t end = at;
    for (;;) {
      end = body.find('"', end + 1);
      if (end == std::string_view::npos) return whole();  // unterminated: nlohmann's error
      size_t slashes = 0;
      while (body[end - 1 - slashes] == '\\') ++slashes;
      if (slashes % 2 == 0) break;
    }
    if (end - at - 1 >= kLong) {
      size_t next = end + 1;
      while (next < body.size() &&
             (body[next] == ' ' || body[next] == '\t' || body[next] == '\n' || body[next] == '\r'))
        ++next;
      if (next < body.size() && body[next] == ':') return whole();  // a key
      auto text = decode(body.substr(at + 1, end - at - 1));
      if (!text) return whole();
      skeleton.append(body.substr(copied, at + 1 - copied)).append(mark(longs.size())).push_back('"');
      longs.push_back(std::move(*text));
      copied = end + 1;
    }
    at = end + 1;
  }
  if (longs.empty()) return whole();
  skeleton.append(body.substr(copied));
  Json j = Json::parse(skeleton, nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) put_back(j, longs);
  return j;
}

}  // namespace dw::lsp
