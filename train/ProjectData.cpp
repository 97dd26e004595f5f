#include "train/ProjectData.h"

#include <fmt/core.h>

#include <stdexcept>

#include "corpus/Corpus.h"
#include "corpus/ExtractJob.h"
#include "corpus/Shard.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw::train {
namespace fs = std::filesystem;

bool is_source_tree(const fs::path& dir) {
  if (!fs::is_directory(dir) || fs::exists(dir / "vocab.tsv")) return false;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".dws") return false;
  return true;
}

bool held_out(std::string_view relpath, uint32_t percent) { return hash64(relpath) % 100 < percent; }

ProjectData prepare_project(const fs::path& project, const Vocab& vocab, const fs::path& out, unsigned threads,
                            uint32_t percent) {
  auto root = fs::weakly_canonical(project);
  std::string name = root.filename().string();
  if (name.empty()) name = "project";
  CorpusOptions co;
  co.threads = threads;
  auto corpus = build_corpus({{name, root}}, co);
  if (corpus.entries.empty())
    throw std::runtime_error(project.string() + ": no Python file to learn from (" + std::to_string(corpus.stats.seen) +
                             " *.py found, all skipped by the corpus rules)");

  std::string split_tsv = fmt::format("# dotwise-split 1 held_out_percent={}\n", percent);
  for (auto& e : corpus.entries) {
    e.split = held_out(e.relpath, percent) ? "valid" : "train";
    split_tsv += e.split + "\t";
    escape_field(split_tsv, e.relpath);
    split_tsv += "\n";
  }

  // Shards of an earlier, different file set must not linger beside the new ones.
  if (fs::exists(out))
    for (const auto& e : fs::directory_iterator(out))
      if (e.path().extension() == ".dws" || e.path().filename().string().ends_with(".skips.json")) fs::remove(e.path());
  fs::create_directories(out);
  write_file_atomic(out / "split.tsv", split_tsv);
  write_file_atomic(out / "skipped.tsv", skipped_tsv(corpus));
  vocab.save(out / "vocab.tsv");

  ExtractJobOptions eo;
  eo.out = out;
  eo.vocab = out / "vocab.tsv";
  eo.threads = threads;
  auto report = run_extract(corpus.entries, eo);

  ProjectData d;
  d.skipped_files = corpus.skipped.size();
  auto get = [&](const char* split, const char* key) -> uint64_t {
    if (!report.contains("splits") || !report["splits"].contains(split)) return 0;
    return report["splits"][split].value(key, uint64_t(0));
  };
  d.train_files = get("train", "files");
  d.valid_files = get("valid", "files");
  d.train_sites = get("train", "sites");
  d.valid_sites = get("valid", "sites");
  if (d.train_files == 0)
    throw std::runtime_error(project.string() + ": no training file left after extraction (see " +
                             (out / "stats.json").string() + ")");
  return d;
}

}  // namespace dw::train
