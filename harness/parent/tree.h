/* The process tree of an `exec` command: every process it starts, however it detaches
 * (double fork, setsid), found, summed and killed, on every exit path and after a SIGKILL of
 * highwater itself.
 *
 * How the tree is found, best first:
 * - a cgroup v1 memory child group under our own (/proc/self/cgroup), which the command joins
 *   before it execs: every descendant is born in it and cannot leave it without root, so
 *   cgroup.procs is the tree. (cgroup v2 has no memory controller on the machines we run on,
 *   and v1 is what the runner's workers use too.)
 * - when no group can be made (not root, no v1 hierarchy): highwater is a child subreaper
 *   (PR_SET_CHILD_SUBREAPER), so orphans are reparented to it instead of to init and the ppid
 *   walk from our own pid still reaches them (HIGHWATER_NO_CGROUP=1 forces this, for tests).
 *   The subreaper is set in both cases, since orphans in the cgroup become our zombies and are
 *   reaped here.
 *
 * A SIGKILL of highwater runs no code, so a guard process is forked first, in its own process
 * group (Ctrl-C does not reach it): it blocks on a pipe from us and, on EOF (we ended, however),
 * kills what is left: everything in the cgroup, then removes it; without a cgroup, the command's
 * process group and every pid we told it about (with its start time, so a reused pid is not
 * hit). */
#ifndef HW_TREE_H
#define HW_TREE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct hw_tree;

struct hw_tree_rss {
    int procs;                          /* live processes summed */
    uint64_t rss, anon, file, largest;  /* bytes; largest: the biggest single process */
};

/* Subreaper, cgroup (if one can be made) and guard. NULL with a reason in err. */
struct hw_tree *hw_tree_new(char *err, size_t len);
/* In the forked command, before exec: join the cgroup (no-op without one) and close our end
 * of the guard's socket. 0 or -errno. */
int hw_tree_join(const struct hw_tree *t);
/* The command has started as pid (the leader of its own process group). */
void hw_tree_started(struct hw_tree *t, pid_t cmd);
/* "cgroup v1 memory DIR" or "subreaper and ppid walk (no cgroup: WHY)", for the report. */
const char *hw_tree_method(const struct hw_tree *t);
/* The tree's memory cgroup directory, or NULL when it has none (it is followed by a ppid
 * walk then). Removed by the tree, at its end. */
const char *hw_tree_cgroup(const struct hw_tree *t);
/* The group's figures read at hw_tree_end, when the tree was empty and before the group was
 * removed. 0, or -1 (no group, or not ended yet). */
struct hw_cg_stat;
int hw_tree_cgroup_end(const struct hw_tree *t, struct hw_cg_stat *st, uint64_t *peak);
/* The command's live tree, summed from /proc/PID/status. */
void hw_tree_sample(struct hw_tree *t, struct hw_tree_rss *out);
/* Reap every zombie child without blocking (orphans included); true once the command itself
 * has been reaped, its status and rusage stored. */
bool hw_tree_reap(struct hw_tree *t, int *wstatus, struct rusage *ru);
/* SIGKILL every process of the tree (not the guard). */
void hw_tree_kill(struct hw_tree *t);
/* Kill the tree until it is empty and reaped (bounded), remove the cgroup, release the guard,
 * unset the subreaper. Idempotent; returns -1 when something was left (err says what). */
int hw_tree_end(struct hw_tree *t, char *err, size_t len);
/* hw_tree_end, then free. NULL is fine. */
void hw_tree_free(struct hw_tree *t);

#endif
