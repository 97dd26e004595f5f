#include "corpus/ExtractJob.h"

#include <fmt/core.h>

#include <chrono>
#include <map>
#include <thread>

#include "corpus/Shard.h"
#include "corpus/Vocab.h"
#include "support/BinaryIO.h"
#include "support/FileIO.h"
#include "support/Parallel.h"
#include "support/Progress.h"
#include "syntax/Extractor.h"

namespace dw {
namespace fs = std::filesystem;

namespace {
struct Totals {
  uint64_t files = 0, bytes = 0, tokens = 0, sites = 0, resolved = 0, calls = 0, in_if = 0, parse_errors = 0,
           files_with_errors = 0, repaired_utf8 = 0, depth_capped = 0;
  std::map<std::string, uint64_t> skipped, classes;
  void add_file(const ShardFile& f) {
    ++files;
    tokens += f.data.tokens.size();
    sites += f.data.sites.size();
    parse_errors += f.data.parse_errors;
    files_with_errors += f.data.parse_errors > 0;
    for (const auto& s : f.data.sites) {
      if (s.cls != kNoString) {
        ++resolved;
        ++classes[f.data.strings[s.cls]];
      }
      calls += (s.flags & kSiteCall) != 0;
      in_if += (s.flags & kSiteInIf) != 0;
    }
  }
  nlohmann::json json(size_t top_classes) const {
    std::vector<std::pair<uint64_t, std::string>> top;
    for (const auto& [c, n] : classes) top.emplace_back(n, c);
    std::sort(top.begin(), top.end(),
              [](auto& a, auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    nlohmann::json cls = nlohmann::json::array();
    for (size_t i = 0; i < top.size() && i < top_classes; ++i)
      cls.push_back({{"class", top[i].second}, {"sites", top[i].first}});
    return {{"files", files},
            {"bytes", bytes},
            {"tokens", tokens},
            {"sites", sites},
            {"sites_resolved", resolved},
            {"resolved_share", sites ? double(resolved) / double(sites) : 0.0},
            {"call_sites", calls},
            {"sites_in_if", in_if},
            {"files_with_parse_errors", files_with_errors},
            {"parse_error_nodes", parse_errors},
            {"files_utf8_repaired", repaired_utf8},
            {"files_depth_capped", depth_capped},
            {"skipped", skipped},
            {"distinct_classes", classes.size()},
            {"top_classes", cls}};
  }
};

struct ShardPlan {
  std::string split;
  size_t index = 0, begin = 0, end = 0;  // entries [begin, end) of that split
  fs::path path;
};
}  // namespace

nlohmann::json run_extract(const std::vector<ManifestEntry>& entries, const ExtractJobOptions& opt) {
  auto t0 = std::chrono::steady_clock::now();
  fs::create_directories(opt.out);
  unsigned threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());

  std::map<std::string, std::vector<const ManifestEntry*>> by_split;
  for (const auto& e : entries) by_split[e.split].push_back(&e);
  std::vector<ShardPlan> plan;
  for (auto& [split, list] : by_split) {
    std::sort(list.begin(), list.end(),
              [](auto* a, auto* b) { return std::tie(a->project, a->relpath) < std::tie(b->project, b->relpath); });
    for (size_t b = 0, i = 0; b < list.size(); b += opt.shard_files, ++i)
      plan.push_back(
          {split, i, b, std::min(list.size(), b + opt.shard_files), opt.out / fmt::format("{}-{:05}.dws", split, i)});
  }

  TypeshedIndex stubs(opt.stub_roots.empty() ? TypeshedIndex::default_roots() : opt.stub_roots);
  Extractor extractor(stubs);
  std::map<std::string, Totals> totals;
  VocabCounter counter;
  uint64_t resumed_shards = 0;
  if (opt.resume) remove_stale_temps(opt.out);  // left by the killed run
  Progress progress("extract", entries.size());

