#include "train/Export.h"

#include "model/Calibration.h"
#include "model/ModelFile.h"
#include "model/Quantize.h"
#include "train/Checkpoint.h"
#include "train/Model.h"

namespace dw::train {

void export_model(const std::filesystem::path& checkpoint, const std::filesystem::path& out, bool int8,
                  std::span<const std::vector<int32_t>> calibration) {
  auto c = load_checkpoint(checkpoint, true);
  auto vocab = checkpoint_vocab(c);
  Model m(c.shape, 1);
  if (c.params.size() != m.n_params())
    throw FormatError(checkpoint.string() + ": parameter count does not match its shape");
  std::copy(c.params.begin(), c.params.end(), m.params());
  auto members = vocab.member_ids();
  const ModelWeights w = m.to_weights(vocab);
  if (int8 && !calibration.empty()) {
    const Calibration cal = calibrate(w, calibration);
    const Int8Weights q = quantize_model(w, &cal);
    write_model(out, w, Quant::kInt8, members, &q);
  } else {
    write_model(out, w, int8 ? Quant::kInt8 : Quant::kFp32, members);
  }
}

}  // namespace dw::train
