#include "syntax/Typeshed.h"

#include <cstdlib>
#include <mutex>
#include <set>
#include <unordered_map>

#include "support/FileIO.h"
#include "syntax/StubParser.h"

namespace dw {
namespace fs = std::filesystem;

namespace {
bool is_private_module(std::string_view m) {
  for (size_t at = 0; at <= m.size();) {
    if (at < m.size() && m[at] == '_') return true;
    auto dot = m.find('.', at);
    if (dot == std::string_view::npos) break;
    at = dot + 1;
  }
  return false;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '(')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == ')')) s.remove_suffix(1);
  return std::string(s);
}

// Splits at top-level occurrences of `sep` (outside brackets).
std::vector<std::string> split_top(std::string_view s, char sep) {
  std::vector<std::string> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '[' || c == '(')
      ++depth;
    else if (c == ']' || c == ')')
      --depth;
    else if (c == sep && depth == 0) {
      out.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  out.push_back(trim(s.substr(start)));
  return out;
}

std::string display_name(const std::string& module, const std::string& cls) {
  return module == "builtins" ? cls : module + "." + cls;
}
}  // namespace

struct TypeshedIndex::Impl {
  std::vector<fs::path> roots;                                        // searched for <module path>.pyi / __init__.pyi
  std::unordered_map<std::string, std::vector<fs::path>> dist_roots;  // typeshed stubs/<dist>/ by top-level package
  std::mutex mu;
  std::unordered_map<std::string, std::unique_ptr<StubModule>> modules;          // null: no stub
  std::unordered_map<std::string, std::pair<std::string, std::string>> classes;  // display -> (module, class)

  // A module's stub is read and parsed outside the lock: numpy's takes ~50 ms, and a completion
  // needing another module must not wait behind it (the server warms the stubs on its own thread).
  const StubModule* module(const std::string& name) {
    {
      std::lock_guard lk(mu);
      if (auto it = modules.find(name); it != modules.end()) return it->second.get();
    }
    std::unique_ptr<StubModule> found = load(name);
    std::lock_guard lk(mu);
    return modules.emplace(name, std::move(found)).first->second.get();  // a racing load's result wins
  }

  std::unique_ptr<StubModule> load(const std::string& name) const {
    if (name.empty() || name.size() >= 200) return nullptr;
    std::string rel = name;
    for (auto& c : rel)
      if (c == '.') c = '/';
    std::vector<fs::path> bases = roots;
    auto top = name.substr(0, name.find('.'));
    if (auto d = dist_roots.find(top); d != dist_roots.end())
      bases.insert(bases.end(), d->second.begin(), d->second.end());
    for (const auto& base : bases)
      for (bool pkg : {false, true}) {
        fs::path p = pkg ? base / rel / "__init__.pyi" : base / (rel + ".pyi");
        auto r = read_file(p, 16u << 20);
        if (r.error.empty()) return std::make_unique<StubModule>(parse_stub(r.data, name, pkg));
      }
    return nullptr;
  }

  // The value named `name` in module `m`. `display` is the public module a private one was reached through.
  PyType resolve_name(const StubModule* m, const std::string& name, std::string display, int depth) {
    if (!m || depth > 12) return {};
    if (display.empty() || !is_private_module(m->name)) display = m->name;
    auto it = m->names.find(name);
    if (it == m->names.end()) {
      if (module(m->name + "." + name)) return PyType::module(m->name + "." + name);
      for (const auto& star : m->star_imports) {
        PyType t = resolve_name(module(relative(m, star)), name, display, depth + 1);
        if (t.known()) return t;
      }
      return {};
    }
    const StubSymbol& s = it->second;
    switch (s.kind) {
      case StubSymbol::Class: {
        std::string shown = display_name(display, name);
        std::lock_guard lk(mu);
        classes.emplace(shown, std::make_pair(m->name, name));
        return PyType::cls(shown);
      }
      case StubSymbol::Function: {
        PyType f;
        f.kind = PyType::Function;
        f.name = m->name + ":" + name;
        return f;
      }
      case StubSymbol::Variable:
        return instance_of(m, s.text, "", depth + 1);
      case StubSymbol::ModuleImport:
        return PyType::module(s.text);
      case StubSymbol::FromImport: {
        std::string src = relative(m, s.text);
        if (module(src + "." + s.origin)) return PyType::module(src + "." + s.origin);
        return resolve_name(module(src), s.origin, is_private_module(src) ? display : std::string(), depth + 1);
      }
      case StubSymbol::Alias:
        return resolve_dotted(m, s.text, display, depth + 1);
    }
    return {};
  }

