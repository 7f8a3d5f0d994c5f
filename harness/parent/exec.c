#include "exec.h"
#include "markers.h"
#include "clock.h"
#include "container.h"
#include "json.h"
#include "plot.h"
#include "procfs.h"
#include "report.h"
#include "schema_fields.h"
#include "atomic.h"
#include "size.h"
#include "supervisor.h"
#include "tree.h"
#include "tree_pss.h"
#include <ctype.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- the run ---- */

static double rusage_seconds(const struct timeval *tv) { return (double)tv->tv_sec + tv->tv_usec * 1e-6; }

static cJSON *exec_report(const struct hw_exec_opts *o)
{
    cJSON *r = hw_report_base(), *cmd;
    if (!r)
        return NULL;
    cJSON *cfg = cJSON_AddObjectToObject(r, HW_F_CONFIG);
    cJSON_AddStringToObject(cfg, HW_F_NAME, "exec");
    cmd = cJSON_AddArrayToObject(cfg, "command");
    for (int i = 0; i < o->argc; i++)
        cJSON_AddItemToArray(cmd, cJSON_CreateString(o->argv[i]));
    /* No table: a command has no dataset; ratios to an output are undefined (null). */
    cJSON *ds = cJSON_AddObjectToObject(r, HW_F_DATASET);
    cJSON_AddNumberToObject(ds, "rows", (double)o->rows);
    cJSON_AddNumberToObject(ds, "cols", 0);
    cJSON_AddArrayToObject(ds, "dtypes");
    cJSON_AddNumberToObject(ds, "source_bytes", 0);
    cJSON_AddNumberToObject(ds, HW_F_OUTPUT_BYTES, 0);
    cJSON_AddArrayToObject(r, HW_F_RUNS);
    cJSON_AddArrayToObject(r, HW_F_SUMMARY);
    return r;
}

/* The marker reader's view of the command: exact phase peaks only while it is not reaped. */
struct watch {
    struct hw_marker_reader *mr;
    const struct hw_sup *s;
};

static void watch_line(void *arg, const char *line, size_t len, double t)
{
    struct watch *w = arg;
    w->mr->cmd = w->s->reaped ? 0 : w->s->pid;
    hw_marker_line(w->mr, line, len, t);
}

static void watch_too_long(void *arg) { hw_marker_too_long(((struct watch *)arg)->mr); }

/* How the command ended, in the supervisor's vocabulary, with exec's words. */
static const char *exec_status(const struct hw_sup *s, const struct hw_run_group *g, uint64_t budget, char *reason,
                               size_t len)
{
    char b1[32], b2[32];
    enum hw_ending e = hw_sup_ending(s);
    reason[0] = '\0';
    /* The kernel may kill any process of the tree, not only the command: the group says. */
    if (e != HW_END_INTERRUPTED && g->on && g->end.oom_kill != HW_CG_UNKNOWN && g->end.oom_kill > 0) {
        snprintf(reason, len, "the kernel's OOM killer killed %llu process(es) of the tree %s",
                 (unsigned long long)g->end.oom_kill,
                 g->limit ? "at its container limit" : "(the machine ran out of memory; no container limit was set)");
        if (g->limit) {
            size_t n = strlen(reason);
            snprintf(reason + n, len - n, " %s", hw_fmt_bytes((double)g->limit, b1, sizeof b1));
        }
        return "oom_killed";
    }
    if (e == HW_END_INTERRUPTED)
        snprintf(reason, len, "interrupted by signal %d; the command's tree was killed", s->signal);
    else if (e == HW_END_OVER_LIMIT)
        snprintf(reason, len, "tree RSS %s passed the budget %s; the tree was killed",
                 hw_fmt_bytes((double)s->over_rss, b1, sizeof b1), hw_fmt_bytes((double)budget, b2, sizeof b2));
    else if (e == HW_END_SIGNALED)
        snprintf(reason, len, "the command was killed by signal %d (%s)", WTERMSIG(s->wstatus),
                 strsignal(WTERMSIG(s->wstatus)));
    /* Exited: whatever its code, the command ran; the code is in the report. */
    return hw_ending_status(e);
}

