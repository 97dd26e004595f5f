// A scripted LSP client for tests: runs `dotwise serve ...` as a child process over pipes and talks
// to it message by message. Also writes the small random-weight model the tests rank with.
#pragma once
#include <gtest/gtest.h>
#include <poll.h>

#include <filesystem>
#include <string>
#include <vector>

#include "lsp/Upstream.h"
#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "tests/support/ChildProcess.h"

namespace dw::lsp::test {

using dw::test::dotwise_binary;

// A vocabulary of Python tokens and members, random weights: the ranking is arbitrary but fixed,
// which is all the mechanics tests need.
inline std::filesystem::path write_test_model(const std::filesystem::path& dir) {
  std::vector<std::string> vocab = {
      "<pad>",    "<unk>",   ".",        "(",       ")",        "=",        ",",       ":",        "<nl>",   "<indent>",
      "<dedent>", "import",  "def",      "class",   "return",   "self",     "os",      "os.path",  "numpy",  "<str>",
      "<int>",    "var:str", "var:list", "path",    "join",     "exists",   "dirname", "basename", "isfile", "split",
      "zeros",    "array",   "ones",     "mean",    "append",   "items",    "upper",   "lower",    "strip",  "replace",
      "format",   "getcwd",  "listdir",  "environ", "_private", "__init__", "run",     "x",        "count"};
  ModelConfig cfg;
  cfg.vocab_size = uint32_t(vocab.size());
  cfg.max_oov = 8;
  cfg.dx = 16;
  cfg.dh = 12;
  cfg.layers = 2;
  RandomModelOptions ro;
  ro.seed = 7;
  ro.bias_zipf = 0.0f;  // no frequency prior: the order comes from the LSTM context
  ModelWeights w = random_weights(cfg, ro);
  w.vocab = vocab;
  std::vector<int32_t> members;
  for (size_t i = 23; i < vocab.size(); ++i) members.push_back(int32_t(i));
  std::filesystem::create_directories(dir);
  auto p = dir / "test.dwm";
  write_model(p, w, Quant::kFp32, members);
  return p;
}

class Client {
 public:
  explicit Client(std::vector<std::string> argv) : proc_(argv) {}
  Transport& io() { return proc_.io(); }
  Upstream& process() { return proc_; }

  Json request(const std::string& method, Json params) {
    Json id = next_++;
    io().write(make_request(id, method, std::move(params)));
    return wait_response(id);
  }
  void notify(const std::string& method, Json params) { io().write(make_notification(method, std::move(params))); }
  // Reads until the response with `id`; requests from the server are answered with `on_request`.
  Json wait_response(const Json& id) {
    for (;;) {
      Incoming in = read_timed(20000);
      if (in.kind != Incoming::kMessage) return Json{{"eof", true}, {"error", in.error}};
      if (is_response(in.message) && in.message["id"] == id) return in.message;
      seen.push_back(in.message);
      if (is_request(in.message)) io().write(make_response(in.message["id"], on_request(in.message)));
    }
  }
  Incoming read_timed(int ms) {
    if (!io().message_ready()) {
      pollfd p{io().input_fd(), POLLIN, 0};
      if (::poll(&p, 1, ms) <= 0) return {Incoming::kEof, {}, "timeout"};
    }
    return io().read();
  }
  Json initialize(Json init_options = nullptr, bool label_details = true) {
    Json caps = {{"textDocument", {{"completion", {{"completionItem", {{"labelDetailsSupport", label_details}}}}}}}};
    Json params = {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", caps}};
    if (!init_options.is_null()) params["initializationOptions"] = init_options;
    Json r = request("initialize", params);
    notify("initialized", Json::object());
    return r;
  }
  void open(const std::string& uri, const std::string& text) {
    notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "python"}, {"version", 1}, {"text", text}}}});
  }
  Json complete(const std::string& uri, int line, int ch) {
    return request("textDocument/completion",
                   {{"textDocument", {{"uri", uri}}}, {"position", {{"line", line}, {"character", ch}}}});
  }
  int shutdown_and_exit() {
    request("shutdown", nullptr);
    notify("exit", nullptr);
    proc_.wait_exit(10000);
    return 0;
  }

  std::vector<Json> seen;  // everything that was not the awaited response
  std::function<Json(const Json&)> on_request = [](const Json&) { return Json(nullptr); };

 private:
  Upstream proc_;
  int64_t next_ = 1;
};

// The items of a completion response (CompletionList or array).
inline Json items_of(const Json& response) {
  const Json& r = response.at("result");
  return r.is_array() ? r : r.at("items");
}
inline std::vector<std::string> labels(const Json& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.value("filterText", i.value("label", "")));
  return out;
}

}  // namespace dw::lsp::test
