#include "syntax/Scopes.h"

#include <cctype>
#include <set>

namespace dw {

namespace {
struct Binding {
  enum Kind : uint8_t { Module, From, Value, Annotation, With, Self, Def, ClassDef, Opaque };
  Kind kind = Opaque;
  TSNode node{};                            // Value/With: expression; Annotation: type; Def/ClassDef: definition
  std::string module, name;                 // Module: module bound; From: module + imported name
  const FileTypes::Scope* where = nullptr;  // scope the expression is evaluated in
};

bool capitalized(std::string_view s) {
  size_t i = s.find_first_not_of('_');
  return i != std::string_view::npos && std::isupper(static_cast<unsigned char>(s[i]));
}
}  // namespace

struct FileTypes::Scope {
  TSNode node{};
  const Scope* parent = nullptr;
  bool is_class = false;
  std::string class_name;  // for class scopes
  std::map<std::string, std::vector<Binding>, std::less<>> names;
  std::map<std::string, std::vector<Binding>, std::less<>> self_attrs;  // class scopes: self.x = ... in its methods
};

struct FileTypes::Impl {
  std::string_view src;
  const TypeshedIndex& stubs;
  uint32_t max_depth;
  std::vector<std::unique_ptr<Scope>> scopes;
  std::unordered_map<const void*, Scope*> by_node;
  std::map<std::pair<const Scope*, std::string>, PyType, std::less<>> memo;
  std::set<std::pair<const Scope*, std::string>> busy;
  std::unordered_map<std::string, const Scope*> local_classes;  // class name -> its scope

  Impl(std::string_view s, const TypeshedIndex& st, uint32_t d) : src(s), stubs(st), max_depth(d) {}

  std::string text(TSNode n) const { return std::string(node_text(n, src)); }

  Scope* open_scope(TSNode n, Scope* parent, bool is_class) {
    scopes.push_back(std::make_unique<Scope>());
    Scope* s = scopes.back().get();
    s->node = n;
    s->parent = parent;
    s->is_class = is_class;
    by_node[n.id] = s;
    return s;
  }

  void bind(Scope* s, const std::string& name, Binding b) {
    if (!name.empty()) s->names[name].push_back(std::move(b));
  }

  // Binds every identifier in an assignment target; only a plain name gets the value's type.
  void bind_target(Scope* s, TSNode target, Binding value, Scope* method_class) {
    if (is(target, "identifier")) return bind(s, text(target), value);
    if (is(target, "attribute") && method_class) {
      TSNode obj = field(target, "object");
      if (is(obj, "identifier") && text(obj) == "self")
        method_class->self_attrs[text(field(target, "attribute"))].push_back(value);
      return;
    }
    if (is(target, "pattern_list") || is(target, "tuple_pattern") || is(target, "list_pattern") ||
        is(target, "list_splat_pattern")) {
      uint32_t n = ts_node_named_child_count(target);
      for (uint32_t i = 0; i < n; ++i) bind_target(s, ts_node_named_child(target, i), Binding{}, nullptr);
    }
  }

  void collect_params(Scope* fn, TSNode def, Scope* enclosing_class, bool is_static) {
    TSNode params = field(def, "parameters");
    uint32_t n = ts_node_named_child_count(params);
    for (uint32_t i = 0; i < n; ++i) {
      TSNode p = ts_node_named_child(params, i);
      std::string name;
      Binding b;
      b.where = fn->parent;
      if (is(p, "identifier")) {
        name = text(p);
      } else if (is(p, "typed_parameter") || is(p, "typed_default_parameter")) {
        TSNode id = is(p, "typed_parameter") ? ts_node_named_child(p, 0) : field(p, "name");
        if (!is(id, "identifier")) continue;
        name = text(id);
        b.kind = Binding::Annotation;
        b.node = field(p, "type");
      } else if (is(p, "default_parameter")) {
        name = text(field(p, "name"));
        b.kind = Binding::Value;  // `x=0`: typed by its default value
        b.node = field(p, "value");
      } else {
        continue;
      }
      if (i == 0 && enclosing_class && !is_static && b.kind != Binding::Annotation && name == "self") {
        b.kind = Binding::Self;
        b.name = enclosing_class->class_name;
      }
      bind(fn, name, std::move(b));
    }
  }

