// JSON-RPC 2.0 / LSP 3.17 message shapes the server builds and inspects. Messages stay nlohmann::json
// values end to end so a proxied message is passed on with every field it came with.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dw::lsp {

using Json = nlohmann::json;

enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kServerNotInitialized = -32002,
  kRequestFailed = -32803,
  kContentModified = -32801,
  kRequestCancelled = -32800,
};

inline bool is_request(const Json& m) { return m.contains("method") && m.contains("id"); }
inline bool is_notification(const Json& m) { return m.contains("method") && !m.contains("id"); }
inline bool is_response(const Json& m) { return !m.contains("method") && m.contains("id"); }
inline std::string method_of(const Json& m) {
  auto it = m.find("method");
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline Json make_response(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}
inline Json make_error(const Json& id, int code, std::string_view message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}
inline Json make_notification(std::string_view method, Json params) {
  return {{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}
inline Json make_request(const Json& id, std::string_view method, Json params) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

// A key for an id (number or string) usable in maps: numbers and strings never collide.
inline std::string id_key(const Json& id) { return id.is_string() ? "s" + id.get<std::string>() : "n" + id.dump(); }

// Member lookup that tolerates wrong types: `path` walks objects; returns nullptr when absent.
// JSON text written directly, for the one big reply (a completion list of hundreds of items), where
// building nlohmann objects and dumping them took ~2 ms of a ~8 ms completion. Invalid UTF-8 becomes
// U+FFFD, as Transport::write's dump does.
void append_json_string(std::string& out, std::string_view s);
// A message's wire text: compact, invalid UTF-8 replaced (a document's bytes must not make dump throw).
inline std::string json_text(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }
// A response whose result is already JSON text.
std::string response_text(const Json& id, std::string_view result_json);

const Json* find_path(const Json& j, std::initializer_list<std::string_view> path);
std::string string_at(const Json& j, std::initializer_list<std::string_view> path, std::string fallback = {});

}  // namespace dw::lsp
