// LSP base protocol over a pair of file descriptors: `Content-Length: N\r\n\r\n` + N bytes of JSON.
// Bad input never ends the connection: a header without a length, an oversized body or invalid JSON
// comes back as Malformed (the server answers with a ParseError) and reading resynchronises on the
// next header. A body is never waited for past the next header: JSON cannot hold a header (see
// find_header in Transport.cpp), so one inside a pending body means that message lied about its
// length. An oversized body is dropped as it streams in, never buffered. Writes are whole messages
// under a lock, so several threads may send.
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
  // Body bytes the header scan has looked at so far: a measure of work that tests can bound (a scan
  // that restarted at the body's start on every read would make it quadratic in the body's size).
  size_t body_bytes_scanned() const { return body_bytes_scanned_; }

 private:
  enum Step { kNeedMore, kEmitted, kNext };  // what one parsing step did
  int in_, out_;
  size_t max_;
  std::string buf_;              // input not parsed yet; once a header is read, its body (or what is left of it)
  std::deque<Incoming> parsed_;  // looked ahead by message_ready(), handed out by read()
  long long body_ = -1;          // the declared length of the body being read; -1 while reading a header
  bool oversized_ = false;       // that body is over max_ (already reported): dropped, not buffered
  size_t dropped_ = 0;           // bytes of the body dropped from the front of buf_
  size_t scanned_ = 0;           // buf_ holds no header start before this (scans resume here)
  size_t body_bytes_scanned_ = 0;
  bool eof_ = false;
  std::mutex write_mu_;
  bool fill(bool block);                      // one read(); false at EOF or when nothing was ready
  bool parse_one(Incoming& out, bool final);  // from buf_; false when more input is needed
  Step take_header(Incoming& out, bool final);
  Step skip_garbage(Incoming& out, bool final);
  Step take_body(Incoming& out, bool final);
  Step drop_body(bool final, size_t rest);
  void end_body();
};

}  // namespace dw::lsp
