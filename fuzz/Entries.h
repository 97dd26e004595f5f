// The fuzz entry points: each feeds arbitrary bytes through one component the way the product does,
// and checks invariants the component promises (round trips, indices in range). libFuzzer drives
// them (fuzz/Target.cpp); tests/fuzz/ReplayTest.cpp replays the inputs that once crashed.
// Anything other than the component's documented rejection (FormatError) escapes and counts as a bug.
#pragma once
#include <string>
#include <string_view>

namespace dw::fuzz {

void extract_bytes(std::string_view bytes);  // syntax/Extractor on a file's bytes, as `dotwise extract`
void lsp_bytes(std::string_view bytes);      // lsp/Transport + lsp/Server (standalone) reading a client's stream
void model_bytes(std::string_view bytes);    // model/ModelFile::from_bytes, then the runtime on what it accepted
void shard_bytes(std::string_view bytes);    // corpus/Shard decode_shard, then a re-encode round trip
void index_bytes(std::string_view bytes);    // index/ProjectIndex over up to 8 files (NUL-separated), queried

// Makes a damaged file pass the integrity checks (size fields, checksums) so the fuzzer reaches
// the structural validation behind them. Returns false when `b` is too short or has the wrong magic.
bool fix_model_checksum(std::string& b);
bool fix_shard_checksum(std::string& b);

// Fails loudly (abort, which libFuzzer reports) when an invariant does not hold.
void require(bool ok, const char* what);

}  // namespace dw::fuzz
