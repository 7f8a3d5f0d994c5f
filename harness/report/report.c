#include "report.h"
#include "atomic.h"
#include "json.h"
#include "run_key.h"
#include "report_check.h"
#include "procfs.h"
#include "sha256.h"
#include "size.h"
#include "spec.h"
#include "version.h"
#include <errno.h>
#include <time.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>


static cJSON *tool_json(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", "highwater");
    cJSON_AddStringToObject(o, "version", HW_VERSION);
    cJSON_AddStringToObject(o, "git_commit", hw_build_commit);
    cJSON_AddStringToObject(o, "compiler", hw_build_cc);
    cJSON_AddStringToObject(o, "cflags", hw_build_cflags);
    return o;
}

/* The first "key : value" line of a /proc text file. */
static void proc_field(const char *path, const char *key, char *out, size_t len)
{
    char buf[16384];
    snprintf(out, len, "unknown");
    if (hw_read_text(path, buf, sizeof buf) < 0)
        return;
    char *p = strstr(buf, key);
    if (!p || !(p = strchr(p, ':')))
        return;
    p += 1 + strspn(p + 1, " \t");
    size_t n = strcspn(p, "\n");
    snprintf(out, len, "%.*s", (int)n, p);
}

/* "always [madvise] never" -> "madvise" */
static void thp_mode(char *out, size_t len)
{
    char buf[256];
    snprintf(out, len, "unknown");
    if (hw_read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) < 0)
        return;
    char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
    if (a && b)
        snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
}

static cJSON *host_json(void)
{
    cJSON *o = cJSON_CreateObject();
    struct utsname u;
    char buf[256], host[256] = "unknown";
    uint64_t avail = 0, total = 0;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s", u.sysname, u.release);
        cJSON_AddStringToObject(o, "kernel", buf);
        cJSON_AddStringToObject(o, "arch", u.machine);
    }
    gethostname(host, sizeof host - 1);
    cJSON_AddStringToObject(o, "hostname", host);
    proc_field("/proc/cpuinfo", "model name", buf, sizeof buf);
    cJSON_AddStringToObject(o, "cpu", buf);
    cJSON_AddNumberToObject(o, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
    hw_meminfo_read(&avail, &total);
    cJSON_AddNumberToObject(o, "mem_total_bytes", (double)total);
    cJSON_AddNumberToObject(o, "mem_available_bytes", (double)avail);
    cJSON_AddNumberToObject(o, "page_size_bytes", (double)sysconf(_SC_PAGESIZE));
    thp_mode(buf, sizeof buf);
    cJSON_AddStringToObject(o, "thp", buf);
    snprintf(buf, sizeof buf, "glibc %s", gnu_get_libc_version());
    cJSON_AddStringToObject(o, "libc", buf);
    cJSON_AddArrayToObject(o, "allocator_versions");
    return o;
}

static cJSON *size_json(const struct hw_size *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, s->is_ratio ? "ratio" : "bytes", s->value);
    return o;
}

static cJSON *config_json(const struct hw_config *cfg, const char *text, size_t len)
{
    char hex[65];
    cJSON *o = cJSON_CreateObject();
    hw_sha256_hex(text, len, hex);
    cJSON_AddStringToObject(o, "path", cfg->path);
    cJSON_AddStringToObject(o, "name", cfg->name);
    cJSON_AddStringToObject(o, "sha256", hex);
    cJSON *out = cJSON_AddObjectToObject(o, "output");
    cJSON_AddStringToObject(out, "dtype", hw_dtype_name(cfg->out_dtype));
    cJSON_AddStringToObject(out, "order", hw_order_name(cfg->out_order));
    cJSON *al = cJSON_AddArrayToObject(o, "allocators");
    for (uint32_t i = 0; i < cfg->nallocators; i++) {
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "name", hw_allocator_name(cfg->allocators[i].kind));
        cJSON_AddStringToObject(a, "conf", cfg->allocators[i].conf);
        cJSON_AddItemToArray(al, a);
    }
    cJSON_AddNumberToObject(o, "repeat", cfg->repeat);
    cJSON_AddNumberToObject(o, "sample_interval_ms", cfg->sample_interval_ms);
    if (cfg->limit_is_fraction)
        cJSON_AddNumberToObject(o, "limit_fraction_of_available", cfg->limit);
    else
        cJSON_AddNumberToObject(o, "limit_bytes", cfg->limit);
    cJSON_AddNumberToObject(o, "expect_tolerance", cfg->expect_tolerance);
    cJSON_AddStringToObject(o, "tmpdir", cfg->tmpdir);
    cJSON *st = cJSON_AddArrayToObject(o, "strategies");
    for (uint32_t i = 0; i < cfg->nstrategies; i++) {
        const struct hw_strategy_cfg *sc = &cfg->strategies[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", sc->strategy->name);
        cJSON_AddStringToObject(s, "label", sc->label);
        cJSON *p = cJSON_AddObjectToObject(s, "params");
        for (uint32_t k = 0; k < sc->nparams; k++)
            cJSON_AddStringToObject(p, sc->params[k].key, sc->params[k].value);
        cJSON *so = cJSON_AddObjectToObject(s, "output");
        cJSON_AddStringToObject(so, "dtype", hw_dtype_name(sc->out_dtype));
        cJSON_AddStringToObject(so, "order", hw_order_name(sc->out_order));
        if (sc->has_expect)
            cJSON_AddItemToObject(s, "expect", size_json(&sc->expect));
        if (sc->has_budget)
            cJSON_AddItemToObject(s, "budget", size_json(&sc->budget));
        cJSON_AddItemToArray(st, s);
    }
    return o;
}

