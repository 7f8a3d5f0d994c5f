/* exec's phase markers (exec.h): the lines a command writes to HIGHWATER_PHASE_FD, read into
 * nested phases, and the exact peak of the command's own process over each top-level phase. */
#include "exec.h"
#include "markers.h"
#include "procfs.h"
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PHASES 1024
#define MAX_DEPTH 64

/* ---- phase markers ---- */

struct mphase {
    char name[128];
    int depth;
    double start, end;
    bool open, by_exit;
    double exact;            /* the command's own VmHWM over the phase (top level), or NaN */
    double rss_start;        /* the command's own VmRSS when the begin marker was read, or NaN */
    double rss_end;          /* its VmRSS when the end marker was read (top-level phases), or NaN */
};

struct hw_markers {
    struct mphase p[MAX_PHASES];
    int n;
    int stack[MAX_DEPTH];
    int depth;
};

struct hw_markers *hw_markers_new(void) { return calloc(1, sizeof(struct hw_markers)); }
void hw_markers_free(struct hw_markers *m) { free(m); }

/* "begin NAME" / "end NAME"; NAME is printable, no spaces at its ends, < 128 bytes. */
int hw_markers_line(struct hw_markers *m, const char *line, double t, char *why, size_t len)
{
    const char *name;
    bool begin = strncmp(line, "begin ", 6) == 0, end = strncmp(line, "end ", 4) == 0;
    if (!begin && !end) {
        snprintf(why, len, "malformed marker '%.60s': expected 'begin NAME' or 'end NAME'", line);
        return -1;
    }
    name = line + (begin ? 6 : 4);
    size_t n = strlen(name);
    bool printable = n > 0 && n < sizeof m->p[0].name && !isspace((unsigned char)name[0]) &&
                     !isspace((unsigned char)name[n - 1]);
    for (size_t i = 0; printable && i < n; i++)
        printable = isprint((unsigned char)name[i]);
    if (!printable) {
        snprintf(why, len, "malformed marker '%.60s': the name must be 1-127 printable characters", line);
        return -1;
    }
    if (begin) {
        if (m->n == MAX_PHASES || m->depth == MAX_DEPTH) {
            snprintf(why, len, "marker 'begin %.60s' ignored: more than %d phases or %d levels", name,
                     MAX_PHASES, MAX_DEPTH);
            return -1;
        }
        struct mphase *p = &m->p[m->n];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->depth = m->depth;
        p->start = t;
        p->open = true;
        p->exact = NAN;
        p->rss_start = NAN;
        p->rss_end = NAN;
        m->stack[m->depth++] = m->n++;
        return 0;
    }
    /* end: the innermost open phase of that name; phases opened inside it close with it. */
    for (int d = m->depth - 1; d >= 0; d--) {
        struct mphase *p = &m->p[m->stack[d]];
        if (strcmp(p->name, name) != 0)
            continue;
        for (int k = m->depth - 1; k >= d; k--) {
            m->p[m->stack[k]].end = t;
            m->p[m->stack[k]].open = false;
        }
        bool inner = d < m->depth - 1;
        m->depth = d;
        if (inner) {
            snprintf(why, len, "'end %.60s' also closed the phases still open inside it", name);
            return -1;
        }
        return 0;
    }
    snprintf(why, len, "'end %.60s' has no open phase of that name; ignored", name);
    return -1;
}

