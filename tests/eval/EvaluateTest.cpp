#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "eval/Evaluate.h"
#include "eval/Report.h"
#include "rank/Baselines.h"
#include "tests/rank/FileBuilder.h"

namespace {
using dw::test::FileBuilder;

struct Fixture {
  dw::ExtractedFile train;
  dw::Vocab vocab;
  dw::BaselineStats stats;
  Fixture() {
    FileBuilder t;
    for (const char* m : {"a", "b", "c", "a"}) t.site("C", m, 1);
    t.site("D", "x").site("D", "y");
    train = t.build();
    dw::VocabCounter vc;
    vc.add(train);
    vocab = dw::Vocab::build(vc.counts(), 1, 16);
    dw::BaselineCounter bc;
    bc.add_file(train);
    stats = bc.finish();
  }
};

dw::StubMembers stubs() {
  return [](std::string_view cls) -> std::vector<std::string> {
    if (cls == "C") return {"stub_only", "q", "a"};
    return {};
  };
}

// A candidate as a ranker saw it, with its name copied: a Candidate's name may point into the
// file's per-file OOV strings, which live only while that file is evaluated.
struct Seen {
  std::string name;
  int32_t id;
};

// Records the candidates it is given; scores everything equal (alphabetical order).
class Spy final : public dw::Ranker {
 public:
  explicit Spy(std::vector<std::vector<Seen>>* seen) : seen_(seen) {}
  std::string name() const override { return "spy"; }
  void score(size_t, std::span<const dw::Candidate> c, std::span<float> out) override {
    auto& list = seen_->emplace_back();
    for (const auto& x : c) list.push_back({std::string(x.name), x.id});
    std::fill(out.begin(), out.end(), 0.f);
  }

 private:
  std::vector<std::vector<Seen>>* seen_;
};

std::vector<dw::RankerFactory> baselines(const dw::BaselineStats& s, std::vector<std::string> names) {
  std::vector<dw::RankerFactory> out;
  for (auto& n : names) out.push_back({n, [&s, n] { return dw::make_baseline(n, s); }});
  return out;
}

// p1/t.py: C.b, C.q (q: out of the vocabulary but a stub member of C), C.c, unresolved r.a
dw::ShardFile test_file() {
  FileBuilder b;
  b.site("C", "b").site("C", "q").site("C", "c").site("", "a");
  return {"p1", "t.py", b.build()};
}

TEST(Evaluate, BothProtocolsAndOutOfVocabularyAccounting) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  ASSERT_EQ(lists.vocabulary().names, (std::vector<std::string>{"a", "b", "c", "x", "y"}));
  EXPECT_EQ(lists.typed("C").names, (std::vector<std::string>{"a", "b", "c", "q", "stub_only"}));
  dw::MemorySource src({{test_file()}});
  dw::EvalOptions opt;
  opt.cap = 0;
  auto run = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, {"alphabetic", "frequency"}), opt);
  ASSERT_EQ(run.sites.size(), 4u);
  EXPECT_EQ(run.files, 1u);
  EXPECT_EQ(run.vocab.sites.size(), 4u);
  EXPECT_EQ(run.vocab.miss, (std::vector<uint8_t>{0, 1, 0, 0}));
  // vocabulary a b c x y: alphabetic b=2, q miss, c=3, a=1. frequency (C: a2 > b1 = c1): b=2, c=3; "?r" unknown
  // key -> global: a2 > b = c = x = y: a=1.
  EXPECT_EQ(run.vocab.ranks[0], (std::vector<uint32_t>{2, dw::kMiss, 3, 1}));
  EXPECT_EQ(run.vocab.ranks[1], (std::vector<uint32_t>{2, dw::kMiss, 3, 1}));
  // typed (C only): a b c q stub_only. alphabetic: b=2 q=4 c=3. frequency: a > b = c > q = stub_only: 2, 4, 3.
  EXPECT_EQ(run.typed.sites, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(run.typed.miss, (std::vector<uint8_t>{0, 0, 0}));
  EXPECT_EQ(run.typed.ranks[0], (std::vector<uint32_t>{2, 4, 3}));
  EXPECT_EQ(run.typed.ranks[1], (std::vector<uint32_t>{2, 4, 3}));

  auto v = dw::summarize(run, run.vocab, "vocabulary");
  EXPECT_EQ(v.misses, 1u);
  EXPECT_DOUBLE_EQ(v.overall[0].top(1), 0.25);
  EXPECT_DOUBLE_EQ(v.overall[0].mrr(), (0.5 + 0 + 1.0 / 3 + 1) / 4);
  EXPECT_EQ(v.class_sites[0], 1u);  // the unresolved site
}

