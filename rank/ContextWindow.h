// Bounds the text a completion parses. Parsing and typing a whole 5k-line file costs ~100+ ms per
// keystroke; the model sees only its last `lookback` tokens anyway. So the context is the module's
// top-level imports and assignments (receiver types come mostly from them) plus the text from the start of a
// top-level statement at least `max_lines` above the cursor. The start moves in steps of `step`
// lines, so while typing it stays put and the per-document model state stays reusable.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

struct WindowOptions {
  size_t max_lines = 80;  // 0: no window, the whole text
  size_t step = 32;
};

// Where a line-by-line scan stands: bracket depth and an open triple-quoted string. Enough lexing to
// tell statement starts from continuation lines and string contents; not a tokenizer.
struct LineScan {
  int32_t depth = 0;
  char triple = 0;  // the quote of an open triple-quoted string, else 0
  bool at_statement_level() const { return depth == 0 && triple == 0; }
};

// What the last call learned about one document. Scanning every line above the cursor costs ~0.5 ms
// on a 5k-line file; with the cache a call rescans only from the first line that changed.
struct WindowCache {
  // The text seen last time, as a hash per kHashBlock bytes (the last block may be shorter): enough
  // to tell how much of it is unchanged, without a second copy of a document that may be megabytes.
  static constexpr size_t kHashBlock = 4096;
  std::vector<uint64_t> blocks;
  size_t size = 0;
  std::vector<size_t> starts;      // where each of its lines starts
  std::vector<LineScan> before;    // the scan state before each line up to the window's start
  size_t header_first = SIZE_MAX;  // `header` holds the imports and assignments of lines [0, header_first),
  size_t header_bytes = 0;         // which span these bytes of `text`
  std::string header;
};

// The text to parse for a completion at the end of `before_cursor`; the same with or without a cache.
std::string context_window(std::string_view before_cursor, WindowOptions opt = {}, WindowCache* cache = nullptr);

}  // namespace dw