  std::string relative(const StubModule* m, const std::string& target) {
    if (target.empty() || target[0] != '.') return target;
    size_t dots = target.find_first_not_of('.');
    if (dots == std::string::npos) dots = target.size();
    std::string base = m->name;
    size_t up = dots - (m->package ? 1 : 0);
    for (size_t i = 0; i < up; ++i) {
      auto cut = base.rfind('.');
      base = cut == std::string::npos ? std::string() : base.substr(0, cut);
    }
    std::string rest = target.substr(dots);
    return base.empty() ? rest : rest.empty() ? base : base + "." + rest;
  }

  // `a.b.c` evaluated in module m (builtins as the fallback scope).
  PyType resolve_dotted(const StubModule* m, const std::string& text, const std::string& display, int depth) {
    auto parts = split_top(text, '.');
    if (parts.empty() || parts[0].empty()) return {};
    PyType t = resolve_name(m, parts[0], display, depth);
    if (!t.known() && m && m->name != "builtins") t = resolve_name(module("builtins"), parts[0], "", depth);
    for (size_t i = 1; i < parts.size() && t.known(); ++i) t = member_of(t, parts[i], depth + 1);
    return t;
  }

  // The instance type an annotation denotes: `str | None` -> str, `list[int]` -> list, `Self` -> self_cls.
  PyType instance_of(const StubModule* m, std::string text, const std::string& self_cls, int depth) {
    if (!m || depth > 12) return {};
    text = trim(text);
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'')) text = text.substr(1, text.size() - 2);
    auto alts = split_top(text, '|');
    std::vector<std::string> kept;
    for (auto& a : alts)
      if (a != "None") kept.push_back(a);
    if (kept.size() != 1) return {};
    text = kept[0];
    auto bracket = text.find('[');
    std::string head = text.substr(0, bracket), args;
    if (bracket != std::string::npos) args = text.substr(bracket + 1, text.rfind(']') - bracket - 1);
    auto last = head.substr(head.rfind('.') == std::string::npos ? 0 : head.rfind('.') + 1);
    if (last == "Optional" || last == "Annotated" || last == "Final" || last == "ClassVar")
      return instance_of(m, split_top(args, ',')[0], self_cls, depth + 1);
    if (last == "Union") {
      auto u = split_top(args, ',');
      std::erase(u, std::string("None"));
      return u.size() == 1 ? instance_of(m, u[0], self_cls, depth + 1) : PyType{};
    }
    if (last == "Self") return self_cls.empty() ? PyType{} : PyType::instance(self_cls);
    if (last == "LiteralString") return PyType::instance("str");
    if (last == "Literal" || last == "Any" || last == "Incomplete" || last == "TypeAlias") return {};
    if (last == "type" && !args.empty()) {
      PyType inner = instance_of(m, args, self_cls, depth + 1);
      return inner.kind == PyType::Instance ? PyType::cls(inner.name) : PyType{};
    }
    PyType t = resolve_dotted(m, head, "", depth + 1);
    if (t.kind == PyType::Class) return PyType::instance(t.name);
    return {};
  }

  std::pair<std::string, std::string> class_home(const std::string& display) {
    {
      std::lock_guard lk(mu);
      if (auto it = classes.find(display); it != classes.end()) return it->second;
    }
    auto dot = display.rfind('.');
    PyType t = dot == std::string::npos ? resolve_name(module("builtins"), display, "", 0)
                                        : resolve_name(module(display.substr(0, dot)), display.substr(dot + 1), "", 0);
    std::lock_guard lk(mu);
    if (t.kind == PyType::Class)
      if (auto it = classes.find(t.name); it != classes.end()) {
        classes.emplace(display, it->second);
        return it->second;
      }
    return {};
  }

  const StubClass* class_def(const std::string& module_name, const std::string& cls) {
    const StubModule* m = module(module_name);
    if (!m) return nullptr;
    auto it = m->names.find(cls);
    return it != m->names.end() && it->second.kind == StubSymbol::Class ? it->second.cls.get() : nullptr;
  }

  // Walks the class and its bases (depth-first, each class once) until `visit` returns true.
  template <class Visit>
  void walk_mro(const std::string& display, Visit&& visit, int depth = 0) {
    std::set<std::pair<std::string, std::string>> seen;
    walk_mro_from(class_home(display), visit, seen, depth);
  }
  template <class Visit>
  bool walk_mro_from(std::pair<std::string, std::string> home, Visit& visit,
                     std::set<std::pair<std::string, std::string>>& seen, int depth) {
    if (home.first.empty() || depth > 24 || !seen.insert(home).second) return false;
    const StubClass* c = class_def(home.first, home.second);
    if (!c) return false;
    const StubModule* m = module(home.first);
    if (visit(*c, m)) return true;
    for (const auto& b : c->bases) {
      PyType bt = resolve_dotted(m, b, "", depth + 1);
      if (bt.kind != PyType::Class) continue;
      if (walk_mro_from(class_home(bt.name), visit, seen, depth + 1)) return true;
    }
    return false;
  }

  PyType member_of(const PyType& t, const std::string& attr, int depth) {
    if (depth > 24) return {};
    if (t.kind == PyType::Module) {
      if (const StubModule* m = module(t.name)) return resolve_name(m, attr, "", depth + 1);
      if (module(t.name + "." + attr)) return PyType::module(t.name + "." + attr);
      return {};
    }
    if (t.kind != PyType::Class && t.kind != PyType::Instance) return {};
    if (t.local) return {};
    PyType out;
    walk_mro(t.name, [&](const StubClass& c, const StubModule* m) {
      auto it = c.members.find(attr);
      if (it == c.members.end()) return false;
      const StubSymbol& s = it->second;
      if (s.kind == StubSymbol::Function) {
        if (s.property) {
          out = instance_of(m, s.text, t.name, depth + 1);
        } else {
          out.kind = PyType::Function;
          out.name = m->name + ":" + c.name + "." + attr;
          out.self = t.name;
        }
      } else if (s.kind == StubSymbol::Variable) {
        out = instance_of(m, s.text, t.name, depth + 1);
      } else if (s.kind == StubSymbol::Class) {
        out = PyType::cls(display_name(m->name, c.name + "." + attr));
      } else if (s.kind == StubSymbol::Alias) {
        out = resolve_dotted(m, s.text, "", depth + 1);
      }
      return true;
    });
    return out;
  }

  PyType call_of(const PyType& t) {
    if (t.kind == PyType::Class) return PyType::instance(t.name, t.local);
    if (t.kind != PyType::Function || t.local) return {};
    auto colon = t.name.find(':');
    if (colon == std::string::npos) return {};
    std::string mod = t.name.substr(0, colon), path = t.name.substr(colon + 1);
    const StubModule* m = module(mod);
    if (!m) return {};
    auto dot = path.find('.');
    const StubSymbol* fn = nullptr;
    if (dot == std::string::npos) {
      auto it = m->names.find(path);
      if (it != m->names.end()) fn = &it->second;
    } else if (const StubClass* c = class_def(mod, path.substr(0, dot))) {
      auto it = c->members.find(path.substr(dot + 1));
      if (it != c->members.end()) fn = &it->second;
    }
    if (!fn || fn->kind != StubSymbol::Function) return {};
    return instance_of(m, fn->text, t.self, 0);
  }
};

