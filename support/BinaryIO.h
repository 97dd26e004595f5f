// Little-endian binary encoding with bounds-checked reads: every reader of an on-disk format
// (shards, vocabularies, model files) goes through ByteReader, so a truncated or hostile file
// raises FormatError instead of reading out of bounds.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dw {

struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ByteWriter {
 public:
  void u8(uint8_t v) { buf_.push_back(char(v)); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void f32(float v) { raw(&v, 4); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(char(uint8_t(v) | 0x80));
      v >>= 7;
    }
    buf_.push_back(char(v));
  }
  void str(std::string_view s) {
    varint(s.size());
    buf_.append(s);
  }
  void raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  std::string& buffer() { return buf_; }
  size_t size() const { return buf_.size(); }

 private:
  std::string buf_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view data, const char* what = "file") : d_(data), what_(what) {}
  uint8_t u8() { return uint8_t(*take(1)); }
  uint32_t u32() { return load<uint32_t>(); }
  uint64_t u64() { return load<uint64_t>(); }
  float f32() { return load<float>(); }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8();
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    fail("varint too long");
  }
  std::string_view str() {
    uint64_t n = varint();
    return {take(n), size_t(n)};
  }
  std::string_view bytes(uint64_t n) { return {take(n), size_t(n)}; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return d_.size() - pos_; }
  bool done() const { return pos_ == d_.size(); }
  [[noreturn]] void fail(const std::string& why) const {
    throw FormatError(std::string(what_) + ": " + why + " at byte " + std::to_string(pos_));
  }

 private:
  const char* take(uint64_t n) {
    if (n > remaining()) fail("truncated (wanted " + std::to_string(n) + " bytes, " + std::to_string(remaining()) + " left)");
    const char* p = d_.data() + pos_;
    pos_ += size_t(n);
    return p;
  }
  template <class T>
  T load() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string_view d_;
  size_t pos_ = 0;
  const char* what_;
};

}  // namespace dw