static cJSON *exec_phases(const struct hw_sup *s, struct hw_markers *marks, double t_end, cJSON *warnings)
{
    cJSON *mk = hw_markers_finish(marks, t_end, warnings), *p;
    cJSON *phases = cJSON_CreateArray();
    /* p is a marker (hw_markers_finish's own keys); the phase record is the schema's. */
    cJSON_ArrayForEach(p, mk) {
        double s0 = hw_jnum(p, "start_seconds"), s1 = hw_jnum(p, "end_seconds");
        struct hw_phase_fields f = {
            .name = hw_jstr(p, "name"), .depth = hw_jnum(p, "depth"), .start_seconds = s0,
            .wall_seconds = s1 - s0,
            /* From the decimated timeline: every bucket keeps its highest sample, so a phase's
             * peak survives however long the command runs (and the parent stays small). */
            .peak_rss_bytes = (double)hw_timeline_max_between(s->tl, s0, s1),
            .peak_method = "sampler (process tree, summed)",
            .closed_by_exit = cJSON_IsTrue(cJSON_GetObjectItem(p, "closed_by_exit")),
            /* The command's own process, exact (clear_refs + VmHWM), top-level phases only. */
            .command_peak_rss_bytes = hw_jnum(p, "exact_bytes"),
            .command_rss_start_bytes = hw_jnum(p, "rss_start_bytes"),
            .command_rss_end_bytes = hw_jnum(p, "rss_end_bytes"),
        };
        cJSON_AddItemToArray(phases, hw_schema_phase(&f));
    }
    cJSON_Delete(mk);
    return phases;
}

/* The tree's Pss beside its RSS sum (runs[].pss): the peak of the Pss reader's readings. */
static cJSON *exec_pss(const struct hw_sup *s)
{
    struct hw_tree_pss p;
    const char *why;
    char method[256];
    cJSON *o = cJSON_CreateObject();
    snprintf(method, sizeof method, "smaps_rollup summed over the tree by a reader thread held to %g%% of a core: "
             "the next reading %gx the last one's CPU time after its end, %g s after its start at the soonest",
             HW_PSS_SHARE * 100, (1 - HW_PSS_SHARE) / HW_PSS_SHARE, HW_PSS_MIN_GAP);
    cJSON_AddStringToObject(o, HW_F_METHOD, method);
    int rc = hw_tree_pss(s->tree, &p, &why);
    if (rc != 0 || p.readings == 0) {
        cJSON_AddNullToObject(o, HW_F_PEAK_BYTES);
        cJSON_AddStringToObject(o, HW_F_REASON, rc != 0 ? why : "no reading: the tree ended before the first one");
        return o;
    }
    cJSON_AddNumberToObject(o, HW_F_PEAK_BYTES, (double)p.peak_pss);
    cJSON_AddNumberToObject(o, HW_F_RSS_SUM_BYTES, (double)p.rss_at_peak);
    cJSON_AddNumberToObject(o, HW_F_PROCESSES, p.procs_at_peak);
    cJSON_AddNumberToObject(o, HW_F_AT_SECONDS, p.peak_at - s->t_start);
    cJSON_AddNumberToObject(o, HW_F_READINGS, p.readings);
    cJSON_AddNumberToObject(o, HW_F_MAX_INTERVAL_SECONDS, p.max_gap);
    cJSON_AddNumberToObject(o, HW_F_CPU_SECONDS, p.cpu_seconds);
    return o;
}

