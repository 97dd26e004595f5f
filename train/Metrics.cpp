#include "train/Metrics.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "support/FileIO.h"

namespace dw::train {
namespace {
// Runs gnuplot on `script`; true if it succeeded. Not through the shell: gnuplot is killed with the
// trainer (PR_SET_PDEATHSIG), or an orphan would go on to write its image into a run directory a
// resumed run has already cleaned.
bool run_gnuplot(const std::filesystem::path& script) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the trainer died before the line above
    if (int null = ::open("/dev/null", O_WRONLY); null >= 0) ::dup2(null, 1), ::dup2(null, 2);
    ::execlp("gnuplot", "gnuplot", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}
}  // namespace

MetricsLog::MetricsLog(const std::filesystem::path& p, bool resume, uint64_t keep_until_step) : path_(p) {
  std::string kept;
  if (resume) {
    std::ifstream in(p);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("step")) continue;  // a torn last line after a kill
      if (j["step"].get<uint64_t>() <= keep_until_step) kept += line + "\n";
    }
  }
  write_file_atomic(p, kept);
}

void MetricsLog::write(const nlohmann::json& line) {
  if (path_.empty()) return;
  std::ofstream out(path_, std::ios::app);
  out << line.dump() << "\n";
}

std::string plot_curves(const std::filesystem::path& jsonl, const std::filesystem::path& png) {
  std::ifstream in(jsonl);
  std::ostringstream train, valid;
  // A rate over no sites is NaN, which JSON writes as null: such a point is left out, never read as 0.
  auto num = [](const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
  };
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    auto kind = j.value("kind", "");
    const double tokens = num(j, "tokens"), loss = num(j, "loss"), mrr = num(j, "mrr"), top1 = num(j, "top1"),
                 acc = num(j, "acc");
    if (kind == "train" && std::isfinite(tokens) && std::isfinite(loss))  // gnuplot skips a NaN accuracy
      train << tokens << ' ' << loss << ' ' << (std::isfinite(acc) ? std::to_string(acc) : "NaN") << '\n';
    if (kind == "valid" && std::isfinite(tokens) && std::isfinite(mrr) && std::isfinite(top1) && std::isfinite(loss))
      valid << tokens << ' ' << mrr << ' ' << top1 << ' ' << loss << '\n';
  }
  if (train.str().empty()) return "nothing to plot yet";
  auto dir = png.parent_path();
  auto tdat = dir / ".curves-train.dat", vdat = dir / ".curves-valid.dat", gp = dir / ".curves.gp";
  const std::string tmp_png = temp_path(png).string();  // a killed run's is removed by the next (remove_stale_temps)
  write_file_atomic(tdat, train.str());
  write_file_atomic(vdat, valid.str().empty() ? "0 0 0 0\n" : valid.str());
  std::ostringstream s;
  s << "set terminal pngcairo size 1000,420 noenhanced\nset output '" << tmp_png << "'\n"
    << "set multiplot layout 1,2\nset xlabel 'tokens seen (millions)'\nset grid\n"
    << "set title 'training loss (site cross-entropy)'\nplot '" << tdat.string()
    << "' using ($1/1e6):2 with lines title 'train'"
    << (valid.str().empty() ? "" : ", '" + vdat.string() + "' using ($1/1e6):4 with linespoints title 'valid'") << "\n"
    << "set title 'site accuracy'\nset yrange [0:1]\nplot '" << vdat.string()
    << "' using ($1/1e6):2 with linespoints title 'valid MRR', '' using ($1/1e6):3 with linespoints title 'valid "
       "top-1', '"
    << tdat.string() << "' using ($1/1e6):3 with lines title 'train top-1'\nunset multiplot\n";
  write_file_atomic(gp, s.str());
  if (!run_gnuplot(gp)) {
    // pngcairo is not in every gnuplot build; the plain png terminal is.
    auto script = s.str();
    script.replace(script.find("pngcairo"), 8, "png");
    write_file_atomic(gp, script);
    if (!run_gnuplot(gp)) {
      std::error_code ec;
      std::filesystem::remove(tmp_png, ec);
      return "gnuplot failed or is not installed";
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp_png, png, ec);
  return ec ? ec.message() : "";
}

}  // namespace dw::train
