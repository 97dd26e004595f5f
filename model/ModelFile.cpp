#include "model/ModelFile.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "model/Quantize.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {

namespace {

constexpr char kMagic[8] = {'D', 'W', 'M', 'O', 'D', 'E', 'L', '\0'};
constexpr size_t kHeaderBytes = 80, kDirEntryBytes = 32, kAlign = 64;
constexpr uint64_t kChecksumSeed = 0x64776d31;  // "dwm1"
// Bounds that any sane model satisfies; they keep every size product far from overflow.
constexpr uint32_t kMaxDim = 1u << 16, kMaxLayers = 16, kMaxRows = 1u << 26;

enum DType : uint32_t { kF32 = 0, kI8 = 1 };

// Kinds of the tensors, in the order they appear in the directory.
enum Kind : uint32_t { kEmbedding = 1, kProjW = 2, kProjB = 3, kOutB = 4, kLayer0 = 16 };  // layer l: 16+3l+{0,1,2}

struct Expected {
  uint32_t kind, dtype, rows, cols;
};

std::vector<Expected> expected_tensors(const ModelConfig& c, Quant q) {
  uint32_t m = q == Quant::kInt8 ? kI8 : kF32;
  std::vector<Expected> e{{kEmbedding, m, c.rows(), c.dx}};
  for (uint32_t l = 0; l < c.layers; ++l) {
    e.push_back({kLayer0 + 3 * l, m, 4 * c.dh, l == 0 ? c.dx : c.dh});
    e.push_back({kLayer0 + 3 * l + 1, m, 4 * c.dh, c.dh});
    e.push_back({kLayer0 + 3 * l + 2, kF32, 1, 4 * c.dh});
  }
  e.push_back({kProjW, m, c.dx, c.dh});
  e.push_back({kProjB, kF32, 1, c.dx});
  e.push_back({kOutB, kF32, 1, c.rows()});
  return e;
}

void pad_to(std::string& b, size_t align) { b.resize((b.size() + align - 1) / align * align, '\0'); }

template <class T>
void put(std::string& b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof(T));
}

}  // namespace

const char* quant_name(Quant q) { return q == Quant::kInt8 ? "int8" : "fp32"; }

void check_weights(const ModelWeights& w) {
  const auto& c = w.cfg;
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument("model weights: " + what);
  };
  need(c.vocab_size >= 1 && c.rows() <= kMaxRows, "vocabulary size out of range");
  need(c.dx >= 1 && c.dx <= kMaxDim && c.dh >= 1 && c.dh <= kMaxDim, "dx/dh out of range");
  need(c.layers >= 1 && c.layers <= kMaxLayers && w.lstm.size() == c.layers, "layer count");
  need(w.vocab.size() == c.vocab_size,
       "vocab has " + std::to_string(w.vocab.size()) + " tokens, config says " + std::to_string(c.vocab_size));
  need(w.embedding.size() == size_t(c.rows()) * c.dx, "embedding size");
  for (uint32_t l = 0; l < c.layers; ++l) {
    size_t in = l == 0 ? c.dx : c.dh;
    need(w.lstm[l].w_ih.size() == 4 * c.dh * in, "w_ih size of layer " + std::to_string(l));
    need(w.lstm[l].w_hh.size() == 4 * c.dh * c.dh, "w_hh size of layer " + std::to_string(l));
    need(w.lstm[l].b.size() == 4 * c.dh, "bias size of layer " + std::to_string(l));
  }
  need(w.proj_w.size() == size_t(c.dx) * c.dh && w.proj_b.size() == c.dx, "projection size");
  need(w.out_b.size() == c.rows(), "output bias size");
}

