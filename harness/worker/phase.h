/* Phase markers with exact peaks. begin: reset the kernel's high-water mark (clear_refs 5)
 * and jemalloc's thread.peak, note RSS, faults, time. end: read VmHWM (the exact peak of the
 * phase), RSS split, allocator stats, and send one phase event to the parent.
 * Phases do not nest: begin closes an open phase first, so consecutive phases tile the run
 * with no gap between them. */
#ifndef HW_PHASE_H
#define HW_PHASE_H
#include "run.h"

void hw_phase_begin(struct hw_run *run, const char *name);
void hw_phase_end(struct hw_run *run);

#endif
