#include "rank/CompletionEngine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "index/TokenScan.h"
#include "rank/ArgparseDests.h"
#include "support/Clock.h"

namespace dw {
namespace {

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c >= 0x80)) return false;
  return true;
}

int receiver_kind_of(std::string_view key, std::string_view receiver, bool module) {
  if (key.starts_with("self:") || receiver == "self" || receiver == "cls") return 0;
  if (module) return 1;
  if (!receiver.empty() && (receiver.back() == ')' || receiver.back() == ']')) return 3;
  return is_identifier(receiver) ? 2 : 4;
}

struct NameHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
// What the candidates are built from: a name's counts and where it came from.
struct Gather {
  std::vector<MemberCandidate> items;
  std::unordered_map<std::string, size_t, NameHash, std::equal_to<>> at;  // found by string_view, no copy
  MemberCandidate& get(std::string_view name, uint32_t source) {
    auto it = at.find(name);
    if (it == at.end()) {
      it = at.emplace(std::string(name), items.size()).first;
      items.push_back({});
      items.back().name = std::string(name);
      auto& f = items.back().features;
      f.fill(0.0f);
      for (size_t k : {kLogit, kLogitGap, kModelRank, kModelProb, kMemberDepth, kLinesSinceKey, kLinesSinceAny})
        f[k] = NAN;
    }
    items[it->second].sources |= source;
    return items[it->second];
  }
};

// The order when no learned ranker is at hand: the model's logit, lifted by what typing and use say.
float heuristic_score(const MemberCandidate& c) {
  const auto& f = c.features;
  float s = std::isfinite(f[kLogit]) ? f[kLogit] : -10.0f;
  if (c.sources & (kFromStub | kFromProjectClass)) s += 2;
  if (c.sources & kFromFileUse) s += 3;
  s += std::log1p(f[kProjectKey]) + 0.5f * std::log1p(f[kFileAnyBefore] + f[kFileAnyAfter]);
  if (f[kPrivate] > 0 || f[kDunder] > 0) s -= 4;
  return s;
}

bool top_level_start(std::string_view t, size_t at) {
  return at < t.size() && (std::isalpha(static_cast<unsigned char>(t[at])) || t[at] == '_' || t[at] == '@');
}

// The model's `k` most likely vocabulary members, best first: made ahead by the caller, or here.
std::vector<std::string_view> model_top_members(const Prediction& p, const Predictor& pr, size_t k) {
  if (p.best_members.size() >= k) return {p.best_members.begin(), p.best_members.begin() + long(k)};
  return pr.best_members(p, k);
}

// A line that begins a top-level statement of its own (not the `else:` of one above).
bool statement_start(std::string_view t, size_t at) {
  if (!top_level_start(t, at)) return false;
  for (std::string_view kw : {"else", "elif", "except", "finally"})
    if (t.substr(at, kw.size()) == kw && at + kw.size() < t.size() &&
        (t[at + kw.size()] == ':' || t[at + kw.size()] == ' '))
      return false;
  return true;
}
size_t line_start_of(std::string_view t, size_t at) {
  const size_t nl = at ? t.rfind('\n', at - 1) : std::string_view::npos;
  return nl == std::string_view::npos ? 0 : nl + 1;
}
size_t indent_at(std::string_view t, size_t ls) {
  size_t i = ls;
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  return i - ls;
}
// A line that starts a definition (or its decorator) at exactly `indent`.
bool definition_at(std::string_view t, size_t ls, size_t indent) {
  if (indent_at(t, ls) != indent) return false;
  const std::string_view s = t.substr(ls + indent, 10);
  return s.starts_with("def ") || s.starts_with("async def ") || s.starts_with("class ") || s.starts_with("@");
}

struct Header {
  std::string text;  // the enclosing top-level class's header lines, "" if none was found
  size_t begin = 0;  // where the window opens after it: a definition in the class body
};

