#include <gtest/gtest.h>

#include <random>
#include <string>

#include "index/ModuleScan.h"
#include "index/TokenScan.h"
#include "syntax/Lexer.h"

namespace dw {
namespace {

std::string uses_of(const ModuleScan& s) {
  std::string out;
  for (const auto& u : s.uses) out += u.key + "|" + u.member + "@" + std::to_string(u.line) + "\n";
  return out;
}
std::string classes_of(const ModuleScan& s) {
  std::string out;
  for (const auto& c : s.classes) {
    out += c.name + "(";
    for (const auto& b : c.bases) out += b + ",";
    out += ")" + std::to_string(c.first_line) + "-" + std::to_string(c.last_line) + ":";
    for (const auto& m : c.members) out += m.name + "/" + member_kind_name(m.kind) + " ";
    out += "\n";
  }
  return out;
}
std::string imports_of(const ModuleScan& s) {
  std::string out;
  for (const auto& i : s.imports) out += i.local + "=" + i.module + ":" + i.name + "\n";
  return out;
}
std::string names_of(const ModuleScan& s) {
  std::string out;
  for (const auto& n : s.names) out += n.name + "/" + member_kind_name(n.kind) + " ";
  return out;
}

// The token scan must read well-formed code exactly as the tree-sitter scan does.
void expect_same(const std::string& src, const std::string& module = "pkg.mod", bool package = false) {
  const ModuleScan a = scan_source(src, module, package), b = scan_tokens(src, module, package);
  EXPECT_EQ(uses_of(a), uses_of(b)) << src;
  EXPECT_EQ(classes_of(a), classes_of(b)) << src;
  EXPECT_EQ(imports_of(a), imports_of(b)) << src;
  EXPECT_EQ(names_of(a), names_of(b)) << src;
}

TEST(TokenScan, ClassesMembersAndSelfKeysAsTreeSitter) {
  expect_same(R"(import os, numpy as np
from . import sibling
from ..base import (Base as B,
                    Mixin)
from __future__ import annotations

class Outer(B, Mixin, metaclass=Meta):
    limit: int = 3
    a, (b, c) = 1, (2, 3)

    @property
    def size(self):
        return self._size

    @functools.cached_property
    def cached(self): return self.data.value

    @staticmethod
    def make(x=os.sep, *args, **kw) -> np.ndarray:
        y = np.zeros(x.shape); y.fill(0)
        return y

    def __init__(self, data):
        self.data = data
        self._size, self.other = len(data), None
        self.items[0] = 1
        self.counter += 1
        def inner():
            self.nested = os.path.join("a", "b").upper()

    class Inner(Outer.Base):
        kind = "x"
        def go(self):
            return self.kind
    # a comment at the body's indentation stays in the class

def top(a, b):
    return a.b(c.d).e[f.g].h
async def later():
    await session.get(url).json()
x = y = lambda v=1: v.real
)");
}

TEST(TokenScan, StringsCommentsAndFieldsAsTreeSitter) {
  expect_same(R"X(msg = f"{user.name!r:>{width.value}} and {', '.join(p.name for p in people)}"
other = f'{f"{inner.attr}"}' + rb'\x00.fake' + "a.b" # not.code
doc = """
    text.with dots
"""
", ".join(parts).strip()
(a or b).c
[x for x in y.z if x.w]
{k: v.attr for k, v in d.items()}
value = obj.method(arg).result[0].final \
    .more
)X");
}

TEST(TokenScan, CommentsBelowAClassBelongToItAsInTreeSitter) {
  expect_same("class A:\n    x = 1\n    # same indent: in A\n\n# column 0 before the next statement\ny = 2\n");
  expect_same("class A:\n    def f(self):\n        pass\n# column 0 between methods\n    def g(self):\n        pass\n");
}

TEST(TokenScan, MatchStatementPatternsAreNotUses) {
  const ModuleScan s =
      scan_tokens("match node:\n    case ast.Name(id=n) if n.startswith('_'):\n        pass\n", "m", false);
  ASSERT_EQ(s.uses.size(), 1u);
  EXPECT_EQ(s.uses[0].key, "n");
  EXPECT_EQ(s.uses[0].member, "startswith");
}

// The line being completed is unfinished: its brackets must not swallow the statements below.
TEST(TokenScan, UnfinishedLineIsClosedAtCloseAfter) {
  const std::string src =
      "class A:\n    def f(self):\n        run(self.__dw_cursor__\n    def g(self):\n        self.later = 1\n";
  const size_t mark = src.find("__dw_cursor__") + 13;
  const ModuleScan s = scan_tokens(src, "m", false, mark);
  ASSERT_EQ(s.classes.size(), 1u);
  EXPECT_EQ(classes_of(s), "A()0-4:f/method g/method later/attribute \n");
  ASSERT_FALSE(s.uses.empty());
  EXPECT_EQ(s.uses[0].key, "self:m.A");
  // Without it, a statement keyword at a line start still ends the open brackets.
  const ModuleScan t = scan_tokens(src, "m", false);
  EXPECT_EQ(classes_of(t), classes_of(s));
}

TEST(TokenScan, LexerLogicalLinesAndIndentation) {
  const std::string src = "if a:\n\tb = (1,\n  2)\n        c = d \\\n  .e\n";
  const Lexed lx = lex_python(src);
  ASSERT_EQ(lx.lines.size(), 3u);
  EXPECT_EQ(lx.lines[0].indent, 0u);
  EXPECT_EQ(lx.lines[1].indent, 8u);  // a tab: to the next multiple of 8
  EXPECT_EQ(lx.lines[2].indent, 8u);
  EXPECT_EQ(lx.tokens[lx.lines[1].last - 1].line, 2u);  // the bracket joined lines 1 and 2
}

// Bad input: junk bytes, unterminated strings and brackets, deep nesting. Never a crash, and the
// scan ends; what it finds is whatever the tokens say.
TEST(TokenScan, SurvivesJunk) {
  std::mt19937 rng(7);
  const std::string alphabet = "abc_.()[]{}:=,'\"\\#\n \tf{}@;x1";
  for (int round = 0; round < 300; ++round) {
    std::string s;
    const size_t n = rng() % 400;
    for (size_t i = 0; i < n; ++i) s += (rng() % 5 == 0) ? char(rng() % 256) : alphabet[rng() % alphabet.size()];
    const ModuleScan m = scan_tokens(s, "m", false, rng() % (n + 1));
    for (const auto& c : m.classes) EXPECT_LE(c.first_line, c.last_line);
  }
  std::string deep(100000, '(');
  deep += "a.b";
  EXPECT_EQ(scan_tokens(deep, "m", false).uses.size(), 1u);
  EXPECT_TRUE(scan_tokens("f'{a.b", "m", false).uses.size() <= 1u);
  // Nesting without end: assignment patterns and f-string fields (each a recursion if unbounded).
  std::string pattern(200000, '(');
  pattern += "a" + std::string(200000, ')') + " = 1\n";
  EXPECT_TRUE(scan_tokens(pattern, "m", false).names.empty());
  std::string fields = "f'";
  for (int i = 0; i < 200000; ++i) fields += "{x:";
  EXPECT_TRUE(scan_tokens(fields + "\n", "m", false).uses.empty());
  std::string chain = "a";
  for (int i = 0; i < 50000; ++i) chain += ".b";
  EXPECT_GE(scan_tokens(chain, "m", false).uses.size(), 255u);  // the first links; the rest bounded
  EXPECT_TRUE(scan_tokens("'''unterminated\nx.y", "m", false).uses.empty());
}

}  // namespace
}  // namespace dw
