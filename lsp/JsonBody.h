// A message body parsed as nlohmann's Json::parse(body, nullptr, false) parses it, faster when it
// carries long strings (a didOpen's document). nlohmann reads a string a character at a time (~60 MB/s
// here: 1.7 ms for a 100 KB file, 90 ms for a 5 MB one, before the completion behind it is read);
// here a string of 4 KB or more is decoded apart at memory speed and the rest parsed by nlohmann.
// Anything the fast decoder is unsure of (a control character, a bad escape or surrogate, invalid
// UTF-8, a long object key) sends the whole body to nlohmann, so both always agree.
#pragma once
#include <string_view>

#include "lsp/Protocol.h"

namespace dw::lsp {

// Discarded (is_discarded()) when the body is not valid JSON, like Json::parse without exceptions.
Json parse_body(std::string_view body);

}  // namespace dw::lsp
