/* highwater: measure the real peak memory of ways to turn a big columnar table into a dense
 * matrix. Subcommands dispatch here; each lives in its own module. */
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
#include "runner.h"
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

static const struct hw_flag run_flags[] = {
    {"--output", 'o', "REPORT.json", {"output", HW_OPT_STRING, offsetof(struct hw_run_opts, report), NULL, 0, 0, NULL,
     "write the report here (default results/runs/<experiment>-<time>.json)"}},
    {"--strategies", 0, "a,b", {"strategies", HW_OPT_STRING, offsetof(struct hw_run_opts, strategies), NULL, 0, 0, NULL,
     "run only these strategies (names or labels from the config)"}},
    {"--allocators", 0, "a,b", {"allocators", HW_OPT_STRING, offsetof(struct hw_run_opts, allocators), NULL, 0, 0, NULL,
     "run these allocators instead of the config's: glibc, jemalloc, mixed"}},
    {"--rows", 0, "N", {"rows", HW_OPT_COUNT, offsetof(struct hw_run_opts, rows), NULL, 1, 1e12, NULL,
     "override dataset.rows (70M, 250k, ...)"}},
    {"--repeat", 0, "K", {"repeat", HW_OPT_UINT, offsetof(struct hw_run_opts, repeat), NULL, 1, 1000, NULL,
     "override run.repeat"}},
    {"--no-phase-reset", 0, NULL, {"no-phase-reset", HW_OPT_BOOL, offsetof(struct hw_run_opts, no_phase_reset), NULL, 0, 0, NULL,
     "no clear_refs: one whole-run peak, comparable with ru_maxrss and /usr/bin/time"}},
    {"--html", 0, "REPORT.html", {"html", HW_OPT_STRING, offsetof(struct hw_run_opts, html), NULL, 0, 0, NULL,
     "also write the report as one self-contained HTML page (charts, no network)"}},
    {"--plan", 0, "PLAN.json", {"plan", HW_OPT_STRING, offsetof(struct hw_run_opts, plan), NULL, 0, 0, NULL,
     "pre-flight: skip runs whose peak this plan (highwater plan -o) predicts above the limit"}},
    {"--fidelity", 0, "FIDELITY.json", {"fidelity", HW_OPT_STRING, offsetof(struct hw_run_opts, fidelity), NULL, 0, 0, NULL,
     "a highwater fidelity report of this dtype mix: each run and the lessons say how far its model is from the real library"}},
    {"--dry-run", 'n', NULL, {"dry-run", HW_OPT_BOOL, offsetof(struct hw_run_opts, dry_run), NULL, 0, 0, NULL,
     "print every run with its predicted peak and pre-flight verdict, and run nothing"}},
    {"--no-timeline", 0, NULL, {"no-timeline", HW_OPT_BOOL, offsetof(struct hw_run_opts, no_timeline), NULL, 0, 0, NULL,
     "leave the RSS timelines out of the report (a small file, e.g. a baseline)"}},
    {"--verbose", 'v', NULL, {"verbose", HW_OPT_BOOL, offsetof(struct hw_run_opts, verbose), NULL, 0, 0, NULL,
     "progress on stderr even when it is not a terminal"}},
    {0},
};

