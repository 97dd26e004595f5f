#include "lsp/Transport.h"

#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>

#include "lsp/JsonBody.h"

namespace dw::lsp {
namespace {
constexpr size_t kMaxHeader = 8192;
constexpr std::string_view kKey = "content-length:";
enum Match { kNo, kYes, kMaybe };  // kMaybe: the bytes so far fit, the rest has not arrived

char lower(char c) { return char(std::tolower(static_cast<unsigned char>(c))); }

bool iequals_prefix(std::string_view line, std::string_view key) {
  if (line.size() < key.size()) return false;
  for (size_t i = 0; i < key.size(); ++i)
    if (lower(line[i]) != lower(key[i])) return false;
  return true;
}

size_t find_key(std::string_view s, size_t from = 0) {
  for (size_t i = from; i + kKey.size() <= s.size(); ++i)
    if (iequals_prefix(s.substr(i), kKey)) return i;
  return std::string_view::npos;
}

// The declared length in a header block: -2 without a Content-Length line, -1 when its value is not
// a number >= 0, LLONG_MAX when it is too large to represent (it is over any limit either way).
long long declared_length(std::string_view head) {
  long long length = -2;
  for (size_t at = 0; at <= head.size();) {
    size_t nl = head.find("\r\n", at);
    std::string_view line = head.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at);
    if (iequals_prefix(line, kKey)) {
      auto v = line.substr(kKey.size());
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
      long long n = -1;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || p != v.data() + v.size())
        length = -1;
      else if (ec == std::errc::result_out_of_range)
        length = v.front() == '-' ? -1 : LLONG_MAX;
      else
        length = n >= 0 ? n : -1;
    }
    if (nl == std::string_view::npos) break;
    at = nl + 2;
  }
  return length;
}

// `s[k...]` against a run of at most `most` characters that satisfy `is`, at least `least` of them.
Match run_of(std::string_view s, size_t& k, size_t least, size_t most, bool (*is)(char)) {
  size_t n = 0;
  for (; k < s.size() && n < most && is(s[k]); ++k) ++n;
  if (k == s.size() && n < most) return kMaybe;
  return n >= least ? kYes : kNo;
}

// Whether a header starts at s[i]: "Content-Length:" at the body's start, after a raw CRLF, or
// followed by a number and a CRLF. A valid JSON body holds none of these: outside a string the key is
// not JSON, and inside one the CR that follows it cannot be (JSON strings hold no raw CR or LF). The
// runs are bounded, so an undecided candidate is never more than ~70 bytes long.
Match header_at(std::string_view s, size_t i, bool body_start) {
  for (size_t j = 0; j < kKey.size(); ++j) {
    if (i + j == s.size()) return kMaybe;
    if (lower(s[i + j]) != kKey[j]) return kNo;
  }
  if ((i == 0 && body_start) || (i >= 2 && s[i - 2] == '\r' && s[i - 1] == '\n')) return kYes;
  struct Run {
    size_t least, most;
    bool (*is)(char);
  };
  static constexpr Run kRuns[] = {{0, 16, [](char c) { return c == ' ' || c == '\t'; }},
                                  {1, 20, [](char c) { return c >= '0' && c <= '9'; }},
                                  {0, 16, [](char c) { return c == ' ' || c == '\t'; }}};
  size_t k = i + kKey.size();
  for (const Run& r : kRuns)
    if (Match m = run_of(s, k, r.least, r.most, r.is); m != kYes) return m;
  if (k == s.size() || (k + 1 == s.size() && s[k] == '\r')) return kMaybe;
  return s.substr(k, 2) == "\r\n" ? kYes : kNo;
}

struct Found {
  size_t at;  // where the header starts, or where a later scan must resume
  bool found;
};

// The first header start in s[from...] (see header_at). When the rest of the body may still arrive
// (`more`), an undecided candidate stops the scan at its start; otherwise it is not a header.
Found find_header(std::string_view s, size_t from, bool body_start, bool more) {
  for (size_t i = from; i < s.size(); ++i) {
    if ((s[i] | 0x20) != 'c') continue;  // c or C, and nothing else
    Match m = header_at(s, i, body_start);
    if (m == kYes) return {i, true};
    if (m == kMaybe && more) return {i, false};
  }
  return {s.size(), false};
}

Incoming malformed(std::string error) { return {Incoming::kMalformed, {}, std::move(error)}; }
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
    buf_.append(chunk, size_t(n));
    return true;
  }
}

bool Transport::parse_one(Incoming& out, bool final) {
  for (;;) {
    Step s = body_ < 0 ? take_header(out, final) : take_body(out, final);
    if (s != kNext) return s == kEmitted;
  }
}

