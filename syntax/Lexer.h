// A Python tokenizer for the places where a parse costs too much: the engine's scan of the document
// around the cursor runs once per completion, and tree-sitter reads ~3 MB/s on this machine (an 18 KB
// window: 3-6 ms, the largest stage of a first completion); this reads ~100 MB/s. It yields tokens
// grouped into logical lines (brackets, backslashes and triple-quoted strings joined), the indentation
// of each, and the code inside f-string replacement fields, which tree-sitter also parses as code.
// Error-tolerant like the editor's text is: nothing is rejected, and a line left with open brackets
// (the line being typed, `f(x.`) is closed where a statement keyword shows the next line begins.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace dw {

enum class TokKind : uint8_t { Name, Number, String, Op };

struct Token {
  TokKind kind;
  uint32_t begin, end;  // byte offsets into the source
  uint32_t line;        // 0-based line of `begin`
  uint32_t end_line;    // 0-based line of `end` (differs for triple-quoted strings)
  // For a closing bracket: the index of its opening one, or -1 (unbalanced). Ops only.
  int32_t match = -1;
};

struct LogicalLine {
  uint32_t first, last;  // tokens [first, last)
  uint32_t indent;       // the first token's column, tabs to multiples of 8
};

// The code of one f-string replacement field (`{x.y}`): tokens [first, last) of Lexed::field_tokens,
// inside logical line `line`.
struct FieldRange {
  uint32_t first, last, line;
};

struct Lexed {
  std::vector<Token> tokens;
  std::vector<LogicalLine> lines;
  std::vector<Token> field_tokens;
  std::vector<FieldRange> fields;
  // Comments on lines of their own, {line, column}: a parser counts them into the block above
  // when they are indented like its body.
  std::vector<std::pair<uint32_t, uint32_t>> comments;
};

// `close_after`: brackets still open at the first line end after this offset are closed there (the
// line being completed is unfinished; without it, the rest of the text would read as its arguments).
Lexed lex_python(std::string_view src, size_t close_after = SIZE_MAX);

// Hard keywords: never a name in an expression.
bool is_keyword(std::string_view name);

inline std::string_view token_text(const Token& t, std::string_view src) {
  return src.substr(t.begin, t.end - t.begin);
}

}  // namespace dw
