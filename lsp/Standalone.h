// Candidates when there is no upstream server: the stub members of the receiver's class (typeshed,
// packages' .pyi), the members this file already used on the same receiver or class (attributes of
// `self`, of the file's own classes), and — when neither knows anything — the model's own member
// vocabulary, best-scored first.
#pragma once
#include <string>
#include <vector>

#include "lsp/Predictor.h"
#include "syntax/Typeshed.h"

namespace dw::lsp {

struct StandaloneOptions {
  size_t vocabulary_fallback = 50;  // model members offered when the class is unknown
};

std::vector<std::string> standalone_candidates(const TypeshedIndex& stubs, const Predictor* predictor,
                                               const Prediction& p, StandaloneOptions opt = {});

}  // namespace dw::lsp
