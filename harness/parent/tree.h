/* The process tree of an `exec` command: every process it starts, however it detaches
 * (double fork, setsid), found, summed and killed, on every exit path and after a SIGKILL of
 * highwater itself.
 *
 * How the tree is found, from the kernel, never by scanning /proc (which cost 31% of a core at
 * 1 ms with 87 processes on the machine, 67-70% with 178, and kept 27-30% of the samples):
 * - its own memory cgroup (hw-PID-exec under ours, through cgroup.h: v2 where its memory
 *   controller is on, else v1), which the command joins before it execs: every descendant is
 *   born in it and cannot leave it without root, so cgroup.procs is the tree. The file is kept
 *   open and read again from offset 0 at every sample.
 * - when no group can be made (not root, no memory controller): highwater is a child
 *   subreaper (PR_SET_CHILD_SUBREAPER), so orphans are reparented to it instead of to init,
 *   and the tree is its descendants through /proc/PID/task/TID/children, from our own main
 *   thread (the one orphans are given to) down. A process with one thread (its task
 *   directory's link count says so, through a kept fd) is read through its main thread's
 *   children file, kept open; one with more threads has every thread's file read, since a
 *   child belongs to the thread that forked it. HIGHWATER_NO_CGROUP=1 forces this, for tests.
 *   The subreaper is set in both cases, since orphans in the cgroup become our zombies and are
 *   reaped here.
 * Each process of the set has its /proc/PID/statm open while it is in the set (opened when it
 * joins, closed when it leaves, reopened when its pid is a new process), and one pread of it
 * is the whole per-process cost of a sample.
 *
 * The tree's proportional set size (Pss, smaps_rollup summed) is read by a thread of its own
 * at a lower rate its own cost sets (tree_pss.h): RSS summed over a tree counts a page shared
 * copy-on-write (a fork pool) once per process, Pss once.
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

/* From statm: rss = anon + file, file holding shmem too (statm does not split them). */
struct hw_tree_rss {
    int procs;                          /* live processes summed */
    uint64_t rss, anon, file, largest;  /* bytes; largest: the biggest single process */
};

/* The Pss reader's figures (tree_pss.h); times are hw_now()'s. */
struct hw_tree_pss {
    int readings;              /* readings of the whole set (each of its every process) */
    uint64_t peak_pss;         /* bytes: the highest Pss sum of a reading */
    uint64_t rss_at_peak;      /* bytes: the Rss sum of that same reading (smaps_rollup's) */
    int procs_at_peak;         /* processes read in it */
    double peak_at;            /* when that reading started */
    double max_gap;            /* seconds: the longest time between two readings' starts */
    double cpu_seconds;        /* the reader thread's own CPU time */
};

/* Subreaper, cgroup (if one can be made) and guard. NULL with a reason in err. */
struct hw_tree *hw_tree_new(char *err, size_t len);
/* In the forked command, before exec: join the cgroup (no-op without one) and close our end
 * of the guard's socket. 0 or -errno. */
int hw_tree_join(const struct hw_tree *t);
/* The command has started as pid (the leader of its own process group); the Pss reader's
 * thread starts here, after the last fork of the tree's owner. */
void hw_tree_started(struct hw_tree *t, pid_t cmd);
/* "cgroup v1 memory DIR" or "subreaper and children walk (no cgroup: WHY)", for the report. */
const char *hw_tree_method(const struct hw_tree *t);
/* The tree's memory cgroup directory, or NULL when it has none (it is followed by a ppid
 * walk then). Removed by the tree, at its end. */
const char *hw_tree_cgroup(const struct hw_tree *t);
/* The group's figures read at hw_tree_end, when the tree was empty and before the group was
 * removed. 0, or -1 (no group, or not ended yet). */
struct hw_cg_stat;
int hw_tree_cgroup_end(const struct hw_tree *t, struct hw_cg_stat *st, uint64_t *peak);
/* The command's live tree, summed from /proc/PID/statm. A process it forks is in the sum from
 * a sample at most this long after the fork (the set is checked for new ones at that pace). */
#define HW_TREE_CHECK_SECONDS 0.004
void hw_tree_sample(struct hw_tree *t, struct hw_tree_rss *out);
/* The Pss reader's figures so far. -1 when there is no reader (why says why: its thread could
 * not start, or the tree has not started). */
int hw_tree_pss(const struct hw_tree *t, struct hw_tree_pss *out, const char **why);

/* The tree's processes as one way finds them, for tests: the cgroup's cgroup.procs (-1 when
 * there is no group) or the children walk from us (zombies included, the guard left out).
 * Unsorted; the count. */
enum hw_tree_way { HW_TREE_BY_CGROUP, HW_TREE_BY_CHILDREN };
int hw_tree_list(struct hw_tree *t, enum hw_tree_way way, pid_t *out, int max);
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
