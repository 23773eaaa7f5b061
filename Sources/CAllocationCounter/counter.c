// See include/CAllocationCounter.h. glibc exports __libc_malloc and friends, so no dlsym bootstrap is
// needed; the executable's definitions interpose the shared libraries' calls because ld exports the
// symbols that shared objects in the link reference.
#include "CAllocationCounter.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static _Thread_local int thread_counting = 0;
static _Thread_local uint64_t thread_allocations = 0;
static atomic_int process_counting = 0;
static atomic_uint_fast64_t process_allocations = 0;

static inline void note(void) {
  if (thread_counting) thread_allocations++;
  if (atomic_load_explicit(&process_counting, memory_order_relaxed)) {
    atomic_fetch_add_explicit(&process_allocations, 1, memory_order_relaxed);
  }
}

void lrd_alloc_thread_start(void) {
  thread_allocations = 0;
  thread_counting = 1;
}

uint64_t lrd_alloc_thread_stop(void) {
  thread_counting = 0;
  return thread_allocations;
}

void lrd_alloc_process_enable(int enabled) {
  atomic_store_explicit(&process_counting, enabled ? 1 : 0, memory_order_relaxed);
}

uint64_t lrd_alloc_process_count(void) {
  return atomic_load_explicit(&process_allocations, memory_order_relaxed);
}

int lrd_alloc_interposed(void) {
  int was = thread_counting;
  uint64_t before = thread_allocations;
  thread_counting = 1;
  // volatile: the compiler may not elide a malloc/free pair it can see.
  void *volatile probe = malloc(16);
  __libc_free(probe);
  int seen = thread_allocations != before;
  thread_allocations = before;
  thread_counting = was;
  return seen;
}

void *malloc(size_t size) {
  note();
  return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
  note();
  return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
  note();
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  note();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  note();
  if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *pointer = __libc_memalign(alignment, size);
  if (pointer == NULL && size != 0) return ENOMEM;
  *out = pointer;
  return 0;
}
