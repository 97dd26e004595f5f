// Soak test of `dotwise serve` (issue 8): many documents open at once, a long run of completion
// requests with edits in between, and the server's memory and latency watched over the whole run.
// Each request types `receiver.` on a fresh line of a random document at a random place, asks for
// completions there, then either deletes the line again or (one time in ten) keeps it completed
// with the first item offered; a document holding more than --keep such lines loses its oldest, so
// the documents keep changing but stop growing, and the load stays the same from block to block.
// Prints JSON: per block of requests the latency percentiles and the server's RSS; RSS at the
// start and the end; and the check (exit 1 when it fails): from the first block on, RSS grows at
// most --max-growth and each block's p50 is within --max-growth of the first block's.
//   server_soak DOTWISE_BINARY [--requests 100000] [--docs 50] [--block 10000] [--keep 20]
//               [--max-growth 0.10] [--source DIR (default /usr/lib/python3.11)] [--model M.dwm] [--seed S]
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "bench/ServerBench.h"
#include "lsp/Upstream.h"

using namespace dw;
using namespace dw::lsp;
using namespace dw::bench;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Real Python files of a few hundred to a few thousand lines, in a fixed order.
std::vector<fs::path> pick_files(const fs::path& root, size_t n) {
  std::vector<fs::path> all;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied);
       it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file() || it->path().extension() != ".py") continue;
    auto size = it->file_size();
    if (size >= 8'000 && size <= 150'000) all.push_back(it->path());
  }
  std::sort(all.begin(), all.end());
  std::vector<fs::path> out;
  for (size_t i = 0; i < n && !all.empty(); ++i) out.push_back(all[i * all.size() / n]);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

struct Doc {
  std::string uri;
  int version = 1;
  std::vector<std::string> lines;  // mirror of the server's copy, to pick places and indents
  size_t kept = 0;                 // completed lines kept in it (they end with kKeptMark)
};

constexpr std::string_view kKeptMark = "  # soak";

class Soak {
 public:
  explicit Soak(std::vector<std::string> argv) : p_(std::move(argv)) {}
  Upstream& process() { return p_; }

  Json call(const std::string& method, Json params) {
    const int64_t id = next_++;
    p_.io().write(make_request(id, method, std::move(params)));
    Json r = wait_for(p_.io(), id);
    if (r.contains("eof")) throw std::runtime_error("server closed the connection");
    return r;
  }
  void notify(const std::string& method, Json params) { p_.io().write(make_notification(method, std::move(params))); }

  void change(Doc& d, int line, int end_line, const std::string& text) {
    notify(
        "textDocument/didChange",
        {{"textDocument", {{"uri", d.uri}, {"version", ++d.version}}},
         {"contentChanges",
          {{{"range", {{"start", {{"line", line}, {"character", 0}}}, {"end", {{"line", end_line}, {"character", 0}}}}},
            {"text", text}}}}});
  }

 private:
  Upstream p_;
  int64_t next_ = 1;
};

