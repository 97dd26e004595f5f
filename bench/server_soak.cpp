// Soak test of `dotwise serve` (issue 8): many documents open at once, a long run of completion
// requests with edits in between, and the server's memory and latency watched over the whole run.
// Each request types `receiver.` on a fresh line of a random document at a random place, asks for
// completions there, then either deletes the line again or (one time in ten) keeps it completed
// with the first item offered; a document holding more than --keep such lines loses its oldest, so
// the documents keep changing but stop growing, and the load stays the same from block to block.
// Prints JSON: per block of requests the latency percentiles and the server's RSS; RSS at the
// start and the end; and the check (exit 1 when it fails): from the first block on, RSS grows at
// most --max-growth and each block's p50 is within --max-growth of the first block's.
// On a shared 2-core machine the raw p50 of a block moves ±10% with the machine alone (every stage of
// --trace moves together, none trends), so a control server runs beside the soaked one: started the
// same way on the same documents, it gets one request per --control-every of the soak's, always the
// same sequence in every block and always undone, so its state never changes and its p50 moves only
// with the machine. The check uses the soaked p50 divided by the control's (per block, then relative
// to the first block); the raw p50 is reported beside it. --control-every 0 turns the control off.
//   server_soak DOTWISE_BINARY [--requests 100000] [--docs 50] [--block 10000] [--keep 20]
//               [--max-growth 0.10] [--source DIR (default /usr/lib/python3.11)] [--model M.dwm] [--seed S]
//               [--control-every 10] [--warmup 1000 (requests before the first block, after each
//               document got its --keep lines; not counted)]
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
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

std::vector<Doc> open_documents(Soak& s, const std::vector<fs::path>& files, size_t* open_lines) {
  std::vector<Doc> docs;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    Doc d{"file:///soak/" + std::to_string(docs.size()) + "/" + f.filename().string(), 1, lines_of(text)};
    if (d.lines.size() < 10) continue;
    if (open_lines) *open_lines += d.lines.size();
    s.notify("textDocument/didOpen",
             {{"textDocument", {{"uri", d.uri}, {"languageId", "python"}, {"version", 1}, {"text", text}}}});
    docs.push_back(std::move(d));
  }
  return docs;
}

struct Outcome {
  double ms = 0;
  bool error = false, empty = false, kept = false;
};

enum class Keep { kNever, kOneInTen, kAlways };

