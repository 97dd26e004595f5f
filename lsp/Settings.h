// What the editor can configure, from `initializationOptions`, `workspace/configuration` (section
// "dotwise") or `workspace/didChangeConfiguration`: {"model": PATH, "stars": N, "enable": BOOL,
// "starInLabel": BOOL, "lookback": N, "contextLines": N}. Keys may sit at the top level or under "dotwise".
#pragma once
#include <filesystem>
#include <string>

#include "lsp/ContextWindow.h"
#include "lsp/Predictor.h"
#include "lsp/Protocol.h"
#include "lsp/Ranking.h"

namespace dw::lsp {

struct Settings {
  std::string model;  // path to a .dwm; "" = none (upstream order is kept)
  bool enable = true;
  RankOptions rank;
  PredictorOptions predictor;
  WindowOptions window;
  // Applies the keys present in `j`; returns "" or what was wrong (wrong keys are ignored, not fatal).
  std::string apply(const Json& j);
};

// $DOTWISE_MODEL, else models/default.dwm next to the source tree or the binary, else "".
std::string default_model_path();

}  // namespace dw::lsp
