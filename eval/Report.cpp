#include "eval/Report.h"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <stdexcept>

#include "support/FileIO.h"

extern char** environ;

namespace dw {

ProtocolSummary summarize(const EvalRun& run, const ProtocolRanks& p, const std::string& name) {
  ProtocolSummary s;
  s.name = name;
  s.sites = p.sites.size();
  for (auto m : p.miss) s.misses += m;
  s.class_sites.assign(run.classes.size(), 0);
  for (auto site : p.sites) ++s.class_sites[run.sites[site].cls];
  s.overall.resize(p.ranks.size());
  s.by_class.assign(p.ranks.size(), std::vector<RankTally>(run.classes.size()));
  for (size_t r = 0; r < p.ranks.size(); ++r)
    for (size_t j = 0; j < p.sites.size(); ++j) {
      s.overall[r].add(p.ranks[r][j]);
      s.by_class[r][run.sites[p.sites[j]].cls].add(p.ranks[r][j]);
    }
  return s;
}

std::vector<uint32_t> largest_classes(const ProtocolSummary& s, const EvalRun& run, size_t n) {
  std::vector<uint32_t> ids;
  for (uint32_t c = 1; c < s.class_sites.size(); ++c)
    if (s.class_sites[c]) ids.push_back(c);
  std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    return s.class_sites[a] != s.class_sites[b] ? s.class_sites[a] > s.class_sites[b] : run.classes[a] < run.classes[b];
  });
  if (ids.size() > n) ids.resize(n);
  return ids;
}

std::vector<Comparison> compare_rankers(const EvalRun& run, const std::string& a, const std::string& b, int iterations,
                                        uint64_t seed) {
  auto find = [&](const std::string& name) {
    auto it = std::find(run.rankers.begin(), run.rankers.end(), name);
    if (it == run.rankers.end()) throw std::invalid_argument("--compare: ranker '" + name + "' was not evaluated");
    return size_t(it - run.rankers.begin());
  };
  size_t ia = find(a), ib = find(b);
  std::vector<Comparison> out;
  for (const auto* p : {&run.vocab, &run.typed}) {
    auto d = paired_rank_bootstrap(p->ranks[ia], p->ranks[ib], iterations, seed);
    out.push_back({p == &run.vocab ? "vocabulary" : "typed", a, b, p->sites.size(), d.top1, d.mrr});
  }
  return out;
}

namespace {

std::string pct(uint64_t part, uint64_t whole) {
  return whole ? fmt::format("{:.1f}%", 100.0 * double(part) / double(whole)) : "-";
}

std::string three(double v) {  // ".583" as the paper prints, "1.000" when it is one
  auto s = fmt::format("{:.3f}", v);
  return s.starts_with("0.") ? s.substr(1) : s;
}

void protocol_table(std::string& out, const EvalRun& run, const ProtocolSummary& s, const std::string& title,
                    size_t top_classes) {
  out += fmt::format("\n{}: {} sites, {} ({}) with the true member not a candidate (counted as misses)\n", title,
                     s.sites, s.misses, pct(s.misses, s.sites));
  size_t w = 12;
  for (const auto& r : run.rankers) w = std::max(w, r.size() + 2);
  out += fmt::format("  {:<{}} {:>7} {:>7} {:>7} {:>7}   {:>7} {:>7} {:>7}\n", "ranker", w, "top-1", "top-5", "top-10",
                     "MRR", "top-1*", "top-5*", "MRR*");
  for (size_t r = 0; r < run.rankers.size(); ++r) {
    const RankTally& t = s.overall[r];
    RankTally c = t.covered();
    out += fmt::format("  {:<{}} {:>7} {:>7} {:>7} {:>7}   {:>7} {:>7} {:>7}\n", run.rankers[r], w, three(t.top(1)),
                       three(t.top(5)), three(t.top(10)), three(t.mrr()), three(c.top(1)), three(c.top(5)),
                       three(c.mrr()));
  }
  out += "  (* over the sites whose true member is a candidate)\n";
  auto classes = largest_classes(s, run, top_classes);
  if (classes.empty()) return;
  out += fmt::format("  per class, {} largest (top-1/top-5/MRR):\n", classes.size());
  size_t cw = 10;
  for (auto c : classes) cw = std::max(cw, std::min<size_t>(run.classes[c].size(), 28) + 1);
  size_t rw = std::max<size_t>(15, w);
  std::string head = fmt::format("  {:<{}} {:>7}", "class", cw, "sites");
  for (const auto& r : run.rankers) head += fmt::format("  {:>{}}", r, rw);
  out += head + "\n";
  auto row = [&](uint32_t c) {
    std::string name = run.classes[c].size() > 28 ? run.classes[c].substr(0, 27) + "~" : run.classes[c];
    std::string line = fmt::format("  {:<{}} {:>7}", name, cw, s.class_sites[c]);
    for (size_t r = 0; r < run.rankers.size(); ++r) {
      const RankTally& t = s.by_class[r][c];
      line += fmt::format("  {:>{}}", three(t.top(1)) + "/" + three(t.top(5)) + "/" + three(t.mrr()), rw);
    }
    out += line + "\n";
  };
  for (auto c : classes) row(c);
  if (s.class_sites.size() > 0 && s.class_sites[0]) row(0);
}

}  // namespace

