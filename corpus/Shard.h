// Shards: the on-disk form of extracted data. One shard holds many files of one split:
//   header  "DWSHARD\0" | u32 version | u32 n_files | u64 n_tokens | u64 n_sites | u64 payload bytes | u64 payload hash
//   payload per file: str project, str path, varint parse_errors, strings, tokens, sites (all varints)
// Readers check magic, version, sizes and the hash before trusting a byte.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "syntax/Extracted.h"

namespace dw {

inline constexpr uint32_t kShardVersion = 1;

struct ShardFile {
  std::string project;
  std::string path;  // relative to the project root
  ExtractedFile data;
  bool operator==(const ShardFile&) const = default;
};

struct ShardHeader {
  uint32_t version = 0, n_files = 0;
  uint64_t n_tokens = 0, n_sites = 0, payload_bytes = 0, payload_hash = 0;
};

std::string encode_shard(const std::vector<ShardFile>& files);
// Throws FormatError (support/BinaryIO.h) on anything that is not a complete, intact shard.
std::vector<ShardFile> decode_shard(std::string_view bytes);
ShardHeader read_shard_header(std::string_view bytes);
// The header of a shard file, checked against the file's size, without reading the payload.
ShardHeader read_shard_file_header(const std::filesystem::path& p);

void write_shard(const std::filesystem::path& p, const std::vector<ShardFile>& files);  // atomic
std::vector<ShardFile> read_shard(const std::filesystem::path& p);

// The shards of one split in a data directory, in order: DIR/<split>-NNNNN.dws
std::vector<std::filesystem::path> list_shards(const std::filesystem::path& dir, const std::string& split);

}  // namespace dw
