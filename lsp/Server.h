// `dotwise serve`: an LSP server over a pair of fds. Standalone, it answers completion itself
// (candidates from lsp/Standalone, ranked by the model). As a proxy (`upstream` set) it starts the
// upstream server and passes every message both ways untouched except: the capabilities merge
// (adds "." to the completion trigger characters), the re-ranking of completion lists at member
// accesses, and ids of upstream->client requests (renumbered, so they never clash with ours).
// The upstream is restarted when it dies (the editor's connection stays up; open documents are
// replayed); after too many deaths the server carries on standalone.
//
// Threads: the main thread reads the editor; in proxy mode one more thread reads the upstream. `mu_`
// guards everything both touch. Method handlers live in lsp/methods/, one file per area.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <future>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "index/ProjectIndex.h"
#include "lsp/Documents.h"
#include "lsp/Settings.h"
#include "lsp/Transport.h"
#include "lsp/Upstream.h"
#include "rank/CompletionEngine.h"
#include "rank/ContextWindow.h"
#include "rank/Predictor.h"
#include "rank/TreeEnsemble.h"
#include "support/Clock.h"
#include "support/Worker.h"
#include "syntax/Typeshed.h"

namespace dw::lsp {

struct ServerOptions {
  Settings settings;                              // command-line defaults; the editor may override
  std::vector<std::string> upstream;              // argv of the upstream server; empty = standalone
  std::vector<std::filesystem::path> stub_roots;  // empty = TypeshedIndex::default_roots()
  int max_restarts = 5;
  bool log = true;     // one line per notable event on stderr
  bool trace = false;  // and one per completion with where its time went
  // Handle nothing after `initialized` until the first index build is done (at most this many
  // seconds; 0: never wait): for batch clients and measurements of the built-index steady state.
  double wait_for_index_s = 0;
};

class Server {
 public:
  Server(ServerOptions opt, int in_fd, int out_fd);
  ~Server();
  int run();  // until `exit` or end of input; the process exit code per the spec

 private:
  using Handler = void (Server::*)(const Json& msg);
  ServerOptions opt_;
  Transport client_;
  std::mutex mu_;
  Documents docs_;
  Settings settings_;
  std::unique_ptr<TypeshedIndex> stubs_;
  std::unique_ptr<Extractor> extractor_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Predictor> predictor_;
  std::list<std::pair<std::string, WindowCache>> windows_;  // per document, most recent first
  std::string loaded_model_;
  TreeEnsemble ranker_;  // the model's companion .dwr; empty when there is none
  std::unique_ptr<CompletionEngine> engine_;

  // The project index, built and updated on its own thread (methods/Workspace.cpp). `index_jobs_`:
  // files to re-index, path -> the text to index (nullopt: read it from disk, or forget it if gone).
  std::unique_ptr<ProjectIndex> index_;
  std::thread index_thread_;
  std::atomic<bool> index_stop_{false};
  std::mutex index_mu_;
  std::condition_variable index_cv_;
  bool index_built_ = false;  // the first build is over (guarded by index_mu_, signalled on index_cv_)
  std::map<std::string, std::optional<std::string>> index_jobs_;
  bool work_done_progress_ = false;  // the client takes window/workDoneProgress/create
  bool initialized_ = false, shutdown_ = false, exit_ = false, client_initialized_ = false;
  bool label_details_ = false;  // the client renders CompletionItem.labelDetails
  bool client_configuration_ = false;
  int64_t next_id_ = 1;                                                   // ids of requests we send to the client
  std::map<std::string, std::function<void(const Json&)>> own_requests_;  // id key -> on response

  // Proxy state.
  bool proxy_ = false;
  std::unique_ptr<Upstream> up_;
  std::thread up_thread_;
  bool up_ready_ = true;  // false while a restarted upstream is being initialised
  int generation_ = 0, restarts_ = 0;
  Json init_params_;             // the client's initialize params, replayed after a restart
  std::optional<Json> init_id_;  // the client's initialize id until it is answered
  std::vector<Json> held_;       // client messages waiting for a restarted upstream
  struct Pending {               // a client request the upstream has not answered yet
    Json id;
    std::string method;
    std::shared_ptr<const Prediction> prediction;           // completion at a member access
    std::shared_ptr<const std::vector<OwnCandidate>> ours;  // and our own list there, to merge
    std::string dot;        // completion: "uri:line:column" of the dot (the late-list cache key)
    SteadyTime deadline{};  // completion with `ours`: when ours goes out alone
    bool answered = false;  // it did: the upstream's late answer is only cached
    Json sent_item;         // completionItem/resolve: the item as ranked
  };
  std::unordered_map<std::string, Pending> pending_;
  struct Reverse {
    int generation;
    Json upstream_id;
  };
  std::unordered_map<std::string, Reverse> reverse_;  // our id -> upstream's, for upstream->client requests
  std::condition_variable up_cv_;
  // Completion deadlines (lsp/Proxy.cpp): a thread answers from our own list when the upstream is
  // late; the late lists, by dot, newest last, serve the next request there.
  std::thread deadline_thread_;
  std::condition_variable deadline_cv_;
  std::list<std::pair<std::string, Json>> late_lists_;

