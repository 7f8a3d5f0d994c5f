/* Every file highwater writes (reports, plans, HTML, SVG, JUnit, Markdown) goes through one
 * writer: a private temp file next to the target, renamed over it. A reader sees the old file
 * or the new one, never half of one; two writers to one path each rename a whole file; a file
 * or symlink planted at a predictable temp name is never opened. */
#ifndef HW_ATOMIC_H
#define HW_ATOMIC_H
#include <stddef.h>
#include <stdio.h>

/* Writes the content to f; 0, or -1 with why in err (the path is added by the caller). */
typedef int (*hw_write_fn)(FILE *f, const void *ctx, char *err, size_t len);

/* Make PATH.XXXXXX (mkstemp: O_EXCL, a fresh name), call fn, fsync, mode 0644, rename over
 * path. The temp file is gone on every failure. 0, or -1 with err "PATH: what; what to do". */
int hw_atomic_write(const char *path, hw_write_fn fn, const void *ctx, char *err, size_t len);
/* The same for bytes in memory. */
int hw_atomic_write_text(const char *path, const char *text, size_t n, char *err, size_t len);

/* Before anything is measured: can a file be written at path through hw_atomic_write? Its
 * directory exists, it is not a directory, and a temp file can be made there (access() would
 * say yes to root anywhere). 0, or -1 with err "FLAG PATH: what is wrong; what to do". */
int hw_path_check(const char *flag, const char *path, char *err, size_t len);

#endif
