// The only translation unit of the model that includes libtorch (slow to compile: keep it so).
#include "train/Model.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace dw::train {

namespace F = torch::nn::functional;

struct Model::Impl {
  ModelShape shape;
  torch::Tensor flat, flat_grad;  // every parameter and every gradient, contiguous
  int64_t used = 0;
  torch::Tensor emb, proj_w, proj_b, fc_w, out_b;
  std::vector<torch::Tensor> lstm;  // per layer: w_ih, w_hh, b_ih, b_hh (the order at::lstm takes)
  torch::Tensor h, c;               // [layers x lanes x dh], detached between chunks
  int64_t chunk_rows = 256;         // softmax rows per chunk in train_step; 0 = through autograd

  // A leaf parameter viewing the next slice of `flat`, whose .grad views the same slice of `flat_grad`:
  // autograd then accumulates straight into the flat gradient buffer.
  torch::Tensor take(std::vector<int64_t> dims) {
    int64_t n = 1;
    for (auto d : dims) n *= d;
    auto p = flat.narrow(0, used, n).view(dims);
    p.requires_grad_(true);
    p.mutable_grad() = flat_grad.narrow(0, used, n).view(dims);
    used += n;
    return p;
  }

  static int64_t count(const ModelShape& s) {
    int64_t rows = s.rows(), dx = s.dx, dh = s.dh, n = rows * dx + rows;
    for (uint32_t l = 0; l < s.layers; ++l) n += 4 * dh * ((l ? dh : dx) + dh) + 8 * dh;
    n += s.arch == "fc" ? rows * dh : dx * dh + dx;
    return n;
  }

  void ensure_state(int64_t lanes) {
    if (h.defined() && h.size(1) == lanes) return;
    h = torch::zeros({int64_t(shape.layers), lanes, int64_t(shape.dh)});
    c = torch::zeros_like(h);
  }

  // Runs one chunk through embedding + LSTM; returns the top layer's outputs as [T*B x dh].
  torch::Tensor hidden(const Batch& b, float dropout, bool train) {
    int64_t T = b.T, B = b.B;
    ensure_state(B);
    std::vector<float> keep(static_cast<size_t>(B));
    bool any_reset = false;
    for (int64_t j = 0; j < B; ++j) {
      keep[size_t(j)] = b.reset[size_t(j)] ? 0.f : 1.f;
      any_reset |= b.reset[size_t(j)] != 0;
    }
    if (any_reset) {
      auto k = torch::from_blob(keep.data(), {1, B, 1}).clone();
      h = h * k;
      c = c * k;
    }
    auto input = torch::from_blob(const_cast<int64_t*>(b.input.data()), {T, B}, torch::kLong);
    auto x = torch::embedding(emb, input);
    if (train && dropout > 0) x = torch::dropout(x, dropout, true);
    auto [out, hn, cn] = torch::lstm(x, {h, c}, lstm, true, shape.layers, train ? dropout : 0.0, train, false, false);
    h = hn.detach();
    c = cn.detach();
    if (train && dropout > 0) out = torch::dropout(out, dropout, true);
    return out.reshape({T * B, int64_t(shape.dh)});
  }

  // The output rows: the tied embedding, or the fc layer's own weights.
  torch::Tensor& out_w() { return shape.arch == "fc" ? fc_w : emb; }

  // The vector whose dot product with each output row is its logit (before the bias).
  torch::Tensor project(const torch::Tensor& hs) { return shape.arch == "fc" ? hs : torch::linear(hs, proj_w, proj_b); }

  torch::Tensor logits(const torch::Tensor& hs) { return torch::addmm(out_b, project(hs), out_w().t()); }

