// Python source -> ExtractedFile: parse with tree-sitter (error-tolerant), infer light static types,
// serialize the AST by in-order depth-first traversal and label every member access as a site.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "syntax/Extracted.h"
#include "syntax/Typeshed.h"

namespace dw {

struct ParseCache;  // syntax/Parser.h

enum class Skip : uint8_t { None, Empty, TooLarge, Binary, NotUtf8, TooDeep, ParseFailed };
const char* skip_name(Skip s);

struct ExtractOptions {
  uint64_t max_bytes = 10u << 20;  // larger files are skipped (counted)
  double max_invalid_utf8 = 0.01;  // share of bad bytes repaired (as U+FFFD) before the file counts as not UTF-8
  // Deeper ASTs are cut here (counted), never recursed into. 400 keeps the recursive serializer inside
  // an 8 MB stack even with sanitizer-sized frames; real code stays far below (Python allows 200 parens).
  uint32_t max_depth = 400;
};

struct ExtractResult {
  ExtractedFile file;
  Skip skip = Skip::None;
  bool repaired_utf8 = false;  // some invalid bytes were replaced
  bool depth_capped = false;
};

class Extractor {
 public:
  explicit Extractor(const TypeshedIndex& stubs, ExtractOptions opt = {});
  // Thread-safe: each call uses its own parser.
  ExtractResult extract(std::string_view source) const;
  // The same result; `reuse` (one document's last parse) makes re-extracting an edited text cheaper.
  ExtractResult extract(std::string_view source, ParseCache* reuse) const;

 private:
  const TypeshedIndex& stubs_;
  ExtractOptions opt_;
};

}  // namespace dw
