#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "ExtractTestUtil.h"

using dw::test::extract;
using dw::test::sites;
using testing::ElementsAre;

TEST(Types, ModulesAndSubmodules) {
  auto f = extract(
      "import os\nimport os.path as osp\nfrom os import "
      "path\nos.getcwd()\nosp.join()\npath.join()\nos.path.exists()\n");
  EXPECT_THAT(sites(f), ElementsAre("os.getcwd:os", "osp.join:os.path", "path.join:os.path", "os.path:os",
                                    "os.path.exists:os.path"));
}

TEST(Types, AssignmentsFromStubsAndLiterals) {
  auto f = extract(
      "import logging\n"
      "log = logging.getLogger(__name__)\n"
      "log.info('x')\n"
      "s = 'abc'\n"
      "parts = s.split(',')\n"
      "parts.append('d')\n"
      "d = {}\n"
      "d.items()\n");
  EXPECT_THAT(sites(f), ElementsAre("logging.getLogger:logging", "log.info:logging.Logger", "s.split:str",
                                    "parts.append:list", "d.items:dict"));
  EXPECT_NE(dw::test::joined(f).find("var:logging.Logger . info"), std::string::npos);
}

TEST(Types, WithOpenGivesTextIOWrapper) {
  auto f = extract("with open('f') as fh:\n    fh.read()\n");
  EXPECT_THAT(sites(f), ElementsAre("fh.read:io.TextIOWrapper"));
}

TEST(Types, ClassesOfTheFileAndSelf) {
  auto f = extract(
      "class Foo:\n"
      "    def __init__(self):\n"
      "        self.items = []\n"
      "    def add(self, x):\n"
      "        self.items.append(x)\n"
      "foo = Foo()\n"
      "foo.add(1)\n");
  EXPECT_THAT(sites(f), ElementsAre("self.items:Foo", "self.items:Foo", "self.items.append:list", "foo.add:Foo"));
}

TEST(Types, AnnotationsAndConflictingAssignments) {
  auto f = extract(
      "from typing import Optional\n"
      "def f(a: str, b: Optional[int], c):\n"
      "    a.upper()\n"
      "    b.bit_length()\n"
      "    c.foo()\n"
      "x = 'a'\n"
      "x = 1\n"
      "x.real\n");
  EXPECT_THAT(sites(f), ElementsAre("a.upper:str", "b.bit_length:int", "c.foo:?", "x.real:?"));
}

TEST(Types, PackagesWithoutStubsAreGuessedByCase) {
  auto f = extract("from django.db import models\nclass M(models.Model):\n    name = models.CharField()\n");
  EXPECT_THAT(sites(f), ElementsAre("models.Model:django.db.models", "models.CharField:django.db.models"));
}

TEST(Types, StubMembersOfAClass) {
  auto m = dw::test::stubs().members("str");
  EXPECT_TRUE(std::binary_search(m.begin(), m.end(), "join"));
  EXPECT_TRUE(std::binary_search(m.begin(), m.end(), "startswith"));
  EXPECT_FALSE(std::binary_search(m.begin(), m.end(), "__len__"));
  auto l = dw::test::stubs().members("logging.Logger");
  EXPECT_TRUE(std::binary_search(l.begin(), l.end(), "info"));
  auto p = dw::test::stubs().members("os.path");
  EXPECT_TRUE(std::binary_search(p.begin(), p.end(), "join"));
  EXPECT_TRUE(dw::test::stubs().members("no.such.Class").empty());
}

namespace dw {
namespace {
// Stubs are parsed outside the index's lock (the server reads them ahead on its own thread while
// completions read them too): threads racing for the same modules see one consistent result.
TEST(Types, StubsLoadedByRacingThreadsAgree) {
  const std::vector<std::string> modules = {"asyncio", "os.path", "collections", "json", "logging", "subprocess"};
  TypeshedIndex alone(TypeshedIndex::default_roots());
  std::vector<std::vector<std::string>> expected;
  for (const auto& m : modules) expected.push_back(alone.members(m));
  TypeshedIndex shared(TypeshedIndex::default_roots());
  std::vector<std::vector<std::vector<std::string>>> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < modules.size(); ++i) seen[t].push_back(shared.members(modules[(i + t) % modules.size()]));
    });
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < seen.size(); ++t)
    for (size_t i = 0; i < modules.size(); ++i) EXPECT_EQ(seen[t][i], expected[(i + t) % modules.size()]) << modules[i];
  EXPECT_FALSE(expected[0].empty());
  EXPECT_EQ(shared.builtin("len").kind, alone.builtin("len").kind);
}

// warm() reads a module's stub and those it imports from ahead of use: once warmed, they answer with
// their files gone (a lazy read would find nothing).
TEST(Types, WarmReadsAModuleAndWhatItImportsFrom) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("dw_warm_" + std::to_string(::getpid()));
  fs::create_directories(root / "pkg");
  auto put = [&](const fs::path& rel, const std::string& text) { std::ofstream(root / rel) << text; };
  put("a.pyi", "from _a import *\nimport b\n");
  put("_a.pyi", "class A:\n    def run(self) -> int: ...\n");
  put("b.pyi", "x: int\n");
  put("c.pyi", "y: int\n");
  put("pkg/__init__.pyi", "from ._impl import Thing as Thing\n");
  put("pkg/_impl.pyi", "class Thing: ...\n");
  TypeshedIndex stubs({root});
  EXPECT_TRUE(stubs.warm("a"));
  EXPECT_TRUE(stubs.warm("pkg"));
  EXPECT_FALSE(stubs.warm("missing"));
  for (const char* f : {"a.pyi", "_a.pyi", "b.pyi", "c.pyi", "pkg/_impl.pyi"}) fs::remove(root / f);
  EXPECT_TRUE(stubs.has_module("_a"));
  EXPECT_TRUE(stubs.has_module("b"));
  EXPECT_TRUE(stubs.has_module("pkg._impl"));
  EXPECT_FALSE(stubs.has_module("c")) << "not imported by a warmed module: never read";
  fs::remove_all(root);
}
}  // namespace
}  // namespace dw
