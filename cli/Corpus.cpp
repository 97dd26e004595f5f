// `dotwise corpus DIR... -o OUT/`: cleans, dedups and splits directories of Python code (one project
// each) into OUT/manifest.tsv + OUT/corpus.json (+ OUT/skipped.tsv for auditing). See corpus/Corpus.h for the rules.
#include "corpus/Corpus.h"

#include <fmt/core.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "cli/Commands.h"
#include "support/FileIO.h"

namespace dw::cli {
namespace fs = std::filesystem;
namespace {

struct CorpusArgs {
  std::vector<std::string> dirs, overrides;
  std::string projects_file, out;
  uint64_t max_bytes = 10'000'000;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  bool json = false;
};

std::string default_name(const fs::path& dir) {
  auto n = fs::absolute(dir).lexically_normal();
  if (n.filename().empty()) n = n.parent_path();  // "dir/" -> "dir"
  return n.filename().string();
}

// DIR, or NAME=DIR when the argument is not itself an existing directory.
ProjectSpec parse_project_arg(const std::string& a) {
  std::error_code ec;
  auto eq = a.find('=');
  if (eq != std::string::npos && eq > 0 && !fs::is_directory(a, ec)) return {a.substr(0, eq), a.substr(eq + 1)};
  return {default_name(a), a};
}

std::vector<ProjectSpec> read_projects_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<ProjectSpec> out;
  std::string line;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos)
      out.push_back({default_name(line), line});
    else if (tab == 0 || tab + 1 == line.size())
      throw std::runtime_error(fmt::format("{}:{}: expected name<TAB>dir", path, n));
    else
      out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

void run(const CorpusArgs& a) {
  std::vector<ProjectSpec> projects;
  if (!a.projects_file.empty()) projects = read_projects_file(a.projects_file);
  for (const auto& d : a.dirs) projects.push_back(parse_project_arg(d));
  if (projects.empty()) throw std::runtime_error("no projects: give directories or --projects FILE");

  CorpusOptions opt;
  opt.max_bytes = a.max_bytes;
  opt.threads = a.threads;
  opt.progress = true;  // Progress draws only on a terminal
  for (const auto& o : a.overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::runtime_error("--split-override wants NAME=SPLIT, got '" + o + "'");
    opt.split_overrides[o.substr(0, eq)] = parse_split(o.substr(eq + 1));
  }

  auto t0 = std::chrono::steady_clock::now();
  auto res = build_corpus(projects, opt);
  fs::create_directories(a.out);
  remove_stale_temps(a.out);  // left by a killed earlier run
  write_manifest(fs::path(a.out) / "manifest.tsv", res.entries);
  auto summary = corpus_summary_json(res, opt);
  write_file_atomic(fs::path(a.out) / "corpus.json", summary);
  write_file_atomic(fs::path(a.out) / "skipped.tsv", skipped_tsv(res));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  for (const auto& [name, split] : res.stats.overrides_unused)
    fmt::print(stderr, "dotwise corpus: warning: --split-override {}={}: no such project\n", name, split);
  if (a.json) {
    fmt::print("{}", summary);
    return;
  }
  const auto& st = res.stats;
  uint64_t skipped = 0;
  for (const auto& t : st.skipped) skipped += t.files;
  fmt::print(stderr, "dotwise corpus: {} files seen, {} kept, {} skipped, {:.1f}s -> {}/manifest.tsv\n", st.seen,
             res.entries.size(), skipped, secs, a.out);
  for (const char* s : {"train", "valid", "test"}) {
    const auto& t = st.per_split.at(s);
    fmt::print(stderr, "  {:<6} {:>6} projects {:>8} files {:>11} lines {:>8.1f} MB\n", s, st.projects_per_split.at(s),
               t.files, t.lines, double(t.bytes) / 1e6);
  }
  for (size_t k = 0; k < st.skipped.size(); ++k)
    if (st.skipped[k].files)
      fmt::print(stderr, "  skipped {:<10} {:>8} files {:>11} lines\n", corpus_skip_name(CorpusSkip(k)),
                 st.skipped[k].files, st.skipped[k].lines);
}

}  // namespace

void add_corpus(CLI::App& app) {
  auto a = std::make_shared<CorpusArgs>();
  auto* sub =
      app.add_subcommand("corpus", "Select, dedup and split Python files of project directories into a manifest");
  sub->add_option("dirs", a->dirs, "project directories (DIR or NAME=DIR; name defaults to the basename)");
  sub->add_option("--projects", a->projects_file, "file of projects, one 'name<TAB>dir' a line");
  sub->add_option("-o,--out", a->out, "output directory (manifest.tsv, corpus.json)")->required();
  sub->add_option("--split-override", a->overrides, "NAME=SPLIT (train, valid, test); repeatable");
  sub->add_option("--max-bytes", a->max_bytes, "skip files larger than this")->capture_default_str();
  sub->add_option("-j,--threads", a->threads, "threads for reading and hashing")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  sub->add_flag("--json", a->json, "print the summary (corpus.json) to stdout");
  sub->callback([a] { run(*a); });
}

}  // namespace dw::cli