TypeshedIndex::TypeshedIndex(std::vector<fs::path> roots) : impl_(std::make_unique<Impl>()) {
  for (auto& r : roots) {
    std::error_code ec;
    if (fs::is_directory(r / "stdlib", ec)) {
      impl_->roots.push_back(r / "stdlib");
      for (const auto& dist : fs::directory_iterator(r / "stubs", ec)) {
        for (const auto& top : fs::directory_iterator(dist.path(), ec)) {
          auto name = top.path().filename().string();
          if (name.ends_with(".pyi")) name = name.substr(0, name.size() - 4);
          if (top.is_directory(ec) || top.path().extension() == ".pyi") impl_->dist_roots[name].push_back(dist.path());
        }
      }
    } else if (fs::is_directory(r, ec)) {
      impl_->roots.push_back(r);
    }
  }
}

TypeshedIndex::~TypeshedIndex() = default;

std::vector<fs::path> TypeshedIndex::default_roots() {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("DOTWISE_TYPESHED"); env && *env)
    roots.emplace_back(env);
  else
    roots.emplace_back(DOTWISE_TYPESHED_DIR);
  roots.emplace_back("/usr/lib/python3/dist-packages");
  return roots;
}

bool TypeshedIndex::has_module(std::string_view m) const { return impl_->module(std::string(m)) != nullptr; }

