// Extraction throughput on a directory of Python files (default: the machine's standard library),
// with 1 and 2 threads. Prints JSON: MB/s, files/s, sites/s, resolved-class share.
//   extract_throughput [DIR] [--threads 1,2]
#include <fmt/core.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/FileIO.h"
#include "support/Parallel.h"
#include "syntax/Extractor.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::string dir = "/usr/lib/python3.11";
  std::vector<unsigned> thread_counts{1, 2};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) {
      thread_counts.clear();
      for (std::string t = argv[++i]; !t.empty();) {
        thread_counts.push_back(unsigned(std::stoul(t)));
        auto c = t.find(',');
        t = c == std::string::npos ? "" : t.substr(c + 1);
      }
    } else {
      dir = a;
    }
  }
  std::vector<std::string> sources;
  uint64_t bytes = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec || !it->is_regular_file(ec) || it->path().extension() != ".py") continue;
    auto r = dw::read_file(it->path(), 10u << 20);
    if (!r.error.empty()) continue;
    bytes += r.data.size();
    sources.push_back(std::move(r.data));
  }
  dw::TypeshedIndex stubs(dw::TypeshedIndex::default_roots());
  dw::Extractor ex(stubs);
  nlohmann::json runs = nlohmann::json::array();
  for (unsigned threads : thread_counts) {
    std::atomic<uint64_t> sites{0}, resolved{0}, tokens{0};
    auto t0 = std::chrono::steady_clock::now();
    dw::parallel_for(sources.size(), threads, [&](size_t i) {
      auto r = ex.extract(sources[i]);
      tokens += r.file.tokens.size();
      sites += r.file.sites.size();
      for (const auto& s : r.file.sites) resolved += s.cls != dw::kNoString;
    });
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    runs.push_back({{"threads", threads},
                    {"seconds", secs},
                    {"mb_per_s", double(bytes) / 1e6 / secs},
                    {"files_per_s", double(sources.size()) / secs},
                    {"sites_per_s", double(sites) / secs},
                    {"tokens", tokens.load()},
                    {"sites", sites.load()},
                    {"resolved_share", sites ? double(resolved) / double(sites) : 0.0}});
  }
  nlohmann::json out = {{"bench", "extract_throughput"}, {"dir", dir}, {"files", sources.size()}, {"bytes", bytes}, {"runs", runs}};
  fmt::print("{}\n", out.dump(2));
}