// For a window opening at `begin` inside a top-level class: its header and the nearest definition at
// its body's indentation (4 KB back, else forward up to the cursor or the class's end). Not inside a
// function: its body-level statements can be hundreds of lines apart (a loop around the whole body),
// and snapping to one lost the code the cursor's own function had used.
Header block_header(std::string_view t, size_t begin, size_t mark) {
  constexpr size_t kMaxBack = 1 << 20;
  if (begin == 0 || top_level_start(t, begin)) return {};
  size_t head = begin;
  while (head > 0 && begin - head < kMaxBack && !statement_start(t, head)) head = line_start_of(t, head - 1);
  while (head < begin && t[head] == '@') {  // decorators: the def below them
    const size_t nl = t.find('\n', head);
    if (nl == std::string_view::npos) return {};
    head = nl + 1;
  }
  if (!statement_start(t, head) || !t.substr(head).starts_with("class ")) return {};
  // The header runs to the line ending in ':' (bases or parameters may span lines).
  size_t end = head;
  for (int lines = 0; lines < 8 && end < begin; ++lines) {
    const size_t nl = t.find('\n', end);
    if (nl == std::string_view::npos) return {};
    std::string_view l = t.substr(end, nl - end);
    end = nl + 1;
    l = l.substr(0, l.find('#'));  // a trailing comment (a '#' inside a header's string is rare)
    while (!l.empty() && (l.back() == ' ' || l.back() == '\r' || l.back() == '\t')) l.remove_suffix(1);
    if (l.ends_with(':')) break;
    if (lines == 7) return {};
  }
  // The body's indentation: its first line that is not blank or a comment.
  size_t body = end;
  while (body < begin) {
    const size_t i = body + indent_at(t, body);
    if (i < t.size() && t[i] != '\n' && t[i] != '#' && t[i] != '\r') break;
    const size_t nl = t.find('\n', body);
    if (nl == std::string_view::npos) return {};
    body = nl + 1;
  }
  const size_t indent = indent_at(t, body);
  if (body >= begin || indent == 0) return {};
  size_t at = std::string_view::npos;
  for (size_t ls = begin; ls > end && begin - ls <= 2 * kScanStep; ls = line_start_of(t, ls - 1))
    if (definition_at(t, ls, indent)) {
      at = ls;
      break;
    }
  // Forward, not past the end of the block (the next top-level statement).
  for (size_t ls = begin; at == std::string_view::npos && ls < mark && !statement_start(t, ls);) {
    if (definition_at(t, ls, indent)) at = ls;
    const size_t nl = t.find('\n', ls);
    if (nl == std::string_view::npos) break;
    ls = nl + 1;
  }
  if (at == std::string_view::npos || at >= mark) return {};
  return {std::string(t.substr(head, end - head)), at};
}
}  // namespace

