#include "train/Export.h"

#include "model/ModelFile.h"
#include "train/Checkpoint.h"
#include "train/Model.h"

namespace dw::train {

void export_model(const std::filesystem::path& checkpoint, const std::filesystem::path& out, bool int8) {
  auto c = load_checkpoint(checkpoint, true);
  auto vocab = checkpoint_vocab(c);
  Model m(c.shape, 1);
  if (c.params.size() != m.n_params())
    throw FormatError(checkpoint.string() + ": parameter count does not match its shape");
  std::copy(c.params.begin(), c.params.end(), m.params());
  auto members = vocab.member_ids();
  write_model(out, m.to_weights(vocab), int8 ? Quant::kInt8 : Quant::kFp32, members);
}

}  // namespace dw::train
