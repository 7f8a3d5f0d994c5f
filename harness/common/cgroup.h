/* The container's view of a run: a memory cgroup of its own, made by the parent under the
 * group the parent runs in, joined by the worker (or exec's command) between fork and exec,
 * read at phase ends by the worker and sampled by the parent, removed when the run is done.
 *
 * A cgroup counts what RSS does not (page cache of the files the run writes, dirty pages of a
 * memmap output, kernel memory such as page tables) and forgives what RSS counts (file pages
 * that were already charged to another group, clean pages it may reclaim at its limit). Both
 * kernel interfaces are handled, because platforms have both:
 *   cgroup v2: memory.current, memory.peak (per open file resettable since Linux 6.12),
 *              memory.max, memory.swap.max, memory.stat, memory.events;
 *   cgroup v1: memory.usage_in_bytes, memory.max_usage_in_bytes (reset by writing 0),
 *              memory.limit_in_bytes, memory.memsw.limit_in_bytes, memory.stat,
 *              memory.kmem.usage_in_bytes, memory.oom_control.
 * v2 is used where its memory controller is on; v1 otherwise. Every path starts at a root
 * prefix ("" on a real machine) so tests run the same code against a fixture tree. */
#ifndef HW_CGROUP_H
#define HW_CGROUP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Set in a worker's environment by the launcher: the group it joined, or why it could not. */
#define HW_RUN_CGROUP_ENV "HW_RUN_CGROUP"
#define HW_RUN_CGROUP_ERR_ENV "HW_RUN_CGROUP_ERROR"

enum hw_cg_kind { HW_CG_NONE, HW_CG_V1, HW_CG_V2 };

struct hw_cgroup {
    enum hw_cg_kind kind;
    char dir[1024];            /* the group's directory, root prefix included */
};

/* The memory cgroup this process is in: from root/proc/self/cgroup and
 * root/proc/self/mountinfo (a mount whose root is not "/", as in a cgroup namespace, is
 * followed). 0, or -1 with why ("no memory controller is mounted", ...). */
int hw_cgroup_self(const char *root, struct hw_cgroup *out, char *why, size_t len);

/* The group at dir, its interface told by its files (memory.current is v2's). 0, or -1. */
int hw_cgroup_at(const char *dir, struct hw_cgroup *cg);

/* A fresh child group dir/NAME (mkdir; on v2 "+memory" is first written to the parent's
 * cgroup.subtree_control when it is not on). 0, or -1 with why naming the path. */
int hw_cgroup_make(const struct hw_cgroup *parent, const char *name, struct hw_cgroup *child, char *why,
                   size_t len);
/* The hard limit, swap forbidden with it (v1 memsw, v2 swap.max 0, where the files exist).
 * 0, or -1 with why. */
int hw_cgroup_set_limit(const struct hw_cgroup *cg, uint64_t bytes, char *why, size_t len);
/* Move the calling process in (write "0" to cgroup.procs): for a child after fork, before
 * exec, so that all it charges from exec on is the group's. 0, or -errno. Async-signal-safe. */
int hw_cgroup_join(const char *procs_path);
/* dir/cgroup.procs into buf: what hw_cgroup_join takes, computed before the fork. */
void hw_cgroup_procs_path(const struct hw_cgroup *cg, char *buf, size_t len);
/* rmdir, retried for a short while: the kernel frees a group some time after its last task
 * exits. 0, or -1 with why. A group still holding tasks is refused by the kernel, never
 * forced. */
int hw_cgroup_remove(const struct hw_cgroup *cg, char *why, size_t len);
/* Remove the groups a killed highwater left under parent: names "hw-PID-*" whose PID is no
 * longer running. The number removed. */
int hw_cgroup_sweep_stale(const struct hw_cgroup *parent);

/* What a group holds now, in bytes; counts of the kernel's memory events. A figure the
 * interface does not give is UINT64_MAX (never 0, which would read as measured). */
struct hw_cg_stat {
    uint64_t current, anon, file, dirty, writeback, shmem, kernel;
    uint64_t limit_hits;       /* v2 memory.events "max", v1 memory.failcnt (unknown with memsw limited) */
    uint64_t oom, oom_kill;    /* v2 events "oom"/"oom_kill"; v1 oom_control "oom_kill" */
    uint64_t file_reclaimed;   /* v2 memory.stat pgsteal_file pages in bytes (v1: none) */
};
#define HW_CG_UNKNOWN UINT64_MAX
int hw_cgroup_stat(const struct hw_cgroup *cg, struct hw_cg_stat *st);
/* The parsers hw_cgroup_stat is built from, on the files' text. */
void hw_cg_parse_stat_v1(const char *text, struct hw_cg_stat *st);
void hw_cg_parse_stat_v2(const char *text, struct hw_cg_stat *st);
void hw_cg_parse_events_v2(const char *text, struct hw_cg_stat *st);
/* The most a group's reading can lag what it holds: the kernel charges in batches of up to
 * 64 pages a CPU (MEMCG_CHARGE_BATCH), kept per CPU until used. */
uint64_t hw_cg_charge_batch(void);
/* The value of "key N" on its own line of a flat-keyed file, or HW_CG_UNKNOWN. */
uint64_t hw_cg_key(const char *text, const char *key);

/* A resettable high-water mark of the group's charge, for per-phase peaks: v1
 * max_usage_in_bytes (one per group: the last reset wins), v2 memory.peak through an fd of
 * its own (Linux 6.12+: a write resets it for reads through that fd only; older v2 kernels
 * cannot reset, and hw_cg_peak_reset says so). */
struct hw_cg_peak {
    enum hw_cg_kind kind;
    int fd;
};
int hw_cg_peak_open(const struct hw_cgroup *cg, struct hw_cg_peak *p);
/* 0, or -errno (v2 before 6.12: -EINVAL or -EACCES; then the peak covers the whole run). */
int hw_cg_peak_reset(struct hw_cg_peak *p);
/* The high-water mark since the last reset, or HW_CG_UNKNOWN. */
uint64_t hw_cg_peak_read(struct hw_cg_peak *p);
void hw_cg_peak_close(struct hw_cg_peak *p);

/* The group's charge now, for the parent's sampler: an fd kept open on memory.current (v2) or
 * memory.usage_in_bytes (v1), read with pread. -1 when it cannot be opened. */
int hw_cg_current_open(const struct hw_cgroup *cg);
/* The number in the file at fd (read from offset 0), or HW_CG_UNKNOWN. */
uint64_t hw_cg_read_fd(int fd);

#endif
