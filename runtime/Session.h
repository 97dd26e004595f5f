// One document's model state with a prefix cache. set_context() compares the new context with the
// last one and resumes from the latest checkpoint at or before their first difference, so typing at
// the end runs only the new tokens and an edit runs only the tokens after the last unchanged point
// (plus at most `checkpoint_every - 1` before it). Checkpoints cost 2*layers*dh floats each.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "runtime/Model.h"

namespace dw {

struct SessionOptions {
  size_t checkpoint_every = 8;  // keep the state after every n-th token (0: keep none, always rerun)
};

class Session {
 public:
  explicit Session(const Model& m, SessionOptions o = {});

  // Makes `ids` the context; returns how many tokens were actually run. Throws std::invalid_argument
  // for an id outside the model (the session is then empty).
  size_t set_context(std::span<const int32_t> ids);
  size_t append(std::span<const int32_t> ids);
  void reset();
  std::span<const int32_t> tokens() const { return tokens_; }

  // Logits (higher = better) of `ids` as the next token; ids outside the model get -inf.
  void score(std::span<const int32_t> ids, std::span<float> out);
  // Logits of every member id the model file lists (every id when it lists none), in that order.
  std::span<const int32_t> member_ids() const;
  void score_members(std::vector<float>& out);

  std::span<const float> hidden() const;  // the top layer's h after the context
  std::span<const float> predicted_embedding();

 private:
  const Model* m_;
  SessionOptions opt_;
  std::vector<int32_t> tokens_;
  std::vector<float> state_;        // [layers][h, c] after tokens_
  std::vector<float> checkpoints_;  // slot k: the state after k * checkpoint_every tokens
  std::vector<float> l_;
  mutable std::vector<int32_t> all_ids_;  // every id, when the file lists no members
  bool l_valid_ = false;
  void run_from(size_t start, std::span<const int32_t> ids);
};

}  // namespace dw
