#include "syntax/StubParser.h"

// GCC 12 reports -Wmaybe-uninitialized inside <regex>'s own NFA code when it is built with the
// sanitizers (a known false positive in libstdc++ headers); ours is not involved.
#if defined(__GNUC__) && !defined(__clang__)  // clang has no such warning (and warns of the name)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "syntax/Parser.h"

namespace dw {
namespace {

constexpr int kTargetMinor = 12;  // the Python 3 minor version stubs are read for

// 1 = holds, 0 = does not, -1 = cannot tell (then every branch is read; first definition wins).
int evaluate_condition(std::string_view cond) {
  static const std::regex platform(R"(sys\.platform\s*(==|!=)\s*["'](\w+)["'])");
  static const std::regex startswith(R"((not\s+)?sys\.platform\.startswith\(\s*["'](\w+)["']\s*\))");
  static const std::regex version(R"(sys\.version_info\s*(>=|<|>|<=)\s*\(\s*3\s*,\s*(\d+)\s*\))");
  std::string s(cond);
  std::smatch m;
  if (std::regex_search(s, m, version) && m.position(0) == 0 && size_t(m.length(0)) == s.size()) {
    int minor = std::stoi(m[2]);
    auto op = m[1].str();
    bool v = op == ">="  ? kTargetMinor >= minor
             : op == "<" ? kTargetMinor < minor
             : op == ">" ? kTargetMinor > minor
                         : kTargetMinor <= minor;
    return v;
  }
  if (std::regex_match(s, m, platform)) {
    bool eq = m[2] == "linux";
    return m[1] == "==" ? eq : !eq;
  }
  if (std::regex_match(s, m, startswith)) {
    bool v = std::string("linux").starts_with(m[2].str());
    return m[1].matched ? !v : v;
  }
  return -1;
}

class StubReader {
 public:
  StubReader(std::string_view src, StubModule& mod) : src_(src), mod_(mod) {}

  void module_body(TSNode block) { statements(block, mod_.names, nullptr); }

 private:
  std::string text(TSNode n) const { return n.id ? std::string(node_text(n, src_)) : std::string(); }

  static void define(std::map<std::string, StubSymbol>& names, const std::string& name, StubSymbol sym) {
    names.emplace(name, std::move(sym));  // first definition wins (first overload, first branch)
  }

  void statements(TSNode block, std::map<std::string, StubSymbol>& names, StubClass* cls) {
    uint32_t n = ts_node_named_child_count(block);
    for (uint32_t i = 0; i < n; ++i) statement(ts_node_named_child(block, i), names, cls);
  }

  void statement(TSNode s, std::map<std::string, StubSymbol>& names, StubClass* cls) {
    auto t = node_type(s);
    if (t == "if_statement") return if_statement(s, names, cls);
    if (t == "decorated_definition") {
      bool prop = false;
      uint32_t n = ts_node_named_child_count(s);
      for (uint32_t i = 0; i < n; ++i) {
        TSNode d = ts_node_named_child(s, i);
        if (!is(d, "decorator")) continue;
        auto dt = node_text(d, src_);
        if (dt.find(".setter") != std::string_view::npos || dt.find(".deleter") != std::string_view::npos) return;
        if (dt == "@property" || dt.ends_with("cached_property") || dt.ends_with(".property")) prop = true;
      }
      TSNode def = field(s, "definition");
      if (is(def, "function_definition")) return function(def, names, prop);
      if (is(def, "class_definition")) return class_def(def, names);
      return;
    }
    if (t == "function_definition") return function(s, names, false);
    if (t == "class_definition") return class_def(s, names);
    if (t == "expression_statement") {
      TSNode a = ts_node_named_child(s, 0);
      if (is(a, "assignment")) assignment(a, names);
      return;
    }
    if (cls) return;  // imports inside class bodies are not members
    if (t == "import_statement") return import_statement(s, names);
    if (t == "import_from_statement") return import_from(s, names);
  }

  void if_statement(TSNode s, std::map<std::string, StubSymbol>& names, StubClass* cls) {
    int v = evaluate_condition(text(field(s, "condition")));
    if (v != 0) statements(field(s, "consequence"), names, cls);
    if (v == 1) return;
    uint32_t n = ts_node_named_child_count(s);
    for (uint32_t i = 0; i < n; ++i) {
      TSNode alt = ts_node_named_child(s, i);
      if (is(alt, "elif_clause")) {
        int w = evaluate_condition(text(field(alt, "condition")));
        if (w != 0) statements(field(alt, "consequence"), names, cls);
        if (w == 1) return;
      } else if (is(alt, "else_clause")) {
        statements(field(alt, "body"), names, cls);
      }
    }
  }

