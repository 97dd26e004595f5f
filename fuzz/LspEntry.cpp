#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "fuzz/Entries.h"
#include "lsp/Server.h"
#include "model/ModelFile.h"
#include "model/RandomWeights.h"
#include "support/FileIO.h"

namespace dw::fuzz {
namespace fs = std::filesystem;
namespace {

// A private directory with a few stubs and a small random-weight model, made once per process: the
// server then parses, predicts and ranks for real, and each input costs milliseconds, not the
// seconds a full typeshed index would.
struct Fixture {
  fs::path dir, model;
  Fixture() {
    std::string tmpl = (fs::temp_directory_path() / "dotwise-fuzz-lsp-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    dir = tmpl;
    fs::create_directories(dir / "stubs" / "os");
    write_file_atomic(
        dir / "stubs" / "builtins.pyi",
        "class object:\n    def __init__(self) -> None: ...\n"
        "class str:\n    def upper(self) -> str: ...\n    def lower(self) -> str: ...\n"
        "    def split(self, sep: str = ...) -> list[str]: ...\n    def strip(self) -> str: ...\n"
        "class list:\n    def append(self, x: object) -> None: ...\n    def count(self, x: object) -> int: ...\n"
        "class int:\n    def bit_length(self) -> int: ...\n"
        "def open(file: str) -> str: ...\n");
    write_file_atomic(dir / "stubs" / "os" / "__init__.pyi",
                      "from . import path as path\ndef getcwd() -> str: ...\ndef listdir(p: str) -> list[str]: ...\n");
    write_file_atomic(dir / "stubs" / "os" / "path.pyi",
                      "def join(a: str, *p: str) -> str: ...\ndef exists(p: str) -> bool: ...\n"
                      "def dirname(p: str) -> str: ...\n");
    std::vector<std::string> vocab = {"<pad>",    "<unk>",    ".",      "(",       ")",      "=",       "<nl>",
                                      "<indent>", "<dedent>", "import", "def",     "self",   "os",      "os.path",
                                      "x",        "join",     "exists", "dirname", "getcwd", "listdir", "upper",
                                      "lower",    "split",    "strip",  "append",  "count"};
    ModelConfig cfg;
    cfg.vocab_size = uint32_t(vocab.size());
    cfg.max_oov = 4;
    cfg.dx = 8;
    cfg.dh = 8;
    cfg.layers = 1;
    RandomModelOptions ro;
    ro.seed = 1;
    ModelWeights w = random_weights(cfg, ro);
    w.vocab = vocab;
    std::vector<int32_t> members;
    for (size_t i = 15; i < vocab.size(); ++i) members.push_back(int32_t(i));
    model = dir / "fuzz.dwm";
    write_model(model, w, Quant::kFp32, members);
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};
}  // namespace

void lsp_bytes(std::string_view bytes) {
  static const Fixture fx;
  // The client's whole stream as the server's stdin: a memfd reads like a pipe that was closed.
  int in = ::memfd_create("dotwise-fuzz-lsp", MFD_CLOEXEC);
  int out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  require(in >= 0 && out >= 0, "memfd and /dev/null");
  for (size_t at = 0; at < bytes.size();) {
    ssize_t n = ::write(in, bytes.data() + at, bytes.size() - at);
    require(n > 0, "write to memfd");
    at += size_t(n);
  }
  ::lseek(in, 0, SEEK_SET);
  {
    lsp::ServerOptions opt;
    opt.settings.model = fx.model.string();
    opt.stub_roots = {fx.dir / "stubs"};
    opt.log = false;
    lsp::Server server(std::move(opt), in, out);
    int rc = server.run();
    require(rc == 0 || rc == 1, "exit code per the spec");
  }
  ::close(in);
  ::close(out);
}

}  // namespace dw::fuzz
