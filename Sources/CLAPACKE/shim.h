// LAPACKE (C interface to LAPACK; Debian routes LAPACK to OpenBLAS). Imported only by Tensors.
#ifndef LRD_CLAPACKE_SHIM_H
#define LRD_CLAPACKE_SHIM_H

#include <lapacke.h>

/// LAPACK_ROW_MAJOR / LAPACK_COL_MAJOR as plain ints (macros Swift imports inconsistently).
/// lapack_int is a macro in lapacke_config.h; this typedef makes it visible to Swift.
typedef lapack_int lrd_lapack_int;

static inline int lrd_lapack_row_major(void) { return LAPACK_ROW_MAJOR; }
static inline int lrd_lapack_col_major(void) { return LAPACK_COL_MAJOR; }

#endif
