/* The exec tree: an orphaned, setsid'd grandchild is found, summed, killed and reaped; the
 * cgroup is removed. With the cgroup (as root on a v1 memory hierarchy) and without. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tree.h"

#define MIB (1024u * 1024u)

/* Freed by the teardown, so a failed assertion still kills what the test started. */
static struct hw_tree *g_tree;

static int teardown(void **state)
{
    (void)state;
    hw_tree_free(g_tree);
    g_tree = NULL;
    unsetenv("HIGHWATER_NO_CGROUP");
    return 0;
}

static void orphan_found_and_killed(bool cgroup)
{
    char err[PATH_MAX + 128];
    int ready[2], told[2];
    if (cgroup)
        unsetenv("HIGHWATER_NO_CGROUP");
    else
        setenv("HIGHWATER_NO_CGROUP", "1", 1);
    struct hw_tree *t = g_tree = hw_tree_new(err, sizeof err);
    assert_non_null(t);
    const char *method = hw_tree_method(t);
    char cg[PATH_MAX] = "";
    if (strncmp(method, "cgroup v1 memory ", 17) == 0)
        snprintf(cg, sizeof cg, "%s", method + 17);
    if (cgroup && geteuid() == 0 && access("/sys/fs/cgroup/memory", F_OK) == 0)
        assert_true(cg[0] && access(cg, F_OK) == 0);
    if (!cgroup)
        assert_string_equal(method, "subreaper and children walk (no cgroup: HIGHWATER_NO_CGROUP is set)");
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(told), 0);
    pid_t cmd = fork();
    if (cmd == 0) {
        setpgid(0, 0);
        if (hw_tree_join(t) != 0)
            _exit(3);
        if (fork() == 0) {
            setsid();
            if (fork() == 0) {
                /* 24 MiB touched, then say who we are and wait to be killed. */
                volatile char *p = malloc(24 * MIB);
                for (size_t i = 0; p && i < 24 * MIB; i += 4096)
                    p[i] = 1;
                pid_t me = getpid();
                if (write(ready[1], &me, sizeof me) != sizeof me)
                    _exit(4);
                for (;;)
                    pause();
            }
            _exit(0);
        }
        pid_t gc;
        /* Hold on until the grandchild is there, then leave it an orphan. */
        if (read(ready[0], &gc, sizeof gc) != sizeof gc || write(told[1], &gc, sizeof gc) != sizeof gc)
            _exit(5);
        _exit(0);
    }
    assert_true(cmd > 0);
    hw_tree_started(t, cmd);
    close(ready[0]);
    close(ready[1]);
    close(told[1]);
    pid_t gc = 0;
    assert_int_equal(read(told[0], &gc, sizeof gc), sizeof gc);
    close(told[0]);
    int st = -1;
    for (int i = 0; i < 2000 && !hw_tree_reap(t, &st, NULL); i++)
        poll(NULL, 0, 1);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* The middle process is gone; the grandchild is ours now (or the group's) and counted. */
    struct hw_tree_rss rs = {0};
    for (int i = 0; i < 2000 && rs.rss < 24 * MIB; i++) {
        hw_tree_sample(t, &rs);
        hw_tree_reap(t, NULL, NULL);
        poll(NULL, 0, 1);
    }
    assert_true(rs.rss >= 24 * MIB);
    assert_int_equal(rs.procs, 1);
    assert_int_equal(hw_tree_end(t, err, sizeof err), 0);
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/%d", (int)gc);
    bool left = access(proc, F_OK) == 0;
    if (left)
        kill(gc, SIGKILL);
    assert_false(left);
    if (cg[0])
        assert_int_not_equal(access(cg, F_OK), 0);
}

static void with_cgroup(void **state)
{
    (void)state;
    orphan_found_and_killed(true);
}

static void without_cgroup(void **state)
{
    (void)state;
    orphan_found_and_killed(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test_teardown(with_cgroup, teardown),
                                       cmocka_unit_test_teardown(without_cgroup, teardown)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