  // The loss through autograd's cross_entropy: the reference the chunked path is tested against.
  StepStats train_step_autograd(const torch::Tensor& out, const std::vector<int64_t>& idx,
                                const std::vector<int64_t>& tgt, const std::vector<int64_t>& ai,
                                const std::vector<int64_t>& at, float aux_weight, StepStats& st) {
    torch::Tensor loss;
    if (!idx.empty()) {
      auto tt = torch::tensor(tgt, torch::kLong);
      auto lg = logits(out.index_select(0, torch::tensor(idx, torch::kLong)));
      loss = F::cross_entropy(lg, tt, F::CrossEntropyFuncOptions().reduction(torch::kSum));
      st.loss_sum = loss.item<double>();
      st.sites = idx.size();
      st.correct = uint64_t(lg.detach().argmax(1).eq(tt).sum().item<int64_t>());
    }
    if (!ai.empty()) {
      auto lg = logits(out.index_select(0, torch::tensor(ai, torch::kLong)));
      auto aux =
          F::cross_entropy(lg, torch::tensor(at, torch::kLong), F::CrossEntropyFuncOptions().reduction(torch::kSum));
      st.aux_sum = aux.item<double>();
      st.aux_n = ai.size();
      loss = loss.defined() ? loss + aux_weight * aux : aux_weight * aux;
    }
    if (loss.defined()) loss.backward();
    return st;
  }
};

Model::Model(const ModelShape& s, uint64_t seed) : impl_(std::make_unique<Impl>()) {
  if (s.arch != "pred-emb" && s.arch != "fc")
    throw std::invalid_argument("unknown architecture '" + s.arch + "' (pred-emb or fc)");
  if (s.rows() == 0 || s.dx == 0 || s.dh == 0 || s.layers == 0)
    throw std::invalid_argument("model sizes must be positive");
  auto& m = *impl_;
  m.shape = s;
  auto n = Impl::count(s);
  m.flat = torch::zeros({n});
  m.flat_grad = torch::zeros({n});
  int64_t rows = s.rows(), dx = s.dx, dh = s.dh;
  m.emb = m.take({rows, dx});
  for (uint32_t l = 0; l < s.layers; ++l) {
    m.lstm.push_back(m.take({4 * dh, l ? dh : dx}));
    m.lstm.push_back(m.take({4 * dh, dh}));
    m.lstm.push_back(m.take({4 * dh}));
    m.lstm.push_back(m.take({4 * dh}));
  }
  if (s.arch == "fc") {
    m.fc_w = m.take({rows, dh});
  } else {
    m.proj_w = m.take({dx, dh});
    m.proj_b = m.take({dx});
  }
  m.out_b = m.take({rows});
  if (m.used != n) throw std::logic_error("model: parameter layout mismatch");

  torch::NoGradGuard ng;
  torch::manual_seed(seed);
  double k = 1.0 / std::sqrt(double(dh));
  // Rows of norm ~1: the tied output needs distinguishable rows from the start. With the small
  // (+-0.05) init common for untied models, the predicted-embedding model sat at the unigram solution.
  double a = std::sqrt(3.0 / double(dx));
  m.emb.uniform_(-a, a);
  for (auto& p : m.lstm) p.uniform_(-k, k);
  for (uint32_t l = 0; l < s.layers; ++l) m.lstm[4 * l + 2].narrow(0, dh, dh).fill_(1.0);  // forget-gate bias 1
  if (s.arch == "fc")
    m.fc_w.uniform_(-k, k);
  else {
    m.proj_w.uniform_(-k, k);
    m.proj_b.zero_();
  }
}

Model::~Model() = default;
const ModelShape& Model::shape() const { return impl_->shape; }
size_t Model::n_params() const { return size_t(impl_->flat.numel()); }
float* Model::params() { return impl_->flat.data_ptr<float>(); }
float* Model::grads() { return impl_->flat_grad.data_ptr<float>(); }
void Model::zero_grads() { impl_->flat_grad.zero_(); }
void Model::set_threads(int n) {
  if (n > 0) torch::set_num_threads(n);
}

