#include "index/ProjectIndex.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>

#include "index/HashIds.h"
#include "support/FileIO.h"
#include "support/Memory.h"

namespace dw {
namespace fs = std::filesystem;

namespace {
struct Triple {
  uint32_t key, member;
  int32_t count;
  bool operator<(const Triple& o) const { return key != o.key ? key < o.key : member < o.member; }
};

uint32_t pack(uint32_t id, MemberKind k) { return id << 3 | uint32_t(k); }
uint32_t id_of(uint32_t packed) { return packed >> 3; }
MemberKind kind_of(uint32_t packed) { return MemberKind(packed & 7); }

std::string_view last_part(std::string_view s) {
  auto dot = s.rfind('.');
  return dot == std::string_view::npos ? s : s.substr(dot + 1);
}
// One spelling per file: "a//b/./c.py" and "a/b/c.py" are the same entry. Files are known by this
// hash alone (see HashIds): the index never lists its paths.
uint64_t path_key(const fs::path& p) { return HashIds::hash(p.lexically_normal().generic_string()); }

// A file's triples, sorted, as varints (key delta; member, a delta within one key; count): ~3.5
// bytes a triple instead of 12. They are read back only to take the file out or leave it out.
void put_varint(std::vector<uint8_t>& out, uint32_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(uint8_t(v | 0x80));
  out.push_back(uint8_t(v));
}
uint32_t get_varint(const uint8_t*& p) {
  uint32_t v = 0;
  for (int shift = 0;; shift += 7) {
    uint8_t b = *p++;
    v |= uint32_t(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}
std::vector<uint8_t> pack_triples(const std::vector<Triple>& sorted) {
  std::vector<uint8_t> out;
  uint32_t key = 0, member = 0;
  for (const auto& t : sorted) {
    put_varint(out, t.key - key);
    put_varint(out, t.key == key ? t.member - member : t.member);
    put_varint(out, uint32_t(t.count));
    key = t.key, member = t.member;
  }
  out.shrink_to_fit();
  return out;
}
std::vector<Triple> unpack_triples(const std::vector<uint8_t>& packed) {
  std::vector<Triple> out;
  uint32_t key = 0, member = 0;
  for (const uint8_t *p = packed.data(), *end = p + packed.size(); p < end;) {
    const uint32_t dk = get_varint(p), m = get_varint(p);
    member = dk == 0 ? member + m : m;
    key += dk;
    out.push_back({key, member, int32_t(get_varint(p))});
  }
  return out;
}

bool dotted_suffix(std::string_view full, std::string_view suffix) {
  return full == suffix ||
         (full.size() > suffix.size() && full.ends_with(suffix) && full[full.size() - suffix.size() - 1] == '.');
}
}  // namespace

struct ProjectIndex::Impl {
  IndexLimits lim;
  ScanKind reader = ScanKind::Tokens;
  std::vector<fs::path> roots;
  mutable std::shared_mutex mu;
  StringPool pool;
  std::vector<Triple> uses;            // (key, member) -> count over every indexed file, sorted
  std::vector<Triple> pending;         // added by a bulk build, merged into `uses` in batches
  std::vector<uint32_t> member_total;  // by string id: uses of the name on any receiver

  struct FileEntry {
    uint32_t module = StringPool::kNone;
    uint32_t n_uses = 0;
    std::vector<uint8_t> uses;      // this file's share of `uses` (pack_triples)
    std::vector<uint32_t> classes;  // qualified ids of the classes it defines
    uint64_t bytes = 0;
  };
  struct ClassRec {
    uint32_t module = 0;
    std::vector<uint32_t> bases;    // string ids of the base expressions
    std::vector<uint32_t> members;  // packed id + kind
  };
  struct ModuleRec {
    uint64_t file = 0;                             // the key of its file in `files`
    std::vector<uint32_t> names;                   // packed id + kind
    std::vector<std::array<uint32_t, 3>> imports;  // local, module, name
  };
  HashIds keys;                                    // receiver keys: the `key` of the triples
  std::unordered_map<uint64_t, FileEntry> files;   // by path_key
  std::unordered_map<uint32_t, ClassRec> classes;  // by qualified id
  std::unordered_map<uint32_t, std::vector<uint32_t>> class_by_short, module_by_last;
  std::unordered_map<uint32_t, ModuleRec> modules;
  IndexStats st;

  uint32_t intern(std::string_view s) {
    uint32_t id = pool.intern(s);
    if (member_total.size() <= id) member_total.resize(id + 1, 0);
    return id;
  }

  // Adds (sign +1) or removes (-1) a file's triples; `uses` stays sorted and free of zero counts.
  void merge(std::vector<Triple> delta, int sign) {
    if (delta.empty()) return;
    std::sort(delta.begin(), delta.end());
    std::vector<Triple> out;
    out.reserve(uses.size() + (sign > 0 ? delta.size() : 0));
    size_t i = 0, j = 0;
    while (i < uses.size() || j < delta.size()) {
      if (j == delta.size() || (i < uses.size() && uses[i] < delta[j])) {
        out.push_back(uses[i++]);
        continue;
      }
      Triple t = delta[j++];
      t.count *= sign;
      while (j < delta.size() && !(t < delta[j]) && !(delta[j] < t)) t.count += sign * delta[j++].count;
      if (i < uses.size() && !(uses[i] < t) && !(t < uses[i])) t.count += uses[i++].count;
      if (t.count > 0) out.push_back(t);
    }
    uses = std::move(out);
  }

  // The uses file `exclude` adds (none if it is not indexed), sorted.
  std::vector<Triple> own_uses(const fs::path& exclude) const;

  void forget(uint64_t path) {
    auto it = files.find(path);
    if (it == files.end()) return;
    if (!pending.empty()) flush();
    FileEntry& f = it->second;
    std::vector<Triple> own = unpack_triples(f.uses);
    for (const auto& t : own) member_total[t.member] -= std::min<uint32_t>(member_total[t.member], uint32_t(t.count));
    merge(std::move(own), -1);
    for (uint32_t q : f.classes) {
      classes.erase(q);
      auto& v = class_by_short[pool.find(last_part(pool.str(q)))];
      std::erase(v, q);
    }
    if (auto m = modules.find(f.module); m != modules.end() && m->second.file == path) {
      modules.erase(m);
      std::erase(module_by_last[pool.find(last_part(pool.str(f.module)))], f.module);
    }
    st.bytes -= std::min(st.bytes, f.bytes);
    files.erase(it);
  }

  // Merging one file at a time copies `uses` per file: quadratic over a 10k-file build.
  void flush() {
    merge(std::move(pending), +1);
    pending.clear();
    pending.shrink_to_fit();
  }

  void add(uint64_t path, const ModuleScan& scan, uint64_t bytes, bool defer = false) {
    if (files.contains(path)) flush(), forget(path);  // its old triples must be merged to be taken out
    FileEntry f;
    f.bytes = bytes;
    f.module = intern(scan.module);
    std::vector<Triple> all;
    all.reserve(scan.uses.size());
    for (const auto& u : scan.uses) all.push_back({keys.intern(u.key), intern(u.member), 1});
    std::sort(all.begin(), all.end());
    std::vector<Triple> merged;
    for (const auto& t : all) {
      if (!merged.empty() && merged.back().key == t.key && merged.back().member == t.member)
        ++merged.back().count;
      else
        merged.push_back(t);
      ++member_total[t.member];
    }
    f.uses = pack_triples(merged);
    f.n_uses = uint32_t(merged.size());
    if (defer) {
      pending.insert(pending.end(), merged.begin(), merged.end());
      if (pending.size() > std::max<size_t>(uses.size() / 4, 1u << 16)) flush();
    } else {
      merge(std::move(merged), +1);
    }
    for (const auto& c : scan.classes) {
      std::string q = scan.module.empty() ? c.name : scan.module + "." + c.name;
      uint32_t qid = intern(q);
      ClassRec r;
      r.module = f.module;
      r.bases.reserve(c.bases.size());
      r.members.reserve(c.members.size());
      for (const auto& b : c.bases) r.bases.push_back(intern(b));
      for (const auto& m : c.members) r.members.push_back(pack(intern(m.name), m.kind));
      auto [it, fresh] = classes.insert_or_assign(qid, std::move(r));
      (void)it;
      if (fresh) class_by_short[intern(last_part(q))].push_back(qid);
      f.classes.push_back(qid);
    }
    auto [file, added] = files.emplace(path, std::move(f));
    (void)added;
    ModuleRec m;
    m.file = file->first;
    m.names.reserve(scan.names.size());
    m.imports.reserve(scan.imports.size());
    for (const auto& n : scan.names) m.names.push_back(pack(intern(n.name), n.kind));
    for (const auto& im : scan.imports) m.imports.push_back({intern(im.local), intern(im.module), intern(im.name)});
    const uint32_t module = file->second.module;
    if (!modules.contains(module)) module_by_last[intern(last_part(scan.module))].push_back(module);
    modules.insert_or_assign(module, std::move(m));
    st.bytes += bytes;
  }

  std::vector<ImportScan> imports_of(uint32_t module) const {
    std::vector<ImportScan> out;
    if (auto it = modules.find(module); it != modules.end())
      for (const auto& im : it->second.imports)
        out.push_back({std::string(pool.str(im[0])), std::string(pool.str(im[1])), std::string(pool.str(im[2]))});
    return out;
  }

  std::string resolve_class(std::string_view cls, std::string_view from) const {
    if (cls.empty()) return {};
    if (uint32_t q = pool.find(cls); q != StringPool::kNone && classes.contains(q)) return std::string(cls);
    uint32_t s = pool.find(last_part(cls));
    auto it = s == StringPool::kNone ? class_by_short.end() : class_by_short.find(s);
    if (it == class_by_short.end() || it->second.empty()) return {};
    const auto& cands = it->second;
    auto module_of = [&](uint32_t q) { return pool.str(classes.at(q).module); };
    for (uint32_t q : cands)
      if (!from.empty() && module_of(q) == from) return std::string(pool.str(q));
    // What the module imports under that name, then any class whose dotted name ends with `cls`.
    if (uint32_t fm = pool.find(from); fm != StringPool::kNone)
      for (const auto& im : imports_of(fm))
        if (im.local == last_part(cls) && !im.name.empty())
          for (uint32_t q : cands)
            if (dotted_suffix(module_of(q), im.module) || dotted_suffix(im.module, module_of(q)))
              return std::string(pool.str(q));
    for (uint32_t q : cands)
      if (dotted_suffix(pool.str(q), cls)) return std::string(pool.str(q));
    return cls.find('.') == std::string_view::npos ? std::string(pool.str(cands.front())) : std::string();
  }

  std::string resolve_module(std::string_view m) const {
    if (m.empty()) return {};
    if (uint32_t id = pool.find(m); id != StringPool::kNone && modules.contains(id)) return std::string(m);
    uint32_t s = pool.find(last_part(m));
    auto it = s == StringPool::kNone ? module_by_last.end() : module_by_last.find(s);
    if (it == module_by_last.end()) return {};
    for (uint32_t id : it->second)
      if (dotted_suffix(pool.str(id), m)) return std::string(pool.str(id));
    return {};
  }
};

ProjectIndex::ProjectIndex(IndexLimits lim, ScanKind scan) : impl_(std::make_unique<Impl>()) {
  impl_->lim = lim;
  impl_->reader = scan;
}
ProjectIndex::~ProjectIndex() = default;

std::string ProjectIndex::module_for(const fs::path& path, bool* package) const {
  std::vector<fs::path> roots;
  {
    std::shared_lock lk(impl_->mu);
    roots = impl_->roots;
  }
  auto p = path.lexically_normal().generic_string();
  for (const auto& r : roots) {
    auto root = r.lexically_normal().generic_string();
    if (!root.ends_with('/')) root += '/';
    if (p.starts_with(root)) return module_name_of(p.substr(root.size()), package);
  }
  return module_name_of(path.filename().generic_string(), package);
}

namespace {
constexpr size_t kTrimAfterBytes = 64u << 10;
}  // namespace

void ProjectIndex::build(const std::vector<fs::path>& roots, const std::function<void(size_t, size_t)>& progress,
                         const std::atomic<bool>* stop) {
  auto t0 = std::chrono::steady_clock::now();
  Impl& im = *impl_;
  {
    std::unique_lock lk(im.mu);
    for (const auto& r : roots) im.roots.push_back(fs::absolute(r).lexically_normal());
  }
  WalkStats ws;
  auto files = list_project_files(roots, im.lim, ws, stop);
  {
    std::unique_lock lk(im.mu);
    for (auto& [k, v] : ws.skipped) im.st.skipped[k] += v;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (stop && stop->load(std::memory_order_relaxed)) break;
    if (progress && (i % 64 == 0)) progress(i, files.size());
    const auto& f = files[i];
    auto r = read_file(f.path, im.lim.max_file_bytes);
    std::string reason = !r.error.empty() ? (r.too_large ? "too_large" : "unreadable") : content_skip(r.data);
    if (reason.empty() && total + r.data.size() > im.lim.max_total_bytes) reason = "over_byte_limit";
    if (!reason.empty()) {
      std::unique_lock lk(im.mu);
      ++im.st.skipped[reason];
      continue;
    }
    total += r.data.size();
    bool pkg = false;
    std::string mod = module_for(f.path, &pkg);
    ModuleScan scan = scan_file(r.data, mod, pkg, im.reader);
    std::unique_lock lk(im.mu);
    // A document the editor changed meanwhile is newer than the disk: keep it.
    if (!im.files.contains(path_key(f.path))) im.add(path_key(f.path), scan, r.data.size(), /*defer=*/true);
    lk.unlock();
    // A big file's text and tokens are megabytes that glibc keeps for the thread once freed: give them
    // back now, or the next big files pile up beside them before the trim at the end.
    if (r.data.size() > kTrimAfterBytes) {
      r = {};
      scan = {};
      release_free_memory();
    }
  }
  if (progress) progress(files.size(), files.size());
  std::unique_lock lk(im.mu);
  im.flush();
  im.pool.shrink_to_fit();
  im.member_total.shrink_to_fit();
  im.st.complete = true;
  lk.unlock();
  release_free_memory();  // the build's transient parses and buffers, handed back to the system
  lk.lock();
  im.st.build_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void ProjectIndex::update_file(const fs::path& path, std::string_view text) {
  bool pkg = false;
  std::string mod = module_for(path, &pkg);
  const char* why = content_skip(text);
  if (*why || text.size() > impl_->lim.max_file_bytes) {
    std::unique_lock lk(impl_->mu);
    impl_->forget(path_key(path));
    ++impl_->st.skipped[*why ? why : "too_large"];
    return;
  }
  ModuleScan scan = scan_file(text, mod, pkg, impl_->reader);
  std::unique_lock lk(impl_->mu);
  impl_->add(path_key(path), scan, text.size());
  ++impl_->st.updates;
}

void ProjectIndex::remove_file(const fs::path& path) {
  std::unique_lock lk(impl_->mu);
  impl_->forget(path_key(path));
}

namespace {
// The uses of key `k`, less those of a file's own triples `own`, by member id.
template <class Visit>
void walk_key(const std::vector<Triple>& uses, uint32_t k, const std::vector<Triple>& own, Visit visit) {
  auto it = std::lower_bound(uses.begin(), uses.end(), Triple{k, 0, 0});
  // Both sorted by (key, member): the file's own uses of the key are walked beside the project's.
  auto e = std::lower_bound(own.begin(), own.end(), Triple{k, 0, 0});
  for (; it != uses.end() && it->key == k; ++it) {
    int32_t n = it->count;
    while (e != own.end() && e->key == k && e->member < it->member) ++e;
    if (e != own.end() && e->key == k && e->member == it->member) n -= e->count;
    if (n > 0) visit(it->member, uint32_t(n));
  }
}
}  // namespace

std::vector<Triple> ProjectIndex::Impl::own_uses(const fs::path& exclude) const {
  auto f = files.find(path_key(exclude));
  return f == files.end() ? std::vector<Triple>() : unpack_triples(f->second.uses);
}

void ProjectIndex::key_uses(std::string_view key, const fs::path& exclude,
                            const std::function<void(std::string_view, uint32_t)>& visit, uint32_t min_count) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  uint32_t k = im.keys.find(key);
  if (k == HashIds::kNone) return;
  const std::vector<Triple> own = im.own_uses(exclude);
  walk_key(im.uses, k, own, [&](uint32_t m, uint32_t n) {
    if (n >= min_count) visit(im.pool.str(m), n);
  });
}

std::vector<uint32_t> ProjectIndex::key_use_counts(std::string_view key, const fs::path& exclude) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  std::vector<uint32_t> out;
  uint32_t k = im.keys.find(key);
  if (k == HashIds::kNone) return out;
  const std::vector<Triple> own = im.own_uses(exclude);
  walk_key(im.uses, k, own, [&](uint32_t, uint32_t n) { out.push_back(n); });
  return out;
}

std::vector<uint32_t> ProjectIndex::key_member_uses(std::string_view key, const std::vector<std::string_view>& members,
                                                    const fs::path& exclude) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  std::vector<uint32_t> out(members.size(), 0);
  uint32_t k = im.keys.find(key);
  if (k == HashIds::kNone) return out;
  const std::vector<Triple> own = im.own_uses(exclude);
  for (size_t i = 0; i < members.size(); ++i) {
    const uint32_t m = im.pool.find(members[i]);
    if (m == StringPool::kNone) continue;
    auto it = std::lower_bound(im.uses.begin(), im.uses.end(), Triple{k, m, 0});
    if (it == im.uses.end() || it->key != k || it->member != m) continue;
    int32_t n = it->count;
    if (auto e = std::lower_bound(own.begin(), own.end(), Triple{k, m, 0});
        e != own.end() && e->key == k && e->member == m)
      n -= e->count;
    out[i] = n > 0 ? uint32_t(n) : 0;
  }
  return out;
}

uint32_t ProjectIndex::member_uses(std::string_view member, const fs::path& exclude) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  uint32_t m = im.pool.find(member);
  if (m == StringPool::kNone || m >= im.member_total.size()) return 0;
  uint32_t n = im.member_total[m];
  if (auto f = im.files.find(path_key(exclude)); f != im.files.end())
    for (const auto& t : unpack_triples(f->second.uses))
      if (t.member == m) n -= std::min(n, uint32_t(t.count));
  return n;
}

