// `dotwise complete FILE:LINE:COL`: what the server would offer after the "." at that position —
// the candidates (stubs, the project, the file's own usage, the model's vocabulary), ranked the way
// `dotwise serve` ranks them (rank/CompletionEngine), with probabilities.
#include <fmt/core.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "lsp/Documents.h"
#include "rank/Predictor.h"
#include "lsp/Ranking.h"
#include "lsp/Settings.h"
#include "rank/CompletionEngine.h"
#include "rank/LearnedRanker.h"
#include "support/FileIO.h"

namespace dw::cli {

namespace {
struct Where {
  std::string file;
  int64_t line = 0, col = 0;  // 1-based
};

Where parse_where(const std::string& s) {
  auto c2 = s.rfind(':');
  auto c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : s.rfind(':', c2 - 1);
  if (c1 == std::string::npos)
    throw std::runtime_error("'" + s + "': expected FILE:LINE:COL (1-based, e.g. demo.py:12:8)");
  Where w{s.substr(0, c1)};
  try {
    w.line = std::stoll(s.substr(c1 + 1, c2 - c1 - 1));
    w.col = std::stoll(s.substr(c2 + 1));
  } catch (const std::exception&) {
    throw std::runtime_error("'" + s + "': LINE and COL must be numbers (1-based)");
  }
  if (w.line < 1 || w.col < 1) throw std::runtime_error("'" + s + "': LINE and COL start at 1");
  return w;
}
}  // namespace

void add_complete(CLI::App& app) {
  auto* cmd =
      app.add_subcommand("complete", "Rank the members offered after the \".\" at FILE:LINE:COL, with probabilities");
  static std::string where, model;
  static size_t n = 10;
  static bool json = false;
  static std::vector<std::string> stubs;
  static std::string project, ranker = "learned";
  cmd->add_option("position", where, "FILE:LINE:COL, 1-based; COL counts characters (the cursor is before it)")
      ->required();
  cmd->add_option("--model", model, "Model file (.dwm); default: $DOTWISE_MODEL or models/default.dwm");
  cmd->add_option("-n", n, "How many to print")->capture_default_str();
  cmd->add_option("--stubs", stubs, "Extra directory of .pyi stubs (searched before typeshed)");
  cmd->add_flag("--json", json, "Print JSON");
  cmd->add_option("--project", project, "Index this directory first (the project the file belongs to)");
  cmd->add_option("--ranker", ranker, "learned or model")->check(CLI::IsMember({"learned", "model"}))->capture_default_str();
  cmd->callback([] {
    Where w = parse_where(where);
    auto rd = read_file(w.file, 10u << 20);
    if (!rd.error.empty()) throw std::runtime_error(w.file + ": " + rd.error);
    std::string path = model.empty() ? lsp::default_model_path() : model;
    if (path.empty()) throw std::runtime_error("no model: pass --model FILE.dwm or set DOTWISE_MODEL");
    auto roots = TypeshedIndex::default_roots();
    for (const auto& s : stubs) roots.insert(roots.begin(), s);
    TypeshedIndex index(roots);
    Extractor ex(index);
    Model m = Model::open(path);
    Predictor pred(m, ex);
    const size_t at = lsp::byte_offset(rd.data, w.line - 1, w.col - 1);
    auto p = pred.predict(w.file, std::string_view(rd.data).substr(0, at));
    if (!p)
      throw std::runtime_error(where +
                               ": not a member access (the cursor must follow `receiver.` or `receiver.prefix`)");
    std::unique_ptr<ProjectIndex> pindex;
    if (!project.empty()) {
      pindex = std::make_unique<ProjectIndex>();
      pindex->build({std::filesystem::absolute(project)});
    }
    TreeEnsemble learned;
    if (ranker == "learned" && std::filesystem::exists(ranker_path_for(path))) learned = load_ranker(ranker_path_for(path), &m.file());
    EngineOptions eo;
    eo.ranker = ranker == "model" ? RankerKind::Model : RankerKind::Learned;
    CompletionEngine engine(index, pindex.get(), learned.empty() ? nullptr : &learned, eo);
    auto r = engine.complete(*p, &pred, DocumentView{std::filesystem::absolute(w.file).string(), rd.data, at});
    std::erase_if(r.items, [&](const MemberCandidate& c) { return !c.name.starts_with(p->ctx.prefix); });
    // Probabilities: the model's softmax over the names it knows (model ordering), else the ranker's.
    const bool by_logit = eo.ranker == RankerKind::Model;
    auto value = [&](const MemberCandidate& c) { return double(by_logit ? c.features[kLogit] : c.score); };
    double top = -INFINITY, z = 0;
    for (const auto& c : r.items)
      if (std::isfinite(value(c))) top = std::max(top, value(c));
    for (const auto& c : r.items)
      if (std::isfinite(value(c))) z += std::exp(value(c) - top);
    auto prob = [&](const MemberCandidate& c) { return std::isfinite(value(c)) ? std::exp(value(c) - top) / z : 0.0; };
    const char* how = eo.ranker == RankerKind::Model ? "model ordering" : engine.learned() ? "learned ranker" : "heuristic (no .dwr)";
    if (json) {
      nlohmann::json j = {{"receiver", p->ctx.receiver}, {"class", r.cls.empty() ? p->ctx.cls : r.cls},
                          {"key", r.key},          {"prefix", p->ctx.prefix},
                          {"model", path},         {"ranking", how},
                          {"items", nlohmann::json::array()}};
      for (size_t i = 0; i < r.items.size() && i < n; ++i) {
        const auto& c = r.items[i];
        j["items"].push_back({{"name", c.name},
                              {"known", std::isfinite(c.features[kLogit])},
                              {"probability", prob(c)},
                              {"sources", c.sources},
                              {"starred", i < 5}});
      }
      fmt::print("{}\n", j.dump(1));
      return;
    }
    fmt::print("{}.{}  (class {}, {} candidates, {})\n", p->ctx.receiver, p->ctx.prefix,
               r.cls.empty() ? (p->ctx.cls.empty() ? "unknown" : p->ctx.cls) : r.cls, r.items.size(), how);
    for (size_t i = 0; i < r.items.size() && i < n; ++i) {
      const auto& c = r.items[i];
      fmt::print("{:>3}  {:>6}  {}{}\n", i + 1, fmt::format("{:.1f}%", prob(c) * 100), c.name, i < 5 ? "  ★" : "");
    }
  });
}

}  // namespace dw::cli