cJSON *hw_report_base(void)
{
    cJSON *r = cJSON_CreateObject();
    if (!r)
        return NULL;
    cJSON_AddStringToObject(r, "schema", HW_REPORT_SCHEMA);
    cJSON_AddItemToObject(r, "tool", tool_json());
    cJSON_AddItemToObject(r, "host", host_json());
    return r;
}

cJSON *hw_report_new(const struct hw_config *cfg, const char *config_text, size_t config_len)
{
    cJSON *r = hw_report_base();
    if (!r)
        return NULL;
    cJSON_AddItemToObject(r, "config", config_json(cfg, config_text, config_len));
    cJSON *ds = hw_dataset_json(&cfg->ds);
    cJSON_AddNumberToObject(ds, "source_bytes", (double)hw_dataset_source_bytes(&cfg->ds));
    cJSON_AddNumberToObject(ds, "output_bytes",
                            (double)hw_dataset_output_bytes(&cfg->ds, cfg->out_dtype));
    cJSON_AddItemToObject(r, "dataset", ds);
    cJSON_AddArrayToObject(r, "runs");
    cJSON_AddArrayToObject(r, "summary");
    return r;
}

void hw_report_note_allocator(cJSON *report, const char *version)
{
    cJSON *host = cJSON_GetObjectItemCaseSensitive(report, "host");
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(host, "allocator_versions"), *e;
    cJSON_ArrayForEach(e, arr)
        if (strcmp(cJSON_GetStringValue(e), version) == 0)
            return;
    cJSON_AddItemToArray(arr, cJSON_CreateString(version));
}

