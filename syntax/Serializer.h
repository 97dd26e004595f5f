// Turns a parsed file into the model's token stream by in-order depth-first traversal of the AST,
// and labels each member access `recv.name` as a site. The stream's vocabulary:
//  - keywords and operators as written ("def", "(", ".", "+=") — the AST's anonymous leaves;
//  - identifiers as written, except names whose type is known: a module becomes its full name
//    (`np` -> `numpy`), a variable of known class becomes `var:<class>` (`var:str`); `self`/`cls` stay;
//  - literals collapsed: <str>, <bytes>, <int>, <float>; True/False/None as written;
//  - structure: <nl> ends a simple statement, <indent>/<dedent> open and close a block.
// Comments are dropped; ERROR subtrees are serialized like any other (their leaves still count).
#pragma once
#include <string_view>

#include "syntax/Extracted.h"
#include "syntax/Parser.h"
#include "syntax/Scopes.h"

namespace dw {

struct SerializeStats {
  bool depth_capped = false;
};

SerializeStats serialize(TSNode root, std::string_view src, FileTypes& types, uint32_t max_depth, ExtractedFile& out);

}  // namespace dw