std::string scan_window(std::string_view text, size_t mark, size_t cursor, size_t* mark_at, size_t before,
                        size_t after) {
  size_t begin = 0, end = text.size();
  if (mark > before) {
    // A line start `before` bytes back, or earlier the top-level statement holding the cursor (so the
    // class around `self.` keeps its header), if that is within twice the distance.
    begin = text.rfind('\n', (mark - before) / kScanStep * kScanStep);
    begin = begin == std::string_view::npos ? 0 : begin + 1;
    // Rather at a top-level statement a little further back: a window opening inside an indented
    // block starts with a parse error, and tree-sitter's recovery from it costs more than the bytes
    // saved (and keeps a cached parse from being re-used).
    for (size_t ls = begin; ls > 0 && !statement_start(text, begin);) {
      size_t nl = ls >= 2 ? text.rfind('\n', ls - 2) : std::string_view::npos;
      ls = nl == std::string_view::npos ? 0 : nl + 1;
      if (begin - ls > kScanStep) break;
      if (statement_start(text, ls)) begin = ls;
    }
    for (size_t at = mark; at > 0 && mark - at < 2 * before;) {
      size_t nl = text.rfind('\n', at - 1);
      size_t ls = nl == std::string_view::npos ? 0 : nl + 1;
      if (top_level_start(text, ls)) {
        begin = std::min(begin, ls);
        break;
      }
      if (nl == std::string_view::npos) break;
      at = nl;
    }
  }
  if (const size_t to = (cursor + after + kScanStep - 1) / kScanStep * kScanStep; to < text.size()) {
    end = text.find('\n', to);
    if (end == std::string_view::npos) end = text.size();
    // Likewise end before a top-level statement, not inside a block, if one is near.
    for (size_t at = end; at < text.size() && at - end <= kScanStep; at = text.find('\n', at + 1)) {
      if (statement_start(text, at + 1)) {
        end = at;
        break;
      }
    }
  }
  // Still inside a long class: open at one of its definitions and put its header above,
  // so the window parses as the block it is (tree-sitter's recovery from a window opening in an
  // indented block cost 2-3x the parse) and the class around `self.` is known.
  const Header head = block_header(text, begin, mark);
  if (!head.text.empty()) begin = head.begin;
  // Else at a top-level statement up to 2 KB on, before the cursor: a window that opens inside a
  // long docstring reads its text as code and the code after it as strings (a generated 5 MB module
  // of short classes: 30 ms of tree-sitter error recovery for a 21 KB window, instead of ~3).
  for (size_t ls = begin; begin > 0 && head.text.empty() && ls < mark && !statement_start(text, begin);) {
    const size_t nl = text.find('\n', ls);
    if (nl == std::string_view::npos || nl + 1 >= mark || nl + 1 - begin > kScanStep) break;
    ls = nl + 1;
    if (statement_start(text, ls)) begin = ls;
  }
  std::string out;
  // The imports above the window: receivers' modules and project classes come from them.
  for (size_t at = 0; at < begin;) {
    size_t nl = text.find('\n', at);
    if (nl == std::string_view::npos || nl > begin) nl = begin;
    auto l = text.substr(at, nl - at);
    if (l.starts_with("import ") || l.starts_with("from ")) out.append(l).push_back('\n');
    at = nl + 1;
  }
  out.append(head.text);
  out.append(text.substr(begin, mark - begin));
  *mark_at = out.size();
  out.append(kCursorMark);
  // A name right after the cursor (`os.|getcwd()`, a prefix typed inside a name) would fuse with
  // the mark into one bogus member: a space keeps them apart.
  if (cursor < end) {
    auto c = static_cast<unsigned char>(text[cursor]);
    if (std::isalnum(c) || c == '_' || c >= 0x80) out.push_back(' ');
  }
  out.append(text.substr(cursor, end - cursor));
  return out;
}

std::vector<size_t> model_order(const std::vector<std::string>& names, const std::vector<float>& logits,
                                double private_confidence) {
  float top = -INFINITY;
  for (float l : logits)
    if (std::isfinite(l)) top = std::max(top, l);
  double z = 0;
  for (float l : logits)
    if (std::isfinite(l)) z += std::exp(double(l - top));
  std::vector<int> group(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    bool known = std::isfinite(logits[i]);
    double p = known && z > 0 ? std::exp(double(logits[i] - top)) / z : 0.0;
    bool priv = !names[i].empty() && names[i][0] == '_';
    group[i] = known ? (priv && p <= private_confidence ? 2 : 0) : (priv ? 3 : 1);
  }
  std::vector<size_t> idx(names.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    if (group[a] != group[b]) return group[a] < group[b];
    bool ka = std::isfinite(logits[a]), kb = std::isfinite(logits[b]);
    if (ka && kb && logits[a] != logits[b]) return logits[a] > logits[b];
    return names[a] < names[b];
  });
  return idx;
}

CompletionEngine::CompletionEngine(const TypeshedIndex& stubs, const ProjectIndex* index, const TreeEnsemble* ranker,
                                   EngineOptions opt)
    : stubs_(stubs), index_(index), ranker_(ranker), opt_(opt) {}

CompletionResult CompletionEngine::complete(const Prediction& p, const Predictor* pr, const DocumentView& doc) const {
  return complete(p, pr, doc, opt_.ranker);
}