  void function(TSNode def, std::map<std::string, StubSymbol>& names, bool property) {
    StubSymbol sym;
    sym.kind = StubSymbol::Function;
    sym.text = text(field(def, "return_type"));
    sym.property = property;
    define(names, text(field(def, "name")), std::move(sym));
  }

  void class_def(TSNode def, std::map<std::string, StubSymbol>& names) {
    auto cls = std::make_shared<StubClass>();
    cls->name = text(field(def, "name"));
    TSNode sup = field(def, "superclasses");
    if (!ts_node_is_null(sup)) {
      uint32_t n = ts_node_named_child_count(sup);
      for (uint32_t i = 0; i < n; ++i) {
        TSNode b = ts_node_named_child(sup, i);
        if (is(b, "keyword_argument")) continue;        // metaclass=...
        if (is(b, "subscript")) b = field(b, "value");  // Generic bases: Mapping[K, V] -> Mapping
        cls->bases.push_back(text(b));
      }
    }
    TSNode body = field(def, "body");
    if (!ts_node_is_null(body)) statements(body, cls->members, cls.get());
    std::string name = cls->name;
    StubSymbol sym;
    sym.kind = StubSymbol::Class;
    sym.cls = std::move(cls);
    define(names, name, std::move(sym));
  }

  void assignment(TSNode a, std::map<std::string, StubSymbol>& names) {
    TSNode left = field(a, "left");
    if (!is(left, "identifier")) return;
    TSNode type = field(a, "type"), right = field(a, "right");
    StubSymbol sym;
    if (!ts_node_is_null(type)) {
      sym.kind = StubSymbol::Variable;
      sym.text = text(type);
      if (sym.text == "TypeAlias" || sym.text.ends_with(".TypeAlias")) {  // X: TypeAlias = Y  is an alias of Y
        sym.kind = StubSymbol::Alias;
        sym.text = text(right);
      }
    } else if (is(right, "identifier") || is(right, "attribute") || is(right, "subscript")) {
      sym.kind = StubSymbol::Alias;  // X = Y  (also X = Y[...]: a generic alias)
      sym.text = text(is(right, "subscript") ? field(right, "value") : right);
    } else {
      sym.kind = StubSymbol::Variable;  // X = TypeVar(...) and the like: no usable type
    }
    define(names, text(left), std::move(sym));
  }

  void import_statement(TSNode s, std::map<std::string, StubSymbol>& names) {
    uint32_t n = ts_node_named_child_count(s);
    for (uint32_t i = 0; i < n; ++i) {
      TSNode c = ts_node_named_child(s, i);
      StubSymbol sym;
      sym.kind = StubSymbol::ModuleImport;
      if (is(c, "aliased_import")) {
        sym.text = text(field(c, "name"));
        sym.reexport = text(field(c, "alias")) == sym.text;
        define(names, text(field(c, "alias")), std::move(sym));
      } else if (is(c, "dotted_name")) {
        // `import a.b` binds `a`; stubs rarely rely on it, but keep `a` usable.
        std::string full = text(c);
        sym.text = full.substr(0, full.find('.'));
        std::string bound = sym.text;
        define(names, bound, std::move(sym));
      }
    }
  }

  void import_from(TSNode s, std::map<std::string, StubSymbol>& names) {
    std::string module = text(field(s, "module_name"));
    uint32_t n = ts_node_named_child_count(s);
    for (uint32_t i = 0; i < n; ++i) {
      TSNode c = ts_node_named_child(s, i);
      if (ts_node_eq(c, field(s, "module_name"))) continue;
      if (is(c, "wildcard_import")) {
        mod_.star_imports.push_back(module);
        continue;
      }
      StubSymbol sym;
      sym.kind = StubSymbol::FromImport;
      sym.text = module;
      std::string bound;
      if (is(c, "aliased_import")) {
        sym.origin = text(field(c, "name"));
        bound = text(field(c, "alias"));
        sym.reexport = bound == sym.origin;
      } else if (is(c, "dotted_name")) {
        sym.origin = bound = text(c);
      } else {
        continue;
      }
      define(names, bound, std::move(sym));
    }
  }

  std::string_view src_;
  StubModule& mod_;
};

}  // namespace

StubModule parse_stub(std::string_view source, std::string module_name, bool package) {
  StubModule m;
  m.name = std::move(module_name);
  m.package = package;
  PythonParser parser;
  Tree tree = parser.parse(source);
  if (!tree) return m;
  StubReader(source, m).module_body(ts_tree_root_node(tree.get()));
  return m;
}

}  // namespace dw
