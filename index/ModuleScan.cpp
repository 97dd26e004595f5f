#include "index/ModuleScan.h"

#include <algorithm>
#include <cctype>

namespace dw {

const char* member_kind_name(MemberKind k) {
  switch (k) {
    case MemberKind::Method:
      return "method";
    case MemberKind::Property:
      return "property";
    case MemberKind::Attribute:
      return "attribute";
    case MemberKind::Class:
      return "class";
    case MemberKind::Function:
      return "function";
    case MemberKind::Variable:
      return "variable";
    case MemberKind::Module:
      return "module";
    case MemberKind::Unknown:
      break;
  }
  return "unknown";
}

std::string module_name_of(std::string_view rel, bool* package) {
  std::string s(rel);
  if (s.ends_with(".py")) s.resize(s.size() - 3);
  bool pkg = s == "__init__" || s.ends_with("/__init__");
  if (pkg) s.resize(s.size() >= 9 ? s.size() - 9 : 0);
  if (package) *package = pkg;
  std::replace(s.begin(), s.end(), '/', '.');
  return s;
}

namespace {

// "a(b, c).d [0]" -> "a().d[]": arguments and indices say little about what the receiver is.
std::string normalize_text(std::string_view t) {
  std::string out;
  int depth = 0;
  char quote = 0;
  for (char c : t) {
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (depth > 0) {
      if (c == '(' || c == '[' || c == '{')
        ++depth;
      else if (c == ')' || c == ']' || c == '}') {
        if (--depth == 0) out += c;
      } else if (c == '"' || c == '\'') {
        quote = c;
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) || c == '\\') continue;
    out += c;
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (out.size() >= 80) break;
  }
  return out;
}

// The node kinds the scan acts on, by grammar symbol: comparing type names cost a strlen and a
// string compare per node. Every symbol with the name (aliases included) maps to the kind.
enum class Kind : uint8_t { Other, Class, Function, Decorated, Import, ImportFrom, Assignment, Attribute };

const std::vector<Kind>& kinds_by_symbol() {
  static const std::vector<Kind> table = [] {
    const TSLanguage* lang = python_language();
    std::vector<Kind> t(ts_language_symbol_count(lang), Kind::Other);
    const std::pair<std::string_view, Kind> named[] = {
        {"class_definition", Kind::Class},           {"function_definition", Kind::Function},
        {"decorated_definition", Kind::Decorated},   {"import_statement", Kind::Import},
        {"import_from_statement", Kind::ImportFrom}, {"assignment", Kind::Assignment},
        {"augmented_assignment", Kind::Assignment},  {"attribute", Kind::Attribute}};
    for (TSSymbol sym = 0; sym < t.size(); ++sym) {
      if (ts_language_symbol_type(lang, sym) != TSSymbolTypeRegular) continue;
      std::string_view name = ts_language_symbol_name(lang, sym);
      for (const auto& [n, k] : named)
        if (name == n) t[sym] = k;
    }
    return t;
  }();
  return table;
}

class Scanner {
 public:
  Scanner(std::string_view src, ModuleScan& out) : src_(src), out_(out) {}

