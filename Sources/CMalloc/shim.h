#ifndef CMALLOC_SHIM_H
#define CMALLOC_SHIM_H
/* glibc's malloc tuning, which Swift's Glibc module does not export. */
#include <malloc.h>

/* At most `count` malloc arenas (glibc makes up to 8 per core, one per
   thread that allocates at the same time as another). 1 on success. */
static inline int cmalloc_limit_arenas(int count) { return mallopt(M_ARENA_MAX, count); }

/* Gives free pages inside the heap back to the kernel. 1 if any was. */
static inline int cmalloc_trim(void) { return malloc_trim(0); }
#endif
