// Bounds the text a completion parses. Parsing and typing a whole 5k-line file costs ~100+ ms per
// keystroke; the model sees only its last `lookback` tokens anyway. So the context is the module's
// top-level imports and assignments (receiver types come mostly from them) plus the text from the start of a
// top-level statement at least `max_lines` above the cursor. The start moves in steps of `step`
// lines, so while typing it stays put and the per-document model state stays reusable.
#pragma once
#include <string>
#include <string_view>

namespace dw::lsp {

struct WindowOptions {
  size_t max_lines = 80;  // 0: no window, the whole text
  size_t step = 32;
};

std::string context_window(std::string_view before_cursor, WindowOptions opt = {});

}  // namespace dw::lsp