cJSON *hw_markers_finish(struct hw_markers *m, double t, cJSON *warnings)
{
    cJSON *arr = cJSON_CreateArray();
    for (int d = m->depth - 1; d >= 0; d--) {
        struct mphase *p = &m->p[m->stack[d]];
        char w[256];
        p->end = t;
        p->open = false;
        p->by_exit = true;
        snprintf(w, sizeof w, "phase '%s' was never ended; closed when the command exited", p->name);
        if (warnings)
            cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
    }
    m->depth = 0;
    for (int i = 0; i < m->n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", m->p[i].name);
        cJSON_AddNumberToObject(o, "depth", m->p[i].depth);
        cJSON_AddNumberToObject(o, "start_seconds", m->p[i].start);
        cJSON_AddNumberToObject(o, "end_seconds", m->p[i].end);
        cJSON_AddBoolToObject(o, "closed_by_exit", m->p[i].by_exit);
        if (!isnan(m->p[i].exact))
            cJSON_AddNumberToObject(o, "exact_bytes", m->p[i].exact);
        if (!isnan(m->p[i].rss_start))
            cJSON_AddNumberToObject(o, "rss_start_bytes", m->p[i].rss_start);
        if (!isnan(m->p[i].rss_end))
            cJSON_AddNumberToObject(o, "rss_end_bytes", m->p[i].rss_end);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* The command's own process gets exact top-level phase peaks, as workers do: VmHWM reset
 * (clear_refs 5) when a top-level phase begins, read when it ends. Only that process: its
 * children have their own mm. The reset happens when the marker is read, within one sampling
 * interval of the write; memory taken in between is still counted (the reset sets the mark to
 * the RSS of that moment). */
static void exact_marks(struct hw_markers *m, pid_t pid, int before, int *resets)
{
    char path[64];
    if (before == 0 && m->depth == 1) {
        /* Where the phase starts from, before the reset: a twin's increment over its loaded
         * source is a phase's peak minus the first phase's start (highwater fidelity). */
        struct hw_status st;
        if (hw_status_read(pid, &st) == 0)
            m->p[m->n - 1].rss_start = (double)st.vm_rss;
        snprintf(path, sizeof path, "/proc/%d/clear_refs", (int)pid);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (write(fd, "5", 1) == 1)
                (*resets)++;
            close(fd);
        }
    } else if (before > 0 && m->depth == 0 && *resets > 0) {
        struct hw_status st;
        for (int i = m->n - 1; i >= 0; i--)
            if (m->p[i].depth == 0) {
                if (hw_status_read(pid, &st) == 0) {
                    m->p[i].exact = (double)st.vm_hwm;
                    m->p[i].rss_end = (double)st.vm_rss;   /* what the phase left behind */
                }
                break;
            }
    }
}

/* ---- the marker fd ---- */

#define MAX_WARNINGS 100

void hw_exec_warn(cJSON *warnings, const char *w)
{
    if (cJSON_GetArraySize(warnings) < MAX_WARNINGS)
        cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
}

void hw_marker_line(void *arg, const char *line, size_t len, double t)
{
    struct hw_marker_reader *r = arg;
    char why[256];
    int before = r->m->depth;
    if (memchr(line, '\0', len)) {
        hw_exec_warn(r->warnings, "marker line with a NUL byte ignored");
        return;
    }
    if (hw_markers_line(r->m, line, t, why, sizeof why) != 0)
        hw_exec_warn(r->warnings, why);
    if (r->cmd > 0)
        exact_marks(r->m, r->cmd, before, &r->resets);
}

void hw_marker_too_long(void *arg)
{
    struct hw_marker_reader *r = arg;
    char w[128];
    snprintf(w, sizeof w, "marker line longer than %d bytes ignored, up to its newline", MARKER_LINE_MAX);
    hw_exec_warn(r->warnings, w);
}

struct hw_marker_reader *hw_marker_reader_new(struct hw_markers *m, cJSON *warnings)
{
    struct hw_marker_reader *r = calloc(1, sizeof *r);
    if (r) {
        hw_lines_init(&r->lines, MARKER_LINE_MAX, hw_marker_line, hw_marker_too_long, r);
        r->m = m;
        r->warnings = warnings;
    }
    return r;
}

void hw_marker_reader_feed(struct hw_marker_reader *r, const char *p, size_t n, double t)
{
    hw_lines_feed(&r->lines, p, n, t);
}

void hw_marker_reader_end(struct hw_marker_reader *r, double t) { hw_lines_end(&r->lines, t); }

void hw_marker_reader_free(struct hw_marker_reader *r)
{
    if (r)
        hw_lines_release(&r->lines);
    free(r);
}
