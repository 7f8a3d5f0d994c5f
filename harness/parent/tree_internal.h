/* The tree's parts (tree.h) inside parent/: its state, shared by tree.c (the API, the cgroup,
 * sampling and the end), tree_set.c (finding its processes and keeping their fds) and
 * tree_guard.c (the process that cleans up after a SIGKILL of highwater). */
#ifndef HW_TREE_INTERNAL_H
#define HW_TREE_INTERNAL_H
#include "cgroup.h"
#include "procfs.h"
#include "tree.h"
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TREE_MAX 4096
#define END_SECONDS 2.0   /* how long SIGKILLed processes get to disappear */
#define LIST_BUF (TREE_MAX * 12)   /* a listing's text: TREE_MAX pids, a separator each */

/* What the guard is told: {-pgid, 0} for the command's process group, {pid, start} for a
 * process seen in the tree (start: field 22 of /proc/PID/stat, so a reused pid is spared). */
struct guard_rec {
    int64_t pid;
    uint64_t start;
};

/* One process of the set, with the fds its reads go through while it is in it. */
struct proc {
    pid_t pid;
    int statm;   /* /proc/PID/statm; -1 when it could not be opened */
    int task;    /* no cgroup: /proc/PID/task (its link count: 2 + threads); else -1 */
    int kids;    /* no cgroup: /proc/PID/task/PID/children, its main thread's; else -1 */
};

struct hw_tree {
    char cg[PATH_MAX];          /* the cgroup directory, "" without one */
    int cg_kind;                /* enum hw_cg_kind */
    int cg_procs;               /* its cgroup.procs, kept open; -1 without */
    bool cg_read;               /* its last figures taken, just before its removal */
    struct hw_cg_stat cg_end;
    uint64_t cg_peak;
    char method[PATH_MAX + 128];
    pid_t self, cmd, guard;
    int self_kids;              /* /proc/self/task/SELF/children, kept open */
    int loadavg;                /* /proc/loadavg, kept open: its last field is the last pid */
    long last_pid;              /* at the last listing */
    double next_check;          /* hw_now() when the last pid is read again */
    bool relist;                /* a read failed or found a zombie: list again */
    int guard_fd;               /* our end of the guard's socket, -1 once released */
    int subreaper_was;
    struct sigaction chld_was;  /* SIGCHLD's action before ours */
    bool chld_set;
    bool cmd_reaped, ended;
    struct guard_rec known[TREE_MAX];   /* the guard's copy of what it was told, in the guard */
    int nknown;                         /* how many the parent told it (no cgroup only) */
    pid_t pids[TREE_MAX];               /* the last listing */
    int npids;
    struct proc procs[TREE_MAX], next[TREE_MAX];   /* the set, by pid; the next one */
    int nprocs;
    char buf[LIST_BUF];
    struct hw_pss_reader *pss;
    char pss_why[160];
};
/* ---- tree_set.c ---- */

/* The listing into t->pids by the tree's way (cgroup or walk); the count. */
int hw_tree_relist(struct hw_tree *t);
/* Every process below us through the children files (zombies too, the guard left out). */
int hw_tree_walk(struct hw_tree *t, pid_t *out, int max);
/* The set becomes the listing in t->pids: fds kept, opened, closed; the Pss reader told. */
void hw_tree_sync(struct hw_tree *t);
/* statm of a process of the set through its kept fd (reopened once if stale). 0 or -1. */
int hw_tree_proc_read(struct hw_tree *t, struct proc *p, struct hw_statm *st);
/* Close every fd of the set and the tree's own kept fds. */
void hw_tree_release(struct hw_tree *t);

/* ---- tree_guard.c ---- */

/* The guard's life, in the forked guard, on its end of the socket. */
_Noreturn void hw_tree_guard_main(struct hw_tree *t, int fd);
/* Tell the guard about a process (pid, start) or the command's group (-pgid, 0). */
void hw_tree_guard_tell(struct hw_tree *t, int64_t pid, uint64_t start);
void hw_tree_nap_ms(long ms);

#endif