TEST(Evaluate, ClassesWithoutKnownMembersAreLeftOutOfTheTypedProtocol) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  FileBuilder b;
  b.site("C", "a").site("LocalClass", "a").site("LocalClass", "b");
  dw::MemorySource src({{{"p", "f.py", b.build()}}});
  dw::EvalOptions opt;
  auto run = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, {"frequency"}), opt);
  EXPECT_EQ(run.vocab.sites.size(), 3u);
  EXPECT_EQ(run.typed.sites, (std::vector<uint32_t>{0}));
  EXPECT_EQ(run.typed_unlisted, 2u);
  auto j = dw::report_json(run, {});
  EXPECT_EQ(j["typed_unlisted_sites"], 2);
}

TEST(Metrics, CoveredTallyDropsTheMisses) {
  dw::RankTally t;
  for (uint32_t r : {1u, dw::kMiss, 2u, dw::kMiss}) t.add(r);
  auto c = t.covered();
  EXPECT_EQ(c.sites, 2u);
  EXPECT_DOUBLE_EQ(c.top(1), 0.5);
  EXPECT_DOUBLE_EQ(c.mrr(), 0.75);
  EXPECT_DOUBLE_EQ(t.mrr(), 0.375);
}

TEST(Evaluate, TypedCandidatesOutsideTheVocabularyGetTheFilesOovId) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  std::vector<std::vector<Seen>> seen;
  dw::MemorySource src({{test_file()}});
  dw::EvalOptions opt;
  opt.cap = 0;
  auto run = dw::evaluate(src, fx.vocab, lists, {{"spy", [&] { return std::make_unique<Spy>(&seen); }}}, opt);
  // Scored: 3 in-vocabulary sites (vocabulary list) + 3 typed sites; the OOV site is a miss, not scored.
  ASSERT_EQ(seen.size(), 6u);
  const auto& typed = seen[1];
  ASSERT_EQ(typed.size(), 5u);
  EXPECT_EQ(typed[3].name, "q");
  EXPECT_GE(typed[3].id, int32_t(fx.vocab.size()));  // q occurs in the file: its per-file OOV id
  EXPECT_EQ(typed[4].id, -1);                        // stub_only is neither in the vocabulary nor the file
  EXPECT_EQ(typed[0].id, fx.vocab.id("a"));
}

TEST(Evaluate, CapLimitsSitesPerProjectAndIsReported) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  FileBuilder big;
  for (int i = 0; i < 6; ++i) big.site("C", i % 2 ? "a" : "b");
  dw::MemorySource src({{test_file()}, {{"p2", "big.py", big.build()}}});
  dw::EvalOptions opt;
  opt.cap = 2;
  auto run = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, {"frequency"}), opt);
  EXPECT_EQ(run.sites.size(), 4u);
  EXPECT_EQ(run.eligible_sites, 10u);
  EXPECT_EQ(run.capped_projects, 2u);
  ASSERT_EQ(run.per_project.size(), 2u);
  EXPECT_EQ(run.per_project[1].project, "p2");
  EXPECT_EQ(run.per_project[1].eligible, 6u);
  EXPECT_EQ(run.per_project[1].kept, 2u);
  std::vector<int> per(2);
  for (const auto& s : run.sites) ++per[s.project];
  EXPECT_EQ(per, (std::vector<int>{2, 2}));
  auto text = dw::format_report(run, {});
  EXPECT_NE(text.find("cap 2 sites per project"), std::string::npos) << text;
  auto j = dw::report_json(run, {});
  EXPECT_EQ(j["cap_per_project"], 2);
  EXPECT_EQ(j["sites"], 4);
}

TEST(Evaluate, CallsOnlyAndThreadCountDoNotChangeResults) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  std::vector<std::vector<dw::ShardFile>> units;
  for (int u = 0; u < 5; ++u) {
    FileBuilder b;
    for (int i = 0; i < 7; ++i)
      b.site(i % 3 ? "C" : "D", std::string(1, "abcxy"[(u + i) % 5]), uint32_t(i % 2), i % 2, "r", i != 3);
    units.push_back({{"p" + std::to_string(u % 2), "f" + std::to_string(u) + ".py", b.build()}});
  }
  dw::MemorySource src(units);
  auto names = std::vector<std::string>{"alphabetic", "frequency", "frequency-if", "markov"};
  dw::EvalOptions opt;
  opt.cap = 12;
  opt.threads = 1;
  auto one = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, names), opt);
  opt.threads = 3;
  auto three = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, names), opt);
  EXPECT_EQ(one.vocab.ranks, three.vocab.ranks);
  EXPECT_EQ(one.typed.ranks, three.typed.ranks);
  EXPECT_EQ(one.sites.size(), 24u);  // 35 sites, p0 has 21 and p1 14: 12 + 12
  opt.cap = 0;
  opt.calls_only = true;
  auto calls = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, names), opt);
  EXPECT_EQ(calls.sites.size(), 30u);  // one non-call per file
  for (const auto& s : calls.sites) EXPECT_TRUE(s.flags & dw::kSiteCall);
}

