// Latency and memory of the runtime on one model and one set of contexts, printed as JSON.
//   runtime_latency make DIR [--vocab V --oov K --seed S]   random default-size FP32 model + contexts
//   runtime_latency real MODEL.dwm SOURCE_DIR DIR [--files N]  contexts cut from real code at its sites
//   runtime_latency run MODEL.dwm CONTEXTS.json [--logits OUT.json]
//   runtime_latency sessions MODEL.dwm      what 16 open documents add to the RSS (a fresh process)
// `run` times, per context length (1, 20, 100, 1000 tokens): a cold completion (fresh state, run every
// token, score the site's candidates), and with the state cache: one token typed at the end, and an
// edit 5 tokens back in a 1000-token document. It ends with the process's peak RSS. bench/latency.sh
// runs it for FP32 and INT8 beside bench/onnx_run.mjs (onnxruntime-node) on the same files.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "corpus/Vocab.h"
#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "rank/ModelRanker.h"
#include "runtime/Session.h"
#include "support/FileIO.h"
#include "syntax/Extractor.h"
#include "syntax/Typeshed.h"

using namespace dw;
using json = nlohmann::json;

namespace {

constexpr size_t kLengths[] = {1, 20, 100, 1000};
constexpr size_t kCandidates = 30;  // a typical editor list for one receiver type

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

json percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, size_t(q * double(v.size())))]; };
  double sum = 0;
  for (double x : v) sum += x;
  return {{"n", v.size()},
          {"min_ms", v.front()},
          {"p50_ms", at(0.5)},
          {"p99_ms", at(0.99)},
          {"mean_ms", sum / double(v.size())}};
}

// A token id drawn Zipf-like (frequent ids dominate, as in real code) from a model with `rows` ids.
int32_t zipf_id(std::mt19937_64& rng, uint32_t rows) {
  std::uniform_real_distribution<double> u(0, 1);
  return int32_t(std::min<double>(rows - 1, std::floor(std::pow(double(rows), u(rng))) - 1));
}

long rss_kb() {  // now, not the peak
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

int make(int argc, char** argv) {
  std::filesystem::path dir = argv[2];
  uint32_t vocab = 20000, oov = 100;
  uint64_t seed = 1;
  for (int i = 3; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--vocab")) vocab = uint32_t(std::stoul(argv[i + 1]));
    if (!std::strcmp(argv[i], "--oov")) oov = uint32_t(std::stoul(argv[i + 1]));
    if (!std::strcmp(argv[i], "--seed")) seed = std::stoull(argv[i + 1]);
  }
  std::filesystem::create_directories(dir);
  ModelConfig cfg{.vocab_size = vocab, .max_oov = oov, .dx = 150, .dh = 100, .layers = 2};
  ModelWeights w = random_weights(cfg, {.seed = seed, .embedding_scale = 1.0f, .bias_zipf = 0.2f});
  std::vector<int32_t> members;  // about a third of a code vocabulary appears after a "."
  for (int32_t i = 2; i < int32_t(vocab); i += 3) members.push_back(i);
  write_model(dir / "model-fp32.dwm", w, Quant::kFp32, members);

  std::mt19937_64 rng(seed);
  auto token = [&] { return zipf_id(rng, cfg.rows()); };
  std::uniform_int_distribution<size_t> pick(0, members.size() - 1);
  json contexts = json::array();
  for (size_t len : kLengths) {
    size_t reps = len >= 1000 ? 100 : 300;
    for (size_t r = 0; r < reps; ++r) {
      json ids = json::array(), cands = json::array();
      for (size_t i = 0; i < len; ++i) ids.push_back(token());
      for (size_t i = 0; i < kCandidates; ++i) cands.push_back(members[pick(rng)]);
      contexts.push_back({{"ids", ids}, {"candidates", cands}});
    }
  }
  write_file_atomic(dir / "contexts.json", json{{"seed", seed}, {"contexts", contexts}}.dump());
  std::printf("{\"model\": \"%s\", \"contexts\": %zu}\n", (dir / "model-fp32.dwm").c_str(), contexts.size());
  return 0;
}

// Contexts from real code for a trained model: the files of SOURCE_DIR extracted and encoded with the
// model's vocabulary, each context the L tokens before a member-access site (so the token mix, and
// how many ids hit the precomputed first-layer rows, is that of real code); candidates: the true
// member and random members, as in `make`.
int real(int argc, char** argv) {
  const std::filesystem::path model_path = argv[2], src = argv[3], dir = argv[4];
  size_t max_files = 300;
  for (int i = 5; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--files")) max_files = std::stoul(argv[i + 1]);
  const ModelFile mf = ModelFile::open(model_path);
  const Vocab vocab = model_vocab(mf);
  const auto members = mf.member_ids();
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::recursive_directory_iterator(src))
    if (e.is_regular_file() && e.path().extension() == ".py") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  TypeshedIndex stubs(TypeshedIndex::default_roots());
  Extractor ex(stubs);
  struct Site {
    size_t file;
    uint32_t pos;
  };
  std::vector<std::vector<int32_t>> ids;
  std::vector<Site> sites;
  for (size_t i = 0; i < paths.size() && ids.size() < max_files; i += std::max<size_t>(1, paths.size() / max_files)) {
    auto rd = read_file(paths[i], 2'000'000);
    if (!rd.error.empty()) continue;
    ExtractResult r = ex.extract(rd.data);
    if (r.skip != Skip::None) continue;
    EncodedFile enc = encode(vocab, r.file);
    for (const auto& site : r.file.sites) sites.push_back({ids.size(), site.pos});
    ids.push_back(std::move(enc.ids));
  }
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<size_t> pick(0, members.size() - 1);
  json contexts = json::array();
  for (size_t len : kLengths) {
    std::vector<const Site*> fit;
    for (const auto& s : sites)
      if (s.pos >= len) fit.push_back(&s);
    if (fit.empty()) throw std::runtime_error("no site with " + std::to_string(len) + " tokens before it");
    const size_t reps = len >= 1000 ? 100 : 300;
    for (size_t r = 0; r < reps; ++r) {
      const Site& s = *fit[rng() % fit.size()];
      const auto& f = ids[s.file];
      json ctx(std::vector<int32_t>(f.begin() + long(s.pos - len), f.begin() + long(s.pos)));
      json cands = json::array({f[s.pos]});
      while (cands.size() < kCandidates) cands.push_back(members[pick(rng)]);
      contexts.push_back({{"ids", ctx}, {"candidates", cands}});
    }
  }
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "contexts.json", json{{"source", src.string()}, {"contexts", contexts}}.dump());
  std::printf("{\"model\": \"%s\", \"files\": %zu, \"sites\": %zu, \"contexts\": %zu}\n", model_path.c_str(),
              ids.size(), sites.size(), contexts.size());
  return 0;
}

