// Proxy mode: the editor <-> dotwise <-> upstream server. Messages pass untouched except for the
// capabilities merge, completion (the upstream's list merged with our own candidates, lsp/Merge.h;
// under the model ordering only re-ranked), completionItem/resolve (our label/sort fields are
// restored around it) and upstream->client request ids (renumbered so they never clash with ours).
#include <fmt/format.h>
#include <signal.h>

#include <chrono>

#include "lsp/Merge.h"
#include "lsp/Server.h"
#include "support/Clock.h"

namespace dw::lsp {
namespace {
const Json kReinitId = "dotwise/reinitialize";
const std::string kStar = "★ ";

void merge_capabilities(Json& result) {
  Json* cp = result.is_object() && result.contains("capabilities") ? &result["capabilities"] : nullptr;
  if (!cp || !cp->is_object() || !cp->contains("completionProvider")) return;
  Json& comp = (*cp)["completionProvider"];
  if (!comp.is_object()) comp = Json::object();
  Json& trig = comp["triggerCharacters"];
  if (!trig.is_array()) trig = Json::array();
  for (const auto& t : trig)
    if (t == ".") return;
  trig.push_back(".");
}
}  // namespace

int Server::run_proxy() {
  try {
    up_ = std::make_unique<Upstream>(opt_.upstream);
  } catch (const std::exception& e) {
    log(std::string(e.what()) + "; serving standalone");
    proxy_ = false;
    return run();
  }
  up_thread_ = std::thread([this] { upstream_loop(); });
  deadline_thread_ = std::thread([this] { deadline_loop(); });
  for (;;) {
    Incoming in = client_.read();
    if (in.kind == Incoming::kEof) break;
    if (in.kind == Incoming::kMalformed) {
      log("malformed message from the editor: " + in.error);
      reply_error(nullptr, kParseError, in.error);
      continue;
    }
    std::unique_lock lock(mu_);
    if (!proxy_) {  // the upstream gave up for good: answer ourselves
      dispatch(in.message);
    } else {
      from_client(std::move(in.message));
    }
    if (exit_) break;
  }
  std::unique_lock lock(mu_);
  exit_ = true;
  deadline_cv_.notify_all();
  if (up_ && !up_->wait_exit(3000)) ::kill(up_->pid(), SIGKILL);
  lock.unlock();
  if (up_thread_.joinable()) up_thread_.join();
  if (deadline_thread_.joinable()) deadline_thread_.join();
  return shutdown_ ? 0 : 1;
}

void Server::to_upstream(const Json& msg) {
  if (!up_ready_ || !up_) {
    held_.push_back(msg);
    return;
  }
  up_->post(msg);
}

// Under mu_.
void Server::from_client(Json msg) {
  const std::string method = method_of(msg);
  if (is_response(msg)) {
    const std::string key = id_key(msg["id"]);
    if (auto own = own_requests_.find(key); own != own_requests_.end()) {
      auto fn = std::move(own->second);
      own_requests_.erase(own);
      fn(msg);
      return;
    }
    auto rev = reverse_.find(key);
    if (rev == reverse_.end()) return;  // a response to nothing we sent: dropped
    Reverse r = rev->second;
    reverse_.erase(rev);
    if (r.generation != generation_) return;  // it was for an upstream that has since died
    msg["id"] = r.upstream_id;
    to_upstream(msg);
    return;
  }
  if (is_notification(msg)) {
    track_document(msg);
    if (method == "initialized") client_initialized_ = true;
    if (method == "exit") exit_ = true;
    if (method == "workspace/didChangeConfiguration")
      if (const Json* s = find_path(msg, {"params", "settings"})) apply_settings(*s);
    if (method == "textDocument/didSave") on_did_save(msg);
    if (method == "workspace/didChangeWatchedFiles") on_did_change_watched_files(msg);
    to_upstream(msg);
    return;
  }
  if (!is_request(msg)) return;
  Pending p{msg["id"], method, nullptr, nullptr};
  if (method == "initialize") {
    init_params_ = msg.value("params", Json::object());
    init_id_ = msg["id"];
    const Json* ld = find_path(init_params_,
                               {"capabilities", "textDocument", "completion", "completionItem", "labelDetailsSupport"});
    label_details_ = ld && ld->is_boolean() && ld->get<bool>();
    if (!label_details_) settings_.rank.star_in_label = true;
    if (const Json* o = find_path(init_params_, {"initializationOptions"}))
      apply_settings(*o);
    else
      ensure_model();
    initialized_ = true;
    start_index(init_params_);  // no $/progress of ours: the editor's progress belongs to the upstream
  } else if (method == "shutdown") {
    shutdown_ = true;
  } else if (method == "completionItem/resolve" && msg.contains("params") && msg["params"].is_object()) {
    Json& item = msg["params"];
    if (item.value("detail", "") == "dotwise") {  // ours: nothing the upstream could add
      reply(msg["id"], item);
      return;
    }
    p.sent_item = item;
    std::string label = string_at(item, {"label"});
    if (label.starts_with(kStar)) item["label"] = label.substr(kStar.size());  // the upstream's own label
  }
  const std::string key = id_key(msg["id"]);
  to_upstream(msg);  // first: the upstream works while we run the model
  if (method == "textDocument/completion") {
    try {
      const Json params = msg.value("params", Json::object());
      PendingScan pre = start_scan(params);
      PendingScan::Wait wait_scan{pre.scan};
      if (auto pr = predict_at(params)) {
        if (auto ours = own_candidates(params, *pr, &pre)) {
          p.ours = std::make_shared<const std::vector<OwnCandidate>>(std::move(*ours));
          const Json* pos = find_path(params, {"position"});
          int64_t col = pos && pos->is_object() ? pos->value("character", int64_t(0)) : 0;
          p.dot = fmt::format("{}:{}:{}", string_at(params, {"textDocument", "uri"}),
                              pos && pos->is_object() ? pos->value("line", int64_t(0)) : 0,
                              col - int64_t(pr->ctx.prefix.size()));  // the prefix is ASCII
          if (settings_.merge.deadline_ms > 0) {
            p.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_.merge.deadline_ms);
            deadline_cv_.notify_all();
          }
        }
        p.prediction = std::make_shared<const Prediction>(std::move(*pr));
      }
    } catch (const std::exception& e) {
      log(std::string("completion context: ") + e.what());
    }
  }
  pending_[key] = std::move(p);
}

