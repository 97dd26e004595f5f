// `dotwise eval --protocol editor INPUT...`: every site completed as `dotwise serve` completes it
// (eval/EditorProtocol), the learned ranker against the model ordering it replaces, overall and per
// receiver kind, with a paired bootstrap; `--dump-features` writes the ranker's training rows.
#include <fmt/core.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/Commands.h"
#include "corpus/Corpus.h"
#include "corpus/Manifest.h"
#include "eval/Bootstrap.h"
#include "eval/EditorProtocol.h"
#include "lsp/Settings.h"
#include "rank/FeatureFile.h"
#include "rank/LearnedRanker.h"
#include "support/Hash.h"

namespace dw::cli {
namespace fs = std::filesystem;

namespace {
const char* kKindNames[] = {"self", "module", "name", "call/subscript", "other"};

// A corpus (manifest.tsv: its projects of `split`), or directories: each subdirectory a project, or
// the directory itself when it holds .py files at its top.
std::vector<EditorProject> projects_of(const std::vector<std::string>& inputs, const std::string& split,
                                       size_t max_projects) {
  std::vector<EditorProject> out;
  for (const auto& in : inputs) {
    fs::path dir = fs::absolute(in);
    if (fs::exists(dir / "manifest.tsv")) {
      std::map<std::string, EditorProject> by;
      for (const auto& e : read_manifest(dir / "manifest.tsv")) {
        if (e.split != split) continue;
        auto& p = by[e.project];
        if (p.name.empty()) {
          p.name = e.project;
          auto full = e.path.generic_string();
          p.root = full.size() > e.relpath.size() ? fs::path(full.substr(0, full.size() - e.relpath.size())) : dir;
        }
        p.files.push_back(e.path);
      }
      for (auto& [n, p] : by) out.push_back(std::move(p));
      continue;
    }
    if (!fs::is_directory(dir)) throw std::runtime_error(in + ": not a directory");
    std::vector<fs::path> subs;
    bool top_py = false;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.is_directory() && !e.path().filename().string().starts_with("."))
        subs.push_back(e.path());
      else if (e.path().extension() == ".py")
        top_py = true;
    }
    if (top_py || subs.empty()) subs = {dir};
    std::sort(subs.begin(), subs.end());
    for (const auto& s : subs) {
      EditorProject p{s.filename().string(), s, {}};
      WalkStats ws;
      for (auto& f : list_project_files({s}, IndexLimits{}, ws)) p.files.push_back(f.path);
      if (!p.files.empty()) out.push_back(std::move(p));
    }
  }
  // A stable sample of projects, by a hash of the name, when asked for fewer.
  if (max_projects && out.size() > max_projects) {
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return fnv1a64(a.name) < fnv1a64(b.name); });
    out.resize(max_projects);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  return out;
}

struct Row {
  uint64_t n = 0, listed = 0, top1 = 0, top5 = 0;
  double rr = 0;
  void add(uint32_t rank) {
    ++n;
    if (rank == kMiss) return;
    ++listed;
    top1 += rank == 1;
    top5 += rank <= 5;
    rr += 1.0 / rank;
  }
  nlohmann::json json() const {
    auto d = [&](double x) { return n ? x / double(n) : 0.0; };
    return {{"sites", n},
            {"in_list", d(double(listed))},
            {"top1", d(double(top1))},
            {"top5", d(double(top5))},
            {"mrr", d(rr)}};
  }
};
}  // namespace

EditorEvalArgs& editor_eval_args() {
  static EditorEvalArgs a;
  return a;
}