namespace {

// Cross-entropy of logits = z W^T + b at `tgt`, done by hand a few rows at a time: returns dL/dz and
// adds dL/dW, dL/db into W's and b's gradients (views of the flat buffer). Through autograd the
// logits of a whole step ([sites x rows], ~0.5 GB at batch 512) were held three times over.
torch::Tensor softmax_xent_grad(const torch::Tensor& z, const torch::Tensor& tgt, torch::Tensor& W, torch::Tensor& b,
                                float weight, int64_t chunk_rows, double& loss_sum, uint64_t& correct) {
  torch::NoGradGuard ng;
  auto zd = z.detach(), Wd = W.detach(), bd = b.detach();
  auto gW = W.mutable_grad(), gb = b.mutable_grad();
  auto dz = torch::empty_like(zd);
  const int64_t n = zd.size(0);
  double loss = 0;
  int64_t hits = 0;
  for (int64_t r0 = 0; r0 < n; r0 += chunk_rows) {
    int64_t k = std::min(chunk_rows, n - r0);
    auto zc = zd.narrow(0, r0, k);
    auto tc = tgt.narrow(0, r0, k).unsqueeze(1);
    auto p = torch::addmm(bd, zc, Wd.t());  // logits, then softmax, then dL/dlogits, in place
    // Softmax in four passes over the chunk with one exp per logit: logsumexp + exp_ + argmax took
    // about nine passes and two exps, 40% of the softmax's time (more than each of its GEMMs).
    auto mx = std::get<0>(p.max(1, true));
    auto t = p.gather(1, tc);
    hits += t.ge(mx).sum().item<int64_t>();  // the target is the top logit (a tie counts as a hit)
    p.sub_(mx).exp_();
    auto sum = p.sum(1, true);
    loss += (sum.log() + mx - t).sum().item<double>();
    p.div_(sum);
    p.scatter_add_(1, tc, torch::full({k, 1}, -1.0f));
    if (weight != 1.0f) p.mul_(weight);
    dz.narrow(0, r0, k).copy_(p.mm(Wd));
    gW.addmm_(p.t(), zc);
    gb.add_(p.sum(0));
  }
  loss_sum += loss;
  correct += uint64_t(hits);
  return dz;
}

}  // namespace

void Model::set_softmax_chunk(int64_t rows) { impl_->chunk_rows = rows; }

StepStats Model::train_step(const Batch& b, float dropout, float aux_weight, uint64_t rng_seed) {
  auto& m = *impl_;
  torch::manual_seed(rng_seed);
  auto out = m.hidden(b, dropout, true);
  StepStats st;
  std::vector<int64_t> idx, tgt;
  for (size_t i = 0; i < b.site_index.size(); ++i)
    if (b.site_target[i] != Vocab::kUnk) {
      idx.push_back(b.site_index[i]);
      tgt.push_back(b.site_target[i]);
    }
  std::vector<int64_t> ai, at;
  if (aux_weight > 0)
    for (size_t i = 0; i < b.next_target.size(); ++i)
      if (b.next_target[i] >= 0 && b.next_target[i] != Vocab::kUnk) {
        ai.push_back(int64_t(i));
        at.push_back(b.next_target[i]);
      }
  if (m.chunk_rows <= 0) return m.train_step_autograd(out, idx, tgt, ai, at, aux_weight, st);

  // Rows of the outputs that get a loss, then one backward pass for them all.
  const int64_t chunk = m.chunk_rows;
  torch::Tensor& W = m.out_w();
  std::vector<torch::Tensor> zs, dzs;
  if (!idx.empty()) {
    auto z = m.project(out.index_select(0, torch::tensor(idx, torch::kLong)));
    dzs.push_back(
        softmax_xent_grad(z, torch::tensor(tgt, torch::kLong), W, m.out_b, 1.0f, chunk, st.loss_sum, st.correct));
    zs.push_back(z);
    st.sites = idx.size();
  }
  if (!ai.empty()) {
    auto z = m.project(out.index_select(0, torch::tensor(ai, torch::kLong)));
    uint64_t ignored = 0;
    dzs.push_back(
        softmax_xent_grad(z, torch::tensor(at, torch::kLong), W, m.out_b, aux_weight, chunk, st.aux_sum, ignored));
    zs.push_back(z);
    st.aux_n = ai.size();
  }
  if (!zs.empty()) torch::autograd::backward(zs, dzs);
  return st;
}

std::vector<SiteScore> Model::eval_step(const Batch& b) {
  auto& m = *impl_;
  torch::NoGradGuard ng;
  auto out = m.hidden(b, 0, false);
  std::vector<SiteScore> res(b.site_index.size());
  if (res.empty()) return res;
  auto ti = torch::tensor(b.site_index, torch::kLong);
  auto tt = torch::tensor(b.site_target, torch::kLong);
  auto lg = m.logits(out.index_select(0, ti));
  auto tl = lg.gather(1, tt.unsqueeze(1));
  auto rank = lg.gt(tl).sum(1).add(1).contiguous();
  auto prob = torch::softmax(lg, 1).gather(1, tt.unsqueeze(1)).squeeze(1).contiguous();
  auto* r = rank.data_ptr<int64_t>();
  auto* p = prob.data_ptr<float>();
  for (size_t i = 0; i < res.size(); ++i) {
    bool unk = b.site_target[i] == Vocab::kUnk;
    res[i] = {unk ? 0u : uint32_t(r[i]), unk ? 0.f : p[i]};
  }
  return res;
}

