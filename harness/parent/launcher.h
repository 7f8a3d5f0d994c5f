/* Workers are started by a launcher, a process forked once at the start while the parent is
 * still a few MiB. A forked child's ru_maxrss includes the RSS its parent had at fork time
 * (the kernel records the old mm's high-water mark at exec), and the parent grows with every
 * run it reports; the launcher never does, so a worker's ru_maxrss is its own.
 * The launcher forks and execs each worker, waits for it and hands back its rusage. */
#ifndef HW_LAUNCHER_H
#define HW_LAUNCHER_H
#include "config.h"
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

struct hw_launcher {
    pid_t pid;
    int sock;
};

/* 0, or -1 with err. self: the highwater binary the workers exec. */
int hw_launcher_start(struct hw_launcher *l, const char *self, char *err, size_t len);
/* A worker with spec on its fd 3 and events on its fd 4, in its own process group, its
 * allocator set by environment (alloc NULL: plain glibc, as the reference runs), in the
 * memory cgroup at cgroup_dir (NULL: none), joined between fork and exec (cgroup.h).
 * Returns its pid, or -1 with errno. */
pid_t hw_launcher_spawn(struct hw_launcher *l, const struct hw_allocator_cfg *alloc, const char *cgroup_dir,
                        int spec_fd, int event_fd);
/* The worker's end, as wait4 saw it. 0, or -1 (the launcher is gone). */
int hw_launcher_wait(struct hw_launcher *l, int *wstatus, struct rusage *ru);
/* The launcher's own RSS now, for the report (0 if unknown). */
uint64_t hw_launcher_rss(const struct hw_launcher *l);
void hw_launcher_stop(struct hw_launcher *l);

#endif
