// `dotwise train|tune|export-checkpoint ...` run `dotwise-train` (built beside `dotwise`), which links
// libtorch. Keeping torch in its own binary keeps `dotwise serve` small.
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/Commands.h"

namespace dw::cli {

void add_forwarded_torch_commands(CLI::App& app, const char* argv0) {
  for (const char* name : {"train", "tune"}) {
    auto* sub = app.add_subcommand(name, std::string(name) + " (runs dotwise-train; see `dotwise-train " + name + " --help`)");
    sub->allow_extras();
    sub->set_help_flag();
    sub->callback([sub, name, argv0] {
      std::error_code ec;
      auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
      auto exe = (ec ? std::filesystem::path(argv0) : self).parent_path() / "dotwise-train";
      std::vector<std::string> args{exe.string(), name};
      for (const auto& a : sub->remaining()) args.push_back(a);
      std::vector<char*> cargs;
      for (auto& a : args) cargs.push_back(a.data());
      cargs.push_back(nullptr);
      ::execv(exe.c_str(), cargs.data());
      throw std::runtime_error("cannot run " + exe.string() + " (was dotwise built with DOTWISE_WITH_TORCH=ON?)");
    });
  }
}

}  // namespace dw::cli
