#include "rank/FeatureFile.h"

#include <cstring>
#include <stdexcept>
#include <unistd.h>

#include "support/FileIO.h"

namespace dw {
namespace {
constexpr char kMagic[8] = {'D', 'W', 'F', 'E', 'A', 'T', '0', '1'};

void put(std::FILE* f, const void* p, size_t n) {
  if (std::fwrite(p, 1, n, f) != n) throw std::runtime_error("feature file: write failed");
}
}  // namespace

FeatureWriter::FeatureWriter(const std::filesystem::path& p) : path_(p), tmp_(p.string() + ".tmp") {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw std::runtime_error(tmp_.string() + ": cannot write");
  put(f_, kMagic, 8);
  uint32_t n = kFeatureCount;
  put(f_, &n, 4);
}

FeatureWriter::~FeatureWriter() {
  if (f_) {
    std::fclose(f_);
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);  // never closed: an incomplete file is not left behind
  }
}

void FeatureWriter::add(const CompletionResult& r, const std::string& truth, uint32_t project) {
  uint32_t rows = uint32_t(r.items.size());
  uint8_t pos = 0;
  for (const auto& c : r.items) pos |= c.name == truth;
  uint8_t head[12];
  std::memcpy(head, &rows, 4);
  head[4] = uint8_t(r.receiver_kind);
  head[5] = pos;
  head[6] = head[7] = 0;
  std::memcpy(head + 8, &project, 4);
  put(f_, head, 12);
  for (const auto& c : r.items) {
    uint8_t label = c.name == truth;
    put(f_, &label, 1);
    put(f_, c.features.data(), sizeof(float) * kFeatureCount);
  }
  ++groups_;
}

void FeatureWriter::close() {
  if (!f_) return;
  bool ok = std::fflush(f_) == 0 && ::fsync(fileno(f_)) == 0;
  ok = std::fclose(f_) == 0 && ok;
  f_ = nullptr;
  if (!ok) throw std::runtime_error(tmp_.string() + ": write failed");
  std::filesystem::rename(tmp_, path_);
}

std::vector<FeatureGroup> read_feature_file(const std::filesystem::path& p) {
  auto r = read_file(p);
  if (!r.error.empty()) throw std::runtime_error(p.string() + ": " + r.error);
  const std::string& d = r.data;
  auto fail = [&](const char* why) { return std::runtime_error(p.string() + ": " + why); };
  if (d.size() < 12 || std::memcmp(d.data(), kMagic, 8) != 0) throw fail("not a dotwise feature file");
  uint32_t nf;
  std::memcpy(&nf, d.data() + 8, 4);
  if (nf != kFeatureCount) throw fail("written with another feature list");
  std::vector<FeatureGroup> out;
  size_t at = 12;
  while (at < d.size()) {
    if (d.size() - at < 12) throw fail("truncated group header");
    FeatureGroup g;
    uint32_t rows;
    std::memcpy(&rows, d.data() + at, 4);
    g.receiver_kind = uint8_t(d[at + 4]);
    g.has_positive = d[at + 5] != 0;
    std::memcpy(&g.project, d.data() + at + 8, 4);
    at += 12;
    const size_t row_bytes = 1 + 4 * size_t(nf);
    if (rows > (d.size() - at) / row_bytes) throw fail("truncated rows");
    g.labels.resize(rows);
    g.rows.resize(size_t(rows) * nf);
    for (uint32_t i = 0; i < rows; ++i) {
      g.labels[i] = uint8_t(d[at]);
      std::memcpy(g.rows.data() + size_t(i) * nf, d.data() + at + 1, 4 * size_t(nf));
      at += row_bytes;
    }
    out.push_back(std::move(g));
  }
  return out;
}

}  // namespace dw
