// Member completion at a cursor, the one code path `dotwise serve` and `dotwise eval --protocol
// editor` share: the candidates (stub members, the project class or module the receiver resolves to,
// names used on this receiver in the project and in this file, the file's own attribute names, the
// model's top vocabulary members), a feature row per candidate (rank/Features.h), and the order —
// by the learned ranker (a fixed heuristic when there is none), or the earlier model-only ordering
// ("model", kept to stay measurable).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/ModuleScan.h"
#include "index/ProjectIndex.h"
#include "rank/Features.h"
#include "rank/Predictor.h"
#include "rank/TreeEnsemble.h"
#include "syntax/Typeshed.h"

namespace dw {

enum CandidateSource : uint32_t {
  kFromStub = 1,          // the class's members in the stubs
  kFromProjectClass = 2,  // the project class/module the receiver resolves to
  kFromProjectUse = 4,    // used on this receiver key elsewhere in the project
  kFromFileUse = 8,       // used on this receiver key in this file
  kFromFileName = 16,     // used as an attribute of anything in this file
  kFromModel = 32,        // among the model's top vocabulary members
};

enum class RankerKind { Learned, Model };

// What the engine scans of a document (scan_window): about kScanBefore bytes before the cursor and
// kScanAfter after it. Parsing is the cost of a first completion in a file (tree-sitter: ~0.3 ms per
// KB here); on the Debian valid split 12/6 KB ranked within .002 MRR of 24/12 KB, 8/4 KB .005 below.
// The ends move in steps of kScanStep bytes, so while one types, consecutive windows differ only
// around the cursor and a document's cached parse is re-used (CompletionEngine::scan_document).
inline constexpr size_t kScanBefore = 12 << 10, kScanAfter = 6 << 10, kScanStep = 2 << 10;

struct EngineOptions {
  RankerKind ranker = RankerKind::Learned;
  size_t model_top = 20;        // the model's best vocabulary members added as candidates
  size_t max_candidates = 600;  // the rest, lowest prior first, are dropped (counted in the result)
  size_t legacy_fallback = 50;  // the model ordering's vocabulary list when the class is unknown
  // A cascade bounds the ranker's cost on long lists: every candidate gets the first `cascade_trees`
  // trees, the best `cascade_keep` of those the rest; the others follow by their partial score.
  size_t cascade_trees = 64, cascade_keep = 48;               // cascade_keep 0: every tree for every candidate
  size_t scan_before = kScanBefore, scan_after = kScanAfter;  // bytes of the document scanned (scan_window)
  // How the document around the cursor is read (index/TokenScan); the shipped ranker was trained on
  // ScanKind::Tokens' scans (2026-12-08).
  ScanKind scan = ScanKind::Tokens;
};

// The document as the editor holds it.
struct DocumentView {
  std::string path;       // absolute file path ("" if not a file): the index leaves that file out
  std::string_view text;  // the whole text
  size_t cursor = 0;      // byte offset of the cursor (after "recv." and any typed prefix)
};

struct MemberCandidate {
  std::string name;
  uint32_t sources = 0;
  MemberKind kind = MemberKind::Unknown;
  float score = 0;  // higher first
  std::array<float, kFeatureCount> features{};
};

struct CompletionResult {
  std::vector<MemberCandidate> items;  // in display order
  std::string key;                     // the receiver key (index/ModuleScan)
  std::string cls;                     // the completion class, project classes included
  int receiver_kind = 4;
  size_t dropped = 0;  // candidates over max_candidates
  double scan_ms = 0, features_ms = 0, rank_ms = 0;
};

// The placeholder put at the cursor when the document is scanned, so the unfinished `recv.` does not
// swallow the next line's first name as its member.
inline constexpr std::string_view kCursorMark = "__dw_cursor__";

// What the engine scans of a document: the text from about kScanBefore bytes before the cursor (back
// to the top-level statement holding it, within twice that) to kScanAfter after it, with the imports
// above, and kCursorMark at the cursor. Parsing a whole 500 KB file would cost ~150 ms per completion.
std::string scan_window(std::string_view text, size_t mark, size_t cursor, size_t* mark_at, size_t before = kScanBefore,
                        size_t after = kScanAfter);

// The engine's parse of the document around the cursor. It needs nothing from the model's
// prediction but the typed prefix's length, so the server runs it on another thread while the model
// runs (lsp/methods/Completion.cpp); complete() makes it itself when not given one that fits.
struct DocumentScan {
  size_t prefix = 0;  // the typed prefix's length it assumed
  std::string module;
  ModuleScan scan;
  uint32_t line = 0;  // the cursor's line in the scanned text
  std::string here;   // the class around the cursor, qualified ("" outside one)
  double ms = 0;
};

class CompletionEngine {
 public:
  // `index` and `ranker` may be null (no project, or no learned ranker: then the model ordering).
  CompletionEngine(const TypeshedIndex& stubs, const ProjectIndex* index, const TreeEnsemble* ranker,
                   EngineOptions opt = {});

  // `p` is the model's prediction at the cursor (Predictor::predict); `pr` null means no model.
  CompletionResult complete(const Prediction& p, const Predictor* pr, const DocumentView& doc) const;
  // The same, under another ordering (eval compares orderings on one candidate computation); `pre`:
  // the document's scan, made beforehand (used when its prefix length matches the context's).
  CompletionResult complete(const Prediction& p, const Predictor* pr, const DocumentView& doc, RankerKind kind,
                            const DocumentScan* pre = nullptr) const;
  // Thread-safe; `cache`: the document's last scan parse (one thread at a time may use it).
  DocumentScan scan_document(const DocumentView& doc, size_t prefix, ParseCache* cache = nullptr) const;

  const EngineOptions& options() const { return opt_; }
  bool learned() const { return ranker_ && !ranker_->empty(); }

 private:
  const TypeshedIndex& stubs_;
  const ProjectIndex* index_;
  const TreeEnsemble* ranker_;
  EngineOptions opt_;
};

// The model ordering of a list (what `dotwise serve` did before the learned ranker): known public
// names (or private ones the model is confident of) by logit, then unknown public names, then the
// rest; ties and unknowns alphabetical. Returns indices into `logits` in display order.
std::vector<size_t> model_order(const std::vector<std::string>& names, const std::vector<float>& logits,
                                double private_confidence = 0.5);

}  // namespace dw
