#include "rank/BaselineStats.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <numeric>
#include <thread>
#include <tuple>

#include "corpus/Shard.h"
#include "support/BinaryIO.h"
#include "support/FileIO.h"
#include "support/Hash.h"

namespace dw {

std::string class_key(const ExtractedFile& f, const Site& s) {
  if (s.cls != kNoString && !f.str(s.cls).empty()) return std::string(f.str(s.cls));
  std::string key = "?";
  key += f.str(s.receiver);
  return key;
}

// ---- counting ----------------------------------------------------------------------------------

size_t BaselineCounter::TriHash::operator()(const std::array<uint32_t, 3>& t) const {
  uint64_t a = (uint64_t(t[0]) << 32) | t[1];
  return size_t(hash64(&a, 8, t[2]));
}

uint32_t BaselineCounter::intern(StringIndex& idx, std::vector<std::string>& names, std::string_view s) {
  auto it = idx.find(s);
  if (it != idx.end()) return it->second;
  auto id = uint32_t(names.size());
  names.emplace_back(s);
  idx.emplace(names.back(), id);
  return id;
}

void BaselineCounter::add_file(const ExtractedFile& f) {
  ++n_files_;
  // The Markov chain's history: the last member accessed on each (class key, scope) so far in the file.
  std::unordered_map<uint64_t, uint32_t> last;
  for (const auto& s : f.sites) {
    if (s.pos >= f.tokens.size()) continue;  // malformed site: counted nowhere
    ++n_sites_;
    uint32_t key = intern(key_idx_, keys_, class_key(f, s));
    uint32_t mem = intern(member_idx_, members_, f.member(s));
    ++class_counts_[(uint64_t(key) << 32) | mem][(s.flags & kSiteInIf) ? 1 : 0];
    auto [it, fresh] = last.try_emplace((uint64_t(key) << 32) | s.scope, mem);
    if (!fresh) {
      ++transitions_[{key, it->second, mem}];
      it->second = mem;
    }
  }
}

void BaselineCounter::merge(const BaselineCounter& o) {
  std::vector<uint32_t> mk(o.keys_.size()), mm(o.members_.size());
  for (size_t i = 0; i < o.keys_.size(); ++i) mk[i] = intern(key_idx_, keys_, o.keys_[i]);
  for (size_t i = 0; i < o.members_.size(); ++i) mm[i] = intern(member_idx_, members_, o.members_[i]);
  for (const auto& [k, c] : o.class_counts_) {
    auto& mine = class_counts_[(uint64_t(mk[k >> 32]) << 32) | mm[uint32_t(k)]];
    mine[0] += c[0];
    mine[1] += c[1];
  }
  for (const auto& [t, c] : o.transitions_) transitions_[{mk[t[0]], mm[t[1]], mm[t[2]]}] += c;
  n_sites_ += o.n_sites_;
  n_files_ += o.n_files_;
}

BaselineStats BaselineCounter::finish() const {
  std::vector<BaselineStats::ClassCount> counts;
  counts.reserve(class_counts_.size());
  for (const auto& [k, c] : class_counts_) counts.push_back({uint32_t(k >> 32), uint32_t(k), c[0], c[1]});
  std::vector<BaselineStats::Transition> trans;
  trans.reserve(transitions_.size());
  for (const auto& [t, c] : transitions_) trans.push_back({t[0], t[1], t[2], c});
  return BaselineStats(members_, keys_, std::move(counts), std::move(trans), n_sites_, n_files_);
}

// ---- the ranked lists ----------------------------------------------------------------------------

namespace {

// Sorted names and the map old id -> new id, so equal data gives equal ids whatever the input order.
std::vector<uint32_t> canonicalize(std::vector<std::string>& names) {
  std::vector<uint32_t> order(names.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return names[a] < names[b]; });
  std::vector<uint32_t> remap(names.size());
  std::vector<std::string> sorted(names.size());
  for (size_t i = 0; i < order.size(); ++i) {
    remap[order[i]] = uint32_t(i);
    sorted[i] = std::move(names[order[i]]);
  }
  names = std::move(sorted);
  return remap;
}

// Appends `rows` (key tuple, member) to `out` best first, with dense levels counted from the bottom.
template <class Key>
void append_ranked(std::vector<std::pair<Key, uint32_t>>& rows, std::vector<RankedMember>& out) {
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  size_t base = out.size();
  out.resize(base + rows.size());
  uint32_t level = 0;
  for (size_t i = rows.size(); i-- > 0;) {
    if (i + 1 == rows.size() || rows[i].first != rows[i + 1].first) ++level;
    out[base + i] = {rows[i].second, level};
  }
}

}  // namespace

