/* Lines from a child's pipe, each byte looked at once: the supervisor's (a worker's events)
 * and exec's (the phase markers, parent/exec.c), split however the bytes arrive. */
#ifndef HW_LINES_H
#define HW_LINES_H
#include <stdbool.h>
#include <stddef.h>

/* A line longer than max is dropped up to its newline (on_long, once), so a writer that never
 * sends one costs the parent max bytes, not its whole output. */
struct hw_lines {
    char *buf;
    size_t len, cap, max;
    bool skipping;
    void (*on_line)(void *arg, const char *line, size_t len, double t);
    void (*on_long)(void *arg);
    void *arg;
};
void hw_lines_init(struct hw_lines *l, size_t max, void (*on_line)(void *, const char *, size_t, double),
                   void (*on_long)(void *), void *arg);
/* Bytes read at t: every complete line to on_line, NUL-terminated (it may hold NUL bytes). */
void hw_lines_feed(struct hw_lines *l, const char *p, size_t n, double t);
/* EOF: a last line without its newline still counts. */
void hw_lines_end(struct hw_lines *l, double t);
void hw_lines_release(struct hw_lines *l);

#endif
