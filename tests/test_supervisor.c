/* The supervisor: lines split and capped however the bytes arrive; a command's last lines,
 * written just before it exits, still arrive (the pipe is read to EOF after the reaping); a
 * descendant that keeps the pipe open cannot hold the parent past the drain bound; the RSS
 * limit kills the tree and the ending maps to over_budget; a signal's ending to failed. A plain
 * child (fidelity's): its exit code and fds as asked, a caught signal passed on to it once as
 * SIGTERM, in its own process group, 127 when it cannot be run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "supervisor.h"
#include "testutil.h"

struct got {
    char text[4096];
    int lines, longs;
};

static void on_line(void *arg, const char *line, size_t len, double t)
{
    struct got *g = arg;
    (void)t;
    assert_int_equal(strlen(line), len);
    size_t used = strlen(g->text);
    snprintf(g->text + used, sizeof g->text - used, "[%s]", line);
    g->lines++;
}

static void on_long(void *arg) { ((struct got *)arg)->longs++; }

static void lines_split_and_capped(void **state)
{
    (void)state;
    struct got g = {0};
    struct hw_lines l;
    hw_lines_init(&l, 8, on_line, on_long, &g);
    const char *in = "ab\ncd";
    for (const char *p = in; *p; p++)   /* one byte at a time */
        hw_lines_feed(&l, p, 1, 0);
    hw_lines_feed(&l, "e\n\n0123456789abc\nok\n", 20, 0);
    hw_lines_feed(&l, "tail", 4, 0);
    hw_lines_end(&l, 0);
    hw_lines_release(&l);
    assert_string_equal(g.text, "[ab][cde][][ok][tail]");
    assert_int_equal(g.longs, 1);
}

/* sh -c SCRIPT in a tree, followed to its end. */
static void follow(const char *script, uint64_t limit, struct hw_sup *s, struct got *g, double *took)
{
    char err[512];
    bool bad;
    char *argv[] = {"sh", "-c", (char *)script, NULL};
    struct hw_tree *t = hw_tree_new(err, sizeof err);
    assert_non_null(t);
    assert_int_equal(hw_sup_start_command(s, t, argv, "HW_TEST_FD", &bad, err, sizeof err), 0);
    struct hw_sup_opts o = {.interval_ms = 1, .limit = limit, .line_max = 4096, .on_line = on_line,
                            .on_long_line = on_long, .arg = g};
    double t0 = hw_now();
    hw_sup_follow(s, &o);
    *took = hw_now() - t0;
    s->tree = NULL;
    hw_tree_free(t);
}

static void last_lines_arrive(void **state)
{
    (void)state;
    struct hw_sup s;
    struct got g = {0};
    double took;
    follow("for i in 1 2 3; do echo line$i >&$HW_TEST_FD; done; printf last >&$HW_TEST_FD; exit 3", UINT64_MAX,
           &s, &g, &took);
    assert_string_equal(g.text, "[line1][line2][line3][last]");
    assert_int_equal(hw_sup_ending(&s), HW_END_EXITED);
    assert_string_equal(hw_ending_status(hw_sup_ending(&s)), "ok");
    assert_true(WIFEXITED(s.wstatus));
    assert_int_equal(WEXITSTATUS(s.wstatus), 3);
    assert_false(s.drain_timed_out);
    hw_sup_release(&s);
}

/* A setsid'd grandchild holding the pipe open: killed with the tree, so the drain ends at
 * once; the supervisor never waits for it longer than the bound either way. */
static void escaped_descendant_does_not_hold(void **state)
{
    (void)state;
    struct hw_sup s;
    struct got g = {0};
    double took;
    follow("setsid sh -c 'sleep 30' >&$HW_TEST_FD & echo started >&$HW_TEST_FD; sleep 0.1; exit 0",
           UINT64_MAX, &s, &g, &took);
    assert_string_equal(g.text, "[started]");
    assert_true(took < 0.1 + HW_SUP_DRAIN_MS / 1000.0 + 3.0);
    hw_sup_release(&s);
}

static void limit_kills(void **state)
{
    (void)state;
    struct hw_sup s;
    struct got g = {0};
    double took;
    /* 1 byte: any process passes it at the first sample. */
    follow("sleep 30", 1, &s, &g, &took);
    assert_true(took < 10);
    assert_true(s.over_limit);
    assert_int_equal(hw_sup_ending(&s), HW_END_OVER_LIMIT);
    assert_string_equal(hw_ending_status(HW_END_OVER_LIMIT), "over_budget");
    hw_sup_release(&s);
}