BaselineStats::BaselineStats(std::vector<std::string> members, std::vector<std::string> keys,
                             std::vector<ClassCount> counts, std::vector<Transition> transitions, uint64_t n_sites,
                             uint64_t n_files)
    : members_(std::move(members)), keys_(std::move(keys)), n_sites_(n_sites), n_files_(n_files) {
  auto mm = canonicalize(members_), mk = canonicalize(keys_);
  for (auto& c : counts) c = {mk.at(c.key), mm.at(c.member), c.outside_if, c.inside_if};
  for (auto& t : transitions) t = {mk.at(t.key), mm.at(t.prev), mm.at(t.next), t.count};
  std::sort(counts.begin(), counts.end(),
            [](const auto& a, const auto& b) { return std::tie(a.key, a.member) < std::tie(b.key, b.member); });
  std::sort(transitions.begin(), transitions.end(), [](const auto& a, const auto& b) {
    return std::tie(a.key, a.prev, a.next) < std::tie(b.key, b.prev, b.next);
  });
  // Duplicated rows (from a hand-built input) are summed rather than trusted to be unique.
  for (auto& c : counts) {
    if (!counts_.empty() && counts_.back().key == c.key && counts_.back().member == c.member) {
      counts_.back().outside_if += c.outside_if;
      counts_.back().inside_if += c.inside_if;
    } else {
      counts_.push_back(c);
    }
  }
  for (auto& t : transitions) {
    auto& b = transitions_;
    if (!b.empty() && b.back().key == t.key && b.back().prev == t.prev && b.back().next == t.next)
      b.back().count += t.count;
    else
      b.push_back(t);
  }
  index();
}

void BaselineStats::index() {
  for (uint32_t i = 0; i < members_.size(); ++i) member_idx_.emplace(members_[i], i);
  for (uint32_t i = 0; i < keys_.size(); ++i) key_idx_.emplace(keys_[i], i);

  global_count_.assign(members_.size(), 0);
  for (const auto& c : counts_) global_count_[c.member] += c.outside_if + c.inside_if;
  {
    std::vector<uint64_t> distinct(global_count_.begin(), global_count_.end());
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    global_level_.resize(members_.size());
    for (size_t m = 0; m < members_.size(); ++m)
      global_level_[m] =
          uint32_t(std::lower_bound(distinct.begin(), distinct.end(), global_count_[m]) - distinct.begin()) + 1;
    max_global_level_ = uint32_t(distinct.size());
  }

  // Class totals per row, found again when ranking the if-lists and transitions.
  auto class_total = [&](uint32_t key, uint32_t member) -> uint64_t {
    auto it = std::lower_bound(counts_.begin(), counts_.end(), std::make_pair(key, member), [](const auto& c, auto kv) {
      return std::tie(c.key, c.member) < std::tie(kv.first, kv.second);
    });
    return it != counts_.end() && it->key == key && it->member == member ? it->outside_if + it->inside_if : 0;
  };

  class_off_.assign(keys_.size() + 1, 0);
  if_off_.assign(2 * keys_.size() + 1, 0);
  using K2 = std::pair<uint64_t, uint64_t>;
  using K3 = std::tuple<uint64_t, uint64_t, uint64_t>;
  for (size_t i = 0; i < counts_.size();) {
    size_t j = i;
    while (j < counts_.size() && counts_[j].key == counts_[i].key) ++j;
    uint32_t key = counts_[i].key;
    std::vector<std::pair<K2, uint32_t>> by_class;
    std::vector<std::pair<K3, uint32_t>> by_if[2];
    for (size_t r = i; r < j; ++r) {
      const auto& c = counts_[r];
      uint64_t total = c.outside_if + c.inside_if, g = global_count_[c.member];
      by_class.push_back({{total, g}, c.member});
      if (c.outside_if) by_if[0].push_back({{c.outside_if, total, g}, c.member});
      if (c.inside_if) by_if[1].push_back({{c.inside_if, total, g}, c.member});
    }
    class_off_[key] = uint32_t(class_list_.size());
    append_ranked(by_class, class_list_);
    class_off_[key + 1] = uint32_t(class_list_.size());
    for (int b = 0; b < 2; ++b) {
      if_off_[2 * key + b] = uint32_t(if_list_.size());
      append_ranked(by_if[b], if_list_);
      if_off_[2 * key + b + 1] = uint32_t(if_list_.size());
    }
    i = j;
  }
  // Keys without rows (possible only in hand-built input) get empty ranges.
  for (size_t k = 1; k <= keys_.size(); ++k) class_off_[k] = std::max(class_off_[k], class_off_[k - 1]);
  for (size_t k = 1; k <= 2 * keys_.size(); ++k) if_off_[k] = std::max(if_off_[k], if_off_[k - 1]);

  for (size_t i = 0; i < transitions_.size();) {
    size_t j = i;
    while (j < transitions_.size() && transitions_[j].key == transitions_[i].key &&
           transitions_[j].prev == transitions_[i].prev)
      ++j;
    std::vector<std::pair<K3, uint32_t>> rows;
    for (size_t r = i; r < j; ++r) {
      const auto& t = transitions_[r];
      rows.push_back({{t.count, class_total(t.key, t.next), global_count_[t.next]}, t.next});
    }
    auto begin = uint32_t(after_list_.size());
    append_ranked(rows, after_list_);
    after_range_[(uint64_t(transitions_[i].key) << 32) | transitions_[i].prev] = {begin, uint32_t(after_list_.size())};
    i = j;
  }
}

