// `dotwise eval`: ranks the member-access sites of a split (or of any directory of Python code, extracted
// on the fly) with one or more rankers and reports top-1/top-5/MRR under both candidate protocols.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "cli/Commands.h"
#include "corpus/Corpus.h"
#include "eval/Evaluate.h"
#include "eval/Report.h"
#include "lsp/Settings.h"
#include "rank/Baselines.h"
#include "rank/ModelRanker.h"
#include "support/FileIO.h"
#include "support/Parallel.h"
#include "support/Progress.h"
#include "syntax/Extractor.h"

namespace dw::cli {
namespace fs = std::filesystem;

namespace {

struct EvalArgs {
  std::vector<std::string> inputs;
  std::string protocol = "paper";
  std::string input, split = "test", rankers = "alphabetic,frequency,frequency-if,markov";
  std::string vocab, train_data, plots, plot_format = "svg", compare;
  std::vector<std::string> stubs;
  uint64_t cap = 2000;
  unsigned threads = 0;
  int bootstrap = 1000;
  uint64_t seed = 1;
  bool json = false, calls_only = false, oov_slots = false, oov_sites_only = false;
  std::vector<std::string> models;  // each adds the neural ranker "model:<file stem>"
  size_t lookback = 0;
  bool no_default_model = false;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    auto end = s.find(',', at);
    if (end == std::string::npos) end = s.size();
    if (end > at) out.push_back(s.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

// Any directory of Python code: each subdirectory is a project (or the directory itself when it holds
// .py files at its top), cleaned by the corpus rules and extracted here, every file evaluated.
std::vector<std::vector<ShardFile>> extract_directory(const fs::path& dir, const TypeshedIndex& stubs, unsigned threads,
                                                      uint64_t* skipped) {
  std::vector<ProjectSpec> projects;
  bool top_level_py = false;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory() && !e.path().filename().string().starts_with("."))
      projects.push_back({e.path().filename().string(), e.path()});
    else if (e.is_regular_file() && e.path().extension() == ".py")
      top_level_py = true;
  }
  if (top_level_py || projects.empty()) projects = {{fs::absolute(dir).filename().string(), dir}};
  std::sort(projects.begin(), projects.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  CorpusOptions copt;
  copt.threads = threads;
  auto corpus = build_corpus(projects, copt);
  if (corpus.entries.empty()) throw std::runtime_error(dir.string() + ": no Python files to evaluate");

  Extractor ex(stubs);
  std::vector<ShardFile> files(corpus.entries.size());
  std::vector<uint8_t> ok(files.size(), 0);
  Progress bar("extract", files.size());
  parallel_for(files.size(), threads, [&](size_t i) {
    const auto& e = corpus.entries[i];
    auto rd = read_file(e.path, 10u << 20);
    if (rd.error.empty()) {
      auto r = ex.extract(rd.data);
      if (r.skip == Skip::None) {
        files[i] = {e.project, e.relpath, std::move(r.file)};
        ok[i] = 1;
      }
    }
    bar.advance();
  });
  bar.finish();
  std::vector<std::vector<ShardFile>> units(1);
  for (size_t i = 0; i < files.size(); ++i) {
    if (!ok[i]) {
      ++*skipped;
      continue;
    }
    if (units.back().size() >= 200) units.emplace_back();
    units.back().push_back(std::move(files[i]));
  }
  *skipped += corpus.skipped.size();
  return units;
}

void run(const EvalArgs& a) {
  auto t0 = std::chrono::steady_clock::now();
  const unsigned threads = a.threads ? a.threads : std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  const fs::path input = a.input;
  if (!fs::is_directory(input)) throw std::runtime_error(a.input + ": not a directory");
  auto shards = list_shards(input, a.split);
  const bool on_the_fly = shards.empty();

  // With no --model, the default model (models/default.dwm or $DOTWISE_MODEL) is ranked too, when present.
  std::vector<std::string> model_paths = a.models;
  const bool default_model = model_paths.empty() && !a.no_default_model && !lsp::default_model_path().empty();
  if (default_model) model_paths.push_back(lsp::default_model_path());
  std::vector<std::unique_ptr<Model>> models;  // shared read-only by the worker threads
  for (const auto& path : model_paths) models.push_back(std::make_unique<Model>(Model::open(path)));

  // The vocabulary: --vocab, else the data's own, else (a directory of code) the first model's.
  std::optional<Vocab> vocab_store;
  fs::path vocab_path;
  if (!a.vocab.empty() || !on_the_fly) {
    vocab_path = fs::absolute(!a.vocab.empty() ? fs::path(a.vocab) : input / "vocab.tsv");
    vocab_store = Vocab::load(vocab_path);
  } else if (!models.empty()) {
    vocab_store = model_vocab(models.front()->file());
  } else {
    throw std::runtime_error(a.input + ": no " + a.split +
                             "-*.dws shards; to evaluate a directory of Python code, give --model M.dwm or --vocab "
                             "DATA/vocab.tsv");
  }
  const Vocab& vocab = *vocab_store;
  // Baselines learn from train shards: --train-data, the data itself, or those beside --vocab.
  fs::path train_dir = !a.train_data.empty() ? fs::path(a.train_data)
                       : !on_the_fly         ? input
                       : !vocab_path.empty() ? vocab_path.parent_path()
                                             : fs::path();

  auto names = split_list(a.rankers);
  if (names.empty()) throw std::runtime_error("--rankers: give at least one ranker");
  bool need_stats = std::any_of(names.begin(), names.end(), [](const auto& n) { return n != "alphabetic"; });
  std::erase_if(names, [](const std::string& n) { return n == "none"; });
  for (const auto& n : names)
    if (!is_baseline(n))
      throw std::runtime_error("--rankers: unknown ranker '" + n +
                               "' (known: alphabetic, frequency, frequency-if, markov)");
  // Training members per class also feed the typed candidates, so the stats are loaded whenever they exist.
  std::unique_ptr<BaselineStats> stats;
  bool rebuilt = false;
  if (train_dir.empty()) {
    if (!names.empty() && !models.empty())
      fmt::print(stderr, "note: baselines skipped: they learn from training data (give --train-data DATA)\n");
    names.clear();
  } else if (need_stats || !list_shards(train_dir, "train").empty())
    stats = std::make_unique<BaselineStats>(BaselineStats::load_or_build(train_dir, threads, &rebuilt));
  auto t_stats = std::chrono::steady_clock::now();

  std::vector<RankerFactory> factories;
  static const BaselineStats no_stats;  // alphabetic alone needs no training data
  const BaselineStats* s = stats ? stats.get() : &no_stats;
  for (const auto& n : names) factories.push_back({n, [n, s] { return make_baseline(n, *s); }});
  // Each ranker gets its own session over the shared model.
  for (size_t i = 0; i < models.size(); ++i) {
    const auto& path = model_paths[i];
    // A model trained on another vocabulary is ranked with its own: files are encoded again for it and
    // candidates found by name. The candidates stay the data's, so models of different vocabularies are
    // compared on the same lists (a member the model cannot emit is ranked last).
    std::shared_ptr<const Vocab> own;
    try {
      check_model_vocab(models[i]->file(), vocab);
    } catch (const std::runtime_error& e) {
      own = std::make_shared<const Vocab>(model_vocab(models[i]->file()));
      fmt::print(stderr, "note: {}: {}; its files are encoded with its own vocabulary\n", path, e.what());
    }
    const Model* m = models[i].get();
    std::string name = "model:" + fs::path(path).stem().string();
    size_t lookback = a.lookback;
    factories.push_back(
        {name, [m, name, lookback, own] { return std::make_unique<ModelRanker>(*m, name, lookback, own); }});
  }
  if (factories.empty()) throw std::runtime_error("no rankers: give --rankers and/or --model");

  auto roots = TypeshedIndex::default_roots();
  for (const auto& extra : a.stubs) roots.insert(roots.begin(), extra);
  TypeshedIndex typeshed(roots);
  CandidateLists cands(vocab, stats.get(), [&typeshed](std::string_view cls) { return typeshed.members(cls); });

  uint64_t skipped = 0;
  std::unique_ptr<FileSource> source;
  if (on_the_fly)
    source = std::make_unique<MemorySource>(extract_directory(input, typeshed, threads, &skipped));
  else
    source = std::make_unique<ShardSource>(shards);

  EvalOptions opt;
  opt.cap = a.cap;
  opt.calls_only = a.calls_only;
  opt.oov_slots = a.oov_slots;
  opt.oov_sites_only = a.oov_sites_only;
  opt.threads = threads;
  EvalRun result = evaluate(*source, vocab, cands, factories, opt);
  auto t_eval = std::chrono::steady_clock::now();

  std::vector<Comparison> cmp;
  if (!a.compare.empty()) {
    auto pair = split_list(a.compare);
    if (pair.size() != 2) throw std::runtime_error("--compare wants two rankers: A,B");
    cmp = compare_rankers(result, pair[0], pair[1], a.bootstrap, a.seed);
  }
  std::vector<fs::path> charts;
  if (!a.plots.empty()) charts = write_plots(result, a.plots, a.plot_format);
  auto t_end = std::chrono::steady_clock::now();
  auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };

