#ifndef LRD_CDNNL_SHIM_H
#define LRD_CDNNL_SHIM_H

#include <dlfcn.h>
#include <oneapi/dnnl/dnnl.h>

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

#endif
