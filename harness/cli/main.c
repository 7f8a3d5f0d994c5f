/* highwater: measure the real peak memory of ways to turn a big columnar table into a dense
 * matrix. Subcommands dispatch here; each lives in its own module. */
#include "allocator.h"
#include "calibrate.h"
#include "cli.h"
#include "exec.h"
#include "export.h"
#include "fidelity.h"
#include "config.h"
#include "plan.h"
#include "plan_cmd.h"
#include "plot.h"
#include "report.h"
#include "compare.h"
#include "gate_views.h"
#include "json.h"
#include "merge.h"
#include "runner.h"
#include "slots.h"
#include "size.h"
#include "strategy.h"
#include "version.h"
#include "worker.h"
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

/* One row: the flag, its short name (or 0), its value's name for help (NULL: a switch), then
 * its struct hw_option: key, type, offset, default, min, max, choices, help. */
#define FLAG(name, short_name, arg, ...) {name, short_name, arg, {__VA_ARGS__}, NULL, false, NULL}

/* The flags several commands take, declared once (name, type, range): each command's table
 * refers to one with its own field, and with its own words where they differ. */
static const struct hw_flag output_flag = FLAG("--output", 'o', "FILE", "output", HW_OPT_STRING, 0, NULL, 0, 0,
    NULL, "where to write");
static const struct hw_flag rows_flag = FLAG("--rows", 0, "N", "rows", HW_OPT_COUNT, 0, NULL, 1, 1e12, NULL,
    "override dataset.rows (70M, 250k, ...)");
static const struct hw_flag strategies_flag = FLAG("--strategies", 0, "a,b", "strategies", HW_OPT_STRING, 0, NULL,
    0, 0, NULL, "run only these strategies (names or labels from the config)");
/* Its help and fidelity's default name the registry's allocators: main fills them in first. */
static char allocators_help[256], twin_allocators[128];
static const struct hw_flag allocators_flag = FLAG("--allocators", 0, "a,b", "allocators", HW_OPT_STRING, 0, NULL,
    0, 0, NULL, allocators_help);
static const struct hw_flag html_flag = FLAG("--html", 0, "REPORT.html", "html", HW_OPT_STRING, 0, NULL, 0, 0,
    NULL, "also write the report as an HTML page");
static const struct hw_flag find_limit_flag = FLAG("--find-limit", 0, NULL, "find-limit", HW_OPT_BOOL, 0, NULL, 0, 0,
    NULL, "then bisect each run's smallest memory cgroup limit that still gives the reference's output");
static const struct hw_flag verbose_flag = FLAG("--verbose", 'v', NULL, "verbose", HW_OPT_BOOL, 0, NULL, 0, 0,
    NULL, "progress on stderr even when it is not a terminal");

/* A shared row in the table of an options struct type, stored at its field; the rest are
 * overrides: .arg = "PLAN.json", .opt.help = "...", .opt.def = "...", .required = true. */
#define LIKE(shared, type, field, ...) {.like = &(shared), .opt.offset = offsetof(type, field), __VA_ARGS__}
#define SHARED(shared, type, field) {.like = &(shared), .opt.offset = offsetof(type, field)}

