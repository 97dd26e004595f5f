#include <cstring>

#include "corpus/Shard.h"
#include "fuzz/Entries.h"
#include "support/BinaryIO.h"
#include "support/Hash.h"

namespace dw::fuzz {
namespace {
constexpr size_t kHeaderBytes = 48;  // corpus/Shard.h: magic, version, n_files, 4 x u64

// What a consumer (trainer, eval) does with a decoded shard: every index must be usable.
void use(const std::vector<ShardFile>& files) {
  for (const auto& f : files) {
    const auto& d = f.data;
    for (size_t i = 0; i < d.tokens.size(); ++i) require(d.tokens[i] < d.strings.size(), "token index in range");
    uint32_t prev = 0;
    for (const auto& s : d.sites) {
      require(s.pos < d.tokens.size(), "site position in range");
      require(s.pos >= prev, "sites in stream order");
      prev = s.pos;
      (void)d.member(s);
      (void)d.str(s.receiver);
      (void)d.str(s.cls);
    }
  }
}

void decode_and_check(std::string_view bytes) {
  std::vector<ShardFile> files;
  try {
    files = decode_shard(bytes);
  } catch (const FormatError&) {
    return;  // rejected with a message: the documented behaviour
  }
  use(files);
  // Whatever the reader accepts, the writer must reproduce.
  std::vector<ShardFile> again = decode_shard(encode_shard(files));
  require(again == files, "shard re-encode round trip");
}
}  // namespace

bool fix_shard_checksum(std::string& b) {
  if (b.size() < kHeaderBytes || std::memcmp(b.data(), "DWSHARD\0", 8) != 0) return false;
  uint32_t version = kShardVersion;
  uint64_t payload = b.size() - kHeaderBytes, hash = hash64(std::string_view(b).substr(kHeaderBytes));
  std::memcpy(b.data() + 8, &version, 4);
  std::memcpy(b.data() + 32, &payload, 8);
  std::memcpy(b.data() + 40, &hash, 8);
  return true;
}

void shard_bytes(std::string_view bytes) {
  try {
    (void)read_shard_header(bytes);  // the header alone, as `read_shard_header(path)` does it
  } catch (const FormatError&) {
  }
  decode_and_check(bytes);
  std::string fixed(bytes);
  if (fix_shard_checksum(fixed)) decode_and_check(fixed);
}

}  // namespace dw::fuzz