void Server::upstream_loop() {
  for (;;) {
    Upstream* up;
    {
      std::lock_guard lock(mu_);
      up = up_.get();
    }
    for (;;) {
      Incoming in = up->io().read();
      if (in.kind == Incoming::kEof) break;
      if (in.kind == Incoming::kMalformed) {
        log("malformed message from the upstream server: " + in.error);
        continue;
      }
      const auto read_at = std::chrono::steady_clock::now();
      const double read_cpu = opt_.trace ? thread_cpu_ms() : 0.0;  // a system call: only when traced
      std::lock_guard lock(mu_);
      from_upstream(std::move(in.message), read_at, read_cpu);
    }
    std::unique_lock lock(mu_);
    if (exit_ || shutdown_) return;
    on_upstream_death();
    if (!proxy_ || !up_) return;
  }
}

// Under mu_.
void Server::on_upstream_death() {
  log("the upstream server exited unexpectedly");
  // Every request it had not answered is answered now (the editor may retry), except initialize,
  // which the restarted upstream will answer.
  for (auto& [key, p] : pending_)
    if (p.method != "initialize" && !p.answered)
      reply_error(p.id, kContentModified, "the upstream language server restarted; please retry");
  std::erase_if(pending_, [](const auto& kv) { return kv.second.method != "initialize"; });
  ++generation_;
  held_.clear();
  auto dead = std::move(up_);
  mu_.unlock();
  dead.reset();  // reaps the dead process (outside the lock: it may wait)
  mu_.lock();
  if (exit_ || shutdown_) return;
  if (++restarts_ > opt_.max_restarts) {
    log("the upstream server died " + std::to_string(restarts_) + " times; serving standalone from now on");
    proxy_ = false;
    return;
  }
  try {
    up_ = std::make_unique<Upstream>(opt_.upstream);
  } catch (const std::exception& e) {
    log(std::string(e.what()) + "; serving standalone from now on");
    proxy_ = false;
    return;
  }
  log("upstream server restarted (" + std::to_string(restarts_) + ")");
  if (init_params_.is_null()) return;  // the editor has not initialised yet: nothing to replay
  up_ready_ = false;
  up_->post(make_request(kReinitId, "initialize", init_params_));
}

// Under mu_: the restarted upstream answered our replayed initialize.
void Server::after_reinit() {
  if (client_initialized_) up_->post(make_notification("initialized", Json::object()));
  for (auto& [method, params] : docs_.reopen_all()) up_->post(make_notification(method, std::move(params)));
  up_ready_ = true;
  auto held = std::move(held_);
  held_.clear();
  for (auto& m : held) up_->post(m);
}

