#include "model/Onnx.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "model/ModelFile.h"
#include "support/FileIO.h"

namespace dw {

namespace {

void add_float(onnx::GraphProto& g, const std::string& name, std::vector<int64_t> dims, const std::vector<float>& v) {
  auto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
}

void add_int64(onnx::GraphProto& g, const std::string& name, std::vector<int64_t> v) {
  auto* t = g.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(int64_t(v.size()));
  for (auto x : v) t->add_int64_data(x);
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, std::vector<std::string> in,
                          std::vector<std::string> out) {
  auto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(out.front() + "_" + op);
  for (auto& s : in) n->add_input(s);
  for (auto& s : out) n->add_output(s);
  return n;
}

void set_int_attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

// PyTorch blocks (i, f, g, o) -> ONNX blocks (i, o, f, c).
std::vector<float> onnx_gate_order(const std::vector<float>& m) {
  const size_t block = m.size() / 4;
  std::vector<float> out(m.size());
  const size_t from[4] = {0, 3, 1, 2};
  for (size_t k = 0; k < 4; ++k)
    std::copy_n(m.begin() + ptrdiff_t(from[k] * block), block, out.begin() + ptrdiff_t(k * block));
  return out;
}

void set_type(onnx::ValueInfoProto* v, const std::string& name, int elem, std::vector<std::string> dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  for (auto& d : dims) {
    auto* dim = tt->mutable_shape()->add_dim();
    if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0])))
      dim->set_dim_value(std::stoll(d));
    else
      dim->set_dim_param(d);
  }
}

}  // namespace

std::string onnx_model_bytes(const ModelWeights& w) {
  check_weights(w);
  const auto& c = w.cfg;
  const int64_t rows = c.rows(), dx = c.dx, dh = c.dh;
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.set_producer_name("dotwise");
  m.set_producer_version("0.1.0");
  m.set_doc_string("dotwise member-completion model: tokens -> next-token logits (LSTM + predicted embedding)");
  auto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  auto& g = *m.mutable_graph();
  g.set_name("dotwise_lstm_pred_emb");
  set_type(g.add_input(), "tokens", onnx::TensorProto::INT64, {"T"});
  set_type(g.add_output(), "logits", onnx::TensorProto::FLOAT, {"1", std::to_string(rows)});

  add_float(g, "embedding", {rows, dx}, w.embedding);
  add_int64(g, "axis0", {0});
  add_int64(g, "axis1", {1});
  add_node(g, "Gather", {"embedding", "tokens"}, {"x"});
  add_node(g, "Unsqueeze", {"x", "axis1"}, {"seq0"});  // [T, batch 1, dx]
  std::string seq = "seq0", last_h;
  for (uint32_t l = 0; l < c.layers; ++l) {
    const int64_t in = l == 0 ? dx : dh;
    const std::string s = std::to_string(l);
    add_float(g, "W" + s, {1, 4 * dh, in}, onnx_gate_order(w.lstm[l].w_ih));
    add_float(g, "R" + s, {1, 4 * dh, dh}, onnx_gate_order(w.lstm[l].w_hh));
    std::vector<float> b = onnx_gate_order(w.lstm[l].b);
    b.resize(8 * size_t(dh), 0.0f);  // Wb = b_ih + b_hh, Rb = 0
    add_float(g, "B" + s, {1, 8 * dh}, b);
    auto* n = add_node(g, "LSTM", {seq, "W" + s, "R" + s, "B" + s}, {"Y" + s, "Yh" + s});
    set_int_attr(n, "hidden_size", dh);
    add_node(g, "Squeeze", {"Y" + s, "axis1"}, {"seq" + std::to_string(l + 1)});  // [T, 1, dh]
    seq = "seq" + std::to_string(l + 1);
    last_h = "Yh" + s;
  }
  add_node(g, "Squeeze", {last_h, "axis0"}, {"h"});  // [1, dh]
  add_float(g, "proj_w", {dx, dh}, w.proj_w);
  add_float(g, "proj_b", {dx}, w.proj_b);
  add_float(g, "out_b", {rows}, w.out_b);
  set_int_attr(add_node(g, "Gemm", {"h", "proj_w", "proj_b"}, {"pred"}), "transB", 1);         // [1, dx]
  set_int_attr(add_node(g, "Gemm", {"pred", "embedding", "out_b"}, {"logits"}), "transB", 1);  // [1, rows]

  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("ONNX checker rejected the exported graph: ") + e.what());
  }
  std::string out;
  if (!m.SerializeToString(&out)) throw std::runtime_error("ONNX serialization failed");
  return out;
}

void write_onnx(const std::filesystem::path& p, const ModelWeights& w) { write_file_atomic(p, onnx_model_bytes(w)); }

}  // namespace dw
