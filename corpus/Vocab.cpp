#include "corpus/Vocab.h"

#include <algorithm>
#include <charconv>
#include <sstream>

#include "support/BinaryIO.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {

size_t Vocab::slot(std::string_view tok) const {
  const size_t mask = slots_.size() - 1;
  size_t i = size_t(hash64(tok)) & mask;
  while (slots_[i] >= 0 && token(slots_[i]) != tok) i = (i + 1) & mask;
  return i;
}

void Vocab::add(std::string_view tok, uint64_t count, uint64_t member_count) {
  if (chars_.size() + tok.size() > UINT32_MAX) throw FormatError("vocabulary: over 4 GB of token text");
  chars_.append(tok);
  ends_.push_back(uint32_t(chars_.size()));
  counts_.push_back(count);
  member_counts_.push_back(member_count);
  if (ends_.size() * 2 > slots_.size()) {  // at most half full: short probes
    slots_.assign(std::max<size_t>(16, slots_.size() * 2), -1);
    for (size_t id = 0; id < ends_.size(); ++id) slots_[slot(token(int32_t(id)))] = int32_t(id);
  } else {
    slots_[slot(tok)] = int32_t(ends_.size() - 1);
  }
}

void Vocab::reserve(size_t tokens, size_t chars) {
  chars_.reserve(chars);
  ends_.reserve(tokens);
  counts_.reserve(tokens);
  member_counts_.reserve(tokens);
}

void Vocab::shrink() {
  chars_.shrink_to_fit();
  ends_.shrink_to_fit();
  counts_.shrink_to_fit();
  member_counts_.shrink_to_fit();
}

Vocab Vocab::build(const std::unordered_map<std::string, std::pair<uint64_t, uint64_t>>& counts, uint64_t min_count,
                   uint32_t max_oov) {
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> kept;
  for (const auto& [tok, c] : counts)
    if (c.first >= min_count && tok != "<pad>" && tok != "<unk>") kept.emplace_back(tok, c);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
  });
  Vocab v;
  v.min_count_ = min_count;
  v.max_oov_ = max_oov;
  size_t chars = 10;
  for (const auto& k : kept) chars += k.first.size();
  v.reserve(kept.size() + 2, chars);
  v.add("<pad>", 0, 0);
  v.add("<unk>", 0, 0);
  for (const auto& [tok, c] : kept) v.add(tok, c.first, c.second);
  return v;
}

Vocab Vocab::ordered(std::span<const std::string_view> tokens, std::span<const uint8_t> is_member, uint32_t max_oov) {
  if (tokens.size() < 2 || tokens[0] != "<pad>" || tokens[1] != "<unk>")
    throw FormatError("vocabulary: missing <pad>/<unk>");
  Vocab v;
  v.min_count_ = 1;
  v.max_oov_ = max_oov;
  size_t chars = 0;
  for (auto t : tokens) chars += t.size();
  v.reserve(tokens.size(), chars);
  const uint64_t V = tokens.size();
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (v.id(tokens[i]) >= 0) throw FormatError("vocabulary: duplicate token '" + std::string(tokens[i]) + "'");
    const bool member = i >= 2 && i < is_member.size() && is_member[i];
    v.add(tokens[i], i < 2 ? 0 : V - i, member ? 1 : 0);
  }
  return v;
}

int32_t Vocab::id(std::string_view tok) const { return slots_.empty() ? -1 : slots_[slot(tok)]; }

std::vector<int32_t> Vocab::member_ids() const {
  std::vector<int32_t> out;
  for (size_t i = 2; i < size(); ++i)
    if (member_counts_[i] > 0) out.push_back(int32_t(i));
  return out;
}

void Vocab::save(const std::filesystem::path& p) const {
  std::string out =
      "# dotwise-vocab 1 min_count=" + std::to_string(min_count_) + " max_oov=" + std::to_string(max_oov_) + "\n";
  for (size_t i = 0; i < size(); ++i)
    out += std::string(token(int32_t(i))) + "\t" + std::to_string(counts_[i]) + "\t" +
           std::to_string(member_counts_[i]) + "\n";
  write_file_atomic(p, out);
}

