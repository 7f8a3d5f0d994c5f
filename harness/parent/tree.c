#include "tree.h"
#include "cgroup.h"
#include "clock.h"
#include "procfs.h"
#include "tree_pss.h"
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
    bool relist;                /* a read failed or found a zombie: list again */
    int guard_fd;               /* our end of the guard's socket, -1 once released */
    int subreaper_was;
    struct sigaction chld_was;  /* SIGCHLD's action before ours */
    bool chld_set;
    bool cmd_reaped, ended;
    struct guard_rec known[TREE_MAX];   /* told to the guard (no cgroup only) */
    int nknown;
    pid_t pids[TREE_MAX];               /* the last listing */
    int npids;
    struct proc procs[TREE_MAX], next[TREE_MAX];   /* the set, by pid; the next one */
    int nprocs;
    char buf[LIST_BUF];
    struct hw_pss_reader *pss;
    char pss_why[160];
};

/* Set by SIGCHLD: a child changed state, so wait4 has something to reap. The supervisor reaps
 * at every round; without it each round paid a wait4 that found nothing (12% of exec's own
 * CPU in a profile here). Set at the start, for a child that ended before the handler. */
static volatile sig_atomic_t g_chld = 1;

static void on_chld(int sig)
{
    (void)sig;
    g_chld = 1;
}

static void nap_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* A kept fd's whole text from offset 0 into buf (NUL-terminated); the length, or -1. A short
 * read is the end: these files (seq_file) fill what they are given up to their end. */
static long read_fd(int fd, char *buf, size_t len)
{
    size_t n = 0;
    while (n < len - 1) {
        size_t want = len - 1 - n;
        ssize_t r = pread(fd, buf + n, want, (off_t)n);
        if (r < 0 && n == 0)
            return -1;
        if (r <= 0)
            break;
        n += (size_t)r;
        if ((size_t)r < want)
            break;
    }
    buf[n] = '\0';
    return (long)n;
}

/* The pids in text (separated by spaces or newlines) appended to out, skip left out. */
static int parse_pids(const char *text, pid_t skip, pid_t *out, int max)
{
    int k = 0;
    for (const char *p = text; *p && k < max;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            break;
        if (v > 0 && v != skip)
            out[k++] = (pid_t)v;
        p = end;
    }
    return k;
}

static int open_at(int dir, const char *path)
{
    return dir >= 0 ? openat(dir, path, O_RDONLY | O_CLOEXEC) : open(path, O_RDONLY | O_CLOEXEC);
}

/* The children of every thread in the task directory task: read each thread's file. */
static int threads_kids(struct hw_tree *t, int task, pid_t *out, int max)
{
    char dents[8192], path[300];
    int k = 0;
    ssize_t n;
    if (lseek(task, 0, SEEK_SET) != 0)
        return 0;
    while (k < max && (n = getdents64(task, dents, sizeof dents)) > 0) {
        for (ssize_t off = 0; off < n && k < max;) {
            struct dirent64 *d = (struct dirent64 *)(dents + off);
            off += d->d_reclen;
            if (!isdigit((unsigned char)d->d_name[0]))
                continue;
            snprintf(path, sizeof path, "%s/children", d->d_name);
            int fd = open_at(task, path);
            if (fd < 0)
                continue;
            if (read_fd(fd, t->buf, sizeof t->buf) > 0)
                k += parse_pids(t->buf, t->guard, out + k, max - k);
            close(fd);
        }
    }
    return k;
}

