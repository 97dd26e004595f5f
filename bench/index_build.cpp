// Project index build time and memory: `index_build DIR [--max-files N] [--scan tokens|parse]` indexes
// DIR as the server would (index/ProjectIndex) and prints JSON: files, bytes, wall time, the index's own
// estimate of what it holds, and the process's RSS growth (VmRSS before and after; VmHWM at the end).
#include <fmt/core.h>
#include <malloc.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "index/ProjectIndex.h"

namespace {
long status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
  return -1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: index_build DIR [--max-files N] [--scan tokens|parse]\n");
    return 2;
  }
  dw::IndexLimits lim;
  dw::ScanKind scan = dw::ScanKind::Tokens;
  for (int i = 2; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--max-files")
      lim.max_files = std::stoul(argv[i + 1]);
    else if (std::string(argv[i]) == "--scan")
      scan = std::string(argv[i + 1]) == "parse" ? dw::ScanKind::Parse : dw::ScanKind::Tokens;
  long rss0 = status_kb("VmRSS:");
  const auto heap0 = ::mallinfo2();
  auto t0 = std::chrono::steady_clock::now();
  dw::ProjectIndex idx(lim, scan);
  idx.build({argv[1]});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto st = idx.stats();
  // What malloc hands out after the build (live objects), apart from what RSS adds (free pages kept).
  const auto heap = ::mallinfo2();
  const double live_mb = double((heap.uordblks + heap.hblkhd) - (heap0.uordblks + heap0.hblkhd)) / (1 << 20);
  nlohmann::json j = {{"dir", argv[1]},
                      {"scan", scan == dw::ScanKind::Tokens ? "tokens" : "parse"},
                      {"files", st.files},
                      {"bytes", st.bytes},
                      {"classes", st.classes},
                      {"pairs", st.pairs},
                      {"file_triples", st.uses},
                      {"seconds", secs},
                      {"mb_per_s", double(st.bytes) / 1e6 / secs},
                      {"index_estimate_mb", double(st.memory_bytes) / 1e6},
                      {"heap_live_mb", live_mb},
                      {"rss_growth_mb", double(status_kb("VmRSS:") - rss0) / 1024},
                      {"peak_rss_mb", double(status_kb("VmHWM:")) / 1024},
                      {"skipped", st.skipped}};
  fmt::print("{}\n", j.dump());
}
