// What the editor can configure, from `initializationOptions`, `workspace/configuration` (section
// "dotwise") or `workspace/didChangeConfiguration`: {"model": PATH, "stars": N, "enable": BOOL,
// "starInLabel": BOOL, "lookback": N, "contextLines": N, "ranker": "learned"|"model", "index": BOOL,
// "indexMaxFiles": N, "maxDocumentBytes": N, "proxyAdd": N, "upstreamBonus": X,
// "upstreamDeadlineMs": N}. Keys may sit at the top
// level or under "dotwise".
#pragma once
#include <filesystem>
#include <string>

#include "index/ProjectFiles.h"
#include "lsp/Documents.h"
#include "lsp/Merge.h"
#include "lsp/Protocol.h"
#include "lsp/Ranking.h"
#include "rank/CompletionEngine.h"
#include "rank/ContextWindow.h"
#include "rank/Predictor.h"

namespace dw::lsp {

struct Settings {
  std::string model;  // path to a .dwm; "" = none (upstream order is kept)
  bool enable = true;
  RankOptions rank;
  PredictorOptions predictor;
  WindowOptions window;
  size_t scan_before = kScanBefore, scan_after = kScanAfter;  // bytes of the document the engine scans
  ScanKind scan = ScanKind::Tokens;                           // how it reads them
  // The learned ranker (the model's companion .dwr) over project-aware candidates, or the
  // model ordering of stub/file candidates that came before it.
  RankerKind ranker = RankerKind::Learned;
  bool index = true;  // index the workspace folders for project classes, modules and uses
  IndexLimits index_limits;
  size_t max_document = Documents::kDefaultMaxText;  // bytes; a larger document gets no completions
  MergeOptions merge;                                // proxy: how the upstream's list and ours are merged (lsp/Merge.h)
  // Applies the keys present in `j`; returns "" or what was wrong (wrong keys are ignored, not fatal).
  std::string apply(const Json& j);
};

// $DOTWISE_MODEL, else models/default.dwm next to the source tree or the binary, else "".
std::string default_model_path();

}  // namespace dw::lsp
