#include "lsp/Documents.h"

namespace dw::lsp {

namespace {
size_t column_offset(std::string_view text, size_t at, int64_t character) {
  int64_t units = 0;
  while (at < text.size() && units < character) {
    unsigned char c = static_cast<unsigned char>(text[at]);
    if (c == '\n' || (c == '\r' && at + 1 < text.size() && text[at + 1] == '\n')) break;
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c >= 0x80 && c < 0xC0) len = 1;                 // stray continuation byte: one unit, move on
    if (units + (len == 4 ? 2 : 1) > character) break;  // never split a surrogate pair's character
    units += len == 4 ? 2 : 1;
    at = std::min(text.size(), at + len);
  }
  return at;
}
}  // namespace

size_t byte_offset(std::string_view text, int64_t line, int64_t character) {
  size_t at = 0;
  for (int64_t l = 0; l < line; ++l) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos) return text.size();
    at = nl + 1;
  }
  return column_offset(text, at, character);
}

size_t byte_offset(Document& d, int64_t line, int64_t character) {
  const size_t at = d.lines.start_of(d.text, line);
  return at >= d.text.size() ? d.text.size() : column_offset(d.text, at, character);
}

size_t LineIndex::start_of(std::string_view text, int64_t line) {
  if (line < 0) line = 0;
  while (!complete_ && starts_.size() <= size_t(line)) {
    const size_t nl = text.find('\n', starts_.back());
    if (nl == std::string_view::npos)
      complete_ = true;
    else
      starts_.push_back(nl + 1);
  }
  return size_t(line) < starts_.size() ? starts_[size_t(line)] : text.size();
}

void LineIndex::edited_at(size_t byte) {
  while (starts_.size() > 1 && starts_.back() > byte) starts_.pop_back();
  complete_ = false;
}

namespace {
int64_t int_at(const Json& j, std::string_view key, int64_t fallback = 0) {
  auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}
}  // namespace

void Documents::open(const Json& item) {
  if (!item.is_object()) return;
  Document d;
  d.uri = string_at(item, {"uri"});
  if (d.uri.empty()) return;
  d.language_id = string_at(item, {"languageId"});
  d.text = string_at(item, {"text"});
  d.lines = LineIndex();
  d.version = int_at(item, "version");
  keep(std::move(d));
}

void Documents::keep(Document d) {
  const std::string uri = d.uri;
  if (d.text.size() <= max_text_) {
    too_large_.erase(uri);
    docs_[uri] = std::move(d);
    return;
  }
  if (!too_large_.contains(uri)) newly_too_large_.push_back(uri);
  docs_.erase(uri);
  d.text = std::string();
  d.lines = LineIndex();
  too_large_[uri] = std::move(d);
}

Document* Documents::find_any(const std::string& uri) {
  if (auto it = docs_.find(uri); it != docs_.end()) return &it->second;
  auto it = too_large_.find(uri);
  return it == too_large_.end() ? nullptr : &it->second;
}

std::string Documents::edit(Document& d, const Json& changes) {
  if (too_large_.contains(d.uri)) return refill(d, changes);
  std::string err = apply_changes(d, changes);
  if (d.text.size() > max_text_) keep(std::move(d));
  return err;
}

// Over the cap there is no text to edit: only a full-text change (the last one, and those after it)
// can make the document whole again.
std::string Documents::refill(const Document& stub, const Json& changes) {
  if (!changes.is_array()) return "contentChanges is not an array";
  size_t from = changes.size();
  for (size_t i = 0; i < changes.size(); ++i)
    if (!find_path(changes[i], {"range"})) from = i;
  if (from == changes.size()) return {};
  Document d;
  d.uri = stub.uri;
  d.language_id = stub.language_id;
  d.version = stub.version;
  std::string err = apply_changes(d, changes, from);
  keep(std::move(d));
  return err;
}

std::string Documents::apply_changes(Document& d, const Json& changes, size_t from) {
  if (!changes.is_array()) return "contentChanges is not an array";
  for (size_t i = from; i < changes.size(); ++i) {
    const Json& c = changes[i];
    const Json* text = find_path(c, {"text"});
    if (!text || !text->is_string()) return "a content change has no text";
    const Json* range = find_path(c, {"range"});
    if (!range) {
      d.text = text->get<std::string>();
      d.lines = LineIndex();
      continue;
    }
    const Json* s = find_path(*range, {"start"});
    const Json* e = find_path(*range, {"end"});
    if (!s || !e) return "a content change has a malformed range";
    size_t a = byte_offset(d, int_at(*s, "line"), int_at(*s, "character"));
    size_t b = byte_offset(d, int_at(*e, "line"), int_at(*e, "character"));
    if (b < a) std::swap(a, b);
    d.text.replace(a, b - a, text->get<std::string>());
    d.lines.edited_at(a);
  }
  return {};
}

std::string Documents::change(const Json& params) {
  std::string uri = string_at(params, {"textDocument", "uri"});
  Document* d = find_any(uri);
  if (!d) return "change to a document that is not open: " + uri;
  const Json* changes = find_path(params, {"contentChanges"});
  if (!changes) return "didChange without contentChanges";
  if (const Json* td = find_path(params, {"textDocument"})) d->version = int_at(*td, "version", d->version);
  return edit(*d, *changes);  // last: it may move the document
}

void Documents::close(const std::string& uri) {
  docs_.erase(uri);
  too_large_.erase(uri);
}

