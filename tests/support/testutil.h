/* Helpers every test binary gets (the Makefile links testutil.o into each): the tests ran
 * shell commands, read files back and wrote fixtures through private copies of these that
 * had drifted apart (4 KiB vs 8 KiB command buffers, 16 KiB vs 64 KiB truncating reads, a
 * signal reported as -1 in one and 128+N in another). One copy keeps them alike. Helpers that
 * fail the test do so through cmocka, so they may only be called from inside a test. */
#ifndef HW_TESTUTIL_H
#define HW_TESTUTIL_H

#include "dataset.h"
#include <cjson/cJSON.h>
#include <stddef.h>

/* Runs the printf-formatted command with system(): its exit code, 128+N when signal N ended
 * it (the shell's convention, so a crash is never mistaken for a plain failure), -1 when no
 * shell could run. The command is not truncated, however long. */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole file, NUL-terminated, malloc'd (the caller frees); its byte count in *len when
 * len is not NULL. Fails the test (naming the path and the reason) when it cannot be read. */
char *tu_slurp(const char *path, size_t *len);

/* The whole file at the printf-formatted path (so "%s/out", dir needs no path buffer), in a
 * buffer this module owns and the next tu_read/tu_text/tu_read_or_fail replaces: for the many
 * one-shot reads of a command's output, which then need no free. NULL when it cannot be read. */
char *tu_read(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tu_read, but "" when the file cannot be read: for the output of a command that may have
 * failed before writing it, where the assertion on the text is the one that should speak. */
char *tu_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* tu_read, failing the test (naming the path and the reason) when the file cannot be read. */
char *tu_read_or_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The report at the printf-formatted path, loaded and checked as highwater loads one
 * (hw_report_load), for the caller to cJSON_Delete; NULL after the loader's one line on stderr.
 * Never fails the test, so a group setup may call it. */
cJSON *tu_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes text to path (replacing it), failing the test on any error, including at close. */
void tu_put_file(const char *path, const char *text);

/* tu_put_file, then mode 0755: a fake program or script a test puts on PATH. */
void tu_script(const char *path, const char *text);

/* The number of '\n' in s: how many lines a message took. */
int tu_lines(const char *s);

/* configs/ci.yaml's dataset and output (the seed's dtype mix at 250k rows), for a test that
 * writes its own config around them. */
#define TU_CI_DATASET \
    "dataset:\n" \
    "  rows: 250k\n" \
    "  seed: 20261124\n" \
    "  cols: 114\n" \
    "  all_null_columns: 1\n" \
    "  columns:\n" \
    "    - {dtype: f32, count: 102, null_rate: 0.02, inf_rate: 0.005, nan_rate: 0.005}\n" \
    "    - {dtype: f64, count: 2, null_rate: 0.01, inf_rate: 0.001}\n" \
    "    - {dtype: i64, count: 1, null_rate: 0.05}\n" \
    "    - {dtype: i32, count: 2}\n" \
    "    - {dtype: i16, count: 3, null_rate: 0.01}\n" \
    "    - {dtype: i8, count: 4}\n" \
    "output: {dtype: f32, order: C}\n"

/* The binary under test: $HW_BUILD/highwater (tests/run.sh sets HW_BUILD, so `make asan`
 * tests build/asan's binary), build/highwater without it. */
void tu_bin(char *out, size_t len);

/* rm -rf dir, for group teardowns: 0 when done, -1 otherwise. */
int tu_rm_rf(const char *dir);

/* Group fixtures for tests that work in one scratch directory: main points tu_scratch at the
 * test's mkdtemp template ("/tmp/hw-test-NAME-XXXXXX", so a leftover names its test) and passes
 * these to cmocka_run_group_tests. The teardown runs after failed tests too, so nothing stays. */
extern char *tu_scratch;
int tu_scratch_setup(void **state);
int tu_scratch_teardown(void **state);

/* The file NAME in tu_scratch, where a test's commands write their output (`> DIR/out`):
 * tu_read_or_fail's buffer (the next read replaces it), failing the test when it cannot be
 * read. */
char *tu_scratch_read(const char *name);
/* The same malloc'd (the caller frees): for a test that holds several at once. */
char *tu_scratch_slurp(const char *name);

/* configs/ci.yaml's dataset (the seed-70m dtype mix) at rows, as the config parser makes it. */
struct hw_dataset tu_ci_dataset(uint64_t rows);

/* The next of a seeded sequence of random 64-bit values (splitmix64): the same sequence for
 * a seed in every test, so a failure replays. */
uint64_t tu_rng(uint64_t *state);

/* qsort's comparison of doubles in the order the reference and the radix select use:
 * numeric, -0.0 before +0.0. */
int tu_cmp_double(const void *pa, const void *pb);

#endif
