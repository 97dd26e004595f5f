// Each `dotwise` subcommand lives in its own file and registers itself on the top-level app here.
// Commands that need libtorch (train, tune) live in the separate `dotwise-train` binary; `dotwise`
// forwards them, so the server and the runtime never link libtorch.
#pragma once
#include <CLI/CLI.hpp>

namespace dw::cli {
void add_extract(CLI::App& app);
void add_corpus(CLI::App& app);
void add_eval(CLI::App& app);
void add_export(CLI::App& app);
void add_complete(CLI::App& app);
void add_serve(CLI::App& app);
void add_forwarded_torch_commands(CLI::App& app, const char* argv0);
}  // namespace dw::cli