bool TypeshedIndex::warm(std::string_view name) const {
  const StubModule* m = impl_->module(std::string(name));
  if (!m) return false;
  std::set<std::string> deps(m->star_imports.begin(), m->star_imports.end());
  for (const auto& [n, sym] : m->names)
    if (sym.kind == StubSymbol::ModuleImport || sym.kind == StubSymbol::FromImport) deps.insert(sym.text);
  for (const auto& d : deps) impl_->module(impl_->relative(m, d));
  return true;
}

PyType TypeshedIndex::builtin(std::string_view name) const {
  return impl_->resolve_name(impl_->module("builtins"), std::string(name), "", 0);
}

PyType TypeshedIndex::member(const PyType& t, std::string_view attr) const {
  return impl_->member_of(t, std::string(attr), 0);
}

PyType TypeshedIndex::call(const PyType& t) const { return impl_->call_of(t); }

PyType TypeshedIndex::enter(const PyType& t) const {
  if (t.kind != PyType::Instance) return {};
  PyType e = call(member(t, "__enter__"));
  return e.known() ? e : t;
}

std::vector<std::string> TypeshedIndex::members(std::string_view cls) const {
  std::set<std::string> out;
  std::string name(cls);
  auto public_name = [](const std::string& n) { return !n.empty() && n[0] != '_'; };
  if (const StubModule* m = impl_->module(name)) {
    for (const auto& [n, s] : m->names)
      if (public_name(n) &&
          (s.kind != StubSymbol::FromImport && s.kind != StubSymbol::ModuleImport ? true : s.reexport))
        out.insert(n);
    for (const auto& star : m->star_imports)
      if (const StubModule* sm = impl_->module(impl_->relative(m, star)))
        for (const auto& [n, s] : sm->names)
          if (public_name(n) && s.kind != StubSymbol::ModuleImport && (s.kind != StubSymbol::FromImport || s.reexport))
            out.insert(n);
  } else {
    impl_->walk_mro(name, [&](const StubClass& c, const StubModule*) {
      for (const auto& [n, s] : c.members)
        if (public_name(n)) out.insert(n);
      return false;
    });
  }
  return {out.begin(), out.end()};
}

}  // namespace dw
