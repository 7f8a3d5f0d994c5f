#include "procfs.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

long hw_read_text(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return (long)n;
}

/* A kept fd's whole text from offset 0 into buf (NUL-terminated); the length, or -1. A short
 * read is the end: these files (seq_file) fill what they are given up to their end. */
long hw_read_fd_text(int fd, char *buf, size_t len)
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

int hw_stat_parse(const char *text, pid_t *ppid, uint64_t *start)
{
    /* Fields restart after the last ')'; fields 5-21 are skipped as words, whatever their
     * width, to reach field 22, the start time. */
    const char *p = strrchr(text, ')');
    int pp;
    unsigned long long st;
    if (!p || !p[1] || sscanf(p + 2, "%*c %d" "%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s%*s" " %llu",
                              &pp, &st) != 2)
        return -1;
    *ppid = pp;
    *start = st;
    return 0;
}

int hw_stat_read(pid_t pid, pid_t *ppid, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (hw_read_text(path, buf, sizeof buf) < 0)
        return -1;
    return hw_stat_parse(buf, ppid, start);
}

/* "Key:   1234 kB" -> bytes; *found stays false when the key is absent. */
static uint64_t kb_field(const char *text, const char *key, bool *found)
{
    size_t klen = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            *found = true;
            return strtoull(p + klen + 1, NULL, 10) * 1024u;
        }
    }
    return 0;
}

int hw_status_parse(const char *text, struct hw_status *st)
{
    bool rss = false, other = false;
    memset(st, 0, sizeof *st);
    st->vm_rss = kb_field(text, "VmRSS", &rss);
    st->vm_hwm = kb_field(text, "VmHWM", &other);
    st->rss_anon = kb_field(text, "RssAnon", &other);
    st->rss_file = kb_field(text, "RssFile", &other);
    st->rss_shmem = kb_field(text, "RssShmem", &other);
    return rss ? 0 : -1;
}

int hw_status_read(pid_t pid, struct hw_status *st)
{
    char path[64], buf[4096];
    if (pid)
        snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    else
        snprintf(path, sizeof path, "/proc/self/status");
    if (hw_read_text(path, buf, sizeof buf) < 0)
        return -1;
    return hw_status_parse(buf, st);
}

int hw_status_read_fd(int fd, struct hw_status *st)
{
    char buf[4096];
    if (hw_read_fd_text(fd, buf, sizeof buf) <= 0)
        return -1;
    return hw_status_parse(buf, st);
}

int hw_statm_parse(const char *text, uint64_t page, struct hw_statm *st)
{
    /* Digits by hand, not sscanf nor strtoull: this runs for every process at every sample,
     * and strtoull (locale, base, sign, overflow) was 3% of exec's CPU with a tree of 101. */
    uint64_t v[3];
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        while (*p == ' ' || *p == '\n')
            p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (v[i] = 0; *p >= '0' && *p <= '9'; p++)
            v[i] = v[i] * 10 + (uint64_t)(*p - '0');
    }
    st->size = v[0] * page;
    st->resident = v[1] * page;
    st->shared = v[2] * page;
    return 0;
}

int hw_statm_read_fd(int fd, struct hw_statm *st)
{
    static uint64_t page;
    char buf[256];
    if (!page)
        page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (hw_read_fd_text(fd, buf, sizeof buf) <= 0)
        return -1;
    return hw_statm_parse(buf, page, st);
}

int hw_rollup_parse(const char *text, struct hw_rollup *r)
{
    bool pss = false, other = false;
    memset(r, 0, sizeof *r);
    r->rss = kb_field(text, "Rss", &other);
    r->pss = kb_field(text, "Pss", &pss);
    r->pss_anon = kb_field(text, "Pss_Anon", &other);
    r->pss_file = kb_field(text, "Pss_File", &other);
    r->pss_shmem = kb_field(text, "Pss_Shmem", &other);
    r->shared_clean = kb_field(text, "Shared_Clean", &other);
    r->shared_dirty = kb_field(text, "Shared_Dirty", &other);
    r->private_clean = kb_field(text, "Private_Clean", &other);
    r->private_dirty = kb_field(text, "Private_Dirty", &other);
    r->swap = kb_field(text, "Swap", &other);
    return pss ? 0 : -1;
}

int hw_rollup_read(pid_t pid, struct hw_rollup *r)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    if (hw_read_text(path, buf, sizeof buf) <= 0)
        return -1;
    return hw_rollup_parse(buf, r);
}

int hw_clear_refs(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = write(fd, "5", 1) == 1 ? 0 : -errno;
    close(fd);
    return rc;
}

int hw_meminfo_parse(const char *text, uint64_t *available, uint64_t *total)
{
    bool a = false, t = false;
    *available = kb_field(text, "MemAvailable", &a);
    *total = kb_field(text, "MemTotal", &t);
    return a && t ? 0 : -1;
}

int hw_meminfo_read(uint64_t *available, uint64_t *total)
{
    char buf[8192];
    if (hw_read_text("/proc/meminfo", buf, sizeof buf) < 0)
        return -1;
    return hw_meminfo_parse(buf, available, total);
}
