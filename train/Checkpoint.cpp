#include "train/Checkpoint.h"

#include <cstring>
#include <unordered_map>

#include "support/BinaryIO.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw::train {
namespace {

constexpr char kMagic[8] = {'D', 'W', 'C', 'K', 'P', 'T', 0, 0};

void put_floats(ByteWriter& w, const std::vector<float>& v) {
  w.u64(v.size());
  w.raw(v.data(), v.size() * sizeof(float));
}

std::vector<float> get_floats(ByteReader& r, bool keep = true) {
  uint64_t n = r.u64();
  if (n > r.remaining() / sizeof(float)) r.fail("array larger than the file");
  auto bytes = r.bytes(n * sizeof(float));
  std::vector<float> v;
  if (keep) {
    v.resize(size_t(n));
    std::memcpy(v.data(), bytes.data(), bytes.size());
  }
  return v;
}

}  // namespace

void set_vocab(Checkpoint& c, const Vocab& v) {
  c.vocab_tokens.clear();
  c.vocab_counts.clear();
  c.vocab_member_counts.clear();
  for (uint32_t i = 0; i < v.size(); ++i) {
    c.vocab_tokens.emplace_back(v.token(int32_t(i)));
    c.vocab_counts.push_back(v.count(int32_t(i)));
    c.vocab_member_counts.push_back(v.member_count(int32_t(i)));
  }
  c.vocab_min_count = v.min_count();
}

Vocab checkpoint_vocab(const Checkpoint& c) {
  // Vocab::build orders by (count desc, token asc): rebuilding from the stored counts gives the same ids.
  std::unordered_map<std::string, std::pair<uint64_t, uint64_t>> counts;
  for (size_t i = 2; i < c.vocab_tokens.size(); ++i)
    counts[c.vocab_tokens[i]] = {c.vocab_counts[i], c.vocab_member_counts[i]};
  auto v = Vocab::build(counts, c.vocab_min_count, c.shape.max_oov);
  if (v.size() != c.vocab_tokens.size()) throw FormatError("checkpoint: vocabulary does not rebuild");
  for (uint32_t i = 0; i < v.size(); ++i)
    if (v.token(int32_t(i)) != c.vocab_tokens[i]) throw FormatError("checkpoint: vocabulary does not rebuild in order");
  return v;
}

void save_checkpoint(const std::filesystem::path& p, const Checkpoint& c) {
  ByteWriter w;
  nlohmann::json cfg = c.cfg;
  w.str(cfg.dump());
  w.str(c.shape.arch);
  for (uint32_t x : {c.shape.vocab_size, c.shape.max_oov, c.shape.dx, c.shape.dh, c.shape.layers, c.world}) w.u32(x);
  w.u32(c.pos.epoch);
  w.u64(c.pos.step_in_epoch);
  w.u64(c.pos.global_step);
  w.u64(c.pos.tokens_seen);
  w.raw(&c.pos.best_mrr, sizeof(double));
  w.u32(c.pos.best_epoch);
  w.u32(c.pos.bad_epochs);
  w.u8(c.pos.finished);
  w.u64(c.vocab_min_count);
  w.u64(c.vocab_tokens.size());
  for (size_t i = 0; i < c.vocab_tokens.size(); ++i) {
    w.str(c.vocab_tokens[i]);
    w.varint(c.vocab_counts[i]);
    w.varint(c.vocab_member_counts[i]);
  }
  w.u64(c.adam_t);
  for (const auto* v : {&c.params, &c.adam_m, &c.adam_v, &c.lane_state}) put_floats(w, *v);

  ByteWriter out;
  out.raw(kMagic, sizeof kMagic);
  out.u32(kCheckpointVersion);
  out.u64(w.size());
  out.u64(hash64(w.buffer()));
  out.buffer() += w.buffer();
  write_file_atomic(p, out.buffer());
}

Checkpoint load_checkpoint(const std::filesystem::path& p, bool params_only) {
  auto file = read_file(p);
  if (!file.error.empty()) throw FormatError(p.string() + ": " + file.error);
  std::string what = p.string();
  ByteReader h(file.data, what.c_str());
  if (h.bytes(sizeof kMagic) != std::string_view(kMagic, sizeof kMagic)) h.fail("not a dotwise checkpoint");
  if (h.u32() != kCheckpointVersion) h.fail("unsupported checkpoint version");
  uint64_t n = h.u64(), hash = h.u64();
  auto payload = h.bytes(n);
  if (!h.done()) h.fail("trailing bytes");
  if (hash64(payload) != hash) h.fail("checksum mismatch (damaged file)");

  ByteReader r(payload, what.c_str());
  Checkpoint c;
  try {
    c.cfg = nlohmann::json::parse(r.str()).get<TrainConfig>();
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("bad config: ") + e.what());
  }
  c.shape.arch = std::string(r.str());
  c.shape.vocab_size = r.u32();
  c.shape.max_oov = r.u32();
  c.shape.dx = r.u32();
  c.shape.dh = r.u32();
  c.shape.layers = r.u32();
  c.world = r.u32();
  c.pos.epoch = r.u32();
  c.pos.step_in_epoch = r.u64();
  c.pos.global_step = r.u64();
  c.pos.tokens_seen = r.u64();
  auto mrr = r.bytes(sizeof(double));
  std::memcpy(&c.pos.best_mrr, mrr.data(), sizeof(double));
  c.pos.best_epoch = r.u32();
  c.pos.bad_epochs = r.u32();
  c.pos.finished = r.u8() != 0;
  c.vocab_min_count = r.u64();
  uint64_t nv = r.u64();
  if (nv > r.remaining()) r.fail("vocabulary larger than the file");
  for (uint64_t i = 0; i < nv; ++i) {
    c.vocab_tokens.emplace_back(r.str());
    c.vocab_counts.push_back(r.varint());
    c.vocab_member_counts.push_back(r.varint());
  }
  c.adam_t = r.u64();
  c.params = get_floats(r);
  c.adam_m = get_floats(r, !params_only);
  c.adam_v = get_floats(r, !params_only);
  c.lane_state = get_floats(r, !params_only);
  if (!r.done()) r.fail("trailing bytes in payload");
  if (c.shape.vocab_size != c.vocab_tokens.size()) r.fail("vocabulary size does not match the model");
  return c;
}

}  // namespace dw::train
