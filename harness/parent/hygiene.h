/* Fork hygiene, in a forked child before it execs: shared by the launcher's workers and
 * `exec`'s command (supervisor.h), which the launcher cannot include without a circle. */
#ifndef HW_HYGIENE_H
#define HW_HYGIENE_H
#include <sys/types.h>

/* Its own process group (a terminal's Ctrl-C reaches the parent only, which then kills the
 * whole group and still cleans up and writes the report); death with parent
 * (PR_SET_PDEATHSIG: a CI timeout's SIGKILL of the parent takes the child too), _exit(127) if
 * parent is already gone; default dispositions and an unblocked mask for the signals the
 * parent catches. */
void hw_child_setup(pid_t parent);

#endif
