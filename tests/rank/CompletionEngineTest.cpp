#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "eval/EditorProtocol.h"
#include "rank/CompletionEngine.h"
#include "syntax/Extractor.h"

namespace dw {
namespace {
namespace fs = std::filesystem;

const TypeshedIndex& stubs() {
  static TypeshedIndex t(TypeshedIndex::default_roots());
  return t;
}

struct Project {
  fs::path root = fs::temp_directory_path() / ("dw_engine_" + std::to_string(::getpid()));
  ProjectIndex index;
  Project() {
    fs::remove_all(root);
    write("pkg/__init__.py", "");
    write("pkg/graph.py", "class Graph:\n    def add_edge(self, a, b):\n        self.count = 0\n");
    write("pkg/other.py", "def f(conn):\n    conn.commit()\n    conn.rollback_all()\n");
    index.build({root});
  }
  ~Project() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
};

// Completes at the end of `before`, with `after` following the cursor, in file `rel` of the project.
CompletionResult complete(Project& pj, const std::string& rel, const std::string& before, const std::string& after,
                          EngineOptions opt = {}) {
  Extractor ex(stubs());
  std::string text = before + after;
  auto p = predict_at_cursor(nullptr, ex, rel, before, WindowOptions{}, nullptr);
  EXPECT_TRUE(p.has_value());
  if (!p) return {};
  CompletionEngine engine(stubs(), &pj.index, nullptr, opt);
  return engine.complete(*p, nullptr, DocumentView{(pj.root / rel).string(), text, before.size()}, RankerKind::Learned);
}

const MemberCandidate* find(const CompletionResult& r, const std::string& name) {
  for (const auto& c : r.items)
    if (c.name == name) return &c;
  return nullptr;
}

TEST(CompletionEngine, ProjectClassMembersThroughAnImport) {
  Project pj;
  auto r = complete(pj, "app.py", "from pkg.graph import Graph\ng = Graph()\ng.", "\nprint(1)\n");
  EXPECT_EQ(r.cls, "pkg.graph.Graph");
  const MemberCandidate* c = find(r, "add_edge");
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->sources & kFromProjectClass);
  EXPECT_EQ(c->kind, MemberKind::Method);
  EXPECT_NE(find(r, "count"), nullptr);
  // The next line's first name is not taken for the member being typed.
  EXPECT_EQ(find(r, "print"), nullptr);
}

TEST(CompletionEngine, SelfMembersFromTheLiveDocumentAndUsesElsewhere) {
  Project pj;
  std::string before =
      "class Cache:\n    def __init__(self):\n        self.store = {}\n    def get(self, k):\n        return self.";
  std::string after = "\n    def put(self, k, v):\n        self.store[k] = v\n        self.hits += 1\n";
  auto r = complete(pj, "pkg/cache.py", before, after);
  EXPECT_EQ(r.key, "self:pkg.cache.Cache");
  ASSERT_NE(find(r, "store"), nullptr);
  EXPECT_EQ(find(r, "store")->features[kInEnclosingClass], 1.0f);
  EXPECT_GE(find(r, "store")->features[kFileKeyBefore], 1.0f);
  EXPECT_GE(find(r, "store")->features[kFileKeyAfter], 1.0f);
  ASSERT_NE(find(r, "hits"), nullptr);  // assigned after the cursor
  EXPECT_EQ(find(r, "hits")->features[kFileKeyBefore], 0.0f);
}

TEST(CompletionEngine, ReceiverNamesUsedInOtherFilesAndNoLeakFromTheEditedFile) {
  Project pj;
  // conn.rollback_all is used in other.py: a candidate by receiver name, with its project count.
  auto r = complete(pj, "pkg/new.py", "def g(conn):\n    conn.", "\n");
  ASSERT_NE(find(r, "rollback_all"), nullptr);
  EXPECT_TRUE(find(r, "rollback_all")->sources & kFromProjectUse);
  EXPECT_EQ(find(r, "rollback_all")->features[kProjectKey], 1.0f);
  // Editing other.py itself: its indexed copy is left out, so a name used only on the cut line is gone.
  auto r2 = complete(pj, "pkg/other.py", "def f(conn):\n    conn.commit()\n    conn.", "\n");
  EXPECT_EQ(find(r2, "rollback_all"), nullptr);
  ASSERT_NE(find(r2, "commit"), nullptr);
  EXPECT_EQ(find(r2, "commit")->features[kProjectKey], 0.0f);  // only this file uses it
  EXPECT_EQ(find(r2, "commit")->features[kFileKeyBefore], 1.0f);
}

// Completing in front of existing text (`os.|getcwd()`, or a prefix typed inside a name): the cursor
// mark must not fuse with the name after it into a candidate, and the receiver's uses still count.
// A receiver used with more names across the project than the list holds (`args.` over a CLI's
// commands): the list keeps what the cap keeps of all of them, and names held back for it still get
// their project count when another source brings them in.
TEST(CompletionEngine, AKeyWithMoreNamesThanTheCapKeepsTheMostUsed) {
  Project pj;
  std::string cli = "def run(args):\n";
  for (int i = 1; i <= 20; ++i)
    for (int k = 0; k < i; ++k) cli += "    args.name" + std::to_string(i) + "\n";
  cli += "    args.rare\n";
  pj.write("pkg/cli.py", cli);
  pj.index.build({pj.root});
  EngineOptions opt;
  opt.max_candidates = 6;
  auto r = complete(pj, "app.py", "def go(args):\n    print(args.rare)\n    args.", "\n", opt);
  std::set<std::string> names;
  for (const auto& c : r.items) names.insert(c.name);
  EXPECT_EQ(names, (std::set<std::string>{"rare", "name20", "name19", "name18", "name17", "name16"}));
  const MemberCandidate* rare = find(r, "rare");
  ASSERT_TRUE(rare);
  EXPECT_EQ(rare->features[kProjectKey], 1.0f);  // held back from the project's names, then found in the file
  EXPECT_TRUE(rare->sources & kFromProjectUse);
  EXPECT_EQ(r.dropped, 15u);  // name1 .. name15
  const MemberCandidate* top = find(r, "name20");
  ASSERT_TRUE(top);
  EXPECT_EQ(top->features[kProjectKey], 20.0f);
  EXPECT_FLOAT_EQ(top->features[kProjectKeyShare], 20.0f / (210.0f + 1.0f));
}

TEST(CompletionEngine, ANamespaceGetsWhatTheFilesParserDefines) {
  Project pj;
  const std::string head =
      "import argparse\n"
      "def main():\n"
      "    p = argparse.ArgumentParser()\n"
      "    p.add_argument('--dry-run', action='store_true')\n"
      "    p.add_argument('-o', '--out-dir', help='where, dest=nothing')\n"
      "    p.add_argument('input')\n"
      "    p.add_argument('-v', dest='verbose_level')\n"
      "    args = p.parse_args()\n";
  auto r = complete(pj, "tool.py", head + "    args.", "\n");
  for (const char* n : {"dry_run", "out_dir", "input", "verbose_level"}) {
    const MemberCandidate* c = find(r, n);
    ASSERT_NE(c, nullptr) << n;
    EXPECT_TRUE(c->sources & kFromFileUse) << n;
    EXPECT_EQ(c->features[kFileKeyBefore], 1.0f) << n;
  }
  EXPECT_EQ(find(r, "o"), nullptr);
  EXPECT_EQ(find(r, "v"), nullptr);
  EXPECT_EQ(find(r, "dry_run")->features[kLinesSinceKey], 5.0f);
  // Not a namespace (its name, and no use of a defined name on it): nothing added.
  auto other = complete(pj, "tool.py", head + "    p.", "\n");
  EXPECT_EQ(find(other, "dry_run"), nullptr);
  // Another name is one once it is used with a defined name.
  auto cfg = complete(pj, "tool.py", head + "    cfg = p.parse_args()\n    print(cfg.input)\n    cfg.", "\n");
  EXPECT_NE(find(cfg, "dry_run"), nullptr);
  EXPECT_EQ(find(cfg, "input")->features[kFileKeyBefore], 1.0f) << "its use counted once, not again for its definition";
}

TEST(CompletionEngine, NothingFusesWithTheCursorMark) {
  Project pj;
  auto r = complete(pj, "pkg/mark.py", "import os\nos.getcwd()\nx = os.", "getcwd()\n");
  for (const auto& c : r.items) EXPECT_FALSE(c.name.starts_with(kCursorMark)) << c.name;
  ASSERT_NE(find(r, "getcwd"), nullptr);
  EXPECT_EQ(find(r, "getcwd")->features[kFileKeyBefore], 1.0f);
  EXPECT_EQ(r.key, "os");
}

TEST(CompletionEngine, ModelOrderingKeepsTheEarlierList) {
  Project pj;
  Extractor ex(stubs());
  std::string before = "import os\nos.path.";
  auto p = predict_at_cursor(nullptr, ex, "x.py", before, WindowOptions{}, nullptr);
  ASSERT_TRUE(p);
  CompletionEngine engine(stubs(), &pj.index, nullptr);
  auto legacy = engine.complete(*p, nullptr, DocumentView{"", before, before.size()}, RankerKind::Model);
  ASSERT_NE(find(legacy, "join"), nullptr);
  // No model: every name is unknown, public ones first in alphabetical order.
  EXPECT_LT(legacy.items.front().name, legacy.items.back().name);
  EXPECT_FALSE(engine.learned());
}

TEST(CompletionEngine, ScanWindowIsBoundedAndKeepsImportsAndTheClassHeader) {
  std::string text = "import os\nfrom a import b\n";
  for (int i = 0; i < 4000; ++i) text += "x" + std::to_string(i) + " = os.getcwd()\n";
  text += "class Big:\n";
  for (int i = 0; i < 1000; ++i) text += "    y" + std::to_string(i) + " = 1\n";
  text += "    def f(self):\n        return self.";
  size_t cursor = text.size();
  text += "\n";
  for (int i = 0; i < 4000; ++i) text += "z = 1\n";
  size_t at = 0;
  std::string w = scan_window(text, cursor, cursor, &at);
  EXPECT_LT(w.size(), 2 * kScanBefore + kScanAfter + 2 * kScanStep + 1000);
  EXPECT_TRUE(w.starts_with("import os\nfrom a import b\n"));
  EXPECT_NE(w.find("class Big:"), std::string::npos);  // 20 KB back: within reach
  EXPECT_EQ(w.substr(at, kCursorMark.size()), kCursorMark);
  EXPECT_EQ(w.substr(at - 12, 12), "return self.");
  size_t small_at = 0;  // a small file is scanned whole
  EXPECT_EQ(scan_window("a = b.\nc\n", 6, 6, &small_at), std::string("a = b.") + std::string(kCursorMark) + "\nc\n");
  EXPECT_EQ(small_at, 6u);
}

// A class far longer than the window: the window opens at one of its methods under the class's own
// header, so it parses as that class (no error recovery) and `self.` has its class.
TEST(CompletionEngine, ScanWindowInsideALongClassOpensUnderItsHeader) {
  std::string text = "import os\n\n@decorated\nclass Huge(Base,\n           Other):  # a comment\n";
  text += "    \"\"\"Doc.\n\n    def not_a_method_in_the_docstring(x):\n    \"\"\"\n";
  for (int i = 0; i < 1500; ++i)
    text += "    def m" + std::to_string(i) +
            "(self):\n        \"\"\"Text.\n        more\n        \"\"\"\n        self.a" + std::to_string(i) +
            " = os.sep\n";
  const size_t cursor = text.find("self.a1400 =") + 5;
  size_t at = 0;
  const std::string w = scan_window(text, cursor, cursor, &at);
  EXPECT_TRUE(w.starts_with("import os\nclass Huge(Base,\n           Other):  # a comment\n    def m"))
      << w.substr(0, 200);
  EXPECT_EQ(w.find("class Huge"), w.rfind("class Huge"));
  EXPECT_EQ(w.substr(at - 5, 5), "self.");
  EXPECT_LT(w.size(), kScanBefore + kScanAfter + 2 * kScanStep + 200);
  ModuleScan scan = scan_source(w, "mod", false);
  const auto line = uint32_t(std::count(w.begin(), w.begin() + long(at), '\n'));
  EXPECT_EQ(enclosing_class(scan, line), "mod.Huge");
  ASSERT_EQ(scan.classes.size(), 1u);
  EXPECT_GT(scan.classes[0].members.size(), 100u);  // the methods in the window, read as its members

  // A window that would open inside a docstring of a short class opens at the next class instead.
  std::string doc = "import os\n";
  for (int i = 0; i < 400; ++i) {
    doc += "class C" + std::to_string(i) + "(Base):\n  r\"\"\"Doc.\n";
    for (int j = 0; j < 40; ++j) doc += "    text line " + std::to_string(j) + " of a long docstring.\n";
    doc += "  \"\"\"\n  x = os.sep\n";
  }
  const size_t c2 = doc.find("x = os.sep", doc.size() / 2) + 5;
  const std::string w2 = scan_window(doc, c2, c2, &at);
  EXPECT_TRUE(w2.starts_with("import os\nclass C")) << w2.substr(0, 200);
}

TEST(CompletionEngine, ScanWindowEndsStayPutWhileTyping) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "    v" + std::to_string(i) + " = obj.attr\n";
  const size_t line = text.find("    v1500 ");
  size_t at = 0;
  std::string first = scan_window(text, line + 4, line + 4, &at);
  std::string w0 = first.substr(0, at);
  // Typing a few characters further on the same line: the window starts and ends where it did.
  std::string typed = text;
  typed.insert(line + 4, "abc.");
  std::string second = scan_window(typed, line + 8, line + 8, &at);
  EXPECT_EQ(second.substr(0, 200), first.substr(0, 200));
  EXPECT_EQ(second.substr(second.size() - 200), first.substr(first.size() - 200));
  EXPECT_GE(first.size(), kScanBefore + kScanAfter);
  EXPECT_LT(first.size(), kScanBefore + kScanAfter + 2 * kScanStep + 200);
}