int run(int argc, char** argv) {
  std::string logits_out;
  for (int i = 4; i + 1 < argc; i += 2)
    if (!std::strcmp(argv[i], "--logits")) logits_out = argv[i + 1];
  double t0 = now_ms();
  Model model = Model::open(argv[2]);
  double load_ms = now_ms() - t0;
  auto rd = read_file(argv[3]);
  if (!rd.error.empty()) throw std::runtime_error(rd.error);
  json in = json::parse(rd.data);
  std::vector<std::vector<int32_t>> ctx, cand;
  for (const auto& c : in["contexts"]) {
    ctx.push_back(c["ids"].get<std::vector<int32_t>>());
    cand.push_back(c["candidates"].get<std::vector<int32_t>>());
  }
  in = json();  // free the parsed text before measuring memory

  Session s(model);
  std::vector<float> out(kCandidates), all;
  json result{{"model", argv[2]},
              {"kernels", model.kernels().name},
              {"quant", quant_name(model.file().quant())},
              {"model_bytes", model.file().file_size()},
              {"load_ms", load_ms}};
  json logits = json::array();
  json cold, cold_all;
  for (size_t len : kLengths) {
    std::vector<double> t, t_all;
    size_t kept = 0;
    for (size_t i = 0; i < ctx.size(); ++i) {
      if (ctx[i].size() != len) continue;
      s.reset();
      double a = now_ms();
      s.set_context(ctx[i]);
      s.score(cand[i], out);
      t.push_back(now_ms() - a);
      if (kept++ < 5) logits.push_back({{"ids_len", len}, {"index", i}, {"scores", out}});
      if (len == 100) {  // the same context, scoring the whole member vocabulary
        s.reset();
        a = now_ms();
        s.set_context(ctx[i]);
        s.score_members(all);
        t_all.push_back(now_ms() - a);
      }
    }
    cold[std::to_string(len)] = percentiles(t);
    if (!t_all.empty()) cold_all[std::to_string(len)] = percentiles(t_all);
  }
  result["cold_candidates"] = cold;
  result["cold_all_members"] = cold_all;

  // The state cache on a 1000-token document: type one token at the end; change the token 5 back.
  json cached;
  std::vector<double> typed, edited;
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < ctx.size(); ++i) {
    if (ctx[i].size() != 1000) continue;
    std::vector<int32_t> doc = ctx[i];
    s.set_context(doc);
    doc.push_back(doc[rng() % doc.size()]);
    double a = now_ms();
    s.set_context(doc);
    s.score(cand[i], out);
    typed.push_back(now_ms() - a);
    doc[doc.size() - 5] = doc[rng() % doc.size()];
    a = now_ms();
    s.set_context(doc);
    s.score(cand[i], out);
    edited.push_back(now_ms() - a);
  }
  cached["type_one_token"] = percentiles(typed);
  cached["edit_5_tokens_back"] = percentiles(edited);
  result["cached_1000"] = cached;
  result["peak_rss_kb"] = peak_rss_kb();
  if (!logits_out.empty()) write_file_atomic(logits_out, logits.dump());
  std::printf("%s\n", result.dump(2).c_str());
  return 0;
}

// The server keeps up to 16 documents' sessions, each after the last 150-214 tokens (rank/Predictor.h).
int sessions(char** argv) {
  Model model = Model::open(argv[2]);
  std::mt19937_64 rng(5);
  std::vector<int32_t> ids(214);
  const long before = rss_kb();
  std::vector<std::unique_ptr<Session>> docs;
  for (size_t d = 0; d < 16; ++d) {
    for (auto& x : ids) x = zipf_id(rng, model.config().rows());
    docs.push_back(std::make_unique<Session>(model));
    docs.back()->set_context(ids);
  }
  json r{{"documents", docs.size()}, {"tokens_each", ids.size()}, {"rss_growth_kb", rss_kb() - before}};
  std::printf("%s\n", r.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc >= 3 && !std::strcmp(argv[1], "make")) return make(argc, argv);
    if (argc >= 4 && !std::strcmp(argv[1], "run")) return run(argc, argv);
    if (argc >= 5 && !std::strcmp(argv[1], "real")) return real(argc, argv);
    if (argc >= 3 && !std::strcmp(argv[1], "sessions")) return sessions(argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runtime_latency: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr,
               "usage: runtime_latency make DIR [--vocab V --oov K --seed S]\n"
               "       runtime_latency real MODEL.dwm SOURCE_DIR DIR [--files N]\n"
               "       runtime_latency run MODEL.dwm CONTEXTS.json [--logits OUT.json]\n"
               "       runtime_latency sessions MODEL.dwm\n");
  return 2;
}
