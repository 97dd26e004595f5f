// The files a project index reads: every *.py under the workspace roots, under the corpus rules
// (vendored and hidden folders, generated, binary and over-size files are skipped and counted) and
// within bounds, so a 100k-file tree or a symlink loop costs a bounded walk, never a hang.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace dw {

struct IndexLimits {
  size_t max_files = 20000;  // files indexed; the rest are counted as over_file_limit
  // A larger file is skipped: mostly data, and its parse tree alone would be most of the RSS.
  uint64_t max_file_bytes = 512u << 10;
  uint64_t max_total_bytes = 256u << 20;
  size_t max_walk_entries = 500000;  // directory entries looked at, whatever they are
  size_t max_depth = 32;             // directory depth below a root
};

struct ProjectFile {
  // Absolute. A string, not a std::filesystem::path: a path also keeps its components (~900 bytes a
  // file here), and a 12k-file tree's list alone then held 10 MB at the index's peak.
  std::string path;
  std::string relpath;  // to its root, '/'-separated
};

struct WalkStats {
  std::map<std::string, uint64_t> skipped;  // reason -> files (or directories, for symlink/depth reasons)
  uint64_t seen = 0;                        // *.py files found
};

// Lists the candidate files (the walk's own skips counted in `stats`); files are in path order per root.
std::vector<ProjectFile> list_project_files(const std::vector<std::filesystem::path>& roots, const IndexLimits& lim,
                                            WalkStats& stats, const std::atomic<bool>* stop = nullptr);

// Why a file's content is not indexed ("" when it is): binary, not_utf8, generated.
const char* content_skip(std::string_view content);

}  // namespace dw
