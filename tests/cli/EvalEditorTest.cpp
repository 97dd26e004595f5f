// `dotwise eval --protocol editor` with two models: both are run on the same sites (matched by key), each
// with the ranker beside it, and the first's list is compared with the second's by a paired bootstrap —
// the editor half of the ship gate for a new default model.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/FileIO.h"
#include "tests/support/ChildProcess.h"

namespace dw {
namespace {

namespace fs = std::filesystem;

class EvalEditor : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("dw_eval_editor_test_" + std::to_string(::getpid()));
  std::string exe = test::dotwise_binary();
  void SetUp() override {
    const fs::path models = fs::path(DOTWISE_SOURCE_DIR) / "models";
    fs::create_directories(dir / "proj" / "pkg");
    fs::create_directories(dir / "m");
    for (const char* stem : {"a", "b"})
      for (const char* ext : {".dwm", ".dwr"})
        fs::copy_file(models / (std::string("default") + ext), dir / "m" / (std::string(stem) + ext));
    write_file_atomic(dir / "proj/pkg/graph.py",
                      "class Graph:\n    def __init__(self):\n        self.edges = []\n        self.nodes = set()\n"
                      "    def add_edge(self, a, b):\n        self.edges.append((a, b))\n        self.nodes.add(a)\n"
                      "        self.nodes.add(b)\n        return len(self.edges)\n");
    write_file_atomic(dir / "proj/pkg/main.py",
                      "import os\nfrom .graph import Graph\n\ndef build(path):\n    g = Graph()\n"
                      "    for name in os.listdir(path):\n        g.add_edge(path, os.path.join(path, name))\n"
                      "    print(g.nodes, g.edges, name.upper(), name.strip())\n    return g\n");
  }
  void TearDown() override { fs::remove_all(dir); }
};

TEST_F(EvalEditor, TwoModelsMeetOnTheSameSites) {
  std::string out;
  const std::string m = (dir / "m").string();
  ASSERT_EQ(test::run_shell(exe + " eval --protocol editor " + (dir / "proj").string() + " --model " + m +
                                "/a.dwm --model " + m + "/b.dwm --json --bootstrap 50 2>/dev/null",
                            out),
            0)
      << out;
  auto j = nlohmann::json::parse(out);
  ASSERT_GE(j["sites"].get<int>(), 5);
  ASSERT_EQ(j["also"].size(), 1u);
  EXPECT_EQ(j["also"][0]["ranker"].get<std::string>(), m + "/b.dwr");
  // The same model twice: every ordering equal, so the paired differences are exactly zero.
  const auto& o = j["orderings"];
  EXPECT_EQ(o["learned@a"]["all"], o["learned@b"]["all"]);
  EXPECT_EQ(o["model@a"]["all"], o["model@b"]["all"]);
  EXPECT_GT(o["learned@a"]["all"]["in_list"].get<double>(), 0.5);
  ASSERT_EQ(j["compare"].size(), 4u);  // each list vs its model ordering, then a vs b for both orderings
  for (size_t k : {2, 3}) {
    EXPECT_NE(j["compare"][k]["a"].get<std::string>().find("@a"), std::string::npos);
    EXPECT_NE(j["compare"][k]["b"].get<std::string>().find("@b"), std::string::npos);
    for (const char* metric : {"top1", "mrr"}) {
      EXPECT_EQ(j["compare"][k][metric]["diff"].get<double>(), 0.0);
      EXPECT_EQ(j["compare"][k][metric]["lo"].get<double>(), 0.0);
      EXPECT_EQ(j["compare"][k][metric]["hi"].get<double>(), 0.0);
    }
  }
}

}  // namespace
}  // namespace dw
