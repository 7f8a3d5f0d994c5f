/* Readers of the kernel's view of a process: /proc/PID/status, statm and smaps_rollup,
 * /proc/meminfo, and the per-phase high-water reset (clear_refs 5). Parsers take text so tests
 * feed canned input. */
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

/* /proc/PID/statm in bytes: the same mm counters as status's VmRSS (resident = anon + file +
 * shmem), one line of numbers that the kernel prints in ~1 us through a kept fd against ~9 us
 * for status (measured on this machine): exec's per-process read at every sample. shared is
 * file + shmem (status splits them). */
struct hw_statm {
    uint64_t size, resident, shared;
};
/* Parse statm's text with the page size. 0, or -1 when the text has fewer than 3 numbers. A
 * process without an mm (a zombie) parses as all zero. */
int hw_statm_parse(const char *text, uint64_t page, struct hw_statm *st);
/* pread from 0 of a kept /proc/PID/statm fd. 0, or -1 (the process is gone). */
int hw_statm_read_fd(int fd, struct hw_statm *st);

/* /proc/PID/smaps_rollup in bytes. pss: each resident page divided by the number of processes
 * mapping it, so the Pss of a tree sums its shared (copy-on-write) pages once, where summing
 * Rss counts them once per process. The kernel walks every page table to print it (~10 ms
 * for 500 MiB of 4 KiB pages here), so it is read far less often than statm. */
struct hw_rollup {
    uint64_t rss, pss, pss_anon, pss_file, pss_shmem;
    uint64_t shared_clean, shared_dirty, private_clean, private_dirty, swap;
};
/* 0, or -1 when the text has no Pss line. */
int hw_rollup_parse(const char *text, struct hw_rollup *r);
/* /proc/<pid>/smaps_rollup. 0, or -1 (gone, a zombie, or a kernel before 4.14). */
int hw_rollup_read(pid_t pid, struct hw_rollup *r);

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
/* A kept fd's whole text from offset 0 into buf (NUL-terminated), for files read again at
 * every sample without reopening them; the length, or -1. */
long hw_read_fd_text(int fd, char *buf, size_t len);

#endif
