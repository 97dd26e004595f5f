// Weight matrices repacked at load time into the layouts the kernels read (runtime/Kernels.h):
// k-major, outputs padded to the kernel table's lane count, LSTM gates interleaved per lane group.
// The model file keeps PyTorch's row-major layout (CPU-independent, what the exporter and ONNX use);
// packing costs a copy of the LSTM and projection weights (~0.8 MB FP32, ~0.4 MB INT8 at the default size).
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "model/ModelFile.h"
#include "runtime/Kernels.h"

namespace dw {

// Cache-line aligned storage, so each packed row and vector load starts on a line.
template <class T>
struct CacheAligned {
  using value_type = T;
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, size_t) { ::operator delete (p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const {
    return true;
  }
};
template <class T>
using AlignedVector = std::vector<T, CacheAligned<T>>;

struct PackedMatrix {
  size_t K = 0, G = 0;       // inputs, padded outputs
  size_t P = 0;              // panel width: G (input-major, for gemm) or 4*lanes (group-major, for lstm_step)
  AlignedVector<float> f32;  // [K x G] when FP32
  // [K x G] when INT8, in the kernel table's lane layout (Kernels.h: i8_offset). One byte
  // a weight, widened in the register where a kernel needs int16: at one byte a layer's recurrent
  // weights (100 x 448 at the default size) fit in a 48 KB L1.
  AlignedVector<int8_t> w8;
  AlignedVector<float> scale;  // [G] with w8 (0 on padding)
  bool quantized() const { return !w8.empty(); }
};

// Column of gate row r (gate r / dh, unit r % dh) of an LSTM matrix in the interleaved layout.
inline size_t gate_column(size_t r, size_t dh, size_t lanes) {
  const size_t gate = r / dh, unit = r % dh;
  return (unit / lanes) * 4 * lanes + gate * lanes + unit % lanes;
}

// An LSTM matrix [4*dh x K] -> [K x 4*round_up(dh, lanes)], gates interleaved; input-major for
// Kernels::gemm_*, or group-major (one panel per gate group) for Kernels::lstm_step_*.
enum class GateLayout { kInputMajor, kGroupMajor };
PackedMatrix pack_gates(const TensorView& w, size_t dh, size_t lanes, GateLayout layout);
// A plain matrix [R x K] -> [K x round_up(R, lanes)].
PackedMatrix pack_rows(const TensorView& w, size_t lanes);
// A gate bias [4*dh] and a plain vector [n] in the same column order (zeros on padding).
AlignedVector<float> pack_gate_vector(const float* b, size_t dh, size_t lanes);
AlignedVector<float> pad_vector(const float* v, size_t n, size_t lanes);

}  // namespace dw
