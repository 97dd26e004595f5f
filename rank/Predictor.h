// The model at a cursor: text before the cursor -> completion context (syntax/) -> token ids in the
// model's vocabulary -> the LSTM state, kept per document (runtime/Session) so a keystroke runs only
// the new tokens. A Prediction holds the predicted embedding, so any candidate name can be scored
// later, e.g. when the upstream server's list arrives, on another thread, without the session.
#pragma once
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "corpus/Vocab.h"
#include "rank/ContextWindow.h"
#include "rank/ModelRanker.h"
#include "runtime/Model.h"
#include "runtime/Session.h"
#include "syntax/CompletionContext.h"
#include "syntax/Extractor.h"

namespace dw {

struct PredictorOptions {
  // The model sees the last `lookback` tokens (up to `window_step` more). Pythia used T = 1000; on the
  // Debian test split (10,620 sites) 300 scored the same as 1000 (MRR .237 both; 150: .236, 100: .234,
  // 50: .228), and 150 halves what a cold start or a window shift runs, the tail of the latency. In the
  // editor protocol 100 scores as 150 does (2026-12-07: 4,500 sites of stdlib, dist-packages and
  // google-cloud-sdk, MRR .633 vs .634; lsp_probe on gcloud's unseen `surface`, 300 sites, .510 vs
  // .509) and runs a third fewer tokens. The start moves in steps of `window_step` tokens, so while
  // typing the cached state stays valid.
  size_t lookback = 100;
  size_t window_step = 64;
  size_t max_sessions = 16;  // documents with a cached state (least recently used dropped)
};

struct Prediction {
  CompletionContext ctx;
  std::vector<float> l;                                // predicted embedding at the "."
  std::unordered_map<std::string, int32_t> oov;        // the file's own tokens outside the vocabulary -> id
  size_t tokens = 0, ran = 0;                          // context tokens; tokens the LSTM actually ran
  double window_ms = 0, context_ms = 0, model_ms = 0;  // cutting, parsing + typing, the LSTM (--trace)
  size_t window_bytes = 0;                             // the text parsed
  // The model's best member names, best first, when made ahead (Predictor::best_members): the server
  // makes them while the document scan still runs.
  std::vector<std::string_view> best_members;
};

class Predictor {
 public:
  Predictor(const Model& m, const Extractor& ex, PredictorOptions o = {});
  ~Predictor();

  // nullopt when the cursor is not after `receiver.` (+ a typed prefix).
  std::optional<Prediction> predict(const std::string& doc_key, std::string_view text_before_cursor);
  // The id a candidate name has in this context (vocabulary, then the file's OOV ids), -1 if none.
  int32_t id_of(const Prediction& p, std::string_view name) const;
  float logit(const Prediction& p, int32_t id) const { return m_.logit(p.l.data(), id); }
  // Member names the model was trained to emit (the candidate set when nothing else is known).
  const std::vector<std::string_view>& member_names() const { return member_names_; }
  const std::vector<int32_t>& member_ids() const { return member_ids_; }  // the same members' ids
  // The `k` member names with the highest logits, best first (ties: the earlier member).
  std::vector<std::string_view> best_members(const Prediction& p, size_t k) const;
  // The same in parts (the server splits the logits between two threads): the logits of
  // member_ids()[begin, end) into `out`, and the best `k` given all of them.
  void member_logits(const Prediction& p, size_t begin, size_t end, float* out) const;
  std::vector<std::string_view> best_members(const std::vector<float>& logits, size_t k) const;
  void forget(const std::string& doc_key);
  const Model& model() const { return m_; }
  const Vocab& vocab() const { return vocab_; }

 private:
  const Model& m_;
  const Extractor& ex_;
  PredictorOptions opt_;
  Vocab vocab_;
  std::vector<std::string_view> member_names_;
  std::vector<int32_t> member_ids_;
  struct DocState;  // the LSTM state and the last parse of one document
  std::list<std::pair<std::string, std::unique_ptr<DocState>>> docs_;  // most recent first
  DocState& doc(const std::string& key);
};

// The prediction at a cursor exactly as `dotwise serve` makes it, shared with `dotwise eval --protocol
// editor`: the text before the cursor cut to its context window, then the model (or, without a model,
// the completion context alone). nullopt when the cursor is not after `receiver.`.
std::optional<Prediction> predict_at_cursor(Predictor* pr, const Extractor& ex, const std::string& doc_key,
                                            std::string_view before_cursor, const WindowOptions& window,
                                            WindowCache* cache);

}  // namespace dw
