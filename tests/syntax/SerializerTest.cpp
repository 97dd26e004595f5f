#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ExtractTestUtil.h"

using dw::test::extract;
using dw::test::joined;
using testing::ElementsAre;

TEST(Serializer, InOrderTerminalsWithStructureMarkers) {
  auto f = extract("def f(a, b=1):\n    return a + 'x'\n");
  EXPECT_EQ(joined(f), "def f ( a , var:int = <int> ) : <indent> return a + <str> <nl> <dedent>");
}

TEST(Serializer, LiteralsCollapsedAndCommentsDropped) {
  auto f = extract("x = [1, 2.5, b'q', f'{y}', None, True]  # note\n");
  EXPECT_EQ(joined(f), "var:list = [ <int> , <float> , <bytes> , <str> , None , True ] <nl>");
}

TEST(Serializer, ImportAliasesBecomeModuleNames) {
  auto f = extract("import numpy as np\nfrom os import path\nnp.zeros(3)\npath.join('a')\n");
  EXPECT_EQ(joined(f),
            "import numpy as np <nl> from os import path <nl> numpy . zeros ( <int> ) <nl> os.path . join ( <str> ) <nl>");
}

TEST(Serializer, SitePointsAtTheMemberToken) {
  auto f = extract("import os\nos.getcwd()\nx = os.sep\n");
  ASSERT_EQ(f.sites.size(), 2u);
  for (const auto& s : f.sites) {
    EXPECT_EQ(f.token(s.pos - 1), ".");
    EXPECT_EQ(f.token(s.pos - 2), "os");
  }
  EXPECT_EQ(f.member(f.sites[0]), "getcwd");
  EXPECT_TRUE(f.sites[0].flags & dw::kSiteCall);
  EXPECT_EQ(f.member(f.sites[1]), "sep");
  EXPECT_FALSE(f.sites[1].flags & dw::kSiteCall);
  EXPECT_EQ(f.sites[0].line, 1u);
  EXPECT_EQ(f.sites[0].col, 3u);
}

TEST(Serializer, SiteFlagsScopesAndIf) {
  auto f = extract(
      "import os\n"
      "def g():\n"
      "    if os.path.exists('a'):\n"
      "        os.remove('a')\n"
      "    else:\n"
      "        os.mkdir('a')\n"
      "    os.getcwd()\n"
      "class C:\n"
      "    def m(self):\n"
      "        self.x = 1\n");
  ASSERT_EQ(f.sites.size(), 6u);
  std::vector<bool> in_if;
  std::vector<uint32_t> scope;
  for (const auto& s : f.sites) {
    in_if.push_back(s.flags & dw::kSiteInIf);
    scope.push_back(s.scope);
  }
  EXPECT_THAT(in_if, ElementsAre(true, true, true, true, false, false));
  EXPECT_THAT(scope, ElementsAre(1, 1, 1, 1, 1, 3));  // g = 1, C = 2, C.m = 3
}

TEST(Serializer, UnfinishedAccessAtEndOfFileMakesNoBogusSite) {
  auto f = extract("import numpy as np\nx = np.");
  for (const auto& s : f.sites) EXPECT_LT(s.pos, f.tokens.size());
  EXPECT_GT(f.parse_errors, 0u);
}
