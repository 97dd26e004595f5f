#include "rank/Predictor.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "support/Clock.h"
#include "syntax/Parser.h"

namespace dw {

Predictor::Predictor(const Model& m, const Extractor& ex, PredictorOptions o)
    : m_(m), ex_(ex), opt_(o), vocab_(model_vocab(m.file())) {
  auto ids = m.file().member_ids();
  for (int32_t id : ids)
    if (id >= 0 && size_t(id) < m.file().vocab().size())
      member_names_.push_back(m.file().token(id)), member_ids_.push_back(id);
  if (opt_.window_step == 0) opt_.window_step = 1;
}

struct Predictor::DocState {
  explicit DocState(Session s) : session(std::move(s)) {}
  Session session;
  ParseCache parse;
};

Predictor::~Predictor() = default;

Predictor::DocState& Predictor::doc(const std::string& key) {
  for (auto it = docs_.begin(); it != docs_.end(); ++it)
    if (it->first == key) {
      docs_.splice(docs_.begin(), docs_, it);
      return *docs_.front().second;
    }
  // A checkpoint every 8 tokens (1.6 KB each at dh=100): an edit reruns at most 8 tokens before it.
  docs_.emplace_front(key, std::make_unique<DocState>(Session(m_, SessionOptions{8})));
  if (docs_.size() > opt_.max_sessions) docs_.pop_back();
  return *docs_.front().second;
}

void Predictor::forget(const std::string& key) {
  docs_.remove_if([&](const auto& s) { return s.first == key; });
}

std::optional<Prediction> Predictor::predict(const std::string& key, std::string_view before) {
  auto t0 = std::chrono::steady_clock::now();
  DocState& d = doc(key);
  auto ctx = completion_context(ex_, before, &d.parse);
  if (!ctx) return std::nullopt;
  Prediction p;
  p.context_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();
  EncodedFile enc = encode(vocab_, ctx->file);
  for (size_t k = 0; k < enc.oov.size(); ++k) p.oov.emplace(enc.oov[k], int32_t(vocab_.size() + k));
  std::span<const int32_t> ids = enc.ids;
  if (opt_.lookback && ids.size() > opt_.lookback)
    ids = ids.subspan((ids.size() - opt_.lookback) / opt_.window_step * opt_.window_step);
  Session& s = d.session;
  p.ran = s.set_context(ids);
  p.tokens = ids.size();
  auto l = s.predicted_embedding();
  p.l.assign(l.begin(), l.end());
  p.model_ms = ms_since(t0);
  p.ctx = std::move(*ctx);
  return p;
}

std::vector<std::string_view> Predictor::best_members(const Prediction& p, size_t k) const {
  // Scored by id: looking every member name up again cost ~2 ms per completion (perf: Vocab::slot).
  // All in one kernel call: one by one cost ~1 ms per completion (of 15k members, the dots' setup and
  // horizontal sums as much as the products).
  if (p.l.empty()) return {};
  std::vector<float> logits(member_ids_.size());
  member_logits(p, 0, logits.size(), logits.data());
  return best_members(logits, k);
}

void Predictor::member_logits(const Prediction& p, size_t begin, size_t end, float* out) const {
  end = std::min(end, member_ids_.size());
  if (p.l.empty() || begin >= end) return;
  m_.logits(p.l.data(), std::span(member_ids_).subspan(begin, end - begin), out);
}

std::vector<std::string_view> Predictor::best_members(const std::vector<float>& logits, size_t k) const {
  if (logits.size() != member_ids_.size()) return {};
  std::vector<uint32_t> order(member_ids_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + long(k), order.end(),
                    [&](uint32_t a, uint32_t b) { return logits[a] != logits[b] ? logits[a] > logits[b] : a < b; });
  std::vector<std::string_view> out;
  for (size_t i = 0; i < k; ++i) out.push_back(member_names_[order[i]]);
  return out;
}

int32_t Predictor::id_of(const Prediction& p, std::string_view name) const {
  int32_t id = vocab_.id(name);
  if (id >= 2) return id;
  auto it = p.oov.find(std::string(name));
  return it == p.oov.end() ? -1 : it->second;
}

std::optional<Prediction> predict_at_cursor(Predictor* pr, const Extractor& ex, const std::string& key,
                                            std::string_view before, const WindowOptions& window, WindowCache* cache) {
  const auto t0 = std::chrono::steady_clock::now();
  std::string text = context_window(before, window, cache);
  const double window_ms = ms_since(t0);
  if (!pr) {
    auto ctx = completion_context(ex, text);
    if (!ctx) return std::nullopt;
    Prediction p;
    p.ctx = std::move(*ctx);
    p.window_ms = window_ms;
    return p;
  }
  auto p = pr->predict(key, text);
  if (p) p->window_ms = window_ms, p->window_bytes = text.size();
  return p;
}

}  // namespace dw
