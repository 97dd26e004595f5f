#include "syntax/Parser.h"

#include <stdexcept>

extern "C" const TSLanguage* tree_sitter_python();

namespace dw {

PythonParser::PythonParser() : p_(ts_parser_new()) {
  if (!p_ || !ts_parser_set_language(p_, tree_sitter_python()))
    throw std::runtime_error("tree-sitter: the Python grammar's ABI does not match the runtime");
}

PythonParser::~PythonParser() { ts_parser_delete(p_); }

Tree PythonParser::parse(std::string_view source) {
  ts_parser_reset(p_);
  return Tree(ts_parser_parse_string(p_, nullptr, source.data(), uint32_t(source.size())));
}

}  // namespace dw
