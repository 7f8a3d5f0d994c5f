/* Integration: the container's view on this machine's memory cgroup (v1 here): every run in
 * a group of its own, its peak beside the exact RSS peak, a memmap's page cache counted, runs
 * under a real limit (killed, or completed by reclaim), a budget on it, --find-limit, and a
 * run without a group. configs/ci.yaml's dataset at 250k rows (output 108.7 MiB). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "testutil.h"

#define MIB (1024.0 * 1024.0)
static char bin[512], work[] = "/tmp/hw-test-integration-container-XXXXXX";

static int setup(void **state)
{
    tu_bin(bin, sizeof bin);
    return tu_scratch_setup(state);
}

/* A config of ci.yaml's dataset, glibc, with the strategies' YAML lines given. */
static void config(const char *name, const char *strategies)
{
    char path[700], text[4096];
    snprintf(text, sizeof text, "name: %s\n%srun:\n  allocators: [glibc]\nstrategies:\n%s", name, TU_CI_DATASET,
             strategies);
    snprintf(path, sizeof path, "%s/%s.yaml", work, name);
    tu_put_file(path, text);
}

static const cJSON *run_of(const cJSON *report, const char *label)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(report, "runs"))
        if (strcmp(hw_jstr(r, "label"), label) == 0)
            return r;
    fail_msg("no run %s in the report", label);
    return NULL;
}

static const cJSON *phase_of(const cJSON *run, const char *name)
{
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(run, "phases"))
        if (strcmp(hw_jstr(p, "name"), name) == 0)
            return p;
    fail_msg("no phase %s in %s", name, hw_jstr(run, "label"));
    return NULL;
}

static double cg(const cJSON *o, const char *k)
{
    return hw_jnum(cJSON_GetObjectItem(o, "container"), k);
}

/* No group is left behind: every hw-PID-* group under this process's memory cgroup belongs
 * to a highwater still running (another test's, CI's beside this one). */
static void no_group_left(void)
{
    assert_int_equal(tu_sh("for d in /sys/fs/cgroup/memory$(grep ':memory:' /proc/self/cgroup | cut -d: -f3)/hw-*; do "
                           "[ -e \"$d\" ] || continue; p=${d##*/hw-}; p=${p%%%%-*}; kill -0 \"$p\" 2>/dev/null || "
                           "{ echo \"left: $d\"; exit 1; }; done; exit 0"), 0);
}

/* An anonymous output: the group's peak is the run's RSS peak but for the file pages RSS
 * counts and the group does not (the binary's and libraries' pages, charged to whoever read
 * them first, ~2 MiB here) and the kernel memory the group counts and RSS does not (page
 * tables, ~0.5 MiB for 230 MiB): within 1% + 1 MiB. A memmap output's pages are the group's
 * page cache: at the end, after the source is dropped, file bytes exceed anon bytes. */
static void the_group_beside_rss(void **state)
{
    (void)state;
    config("plain", "  - name: fused-single-pass\n  - name: memmap\n");
    assert_int_equal(tu_sh("%s run %s/plain.yaml -o %s/plain.json > %s/plain.out 2>&1", bin, work, work, work), 0);
    cJSON *r = tu_report("%s/plain.json", work);
    const cJSON *f = run_of(r, "fused-single-pass"), *m = run_of(r, "memmap");
    double peak = hw_jnum(f, "peak_rss_bytes"), cgp = cg(f, "peak_bytes");
    printf("# fused-single-pass: RSS peak %.1f MiB, cgroup peak %.1f MiB\n", peak / MIB, cgp / MIB);
    assert_string_equal(hw_jstr(cJSON_GetObjectItem(f, "container"), "interface"), "cgroup v1");
    assert_true(fabs(cgp - peak) <= 0.01 * peak + MIB);
    const cJSON *end = cJSON_GetObjectItem(phase_of(m, "drop_source"), "container");
    printf("# memmap at its end: file %.1f MiB, anon %.1f MiB\n", hw_jnum(end, "file_end_bytes") / MIB,
           hw_jnum(end, "anon_end_bytes") / MIB);
    assert_true(hw_jnum(end, "file_end_bytes") > hw_jnum(end, "anon_end_bytes"));
    assert_true(hw_jnum(end, "file_end_bytes") >= 0.9 * hw_jnum(m, "output_bytes"));
    /* The table shows the group's peak beside RSS. */
    assert_non_null(strstr(tu_scratch_read("plain.out"), "    cgroup "));
    cJSON_Delete(r);
    no_group_left();
}

