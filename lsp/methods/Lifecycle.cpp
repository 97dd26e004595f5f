// initialize / initialized / shutdown / exit, and settings (initializationOptions,
// workspace/configuration, workspace/didChangeConfiguration).
#include "lsp/Server.h"
#include "rank/LearnedRanker.h"

namespace dw::lsp {

void Server::apply_settings(const Json& j) {
  if (auto err = settings_.apply(j); !err.empty()) log(err);
  ensure_model();
}

void Server::ensure_model() {
  if (settings_.model == loaded_model_ && (predictor_ || settings_.model.empty())) return;
  predictor_.reset();
  model_.reset();
  loaded_model_ = settings_.model;
  if (settings_.model.empty()) {
    log("no model: completion lists keep their upstream order");
    return;
  }
  try {
    model_ = std::make_unique<Model>(Model::open(settings_.model));
    predictor_ = std::make_unique<Predictor>(*model_, *extractor_, settings_.predictor);
    log("model " + settings_.model + " loaded");
  } catch (const std::exception& e) {
    model_.reset();
    log("cannot load model " + settings_.model + ": " + e.what() + " (completion lists keep their upstream order)");
  }
  rebuild_engine();
}

void Server::rebuild_engine() {
  ranker_ = {};
  if (model_ && settings_.ranker == RankerKind::Learned) {
    auto path = ranker_path_for(settings_.model);
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      log("no learned ranker beside the model (" + path.string() + "): the model ordering is used");
    } else {
      try {
        ranker_ = load_ranker(path, &model_->file());
        log("ranker " + path.string() + " loaded (" + std::to_string(ranker_.trees()) + " trees)");
      } catch (const std::exception& e) {
        log(std::string("cannot load the ranker: ") + e.what() + " (the model ordering is used)");
      }
    }
  }
  EngineOptions eo;
  eo.ranker = settings_.ranker;
  eo.scan_before = settings_.scan_before;
  eo.scan_after = settings_.scan_after;
  eo.scan = settings_.scan;
  engine_ = std::make_unique<CompletionEngine>(*stubs_, index_.get(), ranker_.empty() ? nullptr : &ranker_, eo);
}

Json Server::capabilities() const {
  return {
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", true}}}}},
      {"completionProvider", {{"triggerCharacters", {"."}}, {"resolveProvider", false}}},
      {"notebookDocumentSync",
       {{"notebookSelector",
         {{{"notebook", {{"notebookType", "jupyter-notebook"}}}, {"cells", {{{"language", "python"}}}}}}}}},
  };
}

void Server::on_initialize(const Json& msg) {
  if (initialized_) {
    reply_error(msg["id"], kInvalidRequest, "initialize was already called");
    return;
  }
  const Json params = msg.value("params", Json::object());
  const Json* ld =
      find_path(params, {"capabilities", "textDocument", "completion", "completionItem", "labelDetailsSupport"});
  label_details_ = ld && ld->is_boolean() && ld->get<bool>();
  const Json* cfg = find_path(params, {"capabilities", "workspace", "configuration"});
  client_configuration_ = cfg && cfg->is_boolean() && cfg->get<bool>();
  if (!label_details_) settings_.rank.star_in_label = true;  // else the ★ would not show
  const Json* wdp = find_path(params, {"capabilities", "window", "workDoneProgress"});
  work_done_progress_ = wdp && wdp->is_boolean() && wdp->get<bool>();
  if (const Json* o = find_path(params, {"initializationOptions"}))
    apply_settings(*o);
  else
    ensure_model();
  initialized_ = true;
  reply(msg["id"], {{"capabilities", capabilities()}, {"serverInfo", {{"name", "dotwise"}, {"version", "0.1.0"}}}});
  start_index(params);  // after the reply: no request (its progress token) may precede InitializeResult
}

void Server::on_initialized(const Json&) {
  client_initialized_ = true;
  if (opt_.wait_for_index_s > 0 && index_) {
    std::unique_lock lk(index_mu_);
    index_cv_.wait_for(lk, std::chrono::duration<double>(opt_.wait_for_index_s), [&] { return index_built_; });
  }
  if (!client_configuration_) return;
  send_request_to_client("workspace/configuration", {{"items", {{{"section", "dotwise"}}}}}, [this](const Json& resp) {
    const Json* r = find_path(resp, {"result"});
    if (r && r->is_array() && !r->empty() && (*r)[0].is_object()) apply_settings((*r)[0]);
  });
}

void Server::on_shutdown(const Json& msg) {
  shutdown_ = true;
  reply(msg["id"], nullptr);
}

void Server::on_exit(const Json&) { exit_ = true; }

void Server::on_did_change_configuration(const Json& msg) {
  if (const Json* s = find_path(msg, {"params", "settings"})) apply_settings(*s);
}

}  // namespace dw::lsp
