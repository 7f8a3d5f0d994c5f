/* The helper cache (parent/helper_cache.h) on its own: every fact a key is made of changes
 * the key; the build identity follows the commit for a clean build and the binary's bytes for
 * a dirty one; a stored reference reads back bit for bit (and equals the medians and checksum
 * reference.c computes fresh); every kind of bad file is ignored with exactly one line on
 * stderr naming it and what is wrong, a missing one silently; the directory stays bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "helper_cache.h"
#include "reference.h"
#include "testutil.h"
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static char dir[] = "/tmp/hw-test-helper_cache-XXXXXX";
static char err_text[4096];

/* stderr of the calls between quiet_begin and quiet_end lands in err_text. */
static int saved_fd = -1;
static void quiet_begin(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/stderr", dir);
    fflush(stderr);
    saved_fd = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved_fd >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
}

static const char *quiet_end(void)
{
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    snprintf(err_text, sizeof err_text, "%s", tu_text("%s/stderr", dir));
    return err_text;
}

static void key_of(const struct hw_dataset *ds, enum hw_dtype dt, const char *build, char *key)
{
    assert_int_equal(hw_cache_reference_key(ds, dt, build, key, HW_CACHE_KEY_MAX), 0);
}

/* Each thing the reference depends on, changed alone, gives another key. */
static void reference_key_has_every_input(void **state)
{
    (void)state;
    static char base[HW_CACHE_KEY_MAX], k[HW_CACHE_KEY_MAX];
    struct hw_dataset ds = tu_ci_dataset(250000), d;
    key_of(&ds, HW_F32, "commit abc", base);
    key_of(&ds, HW_F32, "commit abc", k);
    assert_string_equal(base, k);
#define DIFFERS(change)                                                                                      \
    do {                                                                                                     \
        d = ds;                                                                                              \
        change;                                                                                              \
        key_of(&d, HW_F32, "commit abc", k);                                                                 \
        if (strcmp(k, base) == 0)                                                                            \
            fail_msg("%s leaves the key unchanged", #change);                                                \
    } while (0)
    DIFFERS(d.rows++);
    DIFFERS(d.cols++);
    DIFFERS(d.seed++);
    DIFFERS(d.all_null_columns = 2);
    DIFFERS(d.groups[0].dtype = HW_F64);
    DIFFERS((d.groups[0].count--, d.groups[1].count++));
    DIFFERS(d.groups[1].null_rate = nextafter(d.groups[1].null_rate, 1.0));   /* one ulp */
    DIFFERS(d.groups[0].inf_rate = 0.006);
    DIFFERS(d.groups[0].nan_rate = 0.0);
    DIFFERS(d.ngroups = 5);
#undef DIFFERS
    key_of(&ds, HW_F64, "commit abc", k);
    assert_string_not_equal(k, base);
    key_of(&ds, HW_F32, "commit abd", k);
    assert_string_not_equal(k, base);
    /* The file name is the key's hash: other keys, other files. */
    char p1[512], p2[512];
    hw_cache_path("/c", "reference", base, p1, sizeof p1);
    hw_cache_path("/c", "reference", k, p2, sizeof p2);
    assert_string_not_equal(p1, p2);
    assert_int_equal(strlen(p1), strlen("/c/reference-") + 32 + strlen(".json"));
    /* A key that does not fit is refused, never cut short (two datasets would share it). */
    assert_int_equal(hw_cache_reference_key(&ds, HW_F32, "commit abc", k, 100), -1);
}

static void calibration_key_has_every_fact(void **state)
{
    (void)state;
    static char base[HW_CACHE_KEY_MAX], k[HW_CACHE_KEY_MAX];
    cJSON *host = cJSON_Parse("{\"cpu\": \"AMD EPYC\", \"cpus\": 2, \"mem_total_bytes\": 8000000000, "
                              "\"kernel\": \"Linux 6.18\", \"thp\": \"madvise\", \"hostname\": \"a\"}");
    assert_non_null(host);
    assert_int_equal(hw_cache_calibration_key(host, "madvise", "boot-1", "0123abcd", base, sizeof base), 0);
    /* A dirty build of the same commit measures the same way; the hostname is no figure. */
    assert_int_equal(hw_cache_calibration_key(host, "madvise", "boot-1", "0123abcd-dirty", k, sizeof k), 0);
    assert_string_equal(k, base);
    cJSON_ReplaceItemInObject(host, "hostname", cJSON_CreateString("b"));
    assert_int_equal(hw_cache_calibration_key(host, "madvise", "boot-1", "0123abcd", k, sizeof k), 0);
    assert_string_equal(k, base);
    static const char *const facts[][2] = {{"cpu", "\"AMD EPYC 2\""}, {"cpus", "4"}, {"mem_total_bytes", "8000004096"},
                                           {"kernel", "\"Linux 6.19\""}, {"thp", "\"always\""}};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        cJSON *h = cJSON_Duplicate(host, 1);
        cJSON_ReplaceItemInObject(h, facts[i][0], cJSON_Parse(facts[i][1]));
        assert_int_equal(hw_cache_calibration_key(h, "madvise", "boot-1", "0123abcd", k, sizeof k), 0);
        if (strcmp(k, base) == 0)
            fail_msg("host.%s = %s leaves the key unchanged", facts[i][0], facts[i][1]);
        cJSON_Delete(h);
    }
    assert_int_equal(hw_cache_calibration_key(host, "never", "boot-1", "0123abcd", k, sizeof k), 0);
    assert_string_not_equal(k, base);
    assert_int_equal(hw_cache_calibration_key(host, "madvise", "boot-2", "0123abcd", k, sizeof k), 0);
    assert_string_not_equal(k, base);
    assert_int_equal(hw_cache_calibration_key(host, "madvise", "boot-1", "4567", k, sizeof k), 0);
    assert_string_not_equal(k, base);
    /* Without a boot id a reboot cannot be told: nothing is cached. */
    assert_int_equal(hw_cache_calibration_key(host, "madvise", "", "0123abcd", k, sizeof k), -1);
    cJSON_Delete(host);
    /* This machine's facts read as the kernel gives them. */
    char defrag[64], boot[64];
    hw_cache_host_facts(defrag, sizeof defrag, boot, sizeof boot);
    char *want = tu_read("/proc/sys/kernel/random/boot_id");
    if (want) {
        want[strcspn(want, "\n")] = '\0';
        assert_string_equal(boot, want);
        assert_int_equal(strlen(boot), 36);
    }
    if ((want = tu_read("/sys/kernel/mm/transparent_hugepage/defrag")))
        assert_non_null(strstr(want, defrag[0] ? defrag : "\n"));
}

