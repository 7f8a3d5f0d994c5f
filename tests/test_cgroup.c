/* The memory cgroup module: locating and parsing against fixture trees of both interfaces,
 * then the real thing on this machine's cgroup (v1 here): a group's peak against a child's
 * exact high-water mark, a limit that kills, and removal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "cgroup.h"
#include "procfs.h"
#include "testutil.h"

static char dir[] = "/tmp/hw-test-cgroup-XXXXXX";

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    tu_put_file(path, text);
}

/* A container's view: cgroup v2 mounted at /sys/fs/cgroup with the memory controller, a
 * cgroup namespace whose root is the pod's group (mount root /kubepods/pod1). */
static void v2_is_found_below_a_namespaced_mount(void **state)
{
    (void)state;
    put("/proc/self/cgroup", "0::/kubepods/pod1/job\n");
    put("/proc/self/mountinfo",
        "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
        "30 22 0:26 /kubepods/pod1 /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n");
    put("/sys/fs/cgroup/job/cgroup.controllers", "cpuset cpu io memory pids\n");
    struct hw_cgroup cg;
    char why[256] = "";
    assert_int_equal(hw_cgroup_self(dir, &cg, why, sizeof why), 0);
    assert_int_equal(cg.kind, HW_CG_V2);
    char want[512];
    snprintf(want, sizeof want, "%s/sys/fs/cgroup/job", dir);
    assert_string_equal(cg.dir, want);
}

/* This machine's shape: v1 memory hierarchy, and a v2 mount without the memory controller,
 * which must not be taken. */
