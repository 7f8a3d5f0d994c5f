/* Readers of the kernel's view of a process: /proc/PID/status and /proc/meminfo, and the
 * per-phase high-water reset (clear_refs 5). Parsers take text so tests feed canned input. */
#ifndef HW_PROCFS_H
#define HW_PROCFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct hw_status {
    uint64_t vm_hwm, vm_rss, rss_anon, rss_file, rss_shmem;   /* bytes */
};

/* Parse the text of /proc/PID/status. 0, or -1 when VmRSS is missing. */
int hw_status_parse(const char *text, struct hw_status *st);
/* Read /proc/<pid>/status (pid 0: self). 0, or -1 (process gone). */
int hw_status_read(pid_t pid, struct hw_status *st);
/* Only VmRSS/RssAnon/RssFile, reading into a caller buffer: the sampler's fast path. */
int hw_status_read_fd(int fd, struct hw_status *st);

/* ppid and start time (clock ticks since boot) from the text of /proc/PID/stat; the name in
 * parentheses may hold spaces and ')'. 0, or -1 when the text is not a stat line. */
int hw_stat_parse(const char *text, pid_t *ppid, uint64_t *start);
/* The same read from /proc/<pid>/stat. 0, or -1 (process gone). */
int hw_stat_read(pid_t pid, pid_t *ppid, uint64_t *start);

/* Write "5" to /proc/self/clear_refs: VmHWM := VmRSS. 0, or -errno. */
int hw_clear_refs(void);

/* MemAvailable and MemTotal in bytes from /proc/meminfo text / file. */
int hw_meminfo_parse(const char *text, uint64_t *available, uint64_t *total);
int hw_meminfo_read(uint64_t *available, uint64_t *total);

/* A small text file into buf (NUL-terminated, truncated at len-1). bytes read or -1. */
long hw_read_text(const char *path, char *buf, size_t len);

#endif
