#include "syntax/Serializer.h"

namespace dw {
namespace {

constexpr size_t kMaxReceiverBytes = 80;

bool is_compound(std::string_view t) {
  return t == "if_statement" || t == "for_statement" || t == "while_statement" || t == "try_statement" ||
         t == "with_statement" || t == "function_definition" || t == "class_definition" ||
         t == "decorated_definition" || t == "match_statement";
}

// Identifiers that name something rather than use a binding: kept as written.
bool is_declaration_name(TSNode id, TSNode parent) {
  auto p = node_type(parent);
  if (p == "attribute") return ts_node_eq(id, field(parent, "attribute"));
  if (p == "keyword_argument") return ts_node_eq(id, field(parent, "name"));
  if (p == "function_definition" || p == "class_definition") return ts_node_eq(id, field(parent, "name"));
  return p == "dotted_name" || p == "aliased_import" || p == "import_from_statement" || p == "import_statement" ||
         p == "global_statement" || p == "nonlocal_statement";
}

class Serializer {
 public:
  Serializer(std::string_view src, FileTypes& types, uint32_t max_depth, ExtractedFile& out)
      : src_(src), types_(types), max_depth_(max_depth), out_(out), intern_(out), kids_(max_depth + 1) {}

  SerializeStats run(TSNode root) {
    visit(root, TSNode{}, types_.module_scope(), 0, false, 0);
    return stats_;
  }

 private:
  void emit(std::string_view tok) { out_.tokens.push_back(intern_(tok)); }

  // Receiver source with whitespace collapsed, cut at kMaxReceiverBytes on a UTF-8 boundary.
  std::string receiver_text(TSNode obj) const {
    std::string r;
    for (char c : node_text(obj, src_)) {
      if (r.size() > kMaxReceiverBytes) break;
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\\') {
        if (!r.empty() && r.back() != ' ') r += ' ';
      } else {
        r += c;
      }
    }
    if (r.size() > kMaxReceiverBytes) {
      size_t cut = kMaxReceiverBytes;
      while (cut > 0 && (static_cast<unsigned char>(r[cut]) & 0xC0) == 0x80) --cut;
      r.resize(cut);
    }
    while (!r.empty() && r.back() == ' ') r.pop_back();
    return r;
  }

  void leaf(TSNode n, TSNode parent, const FileTypes::Scope* scope) {
    auto t = node_type(n);
    if (!ts_node_is_named(n)) return emit(t);
    if (t == "identifier") {
      auto name = node_text(n, src_);
      if (name != "self" && name != "cls" && !is_declaration_name(n, parent)) {
        PyType ty = types_.name_type(scope, name);
        if (ty.kind == PyType::Module) return emit(ty.name);
        if (ty.kind == PyType::Instance) return emit("var:" + ty.name);
      }
      return emit(name);
    }
    if (t == "integer") return emit("<int>");
    if (t == "float") return emit("<float>");
    if (t == "true") return emit("True");
    if (t == "false") return emit("False");
    if (t == "none") return emit("None");
    if (t == "comment" || t == "line_continuation") return;
    emit(node_text(n, src_).empty() ? t : node_text(n, src_));
  }

  bool follows_dot() const { return !out_.tokens.empty() && out_.strings[out_.tokens.back()] == "."; }

  void site(TSNode attr, TSNode parent, TSNode member, const FileTypes::Scope* scope, uint32_t scope_id, bool in_if) {
    Site s;
    s.pos = uint32_t(out_.tokens.size());
    TSNode obj = field(attr, "object");
    s.receiver = intern_(receiver_text(obj));
    std::string cls = types_.expr_type(obj, scope).completion_class();
    if (!cls.empty()) s.cls = intern_(cls);
    s.scope = scope_id;
    TSPoint p = ts_node_start_point(member);
    s.line = p.row;
    s.col = p.column;
    if (is(parent, "call") && ts_node_eq(field(parent, "function"), attr)) s.flags |= kSiteCall;
    if (in_if) s.flags |= kSiteInIf;
    out_.sites.push_back(s);
  }

  void visit(TSNode n, TSNode parent, const FileTypes::Scope* scope, uint32_t scope_id, bool in_if, uint32_t depth) {
    if (depth > max_depth_) {
      stats_.depth_capped = true;
      return;
    }
    if (ts_node_is_missing(n)) {
      ++out_.parse_errors;
      return;
    }
    if (ts_node_is_error(n)) ++out_.parse_errors;
    auto t = node_type(n);
    if (t == "string" || t == "concatenated_string") {
      auto s = node_text(n, src_);
      size_t q = s.find_first_of("'\"");
      auto prefix = s.substr(0, q == std::string_view::npos ? 0 : q);
      return emit(prefix.find_first_of("bB") != std::string_view::npos ? "<bytes>" : "<str>");
    }
    if (ts_node_child_count(n) == 0) return leaf(n, parent, scope);

    const FileTypes::Scope* inner = scope;
    uint32_t inner_id = scope_id;
    if (t == "function_definition" || t == "class_definition" || t == "lambda") {
      if (const auto* s = types_.scope_of(n)) inner = s;
      if (t != "lambda") inner_id = ++next_scope_id_;
    }
    bool child_in_if = in_if || t == "if_statement";
    bool block = t == "block" || t == "module";
    if (t == "block") emit("<indent>");
    TSNode member = t == "attribute" ? field(n, "attribute") : TSNode{};
    TSNode supers = t == "class_definition" ? field(n, "superclasses") : TSNode{};
    // One children list per depth, kept between nodes: a vector per node was a malloc per node.
    std::vector<TSNode>& kids = kids_[depth];  // sized in the constructor: never reallocated under us
    kids.clear();
    children_of(n, kids);
    for (size_t i = 0; i < kids.size(); ++i) {
      TSNode c = kids[i];
      // A site only where the member directly follows its "." in the stream: error recovery can put
      // stray tokens (a control character, an ERROR node) between them, and readers rely on tokens[pos-1].
      if (member.id && ts_node_eq(c, member) && !ts_node_is_missing(c) && is(c, "identifier") && follows_dot())
        site(n, parent, c, scope, scope_id, in_if);
      bool outer = supers.id && ts_node_eq(c, supers);
      visit(c, n, outer ? scope : inner, outer ? scope_id : inner_id, child_in_if, depth + 1);
      if (block && ts_node_is_named(c) && !is_compound(node_type(c)) && node_type(c) != "comment") emit("<nl>");
    }
    if (t == "block") emit("<dedent>");
  }

  std::string_view src_;
  FileTypes& types_;
  uint32_t max_depth_;
  ExtractedFile& out_;
  StringInterner intern_;
  uint32_t next_scope_id_ = 0;
  SerializeStats stats_;
  std::vector<std::vector<TSNode>> kids_;
};

}  // namespace

SerializeStats serialize(TSNode root, std::string_view src, FileTypes& types, uint32_t max_depth, ExtractedFile& out) {
  return Serializer(src, types, max_depth, out).run(root);
}

}  // namespace dw