std::string serialize_model(const ModelWeights& w, Quant q, std::span<const int32_t> member_ids,
                            const Int8Weights* int8) {
  check_weights(w);
  const auto& c = w.cfg;
  for (int32_t id : member_ids)
    if (id < 0 || uint32_t(id) >= c.rows()) throw std::invalid_argument("member id out of range");
  auto tensors = expected_tensors(c, q);

  std::string b(kHeaderBytes + tensors.size() * kDirEntryBytes, '\0');
  std::memcpy(b.data(), kMagic, 8);
  put<uint32_t>(b, 8, kModelFormatVersion);
  put<uint32_t>(b, 12, kArchLstmPredEmb);
  put<uint32_t>(b, 16, uint32_t(q));
  put<uint32_t>(b, 20, c.vocab_size);
  put<uint32_t>(b, 24, c.max_oov);
  put<uint32_t>(b, 28, c.dx);
  put<uint32_t>(b, 32, c.dh);
  put<uint32_t>(b, 36, c.layers);
  put<uint32_t>(b, 40, uint32_t(member_ids.size()));
  put<uint32_t>(b, 44, uint32_t(tensors.size()));

  pad_to(b, kAlign);
  ByteWriter vw;
  for (const auto& t : w.vocab) vw.str(t);
  put<uint64_t>(b, 56, b.size());
  put<uint64_t>(b, 64, vw.size());
  b += vw.buffer();
  pad_to(b, kAlign);
  put<uint64_t>(b, 72, b.size());
  b.append(reinterpret_cast<const char*>(member_ids.data()), member_ids.size() * sizeof(int32_t));

  auto source = [&](uint32_t kind) -> const std::vector<float>& {
    if (kind == kEmbedding) return w.embedding;
    if (kind == kProjW) return w.proj_w;
    if (kind == kProjB) return w.proj_b;
    if (kind == kOutB) return w.out_b;
    const auto& layer = w.lstm[(kind - kLayer0) / 3];
    switch ((kind - kLayer0) % 3) {
      case 0:
        return layer.w_ih;
      case 1:
        return layer.w_hh;
      default:
        return layer.b;
    }
  };
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    const auto& src = source(t.kind);
    size_t dir = kHeaderBytes + i * kDirEntryBytes;
    put<uint32_t>(b, dir, t.kind);
    put<uint32_t>(b, dir + 4, t.dtype);
    put<uint32_t>(b, dir + 8, t.rows);
    put<uint32_t>(b, dir + 12, t.cols);
    pad_to(b, kAlign);
    if (t.dtype == kF32) {
      put<uint64_t>(b, dir + 16, b.size());
      b.append(reinterpret_cast<const char*>(src.data()), src.size() * sizeof(float));
    } else {
      QuantizedRows computed;
      const QuantizedRows* given = nullptr;
      if (int8 && t.kind == kEmbedding) given = &int8->embedding;
      if (int8 && t.kind == kProjW) given = &int8->proj_w;
      if (int8 && t.kind >= kLayer0) {
        const size_t l = (t.kind - kLayer0) / 3;
        const auto& part = (t.kind - kLayer0) % 3 == 0 ? int8->w_ih : int8->w_hh;
        if (l < part.size()) given = &part[l];
      }
      if (!given) computed = quantize_rows(src, t.rows, t.cols);
      const QuantizedRows& qr = given ? *given : computed;
      if (qr.q.size() != size_t(t.rows) * t.cols || qr.scale.size() != t.rows)
        throw std::invalid_argument("quantized weights do not match the model's sizes");
      put<uint64_t>(b, dir + 16, b.size());
      b.append(reinterpret_cast<const char*>(qr.q.data()), qr.q.size());
      pad_to(b, kAlign);
      put<uint64_t>(b, dir + 24, b.size());
      b.append(reinterpret_cast<const char*>(qr.scale.data()), qr.scale.size() * sizeof(float));
    }
  }
  put<uint64_t>(b, 48, b.size() + 8);
  uint64_t sum = hash64(b.data(), b.size(), kChecksumSeed);
  b.append(reinterpret_cast<const char*>(&sum), 8);
  return b;
}

void write_model(const std::filesystem::path& p, const ModelWeights& w, Quant q, std::span<const int32_t> member_ids,
                 const Int8Weights* int8) {
  write_file_atomic(p, serialize_model(w, q, member_ids, int8));
}

// ---- loading ----

struct ModelFile::Mapping {
  void* addr = nullptr;
  size_t len = 0;
  std::string owned;  // from_bytes
  ~Mapping() {
    if (addr) ::munmap(addr, len);
  }
};

