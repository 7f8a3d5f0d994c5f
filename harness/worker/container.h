/* The worker's side of the container view: the memory cgroup the launcher put it in
 * (HW_RUN_CGROUP), its peak reset and read at every phase boundary beside VmHWM, and what it
 * holds at each phase end (anon, file, dirty, writeback, shmem, kernel), for the phase event. */
#ifndef HW_CONTAINER_H
#define HW_CONTAINER_H
#include "cgroup.h"
#include <cjson/cJSON.h>
#include <stdbool.h>

struct hw_container {
    bool on;                       /* in a group of its own, its peak readable */
    bool resettable;               /* the peak resets per phase (v1; v2 from Linux 6.12) */
    struct hw_cgroup cg;
    struct hw_cg_peak peak;
    char why[256];                 /* why not on */
};

/* From the environment the launcher set. Never fails: off, with why. */
void hw_container_open(struct hw_container *c);
/* At a phase boundary: the peak since the last reset and what the group holds now, then
 * (reset) the peak reset. Cheap: three small reads and a write. */
struct hw_container_mark {
    uint64_t peak;
    struct hw_cg_stat st;
};
void hw_container_cross(struct hw_container *c, struct hw_container_mark *m, bool reset);
/* The phase's container object: {peak_bytes, anon_end_bytes, ...}, a figure the interface
 * does not give as null. NULL when off. */
cJSON *hw_container_phase_json(const struct hw_container *c, const struct hw_container_mark *m);
void hw_container_close(struct hw_container *c);

#endif