static const struct proc *find_proc(const struct hw_tree *t, pid_t pid)
{
    int lo = 0, hi = t->nprocs - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (t->procs[mid].pid == pid)
            return &t->procs[mid];
        if (t->procs[mid].pid < pid)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* The children of pid, through its kept fds when it is in the set. */
static int proc_kids(struct hw_tree *t, pid_t pid, pid_t *out, int max)
{
    const struct proc *p = find_proc(t, pid);
    char path[64];
    struct stat sb;
    int task = p ? p->task : -1, k = 0;
    if (task < 0) {
        snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
        if ((task = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
            return 0;
    }
    /* One thread (links: ".", its parent's entry, the thread): its main thread's file. */
    if (p && p->kids >= 0 && fstat(task, &sb) == 0 && sb.st_nlink <= 3) {
        if (read_fd(p->kids, t->buf, sizeof t->buf) > 0)
            k = parse_pids(t->buf, t->guard, out, max);
    } else {
        k = threads_kids(t, task, out, max);
    }
    if (!p || p->task < 0)
        close(task);
    return k;
}

/* Every process (zombies too) below us through the children files, the guard left out. Our
 * own main thread's file is enough for us: we fork from it, and the kernel gives orphans to a
 * subreaper's first live thread, which is it. */
static int walk_children(struct hw_tree *t, pid_t *out, int max)
{
    int k = 0;
    if (t->self_kids >= 0 && read_fd(t->self_kids, t->buf, sizeof t->buf) > 0)
        k = parse_pids(t->buf, t->guard, out, max);
    for (int i = 0; i < k && k < max; i++)
        k += proc_kids(t, out[i], out + k, max - k);
    return k;
}

/* cgroup.procs: the live processes in the group (zombies have left). -1 when it is gone. v2
 * lists the group afresh at every read from offset 0, so its fd is kept; v1 builds a list per
 * open file and keeps serving it while it is read again within a second (the kernel's
 * pidlist cache), so v1's file is opened for every listing (~10 us here). */
static int cgroup_list(struct hw_tree *t, pid_t *out, int max)
{
    char path[PATH_MAX + 16];
    int fd = t->cg_procs;
    if (!t->cg[0])
        return -1;
    if (t->cg_kind != HW_CG_V2) {
        snprintf(path, sizeof path, "%s/cgroup.procs", t->cg);
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    long n = fd >= 0 ? read_fd(fd, t->buf, sizeof t->buf) : -1;
    if (fd >= 0 && fd != t->cg_procs)
        close(fd);
    return n < 0 ? -1 : parse_pids(t->buf, 0, out, max);
}

static int tree_list(struct hw_tree *t)
{
    int n = t->cg[0] ? cgroup_list(t, t->pids, TREE_MAX) : walk_children(t, t->pids, TREE_MAX);
    t->npids = n < 0 ? 0 : n;
    return t->npids;
}

int hw_tree_list(struct hw_tree *t, enum hw_tree_way way, pid_t *out, int max)
{
    return way == HW_TREE_BY_CGROUP ? cgroup_list(t, out, max) : walk_children(t, out, max);
}

/* ---- the set and its fds ---- */

static void guard_tell(struct hw_tree *t, int64_t pid, uint64_t start);

static struct proc proc_open(struct hw_tree *t, pid_t pid)
{
    char path[64];
    struct proc p = {pid, -1, -1, -1};
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    p.statm = open(path, O_RDONLY | O_CLOEXEC);
    if (!t->cg[0]) {
        pid_t pp;
        uint64_t start;
        snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
        p.task = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        snprintf(path, sizeof path, "%d/children", (int)pid);
        p.kids = p.task >= 0 ? open_at(p.task, path) : -1;
        /* Without a cgroup the guard only knows what we tell it. */
        if (t->nknown < TREE_MAX && hw_stat_read(pid, &pp, &start) == 0) {
            t->known[t->nknown++] = (struct guard_rec){pid, start};
            guard_tell(t, pid, start);
        }
    }
    return p;
}

static void proc_close(struct proc *p)
{
    if (p->statm >= 0)
        close(p->statm);
    if (p->task >= 0)
        close(p->task);
    if (p->kids >= 0)
        close(p->kids);
    p->statm = p->task = p->kids = -1;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

/* The set becomes the listing in t->pids: fds kept for who stayed, opened for who joined,
 * closed for who left; the Pss reader is told when it changed. */
static void tree_sync(struct hw_tree *t)
{
    int n = t->npids, i = 0, j = 0, m = 0;
    bool changed = false, sorted = true;
    for (int k = 1; k < n && sorted; k++)
        sorted = t->pids[k - 1] < t->pids[k];
    if (!sorted)
        qsort(t->pids, (size_t)n, sizeof *t->pids, cmp_pid);
    while (i < n || j < t->nprocs) {
        if (i > 0 && i < n && t->pids[i] == t->pids[i - 1]) {
            i++;
        } else if (j < t->nprocs && (i == n || t->procs[j].pid < t->pids[i])) {
            proc_close(&t->procs[j++]);
            changed = true;
        } else if (j == t->nprocs || t->pids[i] < t->procs[j].pid) {
            t->next[m++] = proc_open(t, t->pids[i++]);
            changed = true;
        } else {
            t->next[m++] = t->procs[j++];
            i++;
        }
    }
    memcpy(t->procs, t->next, (size_t)m * sizeof *t->procs);
    t->nprocs = m;
    if (changed)
        hw_pss_reader_set(t->pss, t->pids, n);
}

/* statm through the kept fd; a failed read is either a process that ended or a pid whose
 * number now names a new process of the tree (the fd still points at the old one): reopened
 * once. */
static int proc_read(struct hw_tree *t, struct proc *p, struct hw_statm *st)
{
    if (p->statm >= 0 && hw_statm_read_fd(p->statm, st) == 0)
        return 0;
    struct proc fresh = proc_open(t, p->pid);
    proc_close(p);
    *p = fresh;
    return p->statm >= 0 ? hw_statm_read_fd(p->statm, st) : -1;
}

static void tree_release(struct hw_tree *t)
{
    for (int i = 0; i < t->nprocs; i++)
        proc_close(&t->procs[i]);
    t->nprocs = 0;
    if (t->cg_procs >= 0)
        close(t->cg_procs);
    if (t->self_kids >= 0)
        close(t->self_kids);
    if (t->loadavg >= 0)
        close(t->loadavg);
    t->cg_procs = t->self_kids = t->loadavg = -1;
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
        guard_main(t, sv[1]);
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
    guard_tell(t, -(int64_t)cmd, 0);
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
    if (t->loadavg < 0 || read_fd(t->loadavg, buf, sizeof buf) <= 0)
        return -1;
    const char *p = strrchr(buf, ' ');
    return p ? strtol(p + 1, NULL, 10) : -1;
}

void hw_tree_sample(struct hw_tree *t, struct hw_tree_rss *out)
{
    memset(out, 0, sizeof *out);
    /* Listed again only when a pid was given out since the last listing (read before
     * listing, so a fork in between is listed next time) or a member ended: a process that
     * left is seen by its read (gone, or a zombie's empty mm). */
    long lp = last_pid(t);
    if (t->relist || lp < 0 || lp != t->last_pid) {
        t->last_pid = lp;
        t->relist = false;
        tree_list(t);
        tree_sync(t);
    }
    for (int i = 0; i < t->nprocs; i++) {
        struct hw_statm st;
        if (proc_read(t, &t->procs[i], &st) != 0 || st.size == 0) {
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
    /* Its figures stay; the tree it reads is about to be killed. */
    hw_pss_reader_stop(t->pss);
    double until = hw_now() + END_SECONDS;
    /* Done when nothing is left in the group and we have no child but the guard: the killed
     * leave cgroup.procs before they are zombies and reparented to us, so both are checked. */
    for (;;) {
        hw_tree_kill(t);
        hw_tree_reap(t, NULL, NULL);
        int left = t->npids + (t->cg[0] ? walk_children(t, kids, TREE_MAX) : 0);
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
    tree_release(t);
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
