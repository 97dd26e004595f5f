// The ModuleScan of a text read off its tokens (syntax/Lexer), without a parse: what the completion
// engine needs of the document around the cursor on every first completion in a file, at ~30x the
// speed of tree-sitter plus the tree walk. It follows scan_module's rules (the same classes, members,
// imports and keyed attribute uses, in the same order) by the indentation of logical lines; where code
// is malformed the two may differ (tests/index/TokenScanTest.cpp measures how often on real files).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "index/ModuleScan.h"

namespace dw {

// `close_after`: see lex_python (the engine passes the cursor, whose line is unfinished).
ModuleScan scan_tokens(std::string_view src, std::string module, bool package, size_t close_after = SIZE_MAX);

}  // namespace dw