// One request: type `x = receiver.` on a new line of `d`, ask for completions there, then delete the
// line again or keep it completed with the first item offered (`how`: never, one time in ten, always).
Outcome one_request(Soak& s, Doc& d, std::mt19937_64& rng, Keep how, size_t keep) {
  static const char* receivers[] = {"os.path", "self", "sys", "re", "collections", "os", "str", "time"};
  Outcome o;
  const int line = int(rng() % d.lines.size());
  const std::string recv = receivers[rng() % std::size(receivers)];
  const std::string head = indent_of(d.lines[size_t(line)]) + "x = " + recv + ".";
  s.change(d, line, line, head + "\n");
  d.lines.insert(d.lines.begin() + line, head);
  const auto t0 = Clock::now();
  Json resp = s.call("textDocument/completion",
                     {{"textDocument", {{"uri", d.uri}}}, {"position", {{"line", line}, {"character", head.size()}}}});
  o.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::string first;
  if (resp.contains("error")) {
    o.error = true;
  } else {
    const Json& res = resp["result"];
    const Json& items = res.is_object() ? res["items"] : res;
    if (!items.is_array() || items.empty())
      o.empty = true;
    else
      first = items[0].value("label", "");
  }
  const bool one_in_ten = rng() % 10 == 0;  // drawn always: the sequence is the same either way
  if (!first.empty() && (how == Keep::kAlways || (how == Keep::kOneInTen && one_in_ten))) {
    o.kept = true;
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
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: server_soak DOTWISE_BINARY [--requests N] [--docs N] [--block N] [--keep N] "
                 "[--max-growth F] [--source DIR] [--model M.dwm] [--seed S] [--control-every N] [--warmup N]\n";
    return 2;
  }
  size_t requests = 100000, ndocs = 50, block = 10000, keep = 20, control_every = 10, warmup = 1000;
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
    else if (k == "--warmup")
      warmup = std::stoul(v);
    else if (k == "--control-every")
      control_every = std::stoul(v);
    else {
      std::cerr << "server_soak: unknown option " << k << "\n";
      return 2;
    }
  }
  std::vector<std::string> cmd = {argv[1], "serve", "--quiet"};
  if (!model.empty()) cmd.insert(cmd.end(), {"--model", model});
  auto start = [&](Soak& s) {
    s.call("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", Json::object()}});
    s.notify("initialized", Json::object());
  };
  const auto files = pick_files(source, ndocs);
  Soak s(cmd);
  const pid_t pid = s.process().pid();
  start(s);
  size_t open_lines = 0;
  std::vector<Doc> docs = open_documents(s, files, &open_lines);
  if (docs.empty()) {
    std::cerr << "server_soak: no Python files of 8-150 KB under " << source << "\n";
    return 1;
  }
  std::optional<Soak> control;
  std::vector<Doc> control_docs;
  if (control_every > 0) {
    control.emplace(cmd);
    start(*control);
    control_docs = open_documents(*control, files, nullptr);
  }

  std::mt19937_64 rng(seed), control_rng;
  // Warm-up, not counted. First each document gets its --keep completed lines, so the documents are
  // as large as they will stay (measured: while they fill, the p50 rises ~7% relative to the control,
  // then stays), then --warmup ordinary requests: the stubs each receiver needs load at their first
  // use, and the caches fill. The control runs its block sequence once, so every measured control
  // request is a repeat.
  for (auto& d : docs)
    while (d.kept < keep)
      if (!one_request(s, d, rng, Keep::kAlways, keep).kept) break;  // nothing offered: leave it
  for (size_t r = 0; r < warmup; ++r) one_request(s, docs[rng() % docs.size()], rng, Keep::kOneInTen, keep);
  if (control) {
    control_rng.seed(seed + 1);
    for (size_t r = 0; r < block; r += control_every)
      one_request(*control, control_docs[control_rng() % control_docs.size()], control_rng, Keep::kNever, keep);
  }
  Json blocks = Json::array();
  std::vector<double> ms, control_ms;
  size_t errors = 0, empty = 0, kept = 0;
  const long rss_start = status_kb(pid, "VmRSS:");  // after the warm-up
  const auto t_all = Clock::now();
  for (size_t r = 0; r < requests; ++r) {
    if (r % block == 0) control_rng.seed(seed + 1);  // the same control sequence in every block
    const Outcome o = one_request(s, docs[rng() % docs.size()], rng, Keep::kOneInTen, keep);
    ms.push_back(o.ms);
    errors += o.error, empty += o.empty, kept += o.kept;
    if (control && r % control_every == 0) {
      const Outcome c =
          one_request(*control, control_docs[control_rng() % control_docs.size()], control_rng, Keep::kNever, keep);
      control_ms.push_back(c.ms);
      errors += c.error;
    }
    if ((r + 1) % block == 0 || r + 1 == requests) {
      Json b = stats(ms);
      b["requests"] = r + 1;
      b["rss_kb"] = status_kb(pid, "VmRSS:");
      if (control) {
        const Json c = stats(control_ms);
        b["control_n"] = c["n"];
        b["control_p50_ms"] = c["p50_ms"];
        b["relative_p50"] = c["p50_ms"].get<double>() > 0 ? b["p50_ms"].get<double>() / c["p50_ms"].get<double>() : 0.0;
      }
      blocks.push_back(b);
      ms.clear();
      control_ms.clear();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t_all).count();
  // The check: growth from the first block (the documents' state caches are warm by then) on.
  Json check = {{"max_growth", max_growth}, {"ok", true}};
  if (!blocks.empty()) {
    // With a control, the p50 that is checked is the soaked server's relative to the control's.
    const char* p50_key = control ? "relative_p50" : "p50_ms";
    const double rss0 = blocks[0]["rss_kb"].get<double>(), p50_0 = blocks[0][p50_key].get<double>();
    const double raw0 = blocks[0]["p50_ms"].get<double>();
    double rss_growth = 0, p50_drift = 0, raw_drift = 0;
    for (const auto& b : blocks) {
      rss_growth = std::max(rss_growth, b["rss_kb"].get<double>() / rss0 - 1);
      p50_drift = std::max(p50_drift, std::abs(b[p50_key].get<double>() / p50_0 - 1));
      raw_drift = std::max(raw_drift, std::abs(b["p50_ms"].get<double>() / raw0 - 1));
    }
    check["rss_growth"] = rss_growth;
    check["p50_drift"] = p50_drift;
    check["p50_drift_measure"] = control ? "p50 relative to the control server's" : "raw p50";
    check["raw_p50_drift"] = raw_drift;
    check["ok"] = rss_growth <= max_growth && p50_drift <= max_growth;
  }
  Json out = {{"server", cmd},
              {"documents", docs.size()},
              {"lines_opened", open_lines},
              {"requests", requests},
              {"control_every", control_every},
              {"warmup", warmup},
              {"seconds", seconds},
              {"errors", errors},
              {"empty_lists", empty},
              {"lines_kept", kept},
              {"rss_start_kb", rss_start},
              {"rss_end_kb", status_kb(pid, "VmRSS:")},
              {"rss_peak_kb", status_kb(pid, "VmHWM:")},
              {"blocks", blocks},
              {"check", check}};
  for (Soak* p : {&s, control ? &*control : nullptr}) {
    if (!p) continue;
    p->call("shutdown", nullptr);
    p->notify("exit", nullptr);
  }
  std::cout << out.dump(1) << "\n";
  return check["ok"].get<bool>() ? 0 : 1;
}
