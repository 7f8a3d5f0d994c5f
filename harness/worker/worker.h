/* The child side: one run (or the reference computation) per process. Reads its spec from
 * fd HW_SPEC_FD, reports events on fd HW_EVENT_FD, exits 0 (done), 2 (a bad spec) or 3 (could
 * not run); an error event says why. */
#ifndef HW_WORKER_H
#define HW_WORKER_H

#define HW_SPEC_FD  3
#define HW_EVENT_FD 4

int hw_worker_main(void);

/* `highwater worker SPEC.json`: the spec from a file, events on stdout, whatever fds the
 * caller left open or closed (under /usr/bin/time -o FILE, fd 3 is time's). Exit code as
 * hw_worker_main's, or 2 when the file cannot be read. */
int hw_worker_standalone(const char *spec_path);

#endif
