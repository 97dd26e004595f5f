// `dotwise serve` over pipes, driven by a scripted client: standalone completion at member accesses,
// incremental sync, cancellation, bad input, and the proxy in front of a fake and a real upstream.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "lsp/Documents.h"
#include "lsp/Ranking.h"
#include "rank/ContextWindow.h"
#include "rank/Predictor.h"
#include "tests/lsp/LspClient.h"
#include "tests/support/ChildProcess.h"

namespace dw::lsp::test {
namespace fs = std::filesystem;

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("dotwise_lsp_test_" + std::to_string(::getpid()));
    model_ = write_test_model(dir_).string();
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  std::vector<std::string> serve(std::vector<std::string> upstream = {}) {
    std::vector<std::string> a = {dotwise_binary(), "serve", "--quiet", "--model", model_};
    if (!upstream.empty()) {
      a.push_back("--");
      a.insert(a.end(), upstream.begin(), upstream.end());
    }
    return a;
  }
  // The model ordering (--ranker model): what the order tests below check against the logits.
  std::vector<std::string> serve_model_order(std::vector<std::string> upstream = {}) {
    auto a = serve(std::move(upstream));
    a.insert(a.begin() + 2, {"--ranker", "model"});
    return a;
  }
  // The model's logit for each name, computed here independently of the server.
  std::map<std::string, float> logits(const std::string& before, const std::vector<std::string>& names) {
    static TypeshedIndex stubs(TypeshedIndex::default_roots());
    static Extractor ex(stubs);
    Model m = Model::open(model_);
    Predictor p(m, ex);
    auto pr = p.predict("t", before);
    EXPECT_TRUE(pr.has_value());
    std::map<std::string, float> out;
    if (!pr) return out;
    for (const auto& n : names) {
      int32_t id = p.id_of(*pr, n);
      out[n] = id < 0 ? NAN : p.logit(*pr, id);
    }
    return out;
  }
  // Known public items come first, by the model's score; sortText follows the array order.
  void expect_model_order(const Json& items, const std::string& before) {
    auto names = labels(items);
    auto lg = logits(before, names);
    ASSERT_FALSE(items.empty());
    float prev = INFINITY;
    bool in_known = true;
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) {
        EXPECT_LT(items[i - 1]["sortText"].get<std::string>(), items[i]["sortText"].get<std::string>());
      }
      if (is_private(names[i])) continue;  // placed by confidence, checked elsewhere
      float l = lg[names[i]];
      bool known = !std::isnan(l);
      if (!known) in_known = false;
      if (known && in_known) {
        EXPECT_LE(l, prev + 1e-4f) << names[i] << " ranked after a lower-scored item";
        prev = l;
      }
      if (in_known == false && known) ADD_FAILURE() << names[i] << " (known, public) after an unknown item";
    }
    EXPECT_TRUE(items[0].value("preselect", false) || std::isnan(lg[names[0]]));
  }

  static inline fs::path dir_;
  static inline std::string model_;
};

TEST_F(ServerTest, StandaloneOsPathRankedByModel) {
  Client c(serve_model_order());
  auto init = c.initialize();
  ASSERT_TRUE(init.contains("result")) << init.dump();
  auto trig = init["result"]["capabilities"]["completionProvider"]["triggerCharacters"];
  EXPECT_NE(std::find(trig.begin(), trig.end(), "."), trig.end());
  std::string text = "import os\nroot = os.getcwd()\nx = os.path.\nprint(x)\n";
  c.open("file:///a.py", text);
  auto r = c.complete("file:///a.py", 2, 12);
  auto items = items_of(r);
  auto names = labels(items);
  EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "exists"), names.end());
  expect_model_order(items, "import os\nroot = os.getcwd()\nx = os.path.");
  int stars = 0;
  for (const auto& it : items) {
    EXPECT_EQ(it["filterText"], it["label"]);
    if (it.contains("labelDetails")) stars += it["labelDetails"]["description"].get<std::string>().starts_with("★");
  }
  EXPECT_EQ(stars, 5);
  EXPECT_EQ(c.shutdown_and_exit(), 0);
}

TEST_F(ServerTest, StandaloneNumpySelfAndAssignedVariable) {
  Client c(serve());
  c.initialize(Json{{"dotwise", {{"stars", 2}}}});
  std::string text =
      "import numpy as np\n"
      "class Box:\n"
      "    def __init__(self):\n"
      "        self.items = []\n"
      "        self.count = 0\n"
      "    def run(self):\n"
      "        a = np.\n"
      "        self.\n"
      "        s = 'abc'\n"
      "        s.up\n";
  c.open("file:///b.py", text);
  auto np_items = items_of(c.complete("file:///b.py", 6, 15));
  auto np_names = labels(np_items);
  EXPECT_NE(std::find(np_names.begin(), np_names.end(), "zeros"), np_names.end()) << np_items.dump();
  auto self_names = labels(items_of(c.complete("file:///b.py", 7, 13)));
  EXPECT_NE(std::find(self_names.begin(), self_names.end(), "items"), self_names.end());
  EXPECT_NE(std::find(self_names.begin(), self_names.end(), "count"), self_names.end());
  auto s_items = items_of(c.complete("file:///b.py", 9, 12));
  auto s_names = labels(s_items);
  EXPECT_NE(std::find(s_names.begin(), s_names.end(), "upper"), s_names.end());
  EXPECT_NE(std::find(s_names.begin(), s_names.end(), "strip"), s_names.end());
  int stars = 0;
  for (const auto& it : s_items) stars += it.contains("labelDetails");
  EXPECT_EQ(stars, 2);  // from initializationOptions
  c.shutdown_and_exit();
}

