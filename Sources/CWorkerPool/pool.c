// See include/CWorkerPool.h.
//
// Fork: the caller publishes the body and bumps `generation`; idle workers spin on it (with sched_yield, so a
// worker never starves another thread pinned to its CPU), then sleep on a futex after `spin_ns`. Join: each
// worker decrements `pending`; the caller spins (yielding) until it reaches 0, then sleeps on its futex. A
// region costs one wake-up per sleeping worker and none while workers spin: back-to-back kernel calls keep
// them spinning, so no cross-CPU wake-up sits on the timed path.
#define _GNU_SOURCE
#include "CWorkerPool.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct lrd_pool;

typedef struct {
  struct lrd_pool *pool;
  int32_t index;
  pthread_t thread;
  _Atomic int32_t tid;
} lrd_worker;

struct lrd_pool {
  int32_t workers;
  lrd_worker *slots;  // slots[0] is the calling thread (no pthread created)
  lrd_pool_body body;
  void *context;
  _Atomic uint32_t generation;  // bumped per region; futex word of the workers
  _Atomic int32_t pending;      // workers (other than the caller) still in the region; futex word of the caller
  _Atomic int32_t sleepers;     // workers asleep on `generation`
  _Atomic int32_t caller_sleeping;
  _Atomic int32_t stop;
  _Atomic int64_t spin_ns;
  _Atomic uint64_t regions;
  _Atomic int32_t started;
};

