#include "index/TokenScan.h"

#include <algorithm>

#include "syntax/Lexer.h"

namespace dw {
namespace {

struct Scope {
  int cls;       // the class whose body holds the statement directly (-1: none)
  int self_cls;  // the class `self` refers to (inside its methods, nested defs included)
  bool top;      // module level (if/try/with blocks included)
};

// A class or def whose body is open: lines indented deeper than `indent` are inside it.
struct Block {
  uint32_t indent;
  uint32_t body;  // its body's indentation (0 until its first line is seen)
  Scope inner;
  int cls;  // its class index, -1 for a def
};

// A use before it is put in scan_module's order (a pre-order walk: by where the receiver starts,
// and of a chain `a.b.c` the outer access first).
struct PendingUse {
  uint32_t receiver_begin, member_begin;
  AttrUse use;
};

class TokenScanner {
 public:
  TokenScanner(std::string_view src, const Lexed& lx, ModuleScan& out) : s_(src), lx_(lx), out_(out) {}

  void run() {
    const auto& T = lx_.tokens;
    for (uint32_t li = 0; li < lx_.lines.size(); ++li) {
      const LogicalLine& L = lx_.lines[li];
      comments_before(T[L.first].line, L.indent);
      while (!blocks_.empty() && blocks_.back().indent >= L.indent) blocks_.pop_back();
      if (!blocks_.empty() && blocks_.back().body == 0) blocks_.back().body = L.indent;
      extend_classes(T[L.last - 1].end_line);
      const Scope s = blocks_.empty() ? Scope{-1, -1, true} : blocks_.back().inner;
      line(L, li, s);
    }
    comments_before(UINT32_MAX, 0);
    std::stable_sort(pending_.begin(), pending_.end(), [](const PendingUse& a, const PendingUse& b) {
      return a.receiver_begin != b.receiver_begin ? a.receiver_begin < b.receiver_begin
                                                  : a.member_begin > b.member_begin;
    });
    out_.uses.reserve(pending_.size());
    for (auto& p : pending_) out_.uses.push_back(std::move(p.use));
  }

 private:
  std::string_view s_;
  const Lexed& lx_;
  ModuleScan& out_;
  std::vector<Block> blocks_;
  std::vector<PendingUse> pending_;
  size_t next_field_ = 0;
  size_t next_comment_ = 0;
  bool property_ = false;         // the def to come was decorated as a property
  bool after_decorator_ = false;  // the previous line was a decorator

  // The open classes hold `line`.
  void extend_classes(uint32_t line) {
    for (const Block& b : blocks_)
      if (b.cls >= 0) out_.classes[size_t(b.cls)].last_line = std::max(out_.classes[size_t(b.cls)].last_line, line);
  }
  // Comment lines before the code line `line` (at `indent`): a block that line closes ends before a
  // comment indented less than its body, else holds it (tree-sitter's dedent waits for such comments).
  void comments_before(uint32_t line, uint32_t indent) {
    for (; next_comment_ < lx_.comments.size() && lx_.comments[next_comment_].first < line; ++next_comment_) {
      const auto [at, col] = lx_.comments[next_comment_];
      while (!blocks_.empty() && blocks_.back().indent >= indent &&
             (blocks_.back().body ? blocks_.back().body > col : blocks_.back().indent >= col))
        blocks_.pop_back();
      extend_classes(at);
    }
  }

  std::string_view text(const Token& t) const { return token_text(t, s_); }
  std::string_view span(const std::vector<Token>& T, uint32_t a, uint32_t b) const {
    return s_.substr(T[a].begin, T[b - 1].end - T[a].begin);
  }
  bool op(const Token& t, char c) const { return t.kind == TokKind::Op && t.end == t.begin + 1 && s_[t.begin] == c; }
  bool op(const Token& t, std::string_view o) const { return t.kind == TokKind::Op && text(t) == o; }
  bool name(const Token& t, std::string_view w) const { return t.kind == TokKind::Name && text(t) == w; }
  bool identifier(const Token& t) const { return t.kind == TokKind::Name && !is_keyword(text(t)); }
  static int depth_step(const Token& t, std::string_view s) {
    if (t.kind != TokKind::Op || t.end != t.begin + 1) return 0;
    const char c = s[t.begin];
    return (c == '(' || c == '[' || c == '{') ? 1 : (c == ')' || c == ']' || c == '}') ? -1 : 0;
  }
  // The first token in [a, b) at bracket depth 0 that `pred` accepts, or b.
  template <class Pred>
  uint32_t find_top(uint32_t a, uint32_t b, Pred pred) const {
    const auto& T = lx_.tokens;
    int depth = 0;
    for (uint32_t k = a; k < b; ++k) {
      if (depth == 0 && pred(T[k])) return k;
      depth = std::max(0, depth + depth_step(T[k], s_));
    }
    return b;
  }
  // [a, b) split at top-level `sep` (empty parts dropped).
  std::vector<std::pair<uint32_t, uint32_t>> split_at(uint32_t a, uint32_t b, char sep) const {
    std::vector<std::pair<uint32_t, uint32_t>> parts;
    while (a < b) {
      const uint32_t c = find_top(a, b, [&](const Token& t) { return op(t, sep); });
      if (c > a) parts.emplace_back(a, c);
      a = c + 1;
    }
    return parts;
  }

