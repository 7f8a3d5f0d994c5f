#include "export.h"
#include "atomic.h"
#include "json.h"
#include "json_file.h"
#include "sha256.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK_ROWS 65536u

/* numpy's names for the source dtypes (never f16: sources have none). */
static const char *npy_descr(enum hw_dtype t)
{
    switch (t) {
    case HW_F64: return "<f8";
    case HW_F32: return "<f4";
    case HW_F16: return "<f2";
    case HW_I64: return "<i8";
    case HW_I32: return "<i4";
    case HW_I16: return "<i2";
    case HW_I8: return "|i1";
    default: return "?";
    }
}

void hw_dataset_key(const struct hw_dataset *ds, char out[65])
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "rows=%llu seed=%llu all_null=%u", (unsigned long long)ds->rows,
                     (unsigned long long)ds->seed, ds->all_null_columns);
    for (uint32_t g = 0; g < ds->ngroups && n > 0 && (size_t)n < sizeof buf; g++) {
        const struct hw_col_group *cg = &ds->groups[g];
        /* %a: the exact rates, so two configs that round alike still differ. */
        n += snprintf(buf + n, sizeof buf - n, " %s:%u:%a:%a:%a", hw_dtype_name(cg->dtype), cg->count,
                      cg->null_rate, cg->inf_rate, cg->nan_rate);
    }
    hw_sha256_hex(buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : 0, out);
}

void hw_dataset_mix_key(const struct hw_dataset *ds, char out[65])
{
    struct hw_dataset any = *ds;
    any.rows = 0;
    hw_dataset_key(&any, out);
}

/* The .npy 1.0 header: magic, version, a little-endian length, a dict padded with spaces
 * to a 64-byte boundary (numpy's own alignment, so the data can be mapped aligned). */
static int npy_header(FILE *f, const char *descr, uint64_t rows)
{
    char dict[128];
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%llu,), }",
                     descr, (unsigned long long)rows);
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    uint16_t hlen = (uint16_t)(padded - 10);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    if (fwrite(pre, 1, sizeof pre, f) != sizeof pre || fwrite(dict, 1, (size_t)n, f) != (size_t)n)
        return -1;
    for (size_t i = total - 1; i < padded - 1; i++)
        if (fputc(' ', f) == EOF)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

struct column_job {
    const struct hw_dataset *ds;
    uint32_t col;
    bool validity;           /* the .valid.npy file, not the values */
    void *data;              /* BLOCK_ROWS values, BLOCK_ROWS bools */
    uint8_t *bits;           /* the block's packed validity */
};

static int write_column(FILE *f, const void *ctx, char *err, size_t len)
{
    const struct column_job *j = ctx;
    struct hw_colspec cs;
    hw_dataset_colspec(j->ds, j->col, &cs);
    size_t esz = hw_dtype_size(cs.dtype);
    if (npy_header(f, j->validity ? "|b1" : npy_descr(cs.dtype), j->ds->rows) != 0)
        goto fail;
    for (uint64_t r0 = 0; r0 < j->ds->rows; r0 += BLOCK_ROWS) {
        size_t n = j->ds->rows - r0 < BLOCK_ROWS ? (size_t)(j->ds->rows - r0) : BLOCK_ROWS;
        hw_gen_fill(j->ds, j->col, r0, n, j->data, j->bits);
        if (j->validity) {
            uint8_t *b = j->data;
            for (size_t i = 0; i < n; i++)
                b[i] = hw_valid_bit(j->bits, i);
            if (fwrite(b, 1, n, f) != n)
                goto fail;
        } else if (fwrite(j->data, esz, n, f) != n) {
            goto fail;
        }
    }
    return 0;
fail:
    snprintf(err, len, "write failed: %s; free space (an export takes about the source's size) and retry",
             errno ? strerror(errno) : "short write");
    return -1;
}

static void column_name(uint32_t c, bool validity, char *out, size_t len)
{
    snprintf(out, len, "c%03u%s.npy", c, validity ? ".valid" : "");
}

