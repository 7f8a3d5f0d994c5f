/* The one writer: nothing planted at a temp name is followed or overwritten, two writers to
 * one path never tear it, a failed write leaves no temp file; and every command refuses an
 * unwritable output path before it measures anything (exit 2 in well under 2 s). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "atomic.h"
#include "clock.h"
#include "gate_views.h"
#include "json.h"
#include "plot.h"
#include "report.h"
#include "testutil.h"

static char dir[] = "/tmp/hw-test-atomic-XXXXXX";
static char bin[512];

static void path_in(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

/* Files in dir whose name starts with prefix, other than prefix itself. */
static int leftovers(const char *in, const char *prefix)
{
    DIR *d = opendir(in);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)))
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strcmp(e->d_name, prefix) != 0;
    closedir(d);
    return n;
}

static cJSON *tiny_report(const char *label, int pad)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "schema", HW_REPORT_SCHEMA);
    cJSON_AddStringToObject(r, "label", label);
    /* Big enough that a write takes several syscalls and the race window is real. */
    cJSON *a = cJSON_AddArrayToObject(r, "pad");
    for (int i = 0; i < pad; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(i));
    cJSON_AddArrayToObject(r, "runs");
    return r;
}

/* A symlink where the old writer put its temp file (PATH.tmp): the victim it points at is
 * never written, for each writer (report, JUnit, HTML). */
static void symlinked_temp_is_not_followed(void **state)
{
    (void)state;
    char victim[300], target[300], tmp[320], err[1024];
    path_in(victim, sizeof victim, "victim");
    const char *const names[] = {"r.json", "g.xml", "p.html"};
    for (int k = 0; k < 3; k++) {
        tu_put_file(victim, "precious\n");
        path_in(target, sizeof target, names[k]);
        snprintf(tmp, sizeof tmp, "%s.tmp", target);
        assert_int_equal(symlink(victim, tmp), 0);
        cJSON *r = tiny_report("a", 10), *res = cJSON_CreateObject();
        cJSON_AddArrayToObject(res, "entries");
        int rc = k == 0 ? hw_report_write(r, target, err, sizeof err)
                 : k == 1 ? hw_gate_write_junit(res, target, err, sizeof err)
                          : hw_plot_write(r, target, err, sizeof err);
        assert_int_equal(rc, 0);
        assert_string_equal(tu_read_or_fail("%s", victim), "precious\n");
        struct stat st;
        assert_int_equal(lstat(tmp, &st), 0);   /* the planted link is left as it was */
        assert_true(S_ISLNK(st.st_mode));
        assert_int_equal(lstat(target, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 0777, 0644);
        unlink(tmp);
        unlink(target);
        cJSON_Delete(r);
        cJSON_Delete(res);
    }
    /* A regular file at PATH.tmp is someone else's: kept as it was. */
    path_in(target, sizeof target, "r.json");
    snprintf(tmp, sizeof tmp, "%s.tmp", target);
    tu_put_file(tmp, "not ours\n");
    cJSON *r = tiny_report("a", 10);
    assert_int_equal(hw_report_write(r, target, err, sizeof err), 0);
    assert_string_equal(tu_read_or_fail("%s", tmp), "not ours\n");
    cJSON_Delete(r);
    unlink(tmp);
    unlink(target);
    unlink(victim);
}

static int writer(const char *path, const char *label)
{
    char err[1024];
    cJSON *r = tiny_report(label, 20000);
    int bad = 0;
    for (int i = 0; i < 50; i++)
        bad += hw_report_write(r, path, err, sizeof err) != 0;
    cJSON_Delete(r);
    return bad;
}

/* Two processes write different reports to one path 50 times each while a third reads it:
 * every write succeeds, every read parses and is one of the two, no temp file is left. */
static void two_writers_never_tear(void **state)
{
    (void)state;
    char path[300], err[1024];
    path_in(path, sizeof path, "same.json");
    cJSON *first = tiny_report("a", 20000);
    assert_int_equal(hw_report_write(first, path, err, sizeof err), 0);
    cJSON_Delete(first);
    fflush(NULL);
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            if (k < 2)
                _exit(writer(path, k ? "b" : "a") ? 1 : 0);
            int bad = 0;
            for (int i = 0; i < 200; i++) {
                cJSON *r = NULL;
                if (hw_report_load(path, &r, err, sizeof err) != 0) {
                    fprintf(stderr, "reader: %s\n", err);
                    bad++;
                } else if (strcmp(hw_jstr(r, "label"), "a") && strcmp(hw_jstr(r, "label"), "b")) {
                    bad++;
                }
                cJSON_Delete(r);
            }
            _exit(bad ? 1 : 0);
        }
    }
    for (int k = 0; k < 3; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    cJSON *r = NULL;
    assert_int_equal(hw_report_load(path, &r, err, sizeof err), 0);
    assert_true(strcmp(hw_jstr(r, "label"), "a") == 0 || strcmp(hw_jstr(r, "label"), "b") == 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(r, "pad")), 20000);
    cJSON_Delete(r);
    assert_int_equal(leftovers(dir, "same.json"), 0);
    unlink(path);
}

