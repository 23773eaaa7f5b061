#ifndef LRD_CDNNL_SHIM_H
#define LRD_CDNNL_SHIM_H

// No _GNU_SOURCE (see CHwloc's shim.h): pinning uses the raw sched_setaffinity system call.
#include <dlfcn.h>
#include <errno.h>
#include <oneapi/dnnl/dnnl.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Sets the thread count of the OpenMP runtime oneDNN runs on (Debian's libdnnl uses libgomp, which it
/// loads itself); found with dlsym so lrd-bench does not link an OpenMP runtime of its own.
/// Returns 1 on success, 0 when no OpenMP runtime is loaded.
static inline int lrd_omp_set_num_threads(int threads) {
  void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  if (!set) return 0;
  set(threads);
  return 1;
}

/// The OpenMP runtime's thread count for the next parallel region, or -1 when no runtime is loaded.
static inline int lrd_omp_get_max_threads(void) {
  int (*get)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
  return get ? get() : -1;
}

/// DNNL_MEMORY_NONE and DNNL_MEMORY_ALLOCATE, which Swift cannot import (pointer-valued macros).
static inline void *lrd_dnnl_memory_none(void) { return DNNL_MEMORY_NONE; }
static inline void *lrd_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }

/// What each OpenMP thread of `lrd_omp_pin_threads` does: pin itself (when `cpus` is set) and read back
/// the CPUs it may run on as a bit mask of `words` 64-bit words per thread.
typedef struct {
  const int *cpus;
  int count;
  int *errors;
  unsigned long long *masks;
  int words;
} lrd_omp_pin_request;

static void lrd_omp_pin_body(void *data) {
  lrd_omp_pin_request *request = (lrd_omp_pin_request *)data;
  int (*thread_number)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_thread_num");
  const int t = thread_number ? thread_number() : 0;
  cpu_set_t set;
  if (request->cpus && request->count > 0) {
    memset(&set, 0, sizeof(set));
    const int cpu = request->cpus[t % request->count];
    const int bits = (int)(8 * sizeof(set.__bits[0]));
    if (cpu >= 0 && cpu < (int)(8 * sizeof(set))) {
      set.__bits[cpu / bits] |= (__cpu_mask)1 << (cpu % bits);
      request->errors[t] = syscall(SYS_sched_setaffinity, 0, sizeof(set), &set) == 0 ? 0 : errno;
    } else {
      request->errors[t] = EINVAL;
    }
  }
  memset(&set, 0, sizeof(set));
  if (syscall(SYS_sched_getaffinity, 0, sizeof(set), &set) < 0) return;
  for (int cpu = 0; cpu < 64 * request->words && cpu < (int)(8 * sizeof(set)); cpu++) {
    const int bits = (int)(8 * sizeof(set.__bits[0]));
    if (set.__bits[cpu / bits] & ((__cpu_mask)1 << (cpu % bits)))
      request->masks[t * request->words + cpu / 64] |= 1ULL << (cpu % 64);
  }
}

/// Runs one OpenMP parallel region of `threads` threads (libgomp's GOMP_parallel, the team oneDNN's
/// primitives reuse) in which thread t pins itself to `cpus[t % count]` (no pinning when `cpus` is NULL;
/// `errors[t]` gets 0 or errno) and writes the CPUs it may run on to `masks[t * words …]`.
/// Returns 0, or -1 when no OpenMP runtime is loaded.
static inline int lrd_omp_pin_threads(
    const int *cpus, int count, int threads, int *errors, unsigned long long *masks, int words) {
  void (*parallel)(void (*)(void *), void *, unsigned, unsigned) =
      (void (*)(void (*)(void *), void *, unsigned, unsigned))dlsym(RTLD_DEFAULT, "GOMP_parallel");
  if (!parallel) return -1;
  lrd_omp_pin_request request = {cpus, count, errors, masks, words};
  parallel(lrd_omp_pin_body, &request, (unsigned)threads, 0);
  return 0;
}

#endif
