#include "exec.h"
#include "clock.h"
#include "json.h"
#include "plot.h"
#include "procfs.h"
#include "report.h"
#include "atomic.h"
#include "sampler.h"
#include "size.h"
#include "tree.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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

#define MARKER_LINE_MAX 4096
#define MAX_WARNINGS 100

/* Lines from the marker pipe, each byte looked at once: a line longer than MARKER_LINE_MAX is
 * one warning and is skipped up to its newline, so a writer that never sends one costs the
 * parent this buffer, not its whole output. */
struct hw_marker_reader {
    char line[MARKER_LINE_MAX + 1];
    size_t len;
    bool skipping;
    struct hw_markers *m;
    cJSON *warnings;
    pid_t cmd;     /* for exact phase peaks; 0 once it has been reaped (its pid may be reused) */
    int resets;
};

static void warn(cJSON *warnings, const char *w)
{
    if (cJSON_GetArraySize(warnings) < MAX_WARNINGS)
        cJSON_AddItemToArray(warnings, cJSON_CreateString(w));
}

static void marker_line(struct hw_marker_reader *r, double t)
{
    char why[256];
    int before = r->m->depth;
    r->line[r->len] = '\0';
    if (memchr(r->line, '\0', r->len)) {
        warn(r->warnings, "marker line with a NUL byte ignored");
    } else {
        if (hw_markers_line(r->m, r->line, t, why, sizeof why) != 0)
            warn(r->warnings, why);
        if (r->cmd > 0)
            exact_marks(r->m, r->cmd, before, &r->resets);
    }
    r->len = 0;
}

static void marker_feed(struct hw_marker_reader *r, const char *p, size_t n, double t)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (!r->skipping && r->len + take > MARKER_LINE_MAX) {
            char w[128];
            snprintf(w, sizeof w, "marker line longer than %d bytes ignored, up to its newline", MARKER_LINE_MAX);
            warn(r->warnings, w);
            r->skipping = true;
            r->len = 0;
        }
        if (!r->skipping) {
            memcpy(r->line + r->len, p, take);
            r->len += take;
        }
        if (!nl)
            return;
        if (!r->skipping)
            marker_line(r, t);
        r->skipping = false;
        r->len = 0;
        p = nl + 1;
        n -= take + 1;
    }
}

struct hw_marker_reader *hw_marker_reader_new(struct hw_markers *m, cJSON *warnings)
{
    struct hw_marker_reader *r = calloc(1, sizeof *r);
    if (r) {
        r->m = m;
        r->warnings = warnings;
    }
    return r;
}

void hw_marker_reader_feed(struct hw_marker_reader *r, const char *p, size_t n, double t)
{
    marker_feed(r, p, n, t);
}

void hw_marker_reader_end(struct hw_marker_reader *r, double t)
{
    /* A last line without its newline still counts. */
    if (r->len > 0 && !r->skipping)
        marker_line(r, t);
    r->len = 0;
    r->skipping = false;
}

void hw_marker_reader_free(struct hw_marker_reader *r) { free(r); }

/* What the (non-blocking) pipe holds, up to max bytes so that sampling goes on under a flood.
 * 0, or -1 at EOF (every writer has closed it). */
static int marker_read(struct hw_marker_reader *r, int fd, size_t max, double t)
{
    char buf[65536];
    for (size_t got = 0; got < max;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            marker_feed(r, buf, (size_t)n, t);
            got += (size_t)n;
        } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
            hw_marker_reader_end(r, t);
            return -1;
        } else if (errno == EAGAIN) {
            return 0;
        }
    }
    return 0;
}

/* ---- the run ---- */

static volatile sig_atomic_t g_signal;
static void on_signal(int sig) { g_signal = sig; }

static double rusage_seconds(const struct timeval *tv) { return (double)tv->tv_sec + tv->tv_usec * 1e-6; }

static cJSON *exec_report(const struct hw_exec_opts *o)
{
    cJSON *r = hw_report_base(), *cmd;
    if (!r)
        return NULL;
    cJSON *cfg = cJSON_AddObjectToObject(r, "config");
    cJSON_AddStringToObject(cfg, "name", "exec");
    cmd = cJSON_AddArrayToObject(cfg, "command");
    for (int i = 0; i < o->argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(o->argv[i]));
    /* No table: a command has no dataset; ratios to an output are undefined (null). */
    cJSON *ds = cJSON_AddObjectToObject(r, "dataset");
    cJSON_AddNumberToObject(ds, "rows", (double)o->rows);   /* 0 unless --rows says */
    cJSON_AddNumberToObject(ds, "cols", 0);
    cJSON_AddArrayToObject(ds, "dtypes");
    cJSON_AddNumberToObject(ds, "source_bytes", 0);
    cJSON_AddNumberToObject(ds, "output_bytes", 0);
    cJSON_AddArrayToObject(r, "runs");
    cJSON_AddArrayToObject(r, "summary");
    return r;
}

