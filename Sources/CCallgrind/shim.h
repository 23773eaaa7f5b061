// Valgrind's callgrind client requests (Debian `valgrind`): header-only macros that are no-ops outside
// valgrind. Imported only by the Profiling module (the instruction-count gate of lrd-bench ab).
#ifndef LRD_CCALLGRIND_SHIM_H
#define LRD_CCALLGRIND_SHIM_H

#include <valgrind/callgrind.h>

/// Non-zero when the process runs under valgrind.
static inline unsigned lrd_running_on_valgrind(void) { return (unsigned)RUNNING_ON_VALGRIND; }
/// Zeroes callgrind's counters (so only what follows is counted).
static inline void lrd_callgrind_zero_stats(void) { CALLGRIND_ZERO_STATS; }
/// Starts instrumentation (run under --instr-atstart=no: nothing before this is counted).
static inline void lrd_callgrind_start(void) { CALLGRIND_START_INSTRUMENTATION; }
/// Stops instrumentation.
static inline void lrd_callgrind_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
#endif