namespace {
float logit_of(const Prediction& p, const Predictor* pr, std::string_view name) {
  if (!pr || p.l.empty()) return NAN;
  int32_t id = pr->id_of(p, name);
  return id < 0 ? NAN : pr->logit(p, id);
}

// The earlier standalone list: stub members, the names this file used on the receiver or its class
// before the cursor, else the model's best vocabulary members.
CompletionResult legacy(const Prediction& p, const Predictor* pr, const TypeshedIndex& stubs, size_t fallback) {
  const auto& ctx = p.ctx;
  std::set<std::string> names;
  if (!ctx.cls.empty())
    for (auto& m : stubs.members(ctx.cls)) names.insert(std::move(m));
  const auto& f = ctx.file;
  for (const auto& s : f.sites)
    if ((!ctx.cls.empty() && f.str(s.cls) == ctx.cls) || f.str(s.receiver) == ctx.receiver)
      names.insert(std::string(f.member(s)));
  if (names.empty() && pr && !p.l.empty())
    for (auto n : model_top_members(p, *pr, fallback)) names.emplace(n);
  std::vector<std::string> list(names.begin(), names.end());
  std::vector<float> logits;
  for (const auto& n : list) logits.push_back(logit_of(p, pr, n));
  CompletionResult r;
  r.cls = ctx.cls;
  auto order = model_order(list, logits);
  for (size_t rank = 0; rank < order.size(); ++rank) {
    MemberCandidate c;
    c.name = list[order[rank]];
    c.features[kLogit] = logits[order[rank]];
    c.score = -float(rank);
    r.items.push_back(std::move(c));
  }
  return r;
}
}  // namespace

DocumentScan CompletionEngine::scan_document(const DocumentView& doc, size_t prefix, ParseCache* cache) const {
  const auto t0 = std::chrono::steady_clock::now();
  DocumentScan s;
  s.prefix = prefix;
  // The document around the cursor, with a mark at the cursor (replacing any typed prefix).
  const size_t cur = std::min(doc.cursor, doc.text.size());
  const size_t mark = cur >= prefix ? cur - prefix : cur;
  size_t mark_at = 0;
  std::string text = scan_window(doc.text, mark, cur, &mark_at, opt_.scan_before, opt_.scan_after);
  bool pkg = false;
  s.module = index_ ? index_->module_for(doc.path, &pkg)
                    : module_name_of(std::filesystem::path(doc.path).filename().generic_string(), &pkg);
  s.scan = scan_file(text, s.module, pkg, opt_.scan, mark_at, cache);
  s.line = uint32_t(std::count(text.begin(), text.begin() + long(mark_at), '\n'));
  s.here = enclosing_class(s.scan, s.line);
  s.ms = ms_since(t0);
  return s;
}

