// UTF-8 validation: tree-sitter assumes valid UTF-8, so the extractor checks (and counts) first.
#pragma once
#include <string_view>

namespace dw {
// Returns the byte offset of the first invalid sequence, or npos when `s` is valid UTF-8.
size_t first_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return first_invalid_utf8(s) == std::string_view::npos; }
}  // namespace dw
