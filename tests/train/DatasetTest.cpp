// A file cap must not train on the first few projects only: "spread" keeps files evenly over every
// shard (shards are in project order), "first" keeps the first N in shard order.
#include <gtest/gtest.h>
#include <unistd.h>

#include "corpus/Shard.h"
#include "train/Dataset.h"

namespace dw::train {
namespace {

namespace fs = std::filesystem;

// File i of the split has i + 2 tokens, so a loaded stream's length tells which file it was.
fs::path write_numbered_split(size_t shards, size_t per_shard) {
  auto dir = fs::temp_directory_path() / ("dw_dataset_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  size_t i = 0;
  for (size_t s = 0; s < shards; ++s) {
    std::vector<ShardFile> files;
    for (size_t k = 0; k < per_shard; ++k, ++i) {
      ExtractedFile f;
      StringInterner intern(f);
      for (size_t t = 0; t < i + 2; ++t) f.tokens.push_back(intern("x"));
      files.push_back({"p" + std::to_string(s), "f" + std::to_string(k) + ".py", f});
    }
    write_shard(dir / ("train-0000" + std::to_string(s) + ".dws"), files);
  }
  return dir;
}

std::vector<size_t> file_numbers(const Dataset& d) {
  std::vector<size_t> out;
  for (const auto& s : d.files) out.push_back(s.ids.size() - 2);
  return out;
}

TEST(Dataset, SpreadCapTakesFilesEvenlyFromEveryShard) {
  auto dir = write_numbered_split(3, 10);
  Vocab v = Vocab::build({{"x", {10, 0}}}, 1, 4);
  EXPECT_EQ(file_numbers(load_split(dir, "train", v, 6)), (std::vector<size_t>{4, 9, 14, 19, 24, 29}));
  EXPECT_EQ(file_numbers(load_split(dir, "train", v, 6, false)), (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(load_split(dir, "train", v, 0).files.size(), 30u);
  EXPECT_EQ(load_split(dir, "train", v, 100).files.size(), 30u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dw::train
