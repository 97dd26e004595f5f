// The learned ranker's inputs, one row per candidate member. The order and the names are part of the
// ranker file's format: a ranker trained on another list is refused at load (rank/LearnedRanker).
#pragma once
#include <array>
#include <cstddef>

namespace dw {

enum Feature : size_t {
  kLogit,             // the LSTM's logit for the name (missing: no id in this context)
  kLogitGap,          // best logit among the candidates minus this one
  kModelRank,         // 0-based rank by logit among the candidates the model knows
  kModelProb,         // softmax over those candidates
  kIsStub,            // a member of the receiver's class in the stubs (typeshed, .pyi)
  kIsProjectMember,   // defined by the project class/module the receiver resolves to
  kMemberDepth,       // bases up to where the project class defines it (0 = on the class)
  kKind,              // MemberKind as a number (project or file knowledge; 0 unknown)
  kFileKeyBefore,     // uses on the same receiver key in this file, before the cursor
  kFileKeyAfter,      //   ... after it
  kFileAnyBefore,     // uses on any receiver in this file, before the cursor
  kFileAnyAfter,      //   ... after it
  kLinesSinceKey,     // lines back to its last use on the same key (missing: none)
  kLinesSinceAny,     // lines back to its last use on any receiver (missing: none)
  kProjectKey,        // uses on the same receiver key in the project's other files
  kProjectAny,        // uses on any receiver in the project's other files
  kProjectKeyShare,   // kProjectKey over all uses of that key in the project
  kFileKeyShare,      // kFileKeyBefore + kFileKeyAfter over all uses of the key in this file
  kInEnclosingClass,  // defined or assigned in the class around the cursor
  kTransition,        // times it followed the previous member used on this key, in this file
  kPrivate,           // `_name` (not dunder)
  kDunder,            // `__name__`
  kReceiverKind,      // 0 self/cls, 1 module, 2 plain name, 3 call or subscript, 4 other dotted
  kClassKnown,        // the receiver's completion class is known (stubs or project)
  kCandidates,        // how many candidates the list holds
  kNameLength,
  kModelTop,          // among the model's top vocabulary members (a candidate for that reason only?)
  kFeatureCount
};

inline constexpr std::array<const char*, kFeatureCount> kFeatureNames = {
    "logit", "logit_gap", "model_rank", "model_prob", "is_stub", "is_project_member", "member_depth", "kind",
    "file_key_before", "file_key_after", "file_any_before", "file_any_after", "lines_since_key", "lines_since_any",
    "project_key", "project_any", "project_key_share", "file_key_share", "in_enclosing_class", "transition",
    "private", "dunder", "receiver_kind", "class_known", "candidates", "name_length", "model_top"};

}  // namespace dw
