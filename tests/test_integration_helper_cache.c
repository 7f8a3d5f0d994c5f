/* The helper cache through `highwater run`, in a cache directory of the test's own
 * (HW_CACHE_DIR), so nothing on the machine changes a result here:
 * - a cold run measures and computes, a warm one takes both from the cache: the same
 *   calibration figures, and references bit-identical to the medians and checksums reference.c
 *   computes in this process (f32 and f64 outputs: f64 keeps every bit of a median);
 * - --recalibrate measures again and rewrites the file; the references stay cached;
 * - a corrupt file (bad JSON, another key, a median short, a checksum not hex; a calibration
 *   field missing) costs one line on stderr and is measured or computed again, and rewritten;
 * - a cache directory that cannot be made costs one line, and the run is as without a cache;
 * - a changed binary computes its references again when its build is dirty (the binary's
 *   bytes are the key) and takes them from the cache when clean (the commit is);
 * - `highwater calibrate` neither reads nor writes the cache. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_cache.h"
#include "reference.h"
#include "testutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char bin[512];
static char dir[] = "/tmp/hw-test-helper-cache-XXXXXX";
static char cache[600], cfg[600];
static cJSON *cold;   /* the first run's report */

#define ROWS 50000

static const char config[] = "name: cache\n" TU_CI_DATASET
                             "run: {allocators: [glibc], repeat: 1}\n"
                             "strategies:\n"
                             "  - name: fused-single-pass\n"
                             "  - name: fused-single-pass\n"
                             "    output: {dtype: f64}\n";

/* `highwater run` of the test's config with the cache at cache_dir and extra args (binary:
 * which one); the report, for the caller to delete; stderr in dir/NAME.err. */
static cJSON *run_with(const char *binary, const char *cache_dir, const char *extra, const char *name, int want_rc)
{
    int rc = tu_sh("HW_CACHE_DIR=%s %s run %s --rows %d %s -o %s/%s.json > %s/%s.out 2> %s/%s.err", cache_dir, binary,
                   cfg, ROWS, extra, dir, name, dir, name, dir, name);
    if (rc != want_rc)
        fail_msg("%s: exit %d, expected %d: %s", name, rc, want_rc, tu_text("%s/%s.err", dir, name));
    cJSON *r = tu_report("%s/%s.json", dir, name);
    assert_non_null(r);
    return r;
}

static cJSON *run(const char *extra, const char *name)
{
    return run_with(bin, cache, extra, name, 0);
}

static const char *err_of(const char *name)
{
    return tu_text("%s/%s.err", dir, name);
}

static const cJSON *calibration(const cJSON *r)
{
    const cJSON *c = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "host"), "calibration");
    assert_true(cJSON_IsObject(c));
    return c;
}

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, k));
    if (!s)
        fail_msg("no string field '%s'", k);
    return s;
}

/* harness.references' record for dtype. */
static const cJSON *reference(const cJSON *r, const char *dtype)
{
    const cJSON *e, *refs = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "harness"), "references");
    assert_int_equal(cJSON_GetArraySize(refs), 2);
    cJSON_ArrayForEach(e, refs)
        if (strcmp(str(e, "output_dtype"), dtype) == 0)
            return e;
    fail_msg("no reference record for %s", dtype);
    return NULL;
}

/* Every run checked against its reference, and matching it. */
static void runs_match(const cJSON *r)
{
    const cJSON *e;
    int n = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(r, "runs")) {
        const cJSON *out = cJSON_GetObjectItem(e, "output");
        assert_true(cJSON_IsTrue(cJSON_GetObjectItem(out, "matches_reference")));
        n++;
    }
    assert_int_equal(n, 2);
}

/* The runs' output checksums of two reports are the same, run by run. */
static void same_outputs(const cJSON *a, const cJSON *b)
{
    for (int i = 0; i < 2; i++) {
        const cJSON *x = cJSON_GetArrayItem(cJSON_GetObjectItem(a, "runs"), i);
        const cJSON *y = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "runs"), i);
        assert_string_equal(str(cJSON_GetObjectItem(x, "output"), "checksum"),
                            str(cJSON_GetObjectItem(y, "output"), "checksum"));
    }
}

