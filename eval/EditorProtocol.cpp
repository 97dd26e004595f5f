#include "eval/EditorProtocol.h"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "support/FileIO.h"
#include "support/Hash.h"
#include "support/Parallel.h"
#include "support/Progress.h"
#include "syntax/Extractor.h"

namespace dw {
namespace fs = std::filesystem;

namespace {
size_t line_start(std::string_view src, uint32_t line) {
  size_t at = 0;
  for (uint32_t l = 0; l < line; ++l) {
    at = src.find('\n', at);
    if (at == std::string_view::npos) return std::string_view::npos;
    ++at;
  }
  return at;
}

uint32_t rank_in(const CompletionResult& r, const std::string& truth) {
  for (size_t i = 0; i < r.items.size(); ++i)
    if (r.items[i].name == truth) return uint32_t(i + 1);
  return kMiss;
}

struct PoolSite {
  uint64_t hash;
  size_t file;
  uint32_t line, col;
  std::string member;
};
}  // namespace

std::optional<std::pair<std::string, size_t>> cut_at_site(std::string_view src, uint32_t line, uint32_t col) {
  size_t start = line_start(src, line);
  if (start == std::string_view::npos || col == 0) return std::nullopt;
  size_t end = src.find('\n', start);
  if (end == std::string_view::npos) end = src.size();
  if (start + col > end || src[start + col - 1] != '.') return std::nullopt;
  std::string out;
  out.reserve(src.size());
  out.append(src.substr(0, start + col)).append(src.substr(end));
  return std::make_pair(std::move(out), start + col);
}

bool is_store(std::string_view src, uint32_t line, uint32_t col, size_t member_len) {
  size_t start = line_start(src, line);
  if (start == std::string_view::npos) return false;
  size_t at = start + col + member_len;
  while (at < src.size() && (src[at] == ' ' || src[at] == '\t')) ++at;
  if (at >= src.size()) return false;
  char c = src[at], d = at + 1 < src.size() ? src[at + 1] : '\0';
  if (c == '=' && d != '=') return true;
  if (d == '=' && std::string_view("+-*/%&|^@").find(c) != std::string_view::npos) return true;
  if ((c == '/' || c == '*' || c == '<' || c == '>') && d == c && at + 2 < src.size() && src[at + 2] == '=')
    return true;
  if (c == ':' && d != '=') return true;  // `x.a: int = ...`
  return false;
}

EditorRun run_editor_protocol(const std::vector<EditorProject>& projects, const Model* model,
                              const TypeshedIndex& stubs, const TreeEnsemble* ranker, const EditorOptions& opt,
                              const SiteSink& sink) {
  auto t0 = std::chrono::steady_clock::now();
  Extractor ex(stubs);
  std::vector<std::vector<EditorSite>> per(projects.size());
  std::vector<uint64_t> read(projects.size()), skipped(projects.size());
  std::mutex sink_mu;
  Progress bar("editor", projects.size());
  parallel_for(projects.size(), opt.threads, [&](size_t pi) {
    const EditorProject& pj = projects[pi];
    std::unique_ptr<Predictor> pr;
    if (model) pr = std::make_unique<Predictor>(*model, ex, opt.predictor);
    ProjectIndex index(opt.index_limits, opt.engine.scan);
    if (opt.index) index.build({pj.root});
    CompletionEngine engine(stubs, opt.index ? &index : nullptr, ranker, opt.engine);

    std::vector<std::pair<uint64_t, size_t>> order;
    for (size_t i = 0; i < pj.files.size(); ++i) order.push_back({hash64(pj.files[i].generic_string()), i});
    std::sort(order.begin(), order.end());
    std::vector<std::string> texts(pj.files.size());
    std::vector<PoolSite> pool;
    for (auto [h, fi] : order) {
      if (pool.size() >= opt.cap * opt.site_pool) break;
      auto rd = read_file(pj.files[fi], 10u << 20);
      ++read[pi];
      if (!rd.error.empty()) {
        ++skipped[pi];
        continue;
      }
      auto r = ex.extract(rd.data);
      if (r.skip != Skip::None) {
        ++skipped[pi];
        continue;
      }
      for (const auto& s : r.file.sites) {
        std::string member(r.file.member(s));
        if (is_store(rd.data, s.line, s.col, member.size())) continue;
        uint64_t sh = hash64(pj.name + "/" + pj.files[fi].generic_string() + ":" + std::to_string(s.line) + ":" +
                             std::to_string(s.col));
        pool.push_back({sh, fi, s.line, s.col, std::move(member)});
      }
      texts[fi] = std::move(rd.data);
    }
    std::sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) { return a.hash < b.hash; });
    if (opt.cap && pool.size() > opt.cap) pool.resize(opt.cap);
    // In file order, as an editor would move through them; each site is a fresh open of its file.
    std::stable_sort(pool.begin(), pool.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
    for (const auto& ps : pool) {
      auto cut = cut_at_site(texts[ps.file], ps.line, ps.col);
      if (!cut) continue;
      const std::string path = fs::absolute(pj.files[ps.file]).generic_string();
      auto p = predict_at_cursor(pr.get(), ex, path, std::string_view(cut->first).substr(0, cut->second), opt.window,
                                 nullptr);
      EditorSite site;
      site.key = ps.hash;
      site.project = uint32_t(pi);
      if (p) {
        DocumentView doc{path, cut->first, cut->second};
        CompletionResult learned = engine.complete(*p, pr.get(), doc, RankerKind::Learned);
        CompletionResult legacy = engine.complete(*p, pr.get(), doc, RankerKind::Model);
        site.receiver_kind = learned.receiver_kind;
        site.learned = rank_in(learned, ps.member);
        site.model = rank_in(legacy, ps.member);
        site.list_size = uint32_t(learned.items.size());
        site.model_list_size = uint32_t(legacy.items.size());
        if (sink) {
          std::lock_guard lk(sink_mu);
          sink(site, learned, ps.member);
        }
      }
      if (pr) pr->forget(path);
      per[pi].push_back(site);
    }
    bar.advance();
  });
  bar.finish();
  EditorRun run;
  for (size_t i = 0; i < projects.size(); ++i) {
    run.projects.push_back(projects[i].name);
    run.sites.insert(run.sites.end(), per[i].begin(), per[i].end());
    run.files_read += read[i];
    run.files_skipped += skipped[i];
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}

}  // namespace dw
