#include "support/Memory.h"

#include <cstdlib>  // a libc header first, so that __GLIBC__ is defined below
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace dw {

void release_free_memory() {
#ifdef __GLIBC__
  malloc_trim(0);  // every arena, not only the calling thread's
#endif
}

void map_large_blocks(unsigned long bytes) {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, int(bytes));  // a set threshold also stops the dynamic adjustment
#else
  (void)bytes;
#endif
}

}  // namespace dw
