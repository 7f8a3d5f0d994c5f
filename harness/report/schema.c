/* The report's records (schema.h), each written in one place, in one order. */
#include "schema.h"
#include "schema_fields.h"
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
    cJSON_AddStringToObject(o, HW_F_NAME, "highwater");
    cJSON_AddStringToObject(o, HW_F_VERSION, HW_VERSION);
    cJSON_AddStringToObject(o, HW_F_GIT_COMMIT, hw_build_commit);
    cJSON_AddStringToObject(o, HW_F_COMPILER, hw_build_cc);
    cJSON_AddStringToObject(o, HW_F_CFLAGS, hw_build_cflags);
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
        cJSON_AddStringToObject(o, HW_F_KERNEL, buf);
        cJSON_AddStringToObject(o, HW_F_ARCH, u.machine);
    }
    gethostname(host, sizeof host - 1);
    cJSON_AddStringToObject(o, HW_F_HOSTNAME, host);
    proc_field("/proc/cpuinfo", "model name", buf, sizeof buf);
    cJSON_AddStringToObject(o, HW_F_CPU, buf);
    cJSON_AddNumberToObject(o, HW_F_CPUS, (double)sysconf(_SC_NPROCESSORS_ONLN));
    hw_meminfo_read(&avail, &total);
    cJSON_AddNumberToObject(o, HW_F_MEM_TOTAL_BYTES, (double)total);
    cJSON_AddNumberToObject(o, HW_F_MEM_AVAILABLE_BYTES, (double)avail);
    cJSON_AddNumberToObject(o, HW_F_PAGE_SIZE_BYTES, (double)sysconf(_SC_PAGESIZE));
    thp_mode(buf, sizeof buf);
    cJSON_AddStringToObject(o, HW_F_THP, buf);
    snprintf(buf, sizeof buf, "glibc %s", gnu_get_libc_version());
    cJSON_AddStringToObject(o, HW_F_LIBC, buf);
    cJSON_AddArrayToObject(o, HW_F_ALLOCATOR_VERSIONS);
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
    cJSON_AddStringToObject(r, HW_F_STRATEGY, j->strategy);
    cJSON_AddStringToObject(r, HW_F_LABEL, j->label);
    if (j->params)
        cJSON_AddItemToObject(r, HW_F_PARAMS, cJSON_Duplicate(j->params, 1));
    cJSON_AddStringToObject(r, HW_F_ALLOCATOR, j->allocator);
    cJSON_AddStringToObject(r, HW_F_ALLOCATOR_CONF, j->allocator_conf);
    cJSON_AddNumberToObject(r, HW_F_REPEAT, j->repeat);
    cJSON_AddStringToObject(r, HW_F_OUTPUT_DTYPE, j->output_dtype);
    cJSON_AddStringToObject(r, HW_F_OUTPUT_ORDER, j->output_order);
    cJSON_AddNumberToObject(r, HW_F_OUTPUT_BYTES, j->output_bytes);
    if (!j->planned)
        return;
    cJSON_AddNumberToObject(r, HW_F_PREDICTED_PEAK_BYTES, j->predicted_peak_bytes);
    cJSON_AddBoolToObject(r, HW_F_PHASE_RESET, j->phase_reset);
    num_or_null(r, HW_F_EXPECT_RATIO, j->expect_ratio);
    num_or_null(r, HW_F_BUDGET_RATIO, j->budget_ratio);
}

static cJSON *rusage_json(const struct hw_run_rusage *u)
{
    cJSON *o = cJSON_CreateObject();
    const struct rusage *ru = u->ru;
    cJSON_AddNumberToObject(o, HW_F_MAXRSS_BYTES, (double)ru->ru_maxrss * 1024.0);
    cJSON_AddStringToObject(o, HW_F_MAXRSS_COVERS, u->maxrss_covers);
    cJSON_AddNumberToObject(o, HW_F_MINFLT, (double)ru->ru_minflt);
    cJSON_AddNumberToObject(o, HW_F_MAJFLT, (double)ru->ru_majflt);
    if (!u->times)
        return o;
    cJSON_AddNumberToObject(o, HW_F_UTIME_SECONDS, (double)ru->ru_utime.tv_sec + ru->ru_utime.tv_usec * 1e-6);
    cJSON_AddNumberToObject(o, HW_F_STIME_SECONDS, (double)ru->ru_stime.tv_sec + ru->ru_stime.tv_usec * 1e-6);
    cJSON_AddNumberToObject(o, HW_F_NVCSW, (double)ru->ru_nvcsw);
    cJSON_AddNumberToObject(o, HW_F_NIVCSW, (double)ru->ru_nivcsw);
    return o;
}