std::vector<uint32_t> ProjectIndex::member_uses(const std::vector<std::string_view>& members,
                                                const fs::path& exclude) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  std::unordered_map<uint32_t, uint32_t> own;
  if (auto f = im.files.find(path_key(exclude)); f != im.files.end())
    for (const auto& t : unpack_triples(f->second.uses)) own[t.member] += uint32_t(t.count);
  std::vector<uint32_t> out(members.size(), 0);
  for (size_t i = 0; i < members.size(); ++i) {
    uint32_t m = im.pool.find(members[i]);
    if (m == StringPool::kNone || m >= im.member_total.size()) continue;
    uint32_t n = im.member_total[m];
    if (auto o = own.find(m); o != own.end()) n -= std::min(n, o->second);
    out[i] = n;
  }
  return out;
}

std::string ProjectIndex::resolve_class(std::string_view cls, std::string_view from) const {
  std::shared_lock lk(impl_->mu);
  return impl_->resolve_class(cls, from);
}

std::string ProjectIndex::resolve_module(std::string_view m) const {
  std::shared_lock lk(impl_->mu);
  return impl_->resolve_module(m);
}

std::vector<std::string> ProjectIndex::imported_modules(size_t max) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  std::unordered_map<std::string, uint32_t> files;  // module -> files importing it
  for (const auto& [id, m] : im.modules) {
    std::set<std::string> once;
    for (const auto& i : m.imports) {
      std::string name(im.pool.str(i[1]));
      if (name.empty() || name[0] == '.') continue;
      if (once.insert(name).second) ++files[name];
      // `from os import path`: the name may be a submodule
      if (auto sub = im.pool.str(i[2]); !sub.empty() && sub != "*" && once.insert(name + "." + std::string(sub)).second)
        ++files[name + "." + std::string(sub)];
    }
  }
  std::vector<std::pair<uint32_t, std::string_view>> ranked;
  // Project modules stay in: resolve_module matches by dotted suffix (django.utils.asyncio would hide
  // asyncio), and a name without a stub costs the caller a few failed opens.
  for (const auto& [name, n] : files) ranked.emplace_back(n, name);
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (size_t i = 0; i < ranked.size() && i < max; ++i) out.emplace_back(ranked[i].second);
  return out;
}

