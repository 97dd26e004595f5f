// Proxy mode: the upstream's completion list merged with our own candidates (rank/CompletionEngine),
// so that the list is never worse than either side alone:
//   - every upstream item is kept with all its fields (documentation, auto-import edits, `data`);
//   - our best candidates the upstream lacks are added (at most `add`), as items of the right kind
//     with detail "dotwise" and a textEdit shaped like the upstream's own (same range), so clients
//     filter and insert them the same way;
//   - the order is our learned score, plus `upstream_bonus` for a name the upstream also lists (the
//     upstream typed the receiver: its list is strong evidence, the stand-in for the ranker feature
//     "in the upstream's list" until rows with recorded upstream lists exist; measured on projects of
//     the Debian valid split, 0 did best); upstream items we have no score for follow in the
//     upstream's order, private ones last.
// An upstream error, null or empty list gives our own list alone. Items of ours carry detail "dotwise":
// the proxy answers their completionItem/resolve itself (the upstream never listed them).
#pragma once
#include <string>
#include <vector>

#include "lsp/Protocol.h"
#include "lsp/Ranking.h"

namespace dw::lsp {

struct OwnCandidate {
  std::string name;
  float score;  // the learned ranker's margin (or the fallback's score): higher is better
  int kind;     // LSP CompletionItemKind
};

struct MergeOptions {
  size_t add = 40;             // our candidates the upstream lacks, best first, added at most
  float upstream_bonus = 0.0;  // added to the score of a name both lists hold
  // Past this many ms without the upstream's answer, ours goes out alone with isIncomplete (the
  // client asks again as the user types); the upstream's late list is kept for that next request at
  // the same dot. 0: always wait.
  int deadline_ms = 500;
};

// Replaces `result` (the upstream's CompletionList, CompletionItem[] or null) by the merged
// CompletionList. `ours` is in our order, best first.
void merge_completion(Json& result, const std::vector<OwnCandidate>& ours, const MergeOptions& mopt,
                      const RankOptions& ropt);

// Our own list as a CompletionList, in our order (standalone, and the fallback of the merge).
Json own_completion_list(const std::vector<OwnCandidate>& ours, const RankOptions& ropt);
// The same list as JSON text, written without building it as objects (the standalone server's reply).
std::string own_completion_text(const std::vector<OwnCandidate>& ours, const RankOptions& ropt);

}  // namespace dw::lsp
