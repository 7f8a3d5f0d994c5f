/* Test helpers shared by every test binary: see testutil.h for why they are one module. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "report.h"
#include "testutil.h"
#include <math.h>

int tu_sh(const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    if (n < 0)
        fail_msg("tu_sh: out of memory formatting '%s'", fmt);
    fflush(NULL);   /* the command's output must not land before ours */
    int st = system(cmd);
    free(cmd);
    if (st == -1)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The whole file, malloc'd; NULL (errno set) when it cannot be read. */
static char *slurp_file(const char *path, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    /* Read to EOF rather than trusting a size from fstat: /proc files and pipes report 0. */
    for (;;) {
        if (cap - n < 2) {
            size_t ncap = cap ? cap * 2 : 1 << 16;
            char *nb = realloc(buf, ncap);
            if (!nb)
                goto fail;
            buf = nb;
            cap = ncap;
        }
        size_t k = fread(buf + n, 1, cap - 1 - n, f);
        n += k;
        if (k == 0)
            break;
    }
    if (ferror(f))
        goto fail;
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
fail:;
    int e = errno;
    free(buf);
    fclose(f);
    errno = e;
    return NULL;
}

char *tu_slurp(const char *path, size_t *len)
{
    char *t = slurp_file(path, len);
    if (!t)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    return t;
}

/* The one buffer tu_read hands out. It stays reachable from here, so LeakSanitizer does not
 * count the last one at exit. */
static char *last;

/* Formats the path, then reads it into `last`; errno says why when NULL. */
static char *read_v(const char *fmt, va_list ap)
{
    char *path = NULL;
    if (vasprintf(&path, fmt, ap) < 0)
        fail_msg("tu_read: out of memory formatting '%s'", fmt);
    free(last);
    last = slurp_file(path, NULL);
    int e = errno;
    free(path);
    errno = e;
    return last;
}

char *tu_read(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = read_v(fmt, ap);
    va_end(ap);
    return t;
}

char *tu_text(const char *fmt, ...)
{
    static char empty[1];
    va_list ap;
    va_start(ap, fmt);
    char *t = read_v(fmt, ap);
    va_end(ap);
    return t ? t : empty;
}

char *tu_read_or_fail(const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    char *t = read_v(fmt, ap);
    va_end(ap);
    if (!t) {
        char path[4096];   /* on the stack: fail_msg jumps out, a malloc'd one would leak */
        int e = errno;
        vsnprintf(path, sizeof path, fmt, again);
        va_end(again);
        fail_msg("cannot read %s: %s", path, strerror(e));
    }
    va_end(again);
    return t;
}

cJSON *tu_report(const char *fmt, ...)
{
    char *path = NULL, err[1024];
    cJSON *r = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&path, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    if (hw_report_load(path, &r, err, sizeof err) != 0)
        fprintf(stderr, "%s\n", err);
    free(path);
    return r;
}

void tu_put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        fail_msg("cannot create %s: %s", path, strerror(errno));
    int bad = fputs(text, f) == EOF;
    bad |= fclose(f) != 0;
    if (bad)
        fail_msg("cannot write %s: %s", path, strerror(errno));
}

void tu_script(const char *path, const char *text)
{
    tu_put_file(path, text);
    if (chmod(path, 0755) != 0)
        fail_msg("cannot make %s executable: %s", path, strerror(errno));
}

int tu_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

void tu_bin(char *out, size_t len)
{
    const char *b = getenv("HW_BUILD");
    snprintf(out, len, "%s/highwater", b ? b : "build");
}

int tu_rm_rf(const char *dir)
{
    return tu_sh("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

char *tu_scratch;

int tu_scratch_setup(void **state)
{
    (void)state;
    if (!tu_scratch || !mkdtemp(tu_scratch)) {
        fprintf(stderr, "cannot make the scratch directory %s: %s\n", tu_scratch ? tu_scratch : "(tu_scratch not set)",
                strerror(errno));
        return -1;
    }
    return 0;
}

int tu_scratch_teardown(void **state)
{
    (void)state;
    return tu_rm_rf(tu_scratch);
}

char *tu_scratch_read(const char *name)
{
    return tu_read_or_fail("%s/%s", tu_scratch, name);
}

char *tu_scratch_slurp(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", tu_scratch, name);
    return tu_slurp(path, NULL);
}

struct hw_dataset tu_ci_dataset(uint64_t rows)
{
    struct hw_dataset ds = {
        .rows = rows, .cols = 114, .seed = 20261124, .ngroups = 6, .all_null_columns = 1,
        .groups = {
            {HW_F32, 102, 0.02, 0.005, 0.005},
            {HW_F64, 2, 0.01, 0.001, 0.0},
            {HW_I64, 1, 0.05, 0.0, 0.0},
            {HW_I32, 2, 0.0, 0.0, 0.0},
            {HW_I16, 3, 0.01, 0.0, 0.0},
            {HW_I8, 4, 0.0, 0.0, 0.0},
        },
    };
    return ds;
}

int tu_cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (a < b)
        return -1;
    if (a > b)
        return 1;
    return (signbit(b) != 0) - (signbit(a) != 0);
}

uint64_t tu_rng(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
