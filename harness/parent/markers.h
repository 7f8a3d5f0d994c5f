/* exec's phase markers inside exec (the API tests use is in exec.h): the marker reader's
 * state, which exec's supervision loop points at the command while it is not reaped. */
#ifndef HW_MARKERS_H
#define HW_MARKERS_H
#include "lines.h"
#include <cjson/cJSON.h>
#include <sys/types.h>

#define MARKER_LINE_MAX 4096

/* Lines from the marker pipe through the supervisor's line reader (supervisor.h): a line
 * longer than MARKER_LINE_MAX is one warning and is skipped up to its newline. */
struct hw_marker_reader {
    struct hw_lines lines;
    struct hw_markers *m;
    cJSON *warnings;
    pid_t cmd;     /* for exact phase peaks; 0 once it has been reaped (its pid may be reused) */
    int resets;
};

/* A warning into the run's list, the first 100 only. */
void hw_exec_warn(cJSON *warnings, const char *w);
/* One marker line (a struct hw_marker_reader as arg), and a line over MARKER_LINE_MAX. */
void hw_marker_line(void *arg, const char *line, size_t len, double t);
void hw_marker_too_long(void *arg);

#endif