  void line(const LogicalLine& L, uint32_t li, Scope s) {
    const auto& T = lx_.tokens;
    const uint32_t f = L.first, l = L.last;
    const Token& t0 = T[f];
    const bool decorator = op(t0, '@');
    if (decorator) {
      if (!after_decorator_) property_ = false;
      const std::string_view d = span(T, f, l);
      if (d.find("property") != std::string_view::npos || d.find(".getter") != std::string_view::npos) property_ = true;
    }
    after_decorator_ = decorator;
    uint32_t head = f;
    if (name(t0, "async") && f + 1 < l && (name(T[f + 1], "def") || name(T[f + 1], "for") || name(T[f + 1], "with")))
      ++head;
    if (head + 1 < l && name(T[head], "class") && T[head + 1].kind == TokKind::Name) return class_line(L, li, s, head);
    if (head + 1 < l && name(T[head], "def") && T[head + 1].kind == TokKind::Name) return def_line(L, li, s, head);
    const std::string_view w = t0.kind == TokKind::Name ? text(T[head]) : std::string_view();
    if ((w == "match" || w == "case") && op(T[l - 1], ':') && head + 1 < l && !op(T[head + 1], '=') &&
        !op(T[head + 1], '.') && !op(T[head + 1], ':')) {
      // A case's pattern names classes and values (`case ast.Expr():`), it does not use them; its
      // guard does.
      const uint32_t guard = w == "case" ? find_top(head + 1, l, [&](const Token& t) { return name(t, "if"); }) : f;
      if (guard < l) uses(li, s, guard, l);
      return;
    }
    uses(li, s, f, l);
    static constexpr std::string_view kCompound[] = {"if",  "elif",   "else",    "while", "for",
                                                     "try", "except", "finally", "with"};
    if (std::find(std::begin(kCompound), std::end(kCompound), w) != std::end(kCompound)) {
      const uint32_t colon = find_top(head + 1, l, [&](const Token& t) { return op(t, ':'); });
      return simple_statements(colon + 1, l, s);
    }
    simple_statements(f, l, s);
  }

  void class_line(const LogicalLine& L, uint32_t li, Scope s, uint32_t head) {
    const auto& T = lx_.tokens;
    const uint32_t l = L.last;
    ClassScan c;
    const std::string name(text(T[head + 1]));
    c.name = s.cls >= 0 ? out_.classes[size_t(s.cls)].name + "." + name : name;
    uint32_t after = head + 2;
    if (after < l && op(T[after], '(')) {
      uint32_t close = after + 1;
      while (close < l && T[close].match != int32_t(after)) ++close;
      for (auto [a, b] : split_at(after + 1, close, ',')) {
        if (b - a >= 2 && T[a].kind == TokKind::Name && op(T[a + 1], '=')) continue;  // metaclass=...
        c.bases.emplace_back(span(T, a, b));
      }
      after = std::min(close + 1, l);
    }
    c.first_line = T[head].line;
    c.last_line = T[l - 1].end_line;
    out_.classes.push_back(std::move(c));
    const int idx = int(out_.classes.size() - 1);
    if (s.top) add_name(name, MemberKind::Class);
    if (s.cls >= 0) add_member(s.cls, name, MemberKind::Class);
    const Scope inner{idx, -1, false};
    blocks_.push_back({L.indent, 0, inner, idx});
    uses(li, inner, L.first, l);
    const uint32_t colon = find_top(after, l, [&](const Token& t) { return op(t, ':'); });
    simple_statements(colon + 1, l, inner);
  }

  void def_line(const LogicalLine& L, uint32_t li, Scope s, uint32_t head) {
    const auto& T = lx_.tokens;
    const uint32_t l = L.last;
    const std::string name(text(T[head + 1]));
    if (s.top) add_name(name, MemberKind::Function);
    Scope inner{-1, s.self_cls, false};
    if (s.cls >= 0) {
      add_member(s.cls, name, property_ ? MemberKind::Property : MemberKind::Method);
      inner.self_cls = s.cls;
    }
    property_ = false;
    blocks_.push_back({L.indent, 0, inner, -1});
    uses(li, inner, L.first, l);
    uint32_t after = head + 2;
    if (after < l && op(T[after], '(')) {
      uint32_t close = after + 1;
      while (close < l && T[close].match != int32_t(after)) ++close;
      after = std::min(close + 1, l);
    }
    const uint32_t colon = find_top(after, l, [&](const Token& t) { return op(t, ':'); });
    simple_statements(colon + 1, l, inner);
  }

