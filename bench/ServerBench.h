// What the server benchmarks (server_latency, server_soak) share: reading a process's memory from
// /proc, waiting for a response while answering the server's own requests, and latency percentiles.
#pragma once
#include <sys/types.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "lsp/Protocol.h"
#include "lsp/Transport.h"

namespace dw::bench {

// A "VmRSS:"-style field of /proc/PID/status in kB, -1 if absent.
inline long status_kb(pid_t pid, const std::string& key) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(key.size()));
  return -1;
}

// Reads until the response with `id` ({"eof": true} if the server went away). Requests from the
// server are answered: workspace/configuration with one default (null) per item, others with null.
inline lsp::Json wait_for(lsp::Transport& io, const lsp::Json& id) {
  using namespace lsp;
  for (;;) {
    Incoming in = io.read();
    if (in.kind != Incoming::kMessage) return Json{{"eof", true}};
    if (is_response(in.message) && in.message["id"] == id) return in.message;
    if (!is_request(in.message)) continue;
    Json result = nullptr;
    if (in.message.value("method", "") == "workspace/configuration")
      result = Json(std::vector<Json>(in.message["params"].value("items", Json::array()).size(), nullptr));
    io.write(make_response(in.message["id"], result));
  }
}

inline lsp::Json stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto q = [&](double p) { return v.empty() ? 0.0 : v[std::min(v.size() - 1, size_t(p * double(v.size())))]; };
  return {{"n", v.size()},
          {"p50_ms", q(0.5)},
          {"p90_ms", q(0.9)},
          {"p99_ms", q(0.99)},
          {"max_ms", v.empty() ? 0.0 : v.back()}};
}

}  // namespace dw::bench