// Under mu_.
void Server::from_upstream(Json msg, SteadyTime read_at, double read_cpu) {
  if (is_request(msg)) {  // upstream -> client: our own id, so it cannot clash with ours
    Json id = "dotwise/up/" + std::to_string(next_id_++);
    reverse_[id_key(id)] = {generation_, msg["id"]};
    msg["id"] = id;
    client_.write(msg);
    return;
  }
  if (!is_response(msg)) {
    client_.write(msg);
    return;
  }
  if (msg["id"] == kReinitId) {
    if (init_id_) {  // the editor's own initialize is still open: this answers it
      if (msg.contains("result")) merge_capabilities(msg["result"]);
      msg["id"] = *init_id_;
      init_id_.reset();
      pending_.erase(id_key(msg["id"]));
      client_.write(msg);
    }
    after_reinit();
    return;
  }
  auto it = pending_.find(id_key(msg["id"]));
  if (it == pending_.end()) {
    client_.write(msg);
    return;
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  const bool completion = p.method == "textDocument/completion";
  if (p.answered) {  // ours went out at the deadline: keep the list for the next request at this dot
    const Json* r = find_path(msg, {"result"});
    if (r && !r->is_null()) {
      std::erase_if(late_lists_, [&](const auto& e) { return e.first == p.dot; });
      late_lists_.emplace_back(p.dot, *r);
      if (late_lists_.size() > 8) late_lists_.pop_front();
    }
    return;
  }
  // An upstream that failed (other than by the editor's cancel or an edit) leaves our own list.
  if (completion && p.ours && msg.contains("error")) {
    int code = msg["error"].is_object() ? msg["error"].value("code", 0) : 0;
    if (code != kRequestCancelled && code != kContentModified) {
      log("the upstream's completion failed (" + msg["error"].dump() + "): our own list is sent");
      msg.erase("error");
      msg["result"] = nullptr;
    }
  }
  const bool merged = completion && p.ours && msg.contains("result");
  const bool reranked = merged || (completion && p.prediction && msg.contains("result"));
  if (p.method == "initialize") {
    init_id_.reset();
    if (msg.contains("result")) merge_capabilities(msg["result"]);
  } else if (reranked) {
    try {
      if (merged)
        merge_completion(msg["result"], *p.ours, settings_.merge, settings_.rank);
      else
        rerank(msg["result"], *p.prediction);
    } catch (const std::exception& e) {
      log(std::string("re-ranking: ") + e.what());
    }
  } else if (p.method == "completionItem/resolve" && p.sent_item.is_object() && msg.contains("result") &&
             msg["result"].is_object()) {
    for (const char* k : {"label", "labelDetails", "sortText", "filterText", "preselect", "insertText"})
      if (p.sent_item.contains(k)) msg["result"][k] = p.sent_item[k];
  }
  client_.write(msg);
  if (reranked && opt_.trace)  // our whole cost in proxy mode: the model ran while the upstream worked
    log(
        fmt::format("completion reply held {:.3f} ms, {:.3f} ms of it on the CPU (waiting for the model, "
                    "re-ranking, re-encoding)",
                    ms_since(read_at), thread_cpu_ms() - read_cpu));
}

// The deadline thread: a completion whose upstream is late is answered from our own list, merged with
// the upstream's late list for the same dot when an earlier request left one, with isIncomplete so the
// client asks again (and gets the upstream's answer merged then).
void Server::deadline_loop() {
  std::unique_lock lock(mu_);
  while (!exit_) {
    auto now = std::chrono::steady_clock::now();
    SteadyTime next = SteadyTime::max();
    for (auto& [key, p] : pending_) {
      if (!p.ours || p.answered || p.deadline == SteadyTime{}) continue;
      if (p.deadline > now) {
        next = std::min(next, p.deadline);
        continue;
      }
      p.answered = true;
      Json result = nullptr;
      for (const auto& [dot, list] : late_lists_)
        if (dot == p.dot) result = list;
      const bool late = !result.is_null();
      merge_completion(result, *p.ours, settings_.merge, settings_.rank);
      if (result.is_array()) result = Json{{"items", std::move(result)}};
      result["isIncomplete"] = true;
      client_.write(make_response(p.id, std::move(result)));
      log(fmt::format("completion: the upstream is past {} ms; our list sent{}", settings_.merge.deadline_ms,
                      late ? " with its late list from before" : ""));
    }
    if (next == SteadyTime::max())
      deadline_cv_.wait(lock);
    else
      deadline_cv_.wait_until(lock, next);
  }
}

}  // namespace dw::lsp
