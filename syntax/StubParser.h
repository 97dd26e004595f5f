// Reads one .pyi file into a StubModule (names, classes, imports), following only the
// `if sys.platform ...` / `if sys.version_info ...` branches that hold on Linux, Python 3.12.
#pragma once
#include <string>
#include <string_view>

#include "syntax/StubModel.h"

namespace dw {
StubModule parse_stub(std::string_view source, std::string module_name, bool package);
}  // namespace dw
