// textDocument/did{Open,Change,Close} and notebookDocument/did{Open,Change,Close}: kept in both
// modes (the proxy needs the text to rank what the upstream returns).
#include <fmt/format.h>

#include "lsp/Server.h"

namespace dw::lsp {
namespace {
// A document over the size cap is not kept (Documents::set_max_text): without a word, completion
// there would just stop working, so the user is told once, when it goes over.
template <class Log>
void tell_too_large(Documents& docs, Transport& client, Log log) {
  for (const auto& uri : docs.take_too_large()) {
    const size_t cap = docs.max_text();
    std::string m = fmt::format("{} is larger than {} (setting maxDocumentBytes): no completions in it", uri,
                                cap % (1 << 20) ? fmt::format("{} bytes", cap) : fmt::format("{} MB", cap >> 20));
    log(m);
    client.write(make_notification("window/showMessage", {{"type", 2}, {"message", "dotwise: " + m}}));
  }
}
}  // namespace

void Server::on_did_open(const Json& msg) {
  docs_.set_max_text(settings_.max_document);
  if (const Json* td = find_path(msg, {"params", "textDocument"})) docs_.open(*td);
  tell_too_large(docs_, client_, [this](const std::string& m) { log(m); });
}

void Server::on_did_change(const Json& msg) {
  docs_.set_max_text(settings_.max_document);
  if (auto err = docs_.change(msg.value("params", Json::object())); !err.empty()) log(err);
  tell_too_large(docs_, client_, [this](const std::string& m) { log(m); });
  std::string uri = string_at(msg, {"params", "textDocument", "uri"});
  if (const Document* d = docs_.get(uri)) queue_index(uri, d->text);
}

void Server::on_did_close(const Json& msg) {
  std::string uri = string_at(msg, {"params", "textDocument", "uri"});
  docs_.close(uri);
  if (predictor_) predictor_->forget(uri);
  windows_.remove_if([&](const auto& w) { return w.first == uri; });
  std::lock_guard lk(scan_caches_mu_);
  scan_caches_.remove_if([&](const auto& c) { return c.first == uri; });
}

void Server::on_notebook_open(const Json& msg) {
  docs_.set_max_text(settings_.max_document);
  docs_.notebook_open(msg.value("params", Json::object()));
  tell_too_large(docs_, client_, [this](const std::string& m) { log(m); });
}

void Server::on_notebook_change(const Json& msg) {
  docs_.set_max_text(settings_.max_document);
  if (auto err = docs_.notebook_change(msg.value("params", Json::object())); !err.empty()) log(err);
  tell_too_large(docs_, client_, [this](const std::string& m) { log(m); });
}

void Server::on_notebook_close(const Json& msg) { docs_.notebook_close(msg.value("params", Json::object())); }

bool Server::track_document(const Json& msg) {
  static const std::map<std::string, Handler> sync = {
      {"textDocument/didOpen", &Server::on_did_open},
      {"textDocument/didChange", &Server::on_did_change},
      {"textDocument/didClose", &Server::on_did_close},
      {"notebookDocument/didOpen", &Server::on_notebook_open},
      {"notebookDocument/didChange", &Server::on_notebook_change},
      {"notebookDocument/didClose", &Server::on_notebook_close},
  };
  auto it = sync.find(method_of(msg));
  if (it == sync.end() || !is_notification(msg)) return false;
  (this->*(it->second))(msg);
  return true;
}

}  // namespace dw::lsp
