#include "tree.h"
#include "cgroup.h"
#include "clock.h"
#include "procfs.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TREE_MAX 4096
#define END_SECONDS 2.0   /* how long SIGKILLed processes get to disappear */

/* What the guard is told: {-pgid, 0} for the command's process group, {pid, start} for a
 * process seen in the tree (start: field 22 of /proc/PID/stat, so a reused pid is spared). */
struct guard_rec {
    int64_t pid;
    uint64_t start;
};

struct hw_tree {
    char cg[PATH_MAX];          /* the cgroup directory, "" without one */
    int cg_kind;                /* enum hw_cg_kind */
    bool cg_read;               /* its last figures taken, just before its removal */
    struct hw_cg_stat cg_end;
    uint64_t cg_peak;
    char method[PATH_MAX + 128];
    pid_t self, cmd, guard;
    int guard_fd;               /* our end of the guard's socket, -1 once released */
    int subreaper_was;
    bool cmd_reaped, ended;
    struct guard_rec known[TREE_MAX];   /* told to the guard (no cgroup only) */
    int nknown;
    pid_t pids[TREE_MAX];               /* the last listing */
    int npids;
};

static void nap_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Every process (zombies too) below self through ppid links, the guard's branch left out. */
static int walk_from(pid_t self, pid_t guard, pid_t *out, int max)
{
    static pid_t pid[32768], ppid[32768];
    int n = 0, k = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < (int)(sizeof pid / sizeof pid[0])) {
        uint64_t start;
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        pid[n] = atoi(e->d_name);
        if (pid[n] != guard && hw_stat_read(pid[n], &ppid[n], &start) == 0)
            n++;
    }
    if (d)
        closedir(d);
    for (int i = 0; i < n && k < max; i++)
        if (ppid[i] == self)
            out[k++] = pid[i];
    for (int i = 0; i < k; i++)
        for (int j = 0; j < n && k < max; j++)
            if (ppid[j] == out[i])
                out[k++] = pid[j];
    return k;
}

/* cgroup.procs of dir: the live processes in it (zombies have left). -1 when it is gone. */
static int cgroup_procs(const char *dir, pid_t *out, int max)
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

static int tree_list(struct hw_tree *t)
{
    int n = t->cg[0] ? cgroup_procs(t->cg, t->pids, TREE_MAX) : walk_from(t->self, t->guard, t->pids, TREE_MAX);
    t->npids = n < 0 ? 0 : n;
    return t->npids;
}

/* ---- the guard ---- */

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
        int k = cg[0] ? cgroup_procs(cg, pids, TREE_MAX) : 0;
        for (int i = 0; i < k; i++)
            kill(pids[i], SIGKILL);
        if (k <= 0 && (!cg[0] || rmdir(cg) == 0 || errno == ENOENT))
            return;
        if (hw_now() > until)
            return;   /* nothing left to tell: highwater is gone */
        nap_ms(5);
    }
}

static _Noreturn void guard_main(struct hw_tree *t, int fd)
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

static void guard_tell(struct hw_tree *t, int64_t pid, uint64_t start)
{
    struct guard_rec r = {pid, start};
    /* MSG_NOSIGNAL: a guard that died must not take us with it through SIGPIPE. */
    if (t->guard_fd >= 0 && send(t->guard_fd, &r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r) {
        close(t->guard_fd);
        t->guard_fd = -1;
    }
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
    if (prctl(PR_GET_CHILD_SUBREAPER, &t->subreaper_was) != 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        snprintf(err, len, "cannot become a child subreaper (prctl): %s", strerror(errno));
        goto fail;
    }
    if (cgroup_make(t, why, sizeof why) == 0)
        snprintf(t->method, sizeof t->method, "cgroup %s memory %s", t->cg_kind == HW_CG_V2 ? "v2" : "v1", t->cg);
    else
        snprintf(t->method, sizeof t->method, "subreaper and ppid walk (no cgroup: %s)", why);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(err, len, "cannot create the guard's socket: %s", strerror(errno));
        goto fail;
    }
    fflush(NULL);
    t->guard = fork();
    if (t->guard == 0) {
        close(sv[0]);
        guard_main(t, sv[1]);
    }
    if (t->guard < 0) {
        snprintf(err, len, "cannot fork the guard: %s", strerror(errno));
        goto fail;
    }
    close(sv[1]);
    t->guard_fd = sv[0];
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
    guard_tell(t, -(int64_t)cmd, 0);
}

const char *hw_tree_method(const struct hw_tree *t) { return t->method; }

void hw_tree_sample(struct hw_tree *t, struct hw_tree_rss *out)
{
    memset(out, 0, sizeof *out);
    tree_list(t);
    for (int i = 0; i < t->npids; i++) {
        struct hw_status st;
        if (!t->cg[0]) {
            /* Without a cgroup the guard only knows what we tell it. */
            bool told = false;
            for (int k = 0; k < t->nknown && !told; k++)
                told = t->known[k].pid == t->pids[i];
            pid_t pp;
            uint64_t start;
            if (!told && t->nknown < TREE_MAX && hw_stat_read(t->pids[i], &pp, &start) == 0) {
                t->known[t->nknown++] = (struct guard_rec){t->pids[i], start};
                guard_tell(t, t->pids[i], start);
            }
        }
        if (hw_status_read(t->pids[i], &st) != 0)
            continue;   /* gone, or a zombie without an mm */
        out->procs++;
        out->rss += st.vm_rss;
        out->anon += st.rss_anon;
        out->file += st.rss_file;
        if (st.vm_rss > out->largest)
            out->largest = st.vm_rss;
    }
}

bool hw_tree_reap(struct hw_tree *t, int *wstatus, struct rusage *ru)
{
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
    tree_list(t);
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
    double until = hw_now() + END_SECONDS;
    /* Done when nothing is left in the group and we have no child but the guard: the killed
     * leave cgroup.procs before they are zombies and reparented to us, so both are checked. */
    for (;;) {
        hw_tree_kill(t);
        hw_tree_reap(t, NULL, NULL);
        int left = t->npids + walk_from(t->self, t->guard, kids, TREE_MAX);
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
        nap_ms(1);
    }
    if (t->guard_fd >= 0)
        close(t->guard_fd);
    t->guard_fd = -1;
    /* EOF: the guard finds nothing left and exits at once. */
    if (t->guard > 0)
        waitpid(t->guard, NULL, 0);
    t->guard = -1;
    prctl(PR_SET_CHILD_SUBREAPER, t->subreaper_was);
    return rc;
}

void hw_tree_free(struct hw_tree *t)
{
    char err[PATH_MAX + 128];
    if (!t)
        return;
    if (hw_tree_end(t, err, sizeof err) != 0)
        fprintf(stderr, "highwater exec: %s\n", err);
    free(t);
}

const char *hw_tree_cgroup(const struct hw_tree *t)
{
    return t->cg[0] ? t->cg : NULL;
}
