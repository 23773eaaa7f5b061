// OpenBLAS (CBLAS interface plus OpenBLAS extensions). Imported only by the Tensors module.
#ifndef LRD_CBLAS_SHIM_H
#define LRD_CBLAS_SHIM_H

#include <cblas.h>
#include <errno.h>
#include <string.h>

/// Pins OpenBLAS thread `thread_idx` (0 ..< openblas_get_num_threads(); the last index is the calling
/// thread) to the logical CPUs `cpus[0..<count]` (OS indices). Returns 0, or an errno value.
static inline int lrd_openblas_set_affinity(int thread_idx, const int *cpus, int count) {
  cpu_set_t set;
  memset(&set, 0, sizeof(set));
  const int bits = (int)(8 * sizeof(set.__bits[0]));
  for (int i = 0; i < count; i++) {
    if (cpus[i] < 0 || cpus[i] >= (int)(8 * sizeof(set))) return EINVAL;
    set.__bits[cpus[i] / bits] |= (__cpu_mask)1 << (cpus[i] % bits);
  }
  errno = 0;
  int rc = openblas_setaffinity(thread_idx, sizeof(set), &set);
  if (rc == 0) return 0;
  return errno != 0 ? errno : (rc > 0 ? rc : EINVAL);
}

/// Reads the CPUs OpenBLAS thread `thread_idx` may run on into `cpus` (at most `capacity`).
/// Returns the number of CPUs, or minus an errno value.
static inline int lrd_openblas_get_affinity(int thread_idx, int *cpus, int capacity) {
  cpu_set_t set;
  memset(&set, 0, sizeof(set));
  errno = 0;
  int rc = openblas_getaffinity(thread_idx, sizeof(set), &set);
  if (rc != 0) return -(errno != 0 ? errno : (rc > 0 ? rc : EINVAL));
  const int bits = (int)(8 * sizeof(set.__bits[0]));
  int n = 0;
  for (int cpu = 0; cpu < (int)(8 * sizeof(set)); cpu++) {
    if (set.__bits[cpu / bits] & ((__cpu_mask)1 << (cpu % bits))) {
      if (n < capacity) cpus[n] = cpu;
      n++;
    }
  }
  return n;
}

#endif
