#include "eval/Evaluate.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "eval/Metrics.h"
#include "support/Progress.h"

namespace dw {
namespace {

uint32_t intern(std::vector<std::string>& table, std::string_view s) {
  // Tables are small per unit (a shard's projects and classes); a linear scan from the back is enough.
  for (size_t i = table.size(); i-- > 0;)
    if (table[i] == s) return uint32_t(i);
  table.emplace_back(s);
  return uint32_t(table.size() - 1);
}

void append_protocol(ProtocolRanks& to, const ProtocolRanks& from, uint32_t site_offset) {
  for (auto s : from.sites) to.sites.push_back(s + site_offset);
  to.miss.insert(to.miss.end(), from.miss.begin(), from.miss.end());
  if (to.ranks.size() < from.ranks.size()) to.ranks.resize(from.ranks.size());
  for (size_t r = 0; r < from.ranks.size(); ++r)
    to.ranks[r].insert(to.ranks[r].end(), from.ranks[r].begin(), from.ranks[r].end());
}

// Runs fn(unit, worker) over units on `threads` workers; the first exception is rethrown.
template <class Fn>
void for_units(size_t n, unsigned threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::exception_ptr err;
  std::mutex mu;
  auto work = [&](unsigned w) {
    try {
      for (size_t i; (i = next.fetch_add(1)) < n;) fn(i, w);
    } catch (...) {
      std::lock_guard lk(mu);
      if (!err) err = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned w = 1; w < threads; ++w) pool.emplace_back(work, w);
  work(0);
  for (auto& t : pool) t.join();
  if (err) std::rethrow_exception(err);
}

}  // namespace

void EvalRun::append(const EvalRun& part) {
  if (rankers.empty()) rankers = part.rankers;
  if (part.rankers != rankers) throw std::logic_error("EvalRun::append: different rankers");
  std::unordered_map<std::string_view, uint32_t> pidx, cidx;
  for (uint32_t i = 0; i < projects.size(); ++i) pidx.emplace(projects[i], i);
  for (uint32_t i = 0; i < classes.size(); ++i) cidx.emplace(classes[i], i);
  std::vector<uint32_t> pmap, cmap;
  // Look names up before growing the tables: growing them would move the strings the views point at.
  std::vector<std::string> new_projects, new_classes;
  for (const auto& p : part.projects) {
    auto it = pidx.find(p);
    pmap.push_back(it != pidx.end() ? it->second : uint32_t(projects.size() + new_projects.size()));
    if (it == pidx.end()) new_projects.push_back(p);
  }
  for (const auto& c : part.classes) {
    auto it = cidx.find(c);
    cmap.push_back(it != cidx.end() ? it->second : uint32_t(classes.size() + new_classes.size()));
    if (it == cidx.end()) new_classes.push_back(c);
  }
  projects.insert(projects.end(), new_projects.begin(), new_projects.end());
  classes.insert(classes.end(), new_classes.begin(), new_classes.end());
  auto offset = uint32_t(sites.size());
  for (auto s : part.sites) sites.push_back({pmap[s.project], cmap[s.cls], s.flags});
  append_protocol(vocab, part.vocab, offset);
  append_protocol(typed, part.typed, offset);
  files += part.files;
  typed_unlisted += part.typed_unlisted;
  eligible_sites += part.eligible_sites;
}

bool site_eligible(const ExtractedFile& f, const Site& s, const EvalOptions& opt, const Vocab* vocab) {
  if (s.pos >= f.tokens.size()) return false;
  if (opt.calls_only && !(s.flags & kSiteCall)) return false;
  if (opt.oov_sites_only) {
    if (!vocab) throw std::logic_error("site_eligible: oov_sites_only needs the vocabulary");
    if (vocab->id(f.member(s)) >= 2) return false;
    const uint32_t member = f.tokens[s.pos];
    return std::find(f.tokens.begin(), f.tokens.begin() + s.pos, member) != f.tokens.begin() + s.pos;
  }
  return true;
}

FileEvaluator::FileEvaluator(const Vocab& vocab, CandidateLists& cands, std::vector<std::unique_ptr<Ranker>> rankers,
                             EvalOptions opt)
    : vocab_(vocab), cands_(cands), rankers_(std::move(rankers)), opt_(opt) {}

void FileEvaluator::add(const ShardFile& file, const std::vector<uint8_t>& keep, EvalRun& out) {
  const ExtractedFile& f = file.data;
  if (std::find(keep.begin(), keep.end(), 1) == keep.end()) return;
  out.vocab.ranks.resize(rankers_.size());
  out.typed.ranks.resize(rankers_.size());
  ++out.files;

  EncodedFile enc = encode(vocab_, f);
  for (auto& r : rankers_) r->begin_file(enc, f);
  std::vector<uint8_t> seen_oov;                         // per OOV id: offered already at this site
  std::unordered_map<std::string_view, int32_t> oov_id;  // the file's OOV tokens and their per-file ids
  for (size_t k = 0; k < enc.oov.size(); ++k) oov_id.emplace(enc.oov[k], int32_t(vocab_.size() + k));

  auto rank_all = [&](ProtocolRanks& p, size_t site, std::span<const Candidate> cands, int32_t truth) {
    p.sites.push_back(uint32_t(out.sites.size() - 1));
    p.miss.push_back(truth < 0);
    for (size_t r = 0; r < rankers_.size(); ++r) {
      if (truth < 0) {
        p.ranks[r].push_back(kMiss);
        continue;
      }
      scores_.assign(cands.size(), 0.f);
      rankers_[r]->score(site, cands, scores_);
      p.ranks[r].push_back(rank_of(scores_, size_t(truth)));
    }
  };

  const uint32_t project = intern(out.projects, file.project);
  for (size_t i = 0; i < f.sites.size() && i < keep.size(); ++i) {
    if (!keep[i]) continue;
    const Site& s = f.sites[i];
    std::string_view member = f.member(s), cls = f.str(s.cls);
    out.sites.push_back({project, cls.empty() ? 0u : intern(out.classes, cls), s.flags});

    const auto& vl = cands_.vocabulary();
    if (!opt_.oov_slots) {
      rank_all(out.vocab, i, vl.cands, cands_.vocabulary_index(vocab_.id(member)));
    } else {
      // The vocabulary's members, then the file's OOV tokens that appeared before the site.
      patched_.assign(vl.cands.begin(), vl.cands.end());
      int32_t truth = cands_.vocabulary_index(vocab_.id(member));
      seen_oov.assign(enc.oov.size(), 0);
      for (size_t t = 0; t < s.pos && t < enc.ids.size(); ++t) {
        const int32_t id = enc.ids[t];
        if (id < int32_t(vocab_.size()) || seen_oov[size_t(id) - vocab_.size()]) continue;
        seen_oov[size_t(id) - vocab_.size()] = 1;
        const std::string_view name = enc.oov[size_t(id) - vocab_.size()];
        if (truth < 0 && name == member) truth = int32_t(patched_.size());
        patched_.push_back({name, id});
      }
      rank_all(out.vocab, i, patched_, truth);
    }

    if (cls.empty()) continue;
    const CandidateList& tl = cands_.typed(cls);
    if (tl.cands.empty()) {  // e.g. a class of the project itself: an editor would have nothing to offer either
      ++out.typed_unlisted;
      continue;
    }
    std::span<const Candidate> tc = tl.cands;
    // Names outside the vocabulary take the file's OOV id when the file has that token (as the model sees it).
    if (!oov_id.empty() && !tl.no_id.empty()) {
      bool any = false;
      for (auto at : tl.no_id) any = any || oov_id.count(tl.cands[at].name);
      if (any) {
        patched_.assign(tl.cands.begin(), tl.cands.end());
        for (auto at : tl.no_id)
          if (auto it = oov_id.find(patched_[at].name); it != oov_id.end()) patched_[at].id = it->second;
        tc = patched_;
      }
    }
    rank_all(out.typed, i, tc, tl.find(member));
  }
}

EvalRun evaluate(const FileSource& src, const Vocab& vocab, CandidateLists& cands,
                 const std::vector<RankerFactory>& rankers, const EvalOptions& opt) {
  const size_t n = src.units();
  const unsigned threads = std::max(1u, std::min<unsigned>(opt.threads, unsigned(std::max<size_t>(n, 1))));

  // Pass 1: which sites each project offers (only needed when there is a cap to apply).
  SiteCap cap(opt.cap);
  uint64_t eligible = 0;
  if (opt.cap) {
    std::vector<std::vector<std::pair<std::string, uint64_t>>> offered(n);
    for_units(n, threads, [&](size_t u, unsigned) {
      for (const auto& f : src.read(u))
        for (size_t i = 0; i < f.data.sites.size(); ++i)
          if (site_eligible(f.data, f.data.sites[i], opt, &vocab))
            offered[u].emplace_back(f.project, SiteCap::site_hash(f.project, f.path, i));
    });
    for (auto& unit : offered)
      for (auto& [p, h] : unit) cap.offer(p, h), ++eligible;
  }
  cap.finish();

  // Pass 2: rank the kept sites.
  std::vector<std::unique_ptr<FileEvaluator>> workers;
  for (unsigned w = 0; w < threads; ++w) {
    std::vector<std::unique_ptr<Ranker>> rs;
    for (const auto& r : rankers) rs.push_back(r.make());
    workers.push_back(std::make_unique<FileEvaluator>(vocab, cands, std::move(rs), opt));
  }
  std::vector<EvalRun> parts(n);
  Progress bar("eval", n, "units");
  for_units(n, threads, [&](size_t u, unsigned w) {
    std::vector<uint8_t> keep;
    for (const auto& f : src.read(u)) {
      keep.assign(f.data.sites.size(), 0);
      for (size_t i = 0; i < keep.size(); ++i) {
        if (!site_eligible(f.data, f.data.sites[i], opt, &vocab)) continue;
        keep[i] = !opt.cap || cap.keep(f.project, SiteCap::site_hash(f.project, f.path, i));
        parts[u].eligible_sites += !opt.cap;
      }
      workers[w]->add(f, keep, parts[u]);
    }
    bar.advance();
  });
  bar.finish();

  EvalRun run;
  for (const auto& r : rankers) run.rankers.push_back(r.name);
  run.vocab.ranks.resize(rankers.size());
  run.typed.ranks.resize(rankers.size());
  for (auto& p : parts) {
    p.rankers = run.rankers;  // the names asked for, whatever name() the instances give
    p.vocab.ranks.resize(rankers.size());
    p.typed.ranks.resize(rankers.size());
    run.append(p);
  }
  if (opt.cap) run.eligible_sites = eligible;
  run.cap = opt.cap;
  run.calls_only = opt.calls_only;
  run.capped_projects = cap.capped_projects();
  if (opt.cap) {
    run.per_project = cap.counts();
  } else {
    std::vector<uint64_t> kept(run.projects.size());
    for (const auto& s : run.sites) ++kept[s.project];
    for (size_t p = 0; p < kept.size(); ++p) run.per_project.push_back({run.projects[p], kept[p], kept[p]});
    std::sort(run.per_project.begin(), run.per_project.end(),
              [](const auto& a, const auto& b) { return a.project < b.project; });
  }
  return run;
}

}  // namespace dw