/* The commit line of `highwater --version` for the binary. */
static void binary_commit(const char *binary, char *out, size_t len)
{
    assert_int_equal(tu_sh("%s --version > %s/version", binary, dir), 0);
    const char *c = strstr(tu_scratch_read("version"), "\ncommit ");
    assert_non_null(c);
    snprintf(out, len, "%s", c + 8);
    out[strcspn(out, "\n")] = '\0';
}

/* dtype's cache file, found by the key this process makes (so the key is the documented one),
 * holds exactly what reference.c computes here. */
static void cache_file_is_fresh(const char *dtype_name, enum hw_dtype dt)
{
    static double fresh[114], got[114];
    static char key[HW_CACHE_KEY_MAX];
    char commit[128], build[1024], path[1024], stamp[21];
    struct hw_dataset ds = tu_ci_dataset(ROWS);
    uint64_t sum = 0;
    binary_commit(bin, commit, sizeof commit);
    assert_int_equal(hw_cache_build_identity(commit, bin, build, sizeof build), 0);
    assert_int_equal(hw_cache_reference_key(&ds, dt, build, key, sizeof key), 0);
    hw_cache_path(cache, "reference", key, path, sizeof path);
    assert_string_equal(path, str(reference(cold, dtype_name), "cache_file"));
    assert_int_equal(hw_cache_reference_load(path, key, ds.cols, &sum, got, stamp), 1);
    assert_int_equal(hw_reference_medians(&ds, fresh), 0);
    for (uint32_t c = 0; c < ds.cols; c++)
        if (memcmp(&fresh[c], &got[c], sizeof(double)) != 0)
            fail_msg("%s column %u: cached median %.17g, fresh %.17g", dtype_name, c, got[c], fresh[c]);
    assert_true(sum == hw_reference_checksum(&ds, fresh, dt));
}

static void cold_then_warm(void **state)
{
    (void)state;
    cold = run("", "cold");
    assert_string_equal(err_of("cold"), "");
    const cJSON *c = calibration(cold);
    assert_string_equal(str(c, "origin"), "measured");
    char want[1024];
    snprintf(want, sizeof want, "%s/calibration-", cache);
    assert_int_equal(strncmp(str(c, "cache_file"), want, strlen(want)), 0);
    assert_int_equal(access(str(c, "cache_file"), R_OK), 0);
    assert_int_equal(strlen(str(c, "measured_at")), 20);
    for (int i = 0; i < 2; i++) {
        const cJSON *ref = reference(cold, i ? "f64" : "f32");
        assert_string_equal(str(ref, "origin"), "computed");
        assert_int_equal(access(str(ref, "cache_file"), R_OK), 0);
    }
    runs_match(cold);
    cache_file_is_fresh("f32", HW_F32);
    cache_file_is_fresh("f64", HW_F64);

    cJSON *warm = run("", "warm");
    assert_string_equal(err_of("warm"), "");
    const cJSON *w = calibration(warm);
    assert_string_equal(str(w, "origin"), "cached");
    assert_string_equal(str(w, "measured_at"), str(c, "measured_at"));
    assert_string_equal(str(w, "cache_file"), str(c, "cache_file"));
    static const char *const figures[] = {"bytes", "memcpy_warm_bytes_per_s", "fault_4k_bytes_per_s",
                                          "fault_thp_bytes_per_s", "thp_rss_granularity_bytes", "seconds"};
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (cJSON_GetObjectItem(w, figures[i])->valuedouble != cJSON_GetObjectItem(c, figures[i])->valuedouble)
            fail_msg("calibration.%s: cached %.17g, measured %.17g", figures[i],
                     cJSON_GetObjectItem(w, figures[i])->valuedouble, cJSON_GetObjectItem(c, figures[i])->valuedouble);
    for (int i = 0; i < 2; i++) {
        const char *dt = i ? "f64" : "f32";
        assert_string_equal(str(reference(warm, dt), "origin"), "cached");
        assert_string_equal(str(reference(warm, dt), "computed_at"), str(reference(cold, dt), "computed_at"));
    }
    runs_match(warm);
    same_outputs(cold, warm);
    /* No helper worker ran: the time before the first run is the cache's reads alone. */
    const cJSON *hc = cJSON_GetObjectItem(cold, "harness"), *hw = cJSON_GetObjectItem(warm, "harness");
    assert_true(cJSON_GetObjectItem(hw, "helpers_wall_seconds")->valuedouble <
                cJSON_GetObjectItem(hc, "helpers_wall_seconds")->valuedouble);
    assert_true(cJSON_GetObjectItem(hw, "helper_peak_rss_bytes")->valuedouble == 0);
    cJSON_Delete(warm);
}

