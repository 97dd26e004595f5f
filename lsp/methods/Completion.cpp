// textDocument/completion: the context up to the cursor, the model's prediction, and the ranking —
// of our own candidates (standalone) or of the upstream's list (proxy, see lsp/Proxy.cpp).
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "lsp/Server.h"
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

std::shared_ptr<ParseCache> Server::scan_cache(const std::string& uri) {
  // Two: the document being typed in and one beside it. A window's tree is ~20x its text (up to
  // ~1 MB), so each kept costs real memory.
  constexpr size_t kKept = 2;
  std::lock_guard lk(scan_caches_mu_);
  for (auto it = scan_caches_.begin(); it != scan_caches_.end(); ++it)
    if (it->first == uri) {
      scan_caches_.splice(scan_caches_.begin(), scan_caches_, it);
      return scan_caches_.front().second;
    }
  scan_caches_.emplace_front(uri, std::make_shared<ParseCache>());
  if (scan_caches_.size() > kKept) scan_caches_.pop_back();
  return scan_caches_.front().second;
}

std::optional<Prediction> Server::predict_at(const Json& params) {
  if (!settings_.enable) return std::nullopt;
  const std::string uri = string_at(params, {"textDocument", "uri"});
  Document* d = docs_.get(uri);
  const Json* pos = find_path(params, {"position"});
  if (!d || !pos || !pos->is_object()) return std::nullopt;
  const int64_t line = pos->value("line", int64_t(0)), ch = pos->value("character", int64_t(0));
  const size_t at = byte_offset(*d, line, ch);
  if (!predictor_ && proxy_) return std::nullopt;  // nothing to rank the upstream's list by
  std::string owned;
  size_t offset = 0;
  const std::string_view text = completion_text(uri, *d, owned, offset);
  return predict_at_cursor(predictor_.get(), *extractor_, uri, text.substr(0, offset + at), settings_.window,
                           &window_cache(uri));
}

