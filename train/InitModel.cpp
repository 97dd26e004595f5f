#include "train/InitModel.h"

#include <cstring>
#include <fstream>

#include "rank/ModelRanker.h"
#include "train/Checkpoint.h"

namespace dw::train {

bool is_model_file(const std::filesystem::path& p) {
  char magic[8] = {};
  std::ifstream in(p, std::ios::binary);
  return in.read(magic, 8) && std::memcmp(magic, "DWMODEL\0", 8) == 0;
}

InitModel load_init(const std::filesystem::path& p) {
  InitModel init;
  if (is_model_file(p)) {
    auto f = ModelFile::open(p);
    const auto& c = f.config();
    init.model_file = true;
    init.quant = f.quant();
    init.shape = {"pred-emb", c.vocab_size, c.max_oov, c.dx, c.dh, c.layers};
    init.vocab = model_vocab(f);
    init.weights = f.to_weights();
    return init;
  }
  auto ck = load_checkpoint(p, true);
  init.shape = ck.shape;
  init.vocab = checkpoint_vocab(ck);
  init.params = std::move(ck.params);
  return init;
}

void InitModel::apply(Model& m) const {
  if (!(m.shape() == shape)) throw std::runtime_error("--init: the model's shape differs from this run's");
  if (model_file) {
    m.set_weights(weights);
    return;
  }
  if (params.size() != m.n_params()) throw std::runtime_error("--init: parameter count does not match its shape");
  std::copy(params.begin(), params.end(), m.params());
}

}  // namespace dw::train