std::string indent_of(const std::string& line) { return line.substr(0, line.find_first_not_of(" \t")); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: server_soak DOTWISE_BINARY [--requests N] [--docs N] [--block N] [--keep N] "
                 "[--max-growth F] [--source DIR] [--model M.dwm] [--seed S]\n";
    return 2;
  }
  size_t requests = 100000, ndocs = 50, block = 10000, keep = 20;
  double max_growth = 0.10;
  std::string source = "/usr/lib/python3.11", model;
  uint64_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--requests")
      requests = std::stoul(v);
    else if (k == "--docs")
      ndocs = std::stoul(v);
    else if (k == "--block")
      block = std::max<size_t>(1, std::stoul(v));
    else if (k == "--source")
      source = v;
    else if (k == "--model")
      model = v;
    else if (k == "--keep")
      keep = std::stoul(v);
    else if (k == "--max-growth")
      max_growth = std::stod(v);
    else if (k == "--seed")
      seed = std::stoull(v);
    else {
      std::cerr << "server_soak: unknown option " << k << "\n";
      return 2;
    }
  }
  std::vector<std::string> cmd = {argv[1], "serve", "--quiet"};
  if (!model.empty()) cmd.insert(cmd.end(), {"--model", model});
  Soak s(cmd);
  const pid_t pid = s.process().pid();
  s.call("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", Json::object()}});
  s.notify("initialized", Json::object());

  std::vector<Doc> docs;
  size_t open_lines = 0;
  for (const auto& f : pick_files(source, ndocs)) {
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    Doc d{"file:///soak/" + std::to_string(docs.size()) + "/" + f.filename().string(), 1, lines_of(text)};
    if (d.lines.size() < 10) continue;
    open_lines += d.lines.size();
    s.notify("textDocument/didOpen",
             {{"textDocument", {{"uri", d.uri}, {"languageId", "python"}, {"version", 1}, {"text", text}}}});
    docs.push_back(std::move(d));
  }
  if (docs.empty()) {
    std::cerr << "server_soak: no Python files of 8-150 KB under " << source << "\n";
    return 1;
  }

  const char* receivers[] = {"os.path", "self", "sys", "re", "collections", "os", "str", "time"};
  std::mt19937_64 rng(seed);
  Json blocks = Json::array();
  std::vector<double> ms;
  size_t errors = 0, empty = 0, kept = 0;
  long rss_start = -1;
  const auto t_all = Clock::now();
  for (size_t r = 0; r < requests; ++r) {
    Doc& d = docs[rng() % docs.size()];
    const int line = int(rng() % d.lines.size());
    const std::string recv = receivers[rng() % std::size(receivers)];
    const std::string head = indent_of(d.lines[size_t(line)]) + "x = " + recv + ".";
    s.change(d, line, line, head + "\n");
    d.lines.insert(d.lines.begin() + line, head);
    const auto t0 = Clock::now();
    Json resp = s.call("textDocument/completion", {{"textDocument", {{"uri", d.uri}}},
                                                   {"position", {{"line", line}, {"character", head.size()}}}});
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    std::string first;
    if (resp.contains("error")) {
      ++errors;
    } else {
      const Json& res = resp["result"];
      const Json& items = res.is_object() ? res["items"] : res;
      if (!items.is_array() || items.empty())
        ++empty;
      else
        first = items[0].value("label", "");
    }
    if (!first.empty() && rng() % 10 == 0) {  // keep it, completed
      ++kept;
      d.lines[size_t(line)] = head + first + std::string(kKeptMark);
      s.change(d, line, line + 1, d.lines[size_t(line)] + "\n");
      if (++d.kept > keep) {  // the oldest kept line goes: the document stops growing
        auto it =
            std::find_if(d.lines.begin(), d.lines.end(), [](const std::string& l) { return l.ends_with(kKeptMark); });
        const int at = int(it - d.lines.begin());
        d.lines.erase(it);
        s.change(d, at, at + 1, "");
        --d.kept;
      }
    } else {
      d.lines.erase(d.lines.begin() + line);
      s.change(d, line, line + 1, "");
    }
    if (r + 1 == std::min<size_t>(100, requests)) rss_start = status_kb(pid, "VmRSS:");  // after warm-up
    if ((r + 1) % block == 0 || r + 1 == requests) {
      Json b = stats(ms);
      b["requests"] = r + 1;
      b["rss_kb"] = status_kb(pid, "VmRSS:");
      blocks.push_back(b);
      ms.clear();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t_all).count();
  // The check: growth from the first block (the documents' state caches are warm by then) on.
  Json check = {{"max_growth", max_growth}, {"ok", true}};
  if (!blocks.empty()) {
    const double rss0 = blocks[0]["rss_kb"].get<double>(), p50_0 = blocks[0]["p50_ms"].get<double>();
    double rss_growth = 0, p50_drift = 0;
    for (const auto& b : blocks) {
      rss_growth = std::max(rss_growth, b["rss_kb"].get<double>() / rss0 - 1);
      p50_drift = std::max(p50_drift, std::abs(b["p50_ms"].get<double>() / p50_0 - 1));
    }
    check["rss_growth"] = rss_growth;
    check["p50_drift"] = p50_drift;
    check["ok"] = rss_growth <= max_growth && p50_drift <= max_growth;
  }
  Json out = {{"server", cmd},
              {"documents", docs.size()},
              {"lines_opened", open_lines},
              {"requests", requests},
              {"seconds", seconds},
              {"errors", errors},
              {"empty_lists", empty},
              {"lines_kept", kept},
              {"rss_start_kb", rss_start},
              {"rss_end_kb", status_kb(pid, "VmRSS:")},
              {"rss_peak_kb", status_kb(pid, "VmHWM:")},
              {"blocks", blocks},
              {"check", check}};
  s.call("shutdown", nullptr);
  s.notify("exit", nullptr);
  std::cout << out.dump(1) << "\n";
  return check["ok"].get<bool>() ? 0 : 1;
}