const char *hw_expect_verdict(double peak_ratio, double expect_ratio, double tolerance)
{
    /* Inclusive, and blind to rounding noise: 2.2 against 2.0 +- 10% holds. */
    return fabs(peak_ratio / expect_ratio - 1.0) <= tolerance + 1e-9 ? "held" : "wrong";
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Stats over the ok repeats of one group: median, min, max. */
static void add_stats(cJSON *o, const char *name, double *v, int n)
{
    cJSON *s = cJSON_AddObjectToObject(o, name);
    if (n == 0)
        return;
    cJSON_AddNumberToObject(s, "median", median_of(v, n));
    cJSON_AddNumberToObject(s, "min", v[0]);
    cJSON_AddNumberToObject(s, "max", v[n - 1]);
}

static cJSON *summarize_group(const cJSON *runs, const cJSON *first, double tolerance)
{
    int n = cJSON_GetArraySize(runs), ok = 0, total = 0, mismatches = 0, checked = 0;
    double *peak = calloc((size_t)n + 1, sizeof *peak), *wall = calloc((size_t)n + 1, sizeof *wall);
    double *ratio = calloc((size_t)n + 1, sizeof *ratio);
    cJSON *o = cJSON_CreateObject(), *r;
    cJSON_AddStringToObject(o, "strategy", hw_jstr(first, "strategy"));
    cJSON_AddStringToObject(o, "label", hw_jstr(first, "label"));
    cJSON_AddStringToObject(o, "allocator", hw_jstr(first, "allocator"));
    cJSON_AddStringToObject(o, "allocator_conf", hw_jstr(first, "allocator_conf"));
    const char *status = NULL, *reason = NULL, *peak_phase = NULL;
    double differing = 0, max_abs = 0, top = -1;
    cJSON_ArrayForEach(r, runs) {
        if (!hw_run_key_equal(r, first))
            continue;
        total++;
        if (strcmp(hw_jstr(r, "status"), "ok") != 0) {
            if (!status) {
                status = hw_jstr(r, "status");
                reason = hw_jstr(r, "reason");
            }
            continue;
        }
        peak[ok] = hw_jnum(r, "peak_rss_bytes");
        ratio[ok] = hw_jnum(r, "peak_ratio");
        wall[ok++] = hw_jnum(r, "wall_seconds");
        const cJSON *out = cJSON_GetObjectItemCaseSensitive(r, "output");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(out, "matches_reference");
        if (cJSON_IsBool(m)) {
            checked++;
            mismatches += cJSON_IsFalse(m);
            differing = fmax(differing, hw_jnum(out, "cells_differing"));
            max_abs = fmax(max_abs, hw_jnum(out, "max_abs_diff"));
        }
        if (hw_jnum(r, "peak_rss_bytes") > top) {
            top = hw_jnum(r, "peak_rss_bytes");
            peak_phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "peak_phase"));
        }
    }
    if (peak && wall && ratio) {
        cJSON_AddNumberToObject(o, "runs", total);
        cJSON_AddNumberToObject(o, "ok", ok);
        cJSON_AddStringToObject(o, "status", ok == total ? "ok" : ok ? "partial" : status);
        if (reason && ok < total)
            cJSON_AddStringToObject(o, "reason", reason);
        add_stats(o, "peak_rss_bytes", peak, ok);
        add_stats(o, "peak_ratio", ratio, ok);
        add_stats(o, "wall_seconds", wall, ok);
        cJSON_AddStringToObject(o, "output_check", checked == 0 ? "unchecked"
                                : mismatches ? "mismatch" : "matches");
        if (mismatches) {
            cJSON_AddNumberToObject(o, "cells_differing", differing);
            cJSON_AddNumberToObject(o, "max_abs_diff", max_abs);
        }
        if (peak_phase)
            cJSON_AddStringToObject(o, "peak_phase", peak_phase);
        double budget = hw_jnum(first, "budget_ratio");
        if (!isnan(budget) && ok > 0) {
            double med = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(o, "peak_ratio"), "median")->valuedouble;
            cJSON_AddNumberToObject(o, "budget_ratio", budget);
            cJSON_AddStringToObject(o, "budget_verdict", med > budget + 1e-9 ? "exceeded" : "within");
        }
        double expect = hw_jnum(first, "expect_ratio");
        if (!isnan(expect) && ok > 0) {
            double med = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(o, "peak_ratio"), "median")->valuedouble;
            cJSON_AddNumberToObject(o, "expect_ratio", expect);
            cJSON_AddStringToObject(o, "expect_verdict", hw_expect_verdict(med, expect, tolerance));
            cJSON_AddNumberToObject(o, "expect_error", med / expect - 1.0);
            cJSON_AddNumberToObject(o, "expect_factor", med / expect);
        }
    }
    free(peak);
    free(wall);
    free(ratio);
    return o;
}

void hw_report_summarize(cJSON *report)
{
    cJSON *runs = cJSON_GetObjectItemCaseSensitive(report, "runs"), *r, *s;
    double tol = hw_jnum(cJSON_GetObjectItemCaseSensitive(report, "config"), "expect_tolerance");
    if (isnan(tol))
        tol = 0.10;
    cJSON *summary = cJSON_CreateArray();
    cJSON_ArrayForEach(r, runs) {
        bool seen = false;
        cJSON_ArrayForEach(s, summary)
            if (hw_run_key_equal(s, r))
                seen = true;
        if (!seen)
            cJSON_AddItemToArray(summary, summarize_group(runs, r, tol));
    }
    cJSON_ReplaceItemInObjectCaseSensitive(report, "summary", summary);
}

static int put_report(FILE *f, const void *ctx, char *err, size_t len)
{
    const char *text = ctx;
    if (fputs(text, f) == EOF || fputc('\n', f) == EOF) {
        snprintf(err, len, "writing the report failed: %s; free some space or choose another "
                 "path with -o", strerror(errno));
        return -1;
    }
    return 0;
}

