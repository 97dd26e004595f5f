// `dotwise serve` request->response latency on a 5k-line file, standalone and as a proxy (in front
// of tests/lsp/fake_upstream.py, whose own time is measured directly and reported separately), and
// the server's RSS. A realistic-size random INT8 model (V=20k, dx=150, dh=100, 2 layers) stands in
// for the trained one unless --model names one (e.g. models/default.dwm, for the RSS users see).
// Prints JSON.
// When pyright (node_modules, scripts/setup.sh) is installed it is measured the same way, directly and
// behind the proxy. The proxy's added time is reported from its own trace (proxy_held_*: how long it
// held each upstream reply), since two runs of pyright differ by more than the proxy adds.
//   server_latency DOTWISE_BINARY [requests=200] [--model M.dwm]   (DOTWISE_BENCH_KEEP=1: keep the logs in /tmp)
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>

#include "bench/ServerBench.h"
#include "lsp/Upstream.h"
#include "model/ModelFile.h"
#include "model/RandomWeights.h"

using namespace dw;
using namespace dw::lsp;
using namespace dw::bench;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
std::string five_k_lines() {
  std::string s = "import os\nimport numpy as np\nimport collections\n\n";
  for (int i = 0; std::count(s.begin(), s.end(), '\n') < 5000; ++i)
    s += "class C" + std::to_string(i) +
         ":\n    def __init__(self, x):\n        self.x = x\n        self.items = []\n" +
         "    def run(self, path):\n        p = os.path.join(path, 'a')\n        if os.path.exists(p):\n" +
         "            self.items.append(np.zeros(3))\n        return p.upper()\n\n";
  return s;
}

struct Result {
  std::vector<double> ms;
  long rss_kb = 0, hwm_kb = 0;
};

// Types `os.path.` (then `self.`) at the end of many lines of the file, one edit + completion each.
Result drive(const std::vector<std::string>& argv, const std::string& text, int requests) {
  Upstream p(argv);
  Transport& io = p.io();
  int64_t id = 1;
  io.write(
      make_request(id, "initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", Json::object()}}));
  wait_for(io, id++);
  io.write(make_notification("initialized", Json::object()));
  const std::string uri = "file:///tmp/dotwise_bench.py";
  io.write(
      make_notification("textDocument/didOpen",
                        {{"textDocument", {{"uri", uri}, {"languageId", "python"}, {"version", 1}, {"text", text}}}}));
  Result r;
  int version = 1;
  for (int i = 0; i < requests + 5; ++i) {
    int line = 4000 + (i % 50) * 2;  // near the end: the longest contexts
    std::string ins = i % 2 ? "self." : "os.path.";
    io.write(make_notification(
        "textDocument/didChange",
        {{"textDocument", {{"uri", uri}, {"version", ++version}}},
         {"contentChanges",
          {{{"range", {{"start", {{"line", line}, {"character", 0}}}, {"end", {{"line", line}, {"character", 0}}}}},
            {"text", "        " + ins + "\n"}}}}}));
    auto t0 = Clock::now();
    io.write(make_request(
        id, "textDocument/completion",
        {{"textDocument", {{"uri", uri}}}, {"position", {{"line", line}, {"character", 8 + ins.size()}}}}));
    wait_for(io, id++);
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (i >= 5) r.ms.push_back(ms);  // the first few load stubs and fill the cache
    io.write(make_notification(
        "textDocument/didChange",
        {{"textDocument", {{"uri", uri}, {"version", ++version}}},
         {"contentChanges",
          {{{"range", {{"start", {{"line", line}, {"character", 0}}}, {"end", {{"line", line + 1}, {"character", 0}}}}},
            {"text", ""}}}}}));
  }
  r.rss_kb = status_kb(p.pid(), "VmRSS:");
  r.hwm_kb = status_kb(p.pid(), "VmHWM:");
  io.write(make_request(id, "shutdown", nullptr));
  wait_for(io, id);
  io.write(make_notification("exit", nullptr));
  return r;
}

// The server's own account (--trace) of how long it held each upstream completion reply: waiting
// for the model, re-ranking, re-encoding. Behind a real server this is all the time it adds, since the
// model runs while the upstream works; two separate runs of the upstream differ by far more.
// `cpu`: the part of it the proxy's thread was on the CPU (the rest: preempted, e.g. by the upstream).
std::vector<double> held_ms(const fs::path& log, size_t skip, bool cpu = false) {
  std::ifstream in(log);
  std::vector<double> out;
  const std::regex held(R"(reply held ([0-9.]+) ms, ([0-9.]+) ms of it on the CPU)");
  std::smatch m;
  for (std::string line; std::getline(in, line);)
    if (std::regex_search(line, m, held)) out.push_back(std::stod(m[cpu ? 2 : 1]));
  out.erase(out.begin(), out.begin() + long(std::min(skip, out.size())));
  return out;
}

