// `dotwise complete FILE:LINE:COL`: what the server would offer after the "." at that position —
// the candidates (stubs, the file's own usage, the model's vocabulary), ranked, with probabilities.
#include <fmt/core.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "cli/Commands.h"
#include "lsp/Documents.h"
#include "lsp/Predictor.h"
#include "lsp/Ranking.h"
#include "lsp/Settings.h"
#include "lsp/Standalone.h"
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
  cmd->add_option("position", where, "FILE:LINE:COL, 1-based; COL counts characters (the cursor is before it)")
      ->required();
  cmd->add_option("--model", model, "Model file (.dwm); default: $DOTWISE_MODEL or models/default.dwm");
  cmd->add_option("-n", n, "How many to print")->capture_default_str();
  cmd->add_option("--stubs", stubs, "Extra directory of .pyi stubs (searched before typeshed)");
  cmd->add_flag("--json", json, "Print JSON");
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
    lsp::Predictor pred(m, ex);
    const size_t at = lsp::byte_offset(rd.data, w.line - 1, w.col - 1);
    auto p = pred.predict(w.file, std::string_view(rd.data).substr(0, at));
    if (!p)
      throw std::runtime_error(where +
                               ": not a member access (the cursor must follow `receiver.` or `receiver.prefix`)");
    std::vector<lsp::RankInput> in;
    for (auto& name : lsp::standalone_candidates(index, &pred, *p)) {
      if (!name.starts_with(p->ctx.prefix)) continue;
      int32_t id = pred.id_of(*p, name);
      in.push_back({name, id < 0 ? NAN : pred.logit(*p, id)});
    }
    lsp::RankOptions ro;
    auto order = lsp::rank(in, ro);
    if (json) {
      nlohmann::json j = {{"receiver", p->ctx.receiver},
                          {"class", p->ctx.cls},
                          {"prefix", p->ctx.prefix},
                          {"model", path},
                          {"items", nlohmann::json::array()}};
      for (size_t i = 0; i < order.size() && i < n; ++i) {
        const auto& r = order[i];
        j["items"].push_back(
            {{"name", in[r.index].name}, {"known", r.known}, {"probability", r.probability}, {"starred", r.starred}});
      }
      fmt::print("{}\n", j.dump(1));
      return;
    }
    fmt::print("{}.{}  (class {}, {} candidates)\n", p->ctx.receiver, p->ctx.prefix,
               p->ctx.cls.empty() ? "unknown" : p->ctx.cls, in.size());
    for (size_t i = 0; i < order.size() && i < n; ++i) {
      const auto& r = order[i];
      fmt::print("{:>3}  {:>6}  {}{}\n", i + 1, r.known ? fmt::format("{:.1f}%", r.probability * 100) : "-",
                 in[r.index].name, r.starred ? "  ★" : "");
    }
  });
}

}  // namespace dw::cli