std::vector<float> Model::state() const {
  auto& m = *impl_;
  if (!m.h.defined()) return {};
  auto s = torch::cat({m.h.flatten(), m.c.flatten()}).contiguous();
  return {s.data_ptr<float>(), s.data_ptr<float>() + s.numel()};
}

void Model::set_state(const std::vector<float>& s, uint32_t lanes) {
  auto& m = *impl_;
  m.ensure_state(lanes);
  if (s.empty()) return;
  if (int64_t(s.size()) != 2 * m.h.numel()) throw std::runtime_error("model: recurrent state does not match the lanes");
  auto t = torch::from_blob(const_cast<float*>(s.data()), {int64_t(s.size())}).clone();
  m.h = t.narrow(0, 0, m.h.numel()).view(m.h.sizes()).clone();
  m.c = t.narrow(0, m.h.numel(), m.c.numel()).view(m.c.sizes()).clone();
}

ModelWeights Model::to_weights(const Vocab& v) const {
  auto& m = *impl_;
  if (m.shape.arch != "pred-emb")
    throw std::runtime_error("export: only the pred-emb architecture runs in the runtime");
  if (v.size() != m.shape.vocab_size || v.max_oov() != m.shape.max_oov)
    throw std::runtime_error("export: vocabulary does not match the model");
  auto vec = [](const torch::Tensor& t) {
    auto c = t.detach().contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
  };
  ModelWeights w;
  w.cfg = {m.shape.vocab_size, m.shape.max_oov, m.shape.dx, m.shape.dh, m.shape.layers};
  for (uint32_t i = 0; i < v.size(); ++i) w.vocab.emplace_back(v.token(int32_t(i)));
  w.embedding = vec(m.emb);
  for (uint32_t l = 0; l < m.shape.layers; ++l)
    w.lstm.push_back({vec(m.lstm[4 * l]), vec(m.lstm[4 * l + 1]), vec(m.lstm[4 * l + 2] + m.lstm[4 * l + 3])});
  w.proj_w = vec(m.proj_w);
  w.proj_b = vec(m.proj_b);
  w.out_b = vec(m.out_b);
  return w;
}

void Model::set_weights(const ModelWeights& w) {
  auto& m = *impl_;
  const auto& s = m.shape;
  if (s.arch != "pred-emb") throw std::runtime_error("init: a model file holds the pred-emb architecture only");
  if (w.cfg.vocab_size != s.vocab_size || w.cfg.max_oov != s.max_oov || w.cfg.dx != s.dx || w.cfg.dh != s.dh ||
      w.cfg.layers != s.layers || w.lstm.size() != s.layers)
    throw std::runtime_error("init: the model file's shape differs from this model's");
  torch::NoGradGuard ng;
  auto put = [](torch::Tensor& dst, const std::vector<float>& src, const char* what) {
    if (int64_t(src.size()) != dst.numel()) throw std::runtime_error(std::string("init: wrong size of ") + what);
    dst.view({-1}).copy_(torch::from_blob(const_cast<float*>(src.data()), {dst.numel()}));
  };
  put(m.emb, w.embedding, "embedding");
  for (uint32_t l = 0; l < s.layers; ++l) {
    put(m.lstm[4 * l], w.lstm[l].w_ih, "lstm w_ih");
    put(m.lstm[4 * l + 1], w.lstm[l].w_hh, "lstm w_hh");
    put(m.lstm[4 * l + 2], w.lstm[l].b, "lstm bias");
    m.lstm[4 * l + 3].zero_();
  }
  put(m.proj_w, w.proj_w, "projection");
  put(m.proj_b, w.proj_b, "projection bias");
  put(m.out_b, w.out_b, "output bias");
}

}  // namespace dw::train
