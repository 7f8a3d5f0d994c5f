/* `highwater exec -- CMD ARGS...`: measure any program. The command runs as a child in its
 * own process group; the parent samples the RSS of its whole process tree (every descendant,
 * summed, and the largest single process), reads phase markers the program writes to the fd
 * in HIGHWATER_PHASE_FD ("begin NAME" / "end NAME", nesting allowed), and writes a
 * highwater.report/1 report with one run, usable by gate, compare and plot. The tree (tree.h)
 * is whatever the command starts, however it detaches, and is killed when the command exits.
 * Marker lines are capped at 4096 bytes; the pipe is read to EOF once the tree is gone. */
#ifndef HW_EXEC_H
#define HW_EXEC_H
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct hw_exec_opts {
    char report[PATH_MAX];   /* -o; "" = results/runs/exec-<time>.json */
    char html[PATH_MAX];
    uint64_t budget;         /* bytes; 0 = none: kill the tree when its RSS passes it */
    uint64_t container_limit;   /* bytes; 0 = none: the command's memory cgroup limit */
    uint64_t interval_ms;    /* sampling interval, default 1 */
    uint64_t rows;           /* --rows: the size the command worked on, so plan --from can fit */
    int argc;                /* the command */
    char **argv;
};

/* Exit code: the gate's vocabulary: 0 the command ran (its own exit code is in the report),
 * 1 over budget (or OOM-killed under --container-limit), 2 bad usage or a command that cannot
 * be started, 3, 130 interrupted. */
int hw_exec(const struct hw_exec_opts *o);

/* Phase markers, for tests: feed one line; returns 0, or -1 with a warning in why. */
struct hw_markers;
struct hw_markers *hw_markers_new(void);
int hw_markers_line(struct hw_markers *m, const char *line, double t, char *why, size_t len);
/* Close what is still open at t (each with a warning); the phases as JSON, in start order:
 * [{name, depth, start_seconds, end_seconds, closed_by_exit}]. */
struct cJSON *hw_markers_finish(struct hw_markers *m, double t, struct cJSON *warnings);
void hw_markers_free(struct hw_markers *m);

/* The marker fd's bytes as exec reads them, in reads of any size: lines split at '\n', a
 * line over 4096 bytes or with a NUL one warning (skipped to its newline), every other line
 * through hw_markers_line, its warnings appended to warnings. */
struct hw_marker_reader;
struct hw_marker_reader *hw_marker_reader_new(struct hw_markers *m, struct cJSON *warnings);
void hw_marker_reader_feed(struct hw_marker_reader *r, const char *p, size_t n, double t);
/* EOF: a last line without its newline still counts. */
void hw_marker_reader_end(struct hw_marker_reader *r, double t);
void hw_marker_reader_free(struct hw_marker_reader *r);

#endif