  Worker scan_worker_;  // declared after what its tasks use (engine_): destroyed before it

  std::map<std::string, Handler> handlers_;
  void log(const std::string& line) const;
  void reply(const Json& id, Json result) { client_.write(make_response(id, std::move(result))); }
  void reply_error(const Json& id, int code, const std::string& msg) { client_.write(make_error(id, code, msg)); }
  void send_request_to_client(const std::string& method, Json params, std::function<void(const Json&)> on_response);

  // Standalone dispatch (lsp/Server.cpp).
  void dispatch(const Json& msg);
  bool cancelled_ahead(const Json& id);

  // Settings and the model (methods/Lifecycle.cpp).
  void apply_settings(const Json& j);
  void ensure_model();
  Json capabilities() const;
  void on_initialize(const Json& msg);
  void on_initialized(const Json& msg);
  void on_shutdown(const Json& msg);
  void on_exit(const Json& msg);
  void on_did_change_configuration(const Json& msg);

  // The project index and the engine over it (methods/Workspace.cpp).
  void start_index(const Json& init_params);
  void index_loop(std::vector<std::filesystem::path> roots, std::string progress_token);
  void queue_index(const std::string& uri, std::optional<std::string> text);
  void rebuild_engine();
  void on_did_save(const Json& msg);
  void on_did_change_watched_files(const Json& msg);

  // Documents (methods/TextSync.cpp).
  void on_did_open(const Json& msg);
  void on_did_change(const Json& msg);
  void on_did_close(const Json& msg);
  void on_notebook_open(const Json& msg);
  void on_notebook_change(const Json& msg);
  void on_notebook_close(const Json& msg);
  bool track_document(const Json& msg);  // applies any sync notification; true when it was one

  // Completion (methods/Completion.cpp).
  std::optional<Prediction> predict_at(const Json& params);
  // A document's text as completion reads it: in place, or for a notebook cell the code cells above
  // it joined with its own into `owned`. `offset`: where the document's own text starts in it.
  std::string_view completion_text(const std::string& uri, const Document& d, std::string& owned, size_t& offset);
  WindowCache& window_cache(const std::string& uri);
  std::string standalone_completion(const Json& params);  // the CompletionList as JSON text
  // The engine at the cursor (nullopt: no such document or engine), and its list as ours to merge
  // (nullopt also under the model ordering, which only re-ranks an upstream's list).
  // The document as the engine reads it: a view of the open document's text, which no message can
  // change while the request that made it is handled (its scan is waited for before the handler
  // returns, PendingScan::Wait); a notebook cell owns the code cells above it joined with its own.
  // A copy of a 1.4 MB document was 1.4 MB of peak RSS per completion in it.
  struct EngineInput {
    std::string owned, path;
    std::string_view text;
    size_t cursor = 0;
    DocumentView view() const { return {path, text, cursor}; }
  };
  std::shared_ptr<const EngineInput> engine_input(const Json& params);
  // The scan's last parse of the documents completed in most recently (only the worker parses).
  std::shared_ptr<ParseCache> scan_cache(const std::string& uri);
  std::mutex scan_caches_mu_;
  std::list<std::pair<std::string, std::shared_ptr<ParseCache>>> scan_caches_;
  struct PendingScan {  // the document's copy and its scan, made on scan_worker_
    std::shared_ptr<const EngineInput> in;
    std::future<DocumentScan> scan;
    // Whatever way a completion returns (an exception included), its scan is over first: the
    // engine it reads must not change under it.
    struct Wait {
      std::future<DocumentScan>& f;
      ~Wait() {
        if (f.valid()) f.wait();
      }
    };
  };
  PendingScan start_scan(const Json& params);
  // `pre`: the copy and scan made for this request (else the engine makes them).
  std::optional<CompletionResult> engine_complete(const Json& params, Prediction& p, PendingScan* pre = nullptr);
  std::optional<std::vector<OwnCandidate>> own_candidates(const Json& params, Prediction& p,
                                                          PendingScan* pre = nullptr);
  void on_completion(const Json& msg);
  void rerank(Json& result, const Prediction& p);

  // Proxy (lsp/Proxy.cpp).
  int run_proxy();
  void from_client(Json msg);
  void to_upstream(const Json& msg);
  void upstream_loop();
  // read_at, read_cpu: when the message came off the pipe, and thread_cpu_ms() then (--trace reports
  // how long a completion reply was held, and how much of that was our CPU time).
  void from_upstream(Json msg, SteadyTime read_at, double read_cpu);
  void on_upstream_death();
  void after_reinit();
  void deadline_loop();
};

}  // namespace dw::lsp
