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

// How a module is read: its tokens (scan_tokens, the default) or a tree-sitter parse (scan_source;
// ~10x the time, and the parse tree of a 500 KB file is ~10 MB at once). `close_after` is for the
// tokens, `cache` for the parse.
enum class ScanKind { Tokens, Parse };

inline ModuleScan scan_file(std::string_view src, std::string module, bool package, ScanKind kind,
                            size_t close_after = SIZE_MAX, ParseCache* cache = nullptr) {
  return kind == ScanKind::Tokens ? scan_tokens(src, std::move(module), package, close_after)
                                  : scan_source(src, std::move(module), package, cache);
}

}  // namespace dw
