#include "lsp/Server.h"

#include <fmt/core.h>
#include <signal.h>

namespace dw::lsp {

Server::Server(ServerOptions opt, int in_fd, int out_fd)
    : opt_(std::move(opt)), client_(in_fd, out_fd), settings_(opt_.settings), proxy_(!opt_.upstream.empty()) {
  ::signal(SIGPIPE, SIG_IGN);  // a vanished peer shows up as a failed write, not a dead server
  stubs_ = std::make_unique<TypeshedIndex>(opt_.stub_roots.empty() ? TypeshedIndex::default_roots() : opt_.stub_roots);
  extractor_ = std::make_unique<Extractor>(*stubs_);
  handlers_ = {
      {"initialize", &Server::on_initialize},
      {"initialized", &Server::on_initialized},
      {"shutdown", &Server::on_shutdown},
      {"exit", &Server::on_exit},
      {"workspace/didChangeConfiguration", &Server::on_did_change_configuration},
      {"textDocument/didOpen", &Server::on_did_open},
      {"textDocument/didChange", &Server::on_did_change},
      {"textDocument/didClose", &Server::on_did_close},
      {"notebookDocument/didOpen", &Server::on_notebook_open},
      {"notebookDocument/didChange", &Server::on_notebook_change},
      {"notebookDocument/didClose", &Server::on_notebook_close},
      {"textDocument/completion", &Server::on_completion},
      {"textDocument/didSave", &Server::on_did_save},
      {"workspace/didChangeWatchedFiles", &Server::on_did_change_watched_files},
  };
}

Server::~Server() {
  if (index_thread_.joinable()) {
    index_stop_ = true;
    index_cv_.notify_all();
    index_thread_.join();
  }
  if (up_thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      exit_ = true;
      if (up_) ::kill(up_->pid(), SIGKILL);
    }
    up_thread_.join();
  }
  if (deadline_thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      exit_ = true;
    }
    deadline_cv_.notify_all();
    deadline_thread_.join();
  }
}

void Server::log(const std::string& line) const {
  if (opt_.log) fmt::print(stderr, "dotwise serve: {}\n", line);
}

void Server::send_request_to_client(const std::string& method, Json params,
                                    std::function<void(const Json&)> on_response) {
  Json id = "dotwise/" + std::to_string(next_id_++);
  own_requests_[id_key(id)] = std::move(on_response);
  client_.write(make_request(id, method, std::move(params)));
}

bool Server::cancelled_ahead(const Json& id) {
  if (!client_.message_ready()) return false;
  auto& ahead = client_.lookahead();
  for (auto it = ahead.begin(); it != ahead.end(); ++it)
    if (it->kind == Incoming::kMessage && method_of(it->message) == "$/cancelRequest") {
      const Json* cid = find_path(it->message, {"params", "id"});
      if (cid && *cid == id) {
        ahead.erase(it);
        return true;
      }
    }
  return false;
}

void Server::dispatch(const Json& msg) {
  if (is_response(msg)) {
    auto it = own_requests_.find(id_key(msg["id"]));
    if (it != own_requests_.end()) {
      auto fn = std::move(it->second);
      own_requests_.erase(it);
      fn(msg);
    }
    return;
  }
  const std::string method = method_of(msg);
  const bool request = is_request(msg);
  if (method.empty() || !msg.contains("method") ||
      (request && !(msg["id"].is_number_integer() || msg["id"].is_string()))) {
    reply_error(request ? msg["id"] : Json(nullptr), kInvalidRequest, "not a JSON-RPC request or notification");
    return;
  }
  // A request method sent as a notification (no id): there is no one to answer, and its handler
  // would reply to msg["id"], which a const Json does not have (found by fuzz_lsp: use-after-free).
  if (!request && (method == "initialize" || method == "shutdown" || method == "textDocument/completion")) {
    log(method + " sent without an id: ignored");
    return;
  }
  if (request && !initialized_ && method != "initialize") {
    reply_error(msg["id"], kServerNotInitialized, "initialize first");
    return;
  }
  if (request && shutdown_ && method != "shutdown") {
    reply_error(msg["id"], kInvalidRequest, "the server is shutting down");
    return;
  }
  if (request && cancelled_ahead(msg["id"])) {
    reply_error(msg["id"], kRequestCancelled, "cancelled");
    return;
  }
  auto h = handlers_.find(method);
  if (h != handlers_.end()) {
    try {
      (this->*(h->second))(msg);
    } catch (const std::exception& e) {
      log(method + ": " + e.what());
      if (request) reply_error(msg["id"], kInternalError, e.what());
    }
    return;
  }
  // Unknown: a request gets MethodNotFound; a notification (incl. $/ ones) is ignored, per the spec.
  if (request) reply_error(msg["id"], kMethodNotFound, "method not supported: " + method);
}

int Server::run() {
  if (proxy_) return run_proxy();
  for (;;) {
    Incoming in = client_.read();
    if (in.kind == Incoming::kEof) return 1;  // no `exit`: the spec's error exit
    if (in.kind == Incoming::kMalformed) {
      log("malformed message: " + in.error);
      reply_error(nullptr, kParseError, in.error);
      continue;
    }
    std::lock_guard lock(mu_);
    dispatch(in.message);
    if (exit_) return shutdown_ ? 0 : 1;
  }
}

}  // namespace dw::lsp
