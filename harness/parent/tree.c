#include "tree_internal.h"
#include "clock.h"
#include "procfs.h"
#include "tree_pss.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>


/* Set by SIGCHLD: a child changed state, so wait4 has something to reap. The supervisor reaps
 * at every round; without it each round paid a wait4 that found nothing (12% of exec's own
 * CPU in a profile here). Set at the start, for a child that ended before the handler. */
static volatile sig_atomic_t g_chld = 1;

static void on_chld(int sig)
{
    (void)sig;
    g_chld = 1;
}

/* ---- the cgroup ---- */

/* A memory cgroup of its own for the command, under ours (cgroup.h: v2 where its memory
 * controller is on, v1 otherwise): its cgroup.procs lists the tree however it detaches, and
 * it is the container exec reports. Named hw-PID-exec, so a group a killed highwater left is
 * swept by the next one (hw_cgroup_sweep_stale). */
static int cgroup_make(struct hw_tree *t, char *why, size_t len)
{
    struct hw_cgroup self, g;
    char name[64];
    if (getenv("HIGHWATER_NO_CGROUP")) {
        snprintf(why, len, "HIGHWATER_NO_CGROUP is set");
        return -1;
    }
    if (hw_cgroup_self("", &self, why, len) != 0)
        return -1;
    hw_cgroup_sweep_stale(&self);
    snprintf(name, sizeof name, "hw-%d-exec", (int)t->self);
    /* A group of ours that outlived a previous highwater with this pid (the sweep spares our
     * own pid); the kernel refuses to remove one that still holds tasks. */
    char stale[1200];
    snprintf(stale, sizeof stale, "%s/%s", self.dir, name);
    rmdir(stale);
    if (hw_cgroup_make(&self, name, &g, why, len) != 0)
        return -1;
    snprintf(t->cg, sizeof t->cg, "%s", g.dir);
    t->cg_kind = g.kind;
    return 0;
}

/* ---- the API ---- */

struct hw_tree *hw_tree_new(char *err, size_t len)
{
    int sv[2] = {-1, -1};
    char why[PATH_MAX + 64];
    struct hw_tree *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, len, "out of memory");
        return NULL;
    }
    t->self = getpid();
    t->guard_fd = -1;
    t->guard = -1;
    t->cg_procs = t->self_kids = t->loadavg = -1;
    t->relist = true;
    snprintf(t->pss_why, sizeof t->pss_why, "the command has not started");
    if (prctl(PR_GET_CHILD_SUBREAPER, &t->subreaper_was) != 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        snprintf(err, len, "cannot become a child subreaper (prctl): %s", strerror(errno));
        goto fail;
    }
    if (cgroup_make(t, why, sizeof why) == 0)
        snprintf(t->method, sizeof t->method, "cgroup %s memory %s", t->cg_kind == HW_CG_V2 ? "v2" : "v1", t->cg);
    else
        snprintf(t->method, sizeof t->method, "subreaper and children walk (no cgroup: %s)", why);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/cgroup.procs", t->cg);
    if (t->cg[0] && t->cg_kind == HW_CG_V2 && (t->cg_procs = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, len, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)t->self);
    t->loadavg = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    if ((t->self_kids = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, len, "cannot read %s: %s; the kernel needs CONFIG_PROC_CHILDREN", path, strerror(errno));
        goto fail;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, len, "cannot create the guard's socket: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    t->guard = fork();
    if (t->guard == 0) {
        close(sv[0]);
        hw_tree_guard_main(t, sv[1]);
    }
    if (t->guard < 0) {
        snprintf(err, len, "cannot fork the guard: %s", strerror(errno));
        goto fail;
    }
    close(sv[1]);
    t->guard_fd = sv[0];
    struct sigaction sa = {.sa_handler = on_chld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};
    sigemptyset(&sa.sa_mask);
    g_chld = 1;
    t->chld_set = sigaction(SIGCHLD, &sa, &t->chld_was) == 0;
    return t;
fail:
    if (sv[0] >= 0)
        close(sv[0]);
    if (sv[1] >= 0)
        close(sv[1]);
    t->cmd_reaped = true;
    hw_tree_free(t);
    return NULL;
}

