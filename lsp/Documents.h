// The editor's open documents as the server sees them: full and incremental sync (positions in
// UTF-16 code units, as LSP specifies by default), and notebooks as ordered lists of cell documents.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsp/Protocol.h"

namespace dw::lsp {

// Where the lines of a text start, found on demand and kept until an edit above them: every keystroke
// in a 5k-line file would otherwise search thousands of newlines, twice per change.
class LineIndex {
 public:
  size_t start_of(std::string_view text, int64_t line);  // text.size() past the last line
  void edited_at(size_t byte);                           // the text changed from `byte` on
 private:
  std::vector<size_t> starts_ = {0};
  bool complete_ = false;  // starts_ holds every line
};

struct Document {
  std::string uri, language_id, text;
  int64_t version = 0;
  LineIndex lines;  // of `text`; Documents keeps it in step with every change
};

// Byte offset of an LSP position (line, UTF-16 code unit) in `text`; positions past a line's end
// clamp to it, lines past the end clamp to the text's end (the spec asks for leniency).
size_t byte_offset(std::string_view text, int64_t line, int64_t character);
// The same, finding the line through the document's index.
size_t byte_offset(Document& d, int64_t line, int64_t character);

class Documents {
 public:
  static constexpr size_t kDefaultMaxText = size_t(16) << 20;
  // A document whose text is over `bytes` is not kept: get() says it is not open, so completion there
  // answers nothing rather than work on part of it, until a full-text change brings it under.
  void set_max_text(size_t bytes) { max_text_ = bytes; }
  size_t max_text() const { return max_text_; }
  // The documents that went over the cap since the last call, each once per time it did.
  std::vector<std::string> take_too_large() { return std::exchange(newly_too_large_, {}); }

  void open(const Json& text_document_item);
  // Applies textDocument/didChange content changes in order. Returns "" or why it failed.
  std::string change(const Json& params);
  void close(const std::string& uri);
  const Document* get(const std::string& uri) const;
  Document* get(const std::string& uri);
  size_t size() const { return docs_.size(); }

  // notebookDocument/didOpen|didChange|didClose. Cells are documents too; the notebook remembers their order.
  void notebook_open(const Json& params);
  std::string notebook_change(const Json& params);
  void notebook_close(const Json& params);
  // For a cell: the text of the notebook's code cells before it, each ending in a newline ("" if none).
  std::string cells_before(const std::string& cell_uri) const;

  const std::map<std::string, Document>& all() const { return docs_; }
  // (method, params) of the notifications that open everything again as it is now, for a restarted
  // upstream server: notebooks with notebookDocument/didOpen (their cells inside), other documents
  // with textDocument/didOpen.
  std::vector<std::pair<std::string, Json>> reopen_all() const;

 private:
  std::map<std::string, Document> docs_;
  struct Notebook {
    std::string type;  // notebookType, e.g. "jupyter-notebook"
    int64_t version = 0;
    std::vector<std::string> cells;  // cell document uris, notebook order
    std::vector<int> kinds;          // 1 markup, 2 code
  };
  std::map<std::string, Notebook> notebooks_;
  std::map<std::string, std::string> cell_owner_;  // cell uri -> notebook uri
  size_t max_text_ = kDefaultMaxText;
  std::map<std::string, Document> too_large_;  // over the cap: everything but the text
  std::vector<std::string> newly_too_large_;
  Document* find_any(const std::string& uri);  // kept or too large
  void keep(Document d);                       // into docs_, or too_large_ without its text
  std::string edit(Document& d, const Json& changes);
  std::string refill(const Document& stub, const Json& changes);
  std::string apply_changes(Document& d, const Json& changes, size_t from = 0);
};

}  // namespace dw::lsp
