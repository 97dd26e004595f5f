#include "lsp/Settings.h"

#include <unistd.h>

#include <cstdlib>

namespace dw::lsp {

std::string Settings::apply(const Json& in) {
  const Json& j = in.is_object() && in.contains("dotwise") ? in["dotwise"] : in;
  if (!j.is_object()) return j.is_null() ? "" : "settings: expected an object";
  std::string err;
  auto want = [&](const char* key, bool ok) {
    if (!ok) err += std::string(err.empty() ? "" : "; ") + "settings: '" + key + "' has the wrong type";
    return ok;
  };
  if (auto it = j.find("model"); it != j.end() && want("model", it->is_string() || it->is_null()))
    model = it->is_string() ? it->get<std::string>() : "";
  if (auto it = j.find("enable"); it != j.end() && want("enable", it->is_boolean())) enable = it->get<bool>();
  if (auto it = j.find("stars"); it != j.end() && want("stars", it->is_number_integer()))
    rank.stars = std::max(0, std::min(100, it->get<int>()));
  if (auto it = j.find("starInLabel"); it != j.end() && want("starInLabel", it->is_boolean()))
    rank.star_in_label = it->get<bool>();
  if (auto it = j.find("lookback"); it != j.end() && want("lookback", it->is_number_unsigned()))
    predictor.lookback = it->get<size_t>();
  if (auto it = j.find("contextLines"); it != j.end() && want("contextLines", it->is_number_unsigned()))
    window.max_lines = it->get<size_t>();
  if (auto it = j.find("ranker");
      it != j.end() && want("ranker", it->is_string() && (*it == "learned" || *it == "model")))
    ranker = *it == "model" ? RankerKind::Model : RankerKind::Learned;
  if (auto it = j.find("index"); it != j.end() && want("index", it->is_boolean())) index = it->get<bool>();
  if (auto it = j.find("indexMaxFiles"); it != j.end() && want("indexMaxFiles", it->is_number_unsigned()))
    index_limits.max_files = it->get<size_t>();
  if (auto it = j.find("maxDocumentBytes"); it != j.end() && want("maxDocumentBytes", it->is_number_unsigned()))
    max_document = it->get<size_t>();
  if (auto it = j.find("proxyAdd"); it != j.end() && want("proxyAdd", it->is_number_unsigned()))
    merge.add = it->get<size_t>();
  if (auto it = j.find("upstreamBonus"); it != j.end() && want("upstreamBonus", it->is_number()))
    merge.upstream_bonus = it->get<float>();
  if (auto it = j.find("upstreamDeadlineMs"); it != j.end() && want("upstreamDeadlineMs", it->is_number_unsigned()))
    merge.deadline_ms = int(std::min<uint64_t>(it->get<uint64_t>(), 600000));
  return err;
}

std::string default_model_path() {
  if (const char* env = std::getenv("DOTWISE_MODEL"); env && *env) return env;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> tries;
#ifdef DOTWISE_SOURCE_DIR
  tries.push_back(fs::path(DOTWISE_SOURCE_DIR) / "models" / "default.dwm");
#endif
  if (!ec)
    for (fs::path d = exe.parent_path(); !d.empty() && d != d.root_path(); d = d.parent_path())
      tries.push_back(d / "models" / "default.dwm");
  for (const auto& p : tries)
    if (fs::is_regular_file(p, ec)) return p.string();
  return {};
}

}  // namespace dw::lsp
