#include "sacct.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "write it with: sacct -P --noconvert -j JOB --format=JobIDRaw,JobID,State,MaxRSS,Elapsed,NodeList"

enum { C_RAW, C_ID, C_STATE, C_RSS, C_ELAPSED, C_NODE, C_N };
static const char *const names[C_N] = {"JobIDRaw", "JobID", "State", "MaxRSS", "Elapsed", "NodeList"};

bool hw_sacct_bytes(const char *t, double *bytes)
{
    static const char units[] = "KMGTP";
    char *end;
    if (!t[0] || !(isdigit((unsigned char)t[0])))
        return false;
    double v = strtod(t, &end);
    double scale = 1;
    if (*end) {
        const char *u = strchr(units, *end);
        if (!u || end[1])
            return false;
        scale = pow(1024, (double)(u - units + 1));
    }
    if (!isfinite(v) || v < 0)
        return false;
    *bytes = v * scale;
    return true;
}

bool hw_sacct_elapsed(const char *t, double *seconds)
{
    double part[3] = {0}, days = 0;
    int n = 0;
    const char *p = t, *dash = strchr(t, '-');
    char *end;
    if (dash) {
        days = strtod(t, &end);
        if (end != dash || days < 0 || !isdigit((unsigned char)t[0]))
            return false;
        p = dash + 1;
    }
    for (;;) {
        if (n == 3 || !isdigit((unsigned char)*p))
            return false;
        part[n++] = strtod(p, &end);
        if (*end == '\0')
            break;
        /* only the seconds carry a fraction */
        if (*end != ':' || memchr(p, '.', (size_t)(end - p)))
            return false;
        p = end + 1;
    }
    if (n < 2 || (dash && n != 3))
        return false;
    double s = n == 3 ? part[0] * 3600 + part[1] * 60 + part[2] : part[0] * 60 + part[1];
    *seconds = days * 86400 + s;
    return isfinite(*seconds);
}

static void keep(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

/* One line split at '|' in place into f[0..*n), at most max fields. */
static void split(char *line, char **f, int max, int *n)
{
    *n = 0;
    for (char *p = line;; p++) {
        if (*n < max)
            f[(*n)++] = p;
        else
            (*n)++;
        p = strchr(p, '|');
        if (!p)
            return;
        *p = '\0';
    }
}

int hw_sacct_parse(const char *text, const char *path, struct hw_sacct *out, char *err, size_t len)
{
    enum { MAXF = 64 };
    int col[C_N], nf, rc = 2;
    char *f[MAXF], *copy = strdup(text), *line, *save = NULL;
    size_t lineno = 0, cap = 0;
    *out = (struct hw_sacct){0};
    if (!copy) {
        snprintf(err, len, "%s: out of memory", path);
        return 2;
    }
    for (int c = 0; c < C_N; c++)
        col[c] = -1;
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        split(line, f, MAXF, &nf);
        if (nf > MAXF) {
            snprintf(err, len, "%s:%zu: %d fields, more than the %d a sacct line has here; " FIX, path, lineno, nf, MAXF);
            goto cleanup;
        }
        if (lineno == 1) {
            for (int i = 0; i < nf; i++)
                for (int c = 0; c < C_N; c++)
                    if (strcmp(f[i], names[c]) == 0)
                        col[c] = i;
            if ((col[C_RAW] < 0 && col[C_ID] < 0) || col[C_RSS] < 0) {
                snprintf(err, len, "%s:1: the header names no JobIDRaw (or JobID) and MaxRSS column: not sacct "
                         "--parsable2 output with its header; " FIX, path);
                goto cleanup;
            }
            continue;
        }
        int need = col[C_RAW] > col[C_ID] ? col[C_RAW] : col[C_ID];
        for (int c = C_STATE; c < C_N; c++)
            need = col[c] > need ? col[c] : need;
        if (nf <= need) {
            snprintf(err, len, "%s:%zu: %d fields, the header has %d or more: a truncated line; " FIX, path, lineno, nf,
                     need + 1);
            goto cleanup;
        }
        if (out->n == HW_SACCT_MAX_ROWS) {
            snprintf(err, len, "%s:%zu: more than %d lines: not one sweep's accounting; " FIX, path, lineno,
                     HW_SACCT_MAX_ROWS);
            goto cleanup;
        }
        if (out->n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct hw_sacct_row *r = realloc(out->rows, ncap * sizeof *r);
            if (!r) {
                snprintf(err, len, "%s:%zu: out of memory", path, lineno);
                goto cleanup;
            }
            out->rows = r;
            cap = ncap;
        }
        struct hw_sacct_row *r = &out->rows[out->n];
        memset(r, 0, sizeof *r);
        keep(r->job_id_raw, sizeof r->job_id_raw, col[C_RAW] >= 0 ? f[col[C_RAW]] : "");
        keep(r->job_id, sizeof r->job_id, col[C_ID] >= 0 ? f[col[C_ID]] : "");
        keep(r->state, sizeof r->state, col[C_STATE] >= 0 ? f[col[C_STATE]] : "");
        keep(r->node, sizeof r->node, col[C_NODE] >= 0 ? f[col[C_NODE]] : "");
        const char *rss = f[col[C_RSS]];
        r->have_rss = hw_sacct_bytes(rss, &r->max_rss_bytes);
        if (!r->have_rss && rss[0]) {
            snprintf(err, len, "%s:%zu: MaxRSS '%.40s' is not a size (bytes, or a number with K, M, G, T or P); "
                     FIX, path, lineno, rss);
            goto cleanup;
        }
        if (col[C_ELAPSED] >= 0) {
            const char *el = f[col[C_ELAPSED]];
            r->have_elapsed = hw_sacct_elapsed(el, &r->elapsed_seconds);
            if (!r->have_elapsed && el[0]) {
                snprintf(err, len, "%s:%zu: Elapsed '%.40s' is not [D-][HH:]MM:SS; " FIX, path, lineno, el);
                goto cleanup;
            }
        }
        out->n++;
    }
    if (lineno == 0) {
        snprintf(err, len, "%s: empty: no sacct header or rows; " FIX, path);
        goto cleanup;
    }
    rc = 0;
cleanup:
    free(copy);
    if (rc != 0)
        hw_sacct_free(out);
    return rc;
}

const struct hw_sacct_row *hw_sacct_batch(const struct hw_sacct *s, const char *id)
{
    char want[80];
    snprintf(want, sizeof want, "%s.batch", id);
    for (size_t i = 0; i < s->n; i++) {
        const char *have = s->rows[i].job_id_raw[0] ? s->rows[i].job_id_raw : s->rows[i].job_id;
        if (strcmp(have, want) == 0)
            return &s->rows[i];
    }
    return NULL;
}

void hw_sacct_free(struct hw_sacct *s)
{
    free(s->rows);
    *s = (struct hw_sacct){0};
}
