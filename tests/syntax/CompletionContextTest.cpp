#include <gtest/gtest.h>

#include "ExtractTestUtil.h"
#include "syntax/CompletionContext.h"
#include "syntax/Parser.h"

namespace {
std::optional<dw::CompletionContext> at(std::string_view text) {
  return dw::completion_context(dw::Extractor(dw::test::stubs()), text);
}
}  // namespace

TEST(CompletionContext, ReceiverClassAndContextUpToTheDot) {
  auto c = at("import numpy as np\nimport os\nx = os.path.");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->receiver, "os.path");
  EXPECT_EQ(c->cls, "os.path");
  EXPECT_EQ(c->prefix, "");
  ASSERT_FALSE(c->file.tokens.empty());
  EXPECT_EQ(c->file.token(c->file.tokens.size() - 1), ".");
  EXPECT_EQ(c->file.token(c->file.tokens.size() - 2), "path");
  for (const auto& s : c->file.sites) EXPECT_LT(s.pos, c->file.tokens.size());
}

TEST(CompletionContext, PrefixTypedAfterTheDot) {
  auto c = at("s = 'abc'\nif s.sta");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cls, "str");
  EXPECT_EQ(c->prefix, "sta");
  EXPECT_EQ(c->file.token(c->file.tokens.size() - 2), "var:str");
}

TEST(CompletionContext, InsideAnIfBody) {
  auto c = at("import os\nif True:\n    os.");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->in_if);
}

TEST(CompletionContext, SelfInsideAMethod) {
  auto c = at("class A:\n    def f(self):\n        self.");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->receiver, "self");
  EXPECT_EQ(c->cls, "A");
}

TEST(CompletionContext, NotAMemberAccess) {
  EXPECT_FALSE(at("x = 1"));
  EXPECT_FALSE(at("x = 1."));
  EXPECT_FALSE(at("from . "));
  EXPECT_FALSE(at("x = ..."));
  EXPECT_FALSE(at("s = 'a.b."));
  EXPECT_FALSE(at("import os  # os."));
  EXPECT_TRUE(at("s = 'a#b'.up"));
  EXPECT_FALSE(at(""));
}

// Inside an f-string's replacement field the cursor is in code: the field's expression is completed
// (the extractor sees a whole string as one token, so without lifting it out there was no site).
TEST(CompletionContext, InsideAnFStringField) {
  auto c = at("import os\nclass A:\n    def f(self):\n        return f\"x {os.path.");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->receiver, "os.path");
  EXPECT_EQ(c->cls, "os.path");
  c = at("class A:\n    def f(self):\n        self.n = 1\n        print(f'{self.n} {self.");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->receiver, "self");
  EXPECT_EQ(c->cls, "A");
  c = at("s = 'abc'\nmsg = rf\"{len(s.up");  // a bracket opened inside the field, a typed prefix
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cls, "str");
  EXPECT_EQ(c->prefix, "up");
  c = at("import os\nd = {}\nx = f\"{d['k']} {f'{os.");  // an f-string nested in a field
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cls, "os");
  c = at("import os\nx = f\"\"\"{os.");  // triple-quoted, on the cursor's line
  ASSERT_TRUE(c);
  EXPECT_EQ(c->cls, "os");
  // Still text: outside the braces, after `{{`, a plain string, a format spec, a closed field.
  EXPECT_FALSE(at("import os\nx = f\"os."));
  EXPECT_FALSE(at("import os\nx = f\"{{os."));
  EXPECT_FALSE(at("import os\nx = '{os."));
  EXPECT_FALSE(at("v = 1.5\nx = f\"{v:."));
  EXPECT_FALSE(at("import os\nx = f\"{os} os."));
  EXPECT_FALSE(at("import os\nx = 1  # f\"{os."));
  EXPECT_TRUE(at("import os\nx = f\"{os}\" + os.pa"));  // after the string closed
}

TEST(CompletionContext, ReusedParseGivesTheSameContext) {
  // An editor session: completions at every "." of a module, typed top to bottom, with stray edits
  // (unclosed brackets and strings, deletions) above the cursor in between. The incremental parse must
  // give what a fresh parse gives.
  const std::string module =
      "import os\nimport collections\n\nclass Store:\n    def __init__(self, root):\n"
      "        self.root = os.path.abspath(root)\n        self.items = collections.OrderedDict()\n\n"
      "    def add(self, name, value):\n        path = os.path.join(self.root, name)\n"
      "        if not os.path.exists(path):\n            self.items[name] = value.strip()\n"
      "        return path.upper()\n\n    def names(self):\n        return list(self.items.keys())\n\n"
      "def main(argv):\n    s = Store(argv[0])\n    for a in argv[1:]:\n        s.add(a, a.lower())\n"
      "    print(s.names(), os.getcwd())\n";
  const dw::Extractor ex(dw::test::stubs());
  dw::ParseCache cache;
  std::string text = module;
  size_t checked = 0;
  for (size_t at = 0; at < text.size(); ++at) {
    if (text[at] != '.') continue;
    if (at % 3 == 0) text.insert(at / 2, at % 2 ? "(" : "'");  // a stray edit above the cursor
    if (at % 5 == 0) text.erase(at / 3, 4);
    at = std::min(at, text.size() - 1);
    const std::string_view before = std::string_view(text).substr(0, at + 1);
    auto fresh = dw::completion_context(ex, before);
    auto reused = dw::completion_context(ex, before, &cache);
    ASSERT_EQ(bool(fresh), bool(reused)) << before;
    if (!fresh) continue;
    ++checked;
    EXPECT_EQ(fresh->receiver, reused->receiver);
    EXPECT_EQ(fresh->cls, reused->cls);
    ASSERT_EQ(fresh->file.tokens.size(), reused->file.tokens.size()) << before;
    for (size_t i = 0; i < fresh->file.tokens.size(); ++i)
      ASSERT_EQ(fresh->file.token(i), reused->file.token(i)) << "token " << i << " of\n" << before;
  }
  EXPECT_GT(checked, 10u);
}
