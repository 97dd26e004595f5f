// textDocument/did{Open,Change,Close} and notebookDocument/did{Open,Change,Close}: kept in both
// modes (the proxy needs the text to rank what the upstream returns).
#include "lsp/Server.h"

namespace dw::lsp {

void Server::on_did_open(const Json& msg) {
  if (const Json* td = find_path(msg, {"params", "textDocument"})) docs_.open(*td);
}

void Server::on_did_change(const Json& msg) {
  if (auto err = docs_.change(msg.value("params", Json::object())); !err.empty()) log(err);
}

void Server::on_did_close(const Json& msg) {
  std::string uri = string_at(msg, {"params", "textDocument", "uri"});
  docs_.close(uri);
  if (predictor_) predictor_->forget(uri);
  windows_.remove_if([&](const auto& w) { return w.first == uri; });
}

void Server::on_notebook_open(const Json& msg) { docs_.notebook_open(msg.value("params", Json::object())); }

void Server::on_notebook_change(const Json& msg) {
  if (auto err = docs_.notebook_change(msg.value("params", Json::object())); !err.empty()) log(err);
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
