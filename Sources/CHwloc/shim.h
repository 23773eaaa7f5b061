// hwloc: hardware topology and CPU binding. Imported only by the Profiling module.
#ifndef LRD_CHWLOC_SHIM_H
#define LRD_CHWLOC_SHIM_H

// No _GNU_SOURCE here: every C module must parse the system headers with the same feature macros
// (a module built with _GNU_SOURCE defines fd_set differently, and Clang refuses two definitions
// when a Swift module sees both); pinning uses the raw syscall instead of the GNU wrapper.
#include <errno.h>
#include <hwloc.h>
#include <sched.h>
#include <string.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/// Writes the CPUs the calling thread may run on into `out` (at most `capacity`), from the raw
/// sched_getaffinity syscall; returns how many, or -1 with errno set.
static inline int lrd_allowed_cpus(int *out, int capacity) {
  unsigned long mask[64];
  memset(mask, 0, sizeof(mask));
  long bytes = syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask);
  if (bytes < 0) return -1;
  int n = 0;
  for (int cpu = 0; cpu < (int)(bytes * 8) && n < capacity; cpu++) {
    if (mask[cpu / (8 * (int)sizeof(unsigned long))] & (1UL << (cpu % (8 * (int)sizeof(unsigned long))))) {
      out[n++] = cpu;
    }
  }
  return n;
}

/// HWLOC_VERSION (the library release, e.g. "2.9.0") of the headers compiled against.
static inline const char *lrd_hwloc_release(void) { return HWLOC_VERSION; }

/// HWLOC_API_VERSION of the headers compiled against.
static inline unsigned lrd_hwloc_header_api_version(void) { return HWLOC_API_VERSION; }

/// Writes the indices set in `set` into `out` (at most `capacity`), in increasing order, as the
/// hwloc_bitmap_foreach_begin/end macros would visit them. Returns how many are set (may exceed
/// capacity), or -1 for an infinite bitmap.
static inline int lrd_hwloc_bitmap_indices(hwloc_const_bitmap_t set, int *out, int capacity) {
  if (hwloc_bitmap_weight(set) < 0) return -1;
  int n = 0;
  int index = hwloc_bitmap_first(set);
  while (index != -1) {
    if (n < capacity) out[n] = index;
    n++;
    index = hwloc_bitmap_next(set, index);
  }
  return n;
}

/// Cache attributes of `obj` (size in bytes, depth, line size) or all zero when `obj` is not a cache.
static inline void lrd_hwloc_cache_attr(hwloc_obj_t obj, unsigned long long *size, unsigned *depth,
                                        unsigned *linesize, int *type) {
  *size = 0; *depth = 0; *linesize = 0; *type = -1;
  if (obj == NULL || !hwloc_obj_type_is_cache(obj->type) || obj->attr == NULL) return;
  *size = obj->attr->cache.size;
  *depth = obj->attr->cache.depth;
  *linesize = obj->attr->cache.linesize;
  *type = (int)obj->attr->cache.type;
}

/// Local memory of a NUMA node object in bytes (0 when not a NUMA node).
static inline unsigned long long lrd_hwloc_numa_local_memory(hwloc_obj_t obj) {
  if (obj == NULL || obj->type != HWLOC_OBJ_NUMANODE || obj->attr == NULL) return 0;
  return obj->attr->numanode.local_memory;
}

/// Spreads `n` threads over the whole machine as hwloc_distrib does (as much private cache each as
/// possible, in order) and writes one PU OS index per thread into `pus`. Returns 0 or -1 (errno).
static inline int lrd_hwloc_scatter_pus(hwloc_topology_t topology, unsigned n, int *pus) {
  hwloc_obj_t root = hwloc_get_root_obj(topology);
  hwloc_cpuset_t *sets = (hwloc_cpuset_t *)calloc(n, sizeof(hwloc_cpuset_t));
  if (sets == NULL) return -1;
  int rc = 0;
  for (unsigned i = 0; i < n; i++) {
    sets[i] = hwloc_bitmap_alloc();
    if (sets[i] == NULL) rc = -1;
  }
  if (rc == 0) rc = hwloc_distrib(topology, &root, 1, sets, n, INT_MAX, 0);
  for (unsigned i = 0; i < n; i++) {
    if (rc == 0) {
      hwloc_bitmap_singlify(sets[i]);
      pus[i] = hwloc_bitmap_first(sets[i]);
    }
    if (sets[i] != NULL) hwloc_bitmap_free(sets[i]);
  }
  free(sets);
  return rc;
}

/// Pins the calling thread to logical CPU `cpu` (OS index) with the sched_setaffinity system call.
/// Returns 0 or errno.
static inline int lrd_pin_current_thread(int cpu) {
  cpu_set_t set;
  memset(&set, 0, sizeof(set));
  const int bits = (int)(8 * sizeof(set.__bits[0]));
  if (cpu < 0 || cpu >= (int)(8 * sizeof(set))) return EINVAL;
  set.__bits[cpu / bits] |= (__cpu_mask)1 << (cpu % bits);
  return syscall(SYS_sched_setaffinity, 0, sizeof(set), &set) == 0 ? 0 : errno;
}

#endif
