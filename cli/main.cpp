#include <fmt/core.h>

#include <exception>

#include "cli/Commands.h"

int main(int argc, char** argv) {
  CLI::App app{"dotwise: learns which member you will pick after `receiver.` and ranks your editor's completions.\n"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "dotwise 0.1.0");
  // Register each subcommand (declared in cli/Commands.h) here, in pipeline order.
  dw::cli::add_corpus(app);
  dw::cli::add_extract(app);
  dw::cli::add_eval(app);
  dw::cli::add_export(app);
  dw::cli::add_complete(app);
  dw::cli::add_serve(app);
  dw::cli::add_forwarded_torch_commands(app, argv[0]);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    fmt::print(stderr, "dotwise: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