static long futex(_Atomic uint32_t *word, int op, uint32_t value) {
  return syscall(SYS_futex, (uint32_t *)word, op, value, NULL, NULL, 0);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/// Spins until `*word != seen` or `spin_ns` passes; returns 1 when it changed.
static int spin_until_changed(_Atomic uint32_t *word, uint32_t seen, int64_t spin_ns) {
  int64_t deadline = 0;
  for (uint32_t i = 0;; i++) {
    if (atomic_load_explicit(word, memory_order_acquire) != seen) return 1;
    if ((i & 63) == 63) {
      int64_t t = now_ns();
      if (deadline == 0) deadline = t + spin_ns;
      else if (t >= deadline) return 0;
      sched_yield();
    } else {
      cpu_relax();
    }
  }
}

static void *worker_main(void *argument) {
  lrd_worker *self = argument;
  lrd_pool *pool = self->pool;
  atomic_store(&self->tid, (int32_t)syscall(SYS_gettid));
  atomic_fetch_add(&pool->started, 1);
  uint32_t seen = 0;
  for (;;) {
    if (!spin_until_changed(&pool->generation, seen, atomic_load_explicit(&pool->spin_ns, memory_order_relaxed))) {
      atomic_fetch_add(&pool->sleepers, 1);
      while (atomic_load(&pool->generation) == seen) {
        futex(&pool->generation, FUTEX_WAIT_PRIVATE, seen);
      }
      atomic_fetch_sub(&pool->sleepers, 1);
    }
    seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
    if (atomic_load_explicit(&pool->stop, memory_order_acquire)) return NULL;
    pool->body(pool->context, self->index);
    if (atomic_fetch_sub(&pool->pending, 1) == 1 && atomic_load(&pool->caller_sleeping)) {
      futex((_Atomic uint32_t *)&pool->pending, FUTEX_WAKE_PRIVATE, 1);
    }
  }
}

lrd_pool *lrd_pool_create(int32_t workers, int32_t *error) {
  if (workers < 1) workers = 1;
  lrd_pool *pool = calloc(1, sizeof(lrd_pool));
  lrd_worker *slots = calloc((size_t)workers, sizeof(lrd_worker));
  if (!pool || !slots) {
    free(pool);
    free(slots);
    if (error) *error = ENOMEM;
    return NULL;
  }
  pool->workers = workers;
  pool->slots = slots;
  atomic_store(&pool->spin_ns, 2000000);  // 2 ms
  slots[0].pool = pool;
  slots[0].index = 0;
  atomic_store(&slots[0].tid, (int32_t)syscall(SYS_gettid));
  for (int32_t w = 1; w < workers; w++) {
    slots[w].pool = pool;
    slots[w].index = w;
    int rc = pthread_create(&slots[w].thread, NULL, worker_main, &slots[w]);
    if (rc != 0) {
      pool->workers = w;  // join those that started
      lrd_pool_destroy(pool);
      if (error) *error = rc;
      return NULL;
    }
  }
  while (atomic_load(&pool->started) < workers - 1) sched_yield();
  if (error) *error = 0;
  return pool;
}

void lrd_pool_destroy(lrd_pool *pool) {
  if (!pool) return;
  atomic_store_explicit(&pool->stop, 1, memory_order_release);
  atomic_fetch_add_explicit(&pool->generation, 1, memory_order_acq_rel);
  futex(&pool->generation, FUTEX_WAKE_PRIVATE, INT32_MAX);
  for (int32_t w = 1; w < pool->workers; w++) pthread_join(pool->slots[w].thread, NULL);
  free(pool->slots);
  free(pool);
}

int32_t lrd_pool_workers(const lrd_pool *pool) { return pool->workers; }

uint64_t lrd_pool_regions(const lrd_pool *pool) {
  return atomic_load_explicit(&((lrd_pool *)pool)->regions, memory_order_relaxed);
}

void lrd_pool_set_spin(lrd_pool *pool, int32_t microseconds) {
  atomic_store(&pool->spin_ns, (int64_t)(microseconds < 0 ? 0 : microseconds) * 1000);
}

void lrd_pool_run(lrd_pool *pool, lrd_pool_body body, void *context) {
  atomic_fetch_add_explicit(&pool->regions, 1, memory_order_relaxed);
  if (pool->workers == 1) {
    body(context, 0);
    return;
  }
  pool->body = body;
  pool->context = context;
  atomic_store_explicit(&pool->pending, pool->workers - 1, memory_order_relaxed);
  atomic_fetch_add(&pool->generation, 1);
  if (atomic_load(&pool->sleepers) > 0) {
    futex(&pool->generation, FUTEX_WAKE_PRIVATE, INT32_MAX);
  }
  body(context, 0);
  // Join: spin (yielding) while workers finish, then sleep on `pending`.
  int64_t spin_ns = atomic_load_explicit(&pool->spin_ns, memory_order_relaxed);
  int64_t deadline = 0;
  for (uint32_t i = 0;; i++) {
    int32_t left = atomic_load_explicit(&pool->pending, memory_order_acquire);
    if (left == 0) break;
    if ((i & 63) != 63) {
      cpu_relax();
      continue;
    }
    int64_t t = now_ns();
    if (deadline == 0) deadline = t + spin_ns;
    if (t < deadline) {
      sched_yield();
      continue;
    }
    atomic_store_explicit(&pool->caller_sleeping, 1, memory_order_seq_cst);
    left = atomic_load_explicit(&pool->pending, memory_order_seq_cst);
    if (left != 0) futex((_Atomic uint32_t *)&pool->pending, FUTEX_WAIT_PRIVATE, (uint32_t)left);
    atomic_store_explicit(&pool->caller_sleeping, 0, memory_order_relaxed);
  }
  atomic_thread_fence(memory_order_acquire);
}

static int fill_set(cpu_set_t *set, const int *cpus, int count) {
  CPU_ZERO(set);
  for (int i = 0; i < count; i++) {
    if (cpus[i] < 0 || cpus[i] >= CPU_SETSIZE) return EINVAL;
    CPU_SET(cpus[i], set);
  }
  return 0;
}

int lrd_pool_set_affinity(lrd_pool *pool, int32_t worker, const int *cpus, int count) {
  if (worker < 0 || worker >= pool->workers) return EINVAL;
  cpu_set_t set;
  int rc = fill_set(&set, cpus, count);
  if (rc != 0) return rc;
  if (worker == 0) return sched_setaffinity(0, sizeof(set), &set) == 0 ? 0 : errno;
  return pthread_setaffinity_np(pool->slots[worker].thread, sizeof(set), &set);
}

int lrd_pool_get_affinity(lrd_pool *pool, int32_t worker, int *cpus, int capacity) {
  if (worker < 0 || worker >= pool->workers) return -EINVAL;
  cpu_set_t set;
  CPU_ZERO(&set);
  int rc = worker == 0 ? (sched_getaffinity(0, sizeof(set), &set) == 0 ? 0 : errno)
                       : pthread_getaffinity_np(pool->slots[worker].thread, sizeof(set), &set);
  if (rc != 0) return -rc;
  int n = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (CPU_ISSET(cpu, &set)) {
      if (n < capacity) cpus[n] = cpu;
      n++;
    }
  }
  return n;
}

int32_t lrd_pool_thread_id(const lrd_pool *pool, int32_t worker) {
  if (worker < 0 || worker >= pool->workers) return -1;
  if (worker == 0) return (int32_t)syscall(SYS_gettid);
  return atomic_load(&((lrd_pool *)pool)->slots[worker].tid);
}