/* Read the marker pipe to EOF after the tree is gone: what the command wrote just before it
 * exited is still in the pipe. Its writers are dead by now, so EOF is immediate unless the fd
 * went to a process outside the tree (passed over a socket): then a bounded wait. */
#define DRAIN_MS 1000

static void marker_drain(struct hw_marker_reader *r, int *fd, double t)
{
    double until = hw_now() + DRAIN_MS / 1000.0;
    while (*fd >= 0) {
        struct pollfd pfd = {.fd = *fd, .events = POLLIN};
        int left = (int)((until - hw_now()) * 1000.0);
        if (left <= 0 || poll(&pfd, 1, left) == 0) {
            char w[160];
            snprintf(w, sizeof w, "the marker fd was still open %d ms after the command's tree was killed; "
                     "markers after that are lost", DRAIN_MS);
            warn(r->warnings, w);
            break;
        }
        if (marker_read(r, *fd, SIZE_MAX, t) < 0) {
            close(*fd);
            *fd = -1;
        }
    }
}

/* What the forked command sends back when it cannot start. */
struct start_failure {
    int stage;   /* 0 joining the cgroup, 1 exec */
    int err;
};

int hw_exec(const struct hw_exec_opts *o)
{
    int rc = 3, phase_pipe[2] = {-1, -1}, status_pipe[2] = {-1, -1};
    char err[PATH_MAX + 256], report_path[PATH_MAX];
    struct hw_markers *marks = hw_markers_new();
    struct hw_timeline *tl = malloc(sizeof *tl);
    struct hw_tree *tree = NULL;
    cJSON *report = NULL, *warnings = cJSON_CreateArray();
    struct hw_marker_reader *mr = hw_marker_reader_new(marks, warnings);
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_hup;
    if (!marks || !tl || !mr || !warnings)
        goto out;
    hw_timeline_init(tl);
    if (hw_report_path(o->report, "exec", report_path, sizeof report_path, err, sizeof err) != 0 ||
        (o->html[0] && hw_path_check("--html", o->html, err, sizeof err) != 0)) {
        fprintf(stderr, "highwater exec: %s\n", err);
        rc = 2;
        goto out;
    }
    tree = hw_tree_new(err, sizeof err);
    if (!tree) {
        fprintf(stderr, "highwater exec: cannot watch the command's process tree: %s\n", err);
        goto out;
    }
    if (pipe2(phase_pipe, O_CLOEXEC) || pipe2(status_pipe, O_CLOEXEC) ||
        fcntl(phase_pipe[0], F_SETFL, O_NONBLOCK) != 0) {
        fprintf(stderr, "highwater exec: cannot create pipes: %s\n", strerror(errno));
        goto out;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sigaction(SIGHUP, &sa, &old_hup);
    fflush(NULL);
    pid_t parent = getpid();
    double t0 = hw_now();
    pid_t pid = fork();
    if (pid == 0) {
        struct start_failure f = {0, 0};
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        /* Before exec, so that everything the command starts is born in the group. */
        f.err = -hw_tree_join(tree);
        if (f.err == 0) {
            /* The marker fd is inherited by the command (not close-on-exec), at a fixed number. */
            int fd = fcntl(phase_pipe[1], F_DUPFD, 3);
            char fds[16];
            snprintf(fds, sizeof fds, "%d", fd);
            setenv("HIGHWATER_PHASE_FD", fds, 1);
            execvp(o->argv[0], o->argv);
            f = (struct start_failure){1, errno};
        }
        if (write(status_pipe[1], &f, sizeof f) < 0) {
        }
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "highwater exec: cannot fork: %s\n", strerror(errno));
        goto out_signals;
    }
    setpgid(pid, pid);
    hw_tree_started(tree, pid);
    close(phase_pipe[1]);
    close(status_pipe[1]);
    phase_pipe[1] = status_pipe[1] = -1;
    struct start_failure f;
    if (read(status_pipe[0], &f, sizeof f) == (ssize_t)sizeof f) {
        while (!hw_tree_reap(tree, NULL, NULL))
            poll(NULL, 0, 1);
        if (f.stage == 0) {
            fprintf(stderr, "highwater exec: cannot put the command into %s: %s\n", hw_tree_method(tree),
                    strerror(f.err));
        } else {
            fprintf(stderr, "highwater exec: cannot run '%s': %s; check the command and PATH\n", o->argv[0],
                    strerror(f.err));
            rc = 2;
        }
        goto out_signals;
    }

    /* Sample until the command itself has exited; then what it left behind is killed. */
    int wstatus = 0;
    struct rusage ru = {0};
    bool over = false, interrupted = false, reaped = false;
    uint64_t over_rss = 0, largest = 0;
    int interval = o->interval_ms ? (int)o->interval_ms : 1;
    mr->cmd = pid;
    while (!reaped) {
        struct pollfd pfd = {.fd = phase_pipe[0], .events = POLLIN};
        if (poll(&pfd, phase_pipe[0] >= 0 ? 1 : 0, interval) > 0 &&
            marker_read(mr, phase_pipe[0], 1u << 20, hw_now() - t0) < 0) {
            /* Every writer closed the fd: no more markers; the command goes on. */
            close(phase_pipe[0]);
            phase_pipe[0] = -1;
        }
        struct hw_tree_rss rs;
        hw_tree_sample(tree, &rs);
        if (rs.largest > largest)
            largest = rs.largest;
        double t = hw_now() - t0;
        struct hw_sample s = {t, rs.rss, rs.anon, rs.file};
        hw_timeline_add(tl, &s);
        if (o->budget && rs.rss > o->budget && !over) {
            over = true;
            over_rss = rs.rss;
            hw_tree_kill(tree);
        }
        if (g_signal && !interrupted) {
            interrupted = true;
            hw_tree_kill(tree);
        }
        reaped = hw_tree_reap(tree, &wstatus, &ru);
    }
    double t_end = hw_now() - t0;
    mr->cmd = 0;
    if (hw_tree_end(tree, err, sizeof err) != 0)
        warn(warnings, err);
    marker_drain(mr, &phase_pipe[0], t_end);

    report = exec_report(o);
    cJSON *run = cJSON_CreateObject();
    if (!report || !run) {
        cJSON_Delete(run);
        fprintf(stderr, "highwater exec: out of memory building the report\n");
        goto out_signals;
    }
    char label[1024] = "";
    size_t used = 0;
    for (int i = 0; i < o->argc && used < sizeof label; i++)
        used += (size_t)snprintf(label + used, sizeof label - used, "%s%s", i ? " " : "", o->argv[i]);
    const char *base = strrchr(o->argv[0], '/');
    cJSON_AddStringToObject(run, "strategy", base ? base + 1 : o->argv[0]);
    cJSON_AddStringToObject(run, "label", label);
    cJSON_AddStringToObject(run, "allocator", "native");
    cJSON_AddStringToObject(run, "allocator_conf", "");
    cJSON_AddNumberToObject(run, "repeat", 1);
    cJSON_AddStringToObject(run, "output_dtype", "none");
    cJSON_AddStringToObject(run, "output_order", "none");
    cJSON_AddNumberToObject(run, "output_bytes", 0);
    char reason[512] = "";
    const char *status = "ok";
    if (interrupted) {
        status = "failed";
        snprintf(reason, sizeof reason, "interrupted by signal %d; the command's tree was killed", (int)g_signal);
    } else if (over) {
        char b1[32], b2[32];
        status = "over_budget";
        snprintf(reason, sizeof reason, "tree RSS %s passed the budget %s; the tree was killed",
                 hw_fmt_bytes((double)over_rss, b1, sizeof b1), hw_fmt_bytes((double)o->budget, b2, sizeof b2));
    } else if (WIFSIGNALED(wstatus)) {
        status = "failed";
        snprintf(reason, sizeof reason, "the command was killed by signal %d (%s)", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)));
    }
    cJSON_AddStringToObject(run, "status", status);
    cJSON_AddStringToObject(run, "reason", reason);
    if (WIFEXITED(wstatus))
        cJSON_AddNumberToObject(run, "exit_code", WEXITSTATUS(wstatus));
    else
        cJSON_AddNullToObject(run, "exit_code");
    cJSON_AddNumberToObject(run, "wall_seconds", t_end);
    cJSON_AddNumberToObject(run, "cpu_seconds", rusage_seconds(&ru.ru_utime) + rusage_seconds(&ru.ru_stime));
    cJSON_AddNumberToObject(run, "peak_rss_bytes", (double)tl->max.rss);
    cJSON_AddNullToObject(run, "peak_ratio");
    cJSON_AddNullToObject(run, "expect_ratio");
    cJSON_AddNullToObject(run, "budget_ratio");
    if (o->budget)
        cJSON_AddNumberToObject(run, "budget_bytes", (double)o->budget);
    cJSON_AddStringToObject(run, "peak_method", "sampler (process tree, summed)");
    cJSON_AddStringToObject(run, "tree_method", hw_tree_method(tree));
    cJSON *rj = cJSON_AddObjectToObject(run, "rusage");
    cJSON_AddNumberToObject(rj, "maxrss_bytes", (double)ru.ru_maxrss * 1024.0);
    cJSON_AddStringToObject(rj, "maxrss_covers", mr->resets ? "the command's own process since its last phase reset (clear_refs)"
                                                         : "the command's own process, whole run");
    cJSON_AddNumberToObject(rj, "minflt", (double)ru.ru_minflt);
    cJSON_AddNumberToObject(rj, "majflt", (double)ru.ru_majflt);
    cJSON *mk = hw_markers_finish(marks, t_end, warnings), *p;
    cJSON *phases = cJSON_AddArrayToObject(run, "phases");
    cJSON_ArrayForEach(p, mk) {
        cJSON *ph = cJSON_CreateObject();
        double s0 = hw_jnum(p, "start_seconds"), s1 = hw_jnum(p, "end_seconds");
        cJSON_AddStringToObject(ph, "name", hw_jstr(p, "name"));
        cJSON_AddNumberToObject(ph, "depth", hw_jnum(p, "depth"));
        cJSON_AddNumberToObject(ph, "start_seconds", s0);
        cJSON_AddNumberToObject(ph, "wall_seconds", s1 - s0);
        /* From the decimated timeline: every bucket keeps its highest sample, so a phase's
         * peak survives however long the command runs (and the parent stays small). */
        cJSON_AddNumberToObject(ph, "peak_rss_bytes", (double)hw_timeline_max_between(tl, s0, s1));
        cJSON_AddStringToObject(ph, "peak_method", "sampler (process tree, summed)");
        cJSON_AddBoolToObject(ph, "closed_by_exit", cJSON_IsTrue(cJSON_GetObjectItem(p, "closed_by_exit")));
        /* The command's own process, exact (clear_refs + VmHWM), top-level phases only. */
        if (cJSON_HasObjectItem(p, "exact_bytes"))
            cJSON_AddNumberToObject(ph, "command_peak_rss_bytes", hw_jnum(p, "exact_bytes"));
        if (cJSON_HasObjectItem(p, "rss_start_bytes"))
            cJSON_AddNumberToObject(ph, "command_rss_start_bytes", hw_jnum(p, "rss_start_bytes"));
        if (cJSON_HasObjectItem(p, "rss_end_bytes"))
            cJSON_AddNumberToObject(ph, "command_rss_end_bytes", hw_jnum(p, "rss_end_bytes"));
        cJSON_AddItemToArray(phases, ph);
    }
    cJSON_Delete(mk);
    cJSON_AddNumberToObject(run, "largest_process_rss_bytes", (double)largest);
    cJSON_AddItemToObject(run, "warnings", warnings);
    warnings = NULL;
    cJSON_AddObjectToObject(run, "output");   /* nothing to check against a reference */
    cJSON_AddItemToObject(run, "timeline", hw_timeline_json(tl, interval));
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(report, "runs"), run);
    hw_report_summarize(report);
    if (hw_report_write(report, report_path, err, sizeof err) != 0) {
        fprintf(stderr, "highwater exec: %s\n", err);
        goto out_signals;
    }
    bool html_failed = o->html[0] && hw_plot_write(report, o->html, err, sizeof err) != 0;
    if (html_failed)
        fprintf(stderr, "highwater exec: --html: %s\n", err);
    char b1[32], b2[32], code[16] = "-";
    if (WIFEXITED(wstatus))
        snprintf(code, sizeof code, "%d", WEXITSTATUS(wstatus));
    printf("%s: %s, peak RSS of the tree %s (largest process %s), %.2fs, exit code %s\n",
           label, status, hw_fmt_bytes((double)tl->max.rss, b1, sizeof b1),
           hw_fmt_bytes((double)largest, b2, sizeof b2), t_end, code);
    cJSON_ArrayForEach(p, phases)
        printf("  %*s%-24s %10s  %.2fs%s\n", 2 * (int)hw_jnum(p, "depth"), "", hw_jstr(p, "name"),
               hw_fmt_bytes(hw_jnum(p, "peak_rss_bytes"), b1, sizeof b1), hw_jnum(p, "wall_seconds"),
               cJSON_IsTrue(cJSON_GetObjectItem(p, "closed_by_exit")) ? " (never ended)" : "");
    printf("report: %s\n", report_path);
    rc = interrupted ? 130 : over ? 1 : html_failed ? 3 : 0;
out_signals:
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGHUP, &old_hup, NULL);
out:
    for (int i = 0; i < 2; i++) {
        if (phase_pipe[i] >= 0)
            close(phase_pipe[i]);
        if (status_pipe[i] >= 0)
            close(status_pipe[i]);
    }
    hw_tree_free(tree);
    cJSON_Delete(warnings);
    cJSON_Delete(report);
    hw_markers_free(marks);
    free(tl);
    hw_marker_reader_free(mr);
    return rc;
}
