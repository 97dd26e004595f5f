// How closely the token scan (index/TokenScan) follows tree-sitter's (index/ModuleScan), and how much
// faster it is: `scan_parity DIR... [--max-files N] [--window] [--show N]` scans every .py file both
// ways and prints JSON: the share of files whose scans agree exactly, of uses, classes and imports
// that agree, and the MB/s of each. --window scans what the completion engine scans (scan_window at
// a member access in the middle of each file, the line cut after the dot) instead of whole files.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>

#include "index/ModuleScan.h"
#include "index/TokenScan.h"
#include "rank/CompletionEngine.h"

namespace fs = std::filesystem;

namespace {
using UseKey = std::tuple<std::string, std::string, uint32_t>;

std::string class_text(const dw::ClassScan& c) {
  std::string s = c.name + "(";
  for (const auto& b : c.bases) s += b + ",";
  s += ")[" + std::to_string(c.first_line) + "-" + std::to_string(c.last_line) + "]:";
  for (const auto& m : c.members) s += m.name + "/" + dw::member_kind_name(m.kind) + " ";
  return s;
}

// Matches between two lists, as multisets.
template <class T>
size_t common(std::vector<T> a, std::vector<T> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::vector<T> both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return both.size();
}

double secs_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  size_t max_files = 2000, show = 0;
  bool window = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--max-files" && i + 1 < argc)
      max_files = std::stoul(argv[++i]);
    else if (a == "--show" && i + 1 < argc)
      show = std::stoul(argv[++i]);
    else if (a == "--window")
      window = true;
    else
      dirs.push_back(a);
  }
  std::vector<fs::path> files;
  for (const auto& d : dirs) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(d, fs::directory_options::skip_permission_denied, ec), end;
         it != end && files.size() < max_files; it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec) && it->path().extension() == ".py" && it->file_size(ec) < (1 << 20))
        files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  size_t same_files = 0, uses_ts = 0, uses_tok = 0, uses_common = 0, order_same = 0;
  size_t cls_ts = 0, cls_tok = 0, cls_common = 0, imp_ts = 0, imp_common = 0, bytes = 0, scanned = 0;
  double t_ts = 0, t_tok = 0;
  for (const auto& p : files) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string src = ss.str();
    size_t close_after = SIZE_MAX;
    if (window) {  // a member access in the middle of the file, cut after its dot
      // (not in an import, a comment or a string, as far as its own line tells)
      auto member_access = [&](size_t d) {
        if (d == 0 || d + 1 >= src.size()) return false;
        const auto before = static_cast<unsigned char>(src[d - 1]), after = static_cast<unsigned char>(src[d + 1]);
        if (!(std::isalnum(before) || before == ')' || before == ']' || before == '_')) return false;
        if (!(std::isalpha(after) || after == '_')) return false;
        const size_t bol = src.rfind('\n', d) == std::string::npos ? 0 : src.rfind('\n', d) + 1;
        const std::string_view line(src.data() + bol, d - bol);
        const size_t ind = line.find_first_not_of(" \t");
        if (ind != std::string_view::npos &&
            (line.substr(ind).starts_with("import ") || line.substr(ind).starts_with("from ")))
          return false;
        return line.find_first_of("#'\"") == std::string_view::npos;
      };
      size_t dot = src.find('.', src.size() / 2);
      while (dot != std::string::npos && !member_access(dot)) dot = src.find('.', dot + 1);
      if (dot == std::string::npos) continue;
      size_t eol = src.find('\n', dot);
      std::string doc = src.substr(0, dot + 1) + (eol == std::string::npos ? "" : src.substr(eol));
      size_t mark_at = 0;
      src = dw::scan_window(doc, dot + 1, dot + 1, &mark_at);
      close_after = mark_at;
    }
    ++scanned;
    bytes += src.size();
    auto t0 = std::chrono::steady_clock::now();
    dw::ModuleScan a = dw::scan_source(src, "m", false);
    t_ts += secs_since(t0);
    t0 = std::chrono::steady_clock::now();
    dw::ModuleScan b = dw::scan_tokens(src, "m", false, close_after);
    t_tok += secs_since(t0);
    std::vector<UseKey> ua, ub;
    for (const auto& u : a.uses) ua.emplace_back(u.key, u.member, u.line);
    for (const auto& u : b.uses) ub.emplace_back(u.key, u.member, u.line);
    std::vector<std::string> ca, cb, ia, ib;
    for (const auto& c : a.classes) ca.push_back(class_text(c));
    for (const auto& c : b.classes) cb.push_back(class_text(c));
    for (const auto& m : a.imports) ia.push_back(m.local + "=" + m.module + ":" + m.name);
    for (const auto& m : b.imports) ib.push_back(m.local + "=" + m.module + ":" + m.name);
    uses_ts += ua.size(), uses_tok += ub.size(), uses_common += common(ua, ub);
    order_same += ua == ub;
    cls_ts += ca.size(), cls_tok += cb.size(), cls_common += common(ca, cb);
    imp_ts += ia.size(), imp_common += common(ia, ib);
    const bool same = ua == ub && ca == cb && ia == ib;
    same_files += same;
    if (!same && show > 0) {
      --show;
      fmt::print(stderr, "== {}\n", p.string());
      std::map<UseKey, int> diff;
      for (auto& u : ua) ++diff[u];
      for (auto& u : ub) --diff[u];
      int n = 0;
      for (auto& [k, v] : diff)
        if (v != 0 && n++ < 8)
          fmt::print(stderr, "  use {} {}.{} line {}\n", v > 0 ? "ts-only " : "tok-only", std::get<0>(k),
                     std::get<1>(k), std::get<2>(k));
      if (n && ua.size() == ub.size()) fmt::print(stderr, "  (same count)\n");
      if (!n && ua != ub) fmt::print(stderr, "  uses: same multiset, other order\n");
      for (size_t i = 0; i < std::max(ca.size(), cb.size()); ++i)
        if (i >= ca.size() || i >= cb.size() || ca[i] != cb[i]) {
          fmt::print(stderr, "  class ts : {}\n  class tok: {}\n", i < ca.size() ? ca[i] : "-",
                     i < cb.size() ? cb[i] : "-");
          break;
        }
      for (size_t i = 0; i < std::max(ia.size(), ib.size()); ++i)
        if (i >= ia.size() || i >= ib.size() || ia[i] != ib[i]) {
          fmt::print(stderr, "  import ts : {}\n  import tok: {}\n", i < ia.size() ? ia[i] : "-",
                     i < ib.size() ? ib[i] : "-");
          break;
        }
    }
  }
  nlohmann::json j;
  j["files"] = scanned;
  j["window"] = window;
  j["files_identical"] = scanned ? double(same_files) / double(scanned) : 0.0;
  j["use_order_identical"] = scanned ? double(order_same) / double(scanned) : 0.0;
  j["uses_treesitter"] = uses_ts;
  j["uses_tokens"] = uses_tok;
  j["uses_agree_recall"] = uses_ts ? double(uses_common) / double(uses_ts) : 1.0;
  j["uses_agree_precision"] = uses_tok ? double(uses_common) / double(uses_tok) : 1.0;
  j["classes_agree_recall"] = cls_ts ? double(cls_common) / double(cls_ts) : 1.0;
  j["classes_agree_precision"] = cls_tok ? double(cls_common) / double(cls_tok) : 1.0;
  j["imports_agree_recall"] = imp_ts ? double(imp_common) / double(imp_ts) : 1.0;
  j["mb_per_s_treesitter"] = t_ts > 0 ? double(bytes) / 1e6 / t_ts : 0.0;
  j["mb_per_s_tokens"] = t_tok > 0 ? double(bytes) / 1e6 / t_tok : 0.0;
  fmt::print("{}\n", j.dump());
}
