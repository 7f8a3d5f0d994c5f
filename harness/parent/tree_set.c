/* Finding the tree's processes (tree.h says how) and keeping the fds their reads go through. */
#include "tree_internal.h"
#include "procfs.h"
#include "tree_pss.h"
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
            if (hw_read_fd_text(fd, t->buf, sizeof t->buf) > 0)
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
        if (hw_read_fd_text(p->kids, t->buf, sizeof t->buf) > 0)
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
int hw_tree_walk(struct hw_tree *t, pid_t *out, int max)
{
    int k = 0;
    if (t->self_kids >= 0 && hw_read_fd_text(t->self_kids, t->buf, sizeof t->buf) > 0)
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
    long n = fd >= 0 ? hw_read_fd_text(fd, t->buf, sizeof t->buf) : -1;
    if (fd >= 0 && fd != t->cg_procs)
        close(fd);
    return n < 0 ? -1 : parse_pids(t->buf, 0, out, max);
}

int hw_tree_relist(struct hw_tree *t)
{
    int n = t->cg[0] ? cgroup_list(t, t->pids, TREE_MAX) : hw_tree_walk(t, t->pids, TREE_MAX);
    t->npids = n < 0 ? 0 : n;
    return t->npids;
}

int hw_tree_list(struct hw_tree *t, enum hw_tree_way way, pid_t *out, int max)
{
    return way == HW_TREE_BY_CGROUP ? cgroup_list(t, out, max) : hw_tree_walk(t, out, max);
}

/* ---- the set and its fds ---- */

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
        /* Without a cgroup the guard only knows what we tell it (as many as it keeps). */
        if (t->nknown < TREE_MAX && hw_stat_read(pid, &pp, &start) == 0) {
            t->nknown++;
            hw_tree_guard_tell(t, pid, start);
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
void hw_tree_sync(struct hw_tree *t)
{
    int n = 0, i = 0, j = 0, m = 0;
    bool changed = false, sorted = true;
    for (int k = 1; k < t->npids && sorted; k++)
        sorted = t->pids[k - 1] < t->pids[k];
    if (!sorted)
        qsort(t->pids, (size_t)t->npids, sizeof *t->pids, cmp_pid);
    /* A pid listed twice (a walk that met it under its old parent and its new one) is one
     * process: dropped here, so the Pss reader, which is given this list, sums it once. */
    for (int k = 0; k < t->npids; k++)
        if (n == 0 || t->pids[k] != t->pids[n - 1])
            t->pids[n++] = t->pids[k];
    t->npids = n;
    while (i < n || j < t->nprocs) {
        if (j < t->nprocs && (i == n || t->procs[j].pid < t->pids[i])) {
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
int hw_tree_proc_read(struct hw_tree *t, struct proc *p, struct hw_statm *st)
{
    if (p->statm >= 0 && hw_statm_read_fd(p->statm, st) == 0)
        return 0;
    struct proc fresh = proc_open(t, p->pid);
    proc_close(p);
    *p = fresh;
    return p->statm >= 0 ? hw_statm_read_fd(p->statm, st) : -1;
}

void hw_tree_release(struct hw_tree *t)
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
