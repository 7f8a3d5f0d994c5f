#include "schema.h"
#include "report.h"
#include "procfs.h"
#include "version.h"
#include <gnu/libc-version.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

cJSON *hw_schema_tool(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", "highwater");
    cJSON_AddStringToObject(o, "version", HW_VERSION);
    cJSON_AddStringToObject(o, "git_commit", hw_build_commit);
    cJSON_AddStringToObject(o, "compiler", hw_build_cc);
    cJSON_AddStringToObject(o, "cflags", hw_build_cflags);
    return o;
}

/* The first "key : value" line of a /proc text file. */
static void proc_field(const char *path, const char *key, char *out, size_t len)
{
    char buf[16384];
    snprintf(out, len, "unknown");
    if (hw_read_text(path, buf, sizeof buf) < 0)
        return;
    char *p = strstr(buf, key);
    if (!p || !(p = strchr(p, ':')))
        return;
    p += 1 + strspn(p + 1, " \t");
    size_t n = strcspn(p, "\n");
    snprintf(out, len, "%.*s", (int)n, p);
}

/* "always [madvise] never" -> "madvise" */
static void thp_mode(char *out, size_t len)
{
    char buf[256];
    snprintf(out, len, "unknown");
    if (hw_read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) < 0)
        return;
    char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
    if (a && b)
        snprintf(out, len, "%.*s", (int)(b - a - 1), a + 1);
}

