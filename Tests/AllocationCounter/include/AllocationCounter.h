// Counts heap allocations made by this process while counting is on: malloc, calloc, realloc,
// posix_memalign, aligned_alloc and memalign are defined here, forward to glibc's __libc_*
// functions, and bump a per-thread counter. Linked into the test binary only.
#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

#include <stdint.h>

/// Starts counting the calling thread's allocations from zero.
void allocation_counter_start(void);
/// Stops counting and returns the number of allocations the calling thread made since start.
uint64_t allocation_counter_stop(void);

#endif