int32_t BaselineStats::member_id(std::string_view name) const {
  auto it = member_idx_.find(name);
  return it == member_idx_.end() ? -1 : int32_t(it->second);
}

int32_t BaselineStats::key_id(std::string_view key) const {
  auto it = key_idx_.find(key);
  return it == key_idx_.end() ? -1 : int32_t(it->second);
}

std::span<const RankedMember> BaselineStats::by_class(int32_t key) const {
  if (key < 0 || size_t(key) >= keys_.size()) return {};
  return std::span(class_list_).subspan(class_off_[key], class_off_[key + 1] - class_off_[key]);
}

std::span<const RankedMember> BaselineStats::by_class_if(int32_t key, bool in_if) const {
  if (key < 0 || size_t(key) >= keys_.size()) return {};
  size_t b = 2 * size_t(key) + (in_if ? 1 : 0);
  return std::span(if_list_).subspan(if_off_[b], if_off_[b + 1] - if_off_[b]);
}

std::span<const RankedMember> BaselineStats::after(int32_t key, int32_t prev) const {
  if (key < 0 || prev < 0) return {};
  auto it = after_range_.find((uint64_t(uint32_t(key)) << 32) | uint32_t(prev));
  if (it == after_range_.end()) return {};
  return std::span(after_list_).subspan(it->second.first, it->second.second - it->second.first);
}

// ---- file format ---------------------------------------------------------------------------------
//   "DWBASE\0\0" | u32 version | u64 fingerprint | u64 payload bytes | u64 payload hash | payload (varints)

namespace {
constexpr char kMagic[8] = {'D', 'W', 'B', 'A', 'S', 'E', '\0', '\0'};
constexpr uint32_t kVersion = 1;  // bump when class_key() or the counting rules change
constexpr size_t kHeaderBytes = 8 + 4 + 8 + 8 + 8;
}  // namespace

std::string BaselineStats::encode(uint64_t fingerprint) const {
  ByteWriter p;
  p.varint(n_sites_);
  p.varint(n_files_);
  p.varint(members_.size());
  for (const auto& m : members_) p.str(m);
  p.varint(keys_.size());
  for (const auto& k : keys_) p.str(k);
  p.varint(counts_.size());
  for (const auto& c : counts_) {
    p.varint(c.key);
    p.varint(c.member);
    p.varint(c.outside_if);
    p.varint(c.inside_if);
  }
  p.varint(transitions_.size());
  for (const auto& t : transitions_) {
    p.varint(t.key);
    p.varint(t.prev);
    p.varint(t.next);
    p.varint(t.count);
  }
  ByteWriter w;
  w.raw(kMagic, 8);
  w.u32(kVersion);
  w.u64(fingerprint);
  w.u64(p.size());
  w.u64(hash64(p.buffer()));
  w.buffer() += p.buffer();
  return std::move(w.buffer());
}

