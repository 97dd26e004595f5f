#include "eval/SiteCap.h"

#include <algorithm>
#include <stdexcept>

#include "support/Hash.h"

namespace dw {

uint64_t SiteCap::site_hash(std::string_view project, std::string_view path, size_t site_index) {
  uint64_t h = hash64(project, 0x5ca1ab1e);
  h = hash64(path, h);
  uint64_t i = site_index;
  return hash64(&i, sizeof i, h);
}

void SiteCap::offer(const std::string& project, uint64_t hash) {
  if (finished_) throw std::logic_error("SiteCap::offer after finish");
  hashes_[project].push_back(hash);
}

void SiteCap::finish() {
  for (auto& [project, h] : hashes_) {
    uint64_t limit = UINT64_MAX;
    if (cap_ && h.size() > cap_) {
      std::nth_element(h.begin(), h.begin() + ptrdiff_t(cap_ - 1), h.end());
      limit = h[cap_ - 1];
    }
    threshold_[project] = {limit, h.size()};
  }
  hashes_.clear();
  finished_ = true;
}

bool SiteCap::keep(const std::string& project, uint64_t hash) const {
  if (!finished_) throw std::logic_error("SiteCap::keep before finish");
  auto it = threshold_.find(project);
  return it != threshold_.end() && hash <= it->second.first;
}

std::vector<SiteCap::ProjectCount> SiteCap::counts() const {
  std::vector<ProjectCount> out;
  for (const auto& [p, t] : threshold_) out.push_back({p, t.second, cap_ ? std::min(cap_, t.second) : t.second});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.project < b.project; });
  return out;
}

uint64_t SiteCap::capped_projects() const {
  uint64_t n = 0;
  for (const auto& [p, t] : threshold_) n += cap_ && t.second > cap_;
  return n;
}

}  // namespace dw
