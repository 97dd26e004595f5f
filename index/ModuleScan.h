// What the project index keeps of one Python module, read off its tree-sitter tree in one walk:
// the top-level names, the classes with their members (defs, class attributes, `self.x = ...` in
// methods), the imports (relative ones resolved against the module's own name), and every
// attribute access `recv.member` keyed by a normalized receiver (see receiver_key).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "syntax/Parser.h"

namespace dw {

enum class MemberKind : uint8_t { Unknown, Method, Property, Attribute, Class, Function, Variable, Module };
const char* member_kind_name(MemberKind k);

struct NamedMember {
  std::string name;
  MemberKind kind = MemberKind::Unknown;
};

struct ClassScan {
  std::string name;                // within the module, nested classes dotted ("Outer.Inner")
  std::vector<std::string> bases;  // source text of each base expression
  std::vector<NamedMember> members;
  uint32_t first_line = 0, last_line = 0;
};

struct ImportScan {
  std::string local;   // the name bound in the module
  std::string module;  // absolute dotted module
  std::string name;    // `from module import name`; empty for `import module`
};

struct AttrUse {
  std::string key;     // receiver_key of the receiver
  std::string member;  // the attribute name
  uint32_t line = 0;   // 0-based line of the member
};

struct ModuleScan {
  std::string module;  // dotted module name ("pkg.graph"); a package's is its directory's
  bool package = false;
  std::vector<NamedMember> names;  // top-level bindings
  std::vector<ClassScan> classes;
  std::vector<ImportScan> imports;
  std::vector<AttrUse> uses;  // in source order
};

// `module` names the file ("pkg.sub.mod", "pkg" for pkg/__init__.py); relative imports resolve to it.
ModuleScan scan_module(TSNode root, std::string_view src, std::string module, bool package);
// Parses and scans; a file tree-sitter cannot parse gives an empty scan. With `cache` (the last
// parse of the same document), tree-sitter re-parses only what changed since.
ModuleScan scan_source(std::string_view src, std::string module, bool package, ParseCache* cache = nullptr);

// The dotted module a file path names, relative to a root: "a/b/c.py" -> "a.b.c", "a/b/__init__.py" -> "a.b".
std::string module_name_of(std::string_view relpath, bool* package = nullptr);

// The receiver key of a member access, the same for the index and the cursor:
//   self/cls inside a method of class C  -> "self:" + module + "." + C
//   a name imported in the module        -> its module path ("np" -> "numpy", "np.linalg" -> "numpy.linalg")
//   a call / subscript                   -> callee text + "()" / value text + "[]"
//   anything else                        -> the receiver's source text (at most 80 bytes)
// `self_class` is the qualified class for self/cls ("" outside a method); `imports` the module's.
std::string receiver_key(std::string_view receiver_text, std::string_view self_class,
                         const std::vector<ImportScan>& imports);

// An import's module as written (`..pkg.mod`), made absolute against the importing module.
std::string resolve_relative(std::string_view target, std::string_view module, bool package);

// The innermost class of `scan` whose lines hold `line` ("" if none), qualified with the module.
std::string enclosing_class(const ModuleScan& scan, uint32_t line);

}  // namespace dw