std::string_view Server::completion_text(const std::string& uri, const Document& d, std::string& owned,
                                         size_t& offset) {
  owned = docs_.cells_before(uri);
  offset = owned.size();
  if (owned.empty()) return d.text;
  owned += d.text;
  return owned;
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

namespace {
int lsp_kind(MemberKind k) {
  switch (k) {
    case MemberKind::Method:
      return 2;
    case MemberKind::Function:
      return 3;
    case MemberKind::Variable:
      return 6;
    case MemberKind::Class:
      return 7;
    case MemberKind::Module:
      return 9;
    case MemberKind::Property:
      return 10;
    default:
      return 5;  // Field
  }
}
std::string uri_file(const std::string& uri) { return uri.starts_with("file://") ? uri.substr(7) : std::string(); }
}  // namespace

std::shared_ptr<const Server::EngineInput> Server::engine_input(const Json& params) {
  const std::string uri = string_at(params, {"textDocument", "uri"});
  Document* d = docs_.get(uri);
  const Json* pos = find_path(params, {"position"});
  if (!d || !engine_ || !pos || !pos->is_object()) return nullptr;
  auto in = std::make_shared<EngineInput>();
  size_t offset = 0;
  in->text = completion_text(uri, *d, in->owned, offset);
  in->cursor = offset + byte_offset(*d, pos->value("line", int64_t(0)), pos->value("character", int64_t(0)));
  in->path = uri_file(uri);
  return in;
}

std::optional<CompletionResult> Server::engine_complete(const Json& params, Prediction& p, PendingScan* pre) {
  auto in = pre && pre->in ? pre->in : engine_input(params);
  if (!in) return std::nullopt;
  const auto t0 = std::chrono::steady_clock::now();
  // The model's best members need only the prediction. Half their logits go to the worker (its scan
  // of the document is long done by now): they are the largest step left after the model (15k dot
  // products over 2 MB of weights).
  if (predictor_ && !p.l.empty() && settings_.ranker != RankerKind::Model) {
    const size_t n = predictor_->member_ids().size(), half = n / 2;
    std::vector<float> logits(n);
    auto rest = scan_worker_.run([&] { predictor_->member_logits(p, half, n, logits.data() + half); });
    struct Join {  // the task reads `p` and writes `logits`: never leave before it is done
      std::future<void>& f;
      ~Join() {
        if (f.valid()) f.wait();
      }
    } join{rest};
    predictor_->member_logits(p, 0, half, logits.data());
    rest.get();
    p.best_members = predictor_->best_members(logits, engine_->options().model_top);
  }
  const double best_ms = ms_since(t0);
  std::optional<DocumentScan> scan;
  if (pre && pre->scan.valid()) scan = pre->scan.get();
  CompletionResult r = engine_->complete(p, predictor_.get(), in->view(), settings_.ranker, scan ? &*scan : nullptr);
  if (opt_.trace)
    log(fmt::format(
        "completion {}. (key {}, class {}): window {:.3f} ms ({} bytes), context {:.3f} ms, model {:.3f} ms, "
        "best members {:.3f} ms, scan {:.3f} ms, features {:.3f} ms, rank {:.3f} ms, total engine {:.3f} ms "
        "({} items, {} dropped)",
        p.ctx.receiver, r.key, r.cls, p.window_ms, p.window_bytes, p.context_ms, p.model_ms, best_ms, r.scan_ms,
        r.features_ms, r.rank_ms, ms_since(t0), r.items.size(), r.dropped));
  return r;
}

std::optional<std::vector<OwnCandidate>> Server::own_candidates(const Json& params, Prediction& p, PendingScan* pre) {
  if (settings_.ranker == RankerKind::Model) return std::nullopt;  // the model ordering re-ranks only
  auto r = engine_complete(params, p, pre);
  if (!r) return std::nullopt;
  std::vector<OwnCandidate> out;
  out.reserve(r->items.size());
  for (const auto& c : r->items) out.push_back({c.name, c.score, lsp_kind(c.kind)});
  return out;
}

Server::PendingScan Server::start_scan(const Json& params) {
  // The engine's parse of the document runs on the worker while the model runs on the caller's
  // thread: on two cores that takes the shorter of the two off the reply's time.
  PendingScan pre;
  if (settings_.ranker != RankerKind::Model && settings_.enable)
    if ((pre.in = engine_input(params)))
      pre.scan = scan_worker_.run(
          [in = pre.in, engine = engine_.get(), cache = scan_cache(string_at(params, {"textDocument", "uri"}))] {
            return engine->scan_document(in->view(), typed_prefix_length(in->text, in->cursor), cache.get());
          });
  return pre;
}

std::string Server::standalone_completion(const Json& params) {
  PendingScan pre = start_scan(params);
  PendingScan::Wait wait_scan{pre.scan};
  auto p = predict_at(params);
  Json list = {{"isIncomplete", false}, {"items", Json::array()}};
  if (!p) return json_text(list);
  if (settings_.ranker == RankerKind::Model) {
    // The model ordering: the list and the logits go through the same re-ranking as a proxy's list.
    auto r = engine_complete(params, *p);
    if (!r) return json_text(list);
    for (const auto& c : r->items) list["items"].push_back({{"label", c.name}, {"kind", 5}, {"filterText", c.name}});
    rerank(list, *p);
    return json_text(list);
  }
  auto ours = own_candidates(params, *p, &pre);
  return ours ? own_completion_text(*ours, settings_.rank) : json_text(list);
}

void Server::on_completion(const Json& msg) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string list = standalone_completion(msg.value("params", Json::object()));
  const double built_ms = ms_since(t0);
  client_.write_raw(response_text(msg["id"], list));
  if (opt_.trace) log(fmt::format("completion answered: list {:.3f} ms, whole {:.3f} ms", built_ms, ms_since(t0)));
}

}  // namespace dw::lsp