/* The one run of the report, through the same builder as `run`'s; warnings are taken over. */
static cJSON *exec_run(const struct hw_exec_opts *o, const struct hw_sup *s, const struct hw_run_group *group,
                       struct hw_marker_reader *mr, struct hw_markers *marks, const char *label, cJSON *warnings,
                       double sampler_cpu)
{
    cJSON *run = cJSON_CreateObject();
    char reason[512];
    double t_end = s->t_end - s->t_start;
    const char *base = strrchr(o->argv[0], '/');
    struct hw_run_job job = {
        .strategy = base ? base + 1 : o->argv[0], .label = label, .allocator = "native", .allocator_conf = "",
        .repeat = 1, .output_dtype = "none", .output_order = "none", .output_bytes = 0,
    };
    hw_schema_run_job(run, &job);
    struct hw_run_result res = {
        .status = exec_status(s, group, o->budget, reason, sizeof reason), .reason = reason, .measured = true,
        .has_exit_code = true, .exit_code = WIFEXITED(s->wstatus) ? WEXITSTATUS(s->wstatus) : NAN,
        .wall_seconds = t_end,
        .cpu_seconds = rusage_seconds(&s->ru.ru_utime) + rusage_seconds(&s->ru.ru_stime),
        .peak_rss_bytes = (double)s->tl->max.rss, .peak_ratio = NAN,
        .budget_bytes = o->budget ? (double)o->budget : NAN,
        .peak_method = "sampler (process tree, summed)", .tree_method = hw_tree_method(s->tree),
        .sampler_peak_bytes = NAN,
        .rusage = {&s->ru, mr->resets ? "the command's own process since its last phase reset (clear_refs)"
                                      : "the command's own process, whole run", false},
        .phases_last = true, .largest_process_rss_bytes = (double)s->largest, .warnings = warnings,
        .output = cJSON_CreateObject(),   /* nothing to check against a reference */
        .timeline = hw_timeline_json(s->tl, o->interval_ms ? (int)o->interval_ms : 1),
    };
    res.phases = exec_phases(s, marks, t_end, warnings);
    if (s->tl_cg && res.timeline)
        cJSON_AddItemToObject(res.timeline, HW_F_CGROUP, hw_timeline_series_json(s->tl_cg));
    bool completed = hw_sup_ending(s) == HW_END_EXITED;
    res.container = hw_run_group_json(group, hw_container_outcome(group, completed, group->end_peak), group->end_peak);
    hw_schema_run_result(run, &res);
    cJSON_AddItemToObject(run, HW_F_PSS, exec_pss(s));
    cJSON_AddNumberToObject(run, HW_F_SAMPLER_CPU_SECONDS, sampler_cpu);
    return run;
}

static void exec_print(const cJSON *run, const struct hw_sup *s, const char *label, const char *report_path)
{
    char b1[32], b2[32], code[16] = "-";
    const cJSON *p;
    if (WIFEXITED(s->wstatus))
        snprintf(code, sizeof code, "%d", WEXITSTATUS(s->wstatus));
    char cg[64] = "", pss[64] = "";
    double cgp = hw_jnum(cJSON_GetObjectItemCaseSensitive(run, HW_F_CONTAINER), HW_F_PEAK_BYTES);
    double pssp = hw_jnum(cJSON_GetObjectItemCaseSensitive(run, HW_F_PSS), HW_F_PEAK_BYTES);
    if (!isnan(cgp))
        snprintf(cg, sizeof cg, ", cgroup peak %s", hw_fmt_bytes(cgp, b1, sizeof b1));
    if (!isnan(pssp))
        snprintf(pss, sizeof pss, ", Pss %s", hw_fmt_bytes(pssp, b1, sizeof b1));
    printf("%s: %s, peak RSS of the tree %s (largest process %s)%s%s, %.2fs, exit code %s\n",
           label, hw_jstr(run, HW_F_STATUS), hw_fmt_bytes((double)s->tl->max.rss, b1, sizeof b1),
           hw_fmt_bytes((double)s->largest, b2, sizeof b2), pss, cg, s->t_end - s->t_start, code);
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(run, HW_F_PHASES))
        printf("  %*s%-24s %10s  %.2fs%s\n", 2 * (int)hw_jnum(p, HW_F_DEPTH), "", hw_jstr(p, HW_F_NAME),
               hw_fmt_bytes(hw_jnum(p, HW_F_PEAK_RSS_BYTES), b1, sizeof b1), hw_jnum(p, HW_F_WALL_SECONDS),
               cJSON_IsTrue(cJSON_GetObjectItem(p, HW_F_CLOSED_BY_EXIT)) ? " (never ended)" : "");
    printf("report: %s\n", report_path);
}

