// A persistent pool of worker threads that runs one parallel region at a time: lrd-bench's own threading
// for the GEMM backends (see Tensors/WorkerPool.swift). Imported only by the Tensors module.
#ifndef LRD_WORKER_POOL_H
#define LRD_WORKER_POOL_H

#include <stdint.h>

/// The body of a parallel region: called once per worker with the caller's context and the worker's index
/// (0 is the calling thread).
typedef void (*lrd_pool_body)(void *context, int32_t worker);

typedef struct lrd_pool lrd_pool;

/// A pool of `workers` workers (the calling thread plus `workers - 1` threads created here). Returns NULL and
/// sets `*error` to an errno value when a thread cannot be created.
lrd_pool *lrd_pool_create(int32_t workers, int32_t *error);

/// Stops and joins the threads and frees the pool. No region may be running.
void lrd_pool_destroy(lrd_pool *pool);

/// The number of workers, calling thread included.
int32_t lrd_pool_workers(const lrd_pool *pool);

/// Runs `body(context, w)` for every worker w = 0 ..< workers (w = 0 on the calling thread) and returns when
/// all have finished: one fork and one join, nothing allocated. One region at a time, from one thread.
void lrd_pool_run(lrd_pool *pool, lrd_pool_body body, void *context);

/// Parallel regions run since the pool was created (each is one fork-join of the workers).
uint64_t lrd_pool_regions(const lrd_pool *pool);

/// How long an idle worker spins (yielding) for the next region before it sleeps, in microseconds.
void lrd_pool_set_spin(lrd_pool *pool, int32_t microseconds);

/// Pins worker `worker` (1 ..< workers; 0 pins the calling thread) to the logical CPUs `cpus[0..<count]`
/// (OS indices). Returns 0 or an errno value.
int lrd_pool_set_affinity(lrd_pool *pool, int32_t worker, const int *cpus, int count);

/// Reads the CPUs worker `worker` (0: the calling thread) may run on into `cpus` (at most `capacity`).
/// Returns their number, or minus an errno value.
int lrd_pool_get_affinity(lrd_pool *pool, int32_t worker, int *cpus, int capacity);

/// The kernel thread id (gettid) of worker `worker` (0: the calling thread), for per-thread CPU accounting.
int32_t lrd_pool_thread_id(const lrd_pool *pool, int32_t worker);

#endif