/* Under a limit below its peak an anonymous run is killed by the kernel, and the report says
 * so with the phase; a memmap run under a limit below its RSS peak completes (the kernel
 * writes its dirty pages back and drops them) with the reference's output. */
static void runs_under_a_limit(void **state)
{
    (void)state;
    config("limit", "  - name: fused-single-pass\n    container_limit: 1.5x\n"
                    "  - name: memmap\n    container_limit: 1.6x\n");
    assert_int_equal(tu_sh("%s run %s/limit.yaml -o %s/limit.json > /dev/null 2>&1", bin, work, work), 0);
    cJSON *r = tu_report("%s/limit.json", work);
    const cJSON *f = run_of(r, "fused-single-pass"), *m = run_of(r, "memmap");
    assert_string_equal(hw_jstr(f, "status"), "oom_killed");
    assert_non_null(strstr(hw_jstr(f, "reason"), "during phase convert"));
    assert_string_equal(hw_jstr(cJSON_GetObjectItem(f, "container"), "outcome"), "oom_killed");
    assert_true(cg(f, "oom_kills") >= 1);
    assert_true(cg(f, "limit_bytes") == 1.5 * hw_jnum(f, "output_bytes"));
    assert_string_equal(hw_jstr(m, "status"), "ok");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "output"), "matches_reference")));
    assert_string_equal(hw_jstr(cJSON_GetObjectItem(m, "container"), "outcome"), "completed_with_reclaim");
    assert_true(cg(m, "limit_hits") > 0 && cg(m, "peak_bytes") <= cg(m, "limit_bytes"));
    cJSON_Delete(r);
    no_group_left();
}

/* budget.container: the run is made under that limit, and not surviving it fails the run
 * (exit 1, named); the experiment goes on to the next run. */
static void a_container_budget_fails_the_run(void **state)
{
    (void)state;
    config("budget", "  - name: fused-single-pass\n    budget: {container: 1.2x}\n  - name: whole-copy\n");
    assert_int_equal(tu_sh("%s run %s/budget.yaml -o %s/budget.json > /dev/null 2> %s/budget.err", bin, work, work,
                           work), 1);
    assert_non_null(strstr(tu_scratch_read("budget.err"),
                           "highwater: fused-single-pass/glibc did not survive its container budget"));
    cJSON *r = tu_report("%s/budget.json", work);
    assert_string_equal(hw_jstr(cJSON_GetObjectItem(run_of(r, "fused-single-pass"), "container"), "limit_source"),
                        "budget");
    assert_string_equal(hw_jstr(run_of(r, "whole-copy"), "status"), "ok");
    cJSON_Delete(r);
}

/* --find-limit: an anonymous output's smallest limit is its group peak (to the search's step
 * and the kernel's charge batch); an evicting memmap's is far below its RSS peak. Every try
 * that survived gave the reference's output; the answer is a try that survived. */