Transport::Step Transport::take_header(Incoming& out, bool final) {
  const size_t end = buf_.find("\r\n\r\n");
  if (end == std::string::npos) return skip_garbage(out, final);
  const std::string_view head(buf_.data(), end);
  const long long length = declared_length(head);
  if (length == -2) {
    // A header glued to the end of something else (e.g. after a body shorter than its length):
    // what comes before it is reported, the header is read next.
    const size_t key = find_key(head);
    buf_.erase(0, key == std::string::npos ? end + 4 : key);
    out =
        malformed(key == std::string::npos ? "header without a valid Content-Length" : "bytes before a message header");
    return kEmitted;
  }
  buf_.erase(0, end + 4);
  if (length < 0) {
    out = malformed("header without a valid Content-Length");
    return kEmitted;
  }
  body_ = length;
  oversized_ = size_t(length) > max_;
  dropped_ = scanned_ = 0;
  if (!oversized_) return kNext;
  out = malformed("message of " + std::to_string(length) + " bytes exceeds the limit");
  return kEmitted;
}

Transport::Step Transport::skip_garbage(Incoming& out, bool final) {
  if (buf_.empty() || (buf_.size() <= kMaxHeader && !final)) return kNeedMore;
  // No header end in sight: dropped up to a plausible next header, keeping a tail that may be the
  // start of one (unless the input has ended).
  size_t next = find_key(buf_, 1);
  if (next == std::string::npos) next = final ? buf_.size() : buf_.size() - (kKey.size() - 1);
  buf_.erase(0, next);
  out = malformed("no message header");
  return kEmitted;
}

Transport::Step Transport::take_body(Incoming& out, bool final) {
  const size_t rest = size_t(body_) - dropped_;  // body bytes from buf_[0] on
  const std::string_view body(buf_.data(), std::min(buf_.size(), rest));
  const Found h = find_header(body, scanned_, dropped_ == 0, body.size() < rest && !final);
  body_bytes_scanned_ += body.size() - std::min(scanned_, body.size());
  if (h.found) {  // the body ends where the next header starts: the message lied about its length
    const size_t got = dropped_ + h.at;
    const long long declared = body_;
    const bool reported = oversized_;  // when its header was read
    buf_.erase(0, h.at);
    end_body();
    if (reported) return kNext;
    out = malformed("message cut off after " + std::to_string(got) + " of its " + std::to_string(declared) +
                    " bytes by the next header");
    return kEmitted;
  }
  scanned_ = h.at;
  if (oversized_) return drop_body(final, rest);
  if (body.size() < rest) {
    if (!final) return kNeedMore;
    buf_.clear();
    end_body();
    out = malformed("input ended inside a message");
    return kEmitted;
  }
  Json j = parse_body(body);
  buf_.erase(0, rest);
  end_body();
  if (j.is_discarded() || !j.is_object()) {
    out = malformed(j.is_discarded() ? "body is not valid JSON" : "body is not a JSON object");
    return kEmitted;
  }
  out = {Incoming::kMessage, std::move(j), {}};
  return kEmitted;
}

// Drops what the scan passed, keeping only an undecided header start and the CRLF before it, so
// memory stays small however long the body claims to be.
Transport::Step Transport::drop_body(bool final, size_t rest) {
  if (scanned_ >= rest) {  // all of it went by
    buf_.erase(0, rest);
    end_body();
    return kNext;
  }
  const size_t cut = scanned_ >= 2 ? scanned_ - 2 : 0;
  buf_.erase(0, cut);
  dropped_ += cut;
  scanned_ -= cut;
  if (final) {
    buf_.clear();
    end_body();
  }
  return kNeedMore;
}

void Transport::end_body() {
  body_ = -1;
  oversized_ = false;
  dropped_ = scanned_ = 0;
  // One didOpen of a 5 MB file would otherwise keep a 5 MB buffer for the rest of the session.
  constexpr size_t kKeptCapacity = 1 << 20;
  if (buf_.capacity() > kKeptCapacity && buf_.size() < kKeptCapacity / 2) buf_.shrink_to_fit();
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
  // Parsed after every read, so an oversized body is dropped as it comes, not buffered first.
  Incoming m;
  for (bool more = true; more;) {
    more = fill(false);
    while (parse_one(m, eof_)) parsed_.push_back(std::move(m));
  }
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

bool Transport::write(const Json& message) { return write_raw(json_text(message)); }

void Transport::close_output() {
  std::lock_guard lock(write_mu_);
  if (out_ >= 0) ::close(out_);
  out_ = -1;
}

}  // namespace dw::lsp