static void signal_kills(void **state)
{
    (void)state;
    struct hw_sup s;
    struct hw_sup_signals saved;
    struct got g = {0};
    double took;
    hw_sup_signals_catch(&saved);
    assert_int_equal(hw_sup_signalled(), 0);
    /* The command signals us, as a Ctrl-C would. */
    follow("kill -TERM $PPID; sleep 30", UINT64_MAX, &s, &g, &took);
    hw_sup_signals_restore(&saved);
    assert_true(took < 10);
    assert_int_equal(s.signal, SIGTERM);
    assert_int_equal(hw_sup_ending(&s), HW_END_INTERRUPTED);
    assert_string_equal(hw_ending_status(HW_END_INTERRUPTED), "failed");
    hw_sup_release(&s);
}

static void bad_command(void **state)
{
    (void)state;
    struct hw_sup s;
    char err[512];
    bool bad;
    char *argv[] = {"/nonexistent/highwater-test", NULL};
    struct hw_tree *t = hw_tree_new(err, sizeof err);
    assert_non_null(t);
    assert_int_equal(hw_sup_start_command(&s, t, argv, "HW_TEST_FD", &bad, err, sizeof err), -1);
    assert_true(bad);
    assert_non_null(strstr(err, "cannot run '/nonexistent/highwater-test'"));
    assert_int_equal(hw_sup_ending(&s), HW_END_SPAWN_FAILED);
    hw_sup_release(&s);
    hw_tree_free(t);
}

/* The child's stdout goes where it is told, stderr to /dev/null, and its code comes back. */
static void plain_child_exit_code_and_fds(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/out", tu_scratch);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 5", NULL};
    assert_int_equal(hw_sup_run_plain(argv, fd, HW_SUP_NULL), 5);
    close(fd);
    assert_string_equal(tu_scratch_read("out"), "out\n");
    char *missing[] = {"/nonexistent/highwater-test", NULL};
    assert_int_equal(hw_sup_run_plain(missing, HW_SUP_NULL, HW_SUP_NULL), 127);
    char *killed[] = {"sh", "-c", "kill -KILL $$", NULL};
    assert_int_equal(hw_sup_run_plain(killed, HW_SUP_NULL, HW_SUP_NULL), -1);
}

/* Two signals to the parent (the second after the first was passed on) reach the child once,
 * as SIGTERM, and it may still exit its own
 * way (a highwater run writes nothing and exits 130); it runs in a process group of its own. */
static void plain_child_told_once(void **state)
{
    (void)state;
    char path[512], script[2048];
    snprintf(path, sizeof path, "%s/told", tu_scratch);
    snprintf(script, sizeof script,
             "[ \"$(ps -o pgid= -p $$ | tr -d ' ')\" = $$ ] || exit 9; "
             "trap 'echo term >>%s' TERM; kill -INT $PPID; "
             "i=0; while [ ! -s %s ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; "
             "kill -TERM $PPID; sleep 0.3; exit 3",
             path, path);
    char *argv[] = {"sh", "-c", script, NULL};
    struct hw_sup s;
    struct hw_sup_signals saved;
    struct hw_sup_opts o = {.interval_ms = 50, .limit = UINT64_MAX};
    hw_sup_signals_catch(&saved);
    assert_int_equal(hw_sup_start_plain(&s, argv, HW_SUP_NULL, HW_SUP_INHERIT), 0);
    hw_sup_follow(&s, &o);
    hw_sup_signals_restore(&saved);
    assert_int_equal(s.signal, SIGINT);
    assert_int_equal(hw_sup_ending(&s), HW_END_INTERRUPTED);
    assert_int_equal(hw_sup_exit_code(&s), 3);
    hw_sup_release(&s);
    assert_string_equal(tu_scratch_read("told"), "term\n");
}

int main(void)
{
    setenv("HIGHWATER_NO_CGROUP", "1", 1);   /* the subreaper path: no root needed */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_split_and_capped), cmocka_unit_test(last_lines_arrive),
        cmocka_unit_test(escaped_descendant_does_not_hold), cmocka_unit_test(limit_kills),
        cmocka_unit_test(signal_kills), cmocka_unit_test(bad_command),
        cmocka_unit_test(plain_child_exit_code_and_fds), cmocka_unit_test(plain_child_told_once),
    };
    static char dir[] = "/tmp/hw-test-supervisor-XXXXXX";
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
