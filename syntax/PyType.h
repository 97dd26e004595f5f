// The light static types the extractor infers. Deliberately small: what a receiver *is* (a module,
// a class, an instance of a class, a function) and its name, which becomes the completion class.
#pragma once
#include <string>

namespace dw {

struct PyType {
  enum Kind : uint8_t { Unknown, Module, Class, Instance, Function };
  Kind kind = Unknown;
  // Module: dotted module name ("os.path"). Class/Instance: the class's public qualified name ("str",
  // "logging.Logger", "io.TextIOWrapper"; bare name for a class of the file itself). Function: an
  // internal handle the stub index understands ("builtins:open", "builtins:str.split").
  std::string name;
  std::string self;   // Function: the receiver class a method was reached through (for `-> Self`)
  bool local = false; // Class/Instance/Function defined in the file being extracted

  static PyType unknown() { return {}; }
  static PyType module(std::string n) { return {Module, std::move(n)}; }
  static PyType cls(std::string n, bool local = false) { return {Class, std::move(n), {}, local}; }
  static PyType instance(std::string n, bool local = false) { return {Instance, std::move(n), {}, local}; }
  bool known() const { return kind != Unknown; }
  bool operator==(const PyType&) const = default;

  // The completion class shown for a receiver of this type ("" when unknown or a function).
  std::string completion_class() const {
    return kind == Module || kind == Class || kind == Instance ? name : std::string();
  }
};

}  // namespace dw
