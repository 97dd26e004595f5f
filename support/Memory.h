// Gives freed heap memory back to the system. The index thread parses thousands of files in its own
// malloc arena; after the build that arena holds megabytes of freed parse buffers that count as the
// server's RSS until something reuses them.
#pragma once

namespace dw {

void release_free_memory();  // a no-op where the C library has no malloc_trim

}  // namespace dw
