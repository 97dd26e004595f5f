// The project index behind completion: built from the workspace folders on its own thread at
// `initialize` (completion answers meanwhile, with what is indexed so far), reported with $/progress,
// and kept current from textDocument/didChange and didSave and workspace/didChangeWatchedFiles.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lsp/Server.h"
#include "support/Clock.h"
#include "support/FileIO.h"
#include "support/Memory.h"

namespace dw::lsp {
namespace {
namespace fs = std::filesystem;

// Names tried, most imported first; those with a stub are read (61 of 400 on 16 Debian projects,
// 0.4 s on the index thread, no measurable RSS; all 190 found there cost +2.2 MB).
constexpr size_t kWarmStubModules = 400;

// file:///a%20b/c.py -> /a b/c.py; "" for other schemes.
std::string uri_path(std::string_view uri) {
  if (!uri.starts_with("file://")) return {};
  uri.remove_prefix(7);
  std::string out;
  for (size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
      out += char(std::stoi(std::string(uri.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

Json progress(const std::string& token, Json value) {
  return {{"jsonrpc", "2.0"}, {"method", "$/progress"}, {"params", {{"token", token}, {"value", std::move(value)}}}};
}
}  // namespace

void Server::start_index(const Json& params) {
  if (!settings_.index || index_) return;
  std::vector<fs::path> roots;
  if (const Json* wf = find_path(params, {"workspaceFolders"}); wf && wf->is_array())
    for (const auto& f : *wf)
      if (auto p = uri_path(string_at(f, {"uri"})); !p.empty()) roots.emplace_back(p);
  if (roots.empty())
    if (auto p = uri_path(string_at(params, {"rootUri"})); !p.empty()) roots.emplace_back(p);
  if (roots.empty())
    if (auto p = string_at(params, {"rootPath"}); !p.empty()) roots.emplace_back(p);
  if (roots.empty()) return;
  index_ = std::make_unique<ProjectIndex>(settings_.index_limits, settings_.scan);
  rebuild_engine();
  std::string token;
  if (work_done_progress_) {
    token = "dotwise/index";
    send_request_to_client("window/workDoneProgress/create", {{"token", token}}, [](const Json&) {});
  }
  index_thread_ = std::thread([this, roots, token] { index_loop(roots, token); });
}

void Server::index_loop(std::vector<fs::path> roots, std::string token) {
  // Below the threads that answer completions: on two cores the build otherwise takes a core from
  // every completion made while it runs (lsp_probe as is: p50 11-12 -> 9-10 ms, p99 41-46 -> 34-39).
  setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
  if (!token.empty())
    client_.write(progress(token, {{"kind", "begin"}, {"title", "dotwise: indexing"}, {"percentage", 0}}));
  // Every file's types start from builtins: its stub (~30 ms to parse) is read before anyone asks.
  for (const char* m : {"builtins", "typing"}) stubs_->members(m);
  size_t last_pct = 0;
  index_->build(
      roots,
      [&](size_t done, size_t total) {
        size_t pct = total ? done * 100 / total : 100;
        if (token.empty() || pct < last_pct + 5) return;
        last_pct = pct;
        client_.write(progress(
            token, {{"kind", "report"}, {"message", fmt::format("{}/{} files", done, total)}, {"percentage", pct}}));
      },
      &index_stop_);
  IndexStats st = index_->stats();
  std::string skipped;
  for (const auto& [why, n] : st.skipped) skipped += fmt::format("{}{} {}", skipped.empty() ? "" : ", ", n, why);
  log(
      fmt::format("index: {} files ({:.1f} MB), {} classes, {} receiver/member pairs, ~{:.1f} MB held, {:.0f} ms; "
                  "skipped: {}",
                  st.files, double(st.bytes) / 1e6, st.classes, st.pairs, double(st.memory_bytes) / 1e6, st.build_ms,
                  skipped.empty() ? "none" : skipped));
  if (!token.empty())
    client_.write(progress(token, {{"kind", "end"}, {"message", fmt::format("{} files indexed", st.files)}}));
  // The stubs of what the project imports most, read now rather than by the first completion on
  // them (numpy's take ~50 ms); each is held until exit, as after a completion, hence the bound.
  const auto t_warm = std::chrono::steady_clock::now();
  size_t warmed = 0;
  for (const auto& m : index_->imported_modules(kWarmStubModules)) {
    if (index_stop_) break;
    if (!stubs_->warm(m)) continue;
    ++warmed;
    stubs_->members(m);
  }
  release_free_memory();
  log(fmt::format("stubs: {} of the project's most imported modules read ahead in {:.0f} ms", warmed,
                  ms_since(t_warm)));
  {
    std::lock_guard lk(index_mu_);
    index_built_ = true;
  }
  index_cv_.notify_all();

  for (;;) {
    std::unique_lock lk(index_mu_);
    index_cv_.wait(lk, [&] { return index_stop_ || !index_jobs_.empty(); });
    if (index_stop_) return;
    // Typing sends a change per keystroke: let a burst settle, then index only its last text.
    index_cv_.wait_for(lk, std::chrono::milliseconds(300), [&] { return index_stop_.load(); });
    if (index_stop_) return;
    auto job = std::move(*index_jobs_.begin());
    index_jobs_.erase(index_jobs_.begin());
    lk.unlock();
    if (job.second) {
      index_->update_file(job.first, *job.second);
      continue;
    }
    auto r = read_file(job.first, settings_.index_limits.max_file_bytes);
    if (r.error.empty())
      index_->update_file(job.first, r.data);
    else
      index_->remove_file(job.first);
  }
}

void Server::queue_index(const std::string& uri, std::optional<std::string> text) {
  if (!index_) return;
  std::string path = uri_path(uri);
  if (path.empty() || !path.ends_with(".py")) return;
  {
    std::lock_guard lk(index_mu_);
    index_jobs_[path] = std::move(text);  // a newer text replaces one not indexed yet
  }
  index_cv_.notify_one();
}

void Server::on_did_save(const Json& msg) {
  std::string uri = string_at(msg, {"params", "textDocument", "uri"});
  if (const Json* t = find_path(msg, {"params", "text"}); t && t->is_string())
    queue_index(uri, t->get<std::string>());
  else if (const Document* d = docs_.get(uri))
    queue_index(uri, d->text);
  else
    queue_index(uri, std::nullopt);
}

void Server::on_did_change_watched_files(const Json& msg) {
  const Json* changes = find_path(msg, {"params", "changes"});
  if (!changes || !changes->is_array()) return;
  for (const auto& c : *changes) queue_index(string_at(c, {"uri"}), std::nullopt);
}

}  // namespace dw::lsp
