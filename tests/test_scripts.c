/* The shell scripts the build and CI rest on: tests/run.sh's per-test time limit, and
 * scripts/install-deps.sh's progress, failure and idempotence (against a fake apt-get and
 * pkg-config first on PATH, so nothing is installed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

static char dir[] = "/tmp/hw-test-scripts-XXXXXX";

/* A file in dir, executable. */
static void script(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tu_script(path, text);
}

/* A test that hangs is stopped at its limit and named in the summary with the limit; the
 * others still run and count. HW_TEST_TIMEOUT_<name> overrides the limit for that test. */
static void run_sh_times_out_a_hang(void **state)
{
    (void)state;
    assert_int_equal(tu_sh("mkdir -p %s/b/tests", dir), 0);
    char hang[700];
    snprintf(hang, sizeof hang, "#!/bin/sh\nsleep 30 & echo $! > %s/hang.pid; wait\n", dir);
    script("b/tests/test_hang", hang);
    script("b/tests/test_ok", "#!/bin/sh\nexit 0\n");
    time_t t0 = time(NULL);
    assert_int_equal(tu_sh("HW_TEST_SCRIPTS=%s/b HW_TEST_TIMEOUT=1 bash tests/run.sh %s/b > %s/out 2>&1", dir, dir, dir), 1);
    /* 1 s here (the 1 s limit; test_ok is instant). 10 s is under the sleep's 30 s, and under
     * timeout's 1 + 10 s when the SIGTERM is not enough. */
    assert_true(time(NULL) - t0 < 10);
    const char *out = tu_scratch_read("out");
    assert_non_null(strstr(out, "test_hang                        FAILED: timed out after 1 s"));
    assert_non_null(strstr(out, "test summary: 1 passed, 1 failed (test_hang: timed out after 1 s)\n"));
    /* Its child went with it: dead (maybe not yet reaped), never still sleeping. */
    int pid = atoi(tu_scratch_read("hang.pid"));
    assert_true(pid > 0);
    for (int i = 0; i < 50 && kill(pid, 0) == 0 &&
                    tu_sh("grep -q '^State:.*Z' /proc/%d/status 2>/dev/null", pid) != 0; i++)
        usleep(20000);
    bool gone = kill(pid, 0) != 0 || tu_sh("grep -q '^State:.*Z' /proc/%d/status", pid) == 0;
    if (!gone)
        kill(pid, SIGKILL);   /* a failure leaves no sleep behind */
    assert_true(gone);

    assert_int_equal(tu_sh("HW_TEST_SCRIPTS=%s/b HW_TEST_TIMEOUT=1 HW_TEST_TIMEOUT_test_hang=2 bash tests/run.sh %s/b > %s/out 2>&1", dir,
                           dir, dir), 1);
    assert_non_null(strstr(tu_scratch_read("out"), "(test_hang: timed out after 2 s)\n"));
}

/* A test that exits 77 (it cannot run here, and said why) is skipped: never counted as
 * passed, named in the summary, and not a failure of the run. */
static void run_sh_counts_a_skip_apart(void **state)
{
    (void)state;
    assert_int_equal(tu_sh("mkdir -p %s/s/tests", dir), 0);
    script("s/tests/test_skips", "#!/bin/sh\necho 'skip: no such library'\nexit 77\n");
    script("s/tests/test_ok", "#!/bin/sh\nexit 0\n");
    assert_int_equal(tu_sh("HW_TEST_SCRIPTS=%s/s bash tests/run.sh %s/s > %s/out 2>&1", dir, dir, dir), 0);
    const char *out = tu_scratch_read("out");
    assert_non_null(strstr(out, "skip: no such library\n"));
    assert_non_null(strstr(out, "test_skips                       SKIPPED"));
    assert_non_null(strstr(out, "test summary: 1 passed, 0 failed, 1 skipped (test_skips)\n"));
}

/* The fakes: pkg-config finds a module only once the fake apt-get has "installed" it; apt-get
 * logs its arguments, prints what apt prints, and fails when dir/apt-fails exists. */
static void fakes(void)
{
    char text[2048];
    assert_int_equal(tu_sh("mkdir -p %s/bin && rm -f %s/installed %s/apt.log %s/apt-fails", dir, dir, dir, dir), 0);
    snprintf(text, sizeof text, "#!/bin/sh\n[ -e %s/installed ]\n", dir);
    script("bin/pkg-config", text);
    snprintf(text, sizeof text,
             "#!/bin/sh\necho \"apt-get $*\" >> %s/apt.log\n"
             "if [ -e %s/apt-fails ]; then echo 'E: Unable to locate package libyaml-dev'; exit 100; fi\n"
             "[ \"$1\" = install ] || exit 0\n"
             "for p in \"$@\"; do case $p in -*|install) ;; *) echo \"Setting up $p ...\";; esac; done\n"
             "touch %s/installed\n",
             dir, dir, dir);
    script("bin/apt-get", text);
}

/* What is missing is installed with apt's output shown; the second run finds everything,
 * runs no apt-get and prints nothing. */
static void install_deps_shows_progress_and_is_idempotent(void **state)
{
    (void)state;
    fakes();
    assert_int_equal(tu_sh("PATH=%s/bin:$PATH bash scripts/install-deps.sh > %s/out 2>&1", dir, dir), 0);
    const char *out = tu_scratch_read("out");
    assert_non_null(strstr(out, "install-deps: installing libjemalloc-dev libyaml-dev libcjson-dev libcmocka-dev\n"));
    assert_non_null(strstr(out, "Setting up libyaml-dev ...\n"));
    assert_non_null(strstr(tu_scratch_read("apt.log"), "apt-get install -y --no-install-recommends libjemalloc-dev"));

    assert_int_equal(tu_sh("rm -f %s/apt.log", dir), 0);
    assert_int_equal(tu_sh("PATH=%s/bin:$PATH bash scripts/install-deps.sh > %s/out 2>&1", dir, dir), 0);
    assert_int_equal(tu_lines(tu_scratch_read("out")), 0);
    assert_int_equal(tu_sh("test -e %s/apt.log", dir), 1);
}

/* apt fails (also after an update): apt's own error is shown, then one line of ours, exit 3. */
static void install_deps_apt_failure_is_exit_3(void **state)
{
    (void)state;
    fakes();
    assert_int_equal(tu_sh("touch %s/apt-fails", dir), 0);
    assert_int_equal(tu_sh("PATH=%s/bin:$PATH bash scripts/install-deps.sh > %s/out 2>&1", dir, dir), 3);
    const char *out = tu_scratch_read("out");
    assert_non_null(strstr(out, "E: Unable to locate package libyaml-dev\n"));
    const char *last = strstr(out, "install-deps: apt-get could not install ");
    assert_non_null(last);
    assert_non_null(strstr(last, "libjemalloc-dev libyaml-dev libcjson-dev libcmocka-dev (see apt's output above)"));
    assert_int_equal(tu_lines(last), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(run_sh_times_out_a_hang),
        cmocka_unit_test(run_sh_counts_a_skip_apart),
        cmocka_unit_test(install_deps_shows_progress_and_is_idempotent),
        cmocka_unit_test(install_deps_apt_failure_is_exit_3),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
