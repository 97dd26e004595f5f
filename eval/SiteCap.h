// At most `cap` sites per project, so one giant project cannot dominate a metric. Which sites are kept
// is decided by a hash of (project, file, site index): deterministic, independent of the order files
// are read in, and an even sample over the project's files rather than its first files.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dw {

class SiteCap {
 public:
  explicit SiteCap(uint64_t cap = 0) : cap_(cap) {}  // 0: keep every site
  static uint64_t site_hash(std::string_view project, std::string_view path, size_t site_index);

  void offer(const std::string& project, uint64_t hash);  // first pass: every eligible site
  void finish();                                          // then the per-project thresholds are fixed
  bool keep(const std::string& project, uint64_t hash) const;
  uint64_t cap() const { return cap_; }

  struct ProjectCount {
    std::string project;
    uint64_t eligible = 0, kept = 0;
  };
  std::vector<ProjectCount> counts() const;  // sorted by project name
  uint64_t capped_projects() const;          // projects that had more than `cap` sites

 private:
  uint64_t cap_;
  bool finished_ = false;
  std::unordered_map<std::string, std::vector<uint64_t>> hashes_;
  std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> threshold_;  // project -> (max kept hash, eligible)
};

}  // namespace dw
