// textDocument/completion: the context up to the cursor, the model's prediction, and the ranking —
// of our own candidates (standalone) or of the upstream's list (proxy, see lsp/Proxy.cpp).
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "lsp/Server.h"
#include "lsp/Standalone.h"
#include "support/Clock.h"

namespace dw::lsp {

WindowCache& Server::window_cache(const std::string& uri) {
  for (auto it = windows_.begin(); it != windows_.end(); ++it)
    if (it->first == uri) {
      windows_.splice(windows_.begin(), windows_, it);
      return windows_.front().second;
    }
  windows_.emplace_front(uri, WindowCache{});
  if (windows_.size() > 16) windows_.pop_back();  // as many as the predictor keeps model states for
  return windows_.front().second;
}

std::optional<Prediction> Server::predict_at(const Json& params) {
  if (!settings_.enable) return std::nullopt;
  const std::string uri = string_at(params, {"textDocument", "uri"});
  Document* d = docs_.get(uri);
  const Json* pos = find_path(params, {"position"});
  if (!d || !pos || !pos->is_object()) return std::nullopt;
  const int64_t line = pos->value("line", int64_t(0)), ch = pos->value("character", int64_t(0));
  const size_t at = byte_offset(*d, line, ch);
  const auto t0 = std::chrono::steady_clock::now();
  std::string before = docs_.cells_before(uri);  // a notebook cell sees the code cells above it
  before.append(d->text, 0, at);
  before = context_window(before, settings_.window, &window_cache(uri));
  const double window_ms = ms_since(t0);
  if (!predictor_) {
    // Without a model there is nothing to rank by, but standalone still offers candidates.
    if (proxy_) return std::nullopt;
    auto ctx = completion_context(*extractor_, before);
    if (!ctx) return std::nullopt;
    Prediction p;
    p.ctx = std::move(*ctx);
    p.window_ms = window_ms;
    return p;
  }
  auto p = predictor_->predict(uri, before);
  if (p) p->window_ms = window_ms, p->window_bytes = before.size();
  return p;
}

void Server::rerank(Json& result, const Prediction& p) {
  if (!predictor_ || p.l.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  const Predictor& pr = *predictor_;
  rerank_completion(
      result,
      [&](const std::string& name) {
        int32_t id = pr.id_of(p, name);
        return id < 0 ? NAN : pr.logit(p, id);
      },
      settings_.rank);
  if (opt_.trace) {
    const Json& items = result.is_object() ? result.value("items", Json::array()) : result;
    log(fmt::format(
        "completion {}.: window {:.3f} ms ({} bytes), context {:.3f} ms, model {:.3f} ms ({} of {} tokens run), "
        "rank {:.3f} ms ({} items)",
        p.ctx.receiver, p.window_ms, p.window_bytes, p.context_ms, p.model_ms, p.ran, p.tokens, ms_since(t0),
        items.is_array() ? items.size() : 0));
  }
}

Json Server::standalone_completion(const Json& params) {
  auto p = predict_at(params);
  Json list = {{"isIncomplete", false}, {"items", Json::array()}};
  if (!p) return list;
  for (auto& name : standalone_candidates(*stubs_, predictor_.get(), *p))
    list["items"].push_back({{"label", name}, {"kind", 5}, {"filterText", name}});
  rerank(list, *p);
  return list;
}

void Server::on_completion(const Json& msg) {
  reply(msg["id"], standalone_completion(msg.value("params", Json::object())));
}

}  // namespace dw::lsp