static void write_bytes(const char *path, size_t n, unsigned char last)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i + 1 < n; i++)
        fputc((int)(i * 31 % 251), f);
    fputc(last, f);
    assert_int_equal(fclose(f), 0);
}

/* Clean: the commit, whatever the binary. Dirty or unknown: the binary's bytes, one byte
 * apart anywhere (here the last of a file past a chunk boundary) is another identity. */
static void build_identity_follows_commit_or_bytes(void **state)
{
    (void)state;
    char a[300], b[300], ia[1024], ib[1024];
    snprintf(a, sizeof a, "%s/bin-a", dir);
    snprintf(b, sizeof b, "%s/bin-b", dir);
    write_bytes(a, (64 << 10) * 2 + 1, 1);
    write_bytes(b, (64 << 10) * 2 + 1, 2);
    assert_int_equal(hw_cache_build_identity("0123abcd", a, ia, sizeof ia), 0);
    assert_int_equal(hw_cache_build_identity("0123abcd", b, ib, sizeof ib), 0);
    assert_string_equal(ia, ib);
    assert_int_equal(strncmp(ia, "commit 0123abcd; cc ", 20), 0);
    assert_int_equal(hw_cache_build_identity("0123abcd", "/nonexistent", ib, sizeof ib), 0);
    assert_string_equal(ia, ib);
    const char *dirty[] = {"0123abcd-dirty", "unknown"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(hw_cache_build_identity(dirty[i], a, ia, sizeof ia), 0);
        assert_int_equal(hw_cache_build_identity(dirty[i], b, ib, sizeof ib), 0);
        assert_string_not_equal(ia, ib);
        assert_int_equal(strncmp(ia, "binary ", 7), 0);
        assert_int_equal(hw_cache_build_identity(dirty[i], a, ib, sizeof ib), 0);
        assert_string_equal(ia, ib);
        assert_int_equal(hw_cache_build_identity(dirty[i], "/nonexistent", ib, sizeof ib), -1);
    }
    /* A chunk exactly full and the empty file are no special case. */
    write_bytes(a, 64 << 10, 1);
    write_bytes(b, 64 << 10, 2);
    assert_int_equal(hw_cache_build_identity("unknown", a, ia, sizeof ia), 0);
    assert_int_equal(hw_cache_build_identity("unknown", b, ib, sizeof ib), 0);
    assert_string_not_equal(ia, ib);
    tu_put_file(a, "");
    assert_int_equal(hw_cache_build_identity("unknown", a, ia, sizeof ia), 0);
    unlink(a);
    unlink(b);
}