/* The one order of a run's tail; a field a command does not know is left out where the
 * struct says so. The job's head has written expect_ratio and budget_ratio when planned. */
void hw_schema_run_result(cJSON *r, struct hw_run_result *res)
{
    cJSON_AddStringToObject(r, HW_F_STATUS, res->status);
    cJSON_AddStringToObject(r, HW_F_REASON, res->reason);
    if (!res->measured)
        return;
    if (res->has_exit_code)
        num_or_null(r, HW_F_EXIT_CODE, res->exit_code);
    if (!res->phases_last)
        cJSON_AddItemToObject(r, HW_F_PHASES, res->phases);
    if (res->allocator_version)
        cJSON_AddStringToObject(r, HW_F_ALLOCATOR_VERSION, res->allocator_version);
    cJSON_AddNumberToObject(r, HW_F_WALL_SECONDS, res->wall_seconds);
    cJSON_AddNumberToObject(r, HW_F_CPU_SECONDS, res->cpu_seconds);
    if (res->has_worker_wall)
        cJSON_AddNumberToObject(r, HW_F_WORKER_WALL_SECONDS, res->worker_wall_seconds);
    num_or_null(r, HW_F_PEAK_RSS_BYTES, res->peak_rss_bytes);
    num_or_null(r, HW_F_PEAK_RATIO, res->peak_ratio);
    if (!cJSON_HasObjectItem(r, HW_F_EXPECT_RATIO)) {
        cJSON_AddNullToObject(r, HW_F_EXPECT_RATIO);
        cJSON_AddNullToObject(r, HW_F_BUDGET_RATIO);
    }
    num_if(r, HW_F_BUDGET_BYTES, res->budget_bytes);
    cJSON_AddStringToObject(r, HW_F_PEAK_METHOD, res->peak_method);
    if (res->tree_method)
        cJSON_AddStringToObject(r, HW_F_TREE_METHOD, res->tree_method);
    if (res->has_peak_phase) {
        if (res->peak_phase)
            cJSON_AddStringToObject(r, HW_F_PEAK_PHASE, res->peak_phase);
        else
            cJSON_AddNullToObject(r, HW_F_PEAK_PHASE);
    }
    num_if(r, HW_F_SAMPLER_PEAK_BYTES, res->sampler_peak_bytes);
    if (res->container)
        cJSON_AddItemToObject(r, HW_F_CONTAINER, res->container);
    if (res->expect_verdict) {
        cJSON_AddStringToObject(r, HW_F_EXPECT_VERDICT, res->expect_verdict);
        cJSON_AddNumberToObject(r, HW_F_EXPECT_ERROR, res->expect_error);
    }
    cJSON_AddItemToObject(r, HW_F_RUSAGE, rusage_json(&res->rusage));
    if (res->phases_last)
        cJSON_AddItemToObject(r, HW_F_PHASES, res->phases);
    num_if(r, HW_F_LARGEST_PROCESS_RSS_BYTES, res->largest_process_rss_bytes);
    if (res->warnings)
        cJSON_AddItemToObject(r, HW_F_WARNINGS, res->warnings);
    item_or_null(r, HW_F_OUTPUT, res->output);
    item_or_null(r, HW_F_TIMELINE, res->timeline);
    if (res->throughput)
        cJSON_AddItemToObject(r, HW_F_THROUGHPUT, res->throughput);
    res->phases = res->warnings = res->output = res->timeline = res->throughput = res->container = NULL;
}

cJSON *hw_schema_phase(const struct hw_phase_fields *p)
{
    cJSON *ph = cJSON_CreateObject();
    cJSON_AddStringToObject(ph, HW_F_NAME, p->name);
    cJSON_AddNumberToObject(ph, HW_F_DEPTH, p->depth);
    cJSON_AddNumberToObject(ph, HW_F_START_SECONDS, p->start_seconds);
    cJSON_AddNumberToObject(ph, HW_F_WALL_SECONDS, p->wall_seconds);
    cJSON_AddNumberToObject(ph, HW_F_PEAK_RSS_BYTES, p->peak_rss_bytes);
    cJSON_AddStringToObject(ph, HW_F_PEAK_METHOD, p->peak_method);
    cJSON_AddBoolToObject(ph, HW_F_CLOSED_BY_EXIT, p->closed_by_exit);
    num_if(ph, HW_F_COMMAND_PEAK_RSS_BYTES, p->command_peak_rss_bytes);
    num_if(ph, HW_F_COMMAND_RSS_START_BYTES, p->command_rss_start_bytes);
    num_if(ph, HW_F_COMMAND_RSS_END_BYTES, p->command_rss_end_bytes);
    return ph;
}