  // One pre-order walk with one tree cursor (a cursor per node, to list its children, cost more than
  // the parse): each level keeps what its children are inside of.
  void run(TSNode root) {
    struct Scope {
      int cls;       // index of the class whose body holds the node directly (-1: none)
      int self_cls;  // the class `self` refers to (inside its methods, nested defs included)
      bool top;      // module level (if/try/with blocks included)
    };
    const auto& kinds = kinds_by_symbol();
    TSTreeCursor c = ts_tree_cursor_new(root);
    std::vector<Scope> scopes{{-1, -1, true}};  // scopes.back(): the scope of the current node
    for (;;) {
      TSNode n = ts_tree_cursor_current_node(&c);
      Scope s = scopes.back();
      const TSSymbol sym = ts_node_symbol(n);
      const Kind k = ts_node_is_named(n) && sym < kinds.size() ? kinds[sym] : Kind::Other;
      bool descend = ts_node_is_named(n) && scopes.size() <= 400;  // never deeper than the extractor
      switch (k) {
        case Kind::Class: {
          int idx = open_class(n, s.cls);
          if (s.top) add_name(text(field(n, "name")), MemberKind::Class);
          if (s.cls >= 0) add_member(s.cls, text(field(n, "name")), MemberKind::Class);
          s = {idx, -1, false};
          break;
        }
        case Kind::Function: {
          std::string name = text(field(n, "name"));
          if (s.top) add_name(name, MemberKind::Function);
          if (s.cls >= 0) {
            add_member(s.cls, name, property_ ? MemberKind::Property : MemberKind::Method);
            s.self_cls = s.cls;
          }
          property_ = false;
          s.cls = -1, s.top = false;
          break;
        }
        case Kind::Decorated: {
          property_ = false;
          uint32_t kids = ts_node_named_child_count(n);
          for (uint32_t i = 0; i < kids; ++i) {
            TSNode d = ts_node_named_child(n, i);
            if (is(d, "decorator")) {
              auto dt = node_text(d, src_);
              if (dt.find("property") != std::string_view::npos || dt.find(".getter") != std::string_view::npos ||
                  dt.find("cached_property") != std::string_view::npos)
                property_ = true;
            }
          }
          break;
        }
        case Kind::Import:
        case Kind::ImportFrom:
          imports(n, k == Kind::ImportFrom, s.top);
          break;
        case Kind::Assignment:
          bind_target(field(n, "left"), s.cls, s.self_cls, s.top);
          break;
        case Kind::Attribute: {
          TSNode obj = field(n, "object"), attr = field(n, "attribute");
          if (!ts_node_is_null(obj) && is(attr, "identifier")) use(obj, attr, s.self_cls);
          break;
        }
        case Kind::Other:
          break;
      }
      if (descend && ts_tree_cursor_goto_first_child(&c)) {
        scopes.push_back(s);
        continue;
      }
      while (!ts_tree_cursor_goto_next_sibling(&c)) {
        if (scopes.size() == 1 || !ts_tree_cursor_goto_parent(&c)) {
          ts_tree_cursor_delete(&c);
          return;
        }
        scopes.pop_back();
      }
    }
  }

 private:
  std::string_view src_;
  ModuleScan& out_;
  bool property_ = false;  // the def being entered was decorated as a property

  std::string text(TSNode n) const { return ts_node_is_null(n) ? std::string() : std::string(node_text(n, src_)); }

  int open_class(TSNode n, int outer) {
    ClassScan c;
    c.name = text(field(n, "name"));
    if (outer >= 0) c.name = out_.classes[size_t(outer)].name + "." + c.name;
    TSNode supers = field(n, "superclasses");
    if (!ts_node_is_null(supers)) {
      uint32_t k = ts_node_named_child_count(supers);
      for (uint32_t i = 0; i < k; ++i) {
        TSNode b = ts_node_named_child(supers, i);
        if (is(b, "keyword_argument")) continue;  // metaclass=...
        c.bases.push_back(text(b));
      }
    }
    c.first_line = ts_node_start_point(n).row;
    c.last_line = ts_node_end_point(n).row;
    out_.classes.push_back(std::move(c));
    return int(out_.classes.size() - 1);
  }

  void add_name(std::string name, MemberKind k) {
    if (!name.empty()) out_.names.push_back({std::move(name), k});
  }
  void add_member(int cls, std::string name, MemberKind k) {
    if (cls >= 0 && !name.empty()) out_.classes[size_t(cls)].members.push_back({std::move(name), k});
  }

  void bind_target(TSNode target, int cls, int self_cls, bool top) {
    if (ts_node_is_null(target)) return;
    if (is(target, "identifier")) {
      if (top) add_name(text(target), MemberKind::Variable);
      if (cls >= 0) add_member(cls, text(target), MemberKind::Attribute);
      return;
    }
    if (is(target, "attribute")) {
      TSNode obj = field(target, "object");
      auto o = node_text(obj, src_);
      if (self_cls >= 0 && is(obj, "identifier") && (o == "self" || o == "cls"))
        add_member(self_cls, text(field(target, "attribute")), MemberKind::Attribute);
      return;
    }
    if (is(target, "pattern_list") || is(target, "tuple_pattern") || is(target, "list_pattern")) {
      uint32_t k = ts_node_named_child_count(target);
      for (uint32_t i = 0; i < k; ++i) bind_target(ts_node_named_child(target, i), cls, self_cls, top);
    }
  }

