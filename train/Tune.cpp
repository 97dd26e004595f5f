#include "train/Tune.h"

#include <fmt/core.h>

#include <cmath>
#include <random>

#include "support/FileIO.h"

namespace dw::train {

TrainConfig sample_trial(const TrainConfig& base, uint64_t seed, uint32_t i, uint64_t& min_count,
                         uint64_t base_min_count, bool keep_size) {
  std::mt19937_64 rng(seed * 1000003 + i);
  auto pick = [&](std::initializer_list<uint32_t> xs) { return *(xs.begin() + rng() % xs.size()); };
  auto unit = [&] { return double(rng() >> 11) / double(1ull << 53); };
  TrainConfig c = base;
  c.lr = float(std::exp(std::log(3e-4) + unit() * (std::log(6e-3) - std::log(3e-4))));
  auto dx = pick({64, 100, 150, 200}), dh = pick({64, 100, 150});  // drawn either way: same draws after
  if (!keep_size) c.dx = dx, c.dh = dh;
  c.dropout = float(std::round(unit() * 40) / 100);  // 0 .. 0.4
  c.bptt = pick({50, 100, 200});
  c.seed = base.seed + i;
  uint64_t mc = std::max<uint64_t>(1, base_min_count);
  min_count = std::max<uint64_t>(1, pick({0, 1, 2}) == 0 ? mc / 2 : (rng() % 2 ? mc : mc * 2));
  return c;
}

int best_trial(const std::vector<Trial>& t) {
  int best = -1;
  for (size_t i = 0; i < t.size(); ++i)
    if (t[i].error.empty() && (best < 0 || t[i].result.best_mrr > t[size_t(best)].result.best_mrr)) best = int(i);
  return best;
}

std::string format_trials(const std::vector<Trial>& t) {
  int best = best_trial(t);
  std::string s = fmt::format("{:>5} {:>9} {:>4} {:>4} {:>7} {:>5} {:>8} {:>8} {:>7} {:>8}\n", "trial", "lr", "dx",
                              "dh", "dropout", "bptt", "mincount", "val_mrr", "epochs", "tok/s");
  for (size_t i = 0; i < t.size(); ++i) {
    const auto& x = t[i];
    s += fmt::format("{:>5} {:>9.2e} {:>4} {:>4} {:>7.2f} {:>5} {:>8} {:>8} {:>7} {:>8.0f}{}\n", x.id, x.cfg.lr,
                     x.cfg.dx, x.cfg.dh, x.cfg.dropout, x.cfg.bptt, x.min_count,
                     x.error.empty() ? fmt::format("{:.4f}", x.result.best_mrr) : "failed", x.result.epochs_done,
                     x.result.tokens_per_s, int(i) == best ? "  <- winner" : "");
  }
  return s;
}

std::vector<Trial> run_tune(const TuneOptions& o, Comm& comm) {
  auto data_vocab = Vocab::load(o.data / "vocab.tsv");
  VocabCounter counts;  // a capped split's own counts: each trial's vocabulary is built from them
  if (!o.keep_vocab)
    counts = count_split(o.data, o.base.train_split, o.base.max_train_files, o.base.file_pick != "first");
  std::vector<Trial> trials;
  nlohmann::json table = nlohmann::json::array();
  for (uint32_t i = 0; i < o.trials; ++i) {
    Trial t;
    t.id = i;
    t.cfg = sample_trial(o.base, o.seed, i, t.min_count, data_vocab.min_count(), o.keep_size);
    TrainOptions to;
    to.data = o.data;
    to.out = o.out / fmt::format("trial-{:02}", i);
    to.cfg = t.cfg;
    if (o.keep_vocab)
      t.min_count = data_vocab.min_count();
    else
      to.vocab = Vocab::build(counts.counts(), t.min_count, data_vocab.max_oov());
    to.quiet = true;
    if (comm.rank() == 0 && !o.quiet)
      fmt::print(stderr, "tune: trial {}/{}: lr {:.2e} dx {} dh {} dropout {:.2f} bptt {} min_count {} (V={})\n", i + 1,
                 o.trials, t.cfg.lr, t.cfg.dx, t.cfg.dh, t.cfg.dropout, t.cfg.bptt, t.min_count,
                 to.vocab ? to.vocab->size() : data_vocab.size());
    try {
      t.result = run_training(to, comm);
    } catch (const std::exception& e) {
      t.error = e.what();
    }
    trials.push_back(t);
    table.push_back({{"trial", i},
                     {"config", t.cfg},
                     {"min_count", t.min_count},
                     {"best_mrr", t.result.best_mrr},
                     {"epochs", t.result.epochs_done},
                     {"tokens_per_s", t.result.tokens_per_s},
                     {"error", t.error},
                     {"dir", to.out.filename().string()}});
    if (comm.rank() == 0) {
      int best = best_trial(trials);
      nlohmann::json j{{"trials", table}, {"winner", best}};
      write_file_atomic(o.out / "tune.json", j.dump(2) + "\n");
    }
  }
  return trials;
}

}  // namespace dw::train
