/* The child side: one run (or the reference computation) per process. Reads its spec from
 * fd HW_SPEC_FD, reports events on fd HW_EVENT_FD, exits 0 (done) or 3 (error event sent). */
#ifndef HW_WORKER_H
#define HW_WORKER_H

#define HW_SPEC_FD  3
#define HW_EVENT_FD 4

int hw_worker_main(void);

#endif
