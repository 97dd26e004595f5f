// parse_body against nlohmann's own parse: the same value, or the same refusal, for bodies with long
// strings full of escapes, surrogates, multi-byte and invalid UTF-8, control characters and keys.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "lsp/JsonBody.h"

namespace dw::lsp {
namespace {

void expect_same(const std::string& body) {
  const Json want = Json::parse(body, nullptr, false);
  const Json got = parse_body(body);
  ASSERT_EQ(got.is_discarded(), want.is_discarded()) << body.substr(0, 200);
  if (!want.is_discarded()) {
    ASSERT_EQ(got, want) << body.substr(0, 200);
  }
}

std::string did_open(const std::string& literal) {
  return R"({"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///a.py",)"
         R"("languageId":"python","version":1,"text":")" +
         literal + R"("}}})";
}

TEST(JsonBody, ALongDocumentComesBackAsNlohmannReadsIt) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += "x = np.zeros(3)  # caf\xC3\xA9 \xF0\x9F\x90\x8D\n";
  Json m = Json::parse(did_open("a"));
  m["params"]["textDocument"]["text"] = text;
  const std::string body = m.dump();
  ASSERT_GT(body.size(), 4096u);
  const Json got = parse_body(body);
  EXPECT_EQ(got, m);
  EXPECT_EQ(got["params"]["textDocument"]["text"].get<std::string>(), text);
}

TEST(JsonBody, AgreesWithNlohmannOnRandomLongStrings) {
  std::mt19937 rng(11);
  const std::vector<std::string> pieces = {"a",
                                           "def f(x):",
                                           "\\n",
                                           "\\t",
                                           "\\\"",
                                           "\\\\",
                                           "\\/",
                                           "\\b",
                                           "\\f",
                                           "\\r",
                                           "\\u00e9",
                                           "\\u20AC",
                                           "\\ud83d\\ude00",
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80",
                                           " ",
                                           "'",
                                           "{",
                                           "}",
                                           "[",
                                           "]",
                                           ":",
                                           ","};
  const std::vector<std::string> bad = {"\\x", "\\ud83d", "\\ude00",      "\\ud83dx", "\\u12G4",  "\\u00",   "\x01",
                                        "\n",  "\xC3",    "\xED\xA0\x80", "\xF8\x88", "\xC0\xAF", "\\u0000", "\""};
  for (int round = 0; round < 300; ++round) {
    std::string s;
    while (s.size() < 4096 + rng() % 6000) s += pieces[rng() % pieces.size()];
    if (round % 3 == 0) s.insert(rng() % s.size(), bad[rng() % bad.size()]);
    // Keep an inserted piece from landing inside an escape's middle in a way nlohmann also accepts:
    // whatever the result, both parsers must agree on it.
    expect_same(did_open(s));
    // The same string as a key, twice in one body, and in an array with a short one.
    expect_same("{\"" + s + "\": 1}");
    expect_same(R"({"a":[")" + s + R"(", "b", ")" + s + R"("], "n": 1.5e3})");
  }
}

TEST(JsonBody, TruncatedAndJunkBodiesAreRefusedLikeNlohmann) {
  std::string s(5000, 'a');
  expect_same(did_open(s).substr(0, 3000));
  expect_same(did_open(s).substr(0, did_open(s).size() - 2));
  expect_same("\"" + s);
  expect_same("[\"" + s + "\"");
  expect_same("[\"" + s + "\"]]");
  expect_same(std::string(6000, '{'));
  expect_same("{\"text\":\"" + s + "\\u0000dotwise-long-0\"}");
  expect_same("[\"\\u0000dotwise-long-0\", \"" + s + "\"]");
}

}  // namespace
}  // namespace dw::lsp