std::vector<ProjectMember> ProjectIndex::class_members(std::string_view qualified,
                                                       const std::function<void(const std::string&)>& stub_base) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  std::vector<ProjectMember> out;
  std::set<std::string_view> seen_names;
  std::set<uint32_t> seen_classes;
  std::vector<std::pair<uint32_t, uint8_t>> todo;
  if (uint32_t q = im.pool.find(qualified); q != StringPool::kNone) todo.push_back({q, 0});
  for (size_t i = 0; i < todo.size() && i < 64; ++i) {  // breadth first: the nearest definition wins
    auto [q, depth] = todo[i];
    auto c = im.classes.find(q);
    if (c == im.classes.end() || !seen_classes.insert(q).second) continue;
    for (uint32_t p : c->second.members) {
      auto name = im.pool.str(id_of(p));
      if (seen_names.insert(name).second) out.push_back({std::string(name), kind_of(p), depth});
    }
    auto imports = im.imports_of(c->second.module);
    std::string_view module = im.pool.str(c->second.module);
    for (uint32_t b : c->second.bases) {
      std::string base = receiver_key(im.pool.str(b), "", imports);
      std::string pc = im.resolve_class(base, module);
      if (!pc.empty()) {
        todo.push_back({im.pool.find(pc), uint8_t(depth + 1)});
      } else if (stub_base) {
        stub_base(base);
      }
    }
  }
  return out;
}