TEST_F(ServerTest, IncrementalEditsInUtf16) {
  Client c(serve_model_order());
  c.initialize(nullptr, /*label_details=*/false);
  c.open("file:///c.py", "import os\n# 😀 é\nv = 1\n");
  // Replace "1" on line 2 with "os.pa" + later "th.", and edit after a surrogate pair on line 1.
  c.notify("textDocument/didChange",
           {{"textDocument", {{"uri", "file:///c.py"}, {"version", 2}}},
            {"contentChanges",
             {{{"range", {{"start", {{"line", 2}, {"character", 4}}}, {"end", {{"line", 2}, {"character", 5}}}}},
               {"text", "os.pa"}},
              {{"range", {{"start", {{"line", 1}, {"character", 4}}}, {"end", {{"line", 1}, {"character", 5}}}}},
               {"text", "!"}},
              {{"range", {{"start", {{"line", 2}, {"character", 9}}}, {"end", {{"line", 2}, {"character", 9}}}}},
               {"text", "th."}}}}});
  auto items = items_of(c.complete("file:///c.py", 2, 12));
  auto names = labels(items);
  EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end());
  expect_model_order(items, "import os\n# 😀 !\nv = os.path.");
  // Without labelDetails support the star goes into the label, and the insert text stays the name.
  EXPECT_TRUE(items[0]["label"].get<std::string>().starts_with("★ "));
  EXPECT_EQ(items[0]["insertText"], items[0]["filterText"]);
  c.shutdown_and_exit();
}

TEST_F(ServerTest, CancelAndUnknownAndBeforeInit) {
  Client c(serve());
  auto early = c.request("textDocument/completion", Json::object());
  EXPECT_EQ(early["error"]["code"], kServerNotInitialized);
  c.initialize();
  c.open("file:///d.py", "import os\nos.\n");
  // The cancel arrives together with its request: the server must see it before answering.
  std::string req =
      make_request(100, "textDocument/completion",
                   {{"textDocument", {{"uri", "file:///d.py"}}}, {"position", {{"line", 1}, {"character", 3}}}})
          .dump();
  std::string cancel = make_notification("$/cancelRequest", {{"id", 100}}).dump();
  std::string both = "Content-Length: " + std::to_string(req.size()) + "\r\n\r\n" + req +
                     "Content-Length: " + std::to_string(cancel.size()) + "\r\n\r\n" + cancel;
  ASSERT_EQ(::write(c.process().stdin_fd(), both.data(), both.size()), ssize_t(both.size()));
  auto r = c.wait_response(100);
  EXPECT_EQ(r["error"]["code"], kRequestCancelled) << r.dump();
  c.notify("$/noSuchNotification", Json::object());  // ignored, no reply
  auto unk = c.request("no/such/method", Json::object());
  EXPECT_EQ(unk["error"]["code"], kMethodNotFound);
  c.shutdown_and_exit();
}

TEST_F(ServerTest, GarbageInputIsAnsweredAndSurvived) {
  Client c(serve());
  c.initialize();
  std::string junk =
      "hello there\r\n\r\n"                 // no Content-Length
      "Content-Length: 7\r\n\r\n{\"a\":,}"  // invalid JSON
      "Content-Length: 2\r\n\r\n[]"         // not an object
      "Content-Length: -5\r\n\r\n";         // bad length
  ASSERT_EQ(::write(c.process().stdin_fd(), junk.data(), junk.size()), ssize_t(junk.size()));
  int parse_errors = 0;
  for (int i = 0; i < 4; ++i) {
    auto in = c.read_timed(5000);
    ASSERT_EQ(in.kind, Incoming::kMessage);
    parse_errors += in.message["error"]["code"] == kParseError && in.message["id"].is_null();
  }
  EXPECT_EQ(parse_errors, 4);
  c.open("file:///e.py", "import os\nos.\n");
  auto items = items_of(c.complete("file:///e.py", 1, 3));
  EXPECT_FALSE(items.empty());
  c.shutdown_and_exit();
}

TEST(TransportTest, OversizedMessageIsSkipped) {
  int p[2], q[2];
  ASSERT_EQ(::pipe(p), 0);
  ASSERT_EQ(::pipe(q), 0);
  Transport t(p[0], q[1], /*max_message=*/64);
  std::string big(200, 'x');
  std::string in = "Content-Length: 200\r\n\r\n" + big + "Content-Length: 2\r\n\r\n{}";
  ASSERT_EQ(::write(p[1], in.data(), in.size()), ssize_t(in.size()));
  ::close(p[1]);
  EXPECT_EQ(t.read().kind, Incoming::kMalformed);
  auto ok = t.read();
  EXPECT_EQ(ok.kind, Incoming::kMessage);
  EXPECT_EQ(t.read().kind, Incoming::kEof);
  ::close(p[0]);
  ::close(q[0]);
  ::close(q[1]);
}