static cJSON *schema_json(const struct hw_dataset *ds, const char *key)
{
    cJSON *j = cJSON_CreateObject(), *cols = cJSON_CreateArray();
    cJSON_AddStringToObject(j, "schema", HW_DATASET_SCHEMA);
    cJSON_AddStringToObject(j, "key", key);
    cJSON_AddNumberToObject(j, "rows", (double)ds->rows);
    cJSON_AddNumberToObject(j, "cols", ds->cols);
    hw_json_add_whole(j, "seed", ds->seed);
    cJSON_AddNumberToObject(j, "source_bytes", (double)hw_dataset_source_bytes(ds));
    cJSON_AddItemToObject(j, "columns", cols);
    for (uint32_t c = 0; c < ds->cols; c++) {
        struct hw_colspec cs;
        char name[32], values[32], valid[32];
        hw_dataset_colspec(ds, c, &cs);
        snprintf(name, sizeof name, "c%03u", c);
        column_name(c, false, values, sizeof values);
        column_name(c, true, valid, sizeof valid);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", name);
        cJSON_AddStringToObject(o, "dtype", hw_dtype_name(cs.dtype));
        cJSON_AddStringToObject(o, "values", values);
        cJSON_AddStringToObject(o, "validity", valid);
        cJSON_AddBoolToObject(o, "all_null", cs.all_null);
        cJSON_AddItemToArray(cols, o);
    }
    return j;
}

static void remove_files(const char *dir, uint32_t cols)
{
    char path[PATH_MAX + 64], name[32];
    for (uint32_t c = 0; c < cols; c++)
        for (int v = 0; v < 2; v++) {
            column_name(c, v, name, sizeof name);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            unlink(path);
        }
    snprintf(path, sizeof path, "%s/schema.json", dir);
    unlink(path);
}

int hw_dataset_export(const struct hw_dataset *ds, const char *dir, char *err, size_t len)
{
    char path[PATH_MAX + 64], name[32], key[65], why[1024];
    int rc = 3;
    struct stat st;
    if (strlen(dir) >= PATH_MAX) {
        snprintf(err, len, "-o %.64s...: path too long; choose a shorter directory", dir);
        return 2;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, len, "-o %s: cannot create the directory: %s; choose a writable place", dir,
                 strerror(errno));
        return 2;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, len, "-o %s: not a directory; name a directory to write the columns into", dir);
        return 2;
    }
    void *data = malloc(BLOCK_ROWS * sizeof(double));
    uint8_t *bits = malloc(BLOCK_ROWS / 8);
    cJSON *schema = NULL;
    char *text = NULL;
    if (!data || !bits) {
        snprintf(err, len, "out of memory for a 64k-row block");
        goto out;
    }
    /* The old schema goes first: a directory is never complete while its columns change. */
    snprintf(path, sizeof path, "%s/schema.json", dir);
    unlink(path);
    for (uint32_t c = 0; c < ds->cols; c++)
        for (int v = 0; v < 2; v++) {
            struct column_job j = {ds, c, v, data, bits};
            column_name(c, v, name, sizeof name);
            snprintf(path, sizeof path, "%s/%s", dir, name);
            if (hw_atomic_write(path, write_column, &j, why, sizeof why) != 0) {
                snprintf(err, len, "%s", why);
                goto out;
            }
        }
    hw_dataset_key(ds, key);
    schema = schema_json(ds, key);
    text = schema ? cJSON_Print(schema) : NULL;
    snprintf(path, sizeof path, "%s/schema.json", dir);
    if (!text) {
        snprintf(err, len, "out of memory for the schema");
        goto out;
    }
    if (hw_atomic_write_text(path, text, strlen(text), why, sizeof why) != 0) {
        snprintf(err, len, "%s", why);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        remove_files(dir, ds->cols);
    free(text);
    cJSON_Delete(schema);
    free(bits);
    free(data);
    return rc;
}

int hw_dataset_export_current(const struct hw_dataset *ds, const char *dir)
{
    char path[PATH_MAX + 64], key[65], err[512];
    cJSON *j = NULL;
    snprintf(path, sizeof path, "%s/schema.json", dir);
    const char *schemas[] = {HW_DATASET_SCHEMA, NULL};
    if (access(path, R_OK) != 0 || hw_json_file_load(path, schemas, &j, err, sizeof err) != 0)
        return 0;
    hw_dataset_key(ds, key);
    int same = strcmp(hw_jstr(j, "key"), key) == 0;
    cJSON_Delete(j);
    return same;
}
