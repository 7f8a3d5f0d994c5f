/* The build stamp: the commit that built this binary (with "-dirty" for uncommitted changes,
 * "unknown" outside git), the compiler's first --version line and the optimisation flags.
 * Defined in a file the Makefile generates (build/gen/version.c) and rewrites only when one
 * of them changes, so a commit relinks the binary and its reports name the right commit. */
#ifndef HW_VERSION_H
#define HW_VERSION_H

extern const char hw_build_commit[];
extern const char hw_build_cc[];
extern const char hw_build_cflags[];

#endif
