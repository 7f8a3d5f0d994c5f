#include "supervisor.h"
#include "cgroup.h"
#include "clock.h"
#include "hygiene.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Bytes read from the pipe per wake-up, so that sampling goes on under a flood. */
#define READ_MAX (1u << 20)

/* ---- signals ---- */

static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

void hw_sup_signals_catch(struct hw_sup_signals *saved)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    g_signal = 0;
    sigaction(SIGINT, &sa, &saved->old_int);
    sigaction(SIGTERM, &sa, &saved->old_term);
    sigaction(SIGHUP, &sa, &saved->old_hup);
}

void hw_sup_signals_restore(const struct hw_sup_signals *saved)
{
    sigaction(SIGINT, &saved->old_int, NULL);
    sigaction(SIGTERM, &saved->old_term, NULL);
    sigaction(SIGHUP, &saved->old_hup, NULL);
}

int hw_sup_signalled(void) { return (int)g_signal; }

/* ---- starting ---- */

static int sup_init(struct hw_sup *s, enum hw_sup_kind kind)
{
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->pid = -1;
    s->pipe_fd = -1;
    s->status_fd = -1;
    s->cgroup_fd = -1;
    s->tl = malloc(sizeof *s->tl);
    if (!s->tl)
        return -1;
    hw_timeline_init(s->tl);
    return 0;
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
    p[0] = p[1] = -1;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int hw_sup_start_worker(struct hw_sup *s, struct hw_launcher *l, const struct hw_allocator_cfg *alloc,
                        const char *cgroup_dir, const char *spec_text)
{
    int spec_pipe[2] = {-1, -1}, ev_pipe[2] = {-1, -1};
    char path[64];
    bool ready = sup_init(s, HW_SUP_PROCESS) == 0;
    s->launcher = l;
    if (!ready || !spec_text || pipe2(spec_pipe, O_CLOEXEC) || pipe2(ev_pipe, O_CLOEXEC) ||
        fcntl(ev_pipe[0], F_SETFL, O_NONBLOCK) != 0) {
        s->spawn_errno = errno ? errno : ENOMEM;
        goto fail;
    }
    s->t_start = hw_now();
    s->pid = hw_launcher_spawn(l, alloc, cgroup_dir, spec_pipe[0], ev_pipe[1]);
    if (s->pid < 0) {
        s->spawn_errno = errno;
        goto fail;
    }
    close(spec_pipe[0]);
    close(ev_pipe[1]);
    s->pipe_fd = ev_pipe[0];
    snprintf(path, sizeof path, "/proc/%d/status", (int)s->pid);
    s->status_fd = open(path, O_RDONLY | O_CLOEXEC);
    /* The spec is a few KiB, below the pipe's capacity: this write does not block. */
    write_all(spec_pipe[1], spec_text, strlen(spec_text));
    close(spec_pipe[1]);
    return 0;
fail:
    s->spawn_failed = true;
    close_pair(spec_pipe);
    close_pair(ev_pipe);
    return -1;
}

/* What the forked command sends back when it cannot start. */
struct start_failure {
    int stage;   /* 0 joining the tree, 1 exec */
    int err;
};

static _Noreturn void command_exec(pid_t parent, const struct hw_tree *tree, char *const argv[],
                                   const char *fd_env, int pipe_w, int status_w)
{
    struct start_failure f = {0, 0};
    hw_child_setup(parent);
    /* Before exec, so that everything the command starts is born in the tree. */
    f.err = -hw_tree_join(tree);
    if (f.err == 0) {
        /* The pipe is inherited by the command (not close-on-exec), at a number it is told. */
        int fd = fcntl(pipe_w, F_DUPFD, 3);
        char fds[16];
        snprintf(fds, sizeof fds, "%d", fd);
        setenv(fd_env, fds, 1);
        execvp(argv[0], argv);
        f = (struct start_failure){1, errno};
    }
    if (write(status_w, &f, sizeof f) < 0) {
    }
    _exit(127);
}

int hw_sup_start_command(struct hw_sup *s, struct hw_tree *tree, char *const argv[], const char *fd_env,
                         bool *bad_command, char *err, size_t len)
{
    int pipe_[2] = {-1, -1}, status[2] = {-1, -1};
    struct start_failure f;
    *bad_command = false;
    if (sup_init(s, HW_SUP_TREE) != 0) {
        snprintf(err, len, "out of memory");
        goto fail;
    }
    s->tree = tree;
    if (pipe2(pipe_, O_CLOEXEC) || pipe2(status, O_CLOEXEC) || fcntl(pipe_[0], F_SETFL, O_NONBLOCK) != 0) {
        snprintf(err, len, "cannot create pipes: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    pid_t parent = getpid();
    s->t_start = hw_now();
    s->pid = fork();
    if (s->pid == 0)
        command_exec(parent, tree, argv, fd_env, pipe_[1], status[1]);
    if (s->pid < 0) {
        snprintf(err, len, "cannot fork: %s", strerror(errno));
        goto fail;
    }
    setpgid(s->pid, s->pid);   /* also here: no window where a kill misses the group */
    hw_tree_started(tree, s->pid);
    close(pipe_[1]);
    close(status[1]);
    pipe_[1] = status[1] = -1;
    if (read(status[0], &f, sizeof f) == (ssize_t)sizeof f) {
        while (!hw_tree_reap(tree, NULL, NULL))
            poll(NULL, 0, 1);
        s->reaped = true;
        if (f.stage == 0) {
            snprintf(err, len, "cannot put the command into %s: %s", hw_tree_method(tree), strerror(f.err));
        } else {
            snprintf(err, len, "cannot run '%s': %s; check the command and PATH", argv[0], strerror(f.err));
            *bad_command = true;
        }
        goto fail;
    }
    close(status[0]);
    s->pipe_fd = pipe_[0];
    return 0;
fail:
    s->spawn_failed = true;
    close_pair(pipe_);
    close_pair(status);
    return -1;
}

static _Noreturn void plain_exec(pid_t parent, char *const argv[], int out_fd, int err_fd)
{
    hw_child_setup(parent);
    int null = open("/dev/null", O_WRONLY);
    if (out_fd != HW_SUP_INHERIT)
        dup2(out_fd >= 0 ? out_fd : null, 1);
    if (err_fd != HW_SUP_INHERIT)
        dup2(err_fd >= 0 ? err_fd : null, 2);
    execvp(argv[0], argv);
    _exit(127);
}

/* A pidfd turns readable when the process ends, so the poll wakes at once; without one
 * (a kernel before 5.3) the end is seen at the next interval. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

int hw_sup_start_plain(struct hw_sup *s, char *const argv[], int out_fd, int err_fd)
{
    if (sup_init(s, HW_SUP_PLAIN) != 0) {
        s->spawn_errno = ENOMEM;
        goto fail;
    }
    fflush(NULL);
    pid_t parent = getpid();
    s->t_start = hw_now();
    s->pid = fork();
    if (s->pid == 0)
        plain_exec(parent, argv, out_fd, err_fd);
    if (s->pid < 0) {
        s->spawn_errno = errno;
        goto fail;
    }
    setpgid(s->pid, s->pid);   /* also here: no window where it is still in our group */
    s->status_fd = open_pidfd(s->pid);
    return 0;
fail:
    s->spawn_failed = true;
    return -1;
}

/* A plain child needs no sampling: this interval bounds only how late a signal caught just
 * before the poll is passed on, or its end is seen without a pidfd. */
#define PLAIN_INTERVAL_MS 50

int hw_sup_run_plain(char *const argv[], int out_fd, int err_fd)
{
    struct hw_sup s;
    struct hw_sup_opts o = {.interval_ms = PLAIN_INTERVAL_MS, .limit = UINT64_MAX};
    hw_sup_start_plain(&s, argv, out_fd, err_fd);
    hw_sup_follow(&s, &o);
    int rc = hw_sup_exit_code(&s);
    hw_sup_release(&s);
    return rc;
}

/* ---- following ---- */

/* What the (non-blocking) pipe holds, up to max bytes. 0, or -1 at EOF (every writer has
 * closed it; the pipe is then closed). */
static int read_pipe(struct hw_sup *s, struct hw_lines *l, size_t max, double t)
{
    char buf[65536];
    for (size_t got = 0; got < max;) {
        ssize_t n = read(s->pipe_fd, buf, sizeof buf);
        if (n > 0) {
            hw_lines_feed(l, buf, (size_t)n, t);
            got += (size_t)n;
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            hw_lines_end(l, t);
            close(s->pipe_fd);
            s->pipe_fd = -1;
            return -1;
        } else if (errno == EAGAIN) {
            return 0;
        }
    }
    return 0;
}

static void sup_kill(struct hw_sup *s)
{
    if (s->kind == HW_SUP_TREE)
        hw_tree_kill(s->tree);
    else if (s->kind == HW_SUP_PLAIN)
        kill(s->pid, SIGTERM);   /* it ends its own children and cleans up */
    else
        killpg(s->pid, SIGKILL);
}

/* One sample into the timeline: 0, or -1 when there was none (the process is gone). */
static int sup_sample(struct hw_sup *s, double now, uint64_t *rss)
{
    struct hw_probe probe = {.status_fd = s->status_fd, .tree = s->kind == HW_SUP_TREE ? s->tree : NULL};
    struct hw_sample smp = {.t = now - s->t_start};
    uint64_t largest;
    if (hw_probe_read(&probe, &smp, &largest) != 0)
        return -1;
    if (largest > s->largest)
        s->largest = largest;
    hw_timeline_add(s->tl, &smp);
    *rss = smp.rss;
    if (s->tl_cg) {
        struct hw_sample cg = {.t = smp.t, .rss = hw_cg_read_fd(s->cgroup_fd)};
        if (cg.rss != HW_CG_UNKNOWN)
            hw_timeline_add(s->tl_cg, &cg);
    }
    return 0;
}

void hw_sup_watch_cgroup(struct hw_sup *s, const char *dir)
{
    struct hw_cgroup cg;
    if (!dir || hw_cgroup_at(dir, &cg) != 0 || (s->cgroup_fd = hw_cg_current_open(&cg)) < 0)
        return;
    s->tl_cg = malloc(sizeof *s->tl_cg);
    if (s->tl_cg)
        hw_timeline_init(s->tl_cg);
}

/* A worker's end comes from the launcher (its socket is readable then); a tree's from
 * reaping, tried every round. */
static void sup_reap(struct hw_sup *s, bool launcher_ready)
{
    if (s->kind == HW_SUP_TREE) {
        s->reaped = hw_tree_reap(s->tree, &s->wstatus, &s->ru);
    } else if (s->kind == HW_SUP_PLAIN) {
        pid_t r;
        while ((r = wait4(s->pid, &s->wstatus, WNOHANG, &s->ru)) < 0 && errno == EINTR) {
        }
        /* ECHILD: reaped by someone else; nothing is left to wait for. */
        if (r == s->pid || (r < 0 && errno == ECHILD)) {
            if (r < 0)
                s->wstatus = SIGKILL;
            s->reaped = true;
        }
    } else if (launcher_ready) {
        if (hw_launcher_wait(s->launcher, &s->wstatus, &s->ru) != 0) {
            /* The launcher is gone (killed from outside): the worker went with it. */
            s->wstatus = SIGKILL;
            memset(&s->ru, 0, sizeof s->ru);
        }
        s->reaped = true;
    }
}

/* After the reaping: what the child left behind goes, then its pipe is read to EOF. */
static void sup_end(struct hw_sup *s, struct hw_lines *l)
{
    if (s->kind == HW_SUP_TREE) {
        if (hw_tree_end(s->tree, s->end_err, sizeof s->end_err) != 0 && !s->end_err[0])
            snprintf(s->end_err, sizeof s->end_err, "the command's tree could not be cleaned up");
    } else if (s->kind == HW_SUP_PROCESS) {
        /* A grandchild could outlive the worker in its group; the group goes with it. */
        killpg(s->pid, SIGKILL);
    }
    double until = hw_now() + HW_SUP_DRAIN_MS / 1000.0;
    while (s->pipe_fd >= 0) {
        struct pollfd pfd = {.fd = s->pipe_fd, .events = POLLIN};
        int left = (int)((until - hw_now()) * 1000.0);
        if (left <= 0 || poll(&pfd, 1, left) == 0) {
            s->drain_timed_out = true;
            break;
        }
        read_pipe(s, l, SIZE_MAX, s->t_end - s->t_start);
    }
}

void hw_sup_follow(struct hw_sup *s, const struct hw_sup_opts *o)
{
    struct hw_lines l;
    double due = 0;   /* when the next sample is due (hw_now()) */
    bool killed = false;
    int interval = o->interval_ms > 0 ? o->interval_ms : 1;
    /* A sample is due at its time, not up to the default 50 us of timer slack after it: with
     * 1 ns, a wake-up here came 47-51 us after its due time instead of 93-95 us, at the same
     * CPU (scripts/sampler_floor.c, back to back). The slack is this thread's alone. */
    int slack_was = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
    if (s->kind != HW_SUP_PLAIN)
        prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    hw_lines_init(&l, o->line_max, o->on_line, o->on_long_line, o->arg);
    while (!s->reaped && !s->spawn_failed) {
        struct pollfd pfd[2];
        int n = 0, ipipe = -1, iend = -1;
        if (s->pipe_fd >= 0) {
            pfd[n] = (struct pollfd){.fd = s->pipe_fd, .events = POLLIN};
            ipipe = n++;
        }
        if (s->kind == HW_SUP_PROCESS) {
            pfd[n] = (struct pollfd){.fd = s->launcher->sock, .events = POLLIN};
            iend = n++;
        } else if (s->kind == HW_SUP_PLAIN && s->status_fd >= 0) {
            pfd[n] = (struct pollfd){.fd = s->status_fd, .events = POLLIN};
            n++;
        }
        /* Until the sample is due, not a whole interval from now: the interval is kept on
         * average however long a sample and a wake-up take (a 1 ms poll after a 50 us sample
         * and a 50 us late wake-up made 88% of the samples here). */
        double left = s->kind == HW_SUP_PLAIN ? interval / 1000.0 : due - hw_now();
        struct timespec ts = {0, 0};
        if (left > 0) {
            ts.tv_sec = (time_t)left;
            ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        }
        int pr = ppoll(pfd, (nfds_t)n, &ts, NULL);
        if (pr > 0 && ipipe >= 0 && pfd[ipipe].revents)
            read_pipe(s, &l, READ_MAX, hw_now() - s->t_start);
        double now = hw_now();
        uint64_t rss;
        if (s->kind != HW_SUP_PLAIN && now >= due) {
            /* The next on the schedule, unless this one was more than an interval late. */
            due = now - due < interval / 1000.0 ? due + interval / 1000.0 : now + interval / 1000.0;
            if (sup_sample(s, now, &rss) == 0) {
                if (rss > o->limit && !killed) {
                    s->over_limit = true;
                    s->over_rss = rss;
                    sup_kill(s);
                    killed = true;
                }
                if (o->on_sample)
                    o->on_sample(o->arg, rss);
            }
        }
        if (hw_sup_signalled() && !killed) {
            s->signal = hw_sup_signalled();
            sup_kill(s);
            killed = true;
        }
        if (o->timeout_seconds > 0 && now - s->t_start > o->timeout_seconds && !killed) {
            s->timed_out = true;
            sup_kill(s);
            killed = true;
        }
        sup_reap(s, pr > 0 && iend >= 0 && pfd[iend].revents);
    }
    s->t_end = s->spawn_failed ? s->t_start : hw_now();
    if (slack_was > 0 && s->kind != HW_SUP_PLAIN)
        prctl(PR_SET_TIMERSLACK, (unsigned long)slack_was, 0, 0, 0);
    if (!s->spawn_failed)
        sup_end(s, &l);
    hw_lines_release(&l);
}

void hw_sup_release(struct hw_sup *s)
{
    if (s->pipe_fd >= 0)
        close(s->pipe_fd);
    if (s->status_fd >= 0)
        close(s->status_fd);
    if (s->cgroup_fd >= 0)
        close(s->cgroup_fd);
    free(s->tl);
    free(s->tl_cg);
    s->pipe_fd = s->status_fd = s->cgroup_fd = -1;
    s->tl = s->tl_cg = NULL;
}

/* ---- how it ended ---- */

enum hw_ending hw_sup_ending(const struct hw_sup *s)
{
    if (s->spawn_failed)
        return HW_END_SPAWN_FAILED;
    if (s->signal)
        return HW_END_INTERRUPTED;
    if (s->over_limit)
        return HW_END_OVER_LIMIT;
    if (s->timed_out)
        return HW_END_TIMED_OUT;
    if (WIFSIGNALED(s->wstatus))
        return HW_END_SIGNALED;
    return HW_END_EXITED;
}

int hw_sup_exit_code(const struct hw_sup *s)
{
    if (s->spawn_failed || !s->reaped || !WIFEXITED(s->wstatus))
        return -1;
    return WEXITSTATUS(s->wstatus);
}

const char *hw_ending_status(enum hw_ending e)
{
    switch (e) {
    case HW_END_EXITED:
        return "ok";
    case HW_END_OVER_LIMIT:
        return "over_budget";
    case HW_END_TIMED_OUT:
        return "timed_out";
    default:
        return "failed";
    }
}