ModelFile::ModelFile(ModelFile&&) noexcept = default;
ModelFile& ModelFile::operator=(ModelFile&&) noexcept = default;
ModelFile::~ModelFile() = default;

ModelFile ModelFile::open(const std::filesystem::path& p) {
  const std::string what = p.string();
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError(what + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError(what + ": not a regular file");
  }
  ModelFile m;
  m.map_ = std::make_unique<Mapping>();
  if (st.st_size > 0) {
    void* a = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (a == MAP_FAILED) {
      ::close(fd);
      throw FormatError(what + ": mmap failed: " + std::strerror(errno));
    }
    m.map_->addr = a;
    m.map_->len = size_t(st.st_size);
  }
  ::close(fd);
  m.data_ = static_cast<const char*>(m.map_->addr);
  m.size_ = uint64_t(st.st_size);
  m.parse(what);
  return m;
}

ModelFile ModelFile::from_bytes(std::string bytes) {
  ModelFile m;
  m.map_ = std::make_unique<Mapping>();
  m.map_->owned = std::move(bytes);
  m.data_ = m.map_->owned.data();
  m.size_ = m.map_->owned.size();
  m.parse("model");
  return m;
}

void ModelFile::parse(const std::string& what) {
  auto fail = [&](const std::string& why) -> void { throw FormatError(what + ": " + why); };
  if (size_ < 16 || std::memcmp(data_, kMagic, 8) != 0) fail("not a dotwise model file (bad magic)");
  std::string_view all(data_, size_t(size_));
  const std::string header_name = what + " header", vocab_name = what + " vocabulary";
  ByteReader r(all.substr(8), header_name.c_str());
  version_ = r.u32();
  if (version_ != kModelFormatVersion)
    fail("model format version " + std::to_string(version_) + ", this build reads version " +
         std::to_string(kModelFormatVersion));
  if (size_ < kHeaderBytes + 8) fail("truncated: " + std::to_string(size_) + " bytes is shorter than the header");
  uint64_t declared = 0;
  std::memcpy(&declared, data_ + 48, 8);
  if (declared != size_)
    fail("truncated or extended: header says " + std::to_string(declared) + " bytes, file has " +
         std::to_string(size_));
  uint64_t stored = 0;
  std::memcpy(&stored, data_ + size_ - 8, 8);
  if (hash64(data_, size_t(size_ - 8), kChecksumSeed) != stored) fail("checksum mismatch (file is corrupted)");

  uint32_t arch = r.u32(), q = r.u32();
  if (arch != kArchLstmPredEmb) fail("unknown architecture " + std::to_string(arch));
  if (q > uint32_t(Quant::kInt8)) fail("unknown quantization scheme " + std::to_string(q));
  quant_ = Quant(q);
  cfg_.vocab_size = r.u32();
  cfg_.max_oov = r.u32();
  cfg_.dx = r.u32();
  cfg_.dh = r.u32();
  cfg_.layers = r.u32();
  uint32_t n_members = r.u32(), n_tensors = r.u32();
  if (cfg_.vocab_size < 1 || uint64_t(cfg_.vocab_size) + cfg_.max_oov > kMaxRows) fail("vocabulary size out of range");
  if (cfg_.dx < 1 || cfg_.dx > kMaxDim || cfg_.dh < 1 || cfg_.dh > kMaxDim) fail("dx/dh out of range");
  if (cfg_.layers < 1 || cfg_.layers > kMaxLayers) fail("layer count out of range");
  auto expected = expected_tensors(cfg_, quant_);
  if (n_tensors != expected.size()) fail("tensor count " + std::to_string(n_tensors) + " does not fit the config");
  r.u64();  // file size, checked above
  uint64_t vocab_off = r.u64(), vocab_bytes = r.u64(), members_off = r.u64();

  const uint64_t body_end = size_ - 8;  // everything must lie before the checksum
  const uint64_t header_end = kHeaderBytes + uint64_t(n_tensors) * kDirEntryBytes;
  if (header_end > body_end) fail("truncated tensor directory");
  auto section = [&](uint64_t off, uint64_t bytes, uint64_t align, const std::string& name) {
    if (off < header_end || off > body_end || bytes > body_end - off || off % align != 0)
      fail(name + " section out of bounds or misaligned");
  };

  section(vocab_off, vocab_bytes, 1, "vocabulary");
  ByteReader vr(all.substr(size_t(vocab_off), size_t(vocab_bytes)), vocab_name.c_str());
  // Each token takes at least its length byte: a header claiming more tokens than that is corrupt, and
  // must not make us reserve room for them (2^26 views are 1 GB).
  if (cfg_.vocab_size > vocab_bytes)
    fail("vocabulary section too small for " + std::to_string(cfg_.vocab_size) + " tokens");
  vocab_.clear();
  vocab_.reserve(cfg_.vocab_size);
  for (uint32_t i = 0; i < cfg_.vocab_size; ++i) vocab_.push_back(vr.str());
  if (!vr.done()) fail("vocabulary section has trailing bytes");

  section(members_off, uint64_t(n_members) * 4, 4, "members");
  members_ = {reinterpret_cast<const int32_t*>(data_ + members_off), n_members};
  for (int32_t id : members_)
    if (id < 0 || uint32_t(id) >= cfg_.rows()) fail("member id " + std::to_string(id) + " out of range");

  std::vector<TensorView> views;
  std::vector<const float*> vectors;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char* d = data_ + kHeaderBytes + i * kDirEntryBytes;
    uint32_t kind, dtype, rows, cols;
    uint64_t off, scale_off;
    std::memcpy(&kind, d, 4);
    std::memcpy(&dtype, d + 4, 4);
    std::memcpy(&rows, d + 8, 4);
    std::memcpy(&cols, d + 12, 4);
    std::memcpy(&off, d + 16, 8);
    std::memcpy(&scale_off, d + 24, 8);
    const auto& e = expected[i];
    std::string name = "tensor " + std::to_string(i) + " (kind " + std::to_string(kind) + ")";
    if (kind != e.kind || dtype != e.dtype || rows != e.rows || cols != e.cols)
      fail(name + ": shape or type does not match the config");
    TensorView v;
    v.rows = rows;
    v.cols = cols;
    uint64_t n = uint64_t(rows) * cols;
    if (dtype == kF32) {
      section(off, n * 4, 4, name);
      v.f32 = reinterpret_cast<const float*>(data_ + off);
    } else {
      section(off, n, 1, name);
      section(scale_off, uint64_t(rows) * 4, 4, name + " scales");
      v.i8 = reinterpret_cast<const int8_t*>(data_ + off);
      v.scale = reinterpret_cast<const float*>(data_ + scale_off);
    }
    views.push_back(v);
  }
  size_t k = 0;
  embedding_ = views[k++];
  lstm_.assign(cfg_.layers, {});
  for (auto& l : lstm_) {
    l.w_ih = views[k++];
    l.w_hh = views[k++];
    l.b = views[k++].f32;
  }
  proj_w_ = views[k++];
  proj_b_ = views[k++].f32;
  out_b_ = views[k++].f32;
}

namespace {
std::vector<float> dense(const TensorView& t) {
  std::vector<float> out(size_t(t.rows) * t.cols);
  for (size_t r = 0; r < t.rows; ++r)
    for (size_t c = 0; c < t.cols; ++c) out[r * t.cols + c] = t.at(r, c);
  return out;
}
}  // namespace

ModelWeights ModelFile::to_weights() const {
  ModelWeights w;
  w.cfg = cfg_;
  w.vocab.assign(vocab_.begin(), vocab_.end());
  w.embedding = dense(embedding_);
  for (const auto& l : lstm_) {
    LstmLayer out;
    out.w_ih = dense(l.w_ih);
    out.w_hh = dense(l.w_hh);
    out.b.assign(l.b, l.b + 4 * cfg_.dh);
    w.lstm.push_back(std::move(out));
  }
  w.proj_w = dense(proj_w_);
  w.proj_b.assign(proj_b_, proj_b_ + cfg_.dx);
  w.out_b.assign(out_b_, out_b_ + cfg_.rows());
  return w;
}

}  // namespace dw
