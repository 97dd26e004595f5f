// The project index: what the project's own code says about members. Built from the workspace's
// files (ProjectFiles, ModuleScan) in the background, updated file by file as documents change, and
// queried at every completion, so it is compact (interned ids, sorted arrays) and thread-safe
// (queries share a lock; a file's update takes it briefly).
//
// It answers: which members were used on a receiver key (ModuleScan's receiver_key) across the
// project, how often each name was used as an attribute at all, and what a project class or module
// defines (members of project base classes included). Every count query can leave one file out:
// the document being edited, whose live text the caller scans itself.
#pragma once
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/ModuleScan.h"
#include "index/ProjectFiles.h"
#include "index/StringPool.h"
#include "index/TokenScan.h"

namespace dw {

struct IndexStats {
  uint64_t files = 0, bytes = 0, uses = 0, classes = 0, modules = 0, pairs = 0;
  uint64_t updates = 0;                     // files re-indexed after the first build
  std::map<std::string, uint64_t> skipped;  // reason -> count (the walk's and the content rules')
  uint64_t memory_bytes = 0;                // what the index holds, roughly
  double build_ms = 0;
  bool complete = false;  // the first build has finished
};

struct ProjectMember {
  std::string name;
  MemberKind kind = MemberKind::Unknown;
  uint8_t depth = 0;  // 0: defined on the class itself; n: n bases up
};

class ProjectIndex {
 public:
  // `scan`: how files are read. Tokens by default: a tree-sitter parse of a 500 KB module holds ~10 MB
  // while it lasts, and the build then takes ~6x the time.
  explicit ProjectIndex(IndexLimits lim = {}, ScanKind scan = ScanKind::Tokens);
  ~ProjectIndex();

  // Indexes every file of the roots (replacing nothing already indexed by update_file). `progress`
  // is called with (done, total) now and then; `stop` ends the build early.
  void build(const std::vector<std::filesystem::path>& roots, const std::function<void(size_t, size_t)>& progress = {},
             const std::atomic<bool>* stop = nullptr);
  // (Re-)indexes one file from this text, e.g. a saved or changed document; a path outside every root
  // is indexed under its file name's module.
  void update_file(const std::filesystem::path& path, std::string_view text);
  void remove_file(const std::filesystem::path& path);

  // The module a path names (its relpath under the first root that holds it).
  std::string module_for(const std::filesystem::path& path, bool* package = nullptr) const;

  // Members used on receiver `key` in the project, with their counts, leaving file `exclude` out.
  // Only those used at least `min_count` times are visited.
  void key_uses(std::string_view key, const std::filesystem::path& exclude,
                const std::function<void(std::string_view member, uint32_t count)>& visit,
                uint32_t min_count = 0) const;
  // The same counts without the names (cheap: the names are the cost of a key with thousands).
  std::vector<uint32_t> key_use_counts(std::string_view key, const std::filesystem::path& exclude) const;
  // The counts of `members` on `key` (0 where unused), file `exclude` left out.
  std::vector<uint32_t> key_member_uses(std::string_view key, const std::vector<std::string_view>& members,
                                        const std::filesystem::path& exclude) const;
  // Uses of `member` as an attribute of anything (file `exclude` left out).
  uint32_t member_uses(std::string_view member, const std::filesystem::path& exclude) const;
  // The same for many names at once (one lock, one pass over the excluded file).
  std::vector<uint32_t> member_uses(const std::vector<std::string_view>& members,
                                    const std::filesystem::path& exclude) const;

  // The project class a completion class or a bare class name denotes ("pkg.graph.Graph", "Graph"),
  // preferring `from_module` and the modules it imports; "" if none.
  std::string resolve_class(std::string_view cls, std::string_view from_module) const;
  std::string resolve_module(std::string_view module) const;  // "" if not a project module
  // The modules the project's files import ("numpy", "os.path", and for `from a import b` also
  // "a.b"), by how many files import them, most first: what the server reads the stubs of ahead of
  // the first completion.
  std::vector<std::string> imported_modules(size_t max) const;
  // Members of a project class (bases in the project followed; `stub_base` is called with each base
  // that is not a project class, resolved to a dotted name where the module's imports say).
  std::vector<ProjectMember> class_members(std::string_view qualified,
                                           const std::function<void(const std::string&)>& stub_base = {}) const;
  std::vector<ProjectMember> module_members(std::string_view module) const;

  IndexStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dw