static const struct hw_flag run_flags[] = {
    LIKE(output_flag, struct hw_run_opts, report, .arg = "REPORT.json",
         .opt.help = "write the report here (default results/runs/<experiment>-<time>.json)"),
    SHARED(strategies_flag, struct hw_run_opts, strategies),
    SHARED(allocators_flag, struct hw_run_opts, allocators),
    SHARED(rows_flag, struct hw_run_opts, rows),
    FLAG("--repeat", 0, "K", "repeat", HW_OPT_UINT, offsetof(struct hw_run_opts, repeat), NULL, 1, 1000, NULL,
     "override run.repeat"),
    FLAG("--no-phase-reset", 0, NULL, "no-phase-reset", HW_OPT_BOOL, offsetof(struct hw_run_opts, no_phase_reset), NULL, 0, 0, NULL,
     "no clear_refs: one whole-run peak, comparable with ru_maxrss and /usr/bin/time"),
    LIKE(html_flag, struct hw_run_opts, html,
         .opt.help = "also write the report as one self-contained HTML page (charts, no network)"),
    FLAG("--plan", 0, "PLAN.json", "plan", HW_OPT_STRING, offsetof(struct hw_run_opts, plan), NULL, 0, 0, NULL,
     "pre-flight: skip runs whose peak this plan (highwater plan -o) predicts above the limit"),
    FLAG("--fidelity", 0, "FIDELITY.json", "fidelity", HW_OPT_STRING, offsetof(struct hw_run_opts, fidelity), NULL, 0, 0, NULL,
     "a highwater fidelity report of this dtype mix: each run and the lessons say how far its model is from the real library"),
    FLAG("--dry-run", 'n', NULL, "dry-run", HW_OPT_BOOL, offsetof(struct hw_run_opts, dry_run), NULL, 0, 0, NULL,
     "print every run with its predicted peak and pre-flight verdict, and run nothing"),
    FLAG("--no-timeline", 0, NULL, "no-timeline", HW_OPT_BOOL, offsetof(struct hw_run_opts, no_timeline), NULL, 0, 0, NULL,
     "leave the RSS timelines out of the report (a small file, e.g. a baseline)"),
    SHARED(find_limit_flag, struct hw_run_opts, find_limit),
    SHARED(verbose_flag, struct hw_run_opts, verbose),
    FLAG("--shard", 0, "K/N", "shard", HW_OPT_STRING, offsetof(struct hw_run_opts, shard), NULL, 0, 0, NULL,
     "run only the K-th of N slices of the job list (balanced by predicted peak, the same on any machine)"),
    FLAG("--shard-memory", 0, NULL, "shard-memory", HW_OPT_BOOL, offsetof(struct hw_run_opts, shard_memory), NULL, 0, 0,
     NULL, "print the shard's predicted step peak in bytes (its largest run or helper worker, plus highwater's own "
     "processes), for sbatch --mem or a pod's memory request, and run nothing"),
    FLAG("--jobs", 'j', "N", "jobs", HW_OPT_UINT, offsetof(struct hw_run_opts, jobs), NULL, 1, HW_SLOTS_MAX, NULL,
     "run up to N workers at once, while their predicted peaks fit the limit (default: one per CPU this process "
     "may use); peaks are each worker's own, walls beside another are marked contended"),
    FLAG("--recalibrate", 0, NULL, "recalibrate", HW_OPT_BOOL, offsetof(struct hw_run_opts, recalibrate), NULL, 0, 0,
     NULL, "measure this machine's rates again instead of taking them from the cache, and rewrite it"),
    {0},
};

static int cmd_run(void *opts, const struct hw_args *a)
{
    struct hw_run_opts *o = opts;
    snprintf(o->config, sizeof o->config, "%s", a->v[0]);
    return hw_runner(o);
}

static int cmd_spec(void *opts, const struct hw_args *a)
{
    struct hw_run_opts *o = opts;
    snprintf(o->config, sizeof o->config, "%s", a->v[0]);
    return hw_runner_spec(o);
}

static const struct hw_flag gate_flags[] = {
    {.name = "--baseline", .short_name = 'b', .arg = "BASE.json", .required = true,
     .opt = {"baseline", HW_OPT_STRING, offsetof(struct hw_gate_opts, baseline), NULL, 0, 0, NULL,
             "the report to compare against (required), e.g. results/baselines/ci.json"}},
    /* Measured here over 20 runs of ci.yaml (README, "CI gate"): peaks spread by at most
     * 0.35% (runs >= 100 MiB) and 1.0 MiB; 1% + 2 MiB is three times that, and still catches
     * a 5% regression of any run above 60 MiB. */
    FLAG("--tolerance", 0, "P%", "tolerance", HW_OPT_PERCENT, offsetof(struct hw_gate_opts, tolerance), "1%", 0, 1, NULL,
     "fail past baseline x (1 + P) + slack; the default is 3x the noise measured here"),
    FLAG("--slack", 0, "BYTES", "slack", HW_OPT_BYTES, offsetof(struct hw_gate_opts, slack), "2MiB", 0, 0, NULL,
     "absolute allowance on top; the default is 3x the noise measured here"),
    FLAG("--junit", 0, "FILE", "junit", HW_OPT_STRING, offsetof(struct hw_gate_opts, junit), NULL, 0, 0, NULL,
     "also write JUnit XML (one testcase per compared run)"),
    FLAG("--markdown", 0, "FILE", "markdown", HW_OPT_STRING, offsetof(struct hw_gate_opts, markdown), NULL, 0, 0, NULL,
     "also write a Markdown summary (pull-request comment, job summary)"),
    FLAG("--allow-missing", 0, NULL, "allow-missing", HW_OPT_BOOL, offsetof(struct hw_gate_opts, allow_missing), NULL, 0, 0, NULL,
     "a baseline run missing from the report is skipped, not a failure"),
    FLAG("--allow-shape-change", 0, NULL, "allow-shape-change", HW_OPT_BOOL, offsetof(struct hw_gate_opts, allow_shape_change), NULL, 0, 0, NULL,
     "compare reports of different dataset shape or output dtype/order"),
    {0},
};

