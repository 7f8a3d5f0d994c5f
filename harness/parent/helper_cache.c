/* The helper cache's files: where they live, reading one back with every field checked,
 * writing one atomically, and keeping the directory bounded. The keys are helper_cache_key.c's. */
#include "helper_cache.h"
#include "atomic.h"
#include "event.h"
#include "json.h"
#include "sha256.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- where ---- */

/* mkdir -p, 0700 for what it makes: the caches are the user's own. */
static int make_dirs(const char *dir, char *err, size_t len)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s", dir);
    for (char *s = p + 1;; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                snprintf(err, len, "cache directory %s: cannot make %s: %s; set HW_CACHE_DIR to a writable directory",
                         dir, p, strerror(errno));
                return -1;
            }
            if (end)
                break;
            *s = '/';
        }
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, len, "cache directory %s: not a directory; set HW_CACHE_DIR to a writable directory", dir);
        return -1;
    }
    return 0;
}

int hw_cache_dir(char *out, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("HW_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (env && *env)
        n = snprintf(out, len, "%s", env);
    else if (xdg && xdg[0] == '/')   /* the XDG spec: a relative XDG_CACHE_HOME is ignored */
        n = snprintf(out, len, "%s/highwater", xdg);
    else if (home && home[0] == '/')
        n = snprintf(out, len, "%s/.cache/highwater", home);
    else {
        snprintf(err, errlen, "no cache directory: HW_CACHE_DIR, XDG_CACHE_HOME and HOME are unset; "
                 "set HW_CACHE_DIR to a writable directory");
        return -1;
    }
    if (n < 0 || (size_t)n >= len || (size_t)n >= PATH_MAX - 64) {
        snprintf(err, errlen, "cache directory %.200s...: too long; set HW_CACHE_DIR to a shorter path", out);
        return -1;
    }
    return make_dirs(out, err, errlen);
}

void hw_cache_path(const char *dir, const char *prefix, const char *key, char *path, size_t len)
{
    char hex[65];
    hw_sha256_hex(key, strlen(key), hex);
    snprintf(path, len, "%s/%s-%.32s.json", dir, prefix, hex);
}

void hw_cache_now_utc(char out[21])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- reading ---- */

static void ignored(const char *path, const char *again, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ignored(const char *path, const char *again, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    for (char *p = why; *p; p++)   /* one line, whatever the file held */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    fprintf(stderr, "highwater: cache %s: %s; ignored, %s\n", path, why, again);
}

/* The file's text, NUL-terminated, or NULL: errno ENOENT when there is no file (say nothing),
 * otherwise after the line. Not hw_file_read_text: that one caps at a report's 256 MiB, not
 * 1 MiB, and words a missing file as an error, where here it is the common, silent miss. */
static char *read_small(const char *path, const char *again)
{
    struct stat st;
    char *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno != ENOENT)
            ignored(path, again, "cannot read: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > HW_CACHE_FILE_MAX) {
        ignored(path, again, "not a regular file of at most %u bytes", HW_CACHE_FILE_MAX);
        goto fail;
    }
    size_t used = 0;
    if (!(text = malloc(HW_CACHE_FILE_MAX + 1))) {   /* said too: the caller promises a line */
        ignored(path, again, "out of memory for %u bytes", HW_CACHE_FILE_MAX + 1);
        goto fail;
    }
    for (;;) {   /* to EOF, never past the cap: the file may be growing */
        ssize_t r = read(fd, text + used, HW_CACHE_FILE_MAX + 1 - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ignored(path, again, "cannot read: %s", strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        used += (size_t)r;
        if (used > HW_CACHE_FILE_MAX) {
            ignored(path, again, "grew past %u bytes while read", HW_CACHE_FILE_MAX);
            goto fail;
        }
    }
    text[used] = '\0';
    close(fd);
    errno = 0;
    return text;
fail:
    free(text);
    close(fd);
    errno = EINVAL;
    return NULL;
}

/* Our file for key: parsed, its schema and key checked; NULL silently when absent, after one
 * line otherwise. */
static cJSON *load_entry(const char *path, const char *schema, const char *key, const char *again)
{
    char *text = read_small(path, again);
    if (!text)
        return NULL;
    cJSON *j = cJSON_ParseWithOpts(text, NULL, true);   /* nothing after the object but spaces */
    free(text);
    if (!cJSON_IsObject(j)) {
        ignored(path, again, "not a JSON object (truncated or malformed)");
        goto bad;
    }
    if (strcmp(hw_jstr(j, "schema"), schema) != 0) {
        ignored(path, again, "field 'schema' is '%.64s', expected '%s'", hw_jstr(j, "schema"), schema);
        goto bad;
    }
    if (strcmp(hw_jstr(j, "key"), key) != 0) {
        ignored(path, again, "its key is not this one (another host, boot, dataset or build)");
        goto bad;
    }
    return j;
bad:
    cJSON_Delete(j);
    return NULL;
}

/* o[k] is "YYYY-MM-DDTHH:MM:SSZ": into out. */
static bool stamp_ok(const cJSON *o, const char *k, char out[21])
{
    const char *s = hw_jstr(o, k);
    struct tm tm = {0};
    const char *end = strlen(s) == 20 ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (!end || *end)
        return false;
    memcpy(out, s, 21);
    return true;
}

/* s is exactly 16 hex digits (strtoull alone, and so hw_hex_u64, would take " -1" or "0x1"). */
static bool hex16(const char *s, uint64_t *v)
{
    if (!s || strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16)
        return false;
    *v = strtoull(s, NULL, 16);
    return true;
}

enum kind { POSITIVE, NONNEGATIVE, WHOLE, BOOLEAN };
/* The fields hw_calibration_json writes, each with what a measurement can give. */
static const struct {
    const char *name;
    enum kind kind;
} cal_fields[] = {
    {"bytes", WHOLE},
    {"memcpy_warm_bytes_per_s", POSITIVE},
    {"fault_4k_bytes_per_s", POSITIVE},
    {"fault_thp_bytes_per_s", NONNEGATIVE},   /* 0 without THP */
    {"thp_available", BOOLEAN},
    {"thp_rss_granularity_bytes", WHOLE},
    {"seconds", NONNEGATIVE},
};
#define NCAL (sizeof cal_fields / sizeof cal_fields[0])

/* NULL when cal is a calibration every field of which is as measured, else what is wrong. */
static const char *calibration_bad(const cJSON *cal, char *why, size_t len)
{
    if (!cJSON_IsObject(cal) || cJSON_GetArraySize(cal) != (int)NCAL) {
        snprintf(why, len, "field 'calibration' is not an object of %zu fields", NCAL);
        return why;
    }
    for (size_t i = 0; i < NCAL; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(cal, cal_fields[i].name);
        double v = cJSON_IsNumber(it) ? it->valuedouble : NAN;
        bool ok = cal_fields[i].kind == BOOLEAN ? cJSON_IsBool(it)
                  : cal_fields[i].kind == POSITIVE ? isfinite(v) && v > 0
                  : cal_fields[i].kind == NONNEGATIVE ? isfinite(v) && v >= 0
                  : isfinite(v) && v >= 1 && v <= 9007199254740992.0 && v == floor(v);
        if (!ok) {
            snprintf(why, len, "field 'calibration.%s' is missing or out of range", cal_fields[i].name);
            return why;
        }
    }
    return NULL;
}

cJSON *hw_cache_calibration_load(const char *path, const char *key, char measured_at[21])
{
    static const char again[] = "measuring again";
    char why[128];
    cJSON *j = load_entry(path, HW_CALIBRATION_CACHE_SCHEMA, key, again), *cal = NULL;
    if (!j)
        return NULL;
    if (!stamp_ok(j, "measured_at", measured_at))
        ignored(path, again, "field 'measured_at' is not a UTC time like 2026-12-01T21:30:00Z");
    else if (calibration_bad(cJSON_GetObjectItemCaseSensitive(j, "calibration"), why, sizeof why))
        ignored(path, again, "%s", why);
    else
        cal = cJSON_DetachItemFromObjectCaseSensitive(j, "calibration");
    cJSON_Delete(j);
    return cal;
}

int hw_cache_reference_load(const char *path, const char *key, uint32_t cols, uint64_t *checksum, double *medians,
                            char computed_at[21])
{
    static const char again[] = "computing the reference again";
    cJSON *j = load_entry(path, HW_REFERENCE_CACHE_SCHEMA, key, again);
    int ok = 0;
    if (!j)
        return 0;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "medians"), *e;
    if (!stamp_ok(j, "computed_at", computed_at)) {
        ignored(path, again, "field 'computed_at' is not a UTC time like 2026-12-01T21:30:00Z");
        goto out;
    }
    if (!hex16(hw_jstr(j, "checksum"), checksum)) {
        ignored(path, again, "field 'checksum' is not 16 hex digits");
        goto out;
    }
    if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) != (int)cols) {
        ignored(path, again, "field 'medians' is not an array of %u (one per column)", cols);
        goto out;
    }
    uint32_t c = 0;
    cJSON_ArrayForEach(e, m) {
        uint64_t bits = 0;
        bool hex = hex16(cJSON_GetStringValue(e), &bits);
        memcpy(&medians[c], &bits, sizeof bits);
        /* A median is a finite value of the column, or 0: never NaN or inf. */
        if (!hex || !isfinite(medians[c])) {
            ignored(path, again, "medians[%u] is not the 16 hex digits of a finite double", c);
            goto out;
        }
        c++;
    }
    ok = 1;
out:
    cJSON_Delete(j);
    return ok;
}