// Per-stage times of the standalone completions from the --trace log ("window 0.1 ms", "model 0.4 ms"...):
// which stage the tail comes from.
Json stage_stats(const fs::path& log, size_t skip) {
  std::ifstream in(log);
  std::map<std::string, std::vector<double>> by;
  const std::regex stage(R"((window|context|model|scan|features|rank) ([0-9.]+) ms)");
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.find("completion ") == std::string::npos || n++ < skip) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), stage), end; it != end; ++it)
      by[(*it)[1]].push_back(std::stod((*it)[2]));
  }
  Json out = Json::object();
  for (auto& [k, v] : by) out[k] = stats(v);
  return out;
}

std::vector<std::string> traced(const std::string& bin, const fs::path& log, std::vector<std::string> rest) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>>" + log.string(), bin, "serve", "--trace"};
  argv.insert(argv.end(), rest.begin(), rest.end());
  return argv;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  fs::path given_model;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--model" && i + 1 < argc)
      given_model = argv[++i];
    else
      pos.push_back(argv[i]);
  }
  if (pos.empty()) {
    std::cerr << "usage: server_latency DOTWISE_BINARY [requests] [--model M.dwm]\n";
    return 2;
  }
  const std::string bin = pos[0];
  const int n = pos.size() > 1 ? std::atoi(pos[1].c_str()) : 200;
  fs::path dir = fs::temp_directory_path() / ("dotwise_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path model = given_model;
  if (model.empty()) {
    ModelConfig cfg;
    cfg.vocab_size = 20000;
    cfg.max_oov = 100;
    ModelWeights w = random_weights(cfg);
    w.vocab = {"<pad>", "<unk>"};
    for (uint32_t i = 2; i < cfg.vocab_size; ++i) w.vocab.push_back("tok" + std::to_string(i));
    const char* real[] = {"import", "os",   "os.path", "numpy",  ".",     "(",     ")",    "=",
                          "self",   "join", "exists",  "append", "items", "upper", "zeros"};
    for (size_t i = 0; i < std::size(real); ++i) w.vocab[2 + i] = real[i];
    std::vector<int32_t> members;
    for (int32_t i = 2; i < 5000; ++i) members.push_back(i);
    model = dir / "bench.dwm";
    write_model(model, w, Quant::kInt8, members);
  }
  const ModelFile mf = ModelFile::open(model);
  const ModelConfig& cfg = mf.config();
  const std::string text = five_k_lines();
  const std::string fake = std::string(DOTWISE_SOURCE_DIR) + "/tests/lsp/fake_upstream.py";

  Result standalone = drive(traced(bin, dir / "standalone.log", {"--model", model.string()}), text, n);
  Result upstream = drive({"python3", fake}, text, n);
  Result proxied = drive(traced(bin, dir / "fake.log", {"--model", model.string(), "--", "python3", fake}), text, n);
  std::vector<double> added;
  auto a = proxied.ms, u = upstream.ms;
  std::sort(a.begin(), a.end());
  std::sort(u.begin(), u.end());
  Json out = {{"file_lines", 5000},
              {"model",
               {{"vocab", cfg.vocab_size},
                {"dx", cfg.dx},
                {"dh", cfg.dh},
                {"layers", cfg.layers},
                {"quant", quant_name(mf.quant())},
                {"path", given_model.empty() ? "random" : model.string()},
                {"bytes", fs::file_size(model)}}},
              {"standalone", stats(standalone.ms)},
              {"standalone_stages", stage_stats(dir / "standalone.log", 5)},
              {"standalone_rss_kb", standalone.rss_kb},
              {"standalone_peak_rss_kb", standalone.hwm_kb},
              {"upstream_direct", stats(upstream.ms)},
              {"proxied", stats(proxied.ms)},
              {"proxy_rss_kb", proxied.rss_kb},
              {"proxy_held_ms", stats(held_ms(dir / "fake.log", 5))},
              {"proxy_held_cpu_ms", stats(held_ms(dir / "fake.log", 5, true))},
              {"added_p50_ms", stats(a)["p50_ms"].get<double>() - stats(u)["p50_ms"].get<double>()},
              {"added_p99_ms", stats(a)["p99_ms"].get<double>() - stats(u)["p99_ms"].get<double>()}};
  // Real pyright: node_modules/.bin/pyright-langserver is basedpyright's (both packages install it).
  const std::string pyright = std::string(DOTWISE_SOURCE_DIR) + "/node_modules/pyright/langserver.index.js";
  if (fs::exists(pyright)) {
    // pyright takes ~100 ms a completion on this file; 200 make the p99 the 2nd-largest, not the max
    const int np = std::min(n, 200);
    Result direct = drive({"node", pyright, "--stdio"}, text, np);
    Result behind = drive(
        traced(bin, dir / "pyright.log", {"--model", model.string(), "--", "node", pyright, "--stdio"}), text, np);
    Json d = stats(direct.ms), b = stats(behind.ms);
    out["pyright_direct"] = d;
    out["proxied_pyright"] = b;
    out["proxy_held_pyright_ms"] = stats(held_ms(dir / "pyright.log", 5));
    out["proxy_held_pyright_cpu_ms"] = stats(held_ms(dir / "pyright.log", 5, true));
  }
  std::cout << out.dump(1) << "\n";
  if (!std::getenv("DOTWISE_BENCH_KEEP")) fs::remove_all(dir);  // else the servers' --trace logs stay there
  return 0;
}
