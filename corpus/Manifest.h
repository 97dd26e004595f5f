// The corpus manifest: which files the extractor reads, under which project and split. Text, so it
// can be inspected and diffed; one file a line:
//   # dotwise-manifest 1
//   project \t split \t hash (16 hex) \t bytes \t relpath \t abspath
// Entries are sorted by (project, relpath), byte order. Text fields escape '\\', tab, newline and
// carriage return as \\ \t \n \r, so any Linux file name (non-UTF-8 bytes included) survives.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace dw {

struct ManifestEntry {
  std::string project, split, relpath;
  std::filesystem::path path;
  uint64_t bytes = 0, hash = 0;  // hash = hash64(content), support/Hash.h
  bool operator==(const ManifestEntry&) const = default;
};

inline constexpr const char* kManifestHeader = "# dotwise-manifest 1";

std::string encode_manifest(std::vector<ManifestEntry> entries);  // sorts
// Throws FormatError (support/BinaryIO.h) with the line number on anything malformed: wrong header,
// field count, split name, hash or size syntax, bad escapes, unsorted or duplicate entries, a project
// in two splits, or an absolute/".." relpath.
std::vector<ManifestEntry> decode_manifest(std::string_view text, const std::string& where = "manifest");

void write_manifest(const std::filesystem::path& p, const std::vector<ManifestEntry>& entries);  // atomic
std::vector<ManifestEntry> read_manifest(const std::filesystem::path& p);  // throws dw::FormatError

bool is_split_name(std::string_view s);
void escape_field(std::string& out,
                  std::string_view s);  // the manifest's escaping, for other TSVs  // "train", "valid" or "test"

}  // namespace dw
