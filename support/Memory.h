// Gives freed heap memory back to the system. The index thread parses thousands of files in its own
// malloc arena; after the build that arena holds megabytes of freed parse buffers that count as the
// server's RSS until something reuses them.
#pragma once

namespace dw {

void release_free_memory();  // a no-op where the C library has no malloc_trim

// For a long-lived process that sometimes holds big transient buffers (a server reading a 5 MB
// document, copying it for a completion): blocks of `bytes` and more are mapped for themselves and
// unmapped when freed. glibc's default threshold rises to the largest block freed so far, after which
// such blocks come from the heap and stay in the RSS (a 5 MB file: +19 MB after one completion).
void map_large_blocks(unsigned long bytes = 1ul << 20);

}  // namespace dw