static int failing_body(FILE *f, const void *ctx, char *err, size_t len)
{
    (void)ctx;
    fputs("half", f);
    snprintf(err, len, "the view could not be drawn");
    return -1;
}

/* A write that fails (the content's own error, or a full disk: a 64 KiB tmpfs) leaves the
 * old file as it was and no temp file behind. */
static void failed_writes_leave_no_temp(void **state)
{
    (void)state;
    char path[400], err[1024], mnt[300];
    path_in(path, sizeof path, "old.json");
    tu_put_file(path, "old\n");
    assert_int_equal(hw_atomic_write(path, failing_body, NULL, err, sizeof err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s: the view could not be drawn", path);
    assert_string_equal(err, want);
    assert_string_equal(tu_read_or_fail("%s", path), "old\n");
    assert_int_equal(leftovers(dir, "old.json"), 0);

    path_in(mnt, sizeof mnt, "full");
    assert_int_equal(mkdir(mnt, 0700), 0);
    assert_int_equal(mount("hw-test", mnt, "tmpfs", 0, "size=64k"), 0);
    snprintf(path, sizeof path, "%s/r.json", mnt);
    assert_int_equal(hw_path_check("-o", path, err, sizeof err), 0);   /* an empty file fits */
    tu_put_file(path, "old\n");
    cJSON *r = tiny_report("big", 100000);   /* ~700 KB of text */
    int rc = hw_report_write(r, path, err, sizeof err);
    cJSON_Delete(r);
    int left = leftovers(mnt, "r.json");
    char *kept = tu_text("%s", path);   /* "" if unreadable: the umount must come first */
    assert_int_equal(umount(mnt), 0);
    rmdir(mnt);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "No space left on device"));
    assert_string_equal(kept, "old\n");
    assert_int_equal(left, 0);
    unlink(path);
    path_in(path, sizeof path, "old.json");
    unlink(path);
}

static void path_check_messages(void **state)
{
    (void)state;
    char err[1024], want[1024];
    assert_int_equal(hw_path_check("--html", "/nonexistent-hw/x.html", err, sizeof err), -1);
    assert_string_equal(err, "--html /nonexistent-hw/x.html: directory /nonexistent-hw does not "
                             "exist; create it or choose another path");
    assert_int_equal(hw_path_check("-o", dir, err, sizeof err), -1);
    snprintf(want, sizeof want, "-o %s: is a directory; give a file name such as %s/report.json", dir, dir);
    assert_string_equal(err, want);
    assert_int_equal(hw_path_check("--junit", "/proc/x.xml", err, sizeof err), -1);
    assert_non_null(strstr(err, "--junit /proc/x.xml: cannot write there: "));
    char ok[300];
    path_in(ok, sizeof ok, "fine.json");
    assert_int_equal(hw_path_check("-o", ok, err, sizeof err), 0);
    assert_int_equal(leftovers(dir, "fine.json"), 0);
}

/* Exit code and stderr of a command, and how long it took: kept here, not in testutil, for its
 * clock (its one caller bounds how long a refusal may take) and its copy of stderr into out. */
static int run_cmd(const char *cmd, char *out, size_t len, double *seconds)
{
    double t0 = hw_now();
    int rc = tu_sh("%s >/dev/null 2>%s/stderr.txt", cmd, dir);
    *seconds = hw_now() - t0;
    snprintf(out, len, "%s", tu_text("%s/stderr.txt", dir));
    return rc;
}

/* Each command with a bad output path: exit 2 at once (nothing measured) naming the path.
 * Measured here: every refusal takes 0.01 s or less. The 2 s bound is below exec's `sleep 3`,
 * so an exec that ran its command fails it; a whole run of t.yaml takes 1.8 s here, under the
 * bound, so for run it is the exit code and the message that show nothing was measured. */
