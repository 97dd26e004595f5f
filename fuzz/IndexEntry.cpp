#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fuzz/Entries.h"
#include "index/ModuleScan.h"
#include "index/ProjectIndex.h"
#include "index/TokenScan.h"

namespace dw::fuzz {
namespace fs = std::filesystem;
namespace {

// Where the fuzzed files live: never written (update_file takes the text), but a real root, so the
// files get package module names and their imports of each other resolve.
const fs::path& root() {
  static const fs::path r = [] {
    std::string tmpl = (fs::temp_directory_path() / "dotwise-fuzz-index-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    return fs::path(tmpl);
  }();
  return r;
}

// The input as a small project: files separated by NUL bytes, at most 8, at fixed paths of one
// package (so `from .m1 import C` and `class A(m2.B)` link them, cycles included).
std::vector<std::pair<fs::path, std::string_view>> files_of(std::string_view bytes) {
  std::vector<std::pair<fs::path, std::string_view>> out;
  for (size_t i = 0; i < 8 && !bytes.empty(); ++i) {
    size_t cut = bytes.find('\0');
    std::string_view text = bytes.substr(0, cut);
    out.emplace_back(root() / "pkg" / (i == 0 ? std::string("__init__.py") : "m" + std::to_string(i) + ".py"), text);
    if (cut == std::string_view::npos) break;
    bytes.remove_prefix(cut + 1);
  }
  return out;
}

std::map<std::string, uint32_t> uses_of(const ProjectIndex& ix, const std::string& key, const fs::path& exclude) {
  std::map<std::string, uint32_t> out;
  ix.key_uses(key, exclude, [&](std::string_view m, uint32_t n) { out[std::string(m)] += n; });
  return out;
}
}  // namespace

void index_bytes(std::string_view bytes) {
  const auto files = files_of(bytes);
  // Both ways of reading a file, the input's length choosing (the server reads tokens by default).
  const ScanKind reader = bytes.size() % 2 ? ScanKind::Tokens : ScanKind::Parse;
  ProjectIndex ix({}, reader);
  ix.build({root()});  // an empty root: what follows comes from update_file, as edits do
  for (const auto& [path, text] : files) ix.update_file(path, text);
  const IndexStats first = ix.stats();
  require(first.files <= files.size(), "no more files than were given");
  for (const auto& [path, text] : files) ix.update_file(path, text);  // the same text again: nothing changes
  const IndexStats again = ix.stats();
  require(again.files == first.files && again.uses == first.uses && again.classes == first.classes,
          "re-indexing the same text is idempotent");

  // Every query a completion makes, on every key, class and module the files mention.
  std::set<std::string> keys, classes;
  for (const auto& [path, text] : files) {
    bool pkg = false;
    const std::string mod = ix.module_for(path, &pkg);
    ModuleScan scan = scan_file(text, mod, pkg, reader);
    for (const auto& u : scan.uses) keys.insert(u.key);
    // The engine's token scan of the same text, closing brackets at a point inside it.
    const ModuleScan tok = scan_tokens(text, mod, pkg, text.size() / 2);
    for (const auto& c : tok.classes) require(c.first_line <= c.last_line, "a class ends after it starts");
    for (const auto& u : tok.uses) require(!u.member.empty(), "a use names its member");
    for (const auto& c : scan.classes) classes.insert(mod + "." + c.name), classes.insert(c.name);
    for (const auto& imp : scan.imports) ix.resolve_module(imp.module);
    ix.module_members(mod);
  }
  for (const auto& key : keys) {
    const auto all = uses_of(ix, key, {});
    for (const auto& [path, text] : files) {
      for (const auto& [m, n] : uses_of(ix, key, path)) {
        auto it = all.find(m);
        require(it != all.end() && n <= it->second, "leaving a file out never adds uses");
      }
    }
    std::vector<std::string_view> names;
    for (const auto& [m, n] : all) names.push_back(m);
    const auto on_key = ix.key_member_uses(key, names, {});
    const auto bare = ix.key_use_counts(key, {});
    require(bare.size() == all.size(), "the counts alone list every member");
    for (size_t i = 0; i < names.size(); ++i)
      require(on_key[i] == all.at(std::string(names[i])), "a member's count on a key is the one key_uses gives");
    const auto counts = ix.member_uses(names, {});
    for (size_t i = 0; i < names.size(); ++i)
      require(counts[i] >= all.at(std::string(names[i])), "a member is used at least as often as on one key");
  }
  for (const auto& cls : classes) {
    const std::string q = ix.resolve_class(cls, "pkg");
    size_t bases = 0;
    for (const auto& m : ix.class_members(q.empty() ? cls : q, [&](const std::string&) { ++bases; }))
      require(!m.name.empty(), "members have names");
  }

  for (const auto& [path, text] : files) ix.remove_file(path);
  const IndexStats gone = ix.stats();
  require(gone.files == 0 && gone.uses == 0 && gone.classes == 0, "removing every file empties the index");
  for (const auto& key : keys) require(uses_of(ix, key, {}).empty(), "no uses outlive their file");
}

}  // namespace dw::fuzz
