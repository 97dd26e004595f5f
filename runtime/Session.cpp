#include "runtime/Session.h"

#include <algorithm>
#include <numeric>

namespace dw {

Session::Session(const Model& m, SessionOptions o) : m_(&m), opt_(o) { reset(); }

void Session::reset() {
  tokens_.clear();
  state_.assign(m_->state_size(), 0.0f);
  checkpoints_.assign(opt_.checkpoint_every ? m_->state_size() : 0, 0.0f);  // slot 0: the zero state
  l_valid_ = false;
}

// Runs ids[start..] with state_ holding the state after `start` tokens.
void Session::run_from(size_t start, std::span<const int32_t> ids) {
  const size_t n = ids.size(), every = opt_.checkpoint_every;
  tokens_.assign(ids.begin(), ids.end());
  if (every) checkpoints_.resize((n / every + 1) * m_->state_size());
  l_valid_ = false;
  try {
    m_->run(ids.subspan(start), state_.data(), start, every, checkpoints_.data());
  } catch (...) {
    reset();
    throw;
  }
}

size_t Session::set_context(std::span<const int32_t> ids) {
  size_t p = size_t(std::mismatch(ids.begin(), ids.end(), tokens_.begin(), tokens_.end()).first - ids.begin());
  size_t start;
  if (p == tokens_.size()) {
    start = p;  // pure append (or unchanged): the current state is the state after p tokens
  } else {
    const size_t every = opt_.checkpoint_every;
    size_t slot = every ? p / every : 0;
    start = slot * (every ? every : 0);
    if (every) {
      std::copy_n(checkpoints_.begin() + slot * m_->state_size(), m_->state_size(), state_.begin());
    } else {
      std::fill(state_.begin(), state_.end(), 0.0f);
    }
  }
  if (start == ids.size() && start == tokens_.size()) return 0;
  run_from(start, ids);
  return ids.size() - start;
}

size_t Session::append(std::span<const int32_t> ids) {
  std::vector<int32_t> all(tokens_);
  all.insert(all.end(), ids.begin(), ids.end());
  return set_context(all);
}

std::span<const float> Session::hidden() const {
  const size_t dh = m_->config().dh;
  return {state_.data() + (m_->config().layers - 1) * 2 * dh, dh};
}

std::span<const float> Session::predicted_embedding() {
  if (!l_valid_) {
    l_.resize(m_->predicted_size());
    m_->predict(hidden().data(), l_.data());
    l_valid_ = true;
  }
  return std::span<const float>(l_).first(m_->config().dx);
}

void Session::score(std::span<const int32_t> ids, std::span<float> out) {
  const float* l = predicted_embedding().data();
  for (size_t i = 0; i < ids.size() && i < out.size(); ++i) out[i] = m_->logit(l, ids[i]);
}

std::span<const int32_t> Session::member_ids() const {
  auto listed = m_->file().member_ids();
  if (!listed.empty()) return listed;
  if (all_ids_.empty()) {
    all_ids_.resize(m_->config().rows());
    std::iota(all_ids_.begin(), all_ids_.end(), 0);
  }
  return all_ids_;
}

void Session::score_members(std::vector<float>& out) {
  auto ids = member_ids();
  out.resize(ids.size());
  score(ids, out);
}

}  // namespace dw
