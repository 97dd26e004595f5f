#include "index/ProjectFiles.h"

#include <algorithm>

#include "corpus/Corpus.h"
#include "support/Utf8.h"

namespace dw {
namespace fs = std::filesystem;

std::vector<ProjectFile> list_project_files(const std::vector<fs::path>& roots, const IndexLimits& lim, WalkStats& st,
                                            const std::atomic<bool>* stop) {
  std::vector<ProjectFile> out;
  size_t entries = 0;
  for (const auto& root : roots) {
    std::error_code ec;
    if (!fs::is_directory(root, ec)) continue;
    // Directory symlinks are not followed: a loop, or an alias of a folder walked already, costs nothing.
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    std::vector<ProjectFile> files;
    for (; !ec && it != end; it.increment(ec)) {
      if (stop && stop->load(std::memory_order_relaxed)) return out;
      if (++entries > lim.max_walk_entries) {
        ++st.skipped["walk_limit"];
        break;
      }
      const auto& e = *it;
      std::error_code e2;
      if (e.is_symlink(e2) && e.is_directory(e2)) {
        ++st.skipped["symlinked_dir"];
        continue;
      }
      if (e.is_directory(e2)) {
        auto name = e.path().filename().string();
        if (size_t(it.depth()) >= lim.max_depth) {
          ++st.skipped["too_deep"];
          it.disable_recursion_pending();
        } else if (is_vendored_path(name + "/")) {
          ++st.skipped["vendored_dir"];
          it.disable_recursion_pending();
        }
        continue;
      }
      if (e.path().extension() != ".py") continue;
      ++st.seen;
      auto rel = fs::relative(e.path(), root, e2).generic_string();
      if (e2 || rel.empty()) rel = e.path().filename().string();
      if (is_vendored_path(rel)) {
        ++st.skipped["vendored"];
        continue;
      }
      files.push_back({e.path().string(), std::move(rel)});
    }
    if (ec) ++st.skipped["unreadable_dir"];
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.relpath < b.relpath; });
    for (auto& f : files) {
      if (out.size() >= lim.max_files) {
        ++st.skipped["over_file_limit"];
        continue;
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

const char* content_skip(std::string_view content) {
  if (content.find('\0') != std::string_view::npos) return "binary";
  if (!is_valid_utf8(content)) return "not_utf8";
  if (looks_generated(content)) return "generated";
  return "";
}

}  // namespace dw