TEST(CompletionEngine, ACachedScanParseGivesTheSameScanAsAFreshOne) {
  Project pj;
  CompletionEngine engine(stubs(), &pj.index, nullptr);
  std::string text = "import os\nclass A:\n    def f(self):\n        self.x = os.getcwd()\n";
  for (int i = 0; i < 400; ++i) text += "    def m" + std::to_string(i) + "(self):\n        return self.x.strip()\n";
  ParseCache cache;
  // Edits and cursor moves as when typing: each cached re-parse must scan like a parse from scratch.
  for (int step = 0; step < 6; ++step) {
    const size_t at = text.find("return self.x", text.size() / 7 * size_t(step + 1));
    ASSERT_NE(at, std::string::npos);
    std::string doc = text;
    doc.insert(at, step % 2 ? "os.path." : "self.");
    const size_t cursor = at + (step % 2 ? 8 : 5);
    DocumentView v{(pj.root / "app.py").string(), doc, cursor};
    DocumentScan cached = engine.scan_document(v, 0, &cache), fresh = engine.scan_document(v, 0);
    EXPECT_EQ(cached.line, fresh.line);
    EXPECT_EQ(cached.here, fresh.here);
    ASSERT_EQ(cached.scan.uses.size(), fresh.scan.uses.size()) << step;
    for (size_t i = 0; i < fresh.scan.uses.size(); ++i) {
      EXPECT_EQ(cached.scan.uses[i].key, fresh.scan.uses[i].key);
      EXPECT_EQ(cached.scan.uses[i].member, fresh.scan.uses[i].member);
      EXPECT_EQ(cached.scan.uses[i].line, fresh.scan.uses[i].line);
    }
    ASSERT_EQ(cached.scan.classes.size(), fresh.scan.classes.size());
    for (size_t i = 0; i < fresh.scan.classes.size(); ++i)
      EXPECT_EQ(cached.scan.classes[i].members.size(), fresh.scan.classes[i].members.size());
  }
}

TEST(EditorProtocol, CutsTheLineAfterTheDotAndSpotsStores) {
  auto cut = cut_at_site("a = 1\nx = obj.member(2)\ny\n", 1, 8);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->first, "a = 1\nx = obj.\ny\n");
  EXPECT_EQ(cut->second, 14u);
  EXPECT_FALSE(cut_at_site("x = obj .member\n", 0, 8));  // not right after the dot
  EXPECT_TRUE(is_store("self.x = 1\n", 0, 5, 1));
  EXPECT_TRUE(is_store("self.x += 1\n", 0, 5, 1));
  EXPECT_TRUE(is_store("self.x: int = 1\n", 0, 5, 1));
  EXPECT_FALSE(is_store("if self.x == 1:\n", 0, 8, 1));
  EXPECT_FALSE(is_store("f(self.x)\n", 0, 7, 1));
}

}  // namespace
}  // namespace dw