cJSON *hw_schema_host(void)
{
    cJSON *o = cJSON_CreateObject();
    struct utsname u;
    char buf[256], host[256] = "unknown";
    uint64_t avail = 0, total = 0;
    if (uname(&u) == 0) {
        snprintf(buf, sizeof buf, "%s %s", u.sysname, u.release);
        cJSON_AddStringToObject(o, "kernel", buf);
        cJSON_AddStringToObject(o, "arch", u.machine);
    }
    gethostname(host, sizeof host - 1);
    cJSON_AddStringToObject(o, "hostname", host);
    proc_field("/proc/cpuinfo", "model name", buf, sizeof buf);
    cJSON_AddStringToObject(o, "cpu", buf);
    cJSON_AddNumberToObject(o, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
    hw_meminfo_read(&avail, &total);
    cJSON_AddNumberToObject(o, "mem_total_bytes", (double)total);
    cJSON_AddNumberToObject(o, "mem_available_bytes", (double)avail);
    cJSON_AddNumberToObject(o, "page_size_bytes", (double)sysconf(_SC_PAGESIZE));
    thp_mode(buf, sizeof buf);
    cJSON_AddStringToObject(o, "thp", buf);
    snprintf(buf, sizeof buf, "glibc %s", gnu_get_libc_version());
    cJSON_AddStringToObject(o, "libc", buf);
    cJSON_AddArrayToObject(o, "allocator_versions");
    return o;
}


/* ---- a run ---- */

static void num_or_null(cJSON *r, const char *k, double v)
{
    if (isnan(v))
        cJSON_AddNullToObject(r, k);
    else
        cJSON_AddNumberToObject(r, k, v);
}

static void num_if(cJSON *r, const char *k, double v)
{
    if (!isnan(v))
        cJSON_AddNumberToObject(r, k, v);
}

static void item_or_null(cJSON *r, const char *k, cJSON *v)
{
    if (v)
        cJSON_AddItemToObject(r, k, v);
    else
        cJSON_AddNullToObject(r, k);
}

void hw_schema_run_job(cJSON *r, const struct hw_run_job *j)
{
    cJSON_AddStringToObject(r, "strategy", j->strategy);
    cJSON_AddStringToObject(r, "label", j->label);
    if (j->params)
        cJSON_AddItemToObject(r, "params", cJSON_Duplicate(j->params, 1));
    cJSON_AddStringToObject(r, "allocator", j->allocator);
    cJSON_AddStringToObject(r, "allocator_conf", j->allocator_conf);
    cJSON_AddNumberToObject(r, "repeat", j->repeat);
    cJSON_AddStringToObject(r, "output_dtype", j->output_dtype);
    cJSON_AddStringToObject(r, "output_order", j->output_order);
    cJSON_AddNumberToObject(r, "output_bytes", j->output_bytes);
    if (!j->planned)
        return;
    cJSON_AddNumberToObject(r, "predicted_peak_bytes", j->predicted_peak_bytes);
    cJSON_AddBoolToObject(r, "phase_reset", j->phase_reset);
    num_or_null(r, "expect_ratio", j->expect_ratio);
    num_or_null(r, "budget_ratio", j->budget_ratio);
}

static cJSON *rusage_json(const struct hw_run_rusage *u)
{
    cJSON *o = cJSON_CreateObject();
    const struct rusage *ru = u->ru;
    cJSON_AddNumberToObject(o, "maxrss_bytes", (double)ru->ru_maxrss * 1024.0);
    cJSON_AddStringToObject(o, "maxrss_covers", u->maxrss_covers);
    cJSON_AddNumberToObject(o, "minflt", (double)ru->ru_minflt);
    cJSON_AddNumberToObject(o, "majflt", (double)ru->ru_majflt);
    if (!u->times)
        return o;
    cJSON_AddNumberToObject(o, "utime_seconds", (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6);
    cJSON_AddNumberToObject(o, "stime_seconds", (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6);
    cJSON_AddNumberToObject(o, "nvcsw", (double)ru->ru_nvcsw);
    cJSON_AddNumberToObject(o, "nivcsw", (double)ru->ru_nivcsw);
    return o;
}

/* The one order of a run's tail; a field a command does not know is left out where the
 * struct says so. The job's head has written expect_ratio and budget_ratio when planned. */
void hw_schema_run_result(cJSON *r, struct hw_run_result *res)
{
    cJSON_AddStringToObject(r, "status", res->status);
    cJSON_AddStringToObject(r, "reason", res->reason);
    if (!res->measured)
        return;
    if (res->has_exit_code)
        num_or_null(r, "exit_code", res->exit_code);
    if (!res->phases_last)
        cJSON_AddItemToObject(r, "phases", res->phases);
    if (res->allocator_version)
        cJSON_AddStringToObject(r, "allocator_version", res->allocator_version);
    cJSON_AddNumberToObject(r, "wall_seconds", res->wall_seconds);
    cJSON_AddNumberToObject(r, "cpu_seconds", res->cpu_seconds);
    if (res->has_worker_wall)
        cJSON_AddNumberToObject(r, "worker_wall_seconds", res->worker_wall_seconds);
    num_or_null(r, "peak_rss_bytes", res->peak_rss_bytes);
    num_or_null(r, "peak_ratio", res->peak_ratio);
    if (!cJSON_HasObjectItem(r, "expect_ratio")) {
        cJSON_AddNullToObject(r, "expect_ratio");
        cJSON_AddNullToObject(r, "budget_ratio");
    }
    num_if(r, "budget_bytes", res->budget_bytes);
    cJSON_AddStringToObject(r, "peak_method", res->peak_method);
    if (res->tree_method)
        cJSON_AddStringToObject(r, "tree_method", res->tree_method);
    if (res->has_peak_phase) {
        if (res->peak_phase)
            cJSON_AddStringToObject(r, "peak_phase", res->peak_phase);
        else
            cJSON_AddNullToObject(r, "peak_phase");
    }
    num_if(r, "sampler_peak_bytes", res->sampler_peak_bytes);
    if (res->expect_verdict) {
        cJSON_AddStringToObject(r, "expect_verdict", res->expect_verdict);
        cJSON_AddNumberToObject(r, "expect_error", res->expect_error);
    }
    cJSON_AddItemToObject(r, "rusage", rusage_json(&res->rusage));
    if (res->phases_last)
        cJSON_AddItemToObject(r, "phases", res->phases);
    num_if(r, "largest_process_rss_bytes", res->largest_process_rss_bytes);
    if (res->warnings)
        cJSON_AddItemToObject(r, "warnings", res->warnings);
    item_or_null(r, "output", res->output);
    item_or_null(r, "timeline", res->timeline);
    if (res->throughput)
        cJSON_AddItemToObject(r, "throughput", res->throughput);
    res->phases = res->warnings = res->output = res->timeline = res->throughput = NULL;
}

cJSON *hw_schema_phase(const struct hw_phase_fields *p)
{
    cJSON *ph = cJSON_CreateObject();
    cJSON_AddStringToObject(ph, "name", p->name);
    cJSON_AddNumberToObject(ph, "depth", p->depth);
    cJSON_AddNumberToObject(ph, "start_seconds", p->start_seconds);
    cJSON_AddNumberToObject(ph, "wall_seconds", p->wall_seconds);
    cJSON_AddNumberToObject(ph, "peak_rss_bytes", p->peak_rss_bytes);
    cJSON_AddStringToObject(ph, "peak_method", p->peak_method);
    cJSON_AddBoolToObject(ph, "closed_by_exit", p->closed_by_exit);
    num_if(ph, "command_peak_rss_bytes", p->command_peak_rss_bytes);
    num_if(ph, "command_rss_start_bytes", p->command_rss_start_bytes);
    num_if(ph, "command_rss_end_bytes", p->command_rss_end_bytes);
    return ph;
}
