/* Finding, making, limiting, joining and removing memory cgroups (cgroup.h). */
#include "cgroup.h"
#include "procfs.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static bool has_word(const char *list, const char *word, char sep)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0)
            return true;
        p = e ? e + 1 : NULL;
    }
    return false;
}

/* From /proc/self/cgroup: the v1 memory hierarchy's path ("4:memory:/a/b") or, when there
 * is none, the v2 path ("0::/a/b"). */
static int self_path(const char *text, char *v1, char *v2, size_t len)
{
    v1[0] = v2[0] = '\0';
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        char buf[1200];
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n < sizeof buf) {
            memcpy(buf, line, n);
            buf[n] = '\0';
            char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (c2) {
                *c1 = *c2 = '\0';
                if (strcmp(buf, "0") == 0 && c1[1] == '\0')
                    snprintf(v2, len, "%s", c2 + 1);
                else if (has_word(c1 + 1, "memory", ','))
                    snprintf(v1, len, "%s", c2 + 1);
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return v1[0] || v2[0] ? 0 : -1;
}

/* The mount of fstype (with "memory" among its super options for v1) from mountinfo:
 * "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] - FSTYPE SOURCE SUPEROPTS". */
static int find_mount(const char *text, bool v1, char *root, char *point, size_t len)
{
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        char buf[2048], r[1024], m[1024];
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *start = line;
        line = nl ? nl + 1 : NULL;
        if (n >= sizeof buf)
            continue;
        memcpy(buf, start, n);
        buf[n] = '\0';
        char *dash = strstr(buf, " - ");
        if (!dash || sscanf(buf, "%*s %*s %*s %1023s %1023s", r, m) != 2)
            continue;
        char fstype[64], super[512] = "";
        if (sscanf(dash + 3, "%63s %*s %511s", fstype, super) < 1)
            continue;
        if (strcmp(fstype, v1 ? "cgroup" : "cgroup2") != 0 || (v1 && !has_word(super, "memory", ',')))
            continue;
        snprintf(root, len, "%s", r);
        snprintf(point, len, "%s", m);
        return 0;
    }
    return -1;
}

/* The group's directory: the mount point plus the path below the mount's root. */
static int join_dir(const char *prefix, const char *point, const char *mroot, const char *path, char *out,
                    size_t len)
{
    size_t rl = strcmp(mroot, "/") == 0 ? 0 : strlen(mroot);
    if (rl && (strncmp(path, mroot, rl) != 0 || (path[rl] != '/' && path[rl] != '\0')))
        return -1;   /* this process's group is outside what is mounted here */
    const char *rest = path + rl;
    int n = snprintf(out, len, "%s%s%s", prefix, point, strcmp(rest, "/") == 0 ? "" : rest);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

static bool controllers_have_memory(const char *dir)
{
    char path[1100], text[512];
    snprintf(path, sizeof path, "%s/cgroup.controllers", dir);
    if (hw_read_text(path, text, sizeof text) < 0)
        return false;
    text[strcspn(text, "\n")] = '\0';
    return has_word(text, "memory", ' ');
}

int hw_cgroup_self(const char *root, struct hw_cgroup *out, char *why, size_t len)
{
    char path[1100], cg[4096], mi[65536], v1[1024], v2[1024], mroot[1024], point[1024];
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "%s/proc/self/cgroup", root);
    if (hw_read_text(path, cg, sizeof cg) < 0 || self_path(cg, v1, v2, sizeof v1) != 0) {
        snprintf(why, len, "%s cannot be read: this kernel has no cgroups", path);
        return -1;
    }
    snprintf(path, sizeof path, "%s/proc/self/mountinfo", root);
    if (hw_read_text(path, mi, sizeof mi) < 0) {
        snprintf(why, len, "%s cannot be read", path);
        return -1;
    }
    if (v2[0] && find_mount(mi, false, mroot, point, sizeof point) == 0 &&
        join_dir(root, point, mroot, v2, out->dir, sizeof out->dir) == 0 && controllers_have_memory(out->dir)) {
        out->kind = HW_CG_V2;
        return 0;
    }
    if (v1[0] && find_mount(mi, true, mroot, point, sizeof point) == 0 &&
        join_dir(root, point, mroot, v1, out->dir, sizeof out->dir) == 0) {
        out->kind = HW_CG_V1;
        return 0;
    }
    snprintf(why, len, "no memory cgroup controller is mounted for this process (cgroup v2 %s, cgroup v1 %s)",
             v2[0] ? "is mounted without the memory controller" : "is not in use",
             v1[0] ? "memory hierarchy is not mounted" : "has no memory hierarchy");
    out->dir[0] = '\0';
    return -1;
}

int hw_cgroup_at(const char *dir, struct hw_cgroup *cg)
{
    char path[1100];
    memset(cg, 0, sizeof *cg);
    if (snprintf(cg->dir, sizeof cg->dir, "%s", dir) >= (int)sizeof cg->dir)
        return -1;
    snprintf(path, sizeof path, "%s/memory.current", dir);
    if (access(path, R_OK) == 0) {
        cg->kind = HW_CG_V2;
        return 0;
    }
    snprintf(path, sizeof path, "%s/memory.usage_in_bytes", dir);
    if (access(path, R_OK) == 0) {
        cg->kind = HW_CG_V1;
        return 0;
    }
    cg->dir[0] = '\0';
    return -1;
}

