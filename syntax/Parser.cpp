#include "syntax/Parser.h"

#include <algorithm>
#include <stdexcept>

extern "C" const TSLanguage* tree_sitter_python();

namespace dw {

const TSLanguage* python_language() { return tree_sitter_python(); }

PythonParser::PythonParser() : p_(ts_parser_new()) {
  if (!p_ || !ts_parser_set_language(p_, tree_sitter_python()))
    throw std::runtime_error("tree-sitter: the Python grammar's ABI does not match the runtime");
}

PythonParser::~PythonParser() { ts_parser_delete(p_); }

Tree PythonParser::parse(std::string_view source) {
  ts_parser_reset(p_);
  return Tree(ts_parser_parse_string(p_, nullptr, source.data(), uint32_t(source.size())));
}

TSFieldId field_id(std::string_view name) {
  thread_local std::vector<std::pair<std::string, TSFieldId>> known;
  for (const auto& [k, id] : known)
    if (k == name) return id;
  const TSFieldId id = ts_language_field_id_for_name(tree_sitter_python(), name.data(), uint32_t(name.size()));
  if (known.size() < 256) known.emplace_back(name, id);  // names come from our code, but stay bounded
  return id;
}

namespace {
TSPoint point_at(std::string_view text, size_t byte) {
  const std::string_view head = text.substr(0, byte);
  const size_t nl = head.rfind('\n');
  return {uint32_t(std::count(head.begin(), head.end(), '\n')),
          uint32_t(nl == std::string_view::npos ? byte : byte - nl - 1)};
}
}  // namespace

Tree PythonParser::parse(std::string_view source, ParseCache& cache) {
  if (cache.tree) {
    // One edit spanning everything between the common prefix and the common suffix.
    const std::string_view old = cache.text;
    const size_t n = std::min(old.size(), source.size());
    size_t pre = size_t(std::mismatch(old.begin(), old.begin() + long(n), source.begin()).first - old.begin());
    size_t suf = 0;
    while (suf < n - pre && old[old.size() - 1 - suf] == source[source.size() - 1 - suf]) ++suf;
    TSInputEdit e{uint32_t(pre),      uint32_t(old.size() - suf),      uint32_t(source.size() - suf),
                  point_at(old, pre), point_at(old, old.size() - suf), point_at(source, source.size() - suf)};
    ts_tree_edit(cache.tree.get(), &e);
  }
  ts_parser_reset(p_);
  Tree t(ts_parser_parse_string(p_, cache.tree.get(), source.data(), uint32_t(source.size())));
  cache.tree.reset(t ? ts_tree_copy(t.get()) : nullptr);
  cache.text.assign(source);
  return t;
}

}  // namespace dw