static void find_limit_finds_both_shapes(void **state)
{
    (void)state;
    config("find", "  - name: fused-single-pass\n  - name: memmap\n    params: {evict: true}\n");
    assert_int_equal(tu_sh("%s run %s/find.yaml --rows 50k --find-limit -o %s/find.json > %s/find.out 2>&1", bin, work,
                           work, work), 0);
    cJSON *r = tu_report("%s/find.json", work);
    const cJSON *f = run_of(r, "fused-single-pass"), *m = run_of(r, "memmap evict=true");
    double d = hw_jnum(f, "output_bytes");
    for (int i = 0; i < 2; i++) {
        const cJSON *run = i ? m : f, *ls = cJSON_GetObjectItem(run, "limit_search"), *t;
        double smallest = hw_jnum(ls, "smallest_surviving_bytes");
        assert_string_equal(hw_jstr(ls, "status"), "converged");
        assert_true(smallest - hw_jnum(ls, "largest_failing_bytes") <= 0.01 * d);
        bool answer_tried = false;
        cJSON_ArrayForEach(t, cJSON_GetObjectItem(ls, "tries"))
            answer_tried |= hw_jnum(t, "limit_bytes") == smallest && cJSON_IsTrue(cJSON_GetObjectItem(t, "survived"));
        assert_true(answer_tried);
        printf("# %s: RSS peak %.2fx, cgroup peak %.2fx, smallest limit %.2fx\n", hw_jstr(run, "label"),
               hw_jnum(run, "peak_rss_bytes") / d, cg(run, "peak_bytes") / d, smallest / d);
    }
    double fs = hw_jnum(cJSON_GetObjectItem(f, "limit_search"), "smallest_surviving_bytes");
    assert_true(fabs(fs - cg(f, "peak_bytes")) <= 0.01 * d + MIB);
    double ms = hw_jnum(cJSON_GetObjectItem(m, "limit_search"), "smallest_surviving_bytes");
    assert_true(ms < 0.9 * hw_jnum(m, "peak_rss_bytes"));
    assert_non_null(strstr(tu_scratch_read("find.out"), "smallest container limit that still gives"));
    cJSON_Delete(r);
    no_group_left();
}

/* Where no group can be made the run still runs, and says why there is no container figure. */
static void without_a_group_the_run_still_runs(void **state)
{
    (void)state;
    config("nogroup", "  - name: fused-single-pass\n");
    assert_int_equal(tu_sh("HIGHWATER_NO_CGROUP=1 %s run %s/nogroup.yaml --rows 50k -o %s/nogroup.json > /dev/null 2>&1",
                           bin, work, work), 0);
    cJSON *r = tu_report("%s/nogroup.json", work);
    const cJSON *c = cJSON_GetObjectItem(run_of(r, "fused-single-pass"), "container");
    assert_string_equal(hw_jstr(run_of(r, "fused-single-pass"), "status"), "ok");
    assert_string_equal(hw_jstr(c, "status"), "unavailable");
    assert_string_equal(hw_jstr(c, "reason"), "HIGHWATER_NO_CGROUP is set");
    cJSON_Delete(r);
}

/* exec's container is its tree's group: its peak beside the tree's RSS (a Python process
 * holding 150 MiB: the two within 3% + 4 MiB: the interpreter's file pages are RSS only), and
 * --container-limit below what the command needs is an OOM kill: exit 1, oom_killed. */
static void exec_in_its_container(void **state)
{
    (void)state;
    const char *py = "python3 -c 'b = bytearray(150 << 20); import time; time.sleep(0.3)'";
    assert_int_equal(tu_sh("%s exec -o %s/exec.json -- %s > %s/exec.out", bin, work, py, work), 0);
    assert_non_null(strstr(tu_scratch_read("exec.out"), ", cgroup peak "));
    cJSON *r = tu_report("%s/exec.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    double peak = hw_jnum(run, "peak_rss_bytes"), cgp = cg(run, "peak_bytes");
    printf("# exec: tree RSS peak %.1f MiB, cgroup peak %.1f MiB\n", peak / MIB, cgp / MIB);
    assert_true(cgp >= 150 * MIB && fabs(cgp - peak) <= 0.03 * peak + 4 * MIB);
    cJSON_Delete(r);
    assert_int_equal(tu_sh("%s exec --container-limit 64MiB -o %s/oom.json -- %s > /dev/null", bin, work, py), 1);
    r = tu_report("%s/oom.json", work);
    run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    assert_string_equal(hw_jstr(run, "status"), "oom_killed");
    assert_string_equal(hw_jstr(run, "reason"),
                        "the kernel's OOM killer killed 1 process(es) of the tree at its container limit 64.0 MiB");
    cJSON_Delete(r);
    no_group_left();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_group_beside_rss),
        cmocka_unit_test(runs_under_a_limit),
        cmocka_unit_test(a_container_budget_fails_the_run),
        cmocka_unit_test(find_limit_finds_both_shapes),
        cmocka_unit_test(without_a_group_the_run_still_runs),
        cmocka_unit_test(exec_in_its_container),
    };
    tu_scratch = work;
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
