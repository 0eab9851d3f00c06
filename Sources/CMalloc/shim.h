#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H
/* glibc's malloc tuning, which Swift's Glibc module does not export. */
#include <malloc.h>

/* At most `count` malloc arenas (glibc makes up to 8 per core, one per
   thread that allocates at the same time as another). 1 on success. */
static inline int cmalloc_limit_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

/* Free memory at the top of the heap kept up to `trim` bytes, and blocks
   from `mmap` bytes up mapped on their own. 1 when both were set. */
static inline int cmalloc_set_thresholds(int trim, int mmap) {
    return mallopt(M_TRIM_THRESHOLD, trim) && mallopt(M_MMAP_THRESHOLD, mmap);
}

/* Bytes free inside the main arena (glibc's mallinfo2 fordblks). */
static inline size_t cmalloc_free_bytes(void) { return mallinfo2().fordblks; }

/* Gives free pages inside the heap back to the kernel. 1 if any was. */
static inline int cmalloc_trim(void) { return malloc_trim(0); }
#endif