  void simple_statements(uint32_t a, uint32_t b, Scope s) {
    for (auto [x, y] : split_at(a, b, ';')) statement(x, y, s);
  }
  void statement(uint32_t a, uint32_t b, Scope s) {
    const auto& T = lx_.tokens;
    if (name(T[a], "import")) return import_names(a + 1, b, s);
    if (name(T[a], "from")) return import_from(a + 1, b, s);
    // Assignment targets: each part before a top-level `=` (`a = b = c` binds both), the part before
    // an annotation's `:`, or before an augmented operator.
    uint32_t start = a;
    bool annotated = false;
    int depth = 0;
    for (uint32_t k = a; k < b; ++k) {
      const Token& t = T[k];
      if (depth == 0) {
        if (name(t, "lambda")) break;  // its `:` and defaults are not this statement's
        if (op(t, '=')) {
          if (!annotated) bind(start, k, s);
          annotated = false;
          start = k + 1;
        } else if (op(t, ':') && start == a && k > a) {
          bind(a, k, s);
          annotated = true;
        } else if (start == a && t.kind == TokKind::Op && t.end - t.begin >= 2 && s_[t.end - 1] == '=' &&
                   !op(t, "==") && !op(t, "!=") && !op(t, "<=") && !op(t, ">=")) {
          bind(a, k, s);  // augmented
          return;
        }
      }
      depth = std::max(0, depth + depth_step(t, s_));
    }
  }

  // `depth`: patterns nested in patterns; junk can nest brackets a million deep.
  void bind(uint32_t a, uint32_t b, Scope s, int depth = 0) {
    const auto& T = lx_.tokens;
    if (a >= b || depth > 32) return;
    if (b - a == 1 && identifier(T[a])) {
      if (s.top) add_name(std::string(text(T[a])), MemberKind::Variable);
      if (s.cls >= 0) add_member(s.cls, std::string(text(T[a])), MemberKind::Attribute);
      return;
    }
    if (b - a == 3 && (name(T[a], "self") || name(T[a], "cls")) && op(T[a + 1], '.') &&
        T[a + 2].kind == TokKind::Name) {
      if (s.self_cls >= 0) add_member(s.self_cls, std::string(text(T[a + 2])), MemberKind::Attribute);
      return;
    }
    auto parts = split_at(a, b, ',');
    if (parts.size() > 1 || (parts.size() == 1 && parts[0].second < b)) {  // a, b = ... / a, = ...
      for (auto [x, y] : parts) bind(x, y, s, depth + 1);
      return;
    }
    if ((op(T[a], '(') || op(T[a], '[')) && T[b - 1].match == int32_t(a)) {
      for (auto [x, y] : split_at(a + 1, b - 1, ',')) bind(x, y, s, depth + 1);
    }
  }

  // Name ('.' Name)* in [a, b): its text, or "" if it is not one.
  std::string dotted(uint32_t a, uint32_t b) const {
    const auto& T = lx_.tokens;
    if (a >= b || (b - a) % 2 == 0) return {};
    for (uint32_t k = a; k < b; ++k)
      if ((k - a) % 2 == 0 ? T[k].kind != TokKind::Name : !op(T[k], '.')) return {};
    return std::string(span(T, a, b));
  }

  // [name, alias) of an `x.y as z` part.
  std::pair<std::string, std::string> import_part(uint32_t a, uint32_t b) const {
    const auto& T = lx_.tokens;
    if (b - a >= 3 && name(T[b - 2], "as") && T[b - 1].kind == TokKind::Name)
      return {dotted(a, b - 2), std::string(text(T[b - 1]))};
    return {dotted(a, b), std::string()};
  }

  void import_names(uint32_t a, uint32_t b, Scope s) {
    for (auto [x, y] : split_at(a, b, ',')) {
      auto [n, alias] = import_part(x, y);
      if (n.empty()) continue;
      ImportScan im;
      if (!alias.empty()) {
        im = {alias, n, ""};
      } else {
        std::string head = n.substr(0, n.find('.'));
        im = {head, head, ""};
      }
      if (s.top) add_name(im.local, MemberKind::Module);
      out_.imports.push_back(std::move(im));
    }
  }