static int cmd_gate(void *opts, const struct hw_args *a)
{
    struct hw_gate_opts *o = opts;
    snprintf(o->report, sizeof o->report, "%s", a->v[0]);
    return hw_gate(o);
}

/* One worker by hand: the spec from `highwater spec`, events as JSON lines on stdout. The
 * allocator is the caller's to set (LD_PRELOAD=libjemalloc.so.2 for a jemalloc spec). */
static int cmd_worker(void *opts, const struct hw_args *a)
{
    (void)opts;
    return hw_worker_standalone(a->v[0]);
}

struct calibrate_opts { uint64_t bytes; bool json; };
static const struct hw_flag calibrate_flags[] = {
    FLAG("--bytes", 0, "SIZE", "bytes", HW_OPT_BYTES, offsetof(struct calibrate_opts, bytes), "256MiB", 4194304, 1e15, NULL,
     "buffer size; the default is past the caches and glibc's non-temporal memcpy threshold"),
    FLAG("--json", 0, NULL, "json", HW_OPT_BOOL, offsetof(struct calibrate_opts, json), NULL, 0, 0, NULL,
     "print the figures as JSON"),
    {0},
};

/* Run in a process of its own when measuring for a report; here, the command itself. */
static int cmd_calibrate(void *opts, const struct hw_args *a)
{
    const struct calibrate_opts *o = opts;
    struct hw_calibration cal;
    char err[512];
    (void)a;
    if (hw_calibrate(o->bytes, &cal, err, sizeof err) != 0) {
        fprintf(stderr, "highwater calibrate: %s\n", err);
        return 3;
    }
    if (o->json) {
        cJSON *j = hw_calibration_json(&cal);
        char *s = j ? cJSON_Print(j) : NULL;
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(j);
        return s ? 0 : 3;
    }
    hw_calibration_print(&cal, stdout);
    return 0;
}

struct plot_opts { char out[4096]; };
static const struct hw_flag plot_flags[] = {
    LIKE(output_flag, struct plot_opts, out, .arg = "OUT.html|OUT.svg", .required = true,
         .opt.help = "where to write: OUT.html the page, OUT.svg the summary chart alone (a report's)"),
    {0},
};

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static int cmd_plot(void *opts, const struct hw_args *a)
{
    const struct plot_opts *o = opts;
    char err[8192];
    int rc;
    /* The suffix picks what is written: never HTML under a name that promises a PNG. */
    bool svg = has_suffix(o->out, ".svg");
    if (!svg && !has_suffix(o->out, ".html")) {
        fprintf(stderr, "highwater plot: %s: plot writes .html (the page) or .svg (the summary chart); "
                        "name the output OUT.html or OUT.svg\n", o->out);
        return 2;
    }
    cJSON *report = NULL;
    /* A report, or a plan (its chart of points and fitted lines). */
    if (hw_json_load(a->v[0], NULL, &report, err, sizeof err) != 0) {
        fprintf(stderr, "highwater plot: %s\n", err);
        return 2;
    }
    if (svg && strcmp(hw_jstr(report, "schema"), HW_PLAN_SCHEMA) == 0) {
        fprintf(stderr, "highwater plot: %s: a plan plots as an HTML page only; name the output OUT.html\n", o->out);
        cJSON_Delete(report);
        return 2;
    }
    rc = hw_plot_write(report, o->out, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "highwater plot: %s\n", err);
    else
        printf("wrote %s\n", o->out);
    cJSON_Delete(report);
    return rc;
}