/* ---- writing ---- */

static int store(const char *path, cJSON *j, char *err, size_t len)
{
    char *text = j ? cJSON_Print(j) : NULL;
    int rc = -1;
    if (!text)
        snprintf(err, len, "%s: out of memory", path);
    else
        rc = hw_atomic_write_text(path, text, strlen(text), err, len);
    free(text);
    cJSON_Delete(j);
    return rc;
}

static cJSON *entry(const char *schema, const char *key, const char *stamp_name, const char *stamp)
{
    cJSON *j = cJSON_CreateObject();
    if (j && (!cJSON_AddStringToObject(j, "schema", schema) || !cJSON_AddStringToObject(j, "key", key) ||
              !cJSON_AddStringToObject(j, stamp_name, stamp))) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

int hw_cache_calibration_store(const char *path, const char *key, const cJSON *cal, const char *measured_at,
                               char *err, size_t len)
{
    cJSON *j = entry(HW_CALIBRATION_CACHE_SCHEMA, key, "measured_at", measured_at);
    if (j && !cJSON_AddItemToObject(j, "calibration", cJSON_Duplicate(cal, true))) {
        cJSON_Delete(j);
        j = NULL;
    }
    return store(path, j, err, len);
}

int hw_cache_reference_store(const char *path, const char *key, uint32_t cols, uint64_t checksum,
                             const double *medians, const char *computed_at, char *err, size_t len)
{
    char hex[17];
    cJSON *j = entry(HW_REFERENCE_CACHE_SCHEMA, key, "computed_at", computed_at), *m = NULL;
    hw_u64_hex(checksum, hex);
    if (j && cJSON_AddStringToObject(j, "checksum", hex) && (m = cJSON_AddArrayToObject(j, "medians"))) {
        /* Bit patterns: a double printed by cJSON reads back within an epsilon, not exactly
         * (one in eight here), and -0.0 would come back as 0. */
        for (uint32_t c = 0; c < cols && m; c++) {
            uint64_t bits;
            memcpy(&bits, &medians[c], sizeof bits);
            hw_u64_hex(bits, hex);
            if (!cJSON_AddItemToArray(m, cJSON_CreateString(hex)))
                m = NULL;
        }
    }
    if (!m) {
        cJSON_Delete(j);
        j = NULL;
    }
    return store(path, j, err, len);
}

struct aged {
    char name[NAME_MAX + 1];
    time_t mtime;
};

static int newest_first(const void *a, const void *b)
{
    const struct aged *x = a, *y = b;
    return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

void hw_cache_prune(const char *dir, const char *prefix, unsigned keep)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct aged *files = NULL;
    size_t n = 0, cap = 0, plen = strlen(prefix);
    time_t now = time(NULL);
    if (!d)
        return;
    while ((e = readdir(d))) {
        struct stat st;
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, plen) != 0 || e->d_name[plen] != '-' ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (len < 5 || strcmp(e->d_name + len - 5, ".json") != 0) {
            if (strstr(e->d_name, ".json.") && now - st.st_mtime > 3600)   /* an interrupted write's temp */
                unlinkat(dirfd(d), e->d_name, 0);
            continue;
        }
        if (n == cap) {
            struct aged *p = realloc(files, (cap = cap ? 2 * cap : 32) * sizeof *files);
            if (!p)
                break;
            files = p;
        }
        snprintf(files[n].name, sizeof files[n].name, "%s", e->d_name);
        files[n++].mtime = st.st_mtime;
    }
    if (n > keep) {
        qsort(files, n, sizeof *files, newest_first);
        for (size_t i = keep; i < n; i++)
            unlinkat(dirfd(d), files[i].name, 0);   /* ENOENT: another run pruned it first */
    }
    free(files);
    closedir(d);
}
