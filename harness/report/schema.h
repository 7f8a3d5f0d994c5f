/* The report's records, each written by one builder here: tool, host, a run (what was asked,
 * then what happened) and a supervised command's phase. `run` (parent/run_record.c) and
 * `exec` (parent/exec.c) fill the same struct hw_run_job / hw_run_result, so their runs[]
 * records cannot drift apart. The field names are common/schema_fields.h; summary[] is
 * summary.h. */
#ifndef HW_SCHEMA_H
#define HW_SCHEMA_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <sys/resource.h>

/* {name, version, git_commit, compiler, cflags}: the binary that wrote the report. */
cJSON *hw_schema_tool(void);
/* {kernel, arch, hostname, cpu, cpus, mem_*, page_size_bytes, thp, libc, allocator_versions}. */
cJSON *hw_schema_host(void);

/* A run's head: what was asked, known before it runs. */
struct hw_run_job {
    const char *strategy, *label;
    const cJSON *params;             /* the strategy's params (copied); NULL: none (exec) */
    const char *allocator, *allocator_conf;
    double repeat;
    const char *output_dtype, *output_order;
    double output_bytes;
    /* `run` plans a job before it starts: its predicted peak, whether phases reset the
     * high-water mark, and the config's beliefs (NaN: null). exec plans nothing, and says
     * its beliefs (none) with the peaks, in hw_run_result. */
    bool planned;
    double predicted_peak_bytes;
    bool phase_reset;
    double expect_ratio, budget_ratio;
};
void hw_schema_run_job(cJSON *r, const struct hw_run_job *j);

/* The rusage a record keeps: `run`'s worker reports its cpu times and context switches here
 * too; exec's command gives its cpu time as the record's cpu_seconds only. */
struct hw_run_rusage {
    const struct rusage *ru;
    const char *maxrss_covers;       /* what ru_maxrss covers after clear_refs resets */
    bool times;                      /* utime, stime, nvcsw, nivcsw */
};

/* A run's tail: what happened. A number NaN is null; a string or object NULL is absent (or
 * null where the record always has the key, as said). Objects given are taken over. */
struct hw_run_result {
    const char *status, *reason;
    bool measured;                   /* false: status and reason only (skipped, not started) */
    bool has_exit_code;              /* exec: exit_code, NaN (null) when it did not exit */
    double exit_code;
    cJSON *phases;                   /* the phases[] array */
    bool phases_last;                /* exec lists its phases after rusage, run after reason */
    const char *allocator_version;   /* the allocator the worker reported */
    double wall_seconds, cpu_seconds;
    bool has_worker_wall;            /* run: the worker process's own wall time */
    double worker_wall_seconds;
    double peak_rss_bytes, peak_ratio;
    double budget_bytes;             /* exec's --budget; NaN: absent */
    const char *peak_method, *tree_method;
    bool has_peak_phase;             /* run: peak_phase, NULL is null */
    const char *peak_phase;
    double sampler_peak_bytes;       /* NaN: absent */
    const char *expect_verdict;      /* with expect_error; NULL: both absent */
    double expect_error;
    struct hw_run_rusage rusage;
    double largest_process_rss_bytes;    /* NaN: absent */
    cJSON *warnings;                 /* NULL: absent */
    cJSON *output, *timeline;        /* NULL: null */
    cJSON *throughput;               /* NULL: absent */
    cJSON *container;                /* the run's memory cgroup (container.h); NULL: absent */
};
void hw_schema_run_result(cJSON *r, struct hw_run_result *res);

/* A phase of a supervised command (exec): its span from the markers, its peak from the
 * samples, and the command's own exact figures where the marker reader took them. */
struct hw_phase_fields {
    const char *name;
    double depth, start_seconds, wall_seconds, peak_rss_bytes;
    const char *peak_method;
    bool closed_by_exit;
    double command_peak_rss_bytes, command_rss_start_bytes, command_rss_end_bytes;  /* NaN: absent */
};
cJSON *hw_schema_phase(const struct hw_phase_fields *p);

#endif
