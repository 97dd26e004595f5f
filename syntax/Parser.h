// A thin RAII layer over tree-sitter's C API for the Python grammar, plus the node helpers the
// extractor and the stub index share.
#pragma once
#include <tree_sitter/api.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

struct TreeDeleter {
  void operator()(TSTree* t) const { ts_tree_delete(t); }
};
using Tree = std::unique_ptr<TSTree, TreeDeleter>;

// One document's last parse. Given it, the next parse of a slightly edited text tells tree-sitter
// what changed (ts_tree_edit) and re-parses only that: the rest of the tree is reused.
struct ParseCache {
  std::string text;
  Tree tree;
};

const TSLanguage* python_language();  // the grammar the parser uses

class PythonParser {
 public:
  PythonParser();
  ~PythonParser();
  PythonParser(const PythonParser&) = delete;
  PythonParser& operator=(const PythonParser&) = delete;
  // Error-tolerant: always returns a tree for valid UTF-8 input (null only if tree-sitter gives up).
  Tree parse(std::string_view source);
  // The same tree, re-using and then updating `cache`.
  Tree parse(std::string_view source, ParseCache& cache);

 private:
  TSParser* p_;
};

// Appends the children of n in order. Linear: ts_node_child(n, i) walks i siblings, so indexing every
// child of a 200k-statement module would be quadratic. One cursor per thread, reset for each call:
// a new cursor allocates its stack, and extraction asks for the children of every node.
inline void children_of(TSNode n, std::vector<TSNode>& out, bool named_only = false) {
  struct Cursor {
    TSTreeCursor c;
    explicit Cursor(TSNode at) : c(ts_tree_cursor_new(at)) {}
    ~Cursor() { ts_tree_cursor_delete(&c); }
  };
  thread_local Cursor cur(n);
  TSTreeCursor* c = &cur.c;
  ts_tree_cursor_reset(c, n);
  if (ts_tree_cursor_goto_first_child(c)) {
    do {
      TSNode k = ts_tree_cursor_current_node(c);
      if (!named_only || ts_node_is_named(k)) out.push_back(k);
    } while (ts_tree_cursor_goto_next_sibling(c));
  }
}

inline std::string_view node_text(TSNode n, std::string_view src) {
  uint32_t b = ts_node_start_byte(n), e = ts_node_end_byte(n);
  if (b > src.size() || e > src.size() || e < b) return {};
  return src.substr(b, e - b);
}
inline std::string_view node_type(TSNode n) { return ts_node_type(n); }
inline bool is(TSNode n, std::string_view type) { return !ts_node_is_null(n) && node_type(n) == type; }
// The grammar's id of a field name. tree-sitter finds it by comparing the name with every field's;
// the extractor asks millions of times for the same twenty names, so each thread remembers them.
TSFieldId field_id(std::string_view name);
inline TSNode field(TSNode n, std::string_view name) { return ts_node_child_by_field_id(n, field_id(name)); }

}  // namespace dw
