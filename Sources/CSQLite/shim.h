#ifndef LRD_BENCH_CSQLITE_SHIM_H
#define LRD_BENCH_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a function-pointer cast macro Swift cannot import: SQLite copies bound text.
static inline sqlite3_destructor_type lrd_sqlite_transient(void) { return SQLITE_TRANSIENT; }

#endif