const Document* Documents::get(const std::string& uri) const {
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : &it->second;
}

Document* Documents::get(const std::string& uri) {
  auto it = docs_.find(uri);
  return it == docs_.end() ? nullptr : &it->second;
}

void Documents::notebook_open(const Json& params) {
  std::string nb = string_at(params, {"notebookDocument", "uri"});
  if (nb.empty()) return;
  Notebook n;
  n.type = string_at(params, {"notebookDocument", "notebookType"});
  if (const Json* nd = find_path(params, {"notebookDocument"})) n.version = int_at(*nd, "version", 0);
  if (const Json* cells = find_path(params, {"notebookDocument", "cells"}); cells && cells->is_array())
    for (const auto& c : *cells) {
      n.cells.push_back(string_at(c, {"document"}));
      n.kinds.push_back(int(int_at(c, "kind", 2)));
      cell_owner_[n.cells.back()] = nb;
    }
  if (const Json* docs = find_path(params, {"cellTextDocuments"}); docs && docs->is_array())
    for (const auto& d : *docs) open(d);
  notebooks_[nb] = std::move(n);
}

std::string Documents::notebook_change(const Json& params) {
  std::string nb = string_at(params, {"notebookDocument", "uri"});
  auto it = notebooks_.find(nb);
  if (it == notebooks_.end()) return "change to a notebook that is not open: " + nb;
  Notebook& n = it->second;
  if (const Json* nd = find_path(params, {"notebookDocument"})) n.version = int_at(*nd, "version", n.version);
  const Json* cells = find_path(params, {"change", "cells"});
  if (!cells) return {};
  if (const Json* st = find_path(*cells, {"structure"})) {
    if (const Json* arr = find_path(*st, {"array"})) {
      size_t start = size_t(std::max<int64_t>(0, int_at(*arr, "start")));
      size_t del = size_t(std::max<int64_t>(0, int_at(*arr, "deleteCount")));
      start = std::min(start, n.cells.size());
      del = std::min(del, n.cells.size() - start);
      n.cells.erase(n.cells.begin() + long(start), n.cells.begin() + long(start + del));
      n.kinds.erase(n.kinds.begin() + long(start), n.kinds.begin() + long(start + del));
      if (const Json* added = find_path(*arr, {"cells"}); added && added->is_array()) {
        size_t at = start;
        for (const auto& c : *added) {
          n.cells.insert(n.cells.begin() + long(at), string_at(c, {"document"}));
          n.kinds.insert(n.kinds.begin() + long(at), int(int_at(c, "kind", 2)));
          cell_owner_[n.cells[at]] = nb;
          ++at;
        }
      }
    }
    if (const Json* opened = find_path(*st, {"didOpen"}); opened && opened->is_array())
      for (const auto& d : *opened) open(d);
    if (const Json* closed = find_path(*st, {"didClose"}); closed && closed->is_array())
      for (const auto& d : *closed) {
        std::string u = string_at(d, {"uri"});
        close(u);
        cell_owner_.erase(u);
      }
  }
  if (const Json* text = find_path(*cells, {"textContent"}); text && text->is_array())
    for (const auto& t : *text) {
      Document* d = find_any(string_at(t, {"document", "uri"}));
      if (!d) continue;
      if (auto err = edit(*d, t.value("changes", Json::array())); !err.empty()) return err;
    }
  return {};
}

void Documents::notebook_close(const Json& params) {
  std::string nb = string_at(params, {"notebookDocument", "uri"});
  auto it = notebooks_.find(nb);
  if (it == notebooks_.end()) return;
  for (const auto& c : it->second.cells) {
    close(c);
    cell_owner_.erase(c);
  }
  notebooks_.erase(it);
}

std::vector<std::pair<std::string, Json>> Documents::reopen_all() const {
  auto item = [](const Document& d) {
    return Json{{"uri", d.uri}, {"languageId", d.language_id}, {"version", d.version}, {"text", d.text}};
  };
  std::vector<std::pair<std::string, Json>> out;
  for (const auto& [uri, nb] : notebooks_) {
    Json cells = Json::array(), texts = Json::array();
    for (size_t i = 0; i < nb.cells.size(); ++i) {
      cells.push_back({{"kind", nb.kinds[i]}, {"document", nb.cells[i]}});
      if (const Document* d = get(nb.cells[i])) texts.push_back(item(*d));
    }
    out.emplace_back(
        "notebookDocument/didOpen",
        Json{{"notebookDocument", {{"uri", uri}, {"notebookType", nb.type}, {"version", nb.version}, {"cells", cells}}},
             {"cellTextDocuments", texts}});
  }
  for (const auto& [uri, d] : docs_)
    if (!cell_owner_.contains(uri)) out.emplace_back("textDocument/didOpen", Json{{"textDocument", item(d)}});
  return out;
}

std::string Documents::cells_before(const std::string& cell_uri) const {
  auto owner = cell_owner_.find(cell_uri);
  if (owner == cell_owner_.end()) return {};
  auto nb = notebooks_.find(owner->second);
  if (nb == notebooks_.end()) return {};
  std::string out;
  for (size_t i = 0; i < nb->second.cells.size() && nb->second.cells[i] != cell_uri; ++i) {
    if (nb->second.kinds[i] != 2) continue;
    const Document* d = get(nb->second.cells[i]);
    if (!d) continue;
    out += d->text;
    if (!out.empty() && out.back() != '\n') out += '\n';
  }
  return out;
}

}  // namespace dw::lsp