static const struct hw_flag gate_flags[] = {
    {"--baseline", 'b', "BASE.json", {"baseline", HW_OPT_STRING, offsetof(struct hw_gate_opts, baseline), NULL, 0, 0, NULL,
     "the report to compare against (required), e.g. results/baselines/ci.json"}},
    /* Measured here over 20 runs of ci.yaml (README, "CI gate"): peaks spread by at most
     * 0.35% (runs >= 100 MiB) and 1.0 MiB; 1% + 2 MiB is three times that, and still catches
     * a 5% regression of any run above 60 MiB. */
    {"--tolerance", 0, "P%", {"tolerance", HW_OPT_PERCENT, offsetof(struct hw_gate_opts, tolerance), "1%", 0, 1, NULL,
     "fail past baseline x (1 + P) + slack; the default is 3x the noise measured here"}},
    {"--slack", 0, "BYTES", {"slack", HW_OPT_BYTES, offsetof(struct hw_gate_opts, slack), "2MiB", 0, 0, NULL,
     "absolute allowance on top; the default is 3x the noise measured here"}},
    {"--junit", 0, "FILE", {"junit", HW_OPT_STRING, offsetof(struct hw_gate_opts, junit), NULL, 0, 0, NULL,
     "also write JUnit XML (one testcase per compared run)"}},
    {"--markdown", 0, "FILE", {"markdown", HW_OPT_STRING, offsetof(struct hw_gate_opts, markdown), NULL, 0, 0, NULL,
     "also write a Markdown summary (pull-request comment, job summary)"}},
    {"--allow-missing", 0, NULL, {"allow-missing", HW_OPT_BOOL, offsetof(struct hw_gate_opts, allow_missing), NULL, 0, 0, NULL,
     "a baseline run missing from the report is skipped, not a failure"}},
    {"--allow-shape-change", 0, NULL, {"allow-shape-change", HW_OPT_BOOL, offsetof(struct hw_gate_opts, allow_shape_change), NULL, 0, 0, NULL,
     "compare reports of different dataset shape or output dtype/order"}},
    {0},
};

static int cmd_gate(int argc, char **argv)
{
    struct hw_gate_opts o = {0};
    const char *pos[1];
    int npos;
    int rc = hw_cli_parse("gate", gate_flags, &o, argc, argv, 2, pos, 1, &npos);
    if (rc)
        return rc;
    if (npos != 1 || !o.baseline[0]) {
        fprintf(stderr, "highwater gate: needs a REPORT and --baseline BASE, e.g. 'highwater gate "
                        "results/runs/ci.json --baseline results/baselines/ci.json'\n");
        return 2;
    }
    snprintf(o.report, sizeof o.report, "%s", pos[0]);
    return hw_gate(&o);
}

static int cmd_run(int argc, char **argv)
{
    struct hw_run_opts o = {0};
    const char *pos[1];
    int npos;
    int rc = hw_cli_parse("run", run_flags, &o, argc, argv, 2, pos, 1, &npos);
    if (rc)
        return rc;
    if (npos != 1) {
        fprintf(stderr, "highwater run: needs a CONFIG file, e.g. 'highwater run configs/quick.yaml'\n");
        return 2;
    }
    snprintf(o.config, sizeof o.config, "%s", pos[0]);
    return hw_runner(&o);
}

/* One worker by hand: the spec from `highwater spec`, events as JSON lines on stdout. The
 * allocator is the caller's to set (LD_PRELOAD=libjemalloc.so.2 for a jemalloc spec). */
static int cmd_worker(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "highwater worker: needs a SPEC.json from 'highwater spec', e.g. "
                        "'highwater spec configs/ci.yaml --strategies whole-copy --allocators glibc > s.json'\n");
        return 2;
    }
    return hw_worker_standalone(argv[2]);
}

static int cmd_spec(int argc, char **argv)
{
    struct hw_run_opts o = {0};
    const char *pos[1];
    int npos;
    int rc = hw_cli_parse("spec", run_flags, &o, argc, argv, 2, pos, 1, &npos);
    if (rc)
        return rc;
    if (npos != 1) {
        fprintf(stderr, "highwater spec: needs a CONFIG, e.g. 'highwater spec configs/ci.yaml "
                        "--strategies whole-copy --allocators glibc --no-phase-reset'\n");
        return 2;
    }
    snprintf(o.config, sizeof o.config, "%s", pos[0]);
    return hw_runner_spec(&o);
}

struct calibrate_opts { uint64_t bytes; bool json; };
static const struct hw_flag calibrate_flags[] = {
    {"--bytes", 0, "SIZE", {"bytes", HW_OPT_BYTES, offsetof(struct calibrate_opts, bytes), "256MiB", 4194304, 1e15, NULL,
     "buffer size; the default is past the caches and glibc's non-temporal memcpy threshold"}},
    {"--json", 0, NULL, {"json", HW_OPT_BOOL, offsetof(struct calibrate_opts, json), NULL, 0, 0, NULL,
     "print the figures as JSON"}},
    {0},
};