int hw_tree_join(const struct hw_tree *t)
{
    char path[PATH_MAX + 16];
    /* The guard must see EOF when highwater dies, not when the last descendant does. */
    if (t->guard_fd >= 0)
        close(t->guard_fd);
    if (!t->cg[0])
        return 0;
    snprintf(path, sizeof path, "%s/cgroup.procs", t->cg);
    int fd = open(path, O_WRONLY | O_CLOEXEC), rc = 0;
    if (fd < 0)
        return -errno;
    if (write(fd, "0", 1) != 1)
        rc = -errno;
    close(fd);
    return rc;
}

void hw_tree_started(struct hw_tree *t, pid_t cmd)
{
    t->cmd = cmd;
    hw_tree_guard_tell(t, -(int64_t)cmd, 0);
    t->pss = hw_pss_reader_start(t->pss_why, sizeof t->pss_why);
}

int hw_tree_pss(const struct hw_tree *t, struct hw_tree_pss *out, const char **why)
{
    memset(out, 0, sizeof *out);
    *why = t->pss ? NULL : t->pss_why;
    if (!t->pss)
        return -1;
    hw_pss_reader_get(t->pss, out);
    return 0;
}

const char *hw_tree_method(const struct hw_tree *t) { return t->method; }

/* The last pid the kernel gave out in our pid namespace (/proc/loadavg's last field), or -1.
 * The tree grows only by forks (or clones: threads take pids too), and every fork anywhere
 * below us moves it, so while it stays put the set is what it was. */
static long last_pid(struct hw_tree *t)
{
    char buf[128];
    if (t->loadavg < 0 || hw_read_fd_text(t->loadavg, buf, sizeof buf) <= 0)
        return -1;
    const char *p = strrchr(buf, ' ');
    return p ? strtol(p + 1, NULL, 10) : -1;
}

void hw_tree_sample(struct hw_tree *t, struct hw_tree_rss *out)
{
    memset(out, 0, sizeof *out);
    /* Listed again only when a pid was given out since the last listing (read before
     * listing, so a fork in between is listed next time) or a member ended: a process that
     * left is seen by its read (gone, or a zombie's empty mm) at the next sample. The last
     * pid is read every HW_TREE_CHECK_SECONDS, not at every sample: at 1 ms that read was
     * ~3 us of a ~45 us sample here (loadavg's printf, perf), so a new process joins the sum
     * within that time of its fork. */
    double now = hw_now();
    long lp = t->last_pid;
    if (t->relist || now >= t->next_check) {
        lp = last_pid(t);
        t->next_check = now + HW_TREE_CHECK_SECONDS;
    }
    if (t->relist || lp < 0 || lp != t->last_pid) {
        t->last_pid = lp;
        t->relist = false;
        hw_tree_relist(t);
        hw_tree_sync(t);
    }
    for (int i = 0; i < t->nprocs; i++) {
        struct hw_statm st;
        if (hw_tree_proc_read(t, &t->procs[i], &st) != 0 || st.size == 0) {
            t->relist = true;
            continue;
        }
        out->procs++;
        out->rss += st.resident;
        out->anon += st.resident - st.shared;
        out->file += st.shared;
        if (st.resident > out->largest)
            out->largest = st.resident;
    }
}