  // Pre-pass over the whole tree (iterative, so deep nesting cannot overflow the stack).
  void collect(TSNode root) {
    struct Item {
      TSNode n, parent;
      Scope* scope;
      Scope* method_class;  // class whose method body we are in (for self.x bindings)
      uint32_t depth;
    };
    Scope* module = open_scope(root, nullptr, false);
    std::vector<Item> stack{{root, TSNode{}, module, nullptr, 0}};
    std::vector<TSNode> kids;
    while (!stack.empty()) {
      Item it = stack.back();
      stack.pop_back();
      if (it.depth > max_depth) continue;
      TSNode n = it.n;
      auto t = node_type(n);
      Scope* s = it.scope;
      Scope* inner = s;
      Scope* method_class = it.method_class;
      if (t == "function_definition") {
        Binding b;
        b.kind = Binding::Def;
        b.node = n;
        b.where = s;
        bind(s, text(field(n, "name")), b);
        inner = open_scope(n, s, false);
        bool is_static = false;
        TSNode parent = it.parent;
        if (is(parent, "decorated_definition"))
          is_static = node_text(parent, src).find("@staticmethod") != std::string_view::npos;
        collect_params(inner, n, s->is_class ? s : nullptr, is_static);
        method_class = s->is_class ? s : nullptr;
      } else if (t == "class_definition") {
        Binding b;
        b.kind = Binding::ClassDef;
        b.node = n;
        b.where = s;
        std::string name = text(field(n, "name"));
        bind(s, name, b);
        inner = open_scope(n, s, true);
        inner->class_name = name;
        local_classes.emplace(name, inner);
        method_class = nullptr;
      } else if (t == "lambda") {
        inner = open_scope(n, s, false);  // its parameters must not leak into the enclosing scope
      } else if (t == "import_statement" || t == "future_import_statement") {
        collect_import(n, s);
      } else if (t == "import_from_statement") {
        collect_from(n, s);
      } else if (t == "assignment") {
        Binding b;
        TSNode type = field(n, "type");
        if (!ts_node_is_null(type)) {
          b.kind = Binding::Annotation;
          b.node = type;
        } else {
          TSNode right = field(n, "right");
          if (!ts_node_is_null(right) && !is(right, "assignment")) {
            b.kind = Binding::Value;
            b.node = right;
          }
        }
        b.where = s;
        bind_target(s, field(n, "left"), b, method_class);
      } else if (t == "augmented_assignment") {
        // `x += y` keeps x's type for the common cases (str, list, numbers): no new binding.
      } else if (t == "with_item") {
        TSNode v = field(n, "value");
        if (is(v, "as_pattern")) {
          TSNode target = field(v, "alias");
          if (is(target, "as_pattern_target")) target = ts_node_named_child(target, 0);
          Binding b;
          b.kind = Binding::With;
          b.node = ts_node_named_child(v, 0);
          b.where = s;
          bind_target(s, target, b, nullptr);
        }
      } else if (t == "for_statement" || t == "for_in_clause") {
        bind_target(s, field(n, "left"), Binding{}, nullptr);
      } else if (t == "except_clause" || t == "named_expression" || t == "global_statement" ||
                 t == "nonlocal_statement") {
        uint32_t k = ts_node_named_child_count(n);
        for (uint32_t i = 0; i < k; ++i) {
          TSNode c = ts_node_named_child(n, i);
          if (t == "named_expression" && i == 0 && is(c, "identifier")) {
            Binding b;
            b.kind = Binding::Value;
            b.node = field(n, "value");
            b.where = s;
            bind(s, text(c), b);
          } else if (t != "named_expression" && is(c, "as_pattern")) {
            TSNode target = field(c, "alias");
            if (is(target, "as_pattern_target")) target = ts_node_named_child(target, 0);
            bind_target(s, target, Binding{}, nullptr);
          }
        }
      }
      kids.clear();
      children_of(n, kids);
      TSNode params{}, ret{}, supers{};
      if (inner != s) params = field(n, "parameters"), ret = field(n, "return_type"), supers = field(n, "superclasses");
      for (size_t i = kids.size(); i-- > 0;) {
        TSNode c = kids[i];
        if (ts_node_child_count(c) == 0) continue;  // a leaf binds nothing
        // Decorators, defaults and annotations of a def are evaluated in the enclosing scope.
        bool outer = inner != s && (ts_node_eq(c, params) || ts_node_eq(c, ret) || ts_node_eq(c, supers));
        stack.push_back({c, n, outer ? s : inner, method_class, it.depth + 1});
      }
    }
  }

  void collect_import(TSNode n, Scope* s) {
    uint32_t k = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < k; ++i) {
      TSNode c = ts_node_named_child(n, i);
      Binding b;
      b.kind = Binding::Module;
      if (is(c, "aliased_import")) {
        b.module = text(field(c, "name"));  // import a.b as c: c is a.b
        bind(s, text(field(c, "alias")), b);
      } else if (is(c, "dotted_name")) {
        std::string full = text(c);
        b.module = full.substr(0, full.find('.'));  // import a.b: binds a
        bind(s, b.module, b);
      }
    }
  }

