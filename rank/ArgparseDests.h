// The attributes argparse puts on the namespace `parse_args()` returns, read off the
// `add_argument(...)` calls of a text: `add_argument('--dry-run')` gives `args.dry_run`. A script's
// `args.` is completed with what its own parser defines, which no stub and often no earlier use shows.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dw {

struct ArgparseDest {
  std::string name;  // the attribute: `dest=`, else the first long option, else the first short one or
                     // the positional's name, with '-' read as '_'
  size_t at = 0;     // where its add_argument call starts in the text
};

// In text order; calls whose arguments are not plain string literals up to the first non-string are
// skipped. Reads at most `max_calls` calls.
std::vector<ArgparseDest> argparse_dests(std::string_view text, size_t max_calls = 2000);

// Receiver names that conventionally hold a parsed namespace (`args`, `opts`, `options`, ...).
bool namespace_like(std::string_view receiver);

}  // namespace dw