class ProxyTest : public ServerTest {
 protected:
  std::vector<std::string> fake_upstream() {
    return {"python3", std::string(DOTWISE_SOURCE_DIR) + "/tests/lsp/fake_upstream.py"};
  }
  std::vector<std::string> fake() { return serve(fake_upstream()); }
  // Under the model ordering the proxy only re-ranks the upstream's list (what the order checks need).
  std::vector<std::string> fake_model_order() { return serve_model_order(fake_upstream()); }
  // A real upstream server in front of which the proxy must re-rank: its list holds `join` for
  // `os.path.`, and the editor gets it in the model's order.
  void expect_real_upstream_reranked(Client& c) {
    c.on_request = [](const Json& m) {
      if (method_of(m) == "workspace/configuration") return Json(Json::array({nullptr}));
      return Json(nullptr);
    };
    auto init = c.initialize();
    ASSERT_TRUE(init.contains("result")) << init.dump();
    c.open("file:///tmp/dotwise_upstream_test.py", "import os\nroot = os.getcwd()\nos.path.\n");
    Json items;
    for (int attempt = 0; attempt < 5 && items.empty(); ++attempt) {
      auto r = c.complete("file:///tmp/dotwise_upstream_test.py", 2, 8);
      if (r.contains("result") && !r["result"].is_null()) items = items_of(r);
    }
    ASSERT_FALSE(items.empty());
    auto names = labels(items);
    EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end());
    expect_model_order(items, "import os\nroot = os.getcwd()\nos.path.");
    c.shutdown_and_exit();
  }
};

TEST_F(ProxyTest, ReranksUpstreamListAndKeepsUnknownOrder) {
  Client c(fake_model_order());
  auto init = c.initialize();
  auto trig = init["result"]["capabilities"]["completionProvider"]["triggerCharacters"];
  EXPECT_EQ(trig, Json::array({"[", "."}));
  EXPECT_EQ(init["result"]["serverInfo"]["name"], "fake");  // passed through
  std::string text = "import os\ns = os.getcwd()\nos.path.\n";
  c.open("file:///p.py", text);
  auto items = items_of(c.complete("file:///p.py", 2, 8));
  auto names = labels(items);
  ASSERT_EQ(names.size(), 10u);  // nothing hidden
  expect_model_order(items, "import os\ns = os.getcwd()\nos.path.");
  // Unknown public items keep the upstream order, after the known ones; private ones come last.
  auto pos = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) - names.begin(); };
  for (auto n : {"zeros", "count", "join", "upper", "exists", "append"}) EXPECT_LT(pos(n), pos("mystery_one")) << n;
  EXPECT_LT(pos("mystery_one"), pos("mystery_two"));
  for (auto n : {"_private", "__init__"})  // after the public ones unless confident (then starred)
    EXPECT_TRUE(pos(n) > pos("mystery_two") || items[size_t(pos(n))].contains("labelDetails")) << n;
  int preselected = 0;
  for (const auto& it : items) preselected += it.value("preselect", false);
  EXPECT_EQ(preselected, 1);
  // The upstream's workspace/configuration request reached us under a renumbered id, and our answer
  // reached it under its own id (1).
  bool got = false;
  for (int i = 0; i < 50 && !got; ++i) {
    for (const auto& m : c.seen)
      if (method_of(m) == "fake/gotResponse") {
        EXPECT_EQ(m["params"]["id"], 1);
        got = true;
      }
    if (!got) c.request("fake/state", nullptr);
  }
  EXPECT_TRUE(got);
  // Resolve: the upstream sees its own label; our ranking fields survive its answer.
  Json starred = items[0];
  auto res = c.request("completionItem/resolve", starred);
  EXPECT_EQ(res["result"]["sortText"], starred["sortText"]);
  EXPECT_EQ(res["result"]["documentation"], "doc of " + starred["label"].get<std::string>());
  c.shutdown_and_exit();
}

