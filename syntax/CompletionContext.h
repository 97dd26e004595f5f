// What the model needs at an editor's cursor: the token stream up to the "." being completed, the
// receiver and its completion class, and the member prefix already typed. Only the text before the
// cursor is read (an unfinished `x = np.` must not swallow the next line).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "syntax/Extractor.h"

namespace dw {

struct CompletionContext {
  ExtractedFile file;    // tokens[0, file.tokens.size()) are the context; the last one is "."
  std::string receiver;  // source text of the receiver ("os.path", "self.items")
  std::string cls;       // its completion class, "" when unknown
  std::string prefix;    // member characters typed after the "." (filter, not context)
  uint32_t scope = 0;    // enclosing def/class, as in Site::scope
  bool in_if = false;
};

// The identifier characters right before `cursor`: the member prefix the user has typed.
size_t typed_prefix_length(std::string_view text, size_t cursor);

// nullopt when the cursor is not right after `receiver.` (+ an identifier prefix), or the text is
// skipped by the extractor (binary, too large, ...).
// `reuse`: the document's last parse (see Extractor::extract).
std::optional<CompletionContext> completion_context(const Extractor& ex, std::string_view text_before_cursor,
                                                    ParseCache* reuse = nullptr);

}  // namespace dw
