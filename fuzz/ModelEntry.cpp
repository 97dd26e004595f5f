#include <cstring>
#include <vector>

#include "fuzz/Entries.h"
#include "model/ModelFile.h"
#include "runtime/Model.h"
#include "runtime/Session.h"
#include "support/Hash.h"

namespace dw::fuzz {
namespace {
constexpr size_t kHeaderBytes = 80;
constexpr uint64_t kChecksumSeed = 0x64776d31;  // model/ModelFile.cpp; ReplayTest checks they agree

// What the server does with a model it accepted: tokens, members, a few LSTM steps and logits.
void use(ModelFile f) {
  const auto c = f.config();
  require(f.vocab().size() == c.vocab_size, "vocabulary size");
  for (int32_t id : f.member_ids()) require(id >= 0 && uint32_t(id) < c.rows(), "member id in range");
  ModelWeights w = f.to_weights();
  check_weights(w);  // what the loader accepted is a consistent model
  Model m(std::move(f));
  Session s(m);
  std::vector<int32_t> ids = {0, int32_t(c.rows() - 1), int32_t(c.rows() / 2), 0};
  s.set_context(ids);
  std::vector<float> scores;
  s.score_members(scores);
  require(scores.size() == s.member_ids().size(), "one score per member");
}
}  // namespace

bool fix_model_checksum(std::string& b) {
  if (b.size() < kHeaderBytes + 8 || std::memcmp(b.data(), "DWMODEL\0", 8) != 0) return false;
  uint64_t size = b.size();
  std::memcpy(b.data() + 48, &size, 8);
  uint64_t sum = hash64(b.data(), b.size() - 8, kChecksumSeed);
  std::memcpy(b.data() + b.size() - 8, &sum, 8);
  return true;
}

void model_bytes(std::string_view bytes) {
  for (int pass = 0; pass < 2; ++pass) {
    std::string b(bytes);
    if (pass == 1 && !fix_model_checksum(b)) return;
    try {
      use(ModelFile::from_bytes(std::move(b)));
    } catch (const FormatError&) {
    }
  }
}

}  // namespace dw::fuzz