static void v1_is_taken_when_v2_has_no_memory(void **state)
{
    (void)state;
    put("/proc/self/cgroup", "4:memory:/process_api/abc\n3:cpuset:/\n0::/\n");
    put("/proc/self/mountinfo",
        "40 30 0:35 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "41 30 0:36 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
        "45 30 0:40 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
    put("/sys/fs/cgroup/unified/cgroup.controllers", "\n");
    struct hw_cgroup cg;
    char why[256] = "";
    assert_int_equal(hw_cgroup_self(dir, &cg, why, sizeof why), 0);
    assert_int_equal(cg.kind, HW_CG_V1);
    char want[512];
    snprintf(want, sizeof want, "%s/sys/fs/cgroup/memory/process_api/abc", dir);
    assert_string_equal(cg.dir, want);
}

static void no_memory_controller_is_said(void **state)
{
    (void)state;
    put("/proc/self/cgroup", "0::/user.slice\n");
    put("/proc/self/mountinfo", "45 30 0:40 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    put("/sys/fs/cgroup/user.slice/cgroup.controllers", "cpu io pids\n");
    struct hw_cgroup cg;
    char why[256] = "";
    assert_int_equal(hw_cgroup_self(dir, &cg, why, sizeof why), -1);
    assert_int_equal(cg.kind, HW_CG_NONE);
    assert_string_equal(why, "no memory cgroup controller is mounted for this process (cgroup v2 is mounted "
                             "without the memory controller, cgroup v1 has no memory hierarchy)");
}

static void v2_files_are_parsed(void **state)
{
    (void)state;
    put("/sys/fs/cgroup/run/memory.current", "1073741824\n");
    put("/sys/fs/cgroup/run/memory.stat",
        "anon 524288000\nfile 536870912\nkernel 9437184\nkernel_stack 65536\npagetables 1048576\n"
        "shmem 4096\nfile_mapped 0\nfile_dirty 268435456\nfile_writeback 8192\npgsteal_file 100\n");
    put("/sys/fs/cgroup/run/memory.events", "low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n");
    struct hw_cgroup cg = {.kind = HW_CG_V2};
    snprintf(cg.dir, sizeof cg.dir, "%s/sys/fs/cgroup/run", dir);
    struct hw_cg_stat st;
    assert_int_equal(hw_cgroup_stat(&cg, &st), 0);
    assert_true(st.current == 1073741824ull && st.anon == 524288000ull && st.file == 536870912ull);
    assert_true(st.kernel == 9437184ull && st.shmem == 4096 && st.dirty == 268435456ull && st.writeback == 8192);
    assert_true(st.limit_hits == 7 && st.oom == 1 && st.oom_kill == 1);
    assert_true(st.file_reclaimed == 100ull * (uint64_t)sysconf(_SC_PAGESIZE));
}

/* Before Linux 5.18 memory.stat has no "kernel": its parts are summed; a part missing too
 * leaves the figure unknown, never a partial sum that reads as measured. */
static void v2_kernel_from_its_parts(void **state)
{
    (void)state;
    struct hw_cg_stat st;
    hw_cg_parse_stat_v2("anon 1\nkernel_stack 10\npagetables 20\npercpu 30\nsock 40\nslab 50\n", &st);
    assert_true(st.kernel == 150);
    hw_cg_parse_stat_v2("anon 1\nkernel_stack 10\npagetables 20\n", &st);
    assert_true(st.kernel == HW_CG_UNKNOWN);
    assert_true(st.file == HW_CG_UNKNOWN);
}

static void keys_match_whole_names(void **state)
{
    (void)state;
    /* "file" must not match "file_dirty", and a total_ line is not the group's own. */
    const char *t = "file_dirty 5\ntotal_rss 9\nrss 3\nfile 7\nbad 12x\n";
    assert_true(hw_cg_key(t, "file") == 7);
    assert_true(hw_cg_key(t, "rss") == 3);
    assert_true(hw_cg_key(t, "bad") == HW_CG_UNKNOWN);
    assert_true(hw_cg_key(t, "missing") == HW_CG_UNKNOWN);
    struct hw_cg_stat st;
    hw_cg_parse_stat_v1("cache 4096\nrss 8192\nrss_huge 0\nshmem 0\nmapped_file 0\ndirty 4096\nwriteback 0\n", &st);
    assert_true(st.anon == 8192 && st.file == 4096 && st.dirty == 4096 && st.writeback == 0 && st.shmem == 0);
}

/* ---- this machine's own cgroup ---- */

static bool real_group(struct hw_cgroup *self, struct hw_cgroup *g, const char *tag)
{
    char why[256], name[64];
    if (hw_cgroup_self("", self, why, sizeof why) != 0) {
        /* Never on the machines this runs on (every process sits in a v1 memory group):
         * failing says the environment lost what the container view needs. */
        fail_msg("no memory cgroup: %s", why);
    }
    snprintf(name, sizeof name, "hw-%ld-test-%s", (long)getpid(), tag);
    assert_int_equal(hw_cgroup_make(self, name, g, why, sizeof why), 0);
    return true;
}

/* A child that joins g, touches mib MiB of anonymous memory and keeps it, and sends back its
 * VmHWM on a pipe. Its exit status is returned, its VmHWM in *hwm. */
/* A forked child in g touching mib MiB: its VmHWM, and in *inherited its RSS right after it
 * joined g (its parent's pages, charged to the parent's group, which it maps but g never
 * sees; a few hundred KiB here, about 4 MiB under ASan's shadow memory). */
static int child_in(const struct hw_cgroup *g, int mib, uint64_t *hwm, uint64_t *inherited)
{
    char procs[1100];
    int fds[2];
    hw_cgroup_procs_path(g, procs, sizeof procs);
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (hw_cgroup_join(procs) != 0)
            _exit(90);
        struct hw_status st0;
        if (hw_status_read(0, &st0) != 0)
            _exit(92);
        size_t n = (size_t)mib << 20;
        volatile char *p = malloc(n);
        if (!p)
            _exit(91);
        for (size_t i = 0; i < n; i += 4096)
            p[i] = (char)i;
        struct hw_status st;
        if (hw_status_read(0, &st) != 0)
            _exit(92);
        uint64_t two[2] = {st.vm_hwm, st0.vm_rss};
        if (write(fds[1], two, sizeof two) != (ssize_t)sizeof two)
            _exit(93);
        _exit(0);
    }
    close(fds[1]);
    uint64_t two[2] = {0, 0};
    if (read(fds[0], two, sizeof two) != (ssize_t)sizeof two)
        two[0] = two[1] = 0;
    *hwm = two[0];
    *inherited = two[1];
    close(fds[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

/* The group's peak is the child's anonymous memory plus its page tables, not its file-backed
 * RSS (libc's pages were charged to whoever read them first) nor the pages it inherited at
 * fork (charged to the parent's group): within 1% + 1 MiB of its VmHWM less those. Once, in
 * the ASan build, VmHWM ran 3.8 MB above the peak: the inherited shadow pages. */
static void a_groups_peak_is_the_childs(void **state)
{
    (void)state;
    struct hw_cgroup self, g;
    real_group(&self, &g, "peak");
    struct hw_cg_peak pk;
    assert_int_equal(hw_cg_peak_open(&g, &pk), 0);
    assert_int_equal(hw_cg_peak_reset(&pk), 0);
    uint64_t hwm, inherited;
    int st = child_in(&g, 256, &hwm, &inherited);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    uint64_t peak = hw_cg_peak_read(&pk);
    hw_cg_peak_close(&pk);
    double own = (double)hwm - (double)inherited, tol = 0.01 * own + (1 << 20);
    printf("# group peak %llu, child VmHWM %llu, inherited at fork %llu\n", (unsigned long long)peak,
           (unsigned long long)hwm, (unsigned long long)inherited);
    assert_true(hwm > (256u << 20));
    assert_true(peak != HW_CG_UNKNOWN && (double)peak > own - tol && (double)peak < own + tol);
    char why[256];
    assert_int_equal(hw_cgroup_remove(&g, why, sizeof why), 0);
    assert_int_equal(access(g.dir, F_OK), -1);
}

/* Under a limit below what the child touches, the kernel's OOM killer ends it (SIGKILL) and
 * the group's counters say so. */
static void a_limit_below_the_peak_kills(void **state)
{
    (void)state;
    struct hw_cgroup self, g;
    char why[256];
    real_group(&self, &g, "limit");
    assert_int_equal(hw_cgroup_set_limit(&g, 64u << 20, why, sizeof why), 0);
    uint64_t hwm, inherited;
    int st = child_in(&g, 256, &hwm, &inherited);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    struct hw_cg_stat cs;
    assert_int_equal(hw_cgroup_stat(&g, &cs), 0);
    assert_true(cs.oom_kill == 1);
    /* Charges failed before the kill: counted where there is no swap (no memsw limit beside);
     * with swap, v1 counts them nowhere and the figure must say unknown, not 0. */
    char swaps[4096] = "";
    hw_read_text("/proc/swaps", swaps, sizeof swaps);
    const char *nl = strchr(swaps, '\n');
    if (g.kind == HW_CG_V1 && nl && nl[1])
        assert_true(cs.limit_hits == HW_CG_UNKNOWN);
    else
        assert_true(cs.limit_hits != HW_CG_UNKNOWN && cs.limit_hits > 0);
    assert_int_equal(hw_cgroup_remove(&g, why, sizeof why), 0);
}

/* A group left by a killed run (its pid gone) is removed; one of a live process is not. */
static void stale_groups_are_swept(void **state)
{
    (void)state;
    struct hw_cgroup self, live, dead;
    char why[256], name[64];
    real_group(&self, &live, "sweep");
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    snprintf(name, sizeof name, "hw-%ld-1", (long)pid);
    assert_int_equal(hw_cgroup_make(&self, name, &dead, why, sizeof why), 0);
    assert_true(hw_cgroup_sweep_stale(&self) >= 1);
    assert_int_equal(access(dead.dir, F_OK), -1);
    assert_int_equal(access(live.dir, F_OK), 0);
    assert_int_equal(hw_cgroup_remove(&live, why, sizeof why), 0);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return tu_sh("rm -rf '%s'", dir) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v2_is_found_below_a_namespaced_mount),
        cmocka_unit_test(v1_is_taken_when_v2_has_no_memory),
        cmocka_unit_test(no_memory_controller_is_said),
        cmocka_unit_test(v2_files_are_parsed),
        cmocka_unit_test(v2_kernel_from_its_parts),
        cmocka_unit_test(keys_match_whole_names),
        cmocka_unit_test(a_groups_peak_is_the_childs),
        cmocka_unit_test(a_limit_below_the_peak_kills),
        cmocka_unit_test(stale_groups_are_swept),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
