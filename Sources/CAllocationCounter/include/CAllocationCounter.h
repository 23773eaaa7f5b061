// Counts heap allocations of this process. malloc, calloc, realloc, posix_memalign, aligned_alloc and
// memalign are defined here and forward to glibc's __libc_* functions; because an executable's
// definitions interpose those of the shared libraries it loads, every allocation of the process is
// seen (the Swift runtime, Foundation, OpenBLAS and its worker threads included).
//
// Two counters: one per thread (tests that run beside other work), and one for the whole process
// that counts only while it is enabled (the sampler's timed regions: OpenBLAS workers included).
#ifndef LRD_CALLOCATIONCOUNTER_H
#define LRD_CALLOCATIONCOUNTER_H

#include <stdint.h>

/// Starts counting the calling thread's allocations from zero.
void lrd_alloc_thread_start(void);
/// Stops counting and returns the number of allocations the calling thread made since start.
uint64_t lrd_alloc_thread_stop(void);

/// Enables (1) or disables (0) the process-wide counter. Counts accumulate while enabled.
void lrd_alloc_process_enable(int enabled);
/// Allocations made by any thread while the process-wide counter was enabled, since process start.
uint64_t lrd_alloc_process_count(void);

/// 1 when this process's allocations go through the counter (the interposition is linked), else 0.
int lrd_alloc_interposed(void);

#endif
