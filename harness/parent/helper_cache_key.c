/* The helper cache's keys: what a cached calibration or reference depends on, and the host
 * facts and build identity that go into them. Pure text from what the caller hands in, but
 * for the two small kernel files and the binary's bytes; the files they name are
 * helper_cache.c's. */
#include "helper_cache.h"
#include "json.h"
#include "procfs.h"
#include "sha256.h"
#include "version.h"
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sha256 of the file's 64 KiB chunks' sha256s, read a chunk at a time: the parent stays
 * small (hw_sha256_hex takes its data whole), and finding two files with one such digest is
 * as hard as a sha256 collision. 0, or -1. */
static int file_digest(const char *path, char hex[65])
{
    enum { CHUNK = 64 << 10 };
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
    unsigned char *buf = malloc(CHUNK);
    char *list = NULL;
    size_t nlist = 0, cap = 0;
    if (fd < 0 || !buf)
        goto out;
    for (;;) {
        size_t got = 0;
        while (got < CHUNK) {
            ssize_t r = read(fd, buf + got, CHUNK - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0)
                goto out;
            if (r == 0)
                break;
            got += (size_t)r;
        }
        if (got == 0)
            break;
        if (nlist + 65 > cap) {
            char *p = realloc(list, cap = cap ? 2 * cap : 64 * 65);
            if (!p)
                goto out;
            list = p;
        }
        hw_sha256_hex(buf, got, list + nlist);
        nlist += 64;
        if (got < CHUNK)
            break;
    }
    hw_sha256_hex(list ? list : "", nlist, hex);
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(buf);
    free(list);
    return rc;
}

int hw_cache_build_identity(const char *commit, const char *exe, char *out, size_t len)
{
    if (commit[0] && strcmp(commit, "unknown") != 0 && !strstr(commit, "-dirty")) {
        int n = snprintf(out, len, "commit %s; cc %s; cflags %s; glibc %s", commit, hw_build_cc, hw_build_cflags,
                         gnu_get_libc_version());
        return n < 0 || (size_t)n >= len ? -1 : 0;
    }
    char hex[65];
    if (file_digest(exe, hex) != 0)
        return -1;
    int n = snprintf(out, len, "binary sha256-of-64KiB-chunks %s; commit %s", hex, commit);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static uint64_t bits_of(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* Appends to key[*used..len); false once it no longer fits. */
static bool append(char *key, size_t len, size_t *used, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static bool append(char *key, size_t len, size_t *used, const char *fmt, ...)
{
    va_list ap;
    if (*used >= len)
        return false;
    va_start(ap, fmt);
    int n = vsnprintf(key + *used, len - *used, fmt, ap);
    va_end(ap);
    *used += n < 0 ? len : (size_t)n;
    return *used < len;
}

int hw_cache_reference_key(const struct hw_dataset *ds, enum hw_dtype out_dtype, const char *build,
                           char *key, size_t len)
{
    size_t used = 0;
    bool ok = append(key, len, &used, "rows=%llu;cols=%u;seed=%llu;all_null_columns=%u;output_dtype=%s;groups=",
                     (unsigned long long)ds->rows, ds->cols, (unsigned long long)ds->seed, ds->all_null_columns,
                     hw_dtype_name(out_dtype));
    for (uint32_t g = 0; ok && g < ds->ngroups; g++) {
        const struct hw_col_group *cg = &ds->groups[g];
        /* Rates as bit patterns: a key compares exactly, and 0.1 printed is not always 0.1. */
        ok = append(key, len, &used, "%s%s*%u(null=%016llx,inf=%016llx,nan=%016llx)", g ? "," : "",
                    hw_dtype_name(cg->dtype), cg->count, (unsigned long long)bits_of(cg->null_rate),
                    (unsigned long long)bits_of(cg->inf_rate), (unsigned long long)bits_of(cg->nan_rate));
    }
    return ok && append(key, len, &used, ";build=%s", build) ? 0 : -1;
}

/* hw_jnum but -1, not NaN, for a missing fact: the key text stays what earlier files hold. */
static double jnum(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(it) ? it->valuedouble : -1;
}

int hw_cache_calibration_key(const cJSON *host, const char *defrag, const char *boot_id, const char *commit,
                             char *key, size_t len)
{
    if (!boot_id[0])
        return -1;
    const char *dirty = strstr(commit, "-dirty");
    int n = snprintf(key, len, "cpu=%s;cpus=%.0f;mem_total_bytes=%.0f;kernel=%s;thp=%s;thp_defrag=%s;boot_id=%s;"
                     "commit=%.*s", hw_jstr(host, "cpu"), jnum(host, "cpus"), jnum(host, "mem_total_bytes"),
                     hw_jstr(host, "kernel"), hw_jstr(host, "thp"), defrag, boot_id,
                     (int)(dirty ? (size_t)(dirty - commit) : strlen(commit)), commit);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The first line of a one-line /sys or /proc file, "" when unreadable. */
static void first_line(const char *path, char *out, size_t len)
{
    if (hw_read_text(path, out, len) < 0)
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
}

void hw_cache_host_facts(char *defrag, size_t dlen, char *boot_id, size_t blen)
{
    char line[256];
    first_line("/sys/kernel/mm/transparent_hugepage/defrag", line, sizeof line);
    char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;   /* "always [madvise] never" */
    snprintf(defrag, dlen, "%.*s", a && b ? (int)(b - a - 1) : 0, a && b ? a + 1 : "");
    first_line("/proc/sys/kernel/random/boot_id", boot_id, blen);
}