static void bad_paths_fail_before_measuring(void **state)
{
    (void)state;
    char cfg[300], tmpcfg[300], cmd[2048], out[4096];
    const char *base = "results/baselines/ci.json";
    double s;
    path_in(cfg, sizeof cfg, "t.yaml");
    tu_put_file(cfg, "name: t\ndataset:\n  rows: 250k\n  columns: [{dtype: f32, count: 4}]\n"
                     "strategies:\n  - {name: whole-copy}\n");
    path_in(tmpcfg, sizeof tmpcfg, "tmpdir.yaml");
    tu_put_file(tmpcfg, "name: t\ndataset:\n  rows: 1000\n  columns: [{dtype: f32, count: 4}]\n"
                        "run:\n  tmpdir: /nonexistent-hw-tmp\n"
                        "strategies:\n  - {name: whole-copy}\n");
    struct { const char *fmt, *want; } cases[] = {
        {"%s run %s --html /nonexistent-hw/r.html", "--html /nonexistent-hw/r.html: directory /nonexistent-hw does not exist"},
        {"%s run %s --html /tmp", "--html /tmp: is a directory"},
        {"%s run %s -o /nonexistent-hw/r.json", "-o /nonexistent-hw/r.json: directory /nonexistent-hw does not exist"},
        {"%s plan %s --rows 1M --fit 1000,2000 -o /nonexistent-hw/p.json", "-o /nonexistent-hw/p.json: directory /nonexistent-hw does not exist"},
        {"%s exec --html /tmp -- sleep 3%.0s", "--html /tmp: is a directory"},
        {"%s exec -o /nonexistent-hw/e.json -- sleep 3%.0s", "-o /nonexistent-hw/e.json: directory /nonexistent-hw does not exist"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd, cases[i].fmt, bin, cfg);
        assert_int_equal(run_cmd(cmd, out, sizeof out, &s), 2);
        if (!strstr(out, cases[i].want))
            fail_msg("%s: stderr '%s', expected '%s'", cmd, out, cases[i].want);
        assert_true(s < 2.0);
    }
    snprintf(cmd, sizeof cmd, "%s gate %s --baseline %s --junit /nonexistent-hw/j.xml", bin, base, base);
    assert_int_equal(run_cmd(cmd, out, sizeof out, &s), 2);
    assert_non_null(strstr(out, "--junit /nonexistent-hw/j.xml: directory /nonexistent-hw does not exist"));
    snprintf(cmd, sizeof cmd, "%s gate %s --baseline %s --markdown /tmp", bin, base, base);
    assert_int_equal(run_cmd(cmd, out, sizeof out, &s), 2);
    assert_non_null(strstr(out, "--markdown /tmp: is a directory"));
    snprintf(cmd, sizeof cmd, "%s plot %s -o /nonexistent-hw/p.html", bin, base);
    assert_int_equal(run_cmd(cmd, out, sizeof out, &s), 2);
    assert_non_null(strstr(out, "-o /nonexistent-hw/p.html: directory /nonexistent-hw does not exist"));
    /* run.tmpdir: named with the config's file:line:column, before calibration. */
    snprintf(cmd, sizeof cmd, "%s run %s -o %s/never.json", bin, tmpcfg, dir);
    assert_int_equal(run_cmd(cmd, out, sizeof out, &s), 2);
    char want[600];
    snprintf(want, sizeof want, "%s:6:11: run.tmpdir: /nonexistent-hw-tmp does not exist; create it "
             "or set run.tmpdir to a writable directory", tmpcfg);
    if (!strstr(out, want))
        fail_msg("stderr '%s', expected '%s'", out, want);
    assert_true(s < 2.0);
    assert_int_equal(leftovers(dir, "never.json"), 0);
    unlink(cfg);
    unlink(tmpcfg);
    path_in(cfg, sizeof cfg, "stderr.txt");
    unlink(cfg);
}

static int teardown(void **state)
{
    char mnt[300];
    path_in(mnt, sizeof mnt, "full");
    umount(mnt);   /* after a failed assert between mount and umount */
    return tu_scratch_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(symlinked_temp_is_not_followed),
        cmocka_unit_test(two_writers_never_tear),
        cmocka_unit_test(failed_writes_leave_no_temp),
        cmocka_unit_test(path_check_messages),
        cmocka_unit_test(bad_paths_fail_before_measuring),
    };
    tu_bin(bin, sizeof bin);
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, teardown);
}