namespace {
uint64_t parse_u64(std::string_view s, const std::string& where) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size())
    throw FormatError(where + ": expected a number, got '" + std::string(s) + "'");
  return v;
}
std::string_view header_field(std::string_view line, std::string_view key, const std::string& where) {
  auto at = line.find(key);
  if (at == std::string_view::npos) throw FormatError(where + ": header lacks " + std::string(key));
  auto v = line.substr(at + key.size());
  return v.substr(0, v.find(' '));
}
}  // namespace

Vocab Vocab::load(const std::filesystem::path& p) {
  auto r = read_file(p);
  const std::string where = p.string();
  if (!r.error.empty()) throw FormatError(where + ": " + r.error);
  std::string_view all = r.data;
  auto nl = all.find('\n');
  std::string_view head = all.substr(0, nl);
  if (!head.starts_with("# dotwise-vocab 1 ")) throw FormatError(where + ": not a dotwise vocabulary (version 1)");
  Vocab v;
  v.min_count_ = parse_u64(header_field(head, "min_count=", where), where);
  v.max_oov_ = uint32_t(parse_u64(header_field(head, "max_oov=", where), where));
  size_t line_no = 1;
  for (size_t at = nl == std::string_view::npos ? all.size() : nl + 1; at < all.size();) {
    auto end = all.find('\n', at);
    if (end == std::string_view::npos) throw FormatError(where + ": truncated (last line has no newline)");
    std::string_view line = all.substr(at, end - at);
    at = end + 1;
    ++line_no;
    auto t1 = line.find('\t'), t2 = line.rfind('\t');
    if (t1 == std::string_view::npos || t1 == t2)
      throw FormatError(where + ":" + std::to_string(line_no) + ": expected 3 columns");
    std::string_view tok = line.substr(0, t1);
    if (v.id(tok) >= 0) throw FormatError(where + ":" + std::to_string(line_no) + ": duplicate token");
    v.add(tok, parse_u64(line.substr(t1 + 1, t2 - t1 - 1), where), parse_u64(line.substr(t2 + 1), where));
  }
  if (v.size() < 2 || v.token(0) != "<pad>" || v.token(1) != "<unk>")
    throw FormatError(where + ": missing <pad>/<unk>");
  v.shrink();
  return v;
}

void VocabCounter::add(const ExtractedFile& f) {
  std::vector<uint64_t> n(f.strings.size()), m(f.strings.size());
  for (auto t : f.tokens) ++n[t];
  for (const auto& s : f.sites) ++m[f.tokens[s.pos]];
  for (size_t i = 0; i < f.strings.size(); ++i) {
    if (!n[i]) continue;
    auto& c = counts_[f.strings[i]];
    c.first += n[i];
    c.second += m[i];
  }
}

void VocabCounter::merge(const VocabCounter& other) {
  for (const auto& [tok, c] : other.counts_) {
    auto& mine = counts_[tok];
    mine.first += c.first;
    mine.second += c.second;
  }
}

EncodedFile encode(const Vocab& v, const ExtractedFile& f) {
  EncodedFile e;
  e.source = &f;
  std::vector<int32_t> by_string(f.strings.size(), INT32_MIN);
  e.ids.reserve(f.tokens.size());
  for (auto t : f.tokens) {
    int32_t& id = by_string[t];
    if (id == INT32_MIN) {
      id = v.id(f.strings[t]);
      if (id < 0) {
        if (e.oov.size() < v.max_oov()) {
          id = int32_t(v.size() + e.oov.size());
          e.oov.push_back(f.strings[t]);
        } else {
          id = Vocab::kUnk;
        }
      }
    }
    e.ids.push_back(id);
  }
  return e;
}

}  // namespace dw
