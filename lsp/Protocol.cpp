#include "lsp/Protocol.h"

namespace dw::lsp {

const Json* find_path(const Json& j, std::initializer_list<std::string_view> path) {
  const Json* cur = &j;
  for (auto key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string string_at(const Json& j, std::initializer_list<std::string_view> path, std::string fallback) {
  const Json* v = find_path(j, path);
  return v && v->is_string() ? v->get<std::string>() : fallback;
}

}  // namespace dw::lsp