static void path_for(const char *name, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
}

/* Values cJSON's printer would not give back exactly (-0.0 as 0, 1/3 within its epsilon), the
 * smallest subnormal, the largest double: all come back bit for bit. */
static void reference_round_trip_is_bit_exact(void **state)
{
    (void)state;
    double med[8] = {-0.0, 1.0 / 3.0, 0.1 + 0.2, nextafter(1.0, 2.0), 4.9e-324, DBL_MAX, -1e-300, 0.0};
    double got[8];
    uint64_t sums[] = {0, UINT64_MAX, 0x8000000000000001ull}, sum;
    char path[300], stamp[21], err[512];
    path_for("ref.json", path, sizeof path);
    for (size_t i = 0; i < 3; i++) {
        memset(got, 0x55, sizeof got);
        assert_int_equal(hw_cache_reference_store(path, "k", 8, sums[i], med, "2026-12-01T21:30:00Z", err, sizeof err), 0);
        quiet_begin();
        int hit = hw_cache_reference_load(path, "k", 8, &sum, got, stamp);
        assert_string_equal(quiet_end(), "");
        assert_int_equal(hit, 1);
        assert_memory_equal(got, med, sizeof med);
        assert_true(sum == sums[i]);
        assert_string_equal(stamp, "2026-12-01T21:30:00Z");
    }
    unlink(path);
}

/* Fresh from reference.c and through the cache: the same bits. */
static void cached_reference_equals_fresh(void **state)
{
    (void)state;
    struct hw_dataset ds = tu_ci_dataset(20000);
    static double fresh[114], cached[114];
    char path[300], stamp[21], err[512], key[HW_CACHE_KEY_MAX];
    assert_int_equal(hw_reference_medians(&ds, fresh), 0);
    const enum hw_dtype dts[] = {HW_F32, HW_F16, HW_F64};
    for (int i = 0; i < 3; i++) {
        uint64_t sum = hw_reference_checksum(&ds, fresh, dts[i]), got = 0;
        key_of(&ds, dts[i], "commit abc", key);
        hw_cache_path(dir, "reference", key, path, sizeof path);
        assert_int_equal(hw_cache_reference_store(path, key, ds.cols, sum, fresh, "2026-12-01T21:30:00Z", err,
                                                  sizeof err), 0);
        memset(cached, 0, sizeof cached);
        assert_int_equal(hw_cache_reference_load(path, key, ds.cols, &got, cached, stamp), 1);
        assert_memory_equal(cached, fresh, sizeof fresh);
        assert_true(got == sum);
        /* Another dtype's key never reads this file. */
        char other[HW_CACHE_KEY_MAX], opath[300];
        key_of(&ds, dts[(i + 1) % 3], "commit abc", other);
        hw_cache_path(dir, "reference", other, opath, sizeof opath);
        assert_string_not_equal(opath, path);
    }
    tu_sh("rm -f %s/reference-*.json", dir);
}

