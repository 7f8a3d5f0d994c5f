/* The one supervisor of a child process, for `run`'s workers, its helper workers (reference,
 * calibration), `exec`'s command and `fidelity`'s children: fork hygiene, the SIGINT/SIGTERM/SIGHUP catch, the poll
 * loop over the child's pipe (lines with a cap), RSS sampling on an interval into a timeline,
 * the kill when the RSS passes a limit or a signal arrives, and one mapping from how the child
 * ended to a status. Fork hygiene itself is hygiene.h (the launcher uses it too).
 *
 * What is watched is one process (a worker: /proc/PID/status, killed with its process group,
 * reaped by the launcher, launcher.h) or a process tree (a command: tree.h, sampled summed,
 * killed whole), or a plain child (fidelity's `highwater run`, `highwater exec` and twin
 * preparations: nothing read or sampled, told to stop rather than killed). Either way the loop runs until the child itself has been reaped, then kills
 * what it left behind and reads its pipe to EOF (bounded): lines written just before the exit
 * are still in the pipe, and a descendant that kept the pipe open cannot hold the parent. */
#ifndef HW_SUPERVISOR_H
#define HW_SUPERVISOR_H
#include "launcher.h"
#include "lines.h"
#include "sampler.h"
#include "tree.h"
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* ---- signals: the parent catches them, the child is killed, the parent cleans up ---- */

struct hw_sup_signals {
    struct sigaction old_int, old_term, old_hup;
};
/* Catch SIGINT, SIGTERM and SIGHUP until hw_sup_signals_restore; clears hw_sup_signalled. */
void hw_sup_signals_catch(struct hw_sup_signals *saved);
void hw_sup_signals_restore(const struct hw_sup_signals *saved);
/* The signal caught since hw_sup_signals_catch, or 0. */
int hw_sup_signalled(void);

/* ---- one supervised child ---- */

/* After the child is reaped, how long its pipe may stay open (a descendant outside its group
 * or tree, an fd passed over a socket) before the lines after that are given up. */
#define HW_SUP_DRAIN_MS 1000

struct hw_sup_opts {
    int interval_ms;              /* sampling interval, >= 1 */
    uint64_t limit;               /* kill when the sampled RSS passes it; UINT64_MAX: never */
    double timeout_seconds;       /* kill when it runs longer; 0: never */
    size_t line_max;              /* a longer line is dropped up to its newline (on_long_line) */
    /* A complete line from the child's pipe, without its '\n' (it may hold NUL bytes), read
     * t seconds after the start. */
    void (*on_line)(void *arg, const char *line, size_t len, double t);
    void (*on_long_line)(void *arg);                 /* optional */
    void (*on_sample)(void *arg, uint64_t rss);      /* optional: after every sample */
    void *arg;
};

enum hw_sup_kind { HW_SUP_PROCESS, HW_SUP_TREE, HW_SUP_PLAIN };

struct hw_sup {
    enum hw_sup_kind kind;
    struct hw_launcher *launcher;  /* HW_SUP_PROCESS: who forked it and reaps it */
    struct hw_tree *tree;          /* HW_SUP_TREE */
    pid_t pid;
    int pipe_fd;                   /* the child's lines, -1 once at EOF */
    int status_fd;                 /* /proc/PID/status (HW_SUP_PROCESS), its pidfd (HW_SUP_PLAIN:
                                      readable when it ends), -1 if none */
    /* What it left behind: */
    double t_start, t_end;         /* hw_now() before the start, when it was reaped */
    bool spawn_failed;
    int spawn_errno;
    bool reaped;
    int wstatus;
    struct rusage ru;
    int signal;                    /* the parent's signal that killed it, 0 if none */
    bool over_limit;
    bool timed_out;                /* killed at hw_sup_opts.timeout_seconds */
    uint64_t over_rss;             /* the sample that passed the limit */
    uint64_t largest;              /* the largest single process's RSS (a tree), or the RSS */
    bool drain_timed_out;          /* its pipe was still open HW_SUP_DRAIN_MS after the end */
    char end_err[256];             /* what could not be cleaned up (a tree), "" if all was */
    struct hw_timeline *tl;        /* RSS samples, time from t_start */
    int cgroup_fd;                 /* the run's cgroup charge (hw_sup_watch_cgroup), -1 if none */
    struct hw_timeline *tl_cg;     /* its samples (as rss), NULL if none */
};

/* A worker through the launcher, its spec written to its fd 3, its events read from fd 4.
 * s is initialised here; 0, or -1 with spawn_failed and spawn_errno set. */
int hw_sup_start_worker(struct hw_sup *s, struct hw_launcher *l, const struct hw_allocator_cfg *alloc,
                        const char *cgroup_dir, const char *spec_text);
/* Sample the memory cgroup at dir beside the RSS, into tl_cg (its charge, memory.current or
 * memory.usage_in_bytes), from the next sample on. */
void hw_sup_watch_cgroup(struct hw_sup *s, const char *dir);
/* argv in the tree (joined before exec), the write end of its pipe inherited at the number
 * named in the environment variable fd_env. 0, or -1 with err and *bad_command (the command
 * could not be executed, as opposed to the tree not being joined). */
int hw_sup_start_command(struct hw_sup *s, struct hw_tree *tree, char *const argv[], const char *fd_env,
                         bool *bad_command, char *err, size_t len);
/* out_fd and err_fd of hw_sup_start_plain: /dev/null, or this process's own. */
#define HW_SUP_NULL (-1)
#define HW_SUP_INHERIT (-2)
/* argv (PATH searched) with stdout on out_fd and stderr on err_fd, forked with the hygiene
 * (its own process group: a terminal's Ctrl-C reaches the parent alone). Nothing is read or
 * sampled, there is no limit, and what it leaves behind is its own: a signal the parent
 * catches is passed on once as SIGTERM, not a kill, since it is itself a highwater command
 * (run, exec) that ends its children and removes its files, or a short preparation. An exec
 * failure is exit 127. 0, or -1 with spawn_failed and spawn_errno set. */
int hw_sup_start_plain(struct hw_sup *s, char *const argv[], int out_fd, int err_fd);
/* hw_sup_start_plain, hw_sup_follow and hw_sup_release in one: its exit code, or -1 when it
 * could not start or a signal ended it (hw_sup_exit_code). */
int hw_sup_run_plain(char *const argv[], int out_fd, int err_fd);
/* Poll, read lines, sample, kill at the limit or on a signal, until the child is reaped; then
 * kill the rest and read the pipe to EOF. */
void hw_sup_follow(struct hw_sup *s, const struct hw_sup_opts *o);
void hw_sup_release(struct hw_sup *s);

/* How a child ended, in order of precedence. */
enum hw_ending {
    HW_END_EXITED,            /* on its own: wstatus says with which code */
    HW_END_SPAWN_FAILED,
    HW_END_INTERRUPTED,       /* the parent caught a signal and killed it */
    HW_END_OVER_LIMIT,        /* killed when its RSS passed the limit */
    HW_END_TIMED_OUT,         /* killed when it ran past its time */
    HW_END_SIGNALED,          /* killed by a signal from elsewhere (the OOM killer, say) */
};
enum hw_ending hw_sup_ending(const struct hw_sup *s);
/* The exit code of a child that exited (however it was asked to), or -1 when it could not
 * start or a signal ended it. */
int hw_sup_exit_code(const struct hw_sup *s);
/* The report's status for an ending: "ok" (EXITED: the caller decides whether its code and
 * output make it a failure), "over_budget", "timed_out" or "failed". */
const char *hw_ending_status(enum hw_ending e);

#endif