int hw_report_write(const cJSON *report, const char *path, char *err, size_t len)
{
    char *text = cJSON_Print(report);
    if (!text) {
        snprintf(err, len, "%s: out of memory printing the report", path);
        return -1;
    }
    int rc = hw_atomic_write(path, put_report, text, err, len);
    free(text);
    return rc;
}

int hw_report_load(const char *path, cJSON **out, char *err, size_t len)
{
    return hw_json_load(path, HW_REPORT_SCHEMA, out, err, len);
}

/* The whole file, read to EOF (never trusting st_size: it may shrink or grow meanwhile). */
static char *read_capped(int fd, const char *path, size_t *n, char *err, size_t len)
{
    struct stat st;
    char b1[32], b2[32];
    if (fstat(fd, &st) != 0) {
        snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, len, "%s: is %s, not a file; give the path of a JSON file", path,
                 S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a pipe"
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
        return NULL;
    }
    if ((unsigned long long)st.st_size > HW_JSON_MAX_BYTES) {
        snprintf(err, len, "%s: %s is over the %s a report may have; is it a report?", path,
                 hw_fmt_bytes((double)st.st_size, b1, sizeof b1),
                 hw_fmt_bytes(HW_JSON_MAX_BYTES, b2, sizeof b2));
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    char *text = malloc(cap + 1);
    while (text) {
        if (used == cap) {
            if (cap > HW_JSON_MAX_BYTES) {
                snprintf(err, len, "%s: grew past the %s a report may have while read; is it "
                         "being written?", path, hw_fmt_bytes(HW_JSON_MAX_BYTES, b2, sizeof b2));
                free(text);
                return NULL;
            }
            char *p = realloc(text, (cap *= 2) + 1);
            if (!p)
                break;
            text = p;
        }
        ssize_t r = read(fd, text + used, cap - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
            free(text);
            return NULL;
        }
        if (r == 0) {
            text[used] = '\0';
            *n = used;
            return text;
        }
        used += (size_t)r;
    }
    snprintf(err, len, "%s: out of memory reading %s", path, hw_fmt_bytes((double)cap, b1, sizeof b1));
    free(text);
    return NULL;
}

int hw_json_load(const char *path, const char *schema_want, cJSON **out, char *err, size_t len)
{
    int rc = 2;
    char *text = NULL;
    size_t n = 0;
    cJSON *r = NULL;
    *out = NULL;
    /* O_NONBLOCK: a FIFO must not hang the open; it is refused as not a file right after. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
        return 2;
    }
    if (!(text = read_capped(fd, path, &n, err, len)))
        goto out;
    if (n == 0) {
        snprintf(err, len, "%s: is empty; expected a %s file (JSON); regenerate it", path,
                 schema_want ? schema_want : HW_REPORT_SCHEMA);
        goto out;
    }
    if (!(r = cJSON_ParseWithLength(text, n))) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, len, "%s: not valid JSON (truncated or malformed) at byte %ld; "
                 "regenerate the report", path, at ? (long)(at - text) : -1L);
        goto out;
    }
    const char *schema = hw_jstr(r, "schema");
    if (schema_want ? strcmp(schema, schema_want) != 0
                    : strcmp(schema, HW_REPORT_SCHEMA) != 0 && strcmp(schema, HW_PLAN_SCHEMA) != 0) {
        snprintf(err, len, "%s: field 'schema' is '%s', expected '%s'", path, schema,
                 schema_want ? schema_want : HW_REPORT_SCHEMA "' or '" HW_PLAN_SCHEMA);
        goto out;
    }
    if (hw_json_check(r, path, err, len) != 0)
        goto out;
    *out = r;
    r = NULL;
    rc = 0;
out:
    /* One line whatever the file held: the schema is quoted back as written. */
    for (char *p = err; rc && len && *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    cJSON_Delete(r);
    free(text);
    close(fd);
    return rc;
}

static const char *ratio_text(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "-");
    else
        snprintf(buf, len, "%.2fx", v);
    return buf;
}

void hw_report_print_table(const cJSON *report, FILE *f)
{
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(report, "dataset");
    const cJSON *summary = cJSON_GetObjectItemCaseSensitive(report, "summary"), *s;
    char b1[32], b2[32], b3[32];
    fprintf(f, "%s: %s rows x %.0f cols, source %s, output %s\n",
            hw_jstr(cJSON_GetObjectItemCaseSensitive(report, "config"), "name"),
            hw_fmt_count_read(hw_jnum(ds, "rows"), b1, sizeof b1), hw_jnum(ds, "cols"),
            hw_fmt_bytes(hw_jnum(ds, "source_bytes"), b2, sizeof b2),
            hw_fmt_bytes(hw_jnum(ds, "output_bytes"), b3, sizeof b3));
    /* Column widths from the content: labels and allocator confs can be long. */
    int lw = 34, aw = 9;
    cJSON_ArrayForEach(s, summary) {
        int l = (int)strlen(hw_jstr(s, "label"));
        int a = (int)(strlen(hw_jstr(s, "allocator")) + strlen(hw_jstr(s, "allocator_conf")) + 1);
        lw = l > lw ? l : lw;
        aw = a > aw ? a : aw;
    }
    fprintf(f, "%-*s %-*s %10s %7s %7s %-20s %8s  %s\n", lw, "strategy", aw, "allocator", "peak",
            "xout", "expect", "verdict", "wall", "output");
    cJSON_ArrayForEach(s, summary) {
        char alloc[300];
        hw_run_key_allocator(s, alloc, sizeof alloc);
        const cJSON *pk = cJSON_GetObjectItemCaseSensitive(s, "peak_rss_bytes");
        const cJSON *pr = cJSON_GetObjectItemCaseSensitive(s, "peak_ratio");
        const cJSON *wl = cJSON_GetObjectItemCaseSensitive(s, "wall_seconds");
        if (hw_jnum(s, "ok") == 0) {
            fprintf(f, "%-*s %-*s %s: %s\n", lw, hw_jstr(s, "label"), aw, alloc, hw_jstr(s, "status"),
                    hw_jstr(s, "reason"));
            continue;
        }
        char verdict[32] = "-";
        if (cJSON_GetObjectItemCaseSensitive(s, "expect_verdict")) {
            if (strcmp(hw_jstr(s, "expect_verdict"), "held") == 0)
                snprintf(verdict, sizeof verdict, "held");
            else
                snprintf(verdict, sizeof verdict, "wrong x%.2f (%+.0f%%)", hw_jnum(s, "expect_factor"),
                         hw_jnum(s, "expect_error") * 100);
        }
        char wall[32];
        snprintf(wall, sizeof wall, "%.2fs", hw_jnum(wl, "median"));
        const char *check = hw_jstr(s, "output_check");
        char output[128];
        if (strcmp(check, "mismatch") == 0)   /* a correctness failure, not a footnote */
            snprintf(output, sizeof output, "WRONG: %.0f cells differ", hw_jnum(s, "cells_differing"));
        else
            snprintf(output, sizeof output, "%s", strcmp(check, "matches") == 0 ? "ok" : check);
        if (strcmp(hw_jstr(s, "budget_verdict"), "exceeded") == 0) {
            size_t n = strlen(output);
            snprintf(output + n, sizeof output - n, "; OVER BUDGET %.2fx", hw_jnum(s, "budget_ratio"));
        }
        fprintf(f, "%-*s %-*s %10s %7s %7s %-20s %8s  %s%s\n", lw, hw_jstr(s, "label"), aw, alloc,
                hw_fmt_bytes(hw_jnum(pk, "median"), b1, sizeof b1), ratio_text(hw_jnum(pr, "median"), b2, sizeof b2),
                ratio_text(hw_jnum(s, "expect_ratio"), b3, sizeof b3), verdict, wall, output,
                hw_jnum(s, "ok") < hw_jnum(s, "runs") ? " (some repeats failed)" : "");
    }
}

const cJSON *hw_report_summary_of(const cJSON *report, const cJSON *key)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(report, "summary"))
        if (hw_run_key_equal(s, key))
            return s;
    return NULL;
}

int hw_report_path(const char *given, const char *name, char *out, size_t len, char *err, size_t errlen)
{
    if (given && given[0]) {
        snprintf(out, len, "%s", given);
    } else {
        char stamp[32];
        time_t now = time(NULL);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", localtime(&now));
        mkdir("results", 0755);
        mkdir("results/runs", 0755);
        snprintf(out, len, "results/runs/%s-%s.json", name, stamp);
    }
    /* Fail before any run, not after an hour of measuring. */
    return hw_path_check("-o", out, err, errlen);
}