BaselineStats BaselineStats::decode(std::string_view bytes, uint64_t* fingerprint) {
  if (bytes.size() < kHeaderBytes || bytes.substr(0, 8) != std::string_view(kMagic, 8))
    throw FormatError("baselines: not a dotwise baselines file");
  ByteReader h(bytes, "baselines");
  h.bytes(8);
  if (h.u32() != kVersion) throw FormatError("baselines: other version (rebuild it)");
  uint64_t fp = h.u64(), n = h.u64(), hash = h.u64();
  if (n != bytes.size() - kHeaderBytes) throw FormatError("baselines: truncated");
  auto payload = bytes.substr(kHeaderBytes);
  if (hash64(payload) != hash) throw FormatError("baselines: checksum mismatch");
  if (fingerprint) *fingerprint = fp;
  ByteReader r(payload, "baselines");
  uint64_t n_sites = r.varint(), n_files = r.varint();
  auto read_names = [&] {
    uint64_t k = r.varint();
    if (k > r.remaining()) r.fail("name count larger than the file");
    std::vector<std::string> v;
    v.reserve(size_t(k));
    for (uint64_t i = 0; i < k; ++i) v.emplace_back(r.str());
    return v;
  };
  auto members = read_names(), keys = read_names();
  auto idx = [&](size_t limit) {
    uint64_t v = r.varint();
    if (v >= limit) r.fail("index out of range");
    return uint32_t(v);
  };
  uint64_t nc = r.varint();
  if (nc > r.remaining()) r.fail("row count larger than the file");
  std::vector<ClassCount> counts(static_cast<size_t>(nc));
  for (auto& c : counts) {
    c.key = idx(keys.size());
    c.member = idx(members.size());
    c.outside_if = r.varint();
    c.inside_if = r.varint();
  }
  uint64_t nt = r.varint();
  if (nt > r.remaining()) r.fail("row count larger than the file");
  std::vector<Transition> trans(static_cast<size_t>(nt));
  for (auto& t : trans) {
    t.key = idx(keys.size());
    t.prev = idx(members.size());
    t.next = idx(members.size());
    t.count = r.varint();
  }
  if (!r.done()) r.fail("trailing bytes");
  return BaselineStats(std::move(members), std::move(keys), std::move(counts), std::move(trans), n_sites, n_files);
}

// ---- building from shards --------------------------------------------------------------------------

BaselineStats BaselineStats::build(const std::vector<std::filesystem::path>& shards, unsigned threads) {
  threads = std::max(1u, std::min<unsigned>(threads, unsigned(std::max<size_t>(1, shards.size()))));
  std::vector<BaselineCounter> parts(threads);
  std::atomic<size_t> next{0};
  std::exception_ptr err;
  std::mutex mu;
  auto work = [&](unsigned t) {
    try {
      for (size_t i; (i = next.fetch_add(1)) < shards.size();)
        for (const auto& f : read_shard(shards[i])) parts[t].add_file(f.data);
    } catch (...) {
      std::lock_guard lk(mu);
      if (!err) err = std::current_exception();
      next = shards.size();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  if (err) std::rethrow_exception(err);
  for (unsigned t = 1; t < threads; ++t) parts[0].merge(parts[t]);
  return parts[0].finish();  // canonical ids: the result does not depend on which thread read what
}

uint64_t shards_fingerprint(const std::vector<std::filesystem::path>& shards) {
  uint64_t h = hash64("dotwise-baselines", kVersion);
  for (const auto& p : shards) {
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(p, ec);
    char head[48] = {};  // the shard header: counts and the payload hash
    std::ifstream in(p, std::ios::binary);
    in.read(head, sizeof head);
    h = hash64(p.filename().string(), h);
    h = hash64(&size, sizeof size, h);
    h = hash64(head, size_t(in.gcount()), h);
  }
  return h;
}

BaselineStats BaselineStats::load_or_build(const std::filesystem::path& dir, unsigned threads, bool* rebuilt) {
  auto shards = list_shards(dir, "train");
  if (shards.empty()) throw std::runtime_error(dir.string() + ": no train-*.dws shards to learn the baselines from");
  uint64_t fp = shards_fingerprint(shards);
  auto path = dir / "baselines.bin";
  auto r = read_file(path);
  if (r.error.empty()) {
    try {
      uint64_t have = 0;
      auto s = decode(r.data, &have);
      if (have == fp) {
        if (rebuilt) *rebuilt = false;
        return s;
      }
    } catch (const FormatError&) {
      // stale or damaged cache: rebuilt below
    }
  }
  auto s = build(shards, threads);
  try {
    write_file_atomic(path, s.encode(fp));
  } catch (const std::exception&) {
    // a read-only data directory only costs a rebuild next time
  }
  if (rebuilt) *rebuilt = true;
  return s;
}

}  // namespace dw
