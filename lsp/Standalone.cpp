#include "lsp/Standalone.h"

#include <algorithm>
#include <set>

namespace dw::lsp {

std::vector<std::string> standalone_candidates(const TypeshedIndex& stubs, const Predictor* predictor,
                                               const Prediction& p, StandaloneOptions opt) {
  std::set<std::string> out;
  const auto& ctx = p.ctx;
  if (!ctx.cls.empty())
    for (auto& m : stubs.members(ctx.cls)) out.insert(std::move(m));
  const auto& f = ctx.file;
  for (const auto& s : f.sites) {
    bool same = (!ctx.cls.empty() && f.str(s.cls) == ctx.cls) || f.str(s.receiver) == ctx.receiver;
    if (same) out.insert(std::string(f.member(s)));
  }
  if (out.empty() && predictor) {
    const auto& names = predictor->member_names();
    std::vector<std::pair<float, std::string_view>> scored;
    scored.reserve(names.size());
    for (auto n : names) scored.emplace_back(predictor->logit(p, predictor->id_of(p, n)), n);
    size_t k = std::min(opt.vocabulary_fallback, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + long(k), scored.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < k; ++i) out.emplace(scored[i].second);
  }
  return {out.begin(), out.end()};
}

}  // namespace dw::lsp