/* Follow the started command to its end, then write and print the report. The exit code. */
static int exec_finish(const struct hw_exec_opts *o, struct hw_sup *s, struct hw_run_group *group,
                       struct hw_markers *marks, struct hw_marker_reader *mr, cJSON **warnings,
                       const char *report_path)
{
    char err[PATH_MAX + 256], label[1024] = "";
    struct watch w = {mr, s};
    struct hw_sup_opts so = {.interval_ms = o->interval_ms ? (int)o->interval_ms : 1,
                             .limit = o->budget ? o->budget : UINT64_MAX, .line_max = MARKER_LINE_MAX,
                             .on_line = watch_line, .on_long_line = watch_too_long, .arg = &w};
    /* Sample until the command itself has exited; then what it left behind is killed. What
     * that cost us: our own CPU time over it, every thread (the Pss reader's too). */
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    hw_sup_follow(s, &so);
    getrusage(RUSAGE_SELF, &ru1);
    double sampler_cpu = rusage_seconds(&ru1.ru_utime) + rusage_seconds(&ru1.ru_stime) -
                         rusage_seconds(&ru0.ru_utime) - rusage_seconds(&ru0.ru_stime);
    struct hw_cg_stat cg_end;
    uint64_t cg_peak;
    if (hw_tree_cgroup_end(s->tree, &cg_end, &cg_peak) == 0)
        hw_run_group_end_with(group, &cg_end, cg_peak);
    mr->cmd = 0;
    if (s->end_err[0])
        hw_exec_warn(*warnings, s->end_err);
    if (s->drain_timed_out) {
        char m[160];
        snprintf(m, sizeof m, "the marker fd was still open %d ms after the command's tree was killed; "
                 "markers after that are lost", HW_SUP_DRAIN_MS);
        hw_exec_warn(*warnings, m);
    }
    size_t used = 0;
    for (int i = 0; i < o->argc && used < sizeof label; i++)
        used += (size_t)snprintf(label + used, sizeof label - used, "%s%s", i ? " " : "", o->argv[i]);
    cJSON *report = exec_report(o);
    if (!report) {
        fprintf(stderr, "highwater exec: out of memory building the report\n");
        return 3;
    }
    cJSON *run = exec_run(o, s, group, mr, marks, label, *warnings, sampler_cpu);
    *warnings = NULL;
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(report, HW_F_RUNS), run);
    hw_report_summarize(report);
    int rc = 3;
    if (hw_report_write(report, report_path, err, sizeof err) != 0) {
        fprintf(stderr, "highwater exec: %s\n", err);
        goto out;
    }
    bool html_failed = o->html[0] && hw_plot_write(report, o->html, err, sizeof err) != 0;
    if (html_failed)
        fprintf(stderr, "highwater exec: --html: %s\n", err);
    exec_print(run, s, label, report_path);
    enum hw_ending e = hw_sup_ending(s);
    bool oom = strcmp(hw_jstr(run, HW_F_STATUS), "oom_killed") == 0 && group->limit;
    rc = e == HW_END_INTERRUPTED ? 130 : e == HW_END_OVER_LIMIT || oom ? 1 : html_failed ? 3 : 0;
out:
    cJSON_Delete(report);
    return rc;
}

int hw_exec(const struct hw_exec_opts *o)
{
    int rc = 3;
    char err[PATH_MAX + 256], report_path[PATH_MAX];
    struct hw_markers *marks = hw_markers_new();
    struct hw_tree *tree = NULL;
    struct hw_sup s = {.pipe_fd = -1, .status_fd = -1, .cgroup_fd = -1};
    struct hw_sup_signals sig;
    cJSON *warnings = cJSON_CreateArray();
    struct hw_marker_reader *mr = hw_marker_reader_new(marks, warnings);
    bool bad_command;
    struct hw_run_group group = {0};
    if (!marks || !mr || !warnings)
        goto out;
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
    hw_sup_signals_catch(&sig);
    /* The tree's own memory cgroup is the container: its processes are what it charges. */
    hw_run_group_adopt(&group, hw_tree_cgroup(tree), o->container_limit, hw_tree_method(tree));
    if (o->container_limit && !group.on) {
        fprintf(stderr, "highwater exec: --container-limit: %s; run as root on a machine with a memory cgroup "
                "controller, or drop the flag\n", group.why);
        rc = 3;
        hw_sup_signals_restore(&sig);
        goto out;
    }
    if (hw_sup_start_command(&s, tree, o->argv, "HIGHWATER_PHASE_FD", &bad_command, err, sizeof err) != 0) {
        fprintf(stderr, "highwater exec: %s\n", err);
        rc = bad_command ? 2 : 3;
    } else {
        hw_sup_watch_cgroup(&s, hw_run_group_dir(&group));
        rc = exec_finish(o, &s, &group, marks, mr, &warnings, report_path);
    }
    hw_sup_signals_restore(&sig);
out:
    hw_run_group_end(&group);
    hw_sup_release(&s);
    hw_tree_free(tree);
    cJSON_Delete(warnings);
    hw_markers_free(marks);
    hw_marker_reader_free(mr);
    return rc;
}