static void recalibrate_measures_and_rewrites(void **state)
{
    (void)state;
    sleep(1);   /* measured_at has whole seconds: the new one must be later */
    cJSON *r = run("--recalibrate", "recal");
    assert_string_equal(err_of("recal"), "");
    const cJSON *c = calibration(r);
    assert_string_equal(str(c, "origin"), "measured");
    assert_true(strcmp(str(c, "measured_at"), str(calibration(cold), "measured_at")) > 0);
    assert_string_equal(str(c, "cache_file"), str(calibration(cold), "cache_file"));
    assert_string_equal(str(reference(r, "f32"), "origin"), "cached");
    char stamp[32];
    snprintf(stamp, sizeof stamp, "%s", str(c, "measured_at"));
    cJSON_Delete(r);
    /* The file now holds the new measurement: the next run takes it. */
    r = run("", "after-recal");
    assert_string_equal(str(calibration(r), "origin"), "cached");
    assert_string_equal(str(calibration(r), "measured_at"), stamp);
    cJSON_Delete(r);
}

/* text with its first `from` replaced by `to`, written over path. */
static void corrupt(const char *path, const char *from, const char *to)
{
    char *text = tu_slurp(path, NULL), *p = strstr(text, from);
    if (!p)
        fail_msg("%s has no '%s'", path, from);
    size_t n = strlen(text) + strlen(to) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    tu_put_file(path, out);
    free(out);
    free(text);
}

static void corrupt_files_are_ignored_and_rewritten(void **state)
{
    (void)state;
    char path[1024], cpath[1024], good[1 << 14];
    snprintf(path, sizeof path, "%s", str(reference(cold, "f32"), "cache_file"));
    snprintf(cpath, sizeof cpath, "%s", str(calibration(cold), "cache_file"));
    snprintf(good, sizeof good, "%s", tu_read_or_fail("%s", path));
    /* The first median with its separator, '"3ff0000000000000", ', to take out. */
    const char *first = strstr(good, "\"medians\":\t[\"");
    assert_non_null(first);
    char one[32];
    snprintf(one, sizeof one, "%.20s", first + strlen("\"medians\":\t["));
    assert_int_equal(one[19], ' ');
    const struct {
        const char *from, *to, *why;
    } cases[] = {
        {"\"medians\"", "\"medi", "not a JSON object (truncated or malformed)"},
        {"\"key\":\t\"rows=", "\"key\":\t\"rows=1", "its key is not this one"},
        {one, "", "field 'medians' is not an array of 114"},
        {"\"checksum\":\t\"", "\"checksum\":\t\"g", "field 'checksum' is not 16 hex digits"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32], want[1200];
        tu_put_file(path, good);
        corrupt(path, cases[i].from, cases[i].to);
        if (i == 0)   /* the calibration's file too, once: it is measured again */
            corrupt(cpath, "\"seconds\"", "\"secs\"");
        snprintf(name, sizeof name, "corrupt%zu", i);
        cJSON *r = run("", name);
        const char *e = err_of(name);
        int lines = tu_lines(e);
        snprintf(want, sizeof want, "highwater: cache %s: %s", path, cases[i].why);
        if (lines != (i == 0 ? 2 : 1) || !strstr(e, want) || !strstr(e, "; ignored, computing the reference again\n"))
            fail_msg("case %zu: stderr '%s', expected '%s'", i, e, want);
        if (i == 0) {
            snprintf(want, sizeof want, "highwater: cache %s: field 'calibration.seconds' is missing or out of "
                     "range; ignored, measuring again\n", cpath);
            assert_non_null(strstr(e, want));
            assert_string_equal(str(calibration(r), "origin"), "measured");
        } else {
            assert_string_equal(str(calibration(r), "origin"), "cached");
        }
        assert_string_equal(str(reference(r, "f32"), "origin"), "computed");
        assert_string_equal(str(reference(r, "f64"), "origin"), "cached");
        runs_match(r);
        same_outputs(cold, r);
        cJSON_Delete(r);
        /* Rewritten whole: the same medians and checksum as the first time. */
        cache_file_is_fresh("f32", HW_F32);
    }
    cJSON *r = run("", "healed");
    assert_string_equal(err_of("healed"), "");
    assert_string_equal(str(calibration(r), "origin"), "cached");
    assert_string_equal(str(reference(r, "f32"), "origin"), "cached");
    cJSON_Delete(r);
}

