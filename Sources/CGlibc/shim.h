#ifndef CGLIBC_SHIM_H
#define CGLIBC_SHIM_H
/* What Swift's Glibc module does not export: glibc's malloc tuning, and
   naming a thread. */
#include <malloc.h>
#include <sys/prctl.h>

/* At most `count` malloc arenas (glibc makes up to 8 per core, one per
   thread that allocates at the same time as another). 1 on success. */
static inline int cglibc_limit_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

/* Free memory at the top of the heap kept up to `trim` bytes, and blocks
   from `mmap` bytes up mapped on their own. 1 when both were set. */
static inline int cglibc_set_thresholds(int trim, int mmap) {
    return mallopt(M_TRIM_THRESHOLD, trim) && mallopt(M_MMAP_THRESHOLD, mmap);
}

/* Bytes free inside the main arena (glibc's mallinfo2 fordblks). */
static inline size_t cglibc_free_bytes(void) { return mallinfo2().fordblks; }

/* Gives free pages inside the heap back to the kernel. 1 if any was. */
static inline int cglibc_trim(void) { return malloc_trim(0); }

/* Names the calling thread (at most 15 bytes are kept). 0 on success. */
static inline int cglibc_name_thread(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
#endif
