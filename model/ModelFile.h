// The model file (`.dwm`): one versioned, self-describing file holding the architecture, the
// vocabulary, the member ids and the weights (FP32, or INT8 with one scale per row), closed by a
// checksum. It is read with mmap and fully validated before anything points into it, so a truncated,
// corrupted, foreign or future-version file raises FormatError instead of crashing later.
//
// Layout (little-endian; every section starts on a 64-byte boundary so tensors can be used in place):
//   header      magic "DWMODEL\0", u32 format version, u32 architecture, u32 quantization, config,
//               u64 file size, section offsets, tensor directory (kind, dtype, rows, cols, data, scales)
//   vocabulary  V strings (varint length + bytes), id order
//   members     u32 count is in the header; int32 ids the runtime scores when no candidates are given
//   tensors     FP32 rows, or INT8 rows with an FP32 scale per row (w = scale * q)
//   checksum    u64 hash64 of every byte before it
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/Weights.h"
#include "support/BinaryIO.h"

namespace dw {

enum class Quant : uint32_t { kFp32 = 0, kInt8 = 1 };  // kInt8: symmetric, one scale per row
const char* quant_name(Quant q);

inline constexpr uint32_t kModelFormatVersion = 1;
inline constexpr uint32_t kArchLstmPredEmb = 1;  // the only architecture so far (model/Weights.h)

struct Int8Weights;  // model/Quantize.h

// Writes `w` atomically. `member_ids` (may be empty) are the ids scored when a caller gives no
// candidate set; pass Vocab::member_ids(). At INT8 the matrices are rounded to the nearest level
// unless `int8` gives them already quantized (quantize_model with a calibration). Throws
// std::invalid_argument when `w` (or `int8`) is inconsistent.
void write_model(const std::filesystem::path& p, const ModelWeights& w, Quant q,
                 std::span<const int32_t> member_ids = {}, const Int8Weights* int8 = nullptr);
std::string serialize_model(const ModelWeights& w, Quant q, std::span<const int32_t> member_ids = {},
                            const Int8Weights* int8 = nullptr);

// One weight matrix as stored: FP32, or INT8 with a scale per row.
struct TensorView {
  uint32_t rows = 0, cols = 0;
  const float* f32 = nullptr;    // set when FP32
  const int8_t* i8 = nullptr;    // set when INT8
  const float* scale = nullptr;  // [rows], with i8
  bool quantized() const { return i8 != nullptr; }
  float at(size_t r, size_t c) const { return f32 ? f32[r * cols + c] : scale[r] * float(i8[r * cols + c]); }
};

struct LstmLayerView {
  TensorView w_ih, w_hh;     // [4dh x in], [4dh x dh]; gates i, f, g, o
  const float* b = nullptr;  // [4dh] = b_ih + b_hh
};

// A validated, read-only model. Tensors point into the mapping; the object owns it.
class ModelFile {
 public:
  static ModelFile open(const std::filesystem::path& p);  // mmap + validate; throws FormatError
  static ModelFile from_bytes(std::string bytes);         // same validation on an in-memory copy
  ModelFile(ModelFile&&) noexcept;
  ModelFile& operator=(ModelFile&&) noexcept;
  ~ModelFile();

  const ModelConfig& config() const { return cfg_; }
  Quant quant() const { return quant_; }
  uint32_t format_version() const { return version_; }
  uint64_t file_size() const { return size_; }
  std::string_view token(int32_t id) const { return vocab_.at(size_t(id)); }
  const std::vector<std::string_view>& vocab() const { return vocab_; }
  std::span<const int32_t> member_ids() const { return members_; }

  const TensorView& embedding() const { return embedding_; }  // [rows x dx]
  const std::vector<LstmLayerView>& lstm() const { return lstm_; }
  const TensorView& proj_w() const { return proj_w_; }  // [dx x dh]
  const float* proj_b() const { return proj_b_; }       // [dx]
  const float* out_b() const { return out_b_; }         // [rows]

  ModelWeights to_weights() const;  // an FP32 copy (INT8 dequantized), e.g. to re-export
  std::vector<int32_t> member_id_vector() const { return {members_.begin(), members_.end()}; }

 private:
  ModelFile() = default;
  void parse(const std::string& what);  // validates data_/size_ and fills the views
  struct Mapping;
  std::unique_ptr<Mapping> map_;
  const char* data_ = nullptr;
  uint64_t size_ = 0;
  ModelConfig cfg_;
  Quant quant_ = Quant::kFp32;
  uint32_t version_ = 0;
  std::vector<std::string_view> vocab_;
  std::span<const int32_t> members_;
  TensorView embedding_, proj_w_;
  std::vector<LstmLayerView> lstm_;
  const float* proj_b_ = nullptr;
  const float* out_b_ = nullptr;
};

// Consistency of a ModelWeights (sizes agree with its config). Throws std::invalid_argument.
void check_weights(const ModelWeights& w);

}  // namespace dw