TEST_F(ProxyTest, UpstreamCrashIsSurvived) {
  Client c(fake());
  c.initialize();
  c.open("file:///q.py", "import os\nos.path.\n");
  c.notify(
      "notebookDocument/didOpen",
      {{"notebookDocument",
        {{"uri", "file:///n.ipynb"},
         {"notebookType", "jupyter-notebook"},
         {"version", 1},
         {"cells",
          {{{"kind", 2}, {"document", "file:///n.ipynb#c1"}}, {{"kind", 2}, {"document", "file:///n.ipynb#c2"}}}}}},
       {"cellTextDocuments",
        {{{"uri", "file:///n.ipynb#c1"}, {"languageId", "python"}, {"version", 1}, {"text", "import os\n"}},
         {{"uri", "file:///n.ipynb#c2"}, {"languageId", "python"}, {"version", 1}, {"text", "os.path.\n"}}}}});
  int pid1 = c.request("fake/state", nullptr)["result"]["pid"];
  Json hang_id = 9999;
  c.io().write(make_request(hang_id, "fake/hang", nullptr));
  c.notify("fake/crash", nullptr);
  auto hung = c.wait_response(hang_id);
  EXPECT_EQ(hung["error"]["code"], kContentModified) << hung.dump();
  auto st = c.request("fake/state", nullptr);
  ASSERT_TRUE(st.contains("result")) << st.dump();
  EXPECT_NE(st["result"]["pid"].get<int>(), pid1);
  EXPECT_EQ(st["result"]["opened"], Json::array({"file:///q.py"}));  // documents replayed
  // the notebook as a notebook, its cells inside it (not as loose files)
  EXPECT_EQ(st["result"]["notebooks"],
            Json::parse(R"([["file:///n.ipynb", ["file:///n.ipynb#c1", "file:///n.ipynb#c2"]]])"));
  auto names = labels(items_of(c.complete("file:///q.py", 1, 8)));
  for (auto n : {"zeros", "mystery_one", "__init__", "append"})  // the restarted upstream's list, merged
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  c.shutdown_and_exit();
}

// The default proxy: the upstream's list merged with our own candidates. Every upstream item stays;
// ours that it lacks (os.path's own members: the fake lists other names) are added, marked dotwise.
TEST_F(ProxyTest, MergesOurCandidatesIntoTheUpstreamList) {
  Client c(fake());
  c.initialize();
  c.open("file:///m.py", "import os\ns = os.getcwd()\nos.path.\n");
  auto items = items_of(c.complete("file:///m.py", 2, 8));
  auto names = labels(items);
  for (const char* n :
       {"zeros", "count", "mystery_one", "join", "upper", "_private", "exists", "mystery_two", "__init__", "append"})
    EXPECT_EQ(std::count(names.begin(), names.end(), n), 1) << n;
  int ours = 0;
  for (const auto& it : items)
    if (it.value("detail", "") == "dotwise") {
      if (!ours++) {  // resolving ours is answered by the proxy: the upstream never listed it
        auto res = c.request("completionItem/resolve", it);
        EXPECT_EQ(res["result"], it) << res.dump();
      }
      EXPECT_EQ(it["insertText"], it["filterText"]);  // the fake's items have no textEdit
    }
  EXPECT_GT(ours, 0);
  EXPECT_NE(std::find(names.begin(), names.end(), "abspath"), names.end());  // a stub member the fake lacks
  std::vector<std::string> sorts;
  for (const auto& it : items) sorts.push_back(it["sortText"]);
  EXPECT_TRUE(std::is_sorted(sorts.begin(), sorts.end()));
  EXPECT_EQ(std::set<std::string>(sorts.begin(), sorts.end()).size(), sorts.size());
  // A notebook cell: our candidates see the cells above it (`os` is imported in the first).
  c.notify(
      "notebookDocument/didOpen",
      {{"notebookDocument",
        {{"uri", "file:///nb.ipynb"},
         {"notebookType", "jupyter-notebook"},
         {"version", 1},
         {"cells",
          {{{"kind", 2}, {"document", "file:///nb.ipynb#c1"}}, {{"kind", 2}, {"document", "file:///nb.ipynb#c2"}}}}}},
       {"cellTextDocuments",
        {{{"uri", "file:///nb.ipynb#c1"}, {"languageId", "python"}, {"version", 1}, {"text", "import os\n"}},
         {{"uri", "file:///nb.ipynb#c2"}, {"languageId", "python"}, {"version", 1}, {"text", "os.path.\n"}}}}});
  auto cell = labels(items_of(c.complete("file:///nb.ipynb#c2", 0, 8)));
  EXPECT_NE(std::find(cell.begin(), cell.end(), "abspath"), cell.end());      // ours, from the stubs
  EXPECT_NE(std::find(cell.begin(), cell.end(), "mystery_one"), cell.end());  // the upstream's
  // An upstream that fails leaves our own list (the fake fails on documents named *error*).
  c.open("file:///error.py", "import os\nos.path.\n");
  auto r = c.complete("file:///error.py", 1, 8);
  ASSERT_TRUE(r.contains("result")) << r.dump();
  auto own = labels(items_of(r));
  EXPECT_NE(std::find(own.begin(), own.end(), "join"), own.end());
  EXPECT_EQ(std::find(own.begin(), own.end(), "mystery_one"), own.end());
  c.shutdown_and_exit();
}

// A slow upstream: past the deadline our own list goes out (isIncomplete, so the client asks again);
// the upstream's late list is kept and merged into the next answer at the same dot.
TEST_F(ProxyTest, SlowUpstreamGetsOurListAtTheDeadlineAndItsLateListNextTime) {
  auto cmd = fake();
  cmd.insert(cmd.begin() + 2, {"--upstream-deadline-ms", "200"});
  Client c(cmd);
  c.initialize();
  c.open("file:///slow.py", "import os\nos.path.\n");
  auto t0 = std::chrono::steady_clock::now();
  auto first = c.complete("file:///slow.py", 1, 8);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 900);  // the fake takes 1000 ms
  ASSERT_TRUE(first.contains("result")) << first.dump();
  EXPECT_TRUE(first["result"].value("isIncomplete", false));
  auto names = labels(items_of(first));
  EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "mystery_one"), names.end());  // the upstream's, not yet
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));                  // its late answer arrives
  // The user typed "j": the client asks again at the same dot.
  c.notify("textDocument/didChange", {{"textDocument", {{"uri", "file:///slow.py"}, {"version", 2}}},
                                      {"contentChanges", {{{"text", "import os\nos.path.j\n"}}}}});
  t0 = std::chrono::steady_clock::now();
  auto second = c.complete("file:///slow.py", 1, 9);
  ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 900);
  names = labels(items_of(second));
  EXPECT_NE(std::find(names.begin(), names.end(), "mystery_one"), names.end()) << second.dump();
  EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end());
  // No request is answered twice: the late answers were kept, not sent.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto st = c.request("fake/state", nullptr);
  EXPECT_TRUE(st.contains("result")) << st.dump();
  for (const auto& m : c.seen)
    EXPECT_FALSE(is_response(m) && (m["id"] == first["id"] || m["id"] == second["id"])) << m.dump();
  c.shutdown_and_exit();
}

// An upstream that stops reading (busy analysing) while a large document is sent to it: the proxy's
// writes to it queue up, and completion is still answered by the deadline.
TEST_F(ProxyTest, UpstreamThatStopsReadingDoesNotStallTheProxy) {
  auto cmd = fake();
  cmd.insert(cmd.begin() + 2, {"--upstream-deadline-ms", "200"});
  Client c(cmd);
  c.initialize();
  c.notify("fake/stall", {{"ms", 3000}});
  std::string big = "import os\n";
  while (big.size() < (2u << 20)) big += "x = os.getcwd()  # padding padding padding padding padding\n";
  c.open("file:///big.py", big);  // 2 MB: far more than a pipe holds
  c.open("file:///s.py", "import os\nos.path.\n");
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.complete("file:///s.py", 1, 8);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(ms, 2000);  // the upstream reads again only after 3000 ms
  auto names = labels(items_of(r));
  EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end()) << r.dump();
  c.shutdown_and_exit();
}