  for (const auto& sp : plan) {
    const auto& list = by_split[sp.split];
    Totals& tot = totals[sp.split];
    std::vector<ShardFile> files;
    // A shard counts as done only with its sidecar (skip counts), written after the shard itself.
    fs::path side = sp.path;
    side += ".skips.json";
    bool reused = false;
    if (opt.resume && fs::exists(sp.path) && fs::exists(side)) {
      try {
        files = read_shard(sp.path);
        auto j = nlohmann::json::parse(read_file(side).data);
        for (auto& [k, n] : j.at("skipped").items()) tot.skipped[k] += n.get<uint64_t>();
        tot.repaired_utf8 += j.at("repaired_utf8").get<uint64_t>();
        tot.depth_capped += j.at("depth_capped").get<uint64_t>();
        tot.bytes += j.at("bytes").get<uint64_t>();
        reused = true;
      } catch (const std::exception&) {
        files.clear();  // a damaged shard or sidecar is simply extracted again
      }
    }
    if (reused) {
      ++resumed_shards;
      progress.advance(sp.end - sp.begin);
    } else {
      std::vector<ExtractResult> results(sp.end - sp.begin);
      std::vector<std::string> errors(results.size());
      parallel_for(results.size(), threads, [&](size_t i) {
        const ManifestEntry& e = *list[sp.begin + i];
        auto rd = read_file(e.path, 64u << 20);
        if (!rd.error.empty() && !rd.too_large)
          errors[i] = "unreadable";
        else
          results[i] = rd.too_large ? ExtractResult{.skip = Skip::TooLarge} : extractor.extract(rd.data);
        progress.advance(1);
      });
      nlohmann::json side_json = {{"skipped", nlohmann::json::object()}};
      uint64_t repaired = 0, capped = 0, bytes = 0;
      for (size_t i = 0; i < results.size(); ++i) {
        const ManifestEntry& e = *list[sp.begin + i];
        auto& r = results[i];
        std::string why = !errors[i].empty() ? errors[i] : r.skip != Skip::None ? skip_name(r.skip) : "";
        if (!why.empty()) {
          side_json["skipped"][why] = side_json["skipped"].value(why, uint64_t(0)) + 1;
          continue;
        }
        repaired += r.repaired_utf8;
        capped += r.depth_capped;
        bytes += e.bytes;
        files.push_back({e.project, e.relpath, std::move(r.file)});
      }
      side_json["repaired_utf8"] = repaired;
      side_json["depth_capped"] = capped;
      side_json["bytes"] = bytes;
      write_shard(sp.path, files);
      write_file_atomic(side, side_json.dump() + "\n");
      for (auto& [k, n] : side_json["skipped"].items()) tot.skipped[k] += n.get<uint64_t>();
      tot.repaired_utf8 += repaired;
      tot.depth_capped += capped;
      tot.bytes += bytes;
    }
    for (const auto& f : files) {
      tot.add_file(f);
      if (sp.split == "train" && opt.vocab.empty()) counter.add(f.data);
    }
  }
  progress.finish();

  nlohmann::json report;
  if (!opt.vocab.empty()) {
    Vocab v = Vocab::load(opt.vocab);
    v.save(opt.out / "vocab.tsv");
    report["vocab"] = {{"source", opt.vocab.string()}, {"size", v.size()}};
  } else if (by_split.count("train")) {
    Vocab v = Vocab::build(counter.counts(), opt.min_count, opt.max_oov);
    v.save(opt.out / "vocab.tsv");
    report["vocab"] = {{"size", v.size()},
                       {"min_count", opt.min_count},
                       {"max_oov", opt.max_oov},
                       {"member_tokens", v.member_ids().size()},
                       {"distinct_train_tokens", counter.counts().size()}};
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Totals all;
  for (const auto& [split, t] : totals) {
    report["splits"][split] = t.json(20);
    all.files += t.files, all.bytes += t.bytes, all.tokens += t.tokens, all.sites += t.sites,
        all.resolved += t.resolved;
    for (const auto& [k, n] : t.skipped) all.skipped[k] += n;
  }
  report["total"] = {{"files", all.files},
                     {"bytes", all.bytes},
                     {"tokens", all.tokens},
                     {"sites", all.sites},
                     {"resolved_share", all.sites ? double(all.resolved) / double(all.sites) : 0.0},
                     {"skipped", all.skipped}};
  report["shards"] = plan.size();
  report["resumed_shards"] = resumed_shards;
  report["threads"] = threads;
  report["seconds"] = secs;
  report["mb_per_s"] = secs > 0 ? double(all.bytes) / 1e6 / secs : 0.0;
  report["sites_per_s"] = secs > 0 ? double(all.sites) / secs : 0.0;
  // Stats describe the run, so they are not part of the byte-identical data (timings differ).
  write_file_atomic(opt.out / "stats.json", report.dump(2) + "\n");
  return report;
}

}  // namespace dw
