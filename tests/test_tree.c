/* The exec tree: an orphaned, setsid'd grandchild is found, summed, killed and reaped; the
 * cgroup is removed. With the cgroup (as root on a v1 memory hierarchy) and without. A newly
 * forked process joins the sum within a few samples. The two ways of finding the tree
 * (cgroup.procs, the children walk) find the same processes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
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

/* A tree from the cgroup's process list, or (HIGHWATER_NO_CGROUP) from the children walk. */
static struct hw_tree *tree_by(bool cgroup, char *err, size_t len)
{
    if (cgroup)
        unsetenv("HIGHWATER_NO_CGROUP");
    else
        setenv("HIGHWATER_NO_CGROUP", "1", 1);
    return hw_tree_new(err, len);
}

static void orphan_found_and_killed(bool cgroup)
{
    char err[PATH_MAX + 128];
    int ready[2], told[2];
    struct hw_tree *t = g_tree = tree_by(cgroup, err, sizeof err);
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

/* ---- a new process joins the sum within a few samples ---- */

/* The command says on ready that it has joined the tree (a 0), waits for a byte on go, then
 * forks a child that touches 16 MiB and sends its pid on ready. Sampled every >= 1 ms, the child must be in the sum by the sample that comes
 * HW_TREE_CHECK_SECONDS after it was ready: the set is checked for new processes at that pace
 * (the last pid given out), not at every sample. */
static void new_child_seen(bool cgroup)
{
    char err[PATH_MAX + 128];
    int go[2], ready[2];
    struct hw_tree *t = g_tree = tree_by(cgroup, err, sizeof err);
    assert_non_null(t);
    assert_int_equal(pipe(go), 0);
    assert_int_equal(pipe(ready), 0);
    pid_t cmd = fork();
    if (cmd == 0) {
        char b;
        pid_t joined = 0;
        setpgid(0, 0);
        if (hw_tree_join(t) != 0 || write(ready[1], &joined, sizeof joined) != sizeof joined ||
            read(go[0], &b, 1) != 1)
            _exit(3);
        if (fork() == 0) {
            volatile char *p = malloc(16 * MIB);
            for (size_t i = 0; p && i < 16 * MIB; i += 4096)
                p[i] = 1;
            pid_t me = getpid();
            if (write(ready[1], &me, sizeof me) != sizeof me)
                _exit(4);
            for (;;)
                pause();
        }
        for (;;)
            pause();
    }
    assert_true(cmd > 0);
    hw_tree_started(t, cmd);
    close(go[0]);
    close(ready[1]);
    struct hw_tree_rss rs = {0};
    pid_t kid = -1;
    assert_int_equal(read(ready[0], &kid, sizeof kid), sizeof kid);
    assert_int_equal(kid, 0);
    /* The command alone, listed and sampled for longer than a check period. */
    for (int i = 0; i < 10; i++) {
        hw_tree_sample(t, &rs);
        poll(NULL, 0, 1);
    }
    assert_int_equal(rs.procs, 1);
    assert_int_equal(write(go[1], "x", 1), 1);
    assert_int_equal(read(ready[0], &kid, sizeof kid), sizeof kid);
    close(go[1]);
    close(ready[0]);
    int within = (int)(HW_TREE_CHECK_SECONDS * 1000) + 1, n = 0;
    do {
        hw_tree_sample(t, &rs);
        n++;
        poll(NULL, 0, 1);
    } while (n < 100 && !(rs.procs == 2 && rs.rss >= 16 * MIB));
    if (n > within)
        fail_msg("the child %d joined the sum at sample %d after it was ready (procs %d); want <= %d", (int)kid, n,
                 rs.procs, within);
    assert_int_equal(hw_tree_end(t, err, sizeof err), 0);
}

static void new_child_seen_with_cgroup(void **state)
{
    (void)state;
    new_child_seen(true);
}

static void new_child_seen_without_cgroup(void **state)
{
    (void)state;
    new_child_seen(false);
}

/* ---- cgroup.procs and the children walk: the same tree ---- */

static int g_ready_w;

static void leaf(void)
{
    char b = 1;
    if (write(g_ready_w, &b, 1) != 1)
        _exit(4);
    for (;;)
        pause();
}

/* A second thread of the command forks a child of its own: that child is in this thread's
 * children file, not the main thread's, and the thread stays so it keeps it. */
static void *forking_thread(void *arg)
{
    (void)arg;
    if (fork() == 0)
        leaf();
    for (;;)
        pause();
    return NULL;
}

/* The command: a child with a grandchild, a double-forked orphan (ours, the subreaper's, once
 * its parent has been reaped), a child of its second thread, and itself: 5 processes, all
 * alive (cgroup.procs has no zombies; the walk would list them). One byte per leaf and one
 * once the orphan's parent is reaped, 4 in all. */
static _Noreturn void forked_tree(const struct hw_tree *t)
{
    pthread_t th;
    setpgid(0, 0);
    if (hw_tree_join(t) != 0)
        _exit(3);
    if (fork() == 0) {
        if (fork() == 0)
            leaf();
        for (;;)
            pause();
    }
    pid_t mid = fork();
    if (mid == 0) {
        if (fork() == 0)
            leaf();
        _exit(0);
    }
    if (pthread_create(&th, NULL, forking_thread, NULL) != 0)
        _exit(5);
    char b = 1;
    if (waitpid(mid, NULL, 0) != mid || write(g_ready_w, &b, 1) != 1)
        _exit(6);
    for (;;)
        pause();
}

static void sorted(pid_t *p, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && p[j - 1] > p[j]; j--) {
            pid_t x = p[j];
            p[j] = p[j - 1];
            p[j - 1] = x;
        }
}

static void cgroup_equals_children_walk(void **state)
{
    (void)state;
    char err[PATH_MAX + 128];
    int ready[2];
    pid_t by_cg[64], by_walk[64];
    unsetenv("HIGHWATER_NO_CGROUP");
    struct hw_tree *t = g_tree = hw_tree_new(err, sizeof err);
    assert_non_null(t);
    if (!hw_tree_cgroup(t))
        skip();   /* no memory cgroup here (not root): only the walk exists */
    assert_int_equal(pipe(ready), 0);
    g_ready_w = ready[1];
    pid_t cmd = fork();
    if (cmd == 0)
        forked_tree(t);
    assert_true(cmd > 0);
    hw_tree_started(t, cmd);
    close(ready[1]);
    char b[4];
    for (size_t got = 0; got < sizeof b;) {
        ssize_t n = read(ready[0], b + got, sizeof b - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    close(ready[0]);
    int nc = hw_tree_list(t, HW_TREE_BY_CGROUP, by_cg, 64), nw = hw_tree_list(t, HW_TREE_BY_CHILDREN, by_walk, 64);
    assert_int_equal(nc, 5);
    assert_int_equal(nw, 5);
    sorted(by_cg, nc);
    sorted(by_walk, nw);
    for (int i = 0; i < nc; i++)
        assert_int_equal(by_cg[i], by_walk[i]);
    /* And the sampler's set is that tree: five processes with an mm. */
    struct hw_tree_rss rs;
    hw_tree_sample(t, &rs);
    assert_int_equal(rs.procs, 5);
    assert_int_equal(hw_tree_end(t, err, sizeof err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test_teardown(with_cgroup, teardown),
                                       cmocka_unit_test_teardown(without_cgroup, teardown),
                                       cmocka_unit_test_teardown(new_child_seen_with_cgroup, teardown),
                                       cmocka_unit_test_teardown(new_child_seen_without_cgroup, teardown),
                                       cmocka_unit_test_teardown(cgroup_equals_children_walk, teardown)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