static const struct hw_flag plan_flags[] = {
    LIKE(rows_flag, struct hw_plan_opts, rows, .required = true,
         .missing = "the target row count is required, e.g. --rows 70M",
         .opt.help = "the target row count to predict, e.g. 70M (required)"),
    {.name = "--fit", .short_name = 0, .arg = "a,b,c", .opt = {"fit", HW_OPT_STRING, offsetof(struct hw_plan_opts, fit), NULL, 0, 0, NULL,
     "row counts to run and fit (default 250k,500k,1M,2M; past jemalloc's 8 MiB column crossing when the target is)"}},
    {.name = "--machine", .short_name = 0, .arg = "a,b", .opt = {"machine", HW_OPT_STRING, offsetof(struct hw_plan_opts, machine), NULL, 0, 0, NULL,
     "machine memory sizes to check (default 32GiB,64GiB,128GiB)"}},
    FLAG("--headroom", 0, "P%", "headroom", HW_OPT_PERCENT, offsetof(struct hw_plan_opts, headroom), "10%", 0, 1, NULL,
     "a machine fits when the predicted peak x (1 + P) fits"),
    LIKE(output_flag, struct hw_plan_opts, out, .arg = "PLAN.json",
         .opt.help = "write the plan (schema highwater.plan/1) here"),
    LIKE(strategies_flag, struct hw_plan_opts, strategies, .opt.help = "plan only these strategies (names or labels)"),
    LIKE(allocators_flag, struct hw_plan_opts, allocators, .opt.help = "run these allocators instead of the config's"),
    FLAG("--from", 0, NULL, "from", HW_OPT_BOOL, offsetof(struct hw_plan_opts, from), NULL, 0, 0, NULL,
     "the arguments are existing reports (one per scale), not a config to run"),
    LIKE(find_limit_flag, struct hw_plan_opts, find_limit,
         .opt.help = "also find each run's smallest container limit at every scale, and predict it"),
    {0},
};

/* The positionals mean a config or reports by --from: the one check the table cannot make. */
static int cmd_plan(void *opts, const struct hw_args *a)
{
    struct hw_plan_opts *o = opts;
    if (o->from) {
        o->nfrom = a->n;
        for (int i = 0; i < a->n; i++)
            snprintf(o->reports[i], sizeof o->reports[i], "%s", a->v[i]);
    } else if (a->n != 1) {
        return hw_cli_needs(a);
    } else {
        snprintf(o->config, sizeof o->config, "%s", a->v[0]);
    }
    return hw_plan(o);
}

static const struct hw_flag exec_flags[] = {
    LIKE(output_flag, struct hw_exec_opts, report, .arg = "REPORT.json",
         .opt.help = "write the report here (default results/runs/exec-<time>.json)"),
    SHARED(html_flag, struct hw_exec_opts, html),
    FLAG("--budget", 0, "SIZE", "budget", HW_OPT_BYTES, offsetof(struct hw_exec_opts, budget), NULL, 0, 0, NULL,
     "kill the command's whole tree when its RSS passes this (exit 1, status over_budget)"),
    FLAG("--container-limit", 0, "SIZE", "container-limit", HW_OPT_BYTES, offsetof(struct hw_exec_opts, container_limit),
         NULL, 0, 0, NULL,
         "run the command in a memory cgroup with this limit, as a pod would (killed: exit 1, oom_killed)"),
    FLAG("--interval-ms", 0, "N", "interval-ms", HW_OPT_UINT, offsetof(struct hw_exec_opts, interval_ms), "1", 1, 1000, NULL,
     "sampling interval in milliseconds"),
    LIKE(rows_flag, struct hw_exec_opts, rows,
         .opt.help = "the row count the command worked on: reports at several sizes feed 'plan --from'"),
    {0},
};

static int cmd_exec(void *opts, const struct hw_args *a)
{
    struct hw_exec_opts *o = opts;
    o->argc = a->ncmd;
    o->argv = a->cmd_argv;
    return hw_exec(o);
}

