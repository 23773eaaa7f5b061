// See include/AllocationCounter.h. glibc exports __libc_malloc and friends, so no dlsym bootstrap is
// needed; the executable's definitions interpose the shared libraries' calls (libswiftCore, Foundation,
// OpenBLAS) because ld exports symbols that shared objects in the link reference.
#include "AllocationCounter.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

// Per thread, so tests running in parallel on other threads do not disturb the count.
static _Thread_local int counting = 0;
static _Thread_local uint64_t allocations = 0;

static inline void note(void) {
  if (counting) allocations++;
}

void allocation_counter_start(void) {
  allocations = 0;
  counting = 1;
}

uint64_t allocation_counter_stop(void) {
  counting = 0;
  return allocations;
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