namespace {

// One model (with its learned ranker) through the editor protocol.
struct ModelRun {
  std::string model_path, ranker_file, learned_name;
  EditorRun run;
  uint64_t dumped_groups = 0;
};

ModelRun run_one(const std::vector<EditorProject>& projects, const std::string& model_path,
                 const TypeshedIndex& typeshed, const EditorOptions& opt, bool first) {
  const EditorEvalArgs& a = editor_eval_args();
  ModelRun out;
  out.model_path = model_path;
  std::unique_ptr<Model> model;
  if (!model_path.empty()) model = std::make_unique<Model>(Model::open(model_path));
  TreeEnsemble ranker;
  // --ranker-file is the first model's; the others use the ranker beside them.
  out.ranker_file = first ? a.ranker_file : "";
  if (out.ranker_file.empty() && model && fs::exists(ranker_path_for(model_path)))
    out.ranker_file = ranker_path_for(model_path);
  if (!out.ranker_file.empty() && !a.no_ranker) ranker = load_ranker(out.ranker_file, model ? &model->file() : nullptr);
  std::unique_ptr<FeatureWriter> dump;
  if (first && !a.dump_features.empty()) dump = std::make_unique<FeatureWriter>(a.dump_features);
  SiteSink sink;
  if (dump)
    sink = [&](const EditorSite& s, const CompletionResult& r, const std::string& truth) {
      dump->add(r, truth, s.project);
    };
  out.run = run_editor_protocol(projects, model.get(), typeshed, ranker.empty() ? nullptr : &ranker, opt, sink);
  if (dump) {
    dump->close();
    out.dumped_groups = dump->groups();
    fmt::print(stderr, "{} groups written to {}\n", dump->groups(), a.dump_features);
  }
  out.learned_name = ranker.empty() ? "heuristic" : "learned";
  return out;
}

nlohmann::json diff_json(const PairedDiff& d) { return {{"diff", d.diff}, {"lo", d.lo}, {"hi", d.hi}}; }

// Paired bootstrap of ordering a against ordering b on the same sites (top-1 and MRR).
nlohmann::json compare(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, int bootstrap, uint64_t seed) {
  auto d = paired_rank_bootstrap(a, b, bootstrap, seed);
  return {{"top1", diff_json(d.top1)}, {"mrr", diff_json(d.mrr)}};
}

}  // namespace