std::vector<ProjectMember> ProjectIndex::module_members(std::string_view module) const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  std::vector<ProjectMember> out;
  uint32_t id = im.pool.find(module);
  auto it = id == StringPool::kNone ? im.modules.end() : im.modules.find(id);
  if (it == im.modules.end()) return out;
  std::set<std::string_view> seen;
  for (uint32_t p : it->second.names) {
    auto name = im.pool.str(id_of(p));
    if (seen.insert(name).second) out.push_back({std::string(name), kind_of(p), 0});
  }
  std::string prefix = std::string(module) + ".";
  for (const auto& [mid, rec] : im.modules) {
    auto name = im.pool.str(mid);
    if (name.starts_with(prefix) && name.find('.', prefix.size()) == std::string_view::npos) {
      auto sub = name.substr(prefix.size());
      if (seen.insert(sub).second) out.push_back({std::string(sub), MemberKind::Module, 0});
    }
  }
  return out;
}

IndexStats ProjectIndex::stats() const {
  const Impl& im = *impl_;
  std::shared_lock lk(im.mu);
  IndexStats s = im.st;
  s.files = im.files.size();
  s.classes = im.classes.size();
  s.modules = im.modules.size();
  s.pairs = im.uses.size();
  uint64_t packed = 0;
  for (const auto& [p, f] : im.files) s.uses += f.n_uses, packed += f.uses.capacity();
  s.memory_bytes = im.pool.bytes() + im.keys.bytes() + im.uses.capacity() * sizeof(Triple) +
                   im.member_total.capacity() * 4 + im.files.size() * 96 + packed + im.classes.size() * 96 +
                   im.modules.size() * 96;
  return s;
}

}  // namespace dw
