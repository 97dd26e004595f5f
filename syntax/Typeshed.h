// Type facts from stub files: pyright's bundled typeshed (stdlib + third-party stubs) and any extra
// roots holding packages' own .pyi (numpy ships its own). Modules are parsed on first use and cached;
// the index is safe to share between threads.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "syntax/PyType.h"

namespace dw {

class TypeshedIndex {
 public:
  // Stub roots, searched in order; for typeshed give its directory (stdlib/ and stubs/*/ are found inside).
  explicit TypeshedIndex(std::vector<std::filesystem::path> roots);
  ~TypeshedIndex();
  TypeshedIndex(const TypeshedIndex&) = delete;
  TypeshedIndex& operator=(const TypeshedIndex&) = delete;

  // The default roots: $DOTWISE_TYPESHED or the build's node_modules typeshed, plus the system
  // Python's dist-packages for packages that ship .pyi files.
  static std::vector<std::filesystem::path> default_roots();

  // Public member names of a completion class ("str", "os.path", "logging.Logger", "numpy"),
  // sorted, inherited members included; empty when the class is unknown.
  std::vector<std::string> members(std::string_view cls) const;

  // Reads `module`'s stub ahead of use, and the stubs it imports from (socket's types live in
  // _socket): the first completion that needs one otherwise parses it, 1-5 ms each. False: no stub.
  bool warm(std::string_view module) const;

  // Type queries used by the extractor's inference.
  bool has_module(std::string_view module) const;
  PyType builtin(std::string_view name) const;                  // `str`, `open`, `len`, ...
  PyType member(const PyType& t, std::string_view attr) const;  // the type of `t.attr`
  PyType call(const PyType& t) const;                           // the type of `t(...)`
  PyType enter(const PyType& t) const;                          // the type bound by `with t as x`

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dw