/* Run in a process of its own when measuring for a report; here, the command itself. */
static int cmd_calibrate(int argc, char **argv)
{
    struct calibrate_opts o = {0};
    struct hw_calibration cal;
    const char *pos[1];
    int npos;
    char err[512];
    int rc = hw_cli_parse("calibrate", calibrate_flags, &o, argc, argv, 2, pos, 0, &npos);
    if (rc)
        return rc;
    if (hw_calibrate(o.bytes, &cal, err, sizeof err) != 0) {
        fprintf(stderr, "highwater calibrate: %s\n", err);
        return 3;
    }
    if (o.json) {
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
    {"--output", 'o', "OUT.html|OUT.svg", {"output", HW_OPT_STRING, offsetof(struct plot_opts, out), NULL, 0, 0, NULL,
     "where to write: OUT.html the page, OUT.svg the summary chart alone (a report's)"}},
    {0},
};

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static int cmd_plot(int argc, char **argv)
{
    struct plot_opts o = {0};
    const char *pos[1];
    int npos;
    char err[8192];
    int rc = hw_cli_parse("plot", plot_flags, &o, argc, argv, 2, pos, 1, &npos);
    if (rc)
        return rc;
    if (npos != 1 || !o.out[0]) {
        fprintf(stderr, "highwater plot: needs a REPORT and -o OUT, e.g. 'highwater plot "
                        "results/runs/quick.json -o quick.html'\n");
        return 2;
    }
    /* The suffix picks what is written: never HTML under a name that promises a PNG. */
    bool svg = has_suffix(o.out, ".svg");
    if (!svg && !has_suffix(o.out, ".html")) {
        fprintf(stderr, "highwater plot: %s: plot writes .html (the page) or .svg (the summary chart); "
                        "name the output OUT.html or OUT.svg\n", o.out);
        return 2;
    }
    cJSON *report = NULL;
    /* A report, or a plan (its chart of points and fitted lines). */
    if (hw_json_load(pos[0], NULL, &report, err, sizeof err) != 0) {
        fprintf(stderr, "highwater plot: %s\n", err);
        return 2;
    }
    if (svg && strcmp(hw_jstr(report, "schema"), HW_PLAN_SCHEMA) == 0) {
        fprintf(stderr, "highwater plot: %s: a plan plots as an HTML page only; name the output OUT.html\n", o.out);
        cJSON_Delete(report);
        return 2;
    }
    rc = hw_plot_write(report, o.out, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "highwater plot: %s\n", err);
    else
        printf("wrote %s\n", o.out);
    cJSON_Delete(report);
    return rc;
}

static const struct hw_flag plan_flags[] = {
    {"--rows", 0, "N", {"rows", HW_OPT_COUNT, offsetof(struct hw_plan_opts, rows), NULL, 1, 1e12, NULL,
     "the target row count to predict, e.g. 70M (required)"}},
    {"--fit", 0, "a,b,c", {"fit", HW_OPT_STRING, offsetof(struct hw_plan_opts, fit), NULL, 0, 0, NULL,
     "row counts to run and fit (default 250k,500k,1M,2M; past jemalloc's 8 MiB column crossing when the target is)"}},
    {"--machine", 0, "a,b", {"machine", HW_OPT_STRING, offsetof(struct hw_plan_opts, machine), NULL, 0, 0, NULL,
     "machine memory sizes to check (default 32GiB,64GiB,128GiB)"}},
    {"--headroom", 0, "P%", {"headroom", HW_OPT_PERCENT, offsetof(struct hw_plan_opts, headroom), "10%", 0, 1, NULL,
     "a machine fits when the predicted peak x (1 + P) fits"}},
    {"--output", 'o', "PLAN.json", {"output", HW_OPT_STRING, offsetof(struct hw_plan_opts, out), NULL, 0, 0, NULL,
     "write the plan (schema highwater.plan/1) here"}},
    {"--strategies", 0, "a,b", {"strategies", HW_OPT_STRING, offsetof(struct hw_plan_opts, strategies), NULL, 0, 0, NULL,
     "plan only these strategies (names or labels)"}},
    {"--allocators", 0, "a,b", {"allocators", HW_OPT_STRING, offsetof(struct hw_plan_opts, allocators), NULL, 0, 0, NULL,
     "run these allocators instead of the config's"}},
    {"--from", 0, NULL, {"from", HW_OPT_BOOL, offsetof(struct hw_plan_opts, from), NULL, 0, 0, NULL,
     "the arguments are existing reports (one per scale), not a config to run"}},
    {0},
};

static int cmd_plan(int argc, char **argv)
{
    static struct hw_plan_opts o;
    const char *pos[HW_PLAN_MAX_FROM];
    int npos;
    memset(&o, 0, sizeof o);
    int rc = hw_cli_parse("plan", plan_flags, &o, argc, argv, 2, pos, HW_PLAN_MAX_FROM, &npos);
    if (rc)
        return rc;
    if (!o.rows) {
        fprintf(stderr, "highwater plan: --rows: the target row count is required, e.g. --rows 70M\n");
        return 2;
    }
    if (o.from) {
        o.nfrom = npos;
        for (int i = 0; i < npos; i++)
            snprintf(o.reports[i], sizeof o.reports[i], "%s", pos[i]);
    } else if (npos != 1) {
        fprintf(stderr, "highwater plan: needs one CONFIG to run at the fit scales, or --from and "
                        "reports, e.g. 'highwater plan configs/ci.yaml --rows 70M'\n");
        return 2;
    } else {
        snprintf(o.config, sizeof o.config, "%s", pos[0]);
    }
    return hw_plan(&o);
}

static const struct hw_flag exec_flags[] = {
    {"--output", 'o', "REPORT.json", {"output", HW_OPT_STRING, offsetof(struct hw_exec_opts, report), NULL, 0, 0, NULL,
     "write the report here (default results/runs/exec-<time>.json)"}},
    {"--html", 0, "REPORT.html", {"html", HW_OPT_STRING, offsetof(struct hw_exec_opts, html), NULL, 0, 0, NULL,
     "also write the report as an HTML page"}},
    {"--budget", 0, "SIZE", {"budget", HW_OPT_BYTES, offsetof(struct hw_exec_opts, budget), NULL, 0, 0, NULL,
     "kill the command's whole tree when its RSS passes this (exit 1, status over_budget)"}},
    {"--interval-ms", 0, "N", {"interval-ms", HW_OPT_UINT, offsetof(struct hw_exec_opts, interval_ms), "1", 1, 1000, NULL,
     "sampling interval in milliseconds"}},
    {"--rows", 0, "N", {"rows", HW_OPT_COUNT, offsetof(struct hw_exec_opts, rows), NULL, 1, 1e12, NULL,
     "the row count the command worked on: reports at several sizes feed 'plan --from'"}},
    {0},
};

static int cmd_exec(int argc, char **argv)
{
    static struct hw_exec_opts o;
    const char *pos[1];
    int npos, dd = -1;
    memset(&o, 0, sizeof o);
    for (int i = 2; i < argc && dd < 0; i++)
        if (strcmp(argv[i], "--") == 0)
            dd = i;
    if (dd < 0 || dd == argc - 1) {
        fprintf(stderr, "highwater exec: needs a command after '--', e.g. 'highwater exec -- python3 "
                        "scripts/example_pipeline.py'\n");
        return 2;
    }
    int rc = hw_cli_parse("exec", exec_flags, &o, dd, argv, 2, pos, 0, &npos);
    if (rc)
        return rc;
    o.argc = argc - dd - 1;
    o.argv = argv + dd + 1;
    return hw_exec(&o);
}

static int cmd_list(void)
{
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
    return 0;
}

static int cmd_compare(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "highwater compare: needs two reports, e.g. 'highwater compare before.json after.json'\n");
        return 2;
    }
    return hw_compare(argv[2], argv[3]);
}


