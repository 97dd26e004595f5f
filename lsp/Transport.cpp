#include "lsp/Transport.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace dw::lsp {
namespace {
constexpr size_t kMaxHeader = 8192;

bool iequals_prefix(std::string_view line, std::string_view key) {
  if (line.size() < key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != std::tolower(static_cast<unsigned char>(key[i])))
      return false;
  return true;
}
}  // namespace

Transport::Transport(int in_fd, int out_fd, size_t max_message) : in_(in_fd), out_(out_fd), max_(max_message) {}

bool Transport::fill(bool block) {
  if (eof_) return false;
  if (!block) {
    pollfd p{in_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) return false;
  }
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(in_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    size_t got = size_t(n), at = 0;
    if (skip_) {  // the rest of an oversized body: dropped as it streams in, never buffered
      at = std::min(skip_, got);
      skip_ -= at;
    }
    buf_.append(chunk + at, got - at);
    return true;
  }
}

bool Transport::parse_one(Incoming& out, bool final) {
  if (skip_) return false;
  size_t end = buf_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (buf_.size() > kMaxHeader || (final && !buf_.empty())) {
      // Garbage with no header end in sight: drop it up to a plausible next header.
      size_t next = buf_.find("Content-Length", 1);
      buf_.erase(0, next == std::string::npos ? buf_.size() : next);
      out = {Incoming::kMalformed, {}, "no message header"};
      return true;
    }
    return false;
  }
  std::string_view head(buf_.data(), end);
  long long length = -1;
  for (size_t at = 0; at <= head.size();) {
    size_t nl = head.find("\r\n", at);
    std::string_view line = head.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    if (iequals_prefix(line, "content-length:")) {
      auto v = line.substr(15);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      long long n = -1;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && p == v.data() + v.size() && n >= 0) length = n;
    }
    if (nl == std::string_view::npos) break;
    at = nl + 2;
  }
  const size_t body_at = end + 4;
  if (length < 0) {
    buf_.erase(0, body_at);
    out = {Incoming::kMalformed, {}, "header without a valid Content-Length"};
    return true;
  }
  if (size_t(length) > max_) {
    size_t have = buf_.size() - body_at;
    if (have >= size_t(length)) {
      buf_.erase(0, body_at + size_t(length));
    } else {
      skip_ = size_t(length) - have;
      buf_.clear();
    }
    out = {Incoming::kMalformed, {}, "message of " + std::to_string(length) + " bytes exceeds the limit"};
    return true;
  }
  if (buf_.size() - body_at < size_t(length)) {
    if (final) {
      buf_.clear();
      out = {Incoming::kMalformed, {}, "input ended inside a message"};
      return true;
    }
    return false;
  }
  std::string_view body(buf_.data() + body_at, size_t(length));
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  buf_.erase(0, body_at + size_t(length));
  if (j.is_discarded() || !j.is_object()) {
    out = {Incoming::kMalformed, {}, j.is_discarded() ? "body is not valid JSON" : "body is not a JSON object"};
    return true;
  }
  out = {Incoming::kMessage, std::move(j), {}};
  return true;
}

Incoming Transport::read() {
  Incoming out;
  if (!parsed_.empty()) {
    out = std::move(parsed_.front());
    parsed_.pop_front();
    return out;
  }
  for (;;) {
    if (parse_one(out, eof_)) return out;
    if (eof_) return {Incoming::kEof, {}, {}};
    fill(true);
  }
}

bool Transport::message_ready() {
  while (fill(false)) {
  }
  Incoming m;
  while (parse_one(m, eof_)) parsed_.push_back(std::move(m));
  return !parsed_.empty();
}

bool Transport::write_raw(std::string_view body) {
  std::string msg = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  msg += body;
  std::lock_guard lock(write_mu_);
  if (out_ < 0) return false;
  for (size_t at = 0; at < msg.size();) {
    ssize_t n = ::write(out_, msg.data() + at, msg.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    at += size_t(n);
  }
  return true;
}

bool Transport::write(const Json& message) {
  return write_raw(message.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void Transport::close_output() {
  std::lock_guard lock(write_mu_);
  if (out_ >= 0) ::close(out_);
  out_ = -1;
}

}  // namespace dw::lsp