TEST(Report, CompareTableJsonAndPlots) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  dw::MemorySource src({{test_file()}});
  dw::EvalOptions opt;
  auto run = dw::evaluate(src, fx.vocab, lists, baselines(fx.stats, {"alphabetic", "markov"}), opt);
  auto cmp = dw::compare_rankers(run, "markov", "alphabetic", 100, 5);
  ASSERT_EQ(cmp.size(), 2u);
  EXPECT_EQ(cmp[0].protocol, "vocabulary");
  EXPECT_EQ(cmp[0].sites, 4u);
  EXPECT_THROW(dw::compare_rankers(run, "markov", "nope"), std::invalid_argument);
  auto text = dw::format_report(run, cmp);
  for (const char* want : {"alphabetic", "markov", "Vocabulary-wide", "Typed", "markov - alphabetic", "(unknown)"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  auto j = dw::report_json(run, cmp);
  EXPECT_DOUBLE_EQ(j["protocols"]["vocabulary"]["rankers"]["alphabetic"]["top1"].get<double>(), 0.25);
  EXPECT_EQ(j["protocols"]["typed"]["sites"], 3);
  EXPECT_EQ(j["comparisons"].size(), 2u);

  auto dir = std::filesystem::temp_directory_path() / ("dw_plots_" + std::to_string(::getpid()));
  auto charts = dw::write_plots(run, dir, "svg");
  EXPECT_EQ(charts.size(), 4u);
  for (const auto& c : charts) {
    ASSERT_TRUE(std::filesystem::exists(c)) << c;
    std::ifstream in(c);
    std::string head((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(head.find("<svg"), std::string::npos) << c;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

TEST(Evaluate, OovSlotsOfferTheFilesEarlierTokensAndSelectTheirSites) {
  Fixture fx;
  dw::CandidateLists lists(fx.vocab, &fx.stats, stubs());
  // zork and zap are outside the vocabulary; zork's second site follows its first, zap's only site
  // follows nothing, and `b` is in the vocabulary.
  FileBuilder b;
  b.site("E", "zork").token("zap_later_no").site("E", "zork").site("C", "b").site("E", "zap");
  dw::MemorySource src({{{"p", "o.py", b.build()}}});
  std::vector<std::vector<Seen>> seen;
  auto spy = std::vector<dw::RankerFactory>{{"spy", [&] { return std::make_unique<Spy>(&seen); }}};
  dw::EvalOptions opt;
  opt.cap = 0;
  opt.oov_slots = true;
  auto run = dw::evaluate(src, fx.vocab, lists, spy, opt);
  ASSERT_EQ(run.vocab.miss.size(), 4u);
  EXPECT_EQ(run.vocab.miss[0], 1);  // zork before any earlier zork: nothing can name it
  EXPECT_EQ(run.vocab.miss[1], 0);  // zork again: its OOV slot is a candidate
  EXPECT_EQ(run.vocab.miss[2], 0);
  EXPECT_EQ(run.vocab.miss[3], 1);  // zap never appeared before
  // At the second zork site the list is the vocabulary's members, then the file's earlier OOV tokens.
  const auto& second = seen[0];
  ASSERT_GT(second.size(), lists.vocabulary().cands.size());
  bool offered = false;
  for (size_t i = lists.vocabulary().cands.size(); i < second.size(); ++i) {
    EXPECT_GE(second[i].id, int32_t(fx.vocab.size()));
    offered = offered || second[i].name == "zork";
    EXPECT_NE(second[i].name, "zap");  // not seen yet
  }
  EXPECT_TRUE(offered);

  // Without the slots the same sites are misses; with oov_sites_only only the second zork is kept.
  opt.oov_slots = false;
  run = dw::evaluate(src, fx.vocab, lists, spy, opt);
  EXPECT_EQ(run.vocab.miss[1], 1);
  opt.oov_sites_only = true;
  run = dw::evaluate(src, fx.vocab, lists, spy, opt);
  EXPECT_EQ(run.sites.size(), 1u);
}
