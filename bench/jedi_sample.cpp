// Picks a sample of sites of a split for the Jedi peer (bench/jedi_order.py) and ranks the same sites
// with the baselines, so Jedi's order and the learned orders are compared on identical sites.
//
//   jedi_sample DATA MANIFEST OUT.jsonl [--split test] [--n 500] [--seed 1] [--calls-only]
//
// The sample is the N sites with the smallest hash of (seed, project, file, site index): uniform over
// the split's sites and reproducible. One JSON line per site: source path, 0-based line and byte column
// of the member, member, class, and each baseline's rank under both protocols (0 = miss, null = the
// class is unknown so the typed protocol does not apply). A JSON summary goes to stdout.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <queue>
#include <string>

#include "corpus/Manifest.h"
#include "eval/Evaluate.h"
#include "rank/Baselines.h"
#include "support/FileIO.h"
#include "support/Hash.h"
#include "syntax/Typeshed.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  std::string split = "test";
  size_t n = 500;
  uint64_t seed = 1;
  bool calls_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--split" && i + 1 < argc)
      split = argv[++i];
    else if (a == "--n" && i + 1 < argc)
      n = std::stoul(argv[++i]);
    else if (a == "--seed" && i + 1 < argc)
      seed = std::stoull(argv[++i]);
    else if (a == "--calls-only")
      calls_only = true;
    else
      pos.push_back(a);
  }
  if (pos.size() != 3) {
    fmt::print(stderr,
               "usage: jedi_sample DATA MANIFEST OUT.jsonl [--split test] [--n 500] [--seed 1] [--calls-only]\n");
    return 2;
  }
  try {
    auto t0 = std::chrono::steady_clock::now();
    fs::path data = pos[0];
    auto shards = dw::list_shards(data, split);
    if (shards.empty()) throw std::runtime_error(data.string() + ": no " + split + " shards");
    std::map<std::pair<std::string, std::string>, fs::path> where;
    for (auto& e : dw::read_manifest(pos[1])) where[{e.project, e.relpath}] = e.path;

    // Pass 1: the n smallest hashes (a max-heap of (hash, shard, file, site)).
    dw::EvalOptions opt;
    opt.calls_only = calls_only;
    using Pick = std::tuple<uint64_t, uint32_t, uint32_t, uint32_t>;
    std::priority_queue<Pick> heap;
    for (uint32_t s = 0; s < shards.size(); ++s) {
      auto files = dw::read_shard(shards[s]);
      for (uint32_t f = 0; f < files.size(); ++f)
        for (uint32_t i = 0; i < files[f].data.sites.size(); ++i) {
          if (!dw::site_eligible(files[f].data, files[f].data.sites[i], opt)) continue;
          if (!where.count({files[f].project, files[f].path})) continue;  // no source to show Jedi
          uint64_t h =
              dw::hash64(files[f].project + "\n" + files[f].path, seed) ^ (uint64_t(i) * 0x9e3779b97f4a7c15ull);
          h = dw::hash64(&h, sizeof h, seed);
          heap.emplace(h, s, f, i);
          if (heap.size() > n) heap.pop();
        }
    }
    std::vector<Pick> picks;
    for (; !heap.empty(); heap.pop()) picks.push_back(heap.top());
    std::sort(picks.begin(), picks.end(), [](const Pick& a, const Pick& b) {
      return std::tie(std::get<1>(a), std::get<2>(a), std::get<3>(a)) <
             std::tie(std::get<1>(b), std::get<2>(b), std::get<3>(b));
    });

    // Pass 2: rank the picked sites with the baselines, in (shard, file, site) order.
    auto vocab = dw::Vocab::load(data / "vocab.tsv");
    auto stats = dw::BaselineStats::load_or_build(data, 2);
    dw::TypeshedIndex typeshed(dw::TypeshedIndex::default_roots());
    dw::CandidateLists cands(vocab, &stats, [&](std::string_view c) { return typeshed.members(c); });
    std::vector<std::unique_ptr<dw::Ranker>> rankers;
    for (const auto& name : dw::baseline_names()) rankers.push_back(dw::make_baseline(name, stats));
    dw::FileEvaluator ev(vocab, cands, std::move(rankers));
    dw::EvalRun run;
    run.rankers = dw::baseline_names();
    std::string out;
    size_t at = 0;
    std::vector<std::pair<const dw::ShardFile*, uint32_t>> order;  // per ranked site: file and site index
    std::vector<std::vector<dw::ShardFile>> kept_files;
    while (at < picks.size()) {
      uint32_t s = std::get<1>(picks[at]);
      kept_files.push_back(dw::read_shard(shards[s]));
      const auto& files = kept_files.back();
      while (at < picks.size() && std::get<1>(picks[at]) == s) {
        uint32_t f = std::get<2>(picks[at]);
        std::vector<uint8_t> keep(files[f].data.sites.size(), 0);
        for (; at < picks.size() && std::get<1>(picks[at]) == s && std::get<2>(picks[at]) == f; ++at) {
          keep[std::get<3>(picks[at])] = 1;
        }
        for (uint32_t i = 0; i < keep.size(); ++i)
          if (keep[i]) order.emplace_back(&files[f], i);
        ev.add(files[f], keep, run);
      }
      // Keep only what the JSON needs: the shard's files stay alive for `order`; a sample is small.
    }
    size_t typed_at = 0;
    for (size_t j = 0; j < order.size(); ++j) {
      const auto& [file, i] = order[j];
      const auto& d = file->data;
      const auto& site = d.sites[i];
      nlohmann::json line{{"project", file->project},
                          {"relpath", file->path},
                          {"path", where.at({file->project, file->path}).string()},
                          {"line", site.line},
                          {"col", site.col},
                          {"member", d.member(site)},
                          {"class", d.str(site.cls)},
                          {"receiver", d.str(site.receiver)},
                          {"call", bool(site.flags & dw::kSiteCall)},
                          {"in_if", bool(site.flags & dw::kSiteInIf)}};
      bool typed = typed_at < run.typed.sites.size() && run.typed.sites[typed_at] == j;
      for (size_t r = 0; r < run.rankers.size(); ++r) {
        line["ranks_vocab"][run.rankers[r]] = run.vocab.ranks[r][j];
        line["ranks_typed"][run.rankers[r]] =
            typed ? nlohmann::json(run.typed.ranks[r][typed_at]) : nlohmann::json(nullptr);
      }
      typed_at += typed;
      out += line.dump() + "\n";
    }
    dw::write_file_atomic(pos[2], out);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    fmt::print(
        "{}\n",
        nlohmann::json{{"sites", order.size()}, {"typed_sites", typed_at}, {"out", pos[2]}, {"seconds", secs}}.dump());
  } catch (const std::exception& e) {
    fmt::print(stderr, "jedi_sample: {}\n", e.what());
    return 1;
  }
  return 0;
}
