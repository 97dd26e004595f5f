// Each `dotwise` subcommand lives in its own file and registers itself on the top-level app here.
// Commands that need libtorch (train, tune) live in the separate `dotwise-train` binary; `dotwise`
// forwards them, so the server and the runtime never link libtorch.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "rank/CompletionEngine.h"
#include "rank/ContextWindow.h"
#include "rank/Predictor.h"

namespace dw::cli {
// `dotwise eval --protocol editor` (cli/EvalEditor.cpp); the shared options come from `eval`.
struct EditorEvalArgs {
  std::string dump_features, ranker_file;
  std::string scan = "tokens";  // EngineOptions::scan, by name
  bool no_index = false, no_ranker = false;
  size_t max_projects = 0;
  EngineOptions engine;  // the candidate and ranking knobs the server uses (measurable here)
  WindowOptions window;
  PredictorOptions predictor;
};
EditorEvalArgs& editor_eval_args();
void run_editor_eval(const std::vector<std::string>& inputs, const std::string& split,
                     const std::vector<std::string>& models, uint64_t cap, unsigned threads, bool json, int bootstrap,
                     uint64_t seed, const std::vector<std::string>& stubs);

void add_extract(CLI::App& app);
void add_corpus(CLI::App& app);
void add_eval(CLI::App& app);
void add_export(CLI::App& app);
void add_complete(CLI::App& app);
void add_serve(CLI::App& app);
void add_forwarded_torch_commands(CLI::App& app, const char* argv0);
}  // namespace dw::cli
