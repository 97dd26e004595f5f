// `dotwise serve [--model M] [-- UPSTREAM...]`: the language server on stdin/stdout (lsp/Server.h).
#include <unistd.h>

#include "cli/Commands.h"
#include "lsp/Server.h"
#include "support/Memory.h"

namespace dw::cli {

void add_serve(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "serve",
      "Language server on stdin/stdout. Alone it completes members itself; with `-- CMD...` it runs CMD\n"
      "(e.g. `basedpyright-langserver --stdio`, `pylsp`), merges its lists with our candidates and re-ranks them");
  static std::string model;
  static int stars = 5;
  static bool star_in_label = false, quiet = false, trace = false;
  static double wait_for_index = 0;
  static size_t lookback = PredictorOptions{}.lookback, context_lines = WindowOptions{}.max_lines;
  static size_t scan_before = kScanBefore, scan_after = kScanAfter;
  static std::vector<std::string> stubs, upstream;
  static std::string ranker = "learned", scan = "tokens";
  static bool no_index = false;
  static size_t index_max_files = IndexLimits{}.max_files;
  static uint64_t index_max_bytes = IndexLimits{}.max_total_bytes;
  static size_t proxy_add = lsp::MergeOptions{}.add;
  static float upstream_bonus = lsp::MergeOptions{}.upstream_bonus;
  static int deadline_ms = lsp::MergeOptions{}.deadline_ms;
  cmd->add_option("--model", model, "Model file (.dwm); default: $DOTWISE_MODEL or models/default.dwm");
  cmd->add_option("--stars", stars, "Mark this many top items with ★ (0: none)")->capture_default_str();
  cmd->add_flag("--star-in-label", star_in_label, "Put the ★ in the label instead of labelDetails");
  cmd->add_option("--lookback", lookback, "Tokens of context the model sees")->capture_default_str();
  cmd->add_option("--context-lines", context_lines,
                  "Lines above the cursor parsed for context (plus the imports; 0: all)")
      ->capture_default_str();
  cmd->add_option("--scan-before", scan_before, "Bytes of the document scanned for candidates before the cursor")
      ->capture_default_str();
  cmd->add_option("--scan-after", scan_after, "Bytes of the document scanned for candidates after the cursor")
      ->capture_default_str();
  cmd->add_option("--scan", scan,
                  "How the engine reads the document and the index reads the project: tokens, or a tree-sitter parse")
      ->check(CLI::IsMember({"tokens", "parse"}))
      ->capture_default_str();
  cmd->add_option("--stubs", stubs, "Extra directory of .pyi stubs (searched before typeshed)");
  cmd->add_option("--ranker", ranker, "learned (the model's .dwr over project-aware candidates) or model")
      ->check(CLI::IsMember({"learned", "model"}))
      ->capture_default_str();
  cmd->add_flag("--no-index", no_index, "Do not index the workspace folders");
  cmd->add_option("--index-max-files", index_max_files, "Files the project index reads at most")->capture_default_str();
  cmd->add_option("--index-max-bytes", index_max_bytes, "Bytes of source the project index reads at most")
      ->capture_default_str();
  cmd->add_option("--proxy-add", proxy_add, "Proxy: our best candidates the upstream lacks, added at most")
      ->capture_default_str();
  cmd->add_option("--upstream-bonus", upstream_bonus, "Proxy: added to our score of a name the upstream lists too")
      ->capture_default_str();
  cmd->add_option("--upstream-deadline-ms", deadline_ms,
                  "Proxy: past this, our list goes out alone (isIncomplete) and the upstream's late list is merged "
                  "at the next request (0: always wait)")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  cmd->add_flag("--quiet", quiet, "No log lines on stderr");
  cmd->add_option("--wait-for-index", wait_for_index,
                  "Seconds to hold messages after `initialized` until the project index is built (0: none)")
      ->capture_default_str();
  cmd->add_flag("--trace", trace, "Log each completion's time by stage (context window, parse, model, rank)");
  cmd->add_option("upstream", upstream, "Upstream server command, after `--`");
  cmd->callback([] {
    map_large_blocks();
    lsp::ServerOptions o;
    o.settings.model = model.empty() ? lsp::default_model_path() : model;
    o.settings.rank.stars = stars;
    o.settings.rank.star_in_label = star_in_label;
    o.settings.predictor.lookback = lookback;
    o.settings.window.max_lines = context_lines;
    o.settings.scan_before = scan_before;
    o.settings.scan_after = scan_after;
    o.settings.scan = scan == "parse" ? ScanKind::Parse : ScanKind::Tokens;
    o.settings.ranker = ranker == "model" ? RankerKind::Model : RankerKind::Learned;
    o.settings.index = !no_index;
    o.settings.index_limits.max_files = index_max_files;
    o.settings.index_limits.max_total_bytes = index_max_bytes;
    o.settings.merge.add = proxy_add;
    o.settings.merge.upstream_bonus = upstream_bonus;
    o.settings.merge.deadline_ms = deadline_ms;
    o.upstream = upstream;
    o.log = !quiet;
    o.trace = trace;
    o.wait_for_index_s = wait_for_index;
    if (!stubs.empty()) {
      o.stub_roots = TypeshedIndex::default_roots();
      for (const auto& s : stubs) o.stub_roots.insert(o.stub_roots.begin(), s);
    }
    lsp::Server server(std::move(o), STDIN_FILENO, STDOUT_FILENO);
    int rc = server.run();
    std::fflush(stdout);
    std::_Exit(rc);  // the spec's exit code; nothing left to unwind that matters
  });
}

}  // namespace dw::cli
