#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "index/ProjectIndex.h"
#include "index/StringPool.h"
#include "support/FileIO.h"

namespace dw {
namespace {
namespace fs = std::filesystem;

struct TempTree {
  fs::path root;
  TempTree() {
    root = fs::temp_directory_path() / ("dw_index_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~TempTree() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
  fs::path write(const std::string& rel, const std::string& text) {
    fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

std::map<std::string, uint32_t> uses(const ProjectIndex& idx, const std::string& key, const fs::path& exclude = {}) {
  std::map<std::string, uint32_t> out;
  idx.key_uses(key, exclude, [&](std::string_view m, uint32_t n) { out[std::string(m)] = n; });
  return out;
}

bool has(const std::vector<ProjectMember>& ms, const std::string& name, uint8_t depth) {
  return std::any_of(ms.begin(), ms.end(), [&](const auto& m) { return m.name == name && m.depth == depth; });
}

TEST(ModuleScan, ClassesMembersImportsAndUses) {
  const char* src =
      "import numpy as np\n"
      "from .graph import Graph as G\n"
      "from . import util\n"
      "class Node(G):\n"
      "    kind = 'n'\n"
      "    def __init__(self):\n"
      "        self.edges = []\n"
      "        self.edges.append(np.zeros(3))\n"
      "    @property\n"
      "    def size(self):\n"
      "        return len(self.edges)\n"
      "    class Inner:\n"
      "        pass\n"
      "def helper(x):\n"
      "    return x.value + util.scale\n";
  ModuleScan s = scan_source(src, "pkg.node", false);
  ASSERT_EQ(s.classes.size(), 2u);
  const ClassScan& c = s.classes[0];
  EXPECT_EQ(c.name, "Node");
  EXPECT_EQ(c.bases, std::vector<std::string>{"G"});
  std::map<std::string, MemberKind> m;
  for (const auto& x : c.members) m.emplace(x.name, x.kind);
  EXPECT_EQ(m["kind"], MemberKind::Attribute);
  EXPECT_EQ(m["__init__"], MemberKind::Method);
  EXPECT_EQ(m["edges"], MemberKind::Attribute);  // self.edges = ... in a method
  EXPECT_EQ(m["size"], MemberKind::Property);
  EXPECT_EQ(m["Inner"], MemberKind::Class);
  EXPECT_EQ(s.classes[1].name, "Node.Inner");
  // Relative imports resolve against the module's own package.
  bool graph = false, util = false;
  for (const auto& im : s.imports) {
    graph |= im.local == "G" && im.module == "pkg.graph" && im.name == "Graph";
    util |= im.local == "util" && im.module == "pkg" && im.name == "util";
  }
  EXPECT_TRUE(graph);
  EXPECT_TRUE(util);
  std::map<std::string, int> keys;
  for (const auto& u : s.uses) keys[u.key + "." + u.member]++;
  EXPECT_EQ(keys["self:pkg.node.Node.edges"], 3);
  EXPECT_EQ(keys["numpy.zeros"], 1);  // np is numpy
  EXPECT_EQ(keys["self.edges.append"], 1);
  EXPECT_EQ(keys["x.value"], 1);
  EXPECT_EQ(keys["pkg.util.scale"], 1);
  EXPECT_EQ(enclosing_class(s, 6), "pkg.node.Node");
  EXPECT_EQ(enclosing_class(s, 14), "");
}

TEST(ModuleScan, ReceiverKeysNormalizeCallsAndSubscripts) {
  std::vector<ImportScan> im{{"np", "numpy", ""}, {"path", "os", "path"}};
  EXPECT_EQ(receiver_key("np.linalg", "", im), "numpy.linalg");
  EXPECT_EQ(receiver_key("path", "", im), "os.path");
  EXPECT_EQ(receiver_key("get(a, b)", "", im), "get()");
  EXPECT_EQ(receiver_key("self.items[k ]", "m.C", im), "self.items[]");
  EXPECT_EQ(receiver_key("self", "m.C", im), "self:m.C");
  EXPECT_EQ(receiver_key("self", "", im), "self");  // outside a class
  EXPECT_EQ(module_name_of("a/b/c.py"), "a.b.c");
  bool pkg = false;
  EXPECT_EQ(module_name_of("a/b/__init__.py", &pkg), "a.b");
  EXPECT_TRUE(pkg);
}

// The same index whichever way the files are read (the token scan by default, or a parse).
TEST(ProjectIndex, ResolvesClassesAcrossModulesWithInheritance) {
  TempTree t;
  t.write("pkg/__init__.py", "");
  t.write("pkg/base.py", "class Base:\n    def run(self):\n        self.state = 1\n");
  t.write("pkg/graph.py",
          "from .base import Base\nclass Graph(Base, dict):\n    def add_edge(self, a, b):\n        pass\n");
  t.write("app.py", "from pkg.graph import Graph\ng = Graph()\ng.add_edge(1, 2)\ng.add_edge(2, 3)\n");
  for (ScanKind kind : {ScanKind::Tokens, ScanKind::Parse}) {
    SCOPED_TRACE(kind == ScanKind::Tokens ? "tokens" : "parse");
    ProjectIndex idx({}, kind);
    idx.build({t.root});
    EXPECT_EQ(idx.stats().files, 4u);
    EXPECT_EQ(idx.resolve_class("pkg.graph.Graph", "app"), "pkg.graph.Graph");
    EXPECT_EQ(idx.resolve_class("Graph", "app"), "pkg.graph.Graph");
    std::vector<std::string> stub_bases;
    auto ms = idx.class_members("pkg.graph.Graph", [&](const std::string& b) { stub_bases.push_back(b); });
    EXPECT_TRUE(has(ms, "add_edge", 0));
    EXPECT_TRUE(has(ms, "run", 1));    // from the project base class
    EXPECT_TRUE(has(ms, "state", 1));  // self.state = ... in the base's method
    EXPECT_EQ(stub_bases, std::vector<std::string>{"dict"});
    EXPECT_EQ(idx.resolve_module("graph"), "pkg.graph");
    auto mm = idx.module_members("pkg");
    EXPECT_TRUE(has(mm, "graph", 0) && has(mm, "base", 0));  // submodules
    EXPECT_EQ(uses(idx, "g")["add_edge"], 2u);
  }
}

// A project whose first file is a package's __init__.py interned the empty string first (the package's
// parent module), before the pool had a block for it to point into: the build crashed on the next lookup.
TEST(ProjectIndex, APackageAsTheFirstFileIndexes) {
  TempTree t;
  t.write("pkg/__init__.py", "from .decoder import Decoder\n__all__ = ['Decoder']\n");
  t.write("pkg/decoder.py", "class Decoder:\n    def decode(self, s):\n        return s.strip()\n");
  ProjectIndex idx;
  idx.build({t.root});
  EXPECT_EQ(idx.stats().files, 2u);
  EXPECT_EQ(idx.resolve_class("Decoder", "pkg"), "pkg.decoder.Decoder");
  EXPECT_TRUE(has(idx.class_members("pkg.decoder.Decoder", [](const std::string&) {}), "decode", 0));
}

TEST(StringPool, EmptyFirstLongCutAndAcrossBlocks) {
  StringPool pool;
  const uint32_t empty = pool.intern("");
  EXPECT_EQ(pool.str(empty), "");
  EXPECT_EQ(pool.find(""), empty);
  EXPECT_EQ(pool.intern(std::string(300, 'x')), pool.intern(std::string(255, 'x')));  // cut at kMaxLength
  std::vector<uint32_t> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(pool.intern("name_" + std::to_string(i)));  // > 64 KB, table grows
  for (int i = 0; i < 20000; i += 997) {
    EXPECT_EQ(pool.str(ids[size_t(i)]), "name_" + std::to_string(i));
    EXPECT_EQ(pool.find("name_" + std::to_string(i)), ids[size_t(i)]);
  }
  EXPECT_EQ(pool.find("absent"), StringPool::kNone);
  EXPECT_EQ(pool.str(empty), "");
}

TEST(ModuleScan, DeepNestingIsCutWhereTheWalkStops) {
  // 450 nested calls: the walk never goes below depth 400, so the innermost uses are not seen, the
  // outer ones are, and nothing overflows the stack.
  std::string src = "a.top\nx = ";
  for (int i = 0; i < 450; ++i) src += "f(";
  src += "deep.inner";
  for (int i = 0; i < 450; ++i) src += ")";
  src += "\nb.after\n";
  ModuleScan s = scan_source(src, "m", false);
  std::vector<std::string> members;
  for (const auto& u : s.uses) members.push_back(u.member);
  EXPECT_NE(std::find(members.begin(), members.end(), "top"), members.end());
  EXPECT_NE(std::find(members.begin(), members.end(), "after"), members.end());
  EXPECT_EQ(std::find(members.begin(), members.end(), "inner"), members.end());
}

TEST(ProjectIndex, ImportedModulesMostImportedFirst) {
  TempTree t;
  t.write("a.py", "import numpy as np\nfrom os import path\nimport json\n");
  t.write("b.py", "import numpy\nimport json\nfrom collections import OrderedDict\n");
  t.write("c.py", "import numpy.linalg\nfrom . import a\n");
  ProjectIndex idx;
  idx.build({t.root});
  auto m = idx.imported_modules(100);
  ASSERT_GE(m.size(), 3u);
  EXPECT_EQ(m[0], "numpy");  // three files
  EXPECT_EQ(m[1], "json");   // two
  // `from os import path`: os and os.path are both tried; a relative import is not.
  EXPECT_NE(std::find(m.begin(), m.end(), "os.path"), m.end());
  EXPECT_NE(std::find(m.begin(), m.end(), "collections.OrderedDict"), m.end());
  EXPECT_EQ(std::find_if(m.begin(), m.end(), [](const std::string& x) { return x.starts_with("."); }), m.end());
  EXPECT_EQ(idx.imported_modules(1), std::vector<std::string>{"numpy"});
}

TEST(ProjectIndex, CountsLeaveTheEditedFileOut) {
  TempTree t;
  auto a = t.write("a.py", "import os\nos.path.join('x')\nos.getcwd()\n");
  t.write("b.py", "import os\nos.getcwd()\n");
  ProjectIndex idx;
  idx.build({t.root});
  EXPECT_EQ(uses(idx, "os")["getcwd"], 2u);
  auto without_a = uses(idx, "os", a);
  EXPECT_EQ(without_a["getcwd"], 1u);
  EXPECT_EQ(without_a.count("path"), 0u);  // used only in a.py
  EXPECT_EQ(idx.member_uses("getcwd", a), 1u);
  EXPECT_EQ(idx.member_uses(std::vector<std::string_view>{"getcwd", "join"}, a), (std::vector<uint32_t>{1, 0}));
  // An edit replaces the file's share, a removal takes it away.
  idx.update_file(a, "import os\nos.getcwd()\nos.getcwd()\nos.listdir('.')\n");
  EXPECT_EQ(uses(idx, "os")["getcwd"], 3u);
  EXPECT_EQ(uses(idx, "os")["listdir"], 1u);
  EXPECT_EQ(uses(idx, "os").count("path"), 0u);
  idx.remove_file(a);
  EXPECT_EQ(uses(idx, "os"), (std::map<std::string, uint32_t>{{"getcwd", 1}}));
}

TEST(ProjectIndex, BadInputIsSkippedAndCountedAndTheWalkIsBounded) {
  TempTree t;
  t.write("ok.py", "x.y\n");
  t.write("bin.py", std::string("x.y\0\1\2", 6));
  t.write("latin.py", "s = '\xe9\xe8\xe0'\nx.z\n");
  t.write("gen.py", "# Generated by protoc. DO NOT EDIT.\nx.w\n");
  t.write("big.py", std::string(3u << 20, '#'));
  t.write("_vendor/lib.py", "x.v\n");
  t.write("node_modules/z.py", "x.v\n");
  fs::create_directory_symlink(t.root, t.root / "loop");  // a symlink loop back to the root
  fs::create_directories(t.root / "locked");
  t.write("locked/secret.py", "x.s\n");
  fs::permissions(t.root / "locked/secret.py", fs::perms::none);
  ProjectIndex idx;
  idx.build({t.root});
  auto st = idx.stats();
  EXPECT_TRUE(st.complete);
  EXPECT_EQ(st.skipped["binary"], 1u);
  EXPECT_EQ(st.skipped["not_utf8"], 1u);
  EXPECT_EQ(st.skipped["generated"], 1u);
  EXPECT_EQ(st.skipped["too_large"], 1u);
  EXPECT_GE(st.skipped["symlinked_dir"], 1u);
  EXPECT_GE(st.skipped["vendored_dir"] + st.skipped["vendored"], 2u);
  if (::geteuid() != 0) {
    EXPECT_EQ(st.skipped["unreadable"], 1u);  // root reads anything
  }
  EXPECT_EQ(uses(idx, "x").count("y"), 1u);
  EXPECT_EQ(uses(idx, "x").count("v"), 0u);

  IndexLimits lim;
  lim.max_files = 2;
  ProjectIndex small(lim);
  for (int i = 0; i < 10; ++i) t.write("many/m" + std::to_string(i) + ".py", "q.r\n");
  small.build({t.root / "many"});
  EXPECT_EQ(small.stats().files, 2u);
  EXPECT_EQ(small.stats().skipped["over_file_limit"], 8u);
}

TEST(ProjectIndex, StopEndsTheBuildAndQueriesWorkMeanwhile) {
  TempTree t;
  for (int i = 0; i < 200; ++i) t.write("f" + std::to_string(i) + ".py", "import os\nos.getcwd()\n");
  ProjectIndex idx;
  std::atomic<bool> stop{false};
  size_t calls = 0;
  idx.build(
      {t.root},
      [&](size_t done, size_t) {
        ++calls;
        EXPECT_LE(uses(idx, "os")["getcwd"], done);  // queries answer while the build runs
        if (done >= 64) stop = true;
      },
      &stop);
  EXPECT_GE(calls, 2u);
  EXPECT_LT(idx.stats().files, 200u);
}

// A document the editor changes while the first build runs: whether the build reaches its file
// before or after the change, the index ends with the editor's text, never the disk's.
TEST(ProjectIndex, AFileChangedDuringTheBuildEndsWithTheEditorsText) {
  TempTree t;
  for (int i = 0; i < 400; ++i) t.write("f" + std::to_string(i) + ".py", "import os\nos.getcwd()\n");
  fs::path edited = t.write("f200.py", "import os\nos.old_member()\n");
  for (int round = 0; round < 3; ++round) {
    ProjectIndex idx;
    std::atomic<bool> go{false};
    std::thread builder([&] {
      go = true;
      idx.build({t.root});
    });
    while (!go) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(round * 20));
    idx.update_file(edited, "import os\nos.new_member()\n");
    builder.join();
    auto u = uses(idx, "os");
    EXPECT_EQ(u.count("old_member"), 0u) << round;
    EXPECT_EQ(u["new_member"], 1u) << round;
    EXPECT_EQ(u["getcwd"], 399u) << round;
  }
}

}  // namespace
}  // namespace dw
