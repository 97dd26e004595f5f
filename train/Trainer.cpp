#include "train/Trainer.h"

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "corpus/Shard.h"
#include "model/Calibration.h"
#include "support/FileIO.h"
#include "support/Progress.h"
#include "train/Batcher.h"
#include "train/Checkpoint.h"
#include "train/Export.h"
#include "train/InitModel.h"
#include "train/Metrics.h"
#include "train/Optimizer.h"
#include "train/ProjectData.h"

namespace dw::train {
namespace {

using Clock = std::chrono::steady_clock;
constexpr uint32_t kEvalLanes = 64;

uint64_t mix(uint64_t a, uint64_t b, uint64_t c) {
  uint64_t h =
      a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull ^ (c + 1) * 0x94D049BB133111EBull;
  h ^= h >> 31;
  return h ? h : 1;
}

// Paper: lr0 decayed by lr_decay each epoch; with W workers the target rate is W * lr0 (the larger
// global batch), reached linearly over the warm-up epochs so the first steps stay stable.
double learning_rate(const TrainConfig& c, int world, uint32_t epoch, double epoch_frac) {
  double base = c.lr * std::pow(double(c.lr_decay), double(epoch));
  double scale = c.lr_scale_workers ? double(world) : 1.0;
  if (scale > 1 && epoch < c.warmup_epochs)
    scale = 1 + (scale - 1) * (double(epoch) + epoch_frac) / double(c.warmup_epochs);
  return base * scale;
}

struct Window {  // training statistics since the last log line
  double loss = 0, sites = 0, correct = 0, tokens = 0, aux = 0, aux_n = 0;
  Clock::time_point start = Clock::now();
};

nlohmann::json valid_line(const EvalStats& ev, const Progress0& pos, uint32_t epoch) {
  return {{"kind", "valid"},
          {"step", pos.global_step},
          {"epoch", epoch},
          {"tokens", pos.tokens_seen},
          {"mrr", ev.mrr()},
          {"top1", ev.top1 / double(ev.sites)},
          {"top5", ev.top5 / double(ev.sites)},
          {"loss", ev.sites > ev.unk ? ev.nll_sum / double(ev.sites - ev.unk) : 0.0},
          {"sites", ev.sites},
          {"unk_sites", ev.unk}};
}

}  // namespace

std::string find_split(const std::filesystem::path& data, const std::string& wanted) {
  if (!list_shards(data, wanted).empty()) return wanted;
  if (wanted == "valid" || wanted == "validation" || wanted == "val")
    for (const char* alt : {"valid", "validation", "val"})
      if (!list_shards(data, alt).empty()) return alt;
  return wanted;
}

EvalStats evaluate(Model& m, const Dataset& d, uint32_t lanes, uint32_t T, Comm& comm) {
  EvalStats st;
  if (!d.files.empty()) {
    Schedule s(d, lanes * uint32_t(comm.world()), T, 0);
    uint32_t lo = lanes * uint32_t(comm.rank());
    for (uint64_t step = 0; step < s.steps(); ++step) {
      auto b = s.batch(step, lo, lo + lanes);
      for (const auto& sc : m.eval_step(b)) {
        ++st.sites;
        if (sc.rank == 0) {
          ++st.unk;
          continue;
        }
        st.rr_sum += 1.0 / sc.rank;
        st.top1 += sc.rank == 1;
        st.top5 += sc.rank <= 5;
        st.nll_sum += -std::log(std::max(double(sc.prob), 1e-30));
      }
    }
  }
  double v[6] = {double(st.sites), double(st.unk), st.rr_sum, st.top1, st.top5, st.nll_sum};
  comm.allreduce_sum(v, 6);
  st.sites = uint64_t(v[0]);
  st.unk = uint64_t(v[1]);
  st.rr_sum = v[2];
  st.top1 = v[3];
  st.top5 = v[4];
  st.nll_sum = v[5];
  return st;
}

TrainResult run_training(const TrainOptions& opts, Comm& comm) {
  const int rank = comm.rank(), world = comm.world();
  const bool lead = rank == 0;
  const auto ckpt_path = opts.out / "checkpoint.dwc", best_path = opts.out / "best.dwc";

  TrainConfig cfg = opts.cfg;
  std::optional<Checkpoint> ck;
  std::optional<Vocab> vocab = opts.vocab;
  // A run killed before its first checkpoint has nothing to resume: it starts over, so `--resume` can
  // always be the command that (re)starts a job.
  const bool resuming = opts.resume && std::filesystem::exists(ckpt_path);
  if (opts.resume && !resuming && lead)
    fmt::print(stderr, "--resume: no {} yet, starting from the beginning\n", ckpt_path.string());
  if (resuming) {
    ck = load_checkpoint(ckpt_path);
    cfg = ck->cfg;
    cfg.epochs = opts.cfg.epochs;
    cfg.patience = opts.cfg.patience;
    cfg.max_steps = opts.cfg.max_steps;
    cfg.max_minutes = opts.cfg.max_minutes;  // a budget of this leg, not of the run
    cfg.valid_every_tokens = opts.cfg.valid_every_tokens;
    cfg.checkpoint_minutes = opts.cfg.checkpoint_minutes;
    cfg.log_every = opts.cfg.log_every;
    cfg.threads = opts.cfg.threads;
    vocab = checkpoint_vocab(*ck);
    if (ck->world != uint32_t(world) && ck->pos.step_in_epoch != 0)
      throw std::runtime_error(
          fmt::format("--resume: the checkpoint is mid-epoch from {} process(es); resume with as many", ck->world));
  }
  std::optional<InitModel> init;
  if (!opts.init.empty() && !ck) {  // fine-tuning: the init model fixes the architecture and the vocabulary
    init = load_init(opts.init);
    cfg.arch = init->shape.arch;
    cfg.dx = init->shape.dx;
    cfg.dh = init->shape.dh;
    cfg.layers = init->shape.layers;
    vocab = init->vocab;
  }

  // A source tree (no shards, no vocab.tsv) is extracted into RUN/data with the model's vocabulary.
  std::filesystem::path data = opts.data;
  if (is_source_tree(opts.data)) {
    if (opts.init.empty())
      throw std::runtime_error(
          opts.data.string() +
          " holds no extracted data (*.dws + vocab.tsv). To fine-tune on this source tree, give "
          "--init MODEL.dwm; to train from scratch, run `dotwise corpus` and `dotwise extract` first");
    data = opts.out / "data";
    if (!(opts.resume && std::filesystem::exists(data / "split.tsv"))) {
      if (lead) {
        unsigned threads = cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
        auto pd = prepare_project(opts.data, *vocab, data, threads);
        fmt::print(stderr, "{}: {} training files ({} sites), {} held out ({} sites), {} skipped -> {}\n",
                   opts.data.string(), pd.train_files, pd.train_sites, pd.valid_files, pd.valid_sites, pd.skipped_files,
                   data.string());
      }
      double ready = 0;
      comm.allreduce_sum(&ready, 1);  // the other ranks wait for rank 0's extraction
    }
  }
  if (!vocab) vocab = Vocab::load(data / "vocab.tsv");
  if (cfg.batch == 0 || cfg.bptt == 0) throw std::invalid_argument("batch and bptt must be positive");

  ModelShape shape{cfg.arch, vocab->size(), vocab->max_oov(), cfg.dx, cfg.dh, cfg.layers};
  Model model(shape, cfg.seed);
  model.set_softmax_chunk(int64_t(cfg.softmax_chunk));
  const size_t n = model.n_params();
  Adam adam(n);
  const uint32_t B = cfg.batch, lanes = B * uint32_t(world), lane0 = B * uint32_t(rank);
  const size_t local_state = size_t(2) * cfg.layers * B * cfg.dh;
  // Validation runs whole files side by side: with as many lanes as training (512) and a few hundred
  // files, most lanes idled while the longest file ran, and a 500-file validation took as long as
  // 5 M training tokens. Its result does not depend on the lane count.
  const uint32_t eval_lanes = std::min(B, kEvalLanes);
  model.set_state({}, B);

  if (init) init->apply(model);
  Progress0 pos;
  if (ck) {
    if (!(ck->shape == shape) || ck->params.size() != n)
      throw std::runtime_error("--resume: checkpoint does not match the model");
    std::copy(ck->params.begin(), ck->params.end(), model.params());
    adam.m = ck->adam_m;
    adam.v = ck->adam_v;
    adam.t = ck->adam_t;
    pos = ck->pos;
    if (pos.step_in_epoch && ck->lane_state.size() == local_state * size_t(world))
      model.set_state({ck->lane_state.begin() + ptrdiff_t(local_state * size_t(rank)),
                       ck->lane_state.begin() + ptrdiff_t(local_state * size_t(rank + 1))},
                      B);
  }

  if (cfg.file_pick != "spread" && cfg.file_pick != "first")
    throw std::invalid_argument("--file-pick: spread or first, not '" + cfg.file_pick + "'");
  const bool spread = cfg.file_pick == "spread";
  auto train = load_split(data, cfg.train_split, *vocab, cfg.max_train_files, spread);
  if (train.files.empty())
    throw std::runtime_error("no training files in " + data.string() + " (split '" + cfg.train_split + "')");
  auto valid = load_split(data, find_split(data, cfg.valid_split), *vocab, cfg.max_valid_files, spread);

  MetricsLog log;
  if (lead) {
    std::filesystem::create_directories(opts.out);
    remove_stale_temps(opts.out);  // left by a killed earlier run
    log = MetricsLog(opts.out / "metrics.jsonl", resuming, pos.global_step);
    nlohmann::json cj = cfg;
    cj["world"] = world;
    cj["params"] = n;
    cj["vocab_size"] = vocab->size();
    cj["max_oov"] = vocab->max_oov();
    cj["train"] = {{"files", train.files.size()}, {"tokens", train.tokens}, {"sites", train.sites}};
    cj["valid"] = {{"files", valid.files.size()}, {"tokens", valid.tokens}, {"sites", valid.sites}};
    write_file_atomic(opts.out / "config.json", cj.dump(2) + "\n");
  }

  auto save = [&](const std::filesystem::path& p, const std::vector<float>& lane_state) {
    Checkpoint c;
    c.cfg = cfg;
    c.shape = shape;
    c.pos = pos;
    c.world = uint32_t(world);
    set_vocab(c, *vocab);
    c.adam_t = adam.t;
    c.params.assign(model.params(), model.params() + n);
    c.adam_m = adam.m;
    c.adam_v = adam.v;
    c.lane_state = lane_state;
    save_checkpoint(p, c);
  };

  // Every lane's recurrent state, all ranks (a collective: every rank must call it).
  auto gather_state = [&] {
    std::vector<float> all(local_state * size_t(world), 0.f);
    auto mine = model.state();
    std::copy(mine.begin(), mine.end(), all.begin() + ptrdiff_t(local_state * size_t(rank)));
    comm.allreduce_sum(all.data(), all.size());
    return all;
  };

  TrainResult res;
  res.params = n;
  res.data = data;
  // Fine-tuning: measure the init model first; it is the best model until an epoch beats it, so a
  // run that only overfits hands back the weights it started from.
  if (init && valid.sites > 0) {  // held-out files without a site measure nothing
    res.before = res.best = evaluate(model, valid, eval_lanes, cfg.bptt, comm);
    pos.best_mrr = res.before.mrr();
    if (lead) {
      log.write(
          {{"kind", "valid"},
           {"step", 0},
           {"epoch", 0},
           {"tokens", 0},
           {"mrr", res.before.mrr()},
           {"top1", res.before.top1 / double(res.before.sites)},
           {"top5", res.before.top5 / double(res.before.sites)},
           {"loss",
            res.before.sites > res.before.unk ? res.before.nll_sum / double(res.before.sites - res.before.unk) : 0.0},
           {"sites", res.before.sites},
           {"unk_sites", res.before.unk}});
      save(best_path, {});
    }
  }
  uint64_t total_tokens = uint64_t(cfg.epochs) * train.tokens;
  std::optional<Progress> bar;
  if (lead && !opts.quiet)
    bar.emplace("train", total_tokens > pos.tokens_seen ? total_tokens - pos.tokens_seen : 0, "tokens");
  const auto t0 = Clock::now();
  auto last_ckpt = t0;
  const uint64_t tokens_at_start = pos.tokens_seen;
  Window win;
  bool stop = pos.finished;

  for (uint32_t epoch = pos.epoch; epoch < cfg.epochs && !stop; ++epoch) {
    Schedule sched(train, lanes, cfg.bptt, mix(cfg.seed, epoch, 7));
    pos.epoch = epoch;
    for (uint64_t step = pos.step_in_epoch; step < sched.steps(); ++step) {
      if (cfg.max_steps && pos.global_step >= cfg.max_steps) {
        stop = res.interrupted = true;
        break;
      }
      auto batch = sched.batch(step, lane0, lane0 + B, cfg.aux_weight > 0);
      model.zero_grads();
      auto st =
          model.train_step(batch, cfg.dropout, cfg.aux_weight, mix(cfg.seed, pos.global_step, uint64_t(rank) + 100));
      bool want_ckpt = lead && cfg.checkpoint_minutes > 0 &&
                       std::chrono::duration<double>(Clock::now() - last_ckpt).count() > cfg.checkpoint_minutes * 60;
      // Rank 0's clock decides for all ranks (the flag travels with the step's statistics).
      bool want_stop = lead && cfg.max_minutes > 0 &&
                       std::chrono::duration<double>(Clock::now() - t0).count() > cfg.max_minutes * 60;
      double s[8] = {st.loss_sum, double(st.sites), double(st.correct),    double(batch.tokens),
                     st.aux_sum,  double(st.aux_n), want_ckpt ? 1.0 : 0.0, want_stop ? 1.0 : 0.0};
      comm.allreduce_sum(model.grads(), n);
      comm.allreduce_sum(s, 8);
      // Gradients are of the summed loss: dividing by the global site count gives the mean over the
      // global batch, so P processes with B lanes take exactly the step of one process with P*B.
      if (s[1] > 0) {
        scale(model.grads(), n, float(1.0 / s[1]));
        clip_grad_norm(model.grads(), n, cfg.clip);
        double lr = learning_rate(cfg, world, epoch, double(step) / double(sched.steps()));
        adam.step(model.params(), model.grads(), float(lr));
      }
      ++pos.global_step;
      pos.step_in_epoch = step + 1;
      pos.tokens_seen += uint64_t(s[3]);
      win.loss += s[0], win.sites += s[1], win.correct += s[2], win.tokens += s[3], win.aux += s[4], win.aux_n += s[5];
      if (bar)
        bar->advance(uint64_t(s[3]),
                     fmt::format("loss {:.3f} acc {:.3f}  epoch {}/{}", win.sites ? win.loss / win.sites : 0.0,
                                 win.sites ? win.correct / win.sites : 0.0, epoch + 1, cfg.epochs));
      if (cfg.log_every && pos.global_step % cfg.log_every == 0) {
        double secs = std::chrono::duration<double>(Clock::now() - win.start).count();
        res.last_train_loss = win.sites ? win.loss / win.sites : 0;
        nlohmann::json j{{"kind", "train"},
                         {"step", pos.global_step},
                         {"epoch", epoch},
                         {"tokens", pos.tokens_seen},
                         {"loss", res.last_train_loss},
                         {"acc", win.sites ? win.correct / win.sites : 0.0},
                         {"lr", learning_rate(cfg, world, epoch, double(step) / double(sched.steps()))},
                         {"tokens_per_s", secs > 0 ? win.tokens / secs : 0.0}};
        if (win.aux_n) j["aux_loss"] = win.aux / win.aux_n;
        if (lead) log.write(j);
        win = Window{};
      }
      if (cfg.valid_every_tokens &&
          pos.tokens_seen / cfg.valid_every_tokens != (pos.tokens_seen - uint64_t(s[3])) / cfg.valid_every_tokens) {
        // A point of the learning curve; the lanes' recurrent state is put back for the next step.
        const auto v0 = Clock::now();
        auto mine = model.state();
        auto ev = evaluate(model, valid, eval_lanes, cfg.bptt, comm);
        model.set_state(mine, B);
        win.start += Clock::now() - v0;  // tokens/s is the training's
        if (lead && ev.sites) log.write(valid_line(ev, pos, epoch));
      }
      if (s[6] > 0) {  // rank 0 asked for a timed checkpoint: gather every lane's state, rank 0 writes
        auto lane_state = gather_state();
        if (lead) save(ckpt_path, lane_state);
        last_ckpt = Clock::now();
      }
      if (s[7] > 0) {  // the leg's time is up: the checkpoint after the loop lets --resume go on from here
        stop = res.interrupted = true;
        break;
      }
    }
    if (res.interrupted) break;

    // Epoch end: validate, keep the best, checkpoint, plot, maybe stop early.
    auto ev = evaluate(model, valid, eval_lanes, cfg.bptt, comm);
    pos.epoch = epoch + 1;
    pos.step_in_epoch = 0;
    res.epochs_done = epoch + 1;
    if (ev.sites) {
      res.last_mrr = ev.mrr();
      res.last_top1 = ev.top1 / double(ev.sites);
      if (lead) log.write(valid_line(ev, pos, epoch + 1));
      if (res.last_mrr > pos.best_mrr) {
        pos.best_mrr = res.last_mrr;
        pos.best_epoch = epoch + 1;
        pos.bad_epochs = 0;
        res.best = ev;
        if (lead) save(best_path, {});
      } else if (++pos.bad_epochs >= cfg.patience && cfg.patience > 0) {
        stop = res.early_stopped = true;
      }
    } else if (lead) {
      save(best_path, {});  // no validation split: the latest model is the best we know
    }
    if (stop || epoch + 1 == cfg.epochs) pos.finished = true;
    if (lead) {
      save(ckpt_path, {});
      if (opts.plot) plot_curves(opts.out / "metrics.jsonl", opts.out / "curves.png");
    }
    last_ckpt = Clock::now();
  }
  if (res.interrupted) {  // stopped by max_steps or max_minutes: leave a checkpoint to --resume from
    auto lane_state = gather_state();
    if (lead) save(ckpt_path, lane_state);
    if (lead && opts.plot) plot_curves(opts.out / "metrics.jsonl", opts.out / "curves.png");
  }
  if (bar) bar->finish();

  // A model file in, a model file out: RUN/model.dwm from the best weights, quantized like the input.
  if (lead && !opts.init.empty() && is_model_file(opts.init) && std::filesystem::exists(best_path)) {
    bool int8 = !opts.export_fp32 && ModelFile::open(opts.init).quant() == Quant::kInt8;
    res.exported = opts.out / "model.dwm";
    std::vector<std::vector<int32_t>> calibration;  // INT8 rounded for the code it was tuned on
    uint64_t tokens = 0;
    for (size_t i = 0; int8 && i < train.files.size() && tokens < kCalibrationTokens; ++i) {
      calibration.push_back(train.files[i].ids);
      tokens += train.files[i].ids.size();
    }
    export_model(best_path, res.exported, int8, calibration);
  }

  res.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  res.steps = pos.global_step;
  res.tokens = pos.tokens_seen;
  res.tokens_per_s = res.seconds > 0 ? double(pos.tokens_seen - tokens_at_start) / res.seconds : 0;
  res.best_mrr = pos.best_mrr;
  res.best_epoch = pos.best_epoch;
  if (lead) {
    nlohmann::json sj{{"best_mrr", res.best_mrr >= 0 ? nlohmann::json(res.best_mrr) : nlohmann::json()},
                      {"best_epoch", res.best_epoch},
                      {"epochs", res.epochs_done},
                      {"steps", res.steps},
                      {"tokens", res.tokens},
                      {"seconds", res.seconds},
                      {"tokens_per_s", res.tokens_per_s},
                      {"early_stopped", res.early_stopped},
                      {"interrupted", res.interrupted},
                      {"world", world},
                      {"params", n}};
    write_file_atomic(opts.out / "summary.json", sj.dump(2) + "\n");
  }
  return res;
}

}  // namespace dw::train