static int cmd_list(void *opts, const struct hw_args *a)
{
    (void)opts;
    (void)a;
    char err[256];
    for (size_t i = 0; i < hw_strategy_count(); i++) {
        const struct hw_strategy *s = hw_strategy_at(i);
        if (hw_strategy_check(s, err, sizeof err) != 0) {
            fprintf(stderr, "highwater: %s\n", err);
            return 3;
        }
        printf("%s\n  %s\n  models: %s\n  pre-flight model: %.2f x source + %.2f x output%s\n",
               s->name, s->summary, s->models, s->model_source, s->model_peak,
               s->output_on_disk ? " (output on disk)" : "");
        if (s->twin) {
            printf("  twin: scripts/twins/%s/%s.%s (real %s; highwater fidelity compares them)\n", s->twin,
                   s->name, strcmp(s->twin, "polars") == 0 ? "js" : "py",
                   strcmp(s->twin, "polars") == 0 ? "nodejs-polars" : "pandas + numpy");
            for (const struct hw_fidelity_gap *g = s->fidelity_gaps; g && g->phases; g++)
                printf("  known gap in %s (%s), %+.2f to %+.2f D: %s\n", g->phases,
                       g->allocator ? g->allocator : "any allocator", g->low_d, g->high_d, g->why);
        } else
            printf("  twin: none (%s)\n", s->no_twin ? s->no_twin : "models no library call");
        for (const struct hw_option *p = s->params; p && p->name; p++)
            printf("  param %-12s %s (default %s)\n", p->name, p->help, p->def ? p->def : "none");
    }
    printf("\nallocators (run.allocators, --allocators):\n");
    for (size_t i = 0; i < hw_allocator_count(); i++) {
        const struct hw_allocator_ops *al = hw_allocator_at(i);
        if (hw_allocator_check(al, err, sizeof err) != 0) {
            fprintf(stderr, "highwater: %s\n", err);
            return 3;
        }
        char env[300] = "none";
        if (al->preload || al->tunables)
            snprintf(env, sizeof env, "%s%s%s%s%s", al->preload ? "LD_PRELOAD=" : "", al->preload ? al->preload : "",
                     al->preload && al->tunables ? " " : "", al->tunables ? "GLIBC_TUNABLES=" : "",
                     al->tunables ? al->tunables : "");
        printf("%s\n  %s\n  environment: %s; a run's conf goes to %s\n  regimes: %s\n%s%s%s", al->name,
               al->summary, env, al->conf_env ? al->conf_env : "nothing (it takes none)", al->threshold_name,
               al->no_twin ? "  twins: none (" : "", al->no_twin ? al->no_twin : "", al->no_twin ? ")\n" : "");
    }
    return 0;
}

static int cmd_compare(void *opts, const struct hw_args *a)
{
    (void)opts;
    return hw_compare(a->v[0], a->v[1]);
}

static const struct hw_flag merge_flags[] = {
    LIKE(output_flag, struct hw_merge_opts, out, .arg = "ALL.json", .required = true,
         .opt.help = "write the merged report here (required); nothing is written when a report is refused"),
    FLAG("--allow-partial", 0, NULL, "allow-partial", HW_OPT_BOOL, offsetof(struct hw_merge_opts, allow_partial), NULL, 0, 0, NULL,
     "merge even when shards are missing; merged.missing_shards names them"),
    FLAG("--sacct", 0, "SACCT.txt", "sacct", HW_OPT_STRING, offsetof(struct hw_merge_opts, sacct), NULL, 0, 0, NULL,
     "Slurm's accounting of the array (sacct -P --noconvert --format=JobIDRaw,JobID,State,MaxRSS,Elapsed,NodeList): "
     "each task's MaxRSS beside highwater's figures, in merged.accounting"),
    FLAG("--sacct-interval", 0, "SECONDS", "sacct-interval", HW_OPT_RATE, offsetof(struct hw_merge_opts, sacct_interval),
     "30", 0.001, 86400, NULL, "the cluster's JobAcctGatherFrequency (scontrol show config; Slurm's default 30)"),
    {0},
};

static int cmd_merge(void *opts, const struct hw_args *a)
{
    struct hw_merge_opts *o = opts;
    o->n = a->n;
    o->paths = a->v;
    return hw_merge(o);
}

struct dataset_opts { uint64_t rows; char dir[4096]; };
static const struct hw_flag dataset_flags[] = {
    SHARED(rows_flag, struct dataset_opts, rows),
    LIKE(output_flag, struct dataset_opts, dir, .arg = "DIR", .required = true,
         .opt.help = "the directory to write (required): cNNN.npy, cNNN.valid.npy, schema.json"),
    {0},
};

