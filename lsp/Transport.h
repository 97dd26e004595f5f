// LSP base protocol over a pair of file descriptors: `Content-Length: N\r\n\r\n` + N bytes of JSON.
// Bad input never ends the connection: a header without a length, an oversized body or invalid JSON
// comes back as Malformed (the server answers with a ParseError) and reading resynchronises on the
// next header. Writes are whole messages under a lock, so several threads may send.
#pragma once
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

#include "lsp/Protocol.h"

namespace dw::lsp {

struct Incoming {
  enum Kind { kMessage, kMalformed, kEof } kind = kEof;
  Json message;       // with kMessage
  std::string error;  // with kMalformed
};

class Transport {
 public:
  static constexpr size_t kDefaultMaxMessage = size_t(64) << 20;
  Transport(int in_fd, int out_fd, size_t max_message = kDefaultMaxMessage);

  Incoming read();  // blocks until a message, a malformed one, or end of input
  // Reads whatever the input already holds without blocking and says whether a whole message is
  // buffered, so a caller can look ahead (e.g. for a $/cancelRequest that arrived with its request).
  bool message_ready();
  std::deque<Incoming>& lookahead() { return parsed_; }  // what message_ready() buffered, in order
  bool write(const Json& message);                       // false when the peer is gone
  bool write_raw(std::string_view body);
  void close_output();
  int input_fd() const { return in_; }

 private:
  int in_, out_;
  size_t max_;
  std::string buf_;
  std::deque<Incoming> parsed_;  // looked ahead by message_ready(), handed out by read()
  size_t skip_ = 0;              // bytes of an oversized body still to be discarded
  bool eof_ = false;
  std::mutex write_mu_;
  bool fill(bool block);                      // one read(); false at EOF or when nothing was ready
  bool parse_one(Incoming& out, bool final);  // from buf_; false when more input is needed
};

}  // namespace dw::lsp