static void unusable_cache_dir_is_one_line(void **state)
{
    (void)state;
    char file[200], bad[300], want[1200];
    snprintf(file, sizeof file, "%s/plain", dir);
    tu_put_file(file, "x");
    snprintf(bad, sizeof bad, "%s/sub", file);
    cJSON *r = run_with(bin, bad, "", "nodir", 0);
    snprintf(want, sizeof want, "highwater: cache directory %s: cannot make %s: Not a directory; set HW_CACHE_DIR to a "
             "writable directory; measuring and computing everything this run\n", bad, bad);
    assert_string_equal(err_of("nodir"), want);
    const cJSON *c = calibration(r);
    assert_string_equal(str(c, "origin"), "measured");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(c, "cache_file")));
    assert_string_equal(str(reference(r, "f32"), "origin"), "computed");
    assert_null(cJSON_GetObjectItem(reference(r, "f32"), "cache_file"));
    runs_match(r);
    same_outputs(cold, r);
    cJSON_Delete(r);
    unlink(file);
}

/* One byte appended to the binary: another binary, the same commit. */
static void changed_binary_and_the_build_identity(void **state)
{
    (void)state;
    char copy[700], commit[128];
    snprintf(copy, sizeof copy, "%s/highwater-copy", dir);
    assert_int_equal(tu_sh("cp %s %s && printf x >> %s", bin, copy, copy), 0);
    binary_commit(copy, commit, sizeof commit);
    bool clean = strcmp(commit, "unknown") != 0 && !strstr(commit, "-dirty");
    cJSON *r = run_with(copy, cache, "", "copy", 0);
    assert_string_equal(err_of("copy"), "");
    assert_string_equal(str(reference(r, "f32"), "origin"), clean ? "cached" : "computed");
    assert_string_equal(str(reference(r, "f64"), "origin"), clean ? "cached" : "computed");
    /* The host was measured by this commit: its calibration stands. */
    assert_string_equal(str(calibration(r), "origin"), "cached");
    runs_match(r);
    same_outputs(cold, r);
    cJSON_Delete(r);
    unlink(copy);
}

static void calibrate_command_leaves_the_cache_alone(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(tu_sh("HW_CACHE_DIR=%s/cmd %s calibrate --bytes 4MiB --json > %s/cal.out", dir, bin, dir), 0);
    cJSON *j = cJSON_Parse(tu_scratch_read("cal.out"));
    assert_non_null(j);
    assert_true(cJSON_GetObjectItem(j, "memcpy_warm_bytes_per_s")->valuedouble > 0);
    assert_null(cJSON_GetObjectItem(j, "origin"));
    cJSON_Delete(j);
    char path[700];
    snprintf(path, sizeof path, "%s/cmd", dir);
    assert_int_equal(stat(path, &st), -1);
}

static int setup(void **state)
{
    int rc = tu_scratch_setup(state);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    snprintf(cfg, sizeof cfg, "%s/cache.yaml", dir);
    FILE *f = fopen(cfg, "w");
    if (rc != 0 || !f || fputs(config, f) < 0 || fclose(f) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    cJSON_Delete(cold);
    return tu_scratch_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cold_then_warm),
        cmocka_unit_test(recalibrate_measures_and_rewrites),
        cmocka_unit_test(corrupt_files_are_ignored_and_rewritten),
        cmocka_unit_test(unusable_cache_dir_is_one_line),
        cmocka_unit_test(changed_binary_and_the_build_identity),
        cmocka_unit_test(calibrate_command_leaves_the_cache_alone),
    };
    tu_bin(bin, sizeof bin);
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, setup, teardown);
}
