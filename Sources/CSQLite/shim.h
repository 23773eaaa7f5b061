#ifndef LRD_BENCH_CSQLITE_SHIM_H
#define LRD_BENCH_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a function-pointer cast macro Swift cannot import: SQLite copies bound text.
static inline sqlite3_destructor_type lrd_sqlite_transient(void) { return SQLITE_TRANSIENT; }

/// The file system type (statfs's f_type magic) of `path`, or -1 when it cannot be read: a store on a network
/// file system is refused for writing (SQLite's locking is unsafe there).
#include <sys/statfs.h>
static inline long long lrd_filesystem_type(const char *path) {
  struct statfs info;
  return statfs(path, &info) == 0 ? (long long)(unsigned long)info.f_type : -1;
}

#endif
