/* One clock for parent and worker: CLOCK_MONOTONIC is shared across processes, so the
 * worker's phase times and the parent's samples sit on one time line. */
#ifndef HW_CLOCK_H
#define HW_CLOCK_H

double hw_now(void);   /* seconds */

#endif
