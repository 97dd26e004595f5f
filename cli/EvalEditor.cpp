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
      if (e.is_directory() && !e.path().filename().string().starts_with(".")) subs.push_back(e.path());
      else if (e.path().extension() == ".py") top_py = true;
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
    return {{"sites", n}, {"in_list", d(double(listed))}, {"top1", d(double(top1))}, {"top5", d(double(top5))},
            {"mrr", d(rr)}};
  }
};
}  // namespace

EditorEvalArgs& editor_eval_args() {
  static EditorEvalArgs a;
  return a;
}

void run_editor_eval(const std::vector<std::string>& inputs, const std::string& split,
                     const std::vector<std::string>& models, uint64_t cap, unsigned threads, bool json, int bootstrap,
                     uint64_t seed, const std::vector<std::string>& stubs) {
  const EditorEvalArgs& a = editor_eval_args();
  auto projects = projects_of(inputs, split, a.max_projects);
  if (projects.empty()) throw std::runtime_error("no projects to evaluate");
  std::string model_path = models.empty() ? lsp::default_model_path() : models.front();
  std::unique_ptr<Model> model;
  if (!model_path.empty()) model = std::make_unique<Model>(Model::open(model_path));
  TreeEnsemble ranker;
  std::string ranker_file = a.ranker_file;
  if (ranker_file.empty() && model && fs::exists(ranker_path_for(model_path))) ranker_file = ranker_path_for(model_path);
  if (!ranker_file.empty() && !a.no_ranker) ranker = load_ranker(ranker_file, model ? &model->file() : nullptr);

  auto roots = TypeshedIndex::default_roots();
  for (const auto& s : stubs) roots.insert(roots.begin(), s);
  TypeshedIndex typeshed(roots);
  EditorOptions opt;
  opt.cap = cap;
  opt.threads = threads ? threads : std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  opt.index = !a.no_index;
  opt.engine = a.engine;
  std::unique_ptr<FeatureWriter> dump;
  if (!a.dump_features.empty()) dump = std::make_unique<FeatureWriter>(a.dump_features);
  SiteSink sink;
  if (dump) sink = [&](const EditorSite& s, const CompletionResult& r, const std::string& truth) { dump->add(r, truth, s.project); };
  EditorRun run = run_editor_protocol(projects, model.get(), typeshed, ranker.empty() ? nullptr : &ranker, opt, sink);
  if (dump) dump->close();

  const std::string learned_name = ranker.empty() ? "heuristic" : "learned";
  std::map<std::string, std::array<Row, 6>> rows;  // ordering -> overall, then per kind
  std::vector<float> l1, m1, lr, mr;
  for (const auto& s : run.sites) {
    for (auto [name, rank] : {std::pair{learned_name, s.learned}, std::pair{std::string("model"), s.model}}) {
      rows[name][0].add(rank);
      rows[name][size_t(1 + std::min(s.receiver_kind, 4))].add(rank);
    }
    l1.push_back(s.learned == 1), m1.push_back(s.model == 1);
    lr.push_back(s.learned ? 1.0f / float(s.learned) : 0.0f), mr.push_back(s.model ? 1.0f / float(s.model) : 0.0f);
  }
  auto d1 = paired_bootstrap(l1, m1, bootstrap, seed), dr = paired_bootstrap(lr, mr, bootstrap, seed);
  nlohmann::json j;
  j["protocol"] = "editor";
  j["split"] = split;
  j["projects"] = run.projects.size();
  j["sites"] = run.sites.size();
  j["cap"] = cap;
  j["index"] = opt.index;
  j["model"] = model_path;
  j["ranker"] = ranker_file;
  j["seconds"] = run.seconds;
  for (auto& [name, r] : rows) {
    j["orderings"][name]["all"] = r[0].json();
    for (size_t k = 0; k < 5; ++k) j["orderings"][name][kKindNames[k]] = r[k + 1].json();
  }
  auto diff = [](const PairedDiff& d) { return nlohmann::json{{"diff", d.diff}, {"lo", d.lo}, {"hi", d.hi}}; };
  j["compare"] = {{"a", learned_name}, {"b", "model"}, {"top1", diff(d1)}, {"mrr", diff(dr)}};
  if (dump) j["dumped_groups"] = dump->groups();
  if (json) {
    fmt::print("{}\n", j.dump(2));
    return;
  }
  fmt::print("editor protocol: {} sites in {} projects ({} split, cap {}, index {}), {:.0f} s\n", run.sites.size(),
             run.projects.size(), split, cap, opt.index ? "on" : "off", run.seconds);
  fmt::print("{:<24} {:<15} {:>6} {:>8} {:>6} {:>6} {:>6}\n", "ordering", "receiver", "sites", "in list", "top-1",
             "top-5", "MRR");
  for (auto& [name, r] : rows)
    for (size_t k = 0; k < 6; ++k) {
      auto x = r[k].json();
      fmt::print("{:<24} {:<15} {:>6} {:>8.3f} {:>6.3f} {:>6.3f} {:>6.3f}\n", name, k ? kKindNames[k - 1] : "all",
                 r[k].n, x["in_list"].get<double>(), x["top1"].get<double>(), x["top5"].get<double>(),
                 x["mrr"].get<double>());
    }
  fmt::print("{} - model: top-1 {:+.3f} [{:+.3f}, {:+.3f}], MRR {:+.3f} [{:+.3f}, {:+.3f}] (paired bootstrap, {} resamples)\n",
             learned_name, d1.diff, d1.lo, d1.hi, dr.diff, dr.lo, dr.hi, bootstrap);
  if (dump) fmt::print("{} groups written to {}\n", dump->groups(), a.dump_features);
}

}  // namespace dw::cli