CompletionResult CompletionEngine::complete(const Prediction& p, const Predictor* pr, const DocumentView& doc,
                                            RankerKind kind, const DocumentScan* pre) const {
  if (kind == RankerKind::Model) return legacy(p, pr, stubs_, opt_.legacy_fallback);
  const auto& ctx = p.ctx;
  CompletionResult r;
  DocumentScan own;
  if (!pre || pre->prefix != ctx.prefix.size()) own = scan_document(doc, ctx.prefix.size()), pre = &own;
  const ModuleScan& scan = pre->scan;
  const std::string& module = pre->module;
  const std::string& here = pre->here;
  const uint32_t line = pre->line;
  auto t0 = std::chrono::steady_clock::now();
  const bool self_recv = ctx.receiver == "self" || ctx.receiver == "cls";
  r.key = receiver_key(ctx.receiver, self_recv ? here : std::string(), scan.imports);
  r.scan_ms = pre->ms + ms_since(t0);
  t0 = std::chrono::steady_clock::now();

  Gather g;
  auto add_stub = [&](const std::string& cls) {
    for (auto& m : stubs_.members(cls)) g.get(m, kFromStub);
  };
  r.cls = ctx.cls;
  bool module_recv = !ctx.cls.empty() && stubs_.has_module(ctx.cls);
  if (!ctx.cls.empty()) add_stub(ctx.cls);

  // A class of this document: its members as written now, its bases through the index or the stubs.
  auto doc_class = [&](std::string_view qualified) -> bool {
    const ClassScan* c = nullptr;
    for (const auto& k : scan.classes)
      if ((module.empty() ? k.name : module + "." + k.name) == qualified || k.name == qualified) c = &k;
    if (!c) return false;
    for (const auto& m : c->members) {
      auto& x = g.get(m.name, kFromProjectClass);
      x.kind = m.kind;
      x.features[kMemberDepth] = 0;
    }
    for (const auto& b : c->bases) {
      std::string base = receiver_key(b, "", scan.imports);
      std::string pc = index_ ? index_->resolve_class(base, module) : std::string();
      if (pc.empty()) {
        add_stub(base);
        continue;
      }
      for (const auto& m : index_->class_members(pc, add_stub)) {
        auto& x = g.get(m.name, kFromProjectClass);
        if (std::isnan(x.features[kMemberDepth])) x.kind = m.kind, x.features[kMemberDepth] = float(m.depth + 1);
      }
    }
    return true;
  };
  auto project_class = [&](const std::string& q) {
    for (const auto& m : index_->class_members(q, add_stub)) {
      auto& x = g.get(m.name, kFromProjectClass);
      if (std::isnan(x.features[kMemberDepth])) x.kind = m.kind, x.features[kMemberDepth] = float(m.depth);
    }
  };
  auto project_module = [&](const std::string& m) {
    for (const auto& x : index_->module_members(m)) {
      auto& c = g.get(x.name, kFromProjectClass);
      c.kind = x.kind;
      c.features[kMemberDepth] = 0;
    }
  };
  if (r.key.starts_with("self:")) {
    if (!doc_class(r.key.substr(5)) && index_) project_class(r.key.substr(5));
    if (r.cls.empty()) r.cls = r.key.substr(5);
  } else if (g.items.empty()) {
    bool found = !ctx.cls.empty() && doc_class(ctx.cls);
    if (!found && index_) {
      std::string pc = ctx.cls.empty() ? std::string() : index_->resolve_class(ctx.cls, module);
      std::string pm = pc.empty() ? index_->resolve_module(ctx.cls.empty() ? r.key : ctx.cls) : std::string();
      if (!pc.empty())
        project_class(pc), r.cls = pc;
      else if (!pm.empty())
        project_module(pm), r.cls = pm, module_recv = true;
    }
  }
  const bool class_known = !g.items.empty();
  r.receiver_kind = receiver_kind_of(r.key, ctx.receiver, module_recv);

  // Uses in the project's other files, then in this document.
  // A key used with thousands of names (`args.` across a CLI's commands) would gather thousands of
  // candidates for the cap below to drop, at ~2 us each. Only names the cap can keep are added: those
  // used at least as often as the max_candidates-th (the cap ranks project-only names by that count);
  // the others keep their count for when another source brings the name in.
  uint32_t project_key_total = 0, least = 0;
  size_t held_back = 0;
  if (index_) {
    std::vector<uint32_t> counts = index_->key_use_counts(r.key, doc.path);
    for (uint32_t n : counts) project_key_total += n;
    if (opt_.max_candidates > 0 && counts.size() > opt_.max_candidates) {
      std::nth_element(counts.begin(), counts.begin() + long(opt_.max_candidates - 1), counts.end(), std::greater<>());
      least = counts[opt_.max_candidates - 1];
      held_back = size_t(std::count_if(counts.begin(), counts.end(), [&](uint32_t n) { return n < least; }));
    }
    index_->key_uses(
        r.key, doc.path,
        [&](std::string_view m, uint32_t n) {
          if (is_identifier(m)) g.get(m, kFromProjectUse).features[kProjectKey] = float(n);
        },
        least);
  }
  uint32_t file_key_total = 0;
  std::string prev;  // the last member used on this key before the cursor
  for (const auto& u : scan.uses) {
    if (u.member == kCursorMark || !is_identifier(u.member)) continue;
    bool before = u.line <= line, same = u.key == r.key;
    auto& c = g.get(u.member, same ? kFromFileUse | kFromFileName : kFromFileName);
    auto& f = c.features;
    f[before ? kFileAnyBefore : kFileAnyAfter] += 1;
    if (before) f[kLinesSinceAny] = float(line - u.line);
    if (same) {
      f[before ? kFileKeyBefore : kFileKeyAfter] += 1;
      if (before) f[kLinesSinceKey] = float(line - u.line), prev = u.member;
      ++file_key_total;
    }
  }
  // A parsed namespace (`args.`): what the file's own add_argument calls define counts as a use on
  // this key where the call stands, unless the name is used on it already.
  if (r.receiver_kind == 2) {
    constexpr size_t kAround = 64 << 10;
    const size_t from = doc.cursor > kAround ? doc.cursor - kAround : 0;
    std::vector<ArgparseDest> dests = argparse_dests(doc.text.substr(from, 2 * kAround));
    auto used = [&](const std::string& name) {
      auto it = g.at.find(name);
      return it != g.at.end() && (g.items[it->second].sources & kFromFileUse);
    };
    if (!namespace_like(ctx.receiver) &&
        std::none_of(dests.begin(), dests.end(), [&](auto& d) { return used(d.name); }))
      dests.clear();
    // Lines from each call before the cursor to it: one sweep back from the cursor, nearest call first.
    std::vector<float> lines(dests.size(), NAN);
    size_t upto = doc.cursor, n = 0;
    for (size_t i = dests.size(); i-- > 0;)
      if (const size_t pos = from + dests[i].at; pos < doc.cursor) {
        n += size_t(std::count(doc.text.begin() + long(pos), doc.text.begin() + long(upto), '\n'));
        upto = pos;
        lines[i] = float(n);
      }
    for (size_t i = 0; i < dests.size(); ++i) {
      if (used(dests[i].name)) continue;
      const bool before = !std::isnan(lines[i]);
      auto& f = g.get(dests[i].name, kFromFileUse | kFromFileName).features;
      f[before ? kFileAnyBefore : kFileAnyAfter] += 1;
      f[before ? kFileKeyBefore : kFileKeyAfter] += 1;
      if (before) {
        f[kLinesSinceAny] = std::isnan(f[kLinesSinceAny]) ? lines[i] : std::min(f[kLinesSinceAny], lines[i]);
        f[kLinesSinceKey] = lines[i];
      }
      ++file_key_total;
    }
  }
  if (!prev.empty()) {
    std::string last;
    for (const auto& u : scan.uses) {
      if (u.key != r.key || u.member == kCursorMark) continue;
      if (last == prev)
        if (auto it = g.at.find(u.member); it != g.at.end()) g.items[it->second].features[kTransition] += 1;
      last = u.member;
    }
  }
  // The model's best vocabulary members.
  if (pr && !p.l.empty() && opt_.model_top)
    for (auto n : model_top_members(p, *pr, opt_.model_top)) g.get(n, kFromModel).features[kModelTop] = 1;
  size_t never_added = held_back;  // of the names held back above, those no other source brought in
  if (least > 0) {
    std::vector<std::string_view> others;
    std::vector<size_t> at;
    for (size_t i = 0; i < g.items.size(); ++i)
      if (!(g.items[i].sources & kFromProjectUse)) others.push_back(g.items[i].name), at.push_back(i);
    const std::vector<uint32_t> n = index_->key_member_uses(r.key, others, doc.path);
    for (size_t i = 0; i < n.size(); ++i)
      if (n[i] > 0) {
        g.items[at[i]].sources |= kFromProjectUse;
        g.items[at[i]].features[kProjectKey] = float(n[i]);
        if (never_added) --never_added;
      }
  }
  g.at.erase(std::string(kCursorMark));
  std::erase_if(g.items, [](const MemberCandidate& c) { return c.name == kCursorMark || !is_identifier(c.name); });

  // Over the cap: keep what typing and use say most about.
  if (g.items.size() > opt_.max_candidates) {
    auto prior = [](const MemberCandidate& c) {
      const auto& f = c.features;
      return double((c.sources & (kFromStub | kFromProjectClass | kFromFileUse)) ? 1e6 : 0) + f[kProjectKey] * 1e3 +
             f[kFileAnyBefore] + f[kFileAnyAfter] + ((c.sources & kFromModel) ? 1e2 : 0);
    };
    std::stable_sort(g.items.begin(), g.items.end(), [&](const auto& a, const auto& b) { return prior(a) > prior(b); });
    r.dropped = g.items.size() - opt_.max_candidates;
    g.items.resize(opt_.max_candidates);
  }
  r.dropped += never_added;

  // The rest of each row.
  std::set<std::string> enclosing;
  if (!here.empty())
    for (const auto& c : scan.classes)
      if ((module.empty() ? c.name : module + "." + c.name) == here)
        for (const auto& m : c.members) enclosing.insert(m.name);
  std::vector<std::string_view> names;
  for (const auto& c : g.items) names.push_back(c.name);
  std::vector<uint32_t> any = index_ ? index_->member_uses(names, doc.path) : std::vector<uint32_t>(names.size(), 0);
  float best = -INFINITY;
  for (auto& c : g.items) {
    c.features[kLogit] = logit_of(p, pr, c.name);
    if (std::isfinite(c.features[kLogit])) best = std::max(best, c.features[kLogit]);
  }
  double z = 0;
  std::vector<float> known;
  for (const auto& c : g.items)
    if (std::isfinite(c.features[kLogit]))
      z += std::exp(double(c.features[kLogit] - best)), known.push_back(c.features[kLogit]);
  std::sort(known.begin(), known.end(), std::greater<>());
  for (size_t i = 0; i < g.items.size(); ++i) {
    auto& c = g.items[i];
    auto& f = c.features;
    if (std::isfinite(f[kLogit])) {
      f[kLogitGap] = best - f[kLogit];
      f[kModelProb] = float(std::exp(double(f[kLogit] - best)) / z);
      f[kModelRank] = float(std::lower_bound(known.begin(), known.end(), f[kLogit], std::greater<>()) - known.begin());
    } else {
      f[kLogit] = NAN;
    }
    f[kIsStub] = (c.sources & kFromStub) ? 1 : 0;
    f[kIsProjectMember] = (c.sources & kFromProjectClass) ? 1 : 0;
    f[kKind] = float(c.kind);
    f[kProjectAny] = float(any[i]);
    f[kProjectKeyShare] = project_key_total ? f[kProjectKey] / float(project_key_total) : 0;
    f[kFileKeyShare] = file_key_total ? (f[kFileKeyBefore] + f[kFileKeyAfter]) / float(file_key_total) : 0;
    f[kInEnclosingClass] = enclosing.count(c.name) ? 1 : 0;
    bool dunder = c.name.size() > 4 && c.name.starts_with("__") && c.name.ends_with("__");
    f[kPrivate] = !dunder && c.name[0] == '_' ? 1 : 0;
    f[kDunder] = dunder ? 1 : 0;
    f[kReceiverKind] = float(r.receiver_kind);
    f[kClassKnown] = class_known ? 1 : 0;
    f[kCandidates] = float(g.items.size());
    f[kNameLength] = float(c.name.size());
  }
  r.features_ms = ms_since(t0);
  t0 = std::chrono::steady_clock::now();

  auto by_score = [](const MemberCandidate& a, const MemberCandidate& b) {
    return a.score != b.score ? a.score > b.score : a.name < b.name;
  };
  const size_t n = g.items.size(), trees = ranker_ ? ranker_->trees() : 0;
  // Trees [first, last) for items [0, count), added to their scores.
  std::vector<const float*> rows;
  std::vector<float> part;
  auto add_trees = [&](size_t count, size_t first, size_t last) {
    rows.resize(count);
    part.assign(count, 0.0f);
    for (size_t i = 0; i < count; ++i) rows[i] = g.items[i].features.data();
    ranker_->add_trees(rows.data(), count, first, last, part.data());
    for (size_t i = 0; i < count; ++i) g.items[i].score += part[i];
  };
  if (ranker_) {
    for (auto& c : g.items) c.score = ranker_->base();
    if (opt_.cascade_keep && n > opt_.cascade_keep && trees > opt_.cascade_trees) {
      add_trees(n, 0, opt_.cascade_trees);
      std::stable_sort(g.items.begin(), g.items.end(), by_score);
      const float below = g.items[opt_.cascade_keep].score;  // the best partial score left out
      add_trees(opt_.cascade_keep, opt_.cascade_trees, trees);
      float worst_kept = INFINITY;
      for (size_t i = 0; i < opt_.cascade_keep; ++i) worst_kept = std::min(worst_kept, g.items[i].score);
      std::stable_sort(g.items.begin(), g.items.begin() + long(opt_.cascade_keep), by_score);
      // The rest keep their partial order, below every fully scored candidate.
      for (size_t i = opt_.cascade_keep; i < n; ++i) g.items[i].score += worst_kept - below - 1.0f;
    } else {
      add_trees(n, 0, trees);
      std::stable_sort(g.items.begin(), g.items.end(), by_score);
    }
  } else {
    for (auto& c : g.items) c.score = heuristic_score(c);
    std::stable_sort(g.items.begin(), g.items.end(), by_score);
  }
  r.items = std::move(g.items);
  r.rank_ms = ms_since(t0);
  return r;
}

}  // namespace dw