void run_editor_eval(const std::vector<std::string>& inputs, const std::string& split,
                     const std::vector<std::string>& models, uint64_t cap, unsigned threads, bool json, int bootstrap,
                     uint64_t seed, const std::vector<std::string>& stubs) {
  const EditorEvalArgs& a = editor_eval_args();
  auto projects = projects_of(inputs, split, a.max_projects);
  if (projects.empty()) throw std::runtime_error("no projects to evaluate");
  std::vector<std::string> paths = models;
  if (paths.empty()) paths.push_back(lsp::default_model_path());

  auto roots = TypeshedIndex::default_roots();
  for (const auto& s : stubs) roots.insert(roots.begin(), s);
  TypeshedIndex typeshed(roots);
  EditorOptions opt;
  opt.cap = cap;
  opt.threads = threads ? threads : std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  opt.index = !a.no_index;
  opt.engine = a.engine;
  opt.engine.scan = a.scan == "parse" ? ScanKind::Parse : ScanKind::Tokens;
  opt.window = a.window;
  opt.predictor = a.predictor;

  std::vector<ModelRun> runs;
  for (size_t m = 0; m < paths.size(); ++m) {
    runs.push_back(run_one(projects, paths[m], typeshed, opt, m == 0));
    const auto& first = runs.front().run.sites;
    const auto& now = runs.back().run.sites;
    bool same = first.size() == now.size();
    for (size_t i = 0; same && i < now.size(); ++i) same = first[i].key == now[i].key;
    if (!same) throw std::logic_error("editor protocol: the models were not evaluated on the same sites");
  }

  // Orderings: each model's learned (or heuristic) list and its model ordering; names get the model's file
  // stem when there are several models.
  std::vector<std::pair<std::string, std::vector<uint32_t>>> orderings;
  for (const auto& r : runs) {
    std::string suffix = runs.size() > 1 ? "@" + fs::path(r.model_path).stem().string() : "";
    std::vector<uint32_t> learned, model;
    for (const auto& s : r.run.sites) learned.push_back(s.learned), model.push_back(s.model);
    orderings.push_back({r.learned_name + suffix, std::move(learned)});
    orderings.push_back({"model" + suffix, std::move(model)});
  }
  const auto& sites = runs.front().run.sites;
  nlohmann::json j;
  j["protocol"] = "editor";
  j["split"] = split;
  j["projects"] = runs.front().run.projects.size();
  j["sites"] = sites.size();
  j["cap"] = cap;
  j["index"] = opt.index;
  j["model"] = runs.front().model_path;
  j["ranker"] = runs.front().ranker_file;
  j["seconds"] = runs.front().run.seconds;
  for (size_t m = 1; m < runs.size(); ++m)
    j["also"].push_back(
        {{"model", runs[m].model_path}, {"ranker", runs[m].ranker_file}, {"seconds", runs[m].run.seconds}});
  for (const auto& [name, ranks] : orderings) {
    std::array<Row, 6> r;
    for (size_t i = 0; i < sites.size(); ++i) {
      r[0].add(ranks[i]);
      r[size_t(1 + std::min(sites[i].receiver_kind, 4))].add(ranks[i]);
    }
    j["orderings"][name]["all"] = r[0].json();
    for (size_t k = 0; k < 5; ++k) j["orderings"][name][kKindNames[k]] = r[k + 1].json();
  }
  // Each model's list against its own model ordering; with several models, the first's list against
  // each other's (the ship gate for a new default: the same sites, both as the server would rank them).
  for (size_t m = 0; m < runs.size(); ++m) {
    auto c = compare(orderings[2 * m].second, orderings[2 * m + 1].second, bootstrap, seed);
    c["a"] = orderings[2 * m].first, c["b"] = orderings[2 * m + 1].first;
    j["compare"].push_back(c);
  }
  for (size_t m = 1; m < runs.size(); ++m)
    for (size_t k : {0, 1}) {
      auto c = compare(orderings[k].second, orderings[2 * m + k].second, bootstrap, seed);
      c["a"] = orderings[k].first, c["b"] = orderings[2 * m + k].first;
      j["compare"].push_back(c);
    }
  if (!a.dump_features.empty()) j["dumped_groups"] = runs.front().dumped_groups;
  if (json) {
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("editor protocol: {} sites in {} projects ({} split, cap {}, index {}), {:.0f} s\n", sites.size(),
             runs.front().run.projects.size(), split, cap, opt.index ? "on" : "off", runs.front().run.seconds);
  fmt::print("{:<32} {:<15} {:>6} {:>8} {:>6} {:>6} {:>6}\n", "ordering", "receiver", "sites", "in list", "top-1",
             "top-5", "MRR");
  for (const auto& [name, ranks] : orderings)
    for (size_t k = 0; k < 6; ++k) {
      const auto& x = j["orderings"][name][k ? kKindNames[k - 1] : "all"];
      fmt::print("{:<32} {:<15} {:>6} {:>8.3f} {:>6.3f} {:>6.3f} {:>6.3f}\n", name, k ? kKindNames[k - 1] : "all",
                 x["sites"].get<uint64_t>(), x["in_list"].get<double>(), x["top1"].get<double>(),
                 x["top5"].get<double>(), x["mrr"].get<double>());
    }
  for (const auto& c : j["compare"])
    fmt::print(
        "{} - {}: top-1 {:+.3f} [{:+.3f}, {:+.3f}], MRR {:+.3f} [{:+.3f}, {:+.3f}] (paired bootstrap, {} resamples)\n",
        c["a"].get<std::string>(), c["b"].get<std::string>(), c["top1"]["diff"].get<double>(),
        c["top1"]["lo"].get<double>(), c["top1"]["hi"].get<double>(), c["mrr"]["diff"].get<double>(),
        c["mrr"]["lo"].get<double>(), c["mrr"]["hi"].get<double>(), bootstrap);
}

}  // namespace dw::cli