bool hw_tree_reap(struct hw_tree *t, int *wstatus, struct rusage *ru)
{
    if (t->chld_set && !g_chld)
        return t->cmd_reaped;
    g_chld = 0;   /* before the waits: a child that ends during them sets it again */
    for (;;) {
        int st;
        struct rusage r;
        pid_t w = wait4(-1, &st, WNOHANG, &r);
        if (w <= 0)
            break;
        if (w == t->cmd && !t->cmd_reaped) {
            t->cmd_reaped = true;
            if (wstatus)
                *wstatus = st;
            if (ru)
                *ru = r;
        } else if (w == t->guard) {
            t->guard = -1;   /* killed by someone; the cleanup at the end still runs here */
        }
    }
    return t->cmd_reaped;
}

void hw_tree_kill(struct hw_tree *t)
{
    if (t->cmd > 0)
        killpg(t->cmd, SIGKILL);
    hw_tree_relist(t);
    for (int i = 0; i < t->npids; i++)
        kill(t->pids[i], SIGKILL);
}

/* What the group recorded (OOM kills, its high-water mark), once the tree is empty and
 * before the group goes: exec's container figures. */
static void read_group_end(struct hw_tree *t)
{
    struct hw_cgroup g;
    struct hw_cg_peak pk;
    t->cg_read = true;
    t->cg_peak = HW_CG_UNKNOWN;
    if (hw_cgroup_at(t->cg, &g) != 0) {
        memset(&t->cg_end, 0xff, sizeof t->cg_end);
        return;
    }
    hw_cgroup_stat(&g, &t->cg_end);
    if (hw_cg_peak_open(&g, &pk) == 0)
        t->cg_peak = hw_cg_peak_read(&pk);
    hw_cg_peak_close(&pk);
}

int hw_tree_cgroup_end(const struct hw_tree *t, struct hw_cg_stat *st, uint64_t *peak)
{
    if (!t->cg_read)
        return -1;
    *st = t->cg_end;
    *peak = t->cg_peak;
    return 0;
}

int hw_tree_end(struct hw_tree *t, char *err, size_t len)
{
    static pid_t kids[TREE_MAX];
    int rc = 0;
    if (t->ended)
        return 0;
    t->ended = true;
    /* Its figures stay; the tree it reads is about to be killed. */
    hw_pss_reader_stop(t->pss);
    double until = hw_now() + END_SECONDS;
    /* Done when nothing is left in the group and we have no child but the guard: the killed
     * leave cgroup.procs before they are zombies and reparented to us, so both are checked. */
    for (;;) {
        hw_tree_kill(t);
        hw_tree_reap(t, NULL, NULL);
        int left = t->npids + (t->cg[0] ? hw_tree_walk(t, kids, TREE_MAX) : 0);
        if (left == 0 && t->cg[0] && !t->cg_read)
            read_group_end(t);
        if (left == 0 && (!t->cg[0] || rmdir(t->cg) == 0 || errno == ENOENT))
            break;
        if (hw_now() > until) {
            snprintf(err, len, "%d processes of the command's tree still there %.0f s after SIGKILL%s%s", left,
                     END_SECONDS, t->cg[0] ? "; cgroup left: " : "", t->cg);
            rc = -1;
            break;
        }
        hw_tree_nap_ms(1);
    }
    hw_tree_release(t);
    if (t->guard_fd >= 0)
        close(t->guard_fd);
    t->guard_fd = -1;
    /* EOF: the guard finds nothing left and exits at once. */
    if (t->guard > 0)
        waitpid(t->guard, NULL, 0);
    t->guard = -1;
    prctl(PR_SET_CHILD_SUBREAPER, t->subreaper_was);
    if (t->chld_set)
        sigaction(SIGCHLD, &t->chld_was, NULL);
    t->chld_set = false;
    return rc;
}

void hw_tree_free(struct hw_tree *t)
{
    char err[PATH_MAX + 128];
    if (!t)
        return;
    if (hw_tree_end(t, err, sizeof err) != 0)
        fprintf(stderr, "highwater exec: %s\n", err);
    hw_pss_reader_free(t->pss);
    free(t);
}

const char *hw_tree_cgroup(const struct hw_tree *t)
{
    return t->cg[0] ? t->cg : NULL;
}