std::string format_report(const EvalRun& run, const std::vector<Comparison>& cmp, size_t top_classes) {
  std::string out;
  uint64_t total_eligible = run.eligible_sites;
  out += fmt::format("dotwise eval: {} sites ({}) in {} files of {} projects", run.sites.size(),
                     run.calls_only ? "calls only" : "all member accesses", run.files, run.projects.size());
  if (run.cap)
    out += fmt::format("; cap {} sites per project ({} projects capped, {} of {} eligible sites kept)\n", run.cap,
                       run.capped_projects, run.sites.size(), total_eligible);
  else
    out += "; no per-project cap\n";
  auto v = summarize(run, run.vocab, "vocabulary");
  protocol_table(out, run, v, "Vocabulary-wide (candidates: every member name in the vocabulary)", top_classes);
  auto t = summarize(run, run.typed, "typed");
  protocol_table(out, run, t, "Typed (candidates: the class's members from stubs and training; sites of such classes)",
                 top_classes);
  out += fmt::format("  {} more sites have a resolved class with no members known from stubs or training (left out)\n",
                     run.typed_unlisted);
  for (const auto& c : cmp) {
    out += fmt::format("\n{} - {} ({}, {} sites, paired bootstrap {} resamples, seed {}, 95% CI):\n", c.a, c.b,
                       c.protocol, c.sites, c.top1.iterations, c.top1.seed);
    out += fmt::format("  top-1 {:+.4f} [{:+.4f}, {:+.4f}]{}\n", c.top1.diff, c.top1.lo, c.top1.hi,
                       c.top1.excludes_zero() ? "  (significant)" : "");
    out += fmt::format("  MRR   {:+.4f} [{:+.4f}, {:+.4f}]{}\n", c.mrr.diff, c.mrr.lo, c.mrr.hi,
                       c.mrr.excludes_zero() ? "  (significant)" : "");
  }
  return out;
}

nlohmann::json report_json(const EvalRun& run, const std::vector<Comparison>& cmp, size_t json_classes) {
  using nlohmann::json;
  json j;
  j["sites"] = run.sites.size();
  j["eligible_sites"] = run.eligible_sites;
  j["files"] = run.files;
  j["projects"] = run.projects.size();
  j["cap_per_project"] = run.cap;
  j["capped_projects"] = run.capped_projects;
  j["calls_only"] = run.calls_only;
  j["typed_unlisted_sites"] = run.typed_unlisted;
  j["rankers"] = run.rankers;
  auto tally = [](const RankTally& t) {
    json o;
    o["sites"] = t.sites;
    o["misses"] = t.misses;
    o["top1"] = t.top(1);
    o["top5"] = t.top(5);
    o["mrr"] = t.mrr();
    std::vector<double> k;
    for (int i = 1; i <= kMaxK; ++i) k.push_back(t.top(i));
    o["topk"] = k;
    auto c = t.covered();
    o["covered"] = {{"sites", c.sites}, {"top1", c.top(1)}, {"top5", c.top(5)}, {"mrr", c.mrr()}};
    return o;
  };
  for (const auto* p : {&run.vocab, &run.typed}) {
    auto s = summarize(run, *p, p == &run.vocab ? "vocabulary" : "typed");
    json pj;
    pj["sites"] = s.sites;
    pj["not_a_candidate"] = s.misses;
    auto classes = largest_classes(s, run, json_classes);
    if (s.class_sites[0]) classes.push_back(0);
    for (size_t r = 0; r < run.rankers.size(); ++r) {
      json rj = tally(s.overall[r]);
      for (auto c : classes) rj["per_class"][run.classes[c]] = tally(s.by_class[r][c]);
      pj["rankers"][run.rankers[r]] = rj;
    }
    j["protocols"][s.name] = pj;
  }
  for (const auto& c : cmp) {
    auto d = [](const PairedDiff& p) {
      return json{{"diff", p.diff}, {"lo", p.lo}, {"hi", p.hi}, {"significant", p.excludes_zero()}};
    };
    j["comparisons"].push_back({{"protocol", c.protocol},
                                {"a", c.a},
                                {"b", c.b},
                                {"sites", c.sites},
                                {"iterations", c.top1.iterations},
                                {"seed", c.top1.seed},
                                {"level", c.top1.level},
                                {"top1", d(c.top1)},
                                {"mrr", d(c.mrr)}});
  }
  json projects = json::array();
  for (const auto& p : run.per_project)
    projects.push_back({{"project", p.project}, {"eligible", p.eligible}, {"kept", p.kept}});
  j["per_project"] = projects;
  return j;
}

