// Flow-insensitive light typing of one file: every name binding per scope (imports, assignments,
// `with ... as`, annotated parameters, `self`, defs and classes), resolved lazily against the stub
// index. A name bound to different types in one scope is unknown.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "syntax/Parser.h"
#include "syntax/PyType.h"
#include "syntax/Typeshed.h"

namespace dw {

class FileTypes {
 public:
  FileTypes(TSNode root, std::string_view src, const TypeshedIndex& stubs, uint32_t max_depth);
  ~FileTypes();

  struct Scope;
  const Scope* scope_of(TSNode def) const;  // the scope a def/class/module node opens
  const Scope* module_scope() const;

  PyType name_type(const Scope* s, std::string_view name);  // the type a name denotes in scope s
  PyType expr_type(TSNode expr, const Scope* s);             // the type of an expression in scope s

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace dw