static int cmd_dataset(void *opts, const struct hw_args *a)
{
    static struct hw_config cfg;
    const struct dataset_opts *o = opts;
    char err[1024];
    int rc;
    if ((rc = hw_config_load(a->v[0], &cfg, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater dataset: %s\n", err);
        return rc;
    }
    if (o->rows)
        cfg.ds.rows = o->rows;
    if ((rc = hw_dataset_export(&cfg.ds, o->dir, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater dataset: %s\n", err);
        return rc;
    }
    printf("wrote %s: %llu rows x %u columns (%s)\n", o->dir, (unsigned long long)cfg.ds.rows, cfg.ds.cols,
           "cNNN.npy values, cNNN.valid.npy validity, schema.json");
    return 0;
}

static const struct hw_flag fidelity_flags[] = {
    LIKE(rows_flag, struct hw_fidelity_opts, rows, .opt.help = "override dataset.rows (the issue's scale: 2M)"),
    LIKE(output_flag, struct hw_fidelity_opts, out, .arg = "FIDELITY.json",
         .opt.help = "write the fidelity report here (default results/runs/fidelity-<time>.json)"),
    LIKE(html_flag, struct hw_fidelity_opts, html, .arg = "FIDELITY.html",
         .opt.help = "also write the table as an HTML page"),
    LIKE(strategies_flag, struct hw_fidelity_opts, strategies,
         .opt.help = "compare only these strategies (names or labels from the config)"),
    LIKE(allocators_flag, struct hw_fidelity_opts, allocators, .opt.def = twin_allocators,
         .opt.help = "glibc (the Node binding's malloc) and/or jemalloc (LD_PRELOAD, as Python Polars wheels allocate)"),
    FLAG("--data", 0, "DIR", "data", HW_OPT_STRING, offsetof(struct hw_fidelity_opts, data), NULL, 0, 0, NULL,
     "keep the exported source in DIR and reuse it when it is current (default: a temp dir, removed)"),
    /* The bar: a model within 0.10 output sizes of the real library, per phase. */
    FLAG("--tolerance", 0, "D", "tolerance", HW_OPT_RATE, offsetof(struct hw_fidelity_opts, tolerance), "0.10", 0, 10, NULL,
     "a model agrees when every phase's increment is within this many output sizes of the twin's"),
    LIKE(verbose_flag, struct hw_fidelity_opts, verbose,
         .opt.help = "the model run's progress and every twin started, on stderr"),
    {0},
};

static int cmd_fidelity(void *opts, const struct hw_args *a)
{
    struct hw_fidelity_opts *o = opts;
    snprintf(o->config, sizeof o->config, "%s", a->v[0]);
    return hw_fidelity(o);
}

static int cmd_help(void *opts, const struct hw_args *a);

/* Every command, in the order `highwater help` lists them. */
static const struct hw_command commands[] = {
    {"run", "run CONFIG [options]", "run an experiment; table on stdout, JSON report",
     run_flags, sizeof(struct hw_run_opts), 1, 1, false,
     "needs a CONFIG file, e.g. 'highwater run configs/quick.yaml'", cmd_run},
    {"list", "list", "the strategies, with the code each reproduces", NULL, 0, 0, 0, false, NULL, cmd_list},
    {"gate", "gate REPORT --baseline BASE [options]",
     "fail (exit 1) when a peak regressed past the baseline", gate_flags, sizeof(struct hw_gate_opts), 1, 1, false,
     "needs a REPORT and --baseline BASE, e.g. 'highwater gate results/runs/ci.json --baseline "
     "results/baselines/ci.json'", cmd_gate},
    {"compare", "compare A.json B.json", "two reports side by side, with deltas", NULL, 0, 2, 2, false,
     "needs two reports, e.g. 'highwater compare before.json after.json'", cmd_compare},
    {"merge", "merge R1.json R2.json ... -o ALL.json [--allow-partial] [--sacct SACCT.txt]",
     "the shard reports of one sweep (run --shard K/N) as one report", merge_flags,
     sizeof(struct hw_merge_opts), 1, HW_MERGE_MAX_INPUTS, false,
     "needs the shard reports and -o, e.g. 'highwater merge s1.json s2.json -o all.json'", cmd_merge},
    {"calibrate", "calibrate [options]", "this machine's warm memcpy and first-touch rates", calibrate_flags,
     sizeof(struct calibrate_opts), 0, 0, false, NULL, cmd_calibrate},
    {"plan", "plan CONFIG --rows 70M [options] | plan --from R1.json R2.json ... --rows 70M",
     "predict the peak at a target scale from small runs", plan_flags, sizeof(struct hw_plan_opts),
     0, HW_PLAN_MAX_FROM, false,
     "needs one CONFIG to run at the fit scales, or --from and reports, e.g. 'highwater plan "
     "configs/ci.yaml --rows 70M'", cmd_plan},
    {"exec", "exec [options] -- CMD ARGS...",
     "measure any program (its whole process tree, phases via\nHIGHWATER_PHASE_FD)", exec_flags,
     sizeof(struct hw_exec_opts), 0, 0, true,
     "needs a command after '--', e.g. 'highwater exec -- python3 scripts/example_pipeline.py'", cmd_exec},
    {"plot", "plot REPORT -o OUT.html|OUT.svg",
     "the report as charts (one HTML page, or the summary SVG)", plot_flags, sizeof(struct plot_opts), 1, 1, false,
     "needs a REPORT and -o OUT, e.g. 'highwater plot results/runs/quick.json -o quick.html'", cmd_plot},
    {"dataset", "dataset CONFIG -o DIR [--rows N]",
     "the synthetic source as .npy files the real libraries load (twins)", dataset_flags,
     sizeof(struct dataset_opts), 1, 1, false,
     "needs a CONFIG and -o DIR, e.g. 'highwater dataset configs/ci.yaml -o /tmp/ci-data'", cmd_dataset},
    {"fidelity", "fidelity CONFIG [--rows N] [options]",
     "every model beside its real-library twin (nodejs-polars, pandas)", fidelity_flags,
     sizeof(struct hw_fidelity_opts), 1, 1, false,
     "needs a CONFIG, e.g. 'highwater fidelity configs/ci.yaml'", cmd_fidelity},
    {"spec", "spec CONFIG [run options]", "the first selected run's worker spec, as JSON", run_flags,
     sizeof(struct hw_run_opts), 1, 1, false,
     "needs a CONFIG, e.g. 'highwater spec configs/ci.yaml --strategies whole-copy --allocators glibc "
     "--no-phase-reset'", cmd_spec},
    {"worker", "worker SPEC.json",
     "run that one worker by hand (events on stdout),\ne.g. under /usr/bin/time -v", NULL, 0, 1, 1, false,
     "needs a SPEC.json from 'highwater spec', e.g. 'highwater spec configs/ci.yaml --strategies "
     "whole-copy --allocators glibc > s.json'", cmd_worker},
    /* Its own words for a second argument: it names commands, not files. */
    {"help", "help [COMMAND]", "this text, or a command's options", NULL, 0, 0, 2, false, NULL, cmd_help},
    {0},
};

static int usage(FILE *f)
{
    hw_cli_usage(f, commands);
    fprintf(f, "\n  highwater --version    the commit, compiler and flags that built this binary\n\n"
               "exit codes: 0 fine, 1 a gate or budget failed, 2 bad usage or input, 3 could not run\n");
    return f == stdout ? 0 : 2;
}

static int cmd_help(void *opts, const struct hw_args *a)
{
    (void)opts;
    if (a->n == 0)
        return usage(stdout);
    const struct hw_command *c = hw_cli_find(commands, a->v[0]);
    if (!c || a->n > 1) {
        fprintf(stderr, "highwater help: %s: %s; see 'highwater help' for the commands\n",
                a->n > 1 ? a->v[1] : a->v[0], a->n > 1 ? "unexpected argument" : "no such command");
        return 2;
    }
    hw_cli_help(stdout, c);
    return 0;
}

/* The text the flag tables take from the allocator registry. */
static void fill_allocator_text(void)
{
    char names[200];
    size_t used = 0;
    snprintf(allocators_help, sizeof allocators_help, "run these allocators instead of the config's: %s",
             hw_allocator_names(names, sizeof names, ", "));
    for (size_t i = 0; i < hw_allocator_count() && used < sizeof twin_allocators; i++)
        if (!hw_allocator_at(i)->no_twin)
            used += (size_t)snprintf(twin_allocators + used, sizeof twin_allocators - used, "%s%s",
                                     used ? "," : "", hw_allocator_at(i)->name);
}

int main(int argc, char **argv)
{
    fill_allocator_text();
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "__worker") == 0)
        return hw_worker_main();
    /* `highwater --help` is `highwater help`, with the same arguments after it. */
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return hw_cli_run(hw_cli_find(commands, "help"), argc, argv);
    if (strcmp(cmd, "--version") == 0) {
        printf("highwater %s\ncommit %s\ncompiler %s\ncflags %s\n", HW_VERSION, hw_build_commit,
               hw_build_cc, hw_build_cflags);
        return 0;
    }
    const struct hw_command *c = hw_cli_find(commands, cmd);
    if (!c) {
        fprintf(stderr, "highwater: unknown command '%s'; see 'highwater help'\n", cmd);
        return 2;
    }
    return hw_cli_run(c, argc, argv);
}
