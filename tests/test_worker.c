/* `highwater worker SPEC.json` by hand: its events reach stdout whatever fds it inherits
 * (under `/usr/bin/time -o FILE`, fd 3 is time's file and 4 is free), and a bad spec is
 * exit 2 with the reason as an error event. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static char bin[512], dir[] = "/tmp/hw-test-worker-XXXXXX", spec[600];

enum fds { FD3_ONLY, FD3_AND_4, STDIN_CLOSED, STDERR_CLOSED };

/* The worker's exit code; its stdout in out. */
static int worker(const char *spec_path, enum fds how, char *out, size_t len)
{
    char outp[700], fd3p[700], fd4p[700];
    snprintf(outp, sizeof outp, "%s/out", dir);
    snprintf(fd3p, sizeof fd3p, "%s/fd3", dir);
    snprintf(fd4p, sizeof fd4p, "%s/fd4", dir);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int three = open(fd3p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int four = open(fd4p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o < 0 || three < 0 || four < 0 || dup2(o, 1) < 0)
            _exit(100);
        /* Moved up first, so the dup2s below cannot close one another's source. */
        three = fcntl(three, F_DUPFD, 20);
        four = fcntl(four, F_DUPFD, 20);
        for (int fd = 3; fd < 20; fd++)
            close(fd);
        if (dup2(three, 3) < 0)
            _exit(101);
        if (how == FD3_AND_4 && dup2(four, 4) < 0)
            _exit(102);
        close(three);
        close(four);
        if (how == STDIN_CLOSED)
            close(0);
        if (how == STDERR_CLOSED)
            close(2);
        execl(bin, "highwater", "worker", spec_path, (char *)NULL);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    snprintf(out, len, "%s", tu_text("%s", outp));
    /* Nothing of the worker's went to the inherited files. */
    assert_string_equal(tu_text("%s", fd3p), "");
    assert_string_equal(tu_text("%s", fd4p), "");
    return WEXITSTATUS(st);
}

static void events_reach_stdout(void **state)
{
    (void)state;
    static char out[1 << 16];
    const enum fds cases[] = {FD3_ONLY, FD3_AND_4, STDIN_CLOSED, STDERR_CLOSED};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = worker(spec, cases[i], out, sizeof out);
        if (rc != 0 || !strstr(out, "{\"ev\":\"hello\"") || !strstr(out, "{\"ev\":\"done\"}"))
            fail_msg("case %zu: exit %d, stdout '%.200s'", i, rc, out);
    }
}

static void bad_spec_is_exit_2(void **state)
{
    (void)state;
    static char out[1 << 16];
    char bad[700];
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    assert_int_equal(tu_sh("sed 's/\"rows\":[^,]*,/\"rows\": -1,/' %s > %s", spec, bad), 0);
    assert_int_equal(worker(bad, FD3_ONLY, out, sizeof out), 2);
    assert_non_null(strstr(out, "{\"ev\":\"error\",\"msg\":\"worker: bad spec: field 'rows' is -1, "
                                "expected a whole number from 1 to 1000000000000\"}"));
    tu_put_file(bad, "{\"mode\": \n");
    assert_int_equal(worker(bad, FD3_ONLY, out, sizeof out), 2);
    assert_non_null(strstr(out, "worker: bad spec: not valid JSON"));
    assert_int_equal(worker("/nonexistent-hw/spec.json", FD3_ONLY, out, sizeof out), 2);
}

/* Params reach the worker typed: a count written as text is a bad spec naming the param. */
static void param_of_wrong_type_is_exit_2(void **state)
{
    (void)state;
    static char out[1 << 16];
    char typed[700], bad[700];
    snprintf(typed, sizeof typed, "%s/typed.json", dir);
    snprintf(bad, sizeof bad, "%s/bad-param.json", dir);
    assert_int_equal(tu_sh("%s spec configs/ci.yaml --strategies chunked-vstack --allocators glibc --rows 2000 > %s",
                           bin, typed), 0);
    assert_int_equal(tu_sh("grep -q '\"chunk_rows\":.10000,' %s", typed), 0);
    assert_int_equal(tu_sh("sed 's/\"chunk_rows\":.10000,/\"chunk_rows\": \"10k\",/' %s > %s", typed, bad), 0);
    assert_int_equal(worker(bad, FD3_ONLY, out, sizeof out), 2);
    assert_non_null(strstr(out, "{\"ev\":\"error\",\"msg\":\"worker: bad spec: param 'chunk_rows' of "
                                "chunked-vstack: expected a whole number from 1 to 1000000000000, got a string\"}"));
    assert_int_equal(worker(typed, FD3_ONLY, out, sizeof out), 0);
    assert_non_null(strstr(out, "{\"ev\":\"done\"}"));
}

/* The scratch directory, and a small spec in it for the tests to run. */
static int setup(void **state)
{
    tu_bin(bin, sizeof bin);
    tu_scratch = dir;
    if (tu_scratch_setup(state) != 0)
        return -1;
    snprintf(spec, sizeof spec, "%s/spec.json", dir);
    return tu_sh("%s spec configs/ci.yaml --strategies whole-copy --allocators glibc --rows 2000 > %s", bin,
                 spec) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_reach_stdout),
        cmocka_unit_test(bad_spec_is_exit_2),
        cmocka_unit_test(param_of_wrong_type_is_exit_2),
    };
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