struct dataset_opts { uint64_t rows; char dir[4096]; };
static const struct hw_flag dataset_flags[] = {
    {"--rows", 0, "N", {"rows", HW_OPT_COUNT, offsetof(struct dataset_opts, rows), NULL, 1, 1e12, NULL,
     "override dataset.rows (70M, 250k, ...)"}},
    {"--output", 'o', "DIR", {"output", HW_OPT_STRING, offsetof(struct dataset_opts, dir), NULL, 0, 0, NULL,
     "the directory to write (required): cNNN.npy, cNNN.valid.npy, schema.json"}},
    {0},
};

static int cmd_dataset(int argc, char **argv)
{
    static struct hw_config cfg;
    struct dataset_opts o = {0};
    const char *pos[1];
    int npos;
    char err[1024];
    int rc = hw_cli_parse("dataset", dataset_flags, &o, argc, argv, 2, pos, 1, &npos);
    if (rc)
        return rc;
    if (npos != 1 || !o.dir[0]) {
        fprintf(stderr, "highwater dataset: needs a CONFIG and -o DIR, e.g. 'highwater dataset "
                        "configs/ci.yaml -o /tmp/ci-data'\n");
        return 2;
    }
    if ((rc = hw_config_load(pos[0], &cfg, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater dataset: %s\n", err);
        return rc;
    }
    if (o.rows)
        cfg.ds.rows = o.rows;
    if ((rc = hw_dataset_export(&cfg.ds, o.dir, err, sizeof err)) != 0) {
        fprintf(stderr, "highwater dataset: %s\n", err);
        return rc;
    }
    printf("wrote %s: %llu rows x %u columns (%s)\n", o.dir, (unsigned long long)cfg.ds.rows, cfg.ds.cols,
           "cNNN.npy values, cNNN.valid.npy validity, schema.json");
    return 0;
}

static const struct hw_flag fidelity_flags[] = {
    {"--rows", 0, "N", {"rows", HW_OPT_COUNT, offsetof(struct hw_fidelity_opts, rows), NULL, 1, 1e12, NULL,
     "override dataset.rows (the issue's scale: 2M)"}},
    {"--output", 'o', "FIDELITY.json", {"output", HW_OPT_STRING, offsetof(struct hw_fidelity_opts, out), NULL, 0, 0, NULL,
     "write the fidelity report here (default results/runs/fidelity-<time>.json)"}},
    {"--html", 0, "FIDELITY.html", {"html", HW_OPT_STRING, offsetof(struct hw_fidelity_opts, html), NULL, 0, 0, NULL,
     "also write the table as an HTML page"}},
    {"--strategies", 0, "a,b", {"strategies", HW_OPT_STRING, offsetof(struct hw_fidelity_opts, strategies), NULL, 0, 0, NULL,
     "compare only these strategies (names or labels from the config)"}},
    {"--allocators", 0, "a,b", {"allocators", HW_OPT_STRING, offsetof(struct hw_fidelity_opts, allocators), "glibc,jemalloc", 0, 0, NULL,
     "glibc (the Node binding's malloc) and/or jemalloc (LD_PRELOAD, as Python Polars wheels allocate)"}},
    {"--data", 0, "DIR", {"data", HW_OPT_STRING, offsetof(struct hw_fidelity_opts, data), NULL, 0, 0, NULL,
     "keep the exported source in DIR and reuse it when it is current (default: a temp dir, removed)"}},
    /* The bar: a model within 0.10 output sizes of the real library, per phase. */
    {"--tolerance", 0, "D", {"tolerance", HW_OPT_RATE, offsetof(struct hw_fidelity_opts, tolerance), "0.10", 0, 10, NULL,
     "a model agrees when every phase's increment is within this many output sizes of the twin's"}},
    {"--verbose", 'v', NULL, {"verbose", HW_OPT_BOOL, offsetof(struct hw_fidelity_opts, verbose), NULL, 0, 0, NULL,
     "the model run's progress and every twin started, on stderr"}},
    {0},
};

static int cmd_fidelity(int argc, char **argv)
{
    static struct hw_fidelity_opts o;
    const char *pos[1];
    int npos;
    memset(&o, 0, sizeof o);
    int rc = hw_cli_parse("fidelity", fidelity_flags, &o, argc, argv, 2, pos, 1, &npos);
    if (rc)
        return rc;
    if (npos != 1) {
        fprintf(stderr, "highwater fidelity: needs a CONFIG, e.g. 'highwater fidelity configs/ci.yaml'\n");
        return 2;
    }
    snprintf(o.config, sizeof o.config, "%s", pos[0]);
    return hw_fidelity(&o);
}

static int cmd_help(int argc, char **argv);

static int cmd_list_main(int argc, char **argv)
{
    if (argc > 2) {
        fprintf(stderr, "highwater list: %s: unexpected argument; see 'highwater list --help'\n", argv[2]);
        return 2;
    }
    return cmd_list();
}

/* Every command, in the order `highwater help` lists them. */
static const struct hw_command commands[] = {
    {"run", "run CONFIG [options]", "run an experiment; table on stdout, JSON report", run_flags, cmd_run},
    {"list", "list", "the strategies, with the code each reproduces", NULL, cmd_list_main},
    {"gate", "gate REPORT --baseline BASE [options]",
     "fail (exit 1) when a peak regressed past the baseline", gate_flags, cmd_gate},
    {"compare", "compare A.json B.json", "two reports side by side, with deltas", NULL, cmd_compare},
    {"calibrate", "calibrate [options]", "this machine's warm memcpy and first-touch rates", calibrate_flags,
     cmd_calibrate},
    {"plan", "plan CONFIG --rows 70M [options] | plan --from R1.json R2.json ... --rows 70M",
     "predict the peak at a target scale from small runs", plan_flags, cmd_plan},
    {"exec", "exec [options] -- CMD ARGS...",
     "measure any program (its whole process tree, phases via\nHIGHWATER_PHASE_FD)", exec_flags, cmd_exec},
    {"plot", "plot REPORT -o OUT.html|OUT.svg",
     "the report as charts (one HTML page, or the summary SVG)", plot_flags, cmd_plot},
    {"dataset", "dataset CONFIG -o DIR [--rows N]",
     "the synthetic source as .npy files the real libraries load (twins)", dataset_flags, cmd_dataset},
    {"fidelity", "fidelity CONFIG [--rows N] [options]",
     "every model beside its real-library twin (nodejs-polars, pandas)", fidelity_flags, cmd_fidelity},
    {"spec", "spec CONFIG [run options]", "the first selected run's worker spec, as JSON", run_flags, cmd_spec},
    {"worker", "worker SPEC.json",
     "run that one worker by hand (events on stdout),\ne.g. under /usr/bin/time -v", NULL, cmd_worker},
    {"help", "help [COMMAND]", "this text, or a command's options", NULL, cmd_help},
    {0},
};

static int usage(FILE *f)
{
    hw_cli_usage(f, commands);
    fprintf(f, "\n  highwater --version    the commit, compiler and flags that built this binary\n\n"
               "exit codes: 0 fine, 1 a gate or budget failed, 2 bad usage or input, 3 could not run\n");
    return f == stdout ? 0 : 2;
}

static int cmd_help(int argc, char **argv)
{
    if (argc == 2)
        return usage(stdout);
    const struct hw_command *c = hw_cli_find(commands, argv[2]);
    if (!c || argc > 3) {
        fprintf(stderr, "highwater help: %s: %s; see 'highwater help' for the commands\n",
                argc > 3 ? argv[3] : argv[2], argc > 3 ? "unexpected argument" : "no such command");
        return 2;
    }
    hw_cli_help(stdout, c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "__worker") == 0)
        return hw_worker_main();
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return cmd_help(argc, argv);
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
    /* The same text as `help NAME`, from the command's own table. */
    if (hw_cli_wants_help(argc, argv, 2)) {
        hw_cli_help(stdout, c);
        return 0;
    }
    return c->main(argc, argv);
}