  if (a.json) {
    auto j = report_json(result, cmp);
    j["input"] = a.input;
    j["split"] = on_the_fly ? "(directory)" : a.split;
    j["skipped_files"] = skipped;
    j["baselines"] =
        stats
            ? nlohmann::json{{"train_sites", stats->n_sites()}, {"train_files", stats->n_files()}, {"rebuilt", rebuilt}}
            : nlohmann::json(nullptr);
    j["seconds"] = {{"baselines", secs(t_stats - t0)}, {"eval", secs(t_eval - t_stats)}, {"total", secs(t_end - t0)}};
    for (const auto& c : charts) j["plots"].push_back(c.string());
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("{}", format_report(result, cmp));
  if (stats)
    fmt::print("\nbaselines learned from {} train sites in {} files ({}, {:.1f} s)\n", stats->n_sites(),
               stats->n_files(), rebuilt ? "built and saved to " + (train_dir / "baselines.bin").string() : "loaded",
               secs(t_stats - t0));
  if (skipped) fmt::print("{} files skipped (cleaning rules or extraction)\n", skipped);
  for (const auto& c : charts) fmt::print("plot: {}\n", c.string());
  fmt::print("eval took {:.1f} s ({} threads)\n", secs(t_end - t0), threads);
}

}  // namespace

void add_eval(CLI::App& app) {
  static EvalArgs a;
  auto* cmd = app.add_subcommand(
      "eval", "Rank member completions at every site of a split with baselines (or models) and report top-k and MRR");
  cmd->add_option("data", a.inputs,
                  "Extracted data directory (shards + vocab.tsv), or a directory of Python code; with --protocol "
                  "editor: corpora (manifest.tsv) or directories of projects, several allowed")
      ->required();
  cmd->add_option("--protocol", a.protocol,
                  "paper: the vocabulary-wide and typed protocols over extracted sites; editor: each site completed "
                  "as `dotwise serve` does (cut after the dot, project index, learned ranker vs model ordering)")
      ->check(CLI::IsMember({"paper", "editor"}))
      ->capture_default_str();
  auto& ed = editor_eval_args();
  cmd->add_option("--dump-features", ed.dump_features, "editor: write the learned ranker's training rows here");
  cmd->add_option("--ranker-file", ed.ranker_file, "editor: the ranker (default: the model's .dwr)");
  cmd->add_flag("--no-ranker", ed.no_ranker, "editor: leave the learned ranker out (candidates unranked)");
  cmd->add_flag("--no-index", ed.no_index, "editor: no project index (what it adds)");
  cmd->add_option("--cascade-trees", ed.engine.cascade_trees, "editor: trees every candidate gets")
      ->capture_default_str();
  cmd->add_option("--cascade-keep", ed.engine.cascade_keep, "editor: candidates that get every tree (0: all)")
      ->capture_default_str();
  cmd->add_option("--scan-before", ed.engine.scan_before, "editor: bytes scanned before the cursor")
      ->capture_default_str();
  cmd->add_option("--scan-after", ed.engine.scan_after, "editor: bytes scanned after the cursor")
      ->capture_default_str();
  cmd->add_option("--scan", ed.scan,
                  "editor: how the engine reads the document and the index each project: tokens or parse")
      ->check(CLI::IsMember({"tokens", "parse"}))
      ->capture_default_str();
  cmd->add_option("--context-lines", ed.window.max_lines,
                  "editor: lines above the cursor parsed for the model (0: all)")
      ->capture_default_str();
  cmd->add_option("--model-lookback", ed.predictor.lookback, "editor: tokens of context the model sees")
      ->capture_default_str();
  cmd->add_option("--max-projects", ed.max_projects, "editor: a stable sample of this many projects (0: all)");
  cmd->add_option("--split", a.split, "Split to evaluate: train, valid or test")->capture_default_str();
  cmd->add_option("--rankers", a.rankers, "Comma-separated baselines (or none)")->capture_default_str();
  cmd->add_option("--model", a.models, "A .dwm model to rank with as well (repeatable; named model:<file stem>)");
  cmd->add_flag("--no-default-model", a.no_default_model,
                "Do not rank with the default model when no --model is given");
  cmd->add_option("--lookback", a.lookback,
                  "Model context: the last N tokens before the site (0: the whole file prefix)")
      ->capture_default_str();
  cmd->add_option("--cap", a.cap, "Sites per project at most (0: no cap)")->capture_default_str();
  cmd->add_flag("--calls-only", a.calls_only, "Only `recv.name(...)` call sites (the paper's method calls)");
  cmd->add_flag("--oov-slots", a.oov_slots,
                "Vocabulary-wide list: also offer the file's out-of-vocabulary tokens seen before the site");
  cmd->add_flag("--oov-sites-only", a.oov_sites_only,
                "Only sites whose member is outside the vocabulary but earlier in the file");
  cmd->add_option("--compare", a.compare, "A,B: difference A - B in top-1 and MRR with a paired bootstrap 95% CI");
  cmd->add_option("--bootstrap", a.bootstrap, "Bootstrap resamples for --compare")->capture_default_str();
  cmd->add_option("--seed", a.seed, "Bootstrap seed")->capture_default_str();
  cmd->add_flag("--json", a.json, "Print the report as JSON");
  cmd->add_option("--plots", a.plots, "Write charts (top-k curves, per-class bars) and their data into this directory");
  cmd->add_option("--plot-format", a.plot_format, "svg or png")
      ->check(CLI::IsMember({"svg", "png"}))
      ->capture_default_str();
  cmd->add_option("--vocab", a.vocab,
                  "Vocabulary (default: DATA/vocab.tsv; for a directory of Python code, the model's)");
  cmd->add_option("--train-data", a.train_data,
                  "Where the train shards for the baselines are (default: beside the vocabulary)");
  cmd->add_option("--stubs", a.stubs, "Extra directory of .pyi stubs (searched before typeshed)");
  cmd->add_option("-j,--threads", a.threads, "Worker threads (0: up to 2)")->capture_default_str();
  cmd->callback([] {
    if (a.protocol == "editor") {
      uint64_t cap = a.cap == 2000 ? 100 : a.cap;  // the paper's 2000 would take hours at editor speed
      return run_editor_eval(a.inputs, a.split, a.models, cap, a.threads, a.json, a.bootstrap, a.seed, a.stubs);
    }
    if (a.inputs.size() != 1) throw CLI::ValidationError("data", "the paper protocol takes one directory");
    a.input = a.inputs.front();
    run(a);
  });
}

}  // namespace dw::cli
