// Fine-tuning: `--init` from a runtime model file (.dwm, FP32 or INT8) continues from its weights,
// and a source tree given as DATA is extracted with the model's vocabulary into a deterministic
// 80/20 train/valid split.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <set>

#include "corpus/Shard.h"
#include "model/ModelFile.h"
#include "support/FileIO.h"
#include "tests/train/TinyData.h"
#include "train/Checkpoint.h"
#include "train/Export.h"
#include "train/InitModel.h"
#include "train/ProjectData.h"
#include "train/Trainer.h"

namespace dw::train {
namespace {

namespace fs = std::filesystem;

fs::path temp_root_path() { return fs::temp_directory_path() / ("dw_finetune_test_" + std::to_string(::getpid())); }

fs::path temp_root() {
  static fs::path p = [] {
    auto d = temp_root_path();
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return p;
}

// Removes the temp root after the last test (each test leaves its runs there for the next). By path,
// so a process that ran none of these tests does not create it just to remove it.
struct RemoveTempRoot : ::testing::Environment {
  void TearDown() override { fs::remove_all(temp_root_path()); }
};
[[maybe_unused]] const auto* const kRemoveTempRoot = ::testing::AddGlobalTestEnvironment(new RemoveTempRoot);

TrainConfig small() {
  TrainConfig c;
  c.dx = 24;
  c.dh = 32;
  c.layers = 2;
  c.batch = 8;
  c.bptt = 16;
  c.lr = 0.01f;
  c.epochs = 3;
  c.dropout = 0.0f;
  c.log_every = 5;
  c.checkpoint_minutes = 0;
  c.threads = 1;
  return c;
}

TrainResult train(const fs::path& data, const fs::path& out, const TrainConfig& c, const fs::path& init = {}) {
  return testing::run_quietly(data, out, c, false, init);
}

// A source model trained on the planted data, exported as FP32 and INT8 model files (built once).
struct Source {
  fs::path data, run, fp32, int8;
};
const Source& source() {
  static Source s = [] {
    Source r;
    r.data = temp_root() / "data";
    r.run = temp_root() / "source";
    testing::write_planted_data(r.data, 240, 60);
    train(r.data, r.run, small());
    r.fp32 = temp_root() / "source-fp32.dwm";
    r.int8 = temp_root() / "source-int8.dwm";
    export_model(r.run / "best.dwc", r.fp32, false);
    export_model(r.run / "best.dwc", r.int8, true);
    return r;
  }();
  return s;
}

EvalStats eval_checkpoint(const fs::path& ckpt, const fs::path& data) {
  auto ck = load_checkpoint(ckpt, true);
  auto vocab = checkpoint_vocab(ck);
  Model m(ck.shape, 1);
  std::copy(ck.params.begin(), ck.params.end(), m.params());
  Comm single;
  return evaluate(m, load_split(data, "valid", vocab), 8, 16, single);
}

TEST(Finetune, ModelFileInitReproducesTheSourceModel) {
  const auto& s = source();
  auto reference = eval_checkpoint(s.run / "best.dwc", s.data);
  ASSERT_GT(reference.sites, 100u);
  ASSERT_GT(reference.mrr(), 0.3) << "the source model should have learned something";

  auto init = load_init(s.fp32);
  EXPECT_TRUE(init.model_file);
  EXPECT_EQ(init.quant, Quant::kFp32);
  auto ck = load_checkpoint(s.run / "best.dwc", true);
  EXPECT_EQ(init.shape, ck.shape);
  auto ck_vocab = checkpoint_vocab(ck);
  ASSERT_EQ(init.vocab.size(), ck_vocab.size());
  for (uint32_t i = 0; i < ck_vocab.size(); ++i) ASSERT_EQ(init.vocab.token(int32_t(i)), ck_vocab.token(int32_t(i)));
  EXPECT_EQ(init.vocab.member_ids(), ck_vocab.member_ids());

  Model m(init.shape, 99);  // a different random init, overwritten by apply()
  init.apply(m);
  Comm single;
  auto got = evaluate(m, load_split(s.data, "valid", init.vocab), 8, 16, single);
  EXPECT_EQ(got.sites, reference.sites);
  EXPECT_NEAR(got.mrr(), reference.mrr(), 1e-4);
  EXPECT_NEAR(got.nll_sum, reference.nll_sum, 1e-4 * reference.nll_sum);
}

TEST(Finetune, TrainingFromAModelFileStartsAtItsScoreAndExportsLikeIt) {
  const auto& s = source();
  auto reference = eval_checkpoint(s.run / "best.dwc", s.data);
  for (bool int8 : {false, true}) {
    auto out = temp_root() / (int8 ? "ft-int8" : "ft-fp32");
    auto c = small();
    c.epochs = 1;
    c.dx = 40;  // ignored: the architecture comes from the init model
    c.lr = 0.002f;
    auto r = train(s.data, out, c, int8 ? s.int8 : s.fp32);
    EXPECT_EQ(r.before.sites, reference.sites);
    if (int8)
      EXPECT_NEAR(r.before.mrr(), reference.mrr(), 0.03) << "INT8 rounding only";
    else
      EXPECT_NEAR(r.before.mrr(), reference.mrr(), 1e-4);
    EXPECT_GE(r.best.mrr(), r.before.mrr()) << "the init model is the best until an epoch beats it";
    EXPECT_EQ(load_checkpoint(out / "checkpoint.dwc", true).shape.dx, 24u);

    ASSERT_EQ(r.exported, out / "model.dwm");
    auto f = ModelFile::open(r.exported);
    EXPECT_EQ(f.quant(), int8 ? Quant::kInt8 : Quant::kFp32);
    auto src = ModelFile::open(s.fp32);
    ASSERT_EQ(f.vocab().size(), src.vocab().size());
    for (size_t i = 0; i < src.vocab().size(); ++i) EXPECT_EQ(f.vocab()[i], src.vocab()[i]);
    EXPECT_EQ(f.member_id_vector(), src.member_id_vector());
  }
}

// Real Python files shaped like the planted data; each different (the corpus drops duplicates).
void write_project(const fs::path& dir, int n) {
  for (int i = 0; i < n; ++i) {
    auto p = dir / (i % 3 ? "pkg" : "") / ("mod" + std::to_string(i) + ".py");
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "def f" << i << "(obj, a, b):\n    x = " << i << "\n    obj.open()\n    a.append(x)\n"
                     << "    b.pop()\n    obj.close()\n    return x\n";
  }
}

std::set<std::string> shard_paths(const fs::path& shard) {
  std::set<std::string> out;
  if (fs::exists(shard))
    for (const auto& f : read_shard(shard)) out.insert(f.path);
  return out;
}

TEST(Finetune, SourceTreeIsSplitByPathHash) {
  auto project = temp_root() / "project";
  write_project(project, 60);
  const auto& s = source();
  auto vocab = load_init(s.fp32).vocab;
  auto a = temp_root() / "split-a", b = temp_root() / "split-b";
  auto pa = prepare_project(project, vocab, a, 1);
  prepare_project(project, vocab, b, 1);

  EXPECT_EQ(pa.train_files + pa.valid_files, 60u);
  EXPECT_GE(pa.valid_files, 4u);  // 20% of 60, give or take the hash
  EXPECT_LE(pa.valid_files, 24u);
  auto train = shard_paths(a / "train-00000.dws"), valid = shard_paths(a / "valid-00000.dws");
  EXPECT_EQ(train.size(), pa.train_files);
  EXPECT_EQ(valid.size(), pa.valid_files);
  for (const auto& p : train) EXPECT_FALSE(held_out(p)) << p;
  for (const auto& p : valid) EXPECT_TRUE(held_out(p)) << p;

  // Deterministic: the same project gives byte-identical data.
  for (const char* f : {"train-00000.dws", "valid-00000.dws", "split.tsv", "vocab.tsv"})
    EXPECT_EQ(read_file(a / f).data, read_file(b / f).data) << f;
  // The data speaks the model's vocabulary.
  auto v = Vocab::load(a / "vocab.tsv");
  ASSERT_EQ(v.size(), vocab.size());
  for (uint32_t i = 0; i < v.size(); ++i) EXPECT_EQ(v.token(int32_t(i)), vocab.token(int32_t(i)));

  // A new file moves no other file between the splits.
  write_project(project, 61);
  auto pc = prepare_project(project, vocab, a, 1);
  auto train2 = shard_paths(a / "train-00000.dws"), valid2 = shard_paths(a / "valid-00000.dws");
  EXPECT_EQ(pc.train_files + pc.valid_files, 61u);
  for (const auto& p : train) EXPECT_TRUE(train2.count(p)) << p;
  for (const auto& p : valid) EXPECT_TRUE(valid2.count(p)) << p;
}

TEST(Finetune, SourceTreeAsDataTrainsOnTheProject) {
  auto project = temp_root() / "project2";
  write_project(project, 40);
  const auto& s = source();
  auto out = temp_root() / "ft-project";
  auto c = small();
  c.epochs = 2;
  auto r = train(project, out, c, s.int8);
  EXPECT_EQ(r.data, out / "data");
  EXPECT_TRUE(fs::exists(out / "data" / "split.tsv"));
  EXPECT_TRUE(fs::exists(out / "data" / "train-00000.dws"));
  EXPECT_GT(r.before.sites, 0u);
  EXPECT_TRUE(fs::exists(out / "model.dwm"));
  EXPECT_EQ(ModelFile::open(out / "model.dwm").quant(), Quant::kInt8);

  EXPECT_THROW(train(project, temp_root() / "no-init", c), std::runtime_error) << "a source tree needs --init";
  auto empty = temp_root() / "empty-project";
  fs::create_directories(empty);
  EXPECT_THROW(train(empty, temp_root() / "ft-empty", c, s.fp32), std::runtime_error);
}

}  // namespace
}  // namespace dw::train