namespace {

std::string gp_quote(const std::string& s) {  // a gnuplot single-quoted string
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string dat_quote(const std::string& s) {  // a gnuplot data-file string
  std::string out = "\"";
  for (char c : s) out += (c == '"' || c == '\\' || c == '\n') ? '_' : c;
  return out + "\"";
}

void run_gnuplot(const std::filesystem::path& script) {
  std::string exe = "gnuplot", arg = script.string();
  char* argv[] = {exe.data(), arg.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv, environ) != 0)
    throw std::runtime_error("cannot run gnuplot (install gnuplot-nox)");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("gnuplot failed on " + arg);
}

}  // namespace

std::vector<std::filesystem::path> write_plots(const EvalRun& run, const std::filesystem::path& dir,
                                               const std::string& format, size_t top_classes) {
  if (format != "svg" && format != "png") throw std::invalid_argument("plot format must be svg or png");
  std::filesystem::create_directories(dir);
  const std::string term =
      format == "svg" ? "svg size 900,560 dynamic background rgb 'white'" : "pngcairo size 1100,680";
  std::vector<std::filesystem::path> charts;
  std::string script = "set terminal " + term + "\nset grid ytics\nset yrange [0:1]\n";
  for (const auto* p : {&run.vocab, &run.typed}) {
    std::string name = p == &run.vocab ? "vocabulary" : "typed";
    std::string title = p == &run.vocab ? "vocabulary-wide candidates" : "typed candidates";
    auto s = summarize(run, *p, name);
    const size_t nr = run.rankers.size();

    std::string dat = "k";
    for (const auto& r : run.rankers) dat += " " + dat_quote(r);
    dat += "\n";
    for (int k = 1; k <= kMaxK; ++k) {
      dat += std::to_string(k);
      for (size_t r = 0; r < nr; ++r) dat += fmt::format(" {:.5f}", s.overall[r].top(k));
      dat += "\n";
    }
    auto topk_dat = dir / ("topk_" + name + ".dat"), topk_out = dir / ("topk_" + name + "." + format);
    write_file_atomic(topk_dat, dat);
    script += fmt::format(
        "set output {}\nset title {}\nset xlabel 'k'\nset ylabel 'top-k accuracy'\nset xrange [1:{}]\n"
        "set xtics 1\nset key outside right top\n"
        "plot for [i=2:{}] {} using 1:i with linespoints lw 2 title columnheader(i)\nunset xrange\n",
        gp_quote(topk_out.string()), gp_quote(fmt::format("Top-k accuracy, {} ({} sites)", title, s.sites)), kMaxK,
        nr + 1, gp_quote(topk_dat.string()));
    charts.push_back(topk_out);

    auto classes = largest_classes(s, run, top_classes);
    if (classes.empty()) continue;
    dat = "class sites";
    for (const auto& r : run.rankers) dat += " " + dat_quote(r);
    dat += "\n";
    for (auto c : classes) {
      dat += dat_quote(run.classes[c]) + " " + std::to_string(s.class_sites[c]);
      for (size_t r = 0; r < nr; ++r) dat += fmt::format(" {:.5f}", s.by_class[r][c].top(5));
      dat += "\n";
    }
    auto cls_dat = dir / ("classes_" + name + ".dat"), cls_out = dir / ("classes_" + name + "." + format);
    write_file_atomic(cls_dat, dat);
    script += fmt::format(
        "set output {}\nset title {}\nset xlabel ''\nset ylabel 'top-5 accuracy'\nset xtics rotate by -40 "
        "nomirror\nset key outside right top\nset style data histograms\nset style histogram clustered gap 1\n"
        "set style fill solid 0.8 border -1\nplot for [i=3:{}] {} using i:xtic(1) title columnheader(i)\n"
        "set xtics norotate\nset style data points\n",
        gp_quote(cls_out.string()),
        gp_quote(fmt::format("Top-5 per class, {} largest classes, {}", classes.size(), title)), nr + 2,
        gp_quote(cls_dat.string()));
    charts.push_back(cls_out);
  }
  auto gp = dir / "plots.gp";
  write_file_atomic(gp, script);
  run_gnuplot(gp);
  return charts;
}

}  // namespace dw
