#include "corpus/Shard.h"

#include <algorithm>
#include <fstream>

#include "support/BinaryIO.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {
namespace {
constexpr char kMagic[8] = {'D', 'W', 'S', 'H', 'A', 'R', 'D', '\0'};
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 * 4;

void encode_file(ByteWriter& w, const ShardFile& f) {
  const auto& d = f.data;
  w.str(f.project);
  w.str(f.path);
  w.varint(d.parse_errors);
  w.varint(d.strings.size());
  for (const auto& s : d.strings) w.str(s);
  w.varint(d.tokens.size());
  for (auto t : d.tokens) w.varint(t);
  w.varint(d.sites.size());
  uint32_t prev = 0;
  for (const auto& s : d.sites) {
    w.varint(s.pos - prev);  // sites are in stream order: delta-code positions
    prev = s.pos;
    w.varint(s.receiver == kNoString ? 0 : uint64_t(s.receiver) + 1);
    w.varint(s.cls == kNoString ? 0 : uint64_t(s.cls) + 1);
    w.varint(s.scope);
    w.varint(s.line);
    w.varint(s.col);
    w.u8(s.flags);
  }
}

uint32_t checked_index(ByteReader& r, uint64_t v, size_t n, const char* what) {
  if (v >= n) r.fail(std::string(what) + " index out of range");
  return uint32_t(v);
}

uint32_t optional_string(ByteReader& r, size_t n_strings) {
  uint64_t v = r.varint();
  if (v == 0) return kNoString;
  return checked_index(r, v - 1, n_strings, "string");
}

ShardFile decode_file(ByteReader& r) {
  ShardFile f;
  f.project = std::string(r.str());
  f.path = std::string(r.str());
  auto& d = f.data;
  d.parse_errors = uint32_t(r.varint());
  uint64_t ns = r.varint();
  if (ns > r.remaining()) r.fail("string count larger than the shard");
  d.strings.reserve(size_t(ns));
  for (uint64_t i = 0; i < ns; ++i) d.strings.emplace_back(r.str());
  uint64_t nt = r.varint();
  if (nt > r.remaining()) r.fail("token count larger than the shard");
  d.tokens.resize(size_t(nt));
  for (auto& t : d.tokens) t = checked_index(r, r.varint(), d.strings.size(), "token");
  uint64_t nsites = r.varint();
  if (nsites > r.remaining()) r.fail("site count larger than the shard");
  d.sites.resize(size_t(nsites));
  uint64_t pos = 0;
  for (auto& s : d.sites) {
    // Checked before adding: a delta near 2^64 would wrap the sum back into range (out of order).
    uint64_t delta = r.varint();
    if (delta >= d.tokens.size() - pos) r.fail("site position past the token stream");
    pos += delta;
    s.pos = uint32_t(pos);
    s.receiver = optional_string(r, d.strings.size());
    s.cls = optional_string(r, d.strings.size());
    s.scope = uint32_t(r.varint());
    s.line = uint32_t(r.varint());
    s.col = uint32_t(r.varint());
    s.flags = r.u8();
  }
  return f;
}
}  // namespace

std::string encode_shard(const std::vector<ShardFile>& files) {
  ByteWriter payload;
  uint64_t n_tokens = 0, n_sites = 0;
  for (const auto& f : files) {
    encode_file(payload, f);
    n_tokens += f.data.tokens.size();
    n_sites += f.data.sites.size();
  }
  ByteWriter w;
  w.raw(kMagic, 8);
  w.u32(kShardVersion);
  w.u32(uint32_t(files.size()));
  w.u64(n_tokens);
  w.u64(n_sites);
  w.u64(payload.size());
  w.u64(hash64(payload.buffer()));
  w.buffer() += payload.buffer();
  return std::move(w.buffer());
}

namespace {
// `head` holds at least the header; `total` is the size of the whole shard it came from.
ShardHeader parse_header(std::string_view head, uint64_t total) {
  ByteReader r(head, "shard");
  if (head.size() < kHeaderBytes || head.substr(0, 8) != std::string_view(kMagic, 8))
    throw FormatError("shard: not a dotwise shard (bad magic)");
  r.bytes(8);
  ShardHeader h;
  h.version = r.u32();
  if (h.version != kShardVersion)
    throw FormatError("shard: version " + std::to_string(h.version) + ", this build reads version " +
                      std::to_string(kShardVersion) + " (re-run dotwise extract)");
  h.n_files = r.u32();
  h.n_tokens = r.u64();
  h.n_sites = r.u64();
  h.payload_bytes = r.u64();
  h.payload_hash = r.u64();
  if (h.payload_bytes != total - kHeaderBytes)
    throw FormatError("shard: truncated or padded (header says " + std::to_string(h.payload_bytes) +
                      " payload bytes, file has " + std::to_string(total - kHeaderBytes) + ")");
  return h;
}
}  // namespace

ShardHeader read_shard_header(std::string_view bytes) { return parse_header(bytes, bytes.size()); }

std::vector<ShardFile> decode_shard(std::string_view bytes) {
  ShardHeader h = read_shard_header(bytes);
  std::string_view payload = bytes.substr(kHeaderBytes);
  if (hash64(payload) != h.payload_hash) throw FormatError("shard: checksum mismatch (corrupted file)");
  ByteReader r(payload, "shard");
  std::vector<ShardFile> files;
  files.reserve(std::min<uint64_t>(h.n_files, payload.size()));
  uint64_t n_tokens = 0, n_sites = 0;
  for (uint32_t i = 0; i < h.n_files; ++i) {
    files.push_back(decode_file(r));
    n_tokens += files.back().data.tokens.size();
    n_sites += files.back().data.sites.size();
  }
  if (!r.done()) r.fail("trailing bytes after the last file");
  if (n_tokens != h.n_tokens || n_sites != h.n_sites) throw FormatError("shard: counts disagree with the header");
  return files;
}

void write_shard(const std::filesystem::path& p, const std::vector<ShardFile>& files) {
  write_file_atomic(p, encode_shard(files));
}

std::vector<ShardFile> read_shard(const std::filesystem::path& p) {
  auto r = read_file(p);
  if (!r.error.empty()) throw FormatError(p.string() + ": " + r.error);
  try {
    return decode_shard(r.data);
  } catch (const FormatError& e) {
    throw FormatError(p.string() + ": " + e.what());
  }
}

ShardHeader read_shard_file_header(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string head(kHeaderBytes, '\0');
  if (!in.read(head.data(), std::streamsize(head.size())))
    throw FormatError(p.string() + ": shard: shorter than its header");
  std::error_code ec;
  auto size = std::filesystem::file_size(p, ec);
  if (ec) throw FormatError(p.string() + ": " + ec.message());
  try {
    return parse_header(head, size);
  } catch (const FormatError& e) {
    throw FormatError(p.string() + ": " + e.what());
  }
}

std::vector<std::filesystem::path> list_shards(const std::filesystem::path& dir, const std::string& split) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (name.starts_with(split + "-") && name.ends_with(".dws")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace dw
