#include "syntax/Extractor.h"

#include "support/Utf8.h"
#include "syntax/Parser.h"
#include "syntax/Scopes.h"
#include "syntax/Serializer.h"

namespace dw {

const char* skip_name(Skip s) {
  switch (s) {
    case Skip::None:
      return "none";
    case Skip::Empty:
      return "empty";
    case Skip::TooLarge:
      return "too-large";
    case Skip::Binary:
      return "binary";
    case Skip::NotUtf8:
      return "not-utf8";
    case Skip::TooDeep:
      return "too-deep";
    case Skip::ParseFailed:
      return "parse-failed";
  }
  return "?";
}

namespace {
// Replaces each invalid UTF-8 sequence by U+FFFD; returns how many were replaced.
size_t repair_utf8(std::string_view in, std::string& out) {
  size_t bad = 0;
  out.clear();
  out.reserve(in.size());
  while (!in.empty()) {
    size_t at = first_invalid_utf8(in);
    if (at == std::string_view::npos) {
      out.append(in);
      break;
    }
    out.append(in.substr(0, at));
    out.append("\xEF\xBF\xBD");
    ++bad;
    in.remove_prefix(at + 1);
  }
  return bad;
}
}  // namespace

Extractor::Extractor(const TypeshedIndex& stubs, ExtractOptions opt) : stubs_(stubs), opt_(opt) {}

ExtractResult Extractor::extract(std::string_view source) const { return extract(source, nullptr); }

ExtractResult Extractor::extract(std::string_view source, ParseCache* reuse) const {
  ExtractResult r;
  if (source.size() > opt_.max_bytes) {
    r.skip = Skip::TooLarge;
    return r;
  }
  if (source.find_first_not_of(" \t\r\n\f") == std::string_view::npos) {
    r.skip = Skip::Empty;
    return r;
  }
  if (source.find('\0') != std::string_view::npos) {
    r.skip = Skip::Binary;  // Python source never holds NUL bytes; this is data or a compiled file
    return r;
  }
  std::string repaired;
  if (!is_valid_utf8(source)) {
    size_t bad = repair_utf8(source, repaired);
    if (double(bad) > opt_.max_invalid_utf8 * double(source.size())) {
      r.skip = Skip::NotUtf8;
      return r;
    }
    r.repaired_utf8 = true;
    source = repaired;
  }
  thread_local PythonParser parser;
  Tree tree = reuse ? parser.parse(source, *reuse) : parser.parse(source);
  if (!tree) {
    r.skip = Skip::ParseFailed;
    return r;
  }
  TSNode root = ts_tree_root_node(tree.get());
  FileTypes types(root, source, stubs_, opt_.max_depth);
  SerializeStats st = serialize(root, source, types, opt_.max_depth, r.file);
  r.depth_capped = st.depth_capped;
  return r;
}

}  // namespace dw
