/* numpy's own switch that the models honour as numpy does: NUMPY_MADVISE_HUGEPAGE, read once at
 * numpy's import (numpy/__init__.py, hugepage_setup, 1.24). The parent checks it before any
 * run starts, so a bad value is one line and exit 2; each worker reads it again for itself. */
#ifndef HW_NUMPY_ENV_H
#define HW_NUMPY_ENV_H
#include <stdbool.h>
#include <stddef.h>

/* Whether numpy would advise huge pages in this process: NUMPY_MADVISE_HUGEPAGE when set (an
 * integer as Python's int() reads one; nonzero: on), otherwise on for Linux 4.6 and later.
 * 0, or -1 with err when the variable is not an integer (numpy's import fails on it). */
int hw_numpy_hugepage_setting(bool *on, char *err, size_t len);

#endif