  void imports(TSNode n, bool from, bool top) {
    std::string module;
    TSNode mod{};
    if (from) {
      mod = field(n, "module_name");
      module = resolve_relative(node_text(mod, src_), out_.module, out_.package);
    }
    uint32_t k = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < k; ++i) {
      TSNode c = ts_node_named_child(n, i);
      if (from && ts_node_eq(c, mod)) continue;
      std::string name, alias;
      if (is(c, "aliased_import")) {
        name = text(field(c, "name"));
        alias = text(field(c, "alias"));
      } else if (is(c, "dotted_name")) {
        name = text(c);
      } else {
        continue;
      }
      ImportScan im;
      if (from) {
        im = {alias.empty() ? name : alias, module, name};
      } else if (!alias.empty()) {
        im = {alias, name, ""};  // import a.b as c: c is a.b
      } else {
        std::string head = name.substr(0, name.find('.'));
        im = {head, head, ""};  // import a.b: binds a
      }
      if (top) add_name(im.local, from ? MemberKind::Unknown : MemberKind::Module);
      out_.imports.push_back(std::move(im));
    }
  }

  void use(TSNode obj, TSNode attr, int self_cls) {
    std::string self_name = self_cls >= 0 ? out_.module + "." + out_.classes[size_t(self_cls)].name : std::string();
    if (out_.module.empty() && self_cls >= 0) self_name = out_.classes[size_t(self_cls)].name;
    out_.uses.push_back(
        {receiver_key(node_text(obj, src_), self_name, out_.imports), text(attr), ts_node_start_point(attr).row});
  }
};

}  // namespace

std::string resolve_relative(std::string_view target, std::string_view module, bool package) {
  size_t dots = 0;
  while (dots < target.size() && target[dots] == '.') ++dots;
  if (dots == 0) return std::string(target);
  std::string base(module);
  for (size_t up = dots - (package ? 1 : 0); up > 0; --up) {
    auto cut = base.rfind('.');
    base = cut == std::string::npos ? std::string() : base.substr(0, cut);
  }
  std::string rest(target.substr(dots));
  return base.empty() ? rest : rest.empty() ? base : base + "." + rest;
}

std::string receiver_key(std::string_view receiver, std::string_view self_class,
                         const std::vector<ImportScan>& imports) {
  std::string t = normalize_text(receiver);
  if ((t == "self" || t == "cls") && !self_class.empty()) return "self:" + std::string(self_class);
  size_t end = 0;
  while (end < t.size() && (std::isalnum(static_cast<unsigned char>(t[end])) || t[end] == '_' ||
                            static_cast<unsigned char>(t[end]) >= 0x80))
    ++end;
  if (end == 0) return t;
  std::string_view head(t.data(), end);
  // The last binding wins, as at run time for the usual top-of-file imports.
  for (auto it = imports.rbegin(); it != imports.rend(); ++it) {
    if (it->local != head) continue;
    std::string full = it->name.empty() ? it->module : it->module.empty() ? it->name : it->module + "." + it->name;
    return full + t.substr(end);
  }
  return t;
}

std::string enclosing_class(const ModuleScan& scan, uint32_t line) {
  const ClassScan* best = nullptr;
  for (const auto& c : scan.classes)
    if (c.first_line <= line && line <= c.last_line && (!best || c.first_line >= best->first_line)) best = &c;
  if (!best) return {};
  return scan.module.empty() ? best->name : scan.module + "." + best->name;
}

ModuleScan scan_module(TSNode root, std::string_view src, std::string module, bool package) {
  ModuleScan out;
  out.module = std::move(module);
  out.package = package;
  if (!ts_node_is_null(root)) Scanner(src, out).run(root);
  return out;
}

ModuleScan scan_source(std::string_view src, std::string module, bool package, ParseCache* cache) {
  thread_local PythonParser parser;
  Tree tree = cache ? parser.parse(src, *cache) : parser.parse(src);
  if (!tree) {
    ModuleScan out;
    out.module = std::move(module);
    out.package = package;
    return out;
  }
  return scan_module(ts_tree_root_node(tree.get()), src, std::move(module), package);
}

}  // namespace dw
