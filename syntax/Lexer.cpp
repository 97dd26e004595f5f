#include "syntax/Lexer.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace dw {
namespace {

bool name_start(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80; }
bool name_char(unsigned char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool digit(unsigned char c) { return c >= '0' && c <= '9'; }

// A string prefix (r, b, u, f and their pairs), case-insensitive.
bool string_prefix(std::string_view p, bool* formatted) {
  if (p.empty() || p.size() > 2) return false;
  bool f = false;
  for (char c : p) {
    switch (c | 0x20) {
      case 'f':
        f = true;
        break;
      case 'r':
      case 'b':
      case 'u':
        break;
      default:
        return false;
    }
  }
  *formatted = f;
  return true;
}

// Words that begin a statement and cannot continue an expression inside brackets: met at the start
// of a line while brackets are open, they show the brackets were never closed.
bool statement_keyword(std::string_view w) {
  static constexpr std::array<std::string_view, 18> kw = {"def",    "class",    "return", "import",   "elif", "try",
                                                          "except", "finally",  "while",  "with",     "pass", "raise",
                                                          "break",  "continue", "global", "nonlocal", "del",  "assert"};
  return std::find(kw.begin(), kw.end(), w) != kw.end();
}

constexpr std::string_view kOps3[] = {"**=", "//=", ">>=", "<<=", "..."};
constexpr std::string_view kOps2[] = {"==", "!=", "<=", ">=", "->", "**", "//", "<<", ">>", "+=",
                                      "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", ":=", "<>"};

class Lexer {
 public:
  Lexer(std::string_view src, size_t close_after) : s_(src), close_after_(close_after) {}

  Lexed run() {
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '\n') {
        newline();
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        ++i_;
        continue;
      }
      if (c == '#') {
        if (at_line_start_ && open_.empty()) out_.comments.emplace_back(line_, column_of(uint32_t(i_)));
        const void* nl = std::memchr(s_.data() + i_, '\n', s_.size() - i_);
        i_ = nl ? size_t(static_cast<const char*>(nl) - s_.data()) : s_.size();
        continue;
      }
      if (c == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '\n' || s_[i_ + 1] == '\r')) {  // continuation
        i_ += s_[i_ + 1] == '\r' && i_ + 2 < s_.size() && s_[i_ + 2] == '\n' ? 3 : 2;
        ++line_;
        at_line_start_ = false;
        continue;
      }
      if (at_line_start_ && !open_.empty() && recover_here()) close_brackets();
      at_line_start_ = false;
      token(out_.tokens, /*fields=*/true);
    }
    end_line();
    return std::move(out_);
  }

 private:
  std::string_view s_;
  size_t close_after_;
  size_t i_ = 0;
  uint32_t line_ = 0;
  bool at_line_start_ = true;
  int nest_ = 0;                       // replacement fields being lexed
  static constexpr int kMaxNest = 16;  // deeper fields read as text (junk can nest them without end)
  std::vector<uint32_t> open_;         // indices of the open brackets in out_.tokens (none: depth 0)
  uint32_t logical_first_ = 0;
  Lexed out_;

  void newline() {
    ++i_;
    ++line_;
    at_line_start_ = true;
    if (i_ - 1 >= close_after_) {
      close_after_ = SIZE_MAX;
      if (!open_.empty()) close_brackets();
    }
    if (open_.empty()) end_line();
  }

  void close_brackets() {
    open_.clear();
    end_line();
  }

  void end_line() {
    const auto n = uint32_t(out_.tokens.size());
    if (n > logical_first_) {
      const Token& t = out_.tokens[logical_first_];
      out_.lines.push_back({logical_first_, n, column_of(t.begin)});
    }
    logical_first_ = n;
  }

  uint32_t column_of(uint32_t at) const {
    size_t ls = at;
    while (ls > 0 && s_[ls - 1] != '\n') --ls;
    uint32_t col = 0;
    for (size_t k = ls; k < at; ++k) {
      if (s_[k] == '\t')
        col = (col / 8 + 1) * 8;
      else if (s_[k] == '\f')
        col = 0;
      else
        ++col;
    }
    return col;
  }

  bool recover_here() const {
    size_t e = i_;
    while (e < s_.size() && name_char(static_cast<unsigned char>(s_[e]))) ++e;
    std::string_view w = s_.substr(i_, e - i_);
    if (w == "async") return s_.substr(e).starts_with(" def ");
    return statement_keyword(w);
  }

  void push(std::vector<Token>& out, TokKind k, size_t b, uint32_t line) {
    out.push_back({k, uint32_t(b), uint32_t(i_), line, line_, -1});
  }

  // One token at i_ into `out`; with `fields`, the replacement fields of f-strings are lexed as code.
  void token(std::vector<Token>& out, bool fields) {
    const size_t b = i_;
    const uint32_t line = line_;
    const unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (name_start(c)) {
      while (i_ < s_.size() && name_char(static_cast<unsigned char>(s_[i_]))) ++i_;
      bool formatted = false;
      if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'') && string_prefix(s_.substr(b, i_ - b), &formatted)) {
        string(formatted && fields);
        push(out, TokKind::String, b, line);
        return;
      }
      push(out, TokKind::Name, b, line);
      return;
    }
    if (digit(c) || (c == '.' && i_ + 1 < s_.size() && digit(static_cast<unsigned char>(s_[i_ + 1])))) {
      const bool hex = c == '0' && i_ + 1 < s_.size() && (s_[i_ + 1] | 0x20) == 'x';
      while (i_ < s_.size()) {
        const unsigned char d = static_cast<unsigned char>(s_[i_]);
        if (name_char(d) || d == '.') {
          ++i_;
          if (!hex && (d == 'e' || d == 'E') && i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
        } else {
          break;
        }
      }
      push(out, TokKind::Number, b, line);
      return;
    }
    if (c == '"' || c == '\'') {
      string(false);
      push(out, TokKind::String, b, line);
      return;
    }
    // Operators: the longest that matches.
    size_t len = 1;
    for (auto op : kOps3)
      if (s_.substr(i_, 3) == op) len = 3;
    if (len == 1)
      for (auto op : kOps2)
        if (s_.substr(i_, 2) == op) len = 2;
    i_ += len;
    push(out, TokKind::Op, b, line);
    if (&out != &out_.tokens || len != 1) return;
    if (c == '(' || c == '[' || c == '{') {
      open_.push_back(uint32_t(out.size() - 1));
    } else if ((c == ')' || c == ']' || c == '}') && !open_.empty()) {
      out.back().match = int32_t(open_.back());
      open_.pop_back();
    }
  }

  // Past a string whose quote is at i_; with `fields`, the code of each replacement field is lexed.
  void string(bool fields) {
    const char q = s_[i_];
    const bool triple = i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q;
    i_ += triple ? 3 : 1;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '\n') ++line_;
        i_ += 2;
        continue;
      }
      if (c == '\n') {
        if (!triple) return;  // unterminated: the line ends it
        ++line_;
        ++i_;
        continue;
      }
      if (c == q && (!triple || (i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q))) {
        i_ += triple ? 3 : 1;
        return;
      }
      if (c == '{' && fields && nest_ < kMaxNest) {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '{') {
          i_ += 2;
          continue;
        }
        ++i_;
        field(q, triple);
        continue;
      }
      ++i_;
    }
  }

  // The code of a replacement field, from after its `{` to past its `}`. Fields nested in it (an
  // f-string in the field, a field in its format spec) add their tokens to its range.
  void field(char q, bool triple) {
    const auto first = uint32_t(out_.field_tokens.size());
    ++nest_;
    int depth = 0;
    bool spec = false;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\n') {
        if (!triple) break;
        ++line_;
        ++i_;
        continue;
      }
      if (c == q && (!triple || (i_ + 2 < s_.size() && s_[i_ + 1] == q && s_[i_ + 2] == q))) break;  // string ends
      if (spec) {  // a format spec: text, but for nested fields (`{x:{width}}`)
        ++i_;
        if (c == '}') break;
        if (c == '{' && nest_ < kMaxNest) field(q, triple);
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        ++i_;
        continue;
      }
      if (depth == 0 && (c == '}' || c == ':' || (c == '!' && (i_ + 1 >= s_.size() || s_[i_ + 1] != '=')))) {
        ++i_;
        if (c == '}') break;
        spec = true;
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') --depth;
      if (c == '\\') {  // not allowed in a field before 3.12: read as text
        i_ += 2;
        continue;
      }
      token(out_.field_tokens, true);
    }
    auto& ft = out_.field_tokens;
    if (nest_ > 1) {
      --nest_;
      return;
    }
    // Brackets inside the field, matched within it.
    std::vector<uint32_t> open;
    for (auto k = first; k < ft.size(); ++k) {
      if (ft[k].kind != TokKind::Op || ft[k].end - ft[k].begin != 1) continue;
      const char o = s_[ft[k].begin];
      if (o == '(' || o == '[' || o == '{') open.push_back(k);
      if ((o == ')' || o == ']' || o == '}') && !open.empty()) ft[k].match = int32_t(open.back()), open.pop_back();
    }
    if (--nest_ == 0 && ft.size() > first)
      out_.fields.push_back({first, uint32_t(ft.size()), uint32_t(out_.lines.size())});
  }
};

}  // namespace

bool is_keyword(std::string_view w) {
  static constexpr std::array<std::string_view, 32> kw = {
      "False", "None", "True",   "and",      "as",     "assert",  "async", "await", "break",  "class", "continue",
      "def",   "del",  "elif",   "else",     "except", "finally", "for",   "from",  "global", "if",    "import",
      "in",    "is",   "lambda", "nonlocal", "not",    "or",      "pass",  "raise", "return", "try"};
  if (w == "while" || w == "with" || w == "yield") return true;
  return std::find(kw.begin(), kw.end(), w) != kw.end();
}

Lexed lex_python(std::string_view src, size_t close_after) { return Lexer(src, close_after).run(); }

}  // namespace dw
