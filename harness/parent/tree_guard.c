/* The guard (tree.h): a process forked before the command that, when highwater ends however
 * it ends (its socket's EOF), kills what is left of the tree and removes its cgroup. */
#include "tree_internal.h"
#include "clock.h"
#include "procfs.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void hw_tree_nap_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the guard ---- */

/* The group's processes as the guard reads them: it has closed our fds (close_range). */
static int guard_procs(const char *dir, pid_t *out, int max)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/cgroup.procs", dir);
    FILE *f = fopen(path, "re");
    int n = 0, p;
    if (!f)
        return -1;
    while (n < max && fscanf(f, "%d", &p) == 1)
        out[n++] = p;
    fclose(f);
    return n;
}

static void guard_kill(const char *cg, pid_t pgid, const struct guard_rec *rec, int n)
{
    static pid_t pids[TREE_MAX];
    double until = hw_now() + END_SECONDS;
    for (;;) {
        if (pgid > 0)
            killpg(pgid, SIGKILL);
        for (int i = 0; i < n; i++) {
            pid_t pp;
            uint64_t start;
            if (hw_stat_read((pid_t)rec[i].pid, &pp, &start) == 0 && start == rec[i].start)
                kill((pid_t)rec[i].pid, SIGKILL);
        }
        int k = cg[0] ? guard_procs(cg, pids, TREE_MAX) : 0;
        for (int i = 0; i < k; i++)
            kill(pids[i], SIGKILL);
        if (k <= 0 && (!cg[0] || rmdir(cg) == 0 || errno == ENOENT))
            return;
        if (hw_now() > until)
            return;   /* nothing left to tell: highwater is gone */
        hw_tree_nap_ms(5);
    }
}

_Noreturn void hw_tree_guard_main(struct hw_tree *t, int fd)
{
    struct guard_rec r;
    pid_t pgid = 0;
    int n = 0, null = open("/dev/null", O_RDWR);
    /* Out of the terminal's foreground group: Ctrl-C is for highwater, which cleans up itself. */
    setpgid(0, 0);
    signal(SIGINT, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    /* Hold no one else's pipe open (a reader of our output, the marker pipe) past our parent. */
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
    }
    if (fd > 3)
        close_range(3, (unsigned)fd - 1, 0);
    close_range((unsigned)fd + 1, ~0U, 0);
    for (;;) {
        ssize_t got = read(fd, &r, sizeof r);
        if (got < 0 && errno == EINTR)
            continue;
        if (got != (ssize_t)sizeof r)
            break;   /* EOF: highwater ended, by its own hand or not */
        if (r.pid < 0)
            pgid = (pid_t)-r.pid;
        else if (n < TREE_MAX)
            t->known[n++] = r;
    }
    guard_kill(t->cg, pgid, t->known, n);
    _exit(0);
}

void hw_tree_guard_tell(struct hw_tree *t, int64_t pid, uint64_t start)
{
    struct guard_rec r = {pid, start};
    /* MSG_NOSIGNAL: a guard that died must not take us with it through SIGPIPE. */
    if (t->guard_fd >= 0 && send(t->guard_fd, &r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r) {
        close(t->guard_fd);
        t->guard_fd = -1;
    }
}