static int write_text(const char *dir, const char *file, const char *text)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = n < 0 ? -errno : 0;
    close(fd);
    return e;
}

int hw_cgroup_make(const struct hw_cgroup *parent, const char *name, struct hw_cgroup *child, char *why,
                   size_t len)
{
    memset(child, 0, sizeof *child);
    if (parent->kind == HW_CG_NONE) {
        snprintf(why, len, "no memory cgroup to make a group under");
        return -1;
    }
    int n = snprintf(child->dir, sizeof child->dir, "%s/%s", parent->dir, name);
    if (n < 0 || (size_t)n >= sizeof child->dir) {
        snprintf(why, len, "%s/%s: the path is too long", parent->dir, name);
        return -1;
    }
    if (parent->kind == HW_CG_V2) {
        char path[1100], text[512];
        snprintf(path, sizeof path, "%s/cgroup.subtree_control", parent->dir);
        if (hw_read_text(path, text, sizeof text) >= 0)
            text[strcspn(text, "\n")] = '\0';
        else
            text[0] = '\0';
        if (!has_word(text, "memory", ' ')) {
            int e = write_text(parent->dir, "cgroup.subtree_control", "+memory");
            if (e != 0) {
                /* EBUSY: the parent holds processes itself (cgroup v2's no-internal-process rule). */
                snprintf(why, len, "%s: cannot enable the memory controller for child groups: %s", path,
                         strerror(-e));
                return -1;
            }
        }
    }
    if (mkdir(child->dir, 0755) != 0) {
        snprintf(why, len, "%s: cannot make a memory cgroup: %s", child->dir, strerror(errno));
        child->dir[0] = '\0';
        return -1;
    }
    child->kind = parent->kind;
    return 0;
}

/* /proc/swaps lists one line per swap area below its header. */
static bool machine_has_swap(void)
{
    char text[4096];
    if (hw_read_text("/proc/swaps", text, sizeof text) < 0)
        return true;   /* unknown: assume the worst, swap forbidden */
    char *nl = strchr(text, '\n');
    return nl && nl[1] != '\0';
}

int hw_cgroup_set_limit(const struct hw_cgroup *cg, uint64_t bytes, char *why, size_t len)
{
    char v[32];
    snprintf(v, sizeof v, "%llu", (unsigned long long)bytes);
    const char *file = cg->kind == HW_CG_V2 ? "memory.max" : "memory.limit_in_bytes";
    int e = write_text(cg->dir, file, v);
    if (e != 0) {
        snprintf(why, len, "%s/%s: cannot set the limit %s: %s", cg->dir, file, v, strerror(-e));
        return -1;
    }
    /* Swap would let a run outlive its limit; no file (no swap accounting) means no swap. On
     * v1 memsw is limited only where there is swap: with it set, a failed charge is counted
     * nowhere (memory.failcnt and memory.memsw.failcnt both stay 0, Linux 6.18), and without
     * swap it changes nothing but that. */
    if (cg->kind == HW_CG_V2)
        e = write_text(cg->dir, "memory.swap.max", "0");
    else
        e = machine_has_swap() ? write_text(cg->dir, "memory.memsw.limit_in_bytes", v) : 0;
    if (e != 0 && e != -ENOENT) {
        snprintf(why, len, "%s: cannot forbid swap beside the limit: %s", cg->dir, strerror(-e));
        return -1;
    }
    return 0;
}

void hw_cgroup_procs_path(const struct hw_cgroup *cg, char *buf, size_t len)
{
    snprintf(buf, len, "%s/cgroup.procs", cg->dir);
}

int hw_cgroup_join(const char *procs_path)
{
    int fd = open(procs_path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int e = write(fd, "0", 1) == 1 ? 0 : -errno;
    close(fd);
    return e;
}

int hw_cgroup_remove(const struct hw_cgroup *cg, char *why, size_t len)
{
    if (cg->kind == HW_CG_NONE || !cg->dir[0])
        return 0;
    /* The last task's exit and the group's release are not one step: EBUSY for a few ms. */
    for (int i = 0; i < 200; i++) {
        if (rmdir(cg->dir) == 0 || errno == ENOENT)
            return 0;
        if (errno != EBUSY)
            break;
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    snprintf(why, len, "%s: cannot remove the run's memory cgroup: %s", cg->dir, strerror(errno));
    return -1;
}

int hw_cgroup_sweep_stale(const struct hw_cgroup *parent)
{
    DIR *d = parent->kind == HW_CG_NONE ? NULL : opendir(parent->dir);
    struct dirent *e;
    int removed = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        long pid;
        char tail;
        if (sscanf(e->d_name, "hw-%ld-%c", &pid, &tail) != 2 || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", parent->dir, e->d_name);
        removed += rmdir(path) == 0;
    }
    closedir(d);
    return removed;
}
