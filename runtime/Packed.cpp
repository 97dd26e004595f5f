#include "runtime/Packed.h"

namespace dw {

namespace {
// Row r of w goes to column column(r) of the [K x G] result, stored in panels of P columns: the
// weight of input k for column o at (o/P)*K*P + k*P + o%P, or for INT8 at i8_offset(k, o, K, P)
// (Kernels.h). P = G is plain input-major.
template <class Column>
PackedMatrix pack(const TensorView& w, size_t G, size_t P, Column column) {
  PackedMatrix p;
  const size_t K = w.cols;
  p.K = K;
  p.G = G;
  p.P = P;
  if (w.quantized()) {
    p.w8.assign(round_up(K, 2) * G, 0);
    p.scale.assign(G, 0.0f);
  } else {
    p.f32.assign(K * G, 0.0f);
  }
  for (size_t r = 0; r < w.rows; ++r) {
    const size_t o = column(r), panel = o / P, col = o % P;
    if (w.quantized()) {
      p.scale[o] = w.scale[r];
      for (size_t k = 0; k < K; ++k) p.w8[i8_offset(k, o, K, P)] = w.i8[r * K + k];
    } else {
      for (size_t k = 0; k < K; ++k) p.f32[panel * K * P + k * P + col] = w.f32[r * K + k];
    }
  }
  return p;
}
}  // namespace

PackedMatrix pack_gates(const TensorView& w, size_t dh, size_t lanes, GateLayout layout) {
  const size_t G = 4 * round_up(dh, lanes);
  return pack(w, G, layout == GateLayout::kGroupMajor ? 4 * lanes : G,
              [&](size_t r) { return gate_column(r, dh, lanes); });
}

PackedMatrix pack_rows(const TensorView& w, size_t lanes) {
  const size_t G = round_up(w.rows, lanes);
  return pack(w, G, G, [](size_t r) { return r; });
}

AlignedVector<float> pack_gate_vector(const float* b, size_t dh, size_t lanes) {
  AlignedVector<float> out(4 * round_up(dh, lanes), 0.0f);
  for (size_t r = 0; r < 4 * dh; ++r) out[gate_column(r, dh, lanes)] = b[r];
  return out;
}

AlignedVector<float> pad_vector(const float* v, size_t n, size_t lanes) {
  AlignedVector<float> out(round_up(n, lanes), 0.0f);
  for (size_t i = 0; i < n; ++i) out[i] = v[i];
  return out;
}

}  // namespace dw
