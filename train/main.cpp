// dotwise-train: the libtorch side of dotwise (`dotwise train|tune` exec it).
//   dotwise-train train DATA -o RUN [--procs 2] [--resume] [--init MODEL.dwc|MODEL.dwm]
//   dotwise-train train PROJECT_DIR -o RUN --init MODEL.dwm   (fine-tune on a source tree)
//   dotwise-train tune  DATA -o RUN --trials 8 [--epochs 2]
//   dotwise-train export RUN/best.dwc -o model.dwm [--int8]
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <thread>

#include "train/Checkpoint.h"
#include "train/Distributed.h"
#include "train/Export.h"
#include "train/Launcher.h"
#include "train/ProjectData.h"
#include "train/Trainer.h"
#include "train/Tune.h"

namespace {

using dw::train::TrainConfig;

void add_config_flags(CLI::App& c, TrainConfig& cfg) {
  c.add_option("--arch", cfg.arch, "pred-emb (tied, Pythia's deployed model) or fc (LSTM + softmax)")
      ->capture_default_str();
  c.add_option("--dx", cfg.dx, "embedding size")->capture_default_str();
  c.add_option("--dh", cfg.dh, "LSTM hidden size")->capture_default_str();
  c.add_option("--layers", cfg.layers, "LSTM layers")->capture_default_str();
  c.add_option("--dropout", cfg.dropout, "dropout probability")->capture_default_str();
  c.add_option("--batch", cfg.batch, "files side by side per process (fine-tuning on a source tree: 16)")
      ->capture_default_str();
  c.add_option("--bptt", cfg.bptt, "truncated-BPTT chunk (T_RNN)")->capture_default_str();
  c.add_option("--lr", cfg.lr, "Adam learning rate (fine-tuning on a source tree: 3e-4)")->capture_default_str();
  c.add_option("--lr-decay", cfg.lr_decay, "learning-rate factor per epoch")->capture_default_str();
  c.add_option("--warmup-epochs", cfg.warmup_epochs, "epochs to reach workers x lr")->capture_default_str();
  c.add_flag("!--no-lr-scale", cfg.lr_scale_workers, "do not scale the learning rate by the number of processes");
  c.add_option("--clip", cfg.clip, "gradient-norm clip")->capture_default_str();
  c.add_option("--aux-weight", cfg.aux_weight, "weight of an auxiliary next-token loss (0 = off)")
      ->capture_default_str();
  c.add_option("--epochs", cfg.epochs, "epochs (fine-tuning on a source tree: 4)")->capture_default_str();
  c.add_option("--patience", cfg.patience, "early stopping: epochs without a better validation MRR")
      ->capture_default_str();
  c.add_option("--max-steps", cfg.max_steps, "stop (with a checkpoint) after this many steps; 0 = no limit")
      ->capture_default_str();
  c.add_option("--max-minutes", cfg.max_minutes,
               "stop this leg (with a checkpoint to --resume from) after so many minutes; 0 = no limit")
      ->capture_default_str();
  c.add_option("--valid-every", cfg.valid_every_tokens,
               "also validate every so many training tokens (learning curves); 0 = at epoch ends only")
      ->capture_default_str();
  c.add_option("--softmax-chunk", cfg.softmax_chunk, "rows of site logits held at once (0 = through autograd)")
      ->capture_default_str();
  c.add_option("--seed", cfg.seed, "random seed")->capture_default_str();
  c.add_option("--checkpoint-minutes", cfg.checkpoint_minutes, "minutes between checkpoints (also one per epoch)")
      ->capture_default_str();
  c.add_option("--log-every", cfg.log_every, "steps between metric lines")->capture_default_str();
  c.add_option("--threads", cfg.threads, "threads per process (0 = cores / processes)")->capture_default_str();
  c.add_option("--max-train-files", cfg.max_train_files, "use at most this many training files (0 = all)")
      ->capture_default_str();
  c.add_option("--max-valid-files", cfg.max_valid_files, "validate on at most this many files")->capture_default_str();
  c.add_option("--file-pick", cfg.file_pick, "with a file cap: spread (evenly over the split) or first (shard order)")
      ->capture_default_str();
  c.add_option("--train-split", cfg.train_split, "training split name")->capture_default_str();
  c.add_option("--valid-split", cfg.valid_split, "validation split name")->capture_default_str();
}

// Local process count of a group started by us or by another launcher (for the thread split).
unsigned local_procs(unsigned procs) {
  if (const char* l = std::getenv("LOCAL_WORLD_SIZE")) return unsigned(std::max(1, std::atoi(l)));
  if (const char* l = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) return unsigned(std::max(1, std::atoi(l)));
  return procs;
}

}  // namespace