/* A good reference file of 3 columns, then the text with one substitution (in a ring of
 * buffers: a table of cases holds up to 32 at once). */
#define GOOD_REF "{\"schema\": \"highwater.reference-cache/1\", \"key\": \"k\", \"computed_at\": \"2026-12-01T21:30:00Z\", " \
                 "\"checksum\": \"00000000000000ff\", \"medians\": [\"3ff0000000000000\", \"8000000000000000\", \"0000000000000000\"]}"

static char *replaced(const char *text, const char *from, const char *to)
{
    static char ring[32][1024];
    static unsigned next;
    char *out = ring[next++ % 32];
    const char *p = strstr(text, from);
    assert_non_null(p);
    snprintf(out, sizeof ring[0], "%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
    return out;
}

/* Each bad file: load says no, and stderr has one line naming the file and the fault. */
static void bad_reference_files_are_ignored_in_one_line(void **state)
{
    (void)state;
    char path[300], stamp[21];
    double med[3];
    uint64_t sum;
    path_for("bad.json", path, sizeof path);
    tu_put_file(path, GOOD_REF);
    assert_int_equal(hw_cache_reference_load(path, "k", 3, &sum, med, stamp), 1);
    assert_true(sum == 0xff && med[0] == 1.0 && signbit(med[1]) && !signbit(med[2]));
    const struct {
        const char *text, *why;
    } bad[] = {
        {"{\"schema\": \"highwater.reference-cache/1\", \"key\": \"k\", \"check", "not a JSON object (truncated or malformed)"},
        {"not json at all", "not a JSON object"},
        {GOOD_REF " {}", "not a JSON object (truncated or malformed)"},
        {"[1, 2, 3]", "not a JSON object"},
        {"", "not a JSON object"},
        {replaced(GOOD_REF, "reference-cache/1", "reference-cache/9"), "field 'schema' is 'highwater.reference-cache/9'"},
        {replaced(GOOD_REF, "\"key\": \"k\"", "\"key\": \"other\""), "its key is not this one"},
        {replaced(GOOD_REF, "\"key\": \"k\"", "\"key\": 7"), "its key is not this one"},
        {replaced(GOOD_REF, ", \"0000000000000000\"]", "]"), "field 'medians' is not an array of 3"},
        {replaced(GOOD_REF, "]}", ", \"0000000000000000\"]}"), "field 'medians' is not an array of 3"},
        {replaced(GOOD_REF, "\"medians\": [", "\"medians\": 3, \"x\": ["), "field 'medians' is not an array of 3"},
        {replaced(GOOD_REF, "00000000000000ff", "zz000000000000ff"), "field 'checksum' is not 16 hex digits"},
        {replaced(GOOD_REF, "00000000000000ff", " -0000000000000f"), "field 'checksum' is not 16 hex digits"},
        {replaced(GOOD_REF, "00000000000000ff", "0x000000000000ff"), "field 'checksum' is not 16 hex digits"},
        {replaced(GOOD_REF, "00000000000000ff", "ff"), "field 'checksum' is not 16 hex digits"},
        {replaced(GOOD_REF, "\"00000000000000ff\"", "255"), "field 'checksum' is not 16 hex digits"},
        {replaced(GOOD_REF, "3ff0000000000000", "7ff8000000000000"), "medians[0] is not the 16 hex digits of a finite double"},
        {replaced(GOOD_REF, "8000000000000000", "fff0000000000000"), "medians[1] is not the 16 hex digits"},
        {replaced(GOOD_REF, "\"0000000000000000\"", "0"), "medians[2] is not the 16 hex digits"},
        {replaced(GOOD_REF, "2026-12-01T21:30:00Z", "yesterday"), "field 'computed_at' is not a UTC time"},
        {replaced(GOOD_REF, "2026-12-01T21:30:00Z", "2026-12-01T21:30:00Zx"), "field 'computed_at' is not a UTC time"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_put_file(path, bad[i].text);
        quiet_begin();
        int hit = hw_cache_reference_load(path, "k", 3, &sum, med, stamp);
        const char *e = quiet_end();
        char want[512];
        snprintf(want, sizeof want, "highwater: cache %s: ", path);
        if (hit != 0 || tu_lines(e) != 1 || strncmp(e, want, strlen(want)) != 0 || !strstr(e, bad[i].why) ||
            !strstr(e, "; ignored, computing the reference again\n"))
            fail_msg("case %zu: hit %d, stderr '%s', expected one line with '%s'", i, hit, e, bad[i].why);
    }
    /* Not a file: a directory, a FIFO; and a file past the cap is not read. */
    unlink(path);
    const char *mk[] = {"mkdir %s", "mkfifo %s", "head -c 1048577 /dev/zero > %s"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(tu_sh(mk[i], path), 0);
        quiet_begin();
        int hit = hw_cache_reference_load(path, "k", 3, &sum, med, stamp);
        const char *e = quiet_end();
        if (hit != 0 || tu_lines(e) != 1 || !strstr(e, "not a regular file of at most 1048576 bytes"))
            fail_msg("%s: hit %d, stderr '%s'", mk[i], hit, e);
        tu_sh("rm -rf %s", path);
    }
    /* No file: a plain miss, nothing said. */
    quiet_begin();
    assert_int_equal(hw_cache_reference_load(path, "k", 3, &sum, med, stamp), 0);
    assert_string_equal(quiet_end(), "");
}

#define GOOD_CAL "{\"schema\": \"highwater.calibration-cache/1\", \"key\": \"k\", \"measured_at\": \"2026-12-01T21:30:00Z\", " \
                 "\"calibration\": {\"bytes\": 268435456, \"memcpy_warm_bytes_per_s\": 9.8e9, \"fault_4k_bytes_per_s\": 1.9e9, " \
                 "\"fault_thp_bytes_per_s\": 0, \"thp_available\": false, \"thp_rss_granularity_bytes\": 4096, \"seconds\": 1.5}}"

static void bad_calibration_files_are_ignored_in_one_line(void **state)
{
    (void)state;
    char path[300], stamp[21], err[512];
    path_for("cal.json", path, sizeof path);
    tu_put_file(path, GOOD_CAL);
    cJSON *cal = hw_cache_calibration_load(path, "k", stamp);
    assert_non_null(cal);
    assert_string_equal(stamp, "2026-12-01T21:30:00Z");
    assert_true(cJSON_GetObjectItem(cal, "memcpy_warm_bytes_per_s")->valuedouble == 9.8e9);
    /* What was stored comes back as it was. */
    assert_int_equal(hw_cache_calibration_store(path, "k2", cal, "2026-12-02T00:00:00Z", err, sizeof err), 0);
    cJSON *again = hw_cache_calibration_load(path, "k2", stamp);
    assert_true(cJSON_Compare(cal, again, 1));
    assert_string_equal(stamp, "2026-12-02T00:00:00Z");
    cJSON_Delete(again);
    cJSON_Delete(cal);
    const struct {
        const char *text, *why;
    } bad[] = {
        {"{\"schema\": \"highwater.calibration-cache/1\", \"key\": \"k\", \"measured_at\": \"2026-", "not a JSON object"},
        {replaced(GOOD_CAL, "\"key\": \"k\"", "\"key\": \"k-other-boot\""), "its key is not this one"},
        {replaced(GOOD_CAL, "\"schema\": \"highwater.calibration-cache/1\", ", ""), "field 'schema' is ''"},
        {replaced(GOOD_CAL, "2026-12-01T21:30:00Z", "2026-13-01"), "field 'measured_at' is not a UTC time"},
        {replaced(GOOD_CAL, "9.8e9", "-1"), "field 'calibration.memcpy_warm_bytes_per_s' is missing or out of range"},
        {replaced(GOOD_CAL, "9.8e9", "1e999"), "field 'calibration.memcpy_warm_bytes_per_s' is missing or out of range"},
        {replaced(GOOD_CAL, "9.8e9", "\"fast\""), "field 'calibration.memcpy_warm_bytes_per_s' is missing"},
        {replaced(GOOD_CAL, "1.9e9", "0"), "field 'calibration.fault_4k_bytes_per_s' is missing or out of range"},
        {replaced(GOOD_CAL, "\"fault_thp_bytes_per_s\": 0", "\"fault_thp_bytes_per_s\": -0.5"),
         "field 'calibration.fault_thp_bytes_per_s' is missing or out of range"},
        {replaced(GOOD_CAL, "false", "0"), "field 'calibration.thp_available' is missing or out of range"},
        {replaced(GOOD_CAL, "268435456", "268435456.5"), "field 'calibration.bytes' is missing or out of range"},
        {replaced(GOOD_CAL, "4096", "0"), "field 'calibration.thp_rss_granularity_bytes' is missing or out of range"},
        {replaced(GOOD_CAL, ", \"seconds\": 1.5", ""), "field 'calibration' is not an object of 7 fields"},
        {replaced(GOOD_CAL, "\"seconds\": 1.5", "\"seconds\": 1.5, \"extra\": 1"), "field 'calibration' is not an object of 7 fields"},
        {replaced(GOOD_CAL, "\"seconds\": 1.5", "\"second\": 1.5"), "field 'calibration.seconds' is missing"},
        {replaced(GOOD_CAL, "\"calibration\": {", "\"calibration\": [{"), "not a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tu_put_file(path, bad[i].text);
        quiet_begin();
        cal = hw_cache_calibration_load(path, "k", stamp);
        const char *e = quiet_end();
        if (cal || tu_lines(e) != 1 || !strstr(e, bad[i].why) || !strstr(e, path) ||
            !strstr(e, "; ignored, measuring again\n"))
            fail_msg("case %zu: %s, stderr '%s', expected one line with '%s'", i, cal ? "loaded" : "refused", e,
                     bad[i].why);
    }
    unlink(path);
}

static void touch_at(const char *name, time_t when)
{
    char path[300];
    path_for(name, path, sizeof path);
    tu_put_file(path, "{}");
    struct utimbuf t = {when, when};
    assert_int_equal(utime(path, &t), 0);
}

static bool exists(const char *name)
{
    char path[300];
    path_for(name, path, sizeof path);
    return access(path, F_OK) == 0;
}

/* The newest `keep` of a kind stay; an old interrupted write's temp goes, a fresh one (a run
 * writing now) stays; other kinds and other files are not touched. */
static void prune_keeps_the_newest(void **state)
{
    (void)state;
    time_t now = time(NULL);
    char name[64];
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "reference-%d.json", i);
        touch_at(name, now - 100 * (6 - i));   /* 5 is the newest */
    }
    touch_at("calibration-old.json", now - 100000);
    touch_at("reference-x.json.ab12Cd", now - 7200);
    touch_at("reference-y.json.ab12Cd", now - 60);
    touch_at("notes.txt", now - 100000);
    hw_cache_prune(dir, "reference", 4);
    for (int i = 0; i < 6; i++) {
        snprintf(name, sizeof name, "reference-%d.json", i);
        if (exists(name) != (i >= 2))
            fail_msg("%s %s", name, i >= 2 ? "was removed" : "was kept");
    }
    assert_true(exists("calibration-old.json"));
    assert_false(exists("reference-x.json.ab12Cd"));
    assert_true(exists("reference-y.json.ab12Cd"));
    assert_true(exists("notes.txt"));
    hw_cache_prune(dir, "calibration", 0);
    assert_false(exists("calibration-old.json"));
    hw_cache_prune("/nonexistent-dir", "reference", 0);   /* nothing to do, no error */
    tu_sh("rm -f %s/reference-* %s/notes.txt", dir, dir);
}

static void cache_dir_choice(const char *hw, const char *xdg, const char *home, const char *want)
{
    char out[4096], err[4096];
    hw ? setenv("HW_CACHE_DIR", hw, 1) : unsetenv("HW_CACHE_DIR");
    xdg ? setenv("XDG_CACHE_HOME", xdg, 1) : unsetenv("XDG_CACHE_HOME");
    home ? setenv("HOME", home, 1) : unsetenv("HOME");
    int rc = hw_cache_dir(out, sizeof out, err, sizeof err);
    if (want[0] == '!') {
        if (rc != -1 || !strstr(err, want + 1))
            fail_msg("rc %d, err '%s', expected '%s'", rc, rc ? err : out, want + 1);
        return;
    }
    if (rc != 0 || strcmp(out, want) != 0)
        fail_msg("rc %d (%s), dir '%s', expected '%s'", rc, rc ? err : "", out, want);
    struct stat st;
    assert_int_equal(stat(out, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

/* HW_CACHE_DIR, else an absolute XDG_CACHE_HOME, else HOME; made with its parents. */
static void cache_dir_order(void **state)
{
    (void)state;
    char a[400], x[300], h[300], want[400], file[300];
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    snprintf(a, sizeof a, "%s/d/a/b", dir);
    snprintf(x, sizeof x, "%s/xdg", dir);
    snprintf(h, sizeof h, "%s/home", dir);
    cache_dir_choice(a, x, h, a);
    struct stat st;
    assert_int_equal(stat(a, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    snprintf(want, sizeof want, "%s/highwater", x);
    cache_dir_choice("", x, h, want);   /* empty is unset */
    snprintf(want, sizeof want, "%s/.cache/highwater", h);
    cache_dir_choice(NULL, "relative/cache", h, want);
    cache_dir_choice(NULL, NULL, h, want);
    cache_dir_choice(NULL, NULL, NULL, "!HW_CACHE_DIR, XDG_CACHE_HOME and HOME are unset; set HW_CACHE_DIR");
    snprintf(file, sizeof file, "%s/plain", dir);
    tu_put_file(file, "x");
    snprintf(a, sizeof a, "%s/sub", file);
    cache_dir_choice(a, NULL, NULL, "!cannot make");
    cache_dir_choice(file, NULL, NULL, "!not a directory; set HW_CACHE_DIR to a writable directory");
    unsetenv("HW_CACHE_DIR");
    unsetenv("XDG_CACHE_HOME");
    if (saved_home)
        setenv("HOME", saved_home, 1);
    free(saved_home);
    tu_sh("rm -rf %s/d %s/xdg %s/home %s", dir, dir, dir, file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_key_has_every_input),
        cmocka_unit_test(calibration_key_has_every_fact),
        cmocka_unit_test(build_identity_follows_commit_or_bytes),
        cmocka_unit_test(reference_round_trip_is_bit_exact),
        cmocka_unit_test(cached_reference_equals_fresh),
        cmocka_unit_test(bad_reference_files_are_ignored_in_one_line),
        cmocka_unit_test(bad_calibration_files_are_ignored_in_one_line),
        cmocka_unit_test(prune_keeps_the_newest),
        cmocka_unit_test(cache_dir_order),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
