// The editor protocol: each site is completed the way `dotwise serve` completes it for an editor —
// the file's text with the site's line cut right after the dot (the lines after it kept), the
// prediction at that cursor (rank/Predictor predict_at_cursor: context window, model), the project
// index of the file's project with that file left out, and rank/CompletionEngine's candidates and
// order. Sites are loads (`x.attr` read, not assigned), as lsp_probe.py samples them.
//
// Per project the index is built from its root once; sites are taken from files in the order of a
// hash of their path until there are enough, and the `cap` with the smallest site hash are kept, so
// the choice is order- and thread-independent. Projects run in parallel; results join in project order.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eval/Metrics.h"
#include "rank/CompletionEngine.h"
#include "runtime/Model.h"

namespace dw {

struct EditorProject {
  std::string name;
  std::filesystem::path root;                // indexed whole (the corpus rules of the index apply)
  std::vector<std::filesystem::path> files;  // where sites come from
};

struct EditorOptions {
  uint64_t cap = 100;    // sites per project
  size_t site_pool = 4;  // read files until cap * site_pool load sites are seen
  unsigned threads = 1;
  bool index = true;  // false: no project index (what the index adds)
  IndexLimits index_limits;
  WindowOptions window;
  PredictorOptions predictor;
  EngineOptions engine;
};

// One site: the rank of the true member (kMiss = not in the list) under each ordering.
struct EditorSite {
  uint64_t key = 0;  // the site's hash (project, file, line, column): the same site in two runs has the same key
  uint32_t project = 0;
  int receiver_kind = 4;
  uint32_t learned = kMiss, model = kMiss;  // learned ranker (or the candidates unranked), model ordering
  uint32_t list_size = 0, model_list_size = 0;
};

struct EditorRun {
  std::vector<std::string> projects;
  std::vector<EditorSite> sites;
  uint64_t files_read = 0, files_skipped = 0;
  double seconds = 0;
};

// Called for every site with the learned-ordering result (features included) and the true member;
// from worker threads, serialised by the caller's lock — used to write training rows.
using SiteSink = std::function<void(const EditorSite&, const CompletionResult&, const std::string& truth)>;

EditorRun run_editor_protocol(const std::vector<EditorProject>& projects, const Model* model,
                              const TypeshedIndex& stubs, const TreeEnsemble* ranker, const EditorOptions& opt,
                              const SiteSink& sink = {});

// The text an editor holds at a site: `src` with line `line` cut at byte `col`; nullopt when the byte
// before `col` is not a "." (the member does not follow the dot directly).
std::optional<std::pair<std::string, size_t>> cut_at_site(std::string_view src, uint32_t line, uint32_t col);

// True when the access at (line, col) of `member` is assigned to (`x.a = ...`, `x.a += ...`).
bool is_store(std::string_view src, uint32_t line, uint32_t col, size_t member_len);

}  // namespace dw