int main(int argc, char** argv) {
  dw::train::tune_blas(argv);
  dw::train::tune_allocator();
  CLI::App app{"dotwise-train: trains the member-completion LSTM (libtorch)."};
  app.require_subcommand(1);

  dw::train::TrainOptions to;
  unsigned procs = 1;
  auto* train = app.add_subcommand(
      "train", "train a model on extracted data (DATA/*.dws + DATA/vocab.tsv), or fine-tune one on a source tree");
  train
      ->add_option("DATA", to.data,
                   "directory written by `dotwise extract`, or (with --init) a directory of Python code to "
                   "fine-tune on: it is extracted into RUN/data, 20% of its files held out as `valid`")
      ->required();
  train->add_option("-o,--out", to.out, "run directory (checkpoints, metrics, plot)")->required();
  train->add_flag("--resume", to.resume, "continue from RUN/checkpoint.dwc");
  train->add_option("--init", to.init,
                    "fine-tune from this model: a checkpoint (.dwc) or a model file (.dwm, FP32 or INT8); its "
                    "architecture and vocabulary are used. With a .dwm, RUN/model.dwm is written at the end");
  train->add_flag("--fp32", to.export_fp32, "write RUN/model.dwm in FP32 even when the --init model is INT8");
  train->add_option("--procs", procs, "data-parallel processes on this machine")->capture_default_str();
  train->add_flag("-q,--quiet", to.quiet, "no progress bar");
  add_config_flags(*train, to.cfg);

  dw::train::TuneOptions tu;
  auto* tune = app.add_subcommand("tune", "random hyper-parameter search; prints a table and the winner");
  tune->add_option("DATA", tu.data, "directory written by `dotwise extract`")->required();
  tune->add_option("-o,--out", tu.out, "search directory (one run per trial)")->required();
  tune->add_option("--trials", tu.trials, "number of trials")->capture_default_str();
  tune->add_option("--search-seed", tu.seed, "seed of the search")->capture_default_str();
  tune->add_flag("--keep-size", tu.keep_size, "keep --dx/--dh (the runtime's size): search the rest");
  tune->add_flag("--keep-vocab", tu.keep_vocab, "every trial uses DATA/vocab.tsv: no min-count search");
  tu.base.epochs = 2;
  add_config_flags(*tune, tu.base);

  std::string ckpt, model_out;
  bool int8 = false;
  auto* exp = app.add_subcommand("export", "write a checkpoint as a runtime model file");
  exp->add_option("CHECKPOINT", ckpt, "RUN/best.dwc (or any checkpoint)")->required();
  exp->add_option("-o,--out", model_out, "model file to write")->required();
  exp->add_flag("--int8", int8, "8-bit min/max quantized weights");

  CLI11_PARSE(app, argc, argv);
  // One project has a few hundred files: 64 lanes would leave most of them idle behind its longest
  // files, so fine-tuning on a source tree defaults to fewer lanes (and so more, cheaper steps).
  if (train->parsed() && !to.init.empty() && dw::train::is_source_tree(to.data)) {
    if (train->count("--batch") == 0) to.cfg.batch = dw::train::kProjectBatch;
    if (train->count("--lr") == 0) to.cfg.lr = dw::train::kProjectLr;
    if (train->count("--epochs") == 0) to.cfg.epochs = dw::train::kProjectEpochs;
  }
  try {
    if (train->parsed()) {
      if (procs > 1 && !dw::train::in_group()) return dw::train::launch_local(procs, {argv + 1, argv + argc});
      auto comm = dw::train::Comm::from_env();
      dw::train::configure_threads(to.cfg.threads, local_procs(unsigned(comm->world())));
      auto r = dw::train::run_training(to, *comm);
      if (comm->rank() == 0 && r.before.sites) {
        auto line = [](const dw::train::EvalStats& e) {
          double n = double(e.sites);
          return fmt::format("top-1 {:.2f}%  top-5 {:.2f}%  MRR {:.4f}", 100 * e.top1 / n, 100 * e.top5 / n, e.mrr());
        };
        fmt::print(stderr, "validation split, {} sites:\n  before  {}\n  after   {}  ({})\n", r.before.sites,
                   line(r.before), line(r.best),
                   r.best_epoch ? fmt::format("best epoch {}", r.best_epoch) : "no epoch beat the init model: kept it");
      } else if (comm->rank() == 0 && !to.init.empty()) {
        fmt::print(stderr, "no member-access site in the held-out files: nothing to compare, the last epoch is kept\n");
      }
      if (comm->rank() == 0 && !r.exported.empty())
        fmt::print(stderr, "wrote {}  (compare: dotwise eval {} --split valid --model {} --model {})\n",
                   r.exported.string(), r.data.string(), to.init.string(), r.exported.string());
      if (comm->rank() == 0)
        fmt::print(
            "{{\"best_mrr\": {}, \"best_epoch\": {}, \"epochs\": {}, \"steps\": {}, \"tokens\": {}, \"seconds\": "
            "{:.1f}, "
            "\"tokens_per_s\": {:.0f}, \"early_stopped\": {}, \"interrupted\": {}}}\n",
            r.best_mrr >= 0 ? fmt::format("{:.4f}", r.best_mrr) : "null",  // null: no held-out site was scored
            r.best_epoch, r.epochs_done, r.steps, r.tokens, r.seconds, r.tokens_per_s, r.early_stopped, r.interrupted);
    } else if (tune->parsed()) {
      auto comm = dw::train::Comm::from_env();
      dw::train::configure_threads(tu.base.threads, local_procs(unsigned(comm->world())));
      auto trials = dw::train::run_tune(tu, *comm);
      if (comm->rank() == 0) {
        fmt::print("{}", dw::train::format_trials(trials));
        int w = dw::train::best_trial(trials);
        if (w >= 0)
          fmt::print("winner: trial {} (validation MRR {:.4f}) in {}\n", w, trials[size_t(w)].result.best_mrr,
                     (tu.out / fmt::format("trial-{:02}", w) / "best.dwc").string());
      }
    } else if (exp->parsed()) {
      dw::train::export_model(ckpt, model_out, int8);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "dotwise-train: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
