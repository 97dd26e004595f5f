// Runs rankers over the sites of a split and records each site's rank under both protocols. Two
// passes: the first picks the sites (per-project cap), the second ranks them. Work is split by unit
// (a shard) over threads, each with its own ranker instances; results are joined in unit order, so
// the output does not depend on the thread count.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "corpus/Shard.h"
#include "corpus/Vocab.h"
#include "eval/Candidates.h"
#include "eval/SiteCap.h"
#include "rank/Ranker.h"

namespace dw {

// Makes one ranker instance (rankers are stateful per file, so each thread gets its own).
struct RankerFactory {
  std::string name;
  std::function<std::unique_ptr<Ranker>()> make;
};

// Where files come from: shards of a split, or files extracted on the fly and held in memory.
class FileSource {
 public:
  virtual ~FileSource() = default;
  virtual size_t units() const = 0;
  virtual std::vector<ShardFile> read(size_t unit) const = 0;
};

class ShardSource final : public FileSource {
 public:
  explicit ShardSource(std::vector<std::filesystem::path> shards) : shards_(std::move(shards)) {}
  size_t units() const override { return shards_.size(); }
  std::vector<ShardFile> read(size_t unit) const override { return read_shard(shards_[unit]); }

 private:
  std::vector<std::filesystem::path> shards_;
};

class MemorySource final : public FileSource {
 public:
  explicit MemorySource(std::vector<std::vector<ShardFile>> units) : units_(std::move(units)) {}
  size_t units() const override { return units_.size(); }
  std::vector<ShardFile> read(size_t unit) const override { return units_[unit]; }

 private:
  std::vector<std::vector<ShardFile>> units_;
};

struct EvalOptions {
  uint64_t cap = 2000;      // sites per project (0: no cap)
  bool calls_only = false;  // only `recv.name(...)` sites, the paper's "method calls"
  // The vocabulary-wide list also offers the file's out-of-vocabulary tokens seen before the site,
  // under their per-file ids: what the model's OOV slots can predict (a project's own members).
  bool oov_slots = false;
  // Only sites whose member is outside the vocabulary but occurs earlier in the file: where the OOV
  // slots are the only way to be right (needs the vocabulary, see site_eligible).
  bool oov_sites_only = false;
  unsigned threads = 1;
};

struct EvalSite {
  uint32_t project = 0;  // index into EvalRun::projects
  uint32_t cls = 0;      // index into EvalRun::classes; 0 is "(unknown)"
  uint8_t flags = 0;     // the Site's flags
};

// Ranks under one protocol: ranks[r][j] is ranker r's rank (kMiss: not a candidate) at site sites[j].
struct ProtocolRanks {
  std::vector<uint32_t> sites;  // indices into EvalRun::sites
  std::vector<uint8_t> miss;    // 1 when the true member is not among the candidates (every ranker misses)
  std::vector<std::vector<uint32_t>> ranks;
};

struct EvalRun {
  std::vector<std::string> rankers, projects, classes{"(unknown)"};
  std::vector<EvalSite> sites;
  ProtocolRanks vocab, typed;   // typed: only sites whose class has known members (stubs or training)
  uint64_t typed_unlisted = 0;  // sites with a resolved class that neither stubs nor training list members for
  uint64_t files = 0, eligible_sites = 0;
  std::vector<SiteCap::ProjectCount> per_project;
  uint64_t cap = 0, capped_projects = 0;
  bool calls_only = false;

  void append(const EvalRun& part);  // sites of `part` after ours (tables remapped)
};

// Ranks the sites of one file whose `keep` flag is set; rankers see every file that has such sites.
class FileEvaluator {
 public:
  FileEvaluator(const Vocab& vocab, CandidateLists& cands, std::vector<std::unique_ptr<Ranker>> rankers,
                EvalOptions opt = {});
  void add(const ShardFile& f, const std::vector<uint8_t>& keep, EvalRun& out);

 private:
  const Vocab& vocab_;
  CandidateLists& cands_;
  std::vector<std::unique_ptr<Ranker>> rankers_;
  std::vector<float> scores_;
  std::vector<Candidate> patched_;
  EvalOptions opt_;
};

// `vocab` is needed (and read) only for opt.oov_sites_only.
bool site_eligible(const ExtractedFile& f, const Site& s, const EvalOptions& opt, const Vocab* vocab = nullptr);

EvalRun evaluate(const FileSource& src, const Vocab& vocab, CandidateLists& cands,
                 const std::vector<RankerFactory>& rankers, const EvalOptions& opt);

}  // namespace dw
