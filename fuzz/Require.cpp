#include <cstdio>
#include <cstdlib>

#include "fuzz/Entries.h"

namespace dw::fuzz {
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}
}  // namespace dw::fuzz