  void import_from(uint32_t a, uint32_t b, Scope s) {
    const auto& T = lx_.tokens;
    uint32_t imp = a;
    while (imp < b && !name(T[imp], "import")) ++imp;
    if (imp == a || imp >= b) return;
    const std::string_view target = span(T, a, imp);
    if (target == "__future__") return;  // a future statement, not an import
    const std::string module = resolve_relative(target, out_.module, out_.package);
    uint32_t x = imp + 1, y = b;
    if (x < y && op(T[x], '(')) {
      ++x;
      if (op(T[y - 1], ')')) --y;
    }
    for (auto [p, q] : split_at(x, y, ',')) {
      auto [n, alias] = import_part(p, q);
      if (n.empty()) continue;
      ImportScan im{alias.empty() ? n : alias, module, n};
      if (s.top) add_name(im.local, MemberKind::Unknown);
      out_.imports.push_back(std::move(im));
    }
  }

  void add_name(std::string name, MemberKind k) {
    if (!name.empty()) out_.names.push_back({std::move(name), k});
  }
  void add_member(int cls, std::string name, MemberKind k) {
    if (cls >= 0 && !name.empty()) out_.classes[size_t(cls)].members.push_back({std::move(name), k});
  }

  // Attribute uses in logical line `li`'s tokens [a, b) and in its f-string fields.
  void uses(uint32_t li, Scope s, uint32_t a, uint32_t b) {
    const auto& T = lx_.tokens;
    if (name(T[a], "import") || name(T[a], "from")) return;  // dotted module names, not attributes
    std::string self_name;
    if (s.self_cls >= 0) {
      self_name = out_.classes[size_t(s.self_cls)].name;
      if (!out_.module.empty()) self_name = out_.module + "." + self_name;
    }
    uses_in(T, a, b, self_name);
    while (next_field_ < lx_.fields.size() && lx_.fields[next_field_].line <= li) {
      const FieldRange& f = lx_.fields[next_field_++];
      if (f.line == li) uses_in(lx_.field_tokens, f.first, f.last, self_name);
    }
  }

  void uses_in(const std::vector<Token>& T, uint32_t a, uint32_t b, const std::string& self_name) {
    for (uint32_t k = a + 1; k + 1 < b; ++k) {
      if (!op(T[k], '.') || !identifier(T[k + 1])) continue;
      const int64_t start = primary_start(T, a, k - 1);
      if (start < 0) continue;
      const std::string_view recv = span(T, uint32_t(start), k);
      pending_.push_back({T[size_t(start)].begin,
                          T[k + 1].begin,
                          {receiver_key(recv, self_name, out_.imports), std::string(text(T[k + 1])), T[k + 1].line}});
    }
  }

  // Where the primary expression ending at token j starts (not before `lo`), or -1 if it is none.
  // Each access of a chain walks back over the links before it: bounded, or junk such as `a.a.a…`
  // a million links long would cost a million squared (no real receiver has 256 links).
  int64_t primary_start(const std::vector<Token>& T, uint32_t lo, uint32_t j) const {
    for (int links = 0; links < 256; ++links) {
      const Token& t = T[j];
      uint32_t start;
      if (t.kind == TokKind::Name) {
        const std::string_view w = text(t);
        if (is_keyword(w) && w != "None" && w != "True" && w != "False") return -1;
        start = j;
      } else if (t.kind == TokKind::String) {
        start = j;
        while (start > lo && T[start - 1].kind == TokKind::String) --start;  // "a" "b": one string
        return start;
      } else if (t.kind == TokKind::Number) {
        return j;
      } else if (op(t, ')') || op(t, ']') || op(t, '}')) {
        if (t.match < int32_t(lo)) return -1;
        const auto open = uint32_t(t.match);
        if (op(t, '}') || open == lo) return open;
        const Token& before = T[open - 1];
        const bool trailer = identifier(before) || name(before, "None") || op(before, ')') || op(before, ']') ||
                             op(before, '}') || before.kind == TokKind::String;
        if (!trailer) return open;  // a parenthesized expression, list or tuple
        j = open - 1;               // a call or subscript: its callee
        continue;
      } else {
        return -1;
      }
      // A name: the attribute of an earlier primary if a dot comes before it.
      if (start >= lo + 2 && op(T[start - 1], '.')) {
        j = start - 2;
        continue;
      }
      return start;
    }
    return -1;
  }
};

}  // namespace

ModuleScan scan_tokens(std::string_view src, std::string module, bool package, size_t close_after) {
  ModuleScan out;
  out.module = std::move(module);
  out.package = package;
  const Lexed lx = lex_python(src, close_after);
  TokenScanner(src, lx, out).run();
  return out;
}

}  // namespace dw
