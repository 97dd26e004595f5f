// What the stub index keeps of one parsed .pyi module: names and, for classes, their members.
// Annotations stay as source text and are resolved lazily, in the module that wrote them.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace dw {

struct StubClass;

struct StubSymbol {
  enum Kind : uint8_t { Class, Function, Variable, ModuleImport, FromImport, Alias };
  Kind kind = Variable;
  std::string text;    // Function: return annotation; Variable: annotation; ModuleImport/FromImport: module; Alias: target
  std::string origin;  // FromImport: the imported name
  bool property = false;   // Function decorated with @property: reading it yields its return type
  bool reexport = false;   // FromImport written `import X as X` (part of the module's public surface)
  std::shared_ptr<StubClass> cls;  // Class
};

struct StubClass {
  std::string name;
  std::vector<std::string> bases;  // source text of each base expression
  std::map<std::string, StubSymbol> members;
};

struct StubModule {
  std::string name;
  bool package = false;  // an __init__.pyi: relative imports resolve inside it
  std::map<std::string, StubSymbol> names;
  std::vector<std::string> star_imports;  // modules `from M import *` pulled in
};

}  // namespace dw