TEST_F(ProxyTest, RealPyright) {
  // Real pyright: node_modules/.bin/pyright-langserver is basedpyright's (both packages install it).
  std::string pyright = std::string(DOTWISE_SOURCE_DIR) + "/node_modules/pyright/langserver.index.js";
  if (!fs::exists(pyright)) GTEST_SKIP() << "pyright not installed (scripts/setup.sh)";
  Client c(serve_model_order({"node", pyright, "--stdio"}));
  expect_real_upstream_reranked(c);
}

TEST_F(ProxyTest, RealBasedpyright) {
  std::string based = std::string(DOTWISE_SOURCE_DIR) + "/node_modules/.bin/basedpyright-langserver";
  if (!fs::exists(based)) GTEST_SKIP() << "basedpyright not installed (scripts/setup.sh)";
  Client c(serve_model_order({based, "--stdio"}));
  expect_real_upstream_reranked(c);
}

TEST_F(ProxyTest, RealPylsp) {
  if (std::system("pylsp --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "pylsp not installed (scripts/setup.sh)";
  Client c(serve_model_order({"pylsp"}));
  expect_real_upstream_reranked(c);
}

}  // namespace dw::lsp::test

namespace dw::lsp::test {

// A real editor: headless Neovim's built-in LSP client against `dotwise serve`, both modes.
class NeovimTest : public ServerTest {
 protected:
  void SetUp() override {
    if (std::system("nvim --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "nvim not installed (scripts/setup.sh)";
  }
  // `model_order`: the list is the model ordering (--ranker model, or a proxy's re-ranked upstream),
  // checked against the logits; otherwise the learned ranker's (or its fallback's) order, checked
  // only for what the editor must show: our sortText order, preselect on the first item.
  // `merge`: also insert the first item dotwise added, resolve the upstream's `join` (returned).
  Json run_nvim(std::vector<std::string> cmd, const std::string& name, bool model_order, bool merge = false) {
    fs::path file = dir_ / (name + ".py"), out = dir_ / (name + ".json");
    std::ofstream(file) << "import os\nroot = os.getcwd()\nos.path.\n";
    std::string env = "DW_CMD='" + Json(cmd).dump() + "' DW_FILE='" + file.string() + "' DW_OUT='" + out.string() +
                      "' DW_LINE=2 DW_COL=8 " + (merge ? "DW_MERGE=1 DW_RESOLVE=join " : "");
    std::string script = std::string(DOTWISE_SOURCE_DIR) + "/tests/lsp/nvim_complete.lua";
    int rc = std::system(
        (env + "timeout 120 nvim --headless -u NONE -i NONE -n -c 'luafile " + script + "' > /dev/null 2>&1").c_str());
    EXPECT_EQ(rc, 0);
    std::ifstream in(out);
    Json r = Json::parse(in, nullptr, false);
    if (!r.is_object() || r.contains("error")) {
      ADD_FAILURE() << r.dump();
      return {};
    }
    // The order the editor shows: the model's order (the items sorted by our sortText).
    Json items = r["items"];
    std::vector<std::pair<std::string, std::string>> by_sort;
    for (const auto& it : items) by_sort.emplace_back(it["sortText"], it["filterText"]);
    std::sort(by_sort.begin(), by_sort.end());
    Json sorted = Json::array();
    std::vector<std::string> shown;
    for (const auto& [s, n] : by_sort) {
      for (const auto& it : items)
        if (it["sortText"] == s) sorted.push_back(it);
      shown.push_back(n);
    }
    std::vector<std::string> words = r["words"];
    EXPECT_EQ(words.size(), shown.size());
    if (words.size() != shown.size()) return r;
    for (size_t i = 0; i < words.size(); ++i) EXPECT_TRUE(words[i].starts_with(shown[i])) << i << ": " << words[i];
    EXPECT_NE(std::find(shown.begin(), shown.end(), "join"), shown.end());
    if (model_order) {
      expect_model_order(sorted, "import os\nroot = os.getcwd()\nos.path.");
    } else if (!sorted.empty()) {
      EXPECT_TRUE(sorted[0].value("preselect", false));
      for (size_t i = 1; i < sorted.size(); ++i) EXPECT_FALSE(sorted[i].value("preselect", false)) << i;
    }
    return r;
  }
};

TEST_F(NeovimTest, Standalone) { run_nvim(serve(), "nvim_standalone", false); }

TEST_F(NeovimTest, StandaloneModelOrdering) { run_nvim(serve_model_order(), "nvim_standalone_model", true); }

TEST_F(NeovimTest, ProxyPyright) {
  std::string pyright = std::string(DOTWISE_SOURCE_DIR) + "/node_modules/pyright/langserver.index.js";
  if (!fs::exists(pyright)) GTEST_SKIP() << "pyright not installed (scripts/setup.sh)";
  run_nvim(serve_model_order({"node", pyright, "--stdio"}), "nvim_pyright", true);
}

// The merged list in a real editor: an item dotwise added is inserted as the editor inserts it, and an
// upstream item still resolves to the upstream's documentation through the proxy.
TEST_F(NeovimTest, ProxyPyrightMerged) {
  std::string pyright = std::string(DOTWISE_SOURCE_DIR) + "/node_modules/pyright/langserver.index.js";
  if (!fs::exists(pyright)) GTEST_SKIP() << "pyright not installed (scripts/setup.sh)";
  Json r = run_nvim(serve({"node", pyright, "--stdio"}), "nvim_pyright_merged", false, true);
  ASSERT_TRUE(r.contains("inserted")) << "no item added by dotwise";
  EXPECT_EQ(r["inserted_line"], "os.path." + r["inserted"].get<std::string>());
  ASSERT_TRUE(r.contains("resolved") && r["resolved"].is_object()) << r.value("resolved", Json()).dump();
  EXPECT_EQ(r["resolved"]["filterText"], "join");
  const Json& doc = r["resolved"].value("documentation", Json());
  std::string text = doc.is_string() ? doc.get<std::string>() : doc.value("value", "");
  EXPECT_FALSE(text.empty()) << r["resolved"].dump();
}

}  // namespace dw::lsp::test

namespace dw::lsp::test {

TEST(ContextWindowTest, StartsInsideALongClassKeepingItsHeader) {
  std::string text = "import os\n\nclass Big(\n        Base):  # a long class\n    \"\"\"Doc.\"\"\"\n";
  for (int i = 0; i < 300; ++i)
    text += "    @property\n    def m" + std::to_string(i) + "(self):\n        x = (1,\n    2)\n        return x\n";
  // Wherever the aligned start falls in a method (even on the bracket continuation "    2)"), the
  // window opens at a decorated def.
  for (int extra = 0; extra < 5; ++extra) {
    std::string t = text;
    for (int i = 0; i < extra; ++i) t += "    pass\n";
    std::string w = context_window(t + "    def last(self):\n        self.", {100, 32});
    EXPECT_TRUE(w.starts_with("import os\nclass Big(\n        Base):  # a long class\n    @property\n    def m"))
        << extra << ": " << w.substr(0, 160);
  }
  text += "    def last(self):\n        self.";
  std::string w = context_window(text, {100, 32});
  EXPECT_LT(w.size(), text.size() / 4);
  EXPECT_TRUE(w.starts_with("import os\nclass Big(\n        Base):  # a long class\n    @property\n    def m"))
      << w.substr(0, 160);
  EXPECT_TRUE(w.ends_with("    def last(self):\n        self."));
  EXPECT_GE(std::count(w.begin(), w.end(), '\n'), 100);
  // Stable while typing on: the same start a few lines later.
  EXPECT_EQ(context_window(text + "x\n        y.", {100, 32}).substr(0, 200), w.substr(0, 200));
  // A short class is kept whole, from its header.
  EXPECT_EQ(context_window("import os\nclass K:\n    def f(self):\n        self.", {100, 32}),
            "import os\nclass K:\n    def f(self):\n        self.");
}

TEST(ContextWindowTest, NeverStartsInsideAStringOrBrackets) {
  // Unindented lines of a long docstring and of a bracketed call look like statement starts.
  std::string text = "import os\n\"\"\"Usage:\n";
  for (int i = 0; i < 200; ++i) text += "run(x) [option] \\\"quoted\\\" line " + std::to_string(i) + "\n";
  text += "\"\"\"\nTABLE = dict(\n";
  for (int i = 0; i < 200; ++i) text += "a" + std::to_string(i) + "=1,\n";
  text += ")\ndef f(p):\n    return os.";
  std::string w = context_window(text, {100, 32});
  // The window opens at `TABLE = dict(` (the last statement start at least 100 lines up), not at a
  // keyword-argument line inside it.
  EXPECT_TRUE(w.starts_with("import os\nTABLE = dict(\na0=1,\n")) << w.substr(0, 80);
  std::string cut = text.substr(0, text.find("TABLE"));
  EXPECT_EQ(context_window(cut + "os.", {100, 32}), cut + "os.");  // inside the docstring: from the top
}

TEST(ContextWindowTest, HeaderTakesNoLineFromInsideAStringOrBrackets) {
  // Lines that read like imports or assignments inside a docstring or a call are not statements: in
  // the header they would parse as broken code above the real imports.
  std::string text =
      "\"\"\"Run it\nfrom the command line, or\nimport it:\nx = 1\n\"\"\"\nimport os\n"
      "CONFIG = dict(\nname='a',\n)\n";
  for (int i = 0; i < 200; ++i) text += "def f" + std::to_string(i) + "(a):\n    return a\n";
  text += "os.";
  std::string w = context_window(text, {100, 32});
  EXPECT_TRUE(w.starts_with("import os\nCONFIG = dict(\nname='a',\n)\ndef f")) << w.substr(0, 80);
  EXPECT_EQ(w.find("from the"), std::string::npos);
  EXPECT_EQ(w.find("x = 1"), std::string::npos);
}

TEST(ContextWindowTest, StartsAfterALongModuleDocstringRatherThanInsideIt) {
  // The window's line falls inside a docstring of doctests with no statement to start at above it but
  // the docstring itself: its text parsed as code would turn the closing quotes into an opening one.
  std::string text = "\"\"\"Usage:\n";
  for (int i = 0; i < 150; ++i) text += "  >>> x = run(" + std::to_string(i) + ")\n";
  text += "\"\"\"\nimport os\n";
  for (int i = 0; i < 30; ++i) text += "y" + std::to_string(i) + " = os.getcwd()\n";
  text += "os.";
  std::string w = context_window(text, {40, 32});
  EXPECT_TRUE(w.starts_with("import os\ny0 = os.getcwd()\n")) << w.substr(0, 80);
  EXPECT_EQ(w.find(">>>"), std::string::npos);
  EXPECT_TRUE(w.ends_with("y29 = os.getcwd()\nos."));
}

TEST(ContextWindowTest, KeepsImportsAndTheTailFromAStatementStart) {
  std::string text =
      "import os\nfrom collections import (\n    OrderedDict,\n)\nx = 1\nif x == 2:\n    y = 3\n"
      "log = make(\n    'a',\n    2)\nbad = (\n";
  for (int i = 0; i < 400; ++i) text += "def f" + std::to_string(i) + "(a):\n    return a\n";
  text += "class K:\n    def m(self):\n        os.path.";
  std::string w = context_window(text, {100, 32});
  EXPECT_LT(w.size(), text.size() / 2);
  EXPECT_TRUE(w.starts_with("import os\nfrom collections import (\n    OrderedDict,\n)\nx = 1\n")) << w.substr(0, 120);
  EXPECT_TRUE(w.ends_with("class K:\n    def m(self):\n        os.path."));
  EXPECT_EQ(w.find("y = 3"), std::string::npos);  // not top level
  EXPECT_EQ(w.find("if x"), std::string::npos);   // not an assignment
  EXPECT_NE(w.find("log = make(\n    'a',\n    2)\n"), std::string::npos) << w.substr(0, 200);
  EXPECT_EQ(w.find("bad = ("), std::string::npos);  // never closed: left out
  size_t body = w.find("def f");
  ASSERT_NE(body, std::string::npos);
  // The window opens at a top-level statement, and shifts only every `step` lines.
  EXPECT_EQ(context_window(text + "\n\n", {100, 32}).substr(0, w.size() - 20), w.substr(0, w.size() - 20));
  EXPECT_EQ(context_window("import os\nos.", {100, 32}), "import os\nos.");
}

TEST(DocumentsTest, LineIndexFollowsEveryEdit) {
  // Random range edits (multi-line, at line ends, past the end) through Documents::change: each must
  // land where a search from the top of the text puts it.
  Documents docs;
  std::string shadow = "a = 1\nb = 2\n\nc = 3";
  docs.open({{"uri", "file:///t.py"}, {"languageId", "python"}, {"version", 1}, {"text", shadow}});
  std::mt19937 rng(3);
  const std::vector<std::string> pieces = {"x", "\n", "yz\n\n", "", "é\n", "def f():\n    pass\n"};
  for (int step = 0; step < 500; ++step) {
    auto lines = int64_t(std::count(shadow.begin(), shadow.end(), '\n'));
    int64_t l1 = int64_t(rng() % uint32_t(lines + 2)), l2 = l1 + int64_t(rng() % 3);
    int64_t c1 = int64_t(rng() % 8), c2 = int64_t(rng() % 8);
    size_t a = byte_offset(shadow, l1, c1), b = byte_offset(shadow, l2, c2);
    if (b < a) std::swap(a, b);
    const std::string& ins = pieces[rng() % pieces.size()];
    shadow.replace(a, b - a, ins);
    Json range = {{"start", {{"line", l1}, {"character", c1}}}, {"end", {{"line", l2}, {"character", c2}}}};
    ASSERT_EQ(docs.change({{"textDocument", {{"uri", "file:///t.py"}, {"version", step + 2}}},
                           {"contentChanges", {{{"range", range}, {"text", ins}}}}}),
              "");
    ASSERT_EQ(docs.get("file:///t.py")->text, shadow) << "edit " << step;
  }
}

TEST(ContextWindowTest, CacheGivesTheSameWindowAfterAnyEdit) {
  // Edits that open and close brackets and strings far above the cursor change every later line's
  // scan state; the cached call must notice each, and reuse what an edit below left untouched.
  std::string text = "import os\nx = (1,\n 2)\n";
  for (int i = 0; i < 300; ++i)
    text += i % 7 ? "def f" + std::to_string(i) + "(a):\n    return a\n" : "y" + std::to_string(i) + " = os.sep\n";
  const std::vector<std::string> pieces = {"(",       ")",  "\"\"\"",       "'''", "import sys\n",
                                           "z = 1\n", "\n", "class K:\n  ", "#"};
  std::mt19937 rng(7);
  WindowCache cache;
  for (int step = 0; step < 400; ++step) {
    size_t at = rng() % (text.size() + 1);
    if (rng() % 3 == 0 && at < text.size())
      text.erase(at, 1 + rng() % 8);
    else
      text.insert(at, pieces[rng() % pieces.size()]);
    const std::string before = text.substr(0, text.size() - rng() % std::min<size_t>(text.size(), 2000)) + "\nos.";
    ASSERT_EQ(context_window(before, {100, 32}, &cache), context_window(before, {100, 32})) << "edit " << step;
    if (step % 10 == 0) {  // a short text in between (no window at all) must not confuse the next call
      const std::string head = text.substr(0, 300) + "\nos.";
      ASSERT_EQ(context_window(head, {100, 32}, &cache), head);
    }
  }
}

TEST(ContextWindowTest, CacheNoticesASameLengthEditInAnyBlock) {
  // The cache keeps a hash per block of the text, not the text: an edit that keeps the length (a
  // letter turned into an open bracket) must still be seen, in the first block, a middle one, the
  // last partial one, and right at a block boundary.
  std::string text = "import os\n";
  for (int i = 0; text.size() < 12 * WindowCache::kHashBlock; ++i)
    text += "def f" + std::to_string(i) + "(a):\n    return a\n";
  text += "\nos.";
  WindowCache cache;
  ASSERT_EQ(context_window(text, {100, 32}, &cache), context_window(text, {100, 32}));
  for (size_t at : {size_t(20), 5 * WindowCache::kHashBlock, 5 * WindowCache::kHashBlock - 1,
                    11 * WindowCache::kHashBlock + 7, text.size() - 40}) {
    size_t l = text.find("(a)", at);
    ASSERT_NE(l, std::string::npos);
    text[l + 2] = '(';  // "(a(" opens a bracket that the rest of the file is inside of
    EXPECT_EQ(context_window(text, {100, 32}, &cache), context_window(text, {100, 32})) << "edit at " << l;
    text[l + 2] = ')';
    EXPECT_EQ(context_window(text, {100, 32}, &cache), context_window(text, {100, 32})) << "undo at " << l;
  }
}

}  // namespace dw::lsp::test

namespace dw::lsp::test {

TEST_F(ServerTest, CompleteCommandPrintsRankedMembers) {
  fs::path file = dir_ / "complete.py";
  std::ofstream(file) << "import os\nroot = os.getcwd()\nx = os.path.\n";
  std::string cmd =
      dotwise_binary() + " complete " + file.string() + ":3:13 --ranker model --model " + model_ + " -n 50 --json";
  std::string out;
  ASSERT_EQ(dw::test::run_shell(cmd, out), 0);
  Json j = Json::parse(out);
  EXPECT_EQ(j["class"], "os.path");
  std::vector<std::string> names;
  double prev = 1.0, total = 0;
  for (const auto& it : j["items"]) {
    names.push_back(it["name"]);
    if (it["known"] && !is_private(names.back())) {
      EXPECT_LE(it["probability"].get<double>(), prev + 1e-9);
      prev = it["probability"];
    }
    total += it["probability"].get<double>();
  }
  EXPECT_NE(std::find(names.begin(), names.end(), "join"), names.end());
  EXPECT_NEAR(total, 1.0, 1e-6);  // softmax over the known candidates, all printed (n = 50)
}

// Standalone with a workspace: the project index is built in the background (reported with
// $/progress), then a project class defined in another module completes with its members.
TEST_F(ServerTest, WorkspaceIndexGivesProjectClassMembers) {
  fs::path proj = dir_ / "workspace";
  fs::create_directories(proj / "pkg");
  std::ofstream(proj / "pkg" / "__init__.py") << "";
  std::ofstream(proj / "pkg" / "graph.py") << "class Graph:\n    def add_edge(self, a, b):\n        self.nodes = {}\n";
  std::ofstream(proj / "pkg" / "use.py") << "def f(conn):\n    conn.rollback_everything()\n";
  Client c(serve());
  Json caps = {{"window", {{"workDoneProgress", true}}},
               {"textDocument", {{"completion", {{"completionItem", {{"labelDetailsSupport", true}}}}}}}};
  std::string root = "file://" + proj.string();
  auto init = c.request("initialize", {{"processId", nullptr}, {"rootUri", root}, {"capabilities", caps}});
  ASSERT_TRUE(init.contains("result"));
  for (const auto& m : c.seen) EXPECT_FALSE(is_request(m)) << "a request before InitializeResult: " << m.dump();
  c.notify("initialized", Json::object());
  // Wait for the index's progress to end (the server asked to create the token first).
  bool created = false, ended = false;
  for (const auto& m : c.seen) created |= m.value("method", "") == "window/workDoneProgress/create";
  for (int i = 0; i < 200 && !ended; ++i) {
    Incoming in = c.read_timed(5000);
    if (in.kind != Incoming::kMessage) break;
    const Json& m = in.message;
    if (is_request(m)) {
      created |= m.value("method", "") == "window/workDoneProgress/create";
      c.io().write(make_response(m["id"], nullptr));
    }
    if (m.value("method", "") == "$/progress" && m["params"]["value"].value("kind", "") == "end") ended = true;
  }
  EXPECT_TRUE(created);
  ASSERT_TRUE(ended);
  std::string uri = root + "/app.py";
  c.open(uri, "from pkg.graph import Graph\ng = Graph()\ng.\n\ndef h(conn):\n    conn.\n");
  auto names = labels(items_of(c.complete(uri, 2, 2)));
  EXPECT_NE(std::find(names.begin(), names.end(), "add_edge"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "nodes"), names.end());
  auto conn = labels(items_of(c.complete(uri, 5, 9)));
  EXPECT_NE(std::find(conn.begin(), conn.end(), "rollback_everything"), conn.end());  // used on `conn` elsewhere
  EXPECT_EQ(c.shutdown_and_exit(), 0);
}

// --wait-for-index: messages after `initialized` wait for the first build, so even a completion sent
// at once sees a class from another module of a project big enough to take a while to index.
TEST_F(ServerTest, WaitForIndexHoldsMessagesUntilTheBuildIsDone) {
  fs::path proj = dir_ / "waited";
  fs::create_directories(proj / "pkg");
  std::ofstream(proj / "pkg" / "__init__.py") << "";
  for (int i = 0; i < 400; ++i)
    std::ofstream(proj / "pkg" / ("m" + std::to_string(i) + ".py"))
        << "import os\nclass K" << i << ":\n    def go_" << i << "(self):\n        return os.getcwd()\n";
  auto argv = serve();
  argv.insert(argv.end(), {"--wait-for-index", "60"});
  Client c(argv);
  std::string root = "file://" + proj.string();
  auto init = c.request("initialize", {{"processId", nullptr}, {"rootUri", root}, {"capabilities", Json::object()}});
  ASSERT_TRUE(init.contains("result"));
  c.notify("initialized", Json::object());
  std::string uri = root + "/app.py";
  c.open(uri, "from pkg.m399 import K399\nk = K399()\nk.\n");
  auto names = labels(items_of(c.complete(uri, 2, 2)));
  EXPECT_NE(std::find(names.begin(), names.end(), "go_399"), names.end());
  EXPECT_EQ(c.shutdown_and_exit(), 0);
}

}  // namespace dw::lsp::test
