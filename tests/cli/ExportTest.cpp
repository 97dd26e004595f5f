// `dotwise export --int8 --calibrate DIR` end to end: the calibration files it reads (and those it
// skips, counted), the file it writes, and the options it refuses.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "model/ModelFile.h"
#include "support/FileIO.h"
#include "tests/support/ChildProcess.h"

namespace dw {
namespace {

namespace fs = std::filesystem;

// Runs a shell command; returns its exit status and fills `out` with stdout and stderr.
int run(const std::string& cmd, std::string& out) { return test::run_shell(cmd + " 2>&1", out); }

class Export : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("dw_export_test_" + std::to_string(::getpid()));
  std::string exe = test::dotwise_binary();
  void SetUp() override {
    fs::create_directories(dir / "code" / "pkg");
    // The shipped model's weights moved off the INT8 grid, as a freshly trained FP32 model's are.
    ModelWeights w = ModelFile::open(fs::path(DOTWISE_SOURCE_DIR) / "models/default.dwm").to_weights();
    std::mt19937_64 rng(1);
    std::normal_distribution<float> noise(0, 1e-3f);
    for (auto& L : w.lstm)
      for (auto* m : {&L.w_ih, &L.w_hh})
        for (auto& v : *m) v += noise(rng);
    for (auto& v : w.embedding) v += noise(rng);
    write_model(dir / "fp32.dwm", w, Quant::kFp32);
    write_file_atomic(dir / "code/a.py",
                      "import os\nimport json\n\ndef load(path):\n    with open(path) as f:\n"
                      "        data = json.load(f)\n    return os.path.join(path, data.get('name'))\n");
    write_file_atomic(dir / "code/pkg/b.py",
                      "class Box:\n    def __init__(self):\n        self.items = []\n    def add(self, x):\n"
                      "        self.items.append(x)\n        return self.items.copy()\n");
    write_file_atomic(dir / "code/pkg/junk.py", std::string("\x7f"
                                                            "ELF\0\0\x01\xff\xfe binary",
                                                            16));
  }
  void TearDown() override { fs::remove_all(dir); }
};

TEST_F(Export, CalibratedInt8ReadsTheCodeAndRoundsDifferently) {
  std::string out;
  ASSERT_EQ(run(exe + " export " + (dir / "fp32.dwm").string() + " --int8 -o " + (dir / "plain.dwm").string(), out), 0)
      << out;
  ASSERT_EQ(run(exe + " export " + (dir / "fp32.dwm").string() + " --int8 --calibrate " + (dir / "code").string() +
                    " -o " + (dir / "gptq.dwm").string(),
                out),
            0)
      << out;
  EXPECT_NE(out.find("calibration: 2 of 3 Python files under " + (dir / "code").string() + " ("), std::string::npos)
      << out;
  EXPECT_NE(out.find("tokens) (skipped: 1 binary)\n"), std::string::npos) << out;
  const ModelFile plain = ModelFile::open(dir / "plain.dwm"), gptq = ModelFile::open(dir / "gptq.dwm");
  EXPECT_EQ(gptq.quant(), Quant::kInt8);
  EXPECT_EQ(gptq.file_size(), plain.file_size());
  EXPECT_NE(read_file(dir / "plain.dwm").data, read_file(dir / "gptq.dwm").data);
}

TEST_F(Export, CalibrationStopsAtTheTokenLimit) {
  std::string out;
  ASSERT_EQ(run(exe + " export " + (dir / "fp32.dwm").string() + " --int8 --calibrate " + (dir / "code").string() +
                    " --calibration-tokens 1 -o " + (dir / "gptq.dwm").string(),
                out),
            0)
      << out;
  EXPECT_NE(out.find("calibration: 1 of "), std::string::npos) << out;  // the first usable file is enough
  EXPECT_NE(out.find("more unread"), std::string::npos) << out;
}

TEST_F(Export, CalibrationOptionsAreChecked) {
  std::string out;
  const std::string model = (dir / "fp32.dwm").string();
  EXPECT_NE(
      run(exe + " export " + model + " --calibrate " + (dir / "code").string() + " -o " + (dir / "x.dwm").string(),
          out),
      0);
  EXPECT_NE(out.find("--calibrate needs --int8"), std::string::npos) << out;
  EXPECT_NE(run(exe + " export " + model + " --int8 --calibrate " + (dir / "missing").string() + " -o " +
                    (dir / "x.dwm").string(),
                out),
            0);
  EXPECT_NE(run(exe + " export " + model + " --int8 --calibration-tokens 5 -o " + (dir / "x.dwm").string(), out), 0);
  EXPECT_NE(out.find("--calibration-tokens needs --calibrate"), std::string::npos) << out;
  fs::create_directories(dir / "empty");
  EXPECT_NE(run(exe + " export " + model + " --int8 --calibrate " + (dir / "empty").string() + " -o " +
                    (dir / "x.dwm").string(),
                out),
            0);
  EXPECT_NE(out.find("no usable Python file"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir / "x.dwm"));
}

// The ONNX graph comes from `dotwise-onnx`, run by `dotwise export --onnx`; ONNX's own checker (the
// Python package, when installed) accepts the file, with the model's vocabulary size as its output.
TEST_F(Export, OnnxIsWrittenAndChecked) {
  std::string out;
  const fs::path onnx = dir / "m.onnx";
  ASSERT_EQ(run(exe + " export " + (dir / "fp32.dwm").string() + " --onnx " + onnx.string(), out), 0) << out;
  ASSERT_TRUE(fs::exists(onnx)) << out;
  EXPECT_GT(fs::file_size(onnx), fs::file_size(dir / "fp32.dwm") / 2);
  if (run("/usr/bin/python3 -c 'import onnx'", out) != 0)
    GTEST_SKIP() << "python3-onnx is not installed (Debian's /usr/bin/python3)";
  ASSERT_EQ(run("/usr/bin/python3 -c \"import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m); "
                "print(m.graph.output[0].type.tensor_type.shape.dim[1].dim_value)\" " +
                    onnx.string(),
                out),
            0)
      << out;
  const ModelFile m = ModelFile::open(dir / "fp32.dwm");
  const auto& c = m.config();
  EXPECT_EQ(std::stoul(out), c.vocab_size + c.max_oov) << out;
  // A model that is not one fails with a message, and no file.
  write_file_atomic(dir / "bad.dwm", "not a model");
  EXPECT_NE(run(exe + " export " + (dir / "bad.dwm").string() + " --onnx " + (dir / "bad.onnx").string(), out), 0);
  EXPECT_FALSE(fs::exists(dir / "bad.onnx"));
}

// The serving binary does not load libonnx/libprotobuf (~3.8 MB of RSS): only dotwise-onnx does.
TEST_F(Export, ServingBinaryDoesNotLinkOnnx) {
  std::string out;
  ASSERT_EQ(run("ldd " + exe, out), 0) << out;
  EXPECT_EQ(out.find("libprotobuf"), std::string::npos) << out;
  EXPECT_EQ(out.find("libonnx"), std::string::npos) << out;
}

}  // namespace
}  // namespace dw
