#include "syntax/CompletionContext.h"

#include <gtest/gtest.h>

#include "ExtractTestUtil.h"

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
