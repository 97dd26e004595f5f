// `dotwise extract` (corpus -> shards + vocabulary) and `dotwise tokens` (one file's stream and
// sites, for looking at what the model sees).
#include <fmt/core.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "corpus/ExtractJob.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"

namespace dw::cli {
namespace fs = std::filesystem;

namespace {
std::vector<fs::path> stub_roots(const std::vector<std::string>& extra) {
  auto roots = TypeshedIndex::default_roots();
  for (const auto& e : extra) roots.insert(roots.begin(), e);
  return roots;
}

void add_tokens(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokens", "Show the token stream and member-access sites extracted from one Python file");
  static std::string file;
  static std::vector<std::string> stubs;
  static bool json = false;
  cmd->add_option("file", file, "Python source file")->required();
  cmd->add_option("--stubs", stubs, "Extra directory of .pyi stubs (searched before typeshed)");
  cmd->add_flag("--json", json, "Print JSON");
  cmd->callback([] {
    auto rd = read_file(file);
    if (!rd.error.empty()) throw std::runtime_error(file + ": " + rd.error);
    TypeshedIndex index(stub_roots(stubs));
    auto r = Extractor(index).extract(rd.data);
    if (r.skip != Skip::None) throw std::runtime_error(file + ": skipped (" + skip_name(r.skip) + ")");
    const auto& f = r.file;
    if (json) {
      nlohmann::json j;
      for (size_t i = 0; i < f.tokens.size(); ++i) j["tokens"].push_back(f.token(i));
      for (const auto& s : f.sites)
        j["sites"].push_back({{"pos", s.pos}, {"line", s.line + 1}, {"col", s.col + 1}, {"receiver", f.str(s.receiver)},
                              {"class", f.str(s.cls)}, {"member", f.member(s)}, {"call", bool(s.flags & kSiteCall)},
                              {"in_if", bool(s.flags & kSiteInIf)}, {"scope", s.scope}});
      j["parse_errors"] = f.parse_errors;
      fmt::print("{}\n", j.dump(1));
      return;
    }
    std::string line;
    for (size_t i = 0; i < f.tokens.size(); ++i) {
      auto t = f.token(i);
      line += std::string(t) + (t == "<nl>" || t == "<indent>" || t == "<dedent>" ? "\n" : " ");
    }
    fmt::print("{}\n\n{} tokens, {} sites, {} parse-error nodes\n", line, f.tokens.size(), f.sites.size(), f.parse_errors);
    for (const auto& s : f.sites)
      fmt::print("{}:{}\t{}.{}\tclass={}{}{}\n", s.line + 1, s.col + 1, f.str(s.receiver), f.member(s),
                 s.cls == kNoString ? "?" : f.str(s.cls), s.flags & kSiteCall ? " call" : "", s.flags & kSiteInIf ? " in-if" : "");
  });
}
}  // namespace

void add_extract(CLI::App& app) {
  add_tokens(app);
  auto* cmd = app.add_subcommand("extract", "Extract token streams and labelled member-access sites from a corpus into shards");
  static std::string input;
  static ExtractJobOptions opt;
  static std::string out, vocab;
  static std::vector<std::string> stubs;
  static bool json = false;
  cmd->add_option("corpus", input, "A manifest.tsv written by `dotwise corpus`, or the directory holding it")->required();
  cmd->add_option("-o,--out", out, "Output directory (shards, vocab.tsv, stats.json)")->required();
  cmd->add_option("--min-count", opt.min_count, "Vocabulary: keep tokens seen at least this often in the train split")->capture_default_str();
  cmd->add_option("--max-oov", opt.max_oov, "Per-file out-of-vocabulary ids (beyond: <unk>)")->capture_default_str();
  cmd->add_option("--shard-files", opt.shard_files, "Files per shard")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("-j,--threads", opt.threads, "Worker threads (0: all cores)")->capture_default_str();
  cmd->add_option("--vocab", vocab, "Use this vocabulary instead of building one from the train split");
  cmd->add_option("--stubs", stubs, "Extra directory of .pyi stubs (searched before typeshed)");
  cmd->add_flag("--resume", opt.resume, "Keep complete shards from an interrupted run");
  cmd->add_flag("--json", json, "Print the stats report as JSON on stdout");
  cmd->callback([] {
    fs::path m = input;
    if (fs::is_directory(m)) m /= "manifest.tsv";
    auto entries = read_manifest(m);
    opt.out = out;
    opt.vocab = vocab;
    opt.stub_roots = stub_roots(stubs);
    auto report = run_extract(entries, opt);
    if (json) {
      fmt::print("{}\n", report.dump(2));
      return;
    }
    for (auto& [split, s] : report["splits"].items())
      fmt::print("{:>6}: {} files, {} tokens, {} sites ({:.1f}% with a resolved class)\n", split, s["files"].get<uint64_t>(),
                 s["tokens"].get<uint64_t>(), s["sites"].get<uint64_t>(), 100 * s["resolved_share"].get<double>());
    fmt::print("skipped: {}\n", report["total"]["skipped"].dump());
    if (report.contains("vocab")) fmt::print("vocabulary: {} tokens\n", report["vocab"]["size"].get<uint64_t>());
    fmt::print("{:.1f} s, {:.2f} MB/s, {:.0f} sites/s -> {}\n", report["seconds"].get<double>(), report["mb_per_s"].get<double>(),
               report["sites_per_s"].get<double>(), out);
  });
}

}  // namespace dw::cli
