/* Reading a memory cgroup: its stat and events files, its resettable peak, its charge now
 * (cgroup.h). */
#include "cgroup.h"
#include "procfs.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t hw_cg_charge_batch(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN), page = sysconf(_SC_PAGESIZE);
    return (uint64_t)(cpus > 0 ? cpus : 1) * 64u * (uint64_t)(page > 0 ? page : 4096);
}

uint64_t hw_cg_key(const char *text, const char *key)
{
    size_t n = strlen(key);
    for (const char *p = text; p && *p;) {
        if (strncmp(p, key, n) == 0 && p[n] == ' ') {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(p + n + 1, &end, 10);
            if (errno == 0 && end != p + n + 1 && (*end == '\n' || *end == '\0'))
                return (uint64_t)v;
            return HW_CG_UNKNOWN;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return HW_CG_UNKNOWN;
}

static void unknown(struct hw_cg_stat *st)
{
    st->current = st->anon = st->file = st->dirty = st->writeback = st->shmem = st->kernel = HW_CG_UNKNOWN;
    st->limit_hits = st->oom = st->oom_kill = st->file_reclaimed = HW_CG_UNKNOWN;
}

/* v1 names: rss is anonymous memory (transparent huge pages included), cache is file pages
 * (shmem included, as in v2's file). The group's own counts, not total_*: a run's group has
 * no children. */
void hw_cg_parse_stat_v1(const char *text, struct hw_cg_stat *st)
{
    st->anon = hw_cg_key(text, "rss");
    st->file = hw_cg_key(text, "cache");
    st->dirty = hw_cg_key(text, "dirty");
    st->writeback = hw_cg_key(text, "writeback");
    st->shmem = hw_cg_key(text, "shmem");
}

static uint64_t sum_known(const uint64_t *v, int n)
{
    uint64_t s = 0;
    for (int i = 0; i < n; i++) {
        if (v[i] == HW_CG_UNKNOWN)
            return HW_CG_UNKNOWN;
        s += v[i];
    }
    return s;
}

void hw_cg_parse_stat_v2(const char *text, struct hw_cg_stat *st)
{
    st->anon = hw_cg_key(text, "anon");
    st->file = hw_cg_key(text, "file");
    st->dirty = hw_cg_key(text, "file_dirty");
    st->writeback = hw_cg_key(text, "file_writeback");
    st->shmem = hw_cg_key(text, "shmem");
    st->kernel = hw_cg_key(text, "kernel");
    if (st->kernel == HW_CG_UNKNOWN) {   /* "kernel" came in Linux 5.18; before, its parts */
        uint64_t parts[] = {hw_cg_key(text, "kernel_stack"), hw_cg_key(text, "pagetables"),
                            hw_cg_key(text, "percpu"), hw_cg_key(text, "sock"), hw_cg_key(text, "slab")};
        st->kernel = sum_known(parts, 5);
    }
    uint64_t steal = hw_cg_key(text, "pgsteal_file");
    st->file_reclaimed = steal == HW_CG_UNKNOWN ? steal : steal * (uint64_t)sysconf(_SC_PAGESIZE);
}

void hw_cg_parse_events_v2(const char *text, struct hw_cg_stat *st)
{
    st->limit_hits = hw_cg_key(text, "max");
    st->oom = hw_cg_key(text, "oom");
    st->oom_kill = hw_cg_key(text, "oom_kill");
}

static long read_file(const struct hw_cgroup *cg, const char *name, char *buf, size_t len)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", cg->dir, name);
    return hw_read_text(path, buf, len);
}

/* One-number files through the same parse as the kept fds (hw_cg_read_fd). */
static uint64_t read_number(const struct hw_cgroup *cg, const char *name)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", cg->dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    uint64_t v = hw_cg_read_fd(fd);
    if (fd >= 0)
        close(fd);
    return v;
}

int hw_cgroup_stat(const struct hw_cgroup *cg, struct hw_cg_stat *st)
{
    char text[16384];
    unknown(st);
    if (cg->kind == HW_CG_NONE)
        return -1;
    bool v2 = cg->kind == HW_CG_V2;
    st->current = read_number(cg, v2 ? "memory.current" : "memory.usage_in_bytes");
    if (read_file(cg, "memory.stat", text, sizeof text) < 0)
        return -1;
    if (v2) {
        hw_cg_parse_stat_v2(text, st);
        if (read_file(cg, "memory.events", text, sizeof text) >= 0)
            hw_cg_parse_events_v2(text, st);
    } else {
        hw_cg_parse_stat_v1(text, st);
        st->kernel = read_number(cg, "memory.kmem.usage_in_bytes");
        /* Charges that failed at the limit (each one reclaim or an OOM kill). With memsw
         * limited too, failures are counted nowhere (both failcnt files stay 0 on Linux 6.18,
         * tests/test_cgroup.c), so then a 0 is not a measurement. */
        uint64_t memsw = read_number(cg, "memory.memsw.limit_in_bytes");
        if (memsw == HW_CG_UNKNOWN || memsw >= (1ull << 62))
            st->limit_hits = read_number(cg, "memory.failcnt");
        if (read_file(cg, "memory.oom_control", text, sizeof text) >= 0)
            st->oom_kill = hw_cg_key(text, "oom_kill");
    }
    return 0;
}

int hw_cg_peak_open(const struct hw_cgroup *cg, struct hw_cg_peak *p)
{
    char path[1100];
    p->kind = cg->kind;
    p->fd = -1;
    if (cg->kind == HW_CG_NONE)
        return -1;
    snprintf(path, sizeof path, "%s/%s", cg->dir, cg->kind == HW_CG_V2 ? "memory.peak" : "memory.max_usage_in_bytes");
    p->fd = open(path, O_RDWR | O_CLOEXEC);
    return p->fd < 0 ? -1 : 0;
}

int hw_cg_peak_reset(struct hw_cg_peak *p)
{
    if (p->fd < 0)
        return -EBADF;
    const char *v = p->kind == HW_CG_V2 ? "reset\n" : "0";
    return pwrite(p->fd, v, strlen(v), 0) < 0 ? -errno : 0;
}

uint64_t hw_cg_read_fd(int fd)
{
    char buf[64], *end;
    if (fd < 0 || hw_read_fd_text(fd, buf, sizeof buf) <= 0)
        return HW_CG_UNKNOWN;
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    return errno || end == buf ? HW_CG_UNKNOWN : (uint64_t)v;
}

uint64_t hw_cg_peak_read(struct hw_cg_peak *p)
{
    return hw_cg_read_fd(p->fd);
}

void hw_cg_peak_close(struct hw_cg_peak *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

int hw_cg_current_open(const struct hw_cgroup *cg)
{
    char path[1100];
    if (cg->kind == HW_CG_NONE)
        return -1;
    snprintf(path, sizeof path, "%s/%s", cg->dir, cg->kind == HW_CG_V2 ? "memory.current" : "memory.usage_in_bytes");
    return open(path, O_RDONLY | O_CLOEXEC);
}