  void collect_from(TSNode n, Scope* s) {
    TSNode mod = field(n, "module_name");
    std::string module = text(mod);
    uint32_t k = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < k; ++i) {
      TSNode c = ts_node_named_child(n, i);
      if (ts_node_eq(c, mod)) continue;
      Binding b;
      b.kind = Binding::From;
      b.module = module;
      if (is(c, "aliased_import")) {
        b.name = text(field(c, "name"));
        bind(s, text(field(c, "alias")), b);
      } else if (is(c, "dotted_name")) {
        b.name = text(c);
        bind(s, b.name, b);
      }
    }
  }

  PyType module_type(const std::string& m) { return PyType::module(m); }

  // `from M import N`: a submodule, a stub symbol, or (no stub) a guess from the name's case.
  PyType from_import(const std::string& module, const std::string& name) {
    if (module.empty() || module[0] == '.') return capitalized(name) ? PyType::cls(name) : PyType{};
    if (stubs.has_module(module + "." + name)) return PyType::module(module + "." + name);
    if (stubs.has_module(module)) return stubs.member(PyType::module(module), name);
    if (capitalized(name)) return PyType::cls(module + "." + name);
    return PyType::module(module + "." + name);  // no stub: lowercase names are most often submodules
  }

  PyType binding_type(const Binding& b, int depth) {
    switch (b.kind) {
      case Binding::Module:
        return module_type(b.module);
      case Binding::From:
        return from_import(b.module, b.name);
      case Binding::Value:
        return expr(b.node, b.where, depth + 1);
      case Binding::Annotation:
        return annotation(b.node, b.where, depth + 1);
      case Binding::With:
        return stubs.enter(expr(b.node, b.where, depth + 1));
      case Binding::Self:
        return PyType::instance(b.name, true);
      case Binding::Def: {
        PyType f;
        f.kind = PyType::Function;
        f.local = true;
        f.name = text(field(b.node, "name"));
        return f;
      }
      case Binding::ClassDef:
        return PyType::cls(text(field(b.node, "name")), true);
      case Binding::Opaque:
        return {};
    }
    return {};
  }

  PyType agree(const std::vector<Binding>& bs, int depth) {
    PyType t;
    for (size_t i = 0; i < bs.size(); ++i) {
      PyType u = binding_type(bs[i], depth);
      if (!u.known()) return {};
      if (i == 0)
        t = u;
      else if (!(u == t))
        return {};
    }
    return t;
  }

  PyType name(const Scope* s, std::string_view n, int depth) {
    if (depth > 64) return {};
    for (const Scope* c = s; c; c = c->parent) {
      if (c != s && c->is_class) continue;  // class bodies are not enclosing scopes for their methods
      auto it = c->names.find(n);
      if (it == c->names.end()) continue;
      auto key = std::make_pair(c, std::string(n));
      if (auto m = memo.find(key); m != memo.end()) return m->second;
      if (!busy.insert(key).second) return {};  // x = f(x) style cycles
      PyType t = agree(it->second, depth + 1);
      busy.erase(key);
      memo.emplace(key, t);
      return t;
    }
    return stubs.builtin(n);
  }

  PyType annotation(TSNode n, const Scope* s, int depth) {
    if (ts_node_is_null(n) || depth > 64) return {};
    if (is(n, "type")) n = ts_node_named_child(n, 0);
    if (is(n, "string")) {  // "Foo": a forward reference
      auto t = node_text(n, src);
      if (t.size() < 3) return {};
      std::string inner(t.substr(1, t.size() - 2));
      PyType cls = local_classes.count(inner) ? PyType::cls(inner, true) : stubs.builtin(inner);
      return cls.kind == PyType::Class ? PyType::instance(cls.name, cls.local) : PyType{};
    }
    if (is(n, "binary_operator")) {  // X | None
      TSNode l = field(n, "left"), r = field(n, "right");
      if (node_text(r, src) == "None") return annotation(l, s, depth + 1);
      if (node_text(l, src) == "None") return annotation(r, s, depth + 1);
      return {};
    }
    if (is(n, "generic_type") || is(n, "subscript")) {
      TSNode head = is(n, "subscript") ? field(n, "value") : ts_node_named_child(n, 0);
      auto h = node_text(head, src);
      if (h == "Optional" || h.ends_with(".Optional")) {
        TSNode args = is(n, "subscript") ? field(n, "subscript") : ts_node_named_child(n, 1);
        if (is(args, "type_parameter")) args = ts_node_named_child(args, 0);
        return annotation(args, s, depth + 1);
      }
      n = head;
    }
    PyType t = expr(n, s, depth + 1);
    return t.kind == PyType::Class ? PyType::instance(t.name, t.local) : PyType{};
  }

  PyType literal(std::string_view t, TSNode n) {
    if (t == "string" || t == "concatenated_string") {
      auto s = node_text(n, src);
      size_t q = s.find_first_of("'\"");
      auto prefix = s.substr(0, q == std::string_view::npos ? 0 : q);
      bool bytes = prefix.find_first_of("bB") != std::string_view::npos;
      return PyType::instance(bytes ? "bytes" : "str");
    }
    if (t == "integer") return PyType::instance("int");
    if (t == "float") return PyType::instance("float");
    if (t == "true" || t == "false") return PyType::instance("bool");
    if (t == "list" || t == "list_comprehension") return PyType::instance("list");
    if (t == "dictionary" || t == "dictionary_comprehension") return PyType::instance("dict");
    if (t == "set" || t == "set_comprehension") return PyType::instance("set");
    if (t == "tuple") return PyType::instance("tuple");
    return {};
  }

  PyType member(const PyType& o, std::string_view attr, int depth) {
    if (!o.known()) return {};
    if (o.local && (o.kind == PyType::Instance || o.kind == PyType::Class)) {
      auto c = local_classes.find(o.name);
      if (c == local_classes.end()) return {};
      const Scope* cs = c->second;
      if (auto it = cs->names.find(attr); it != cs->names.end()) {
        PyType t = agree(it->second, depth + 1);
        if (t.kind == PyType::Function) t.self = o.name;
        return t;
      }
      if (o.kind == PyType::Instance)
        if (auto it = cs->self_attrs.find(attr); it != cs->self_attrs.end()) return agree(it->second, depth + 1);
      return {};
    }
    PyType t = stubs.member(o, attr);
    if (t.known() || o.kind != PyType::Module) return t;
    if (stubs.has_module(o.name)) return {};
    // A module without stubs: guess from the name (classes are Capitalized; the rest treated as submodules).
    return capitalized(attr) ? PyType::cls(o.name + "." + std::string(attr))
                             : PyType::module(o.name + "." + std::string(attr));
  }

  PyType call(const PyType& f, int depth) {
    if (f.kind == PyType::Class) return PyType::instance(f.name, f.local);
    if (f.kind == PyType::Function && f.local) {
      // A function of this file: its return annotation, if any.
      for (const auto& sc : scopes) {
        if (!is(sc->node, "function_definition") || text(field(sc->node, "name")) != f.name) continue;
        if (!f.self.empty() && (!sc->parent || sc->parent->class_name != f.self)) continue;
        TSNode rt = field(sc->node, "return_type");
        if (ts_node_is_null(rt)) return {};
        if (node_text(rt, src) == "Self" && !f.self.empty()) return PyType::instance(f.self, true);
        return annotation(rt, sc->parent, depth + 1);
      }
      return {};
    }
    return stubs.call(f);
  }

  PyType expr(TSNode n, const Scope* s, int depth) {
    if (ts_node_is_null(n) || depth > 64) return {};
    auto t = node_type(n);
    if (t == "identifier") return name(s, node_text(n, src), depth + 1);
    if (t == "attribute")
      return member(expr(field(n, "object"), s, depth + 1), node_text(field(n, "attribute"), src), depth + 1);
    if (t == "call") {
      TSNode fn = field(n, "function");
      if (is(fn, "identifier") && node_text(fn, src) == "super") return {};
      return call(expr(fn, s, depth + 1), depth + 1);
    }
    if (t == "parenthesized_expression") return expr(ts_node_named_child(n, 0), s, depth + 1);
    if (t == "await") return {};
    if (t == "binary_operator") {
      PyType l = expr(field(n, "left"), s, depth + 1);
      if (l.kind == PyType::Instance && (l.name == "str" || l.name == "bytes" || l.name == "list")) {
        auto op = node_text(field(n, "operator"), src);
        if (op == "+" || op == "%" || op == "*") return l;
      }
      return {};
    }
    return literal(t, n);
  }
};

FileTypes::FileTypes(TSNode root, std::string_view src, const TypeshedIndex& stubs, uint32_t max_depth)
    : impl_(std::make_unique<Impl>(src, stubs, max_depth)) {
  impl_->collect(root);
}

FileTypes::~FileTypes() = default;

const FileTypes::Scope* FileTypes::scope_of(TSNode def) const {
  auto it = impl_->by_node.find(def.id);
  return it == impl_->by_node.end() ? nullptr : it->second;
}

const FileTypes::Scope* FileTypes::module_scope() const { return impl_->scopes.front().get(); }

PyType FileTypes::name_type(const Scope* s, std::string_view name) { return impl_->name(s, name, 0); }

PyType FileTypes::expr_type(TSNode expr, const Scope* s) { return impl_->expr(expr, s, 0); }

}  // namespace dw
