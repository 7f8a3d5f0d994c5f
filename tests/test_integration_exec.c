/* Integration: `highwater exec` on real programs (python3, standard library only). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "json.h"
#include "procfs.h"
#include "report.h"
#include "testutil.h"

#define MIB (1024.0 * 1024.0)
static char bin[512], work[] = "/tmp/hw-test-integration-exec-XXXXXX";

static int setup(void **state)
{
    tu_bin(bin, sizeof bin);
    return tu_scratch_setup(state);
}

/* work/NAME holds text (failing the test when it cannot be written); its path in path. */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", work, name);
    tu_put_file(path, text);
}

/* A parent and two forked children each holding 100 MiB (touched) at once: the tree's summed
 * peak covers all three (>= 300 MiB), the largest single process one of them (~100 MiB). */
static void fork_tree_is_summed(void **state)
{
    (void)state;
    const char *py =
        "import os, time\n"
        "a = bytearray(100 * 1024 * 1024)\n"
        "kids = []\n"
        "for i in range(2):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        b = bytearray(100 * 1024 * 1024); time.sleep(0.5); os._exit(0)\n"
        "    kids.append(pid)\n"
        "for k in kids: os.waitpid(k, 0)\n";
    char path[700];
    write_file("tree.py", py, path, sizeof path);
    assert_int_equal(tu_sh("%s exec -o %s/tree.json -- python3 %s > /dev/null", bin, work, path), 0);
    cJSON *r = tu_report("%s/tree.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    double peak = hw_jnum(run, "peak_rss_bytes"), largest = hw_jnum(run, "largest_process_rss_bytes");
    /* Each child shares the parent's 100 MiB copy-on-write (counted in its RSS too) and adds
     * its own 100 MiB: RSS sums count shared pages once per process, which is what the tree
     * costs the cgroup at most. Three processes with >= 100 MiB each: >= 300 MiB. */
    assert_true(peak >= 300 * MIB);
    assert_true(largest >= 100 * MIB && largest < peak);
    assert_int_equal(hw_jnum(run, "exit_code"), 0);
    cJSON_Delete(r);
}

/* Known per-phase allocations: phase "small" holds 100 MiB, phase "big" 300 MiB (each freed at
 * its end, sleeping so the 1 ms sampler sees the plateau). Each phase's peak is the process
 * baseline plus its allocation, within 5%. */
static void phases_attributed(void **state)
{
    (void)state;
    const char *py =
        "import os, sys, time\n"
        "sys.path.insert(0, 'scripts')\n"
        "from highwater_phase import phase\n"
        "time.sleep(0.2)\n"
        "with phase('small'):\n"
        "    a = bytearray(100 * 1024 * 1024); time.sleep(0.3); del a\n"
        "time.sleep(0.2)\n"
        "with phase('big'):\n"
        "    b = bytearray(300 * 1024 * 1024); time.sleep(0.3); del b\n";
    char path[700];
    write_file("phases.py", py, path, sizeof path);
    assert_int_equal(tu_sh("%s exec -o %s/phases.json -- python3 %s > /dev/null", bin, work, path), 0);
    cJSON *r = tu_report("%s/phases.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0), *p;
    /* The baseline: the tree's RSS in the last sample before the first phase begins (python
     * with its imports done, ~10 MiB). */
    const cJSON *tl = cJSON_GetObjectItem(run, "timeline"), *t;
    double first = hw_jnum(cJSON_GetArrayItem(cJSON_GetObjectItem(run, "phases"), 0), "start_seconds");
    double base = 0;
    int i = 0;
    cJSON_ArrayForEach(t, cJSON_GetObjectItem(tl, "t")) {
        if (t->valuedouble < first)
            base = cJSON_GetArrayItem(cJSON_GetObjectItem(tl, "rss"), i)->valuedouble;
        i++;
    }
    assert_true(base > 0);
    int n = 0;
    cJSON_ArrayForEach(p, cJSON_GetObjectItem(run, "phases")) {
        double want = base + (strcmp(hw_jstr(p, "name"), "small") == 0 ? 100 : 300) * MIB;
        double got = hw_jnum(p, "peak_rss_bytes");
        if (fabs(got - want) > 0.05 * want)
            fail_msg("phase %s: %.0f, expected %.0f within 5%%", hw_jstr(p, "name"), got, want);
        /* The command's own process, exact through clear_refs: the same, within 5%, and never
         * below what the sampler saw (up to the counters' resolution, 1 MiB here). */
        double exact = hw_jnum(p, "command_peak_rss_bytes");
        if (!(fabs(exact - want) <= 0.05 * want && exact >= got - MIB))
            fail_msg("phase %s: exact %.0f vs sampled %.0f, expected %.0f", hw_jstr(p, "name"), exact, got, want);
        n++;
    }
    assert_int_equal(n, 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "warnings")), 0);
    cJSON_Delete(r);
}

/* Bad markers, a closed fd and a command that never writes: all recorded, none fatal. */
static void marker_faults(void **state)
{
    (void)state;
    assert_int_equal(tu_sh("%s exec -o %s/bad.json -- sh -c 'echo garbage >&$HIGHWATER_PHASE_FD; "
                           "echo \"end nope\" >&$HIGHWATER_PHASE_FD; echo \"begin open\" >&$HIGHWATER_PHASE_FD; "
                           "exec 3>&-; eval \"exec $HIGHWATER_PHASE_FD>&-\"; sleep 0.1; exit 7' > /dev/null", bin, work), 0);
    cJSON *r = tu_report("%s/bad.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    const cJSON *w = cJSON_GetObjectItem(run, "warnings");
    assert_int_equal(cJSON_GetArraySize(w), 3);
    assert_string_equal(cJSON_GetArrayItem(w, 0)->valuestring, "malformed marker 'garbage': expected 'begin NAME' or 'end NAME'");
    assert_string_equal(cJSON_GetArrayItem(w, 1)->valuestring, "'end nope' has no open phase of that name; ignored");
    assert_string_equal(cJSON_GetArrayItem(w, 2)->valuestring, "phase 'open' was never ended; closed when the command exited");
    assert_int_equal(hw_jnum(run, "exit_code"), 7);
    cJSON_Delete(r);
    assert_int_equal(tu_sh("%s exec -o %s/quiet.json -- true > /dev/null", bin, work), 0);
    /* Parsed as is, not through hw_report_load: `true` ends before the first 1 ms sample, so
     * exec records a 0 peak, which the report check refuses (an open defect, see the README's
     * hostile-input section); the phases must still be there, and none. */
    r = cJSON_Parse(tu_read_or_fail("%s/quiet.json", work));
    assert_non_null(r);
    const cJSON *phases = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0), "phases");
    assert_true(cJSON_IsArray(phases));
    assert_int_equal(cJSON_GetArraySize(phases), 0);
    cJSON_Delete(r);
}

static void missing_command_and_budget(void **state)
{
    (void)state;
    char out[700];
    snprintf(out, sizeof out, "%s/err.txt", work);
    assert_int_equal(tu_sh("%s exec -- /nonexistent/tool 2> %s", bin, out), 2);
    FILE *f = fopen(out, "r");
    char buf[512] = "";
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "highwater exec: cannot run '/nonexistent/tool': No such file or directory; check the command and PATH\n");
    assert_int_equal(tu_sh("%s exec --budget 50MiB -o %s/over.json -- python3 -c 'import time; a = bytearray(200 << 20); time.sleep(2)' > /dev/null", bin, work), 1);
    cJSON *r = tu_report("%s/over.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    assert_string_equal(hw_jstr(run, "status"), "over_budget");
    assert_true(hw_jnum(run, "wall_seconds") < 1.5);   /* killed, not waited for */
    cJSON_Delete(r);
}

/* Ctrl-C: the command's whole tree goes, the report is still written, exit 130. */
static void ctrl_c_kills_the_tree(void **state)
{
    (void)state;
    char report[700], pidfile[700];
    snprintf(report, sizeof report, "%s/int.json", work);
    snprintf(pidfile, sizeof pidfile, "%s/kid.pid", work);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        char code[900];
        snprintf(code, sizeof code, "import os, time\npid = os.fork()\nif pid == 0:\n    time.sleep(60); os._exit(0)\n"
                 "open('%s', 'w').write(str(pid))\ntime.sleep(60)\n", pidfile);
        execl(bin, "highwater", "exec", "-o", report, "--", "python3", "-c", code, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500 && access(pidfile, R_OK) != 0; i++)
        usleep(10000);
    usleep(50000);
    FILE *f = fopen(pidfile, "r");
    assert_non_null(f);
    int kid = 0;
    assert_int_equal(fscanf(f, "%d", &kid), 1);
    fclose(f);
    assert_int_equal(kill(pid, SIGINT), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 130);
    /* Gone, or a zombie waiting for whoever adopted it to reap it: not running either way. */
    char stat[64], buf[256] = "";
    snprintf(stat, sizeof stat, "/proc/%d/stat", kid);
    bool alive = false;
    for (int i = 0; i < 50; i++) {
        usleep(10000);
        FILE *sf = fopen(stat, "r");
        alive = sf && fgets(buf, sizeof buf, sf) && strrchr(buf, ')') && strrchr(buf, ')')[2] != 'Z';
        if (sf)
            fclose(sf);
        if (!alive)
            break;
    }
    assert_false(alive);
    cJSON *r = tu_report("%s/int.json", work);
    assert_non_null(r);
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0), "status"), "failed");
    cJSON_Delete(r);
}

static void example_pipeline(void **state)
{
    (void)state;
    assert_int_equal(tu_sh("%s exec -o %s/ex.json -- python3 scripts/example_pipeline.py > /dev/null", bin, work), 0);
    cJSON *r = tu_report("%s/ex.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "phases")), 3);
    cJSON_Delete(r);
    /* The gate takes exec reports: the same run against itself passes. */
    assert_int_equal(tu_sh("%s gate %s/ex.json --baseline %s/ex.json > /dev/null", bin, work, work), 0);
    /* plan --from takes exec reports that say their size: three sizes, a line, a prediction. */
    for (int k = 1; k <= 3; k++)
        assert_int_equal(tu_sh("ROWS=%d00000 %s exec --rows %d00k -o %s/ex%d.json -- python3 scripts/example_pipeline.py > /dev/null",
                               k, bin, k, work, k), 0);
    assert_int_equal(tu_sh("%s plan --from %s/ex1.json %s/ex2.json %s/ex3.json --rows 1M > %s/plan.out", bin, work, work,
                           work, work), 0);
    assert_int_equal(tu_sh("grep -q 'plan for 1M rows (fit on 3 reports' %s/plan.out", work), 0);
}

/* ---- issue 11: nothing lost, nothing left behind ---- */

/* The number a file starts with (a pid, a KiB count); 0 when it is missing or holds none. */
static int read_int(const char *path)
{
    char buf[64];
    return hw_read_text(path, buf, sizeof buf) > 0 ? atoi(buf) : 0;
}

/* Running (not gone and not a zombie). */
static bool running(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    const char *end = hw_read_text(path, buf, sizeof buf) > 0 ? strrchr(buf, ')') : NULL;
    return end && end[1] && end[2] != 'Z';
}

static bool exists(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d", pid);
    return access(path, F_OK) == 0;
}

/* Our own memory cgroup v1 directory + "/hw-PID-exec", where exec PID puts its tree. */
static void cgroup_dir(int pid, char *out, size_t len)
{
    char line[1024];
    out[0] = '\0';
    FILE *f = fopen("/proc/self/cgroup", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, ":memory:");
        if (!p)
            continue;
        p += strlen(":memory:");
        p[strcspn(p, "\n")] = '\0';
        snprintf(out, len, "/sys/fs/cgroup/memory%s/hw-%d-exec", strcmp(p, "/") ? p : "", pid);
    }
    if (f)
        fclose(f);
}

/* Parents of these fixtures wait for the grandchild's pid file. */
#define WAIT_FOR_PID "while not os.path.exists(sys.argv[1]):\n    time.sleep(0.01)\n"

/* work/NAME: a python command that double-forks a grandchild (setsid'd between the forks
 * when `detach`). The grandchild runs `hold` (python at 8 spaces, "" for nothing), writes its
 * pid to the file argv[1] names (write, then rename: a reader never sees half of it), then
 * runs `linger` (one statement); the middle process exits at once; the command itself then
 * runs `command` (python at column 0). Its path in path. */
static void grandchild_fixture(const char *name, bool detach, const char *hold, const char *linger,
                               const char *command, char *path, size_t len)
{
    char text[2048];
    snprintf(text, sizeof text,
             "import os, sys, time\n"
             "if os.fork() == 0:\n"
             "%s"
             "    if os.fork() == 0:\n"
             "%s"
             "        open(sys.argv[1] + '.tmp', 'w').write(str(os.getpid()))\n"
             "        os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
             "        %s\n"
             "    os._exit(0)\n"
             "%s",
             detach ? "    os.setsid()\n" : "", hold, linger, command);
    write_file(name, text, path, len);
}

/* exec of the fixture at path (with HIGHWATER_NO_CGROUP=1 in mode 1), its report in
 * work/NAME.json: the exit code, the seconds it took in *secs (when not NULL), the
 * grandchild's pid in *gc (0: never written) and in *left whether it outlived exec; it is
 * killed here then, so a failing assertion after this leaves no process behind. */
static int exec_fixture(int mode, const char *name, const char *path, const char *pidfile, double *secs,
                        int *gc, bool *left)
{
    unlink(pidfile);
    double t0 = hw_now();
    int rc = tu_sh("%s %s exec -o %s/%s.json -- python3 %s %s > /dev/null", mode ? "HIGHWATER_NO_CGROUP=1" : "",
                   bin, work, name, path, pidfile);
    if (secs)
        *secs = hw_now() - t0;
    *gc = read_int(pidfile);
    *left = *gc > 0 && exists(*gc);
    if (*left)
        kill(*gc, SIGKILL);
    return rc;
}

/* 1000 phases written in one burst just before the command exits: every one is in the report,
 * in order (they were lost when the pipe was not read to EOF: the binary before the fix kept
 * 421 or 625 of them in 15 runs here). */
static void marker_burst_before_exit(void **state)
{
    (void)state;
    char path[700];
    write_file("burst.py",
               "import os\n"
               "fd = int(os.environ['HIGHWATER_PHASE_FD'])\n"
               "data = ''.join('begin p%d\\nend p%d\\n' % (i, i) for i in range(1000)).encode()\n"
               "while data:\n"
               "    data = data[os.write(fd, data):]\n",
               path, sizeof path);
    assert_int_equal(tu_sh("%s exec -o %s/burst.json -- python3 %s > /dev/null", bin, work, path), 0);
    cJSON *r = tu_report("%s/burst.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0), *p;
    const cJSON *phases = cJSON_GetObjectItem(run, "phases");
    assert_int_equal(cJSON_GetArraySize(phases), 1000);
    int i = 0;
    cJSON_ArrayForEach(p, phases) {
        char want[16];
        snprintf(want, sizeof want, "p%d", i++);
        assert_string_equal(hw_jstr(p, "name"), want);
        assert_false(cJSON_IsTrue(cJSON_GetObjectItem(p, "closed_by_exit")));
    }
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "warnings")), 0);
    cJSON_Delete(r);
}

/* A double-forked grandchild holding 150 MiB while the command waits: its memory is the
 * tree's (173 MiB here, both ways; the binary before the fix, which found the tree through
 * ppid links from the command, reported 14 to 39 MiB in 8 runs), and it is gone, reaped, once
 * exec returns. With and without the cgroup. */
static void double_fork_counted(void **state)
{
    (void)state;
    char path[700], pidfile[700];
    snprintf(pidfile, sizeof pidfile, "%s/gc.pid", work);
    grandchild_fixture("dfork.py", false, "        a = b'\\x01' * (150 << 20)\n", "time.sleep(60)",
                       WAIT_FOR_PID "time.sleep(0.3)\n", path, sizeof path);
    for (int mode = 0; mode < 2; mode++) {
        int gc;
        bool left;
        int rc = exec_fixture(mode, "dfork", path, pidfile, NULL, &gc, &left);
        assert_int_equal(rc, 0);
        assert_true(gc > 0);
        cJSON *r = tu_report("%s/dfork.json", work);
        const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
        double peak = hw_jnum(run, "peak_rss_bytes");
        if (peak < 150 * MIB) {
            cJSON_Delete(r);
            fail_msg("mode %d: tree peak %.1f MiB, expected >= 150 MiB", mode, peak / MIB);
        }
        assert_false(left);
        const char *method = hw_jstr(run, "tree_method");
        if (mode)
            assert_string_equal(method, "subreaper and children walk (no cgroup: HIGHWATER_NO_CGROUP is set)");
        else
            assert_true(strncmp(method, "cgroup v1 memory /sys/fs/cgroup/memory/", 39) == 0 &&
                        access(method + 17, F_OK) != 0);   /* and removed */
        cJSON_Delete(r);
    }
}

/* setsid + double fork, sleeping forever, the fd of markers held open: after exec returns
 * (at once, not after a timeout) that pid no longer exists. */
static void setsid_grandchild_killed(void **state)
{
    (void)state;
    char path[700], pidfile[700];
    snprintf(pidfile, sizeof pidfile, "%s/daemon.pid", work);
    grandchild_fixture("daemon.py", true, "", "while True: time.sleep(1000)", WAIT_FOR_PID, path, sizeof path);
    for (int mode = 0; mode < 2; mode++) {
        int gc;
        bool left;
        double secs;
        int rc = exec_fixture(mode, "daemon", path, pidfile, &secs, &gc, &left);
        assert_int_equal(rc, 0);
        assert_true(gc > 0);
        assert_false(left);
        if (secs > 0.9)   /* under the 1 s bound on reading the marker fd to EOF */
            fail_msg("mode %d: exec took %.2f s", mode, secs);
        cJSON *r = tu_report("%s/daemon.json", work);
        const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(run, "warnings")), 0);
        cJSON_Delete(r);
    }
}

/* SIGKILL of exec itself runs none of its code: its guard kills the setsid'd grandchild and
 * removes the cgroup within 2 s. With and without the cgroup. */
static void sigkill_of_exec_cleans_up(void **state)
{
    (void)state;
    char path[700], pidfile[700], report[700], cg[1200];
    snprintf(pidfile, sizeof pidfile, "%s/orphan.pid", work);
    snprintf(report, sizeof report, "%s/killed.json", work);
    grandchild_fixture("orphan.py", true, "", "while True: time.sleep(1000)", "time.sleep(60)\n", path,
                       sizeof path);
    /* The orphans (the guard, the grandchild) come to us, to be reaped: so "gone" is exact. */
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    for (int mode = 0; mode < 2; mode++) {
        unlink(pidfile);
        pid_t ex = fork();
        if (ex == 0) {
            freopen("/dev/null", "w", stdout);
            if (mode)
                setenv("HIGHWATER_NO_CGROUP", "1", 1);
            execl(bin, "highwater", "exec", "-o", report, "--", "python3", path, pidfile, (char *)NULL);
            _exit(127);
        }
        cgroup_dir(ex, cg, sizeof cg);
        for (int i = 0; i < 500 && access(pidfile, R_OK) != 0; i++)
            usleep(10000);
        usleep(100000);   /* a few samples: without a cgroup the guard knows what exec saw */
        int gc = read_int(pidfile);
        bool had_cg = access(cg, F_OK) == 0;
        kill(ex, SIGKILL);
        waitpid(ex, NULL, 0);
        bool gone = false, cg_gone = false;
        for (int i = 0; i < 200 && !(gone && cg_gone); i++) {
            usleep(10000);
            while (waitpid(-1, NULL, WNOHANG) > 0) {
            }
            gone = gc > 0 && !exists(gc);
            cg_gone = access(cg, F_OK) != 0;
        }
        bool alive = gc > 0 && running(gc);
        if (alive)
            kill(gc, SIGKILL);
        if (!cg_gone)
            rmdir(cg);
        assert_true(gc > 0);
        assert_false(alive);
        assert_true(gone);
        assert_int_equal(had_cg, mode == 0);
        assert_true(cg_gone);
    }
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* 64 MiB without a newline, then a valid phase: exec holds at most its 4 KiB line (its own
 * VmHWM, read by the command from /proc/PPID/status, stays small), says so once, keeps the
 * phase after the newline, and is quick. Measured here: 0.5 s and a VmHWM of 2.6 MiB; the
 * binary before the fix, which rescanned its buffer on every read, took 36 s. The bands
 * (10 s, 16 MiB) leave room for a loaded 2-core machine and still catch that rescan. */
static void long_marker_line_capped(void **state)
{
    (void)state;
    char path[700], hwmfile[700];
    snprintf(hwmfile, sizeof hwmfile, "%s/hwm.txt", work);
    write_file("flood.py",
               "import os, sys, time\n"
               "fd = int(os.environ['HIGHWATER_PHASE_FD'])\n"
               "chunk = b'x' * 65536\n"
               "for i in range(1024):\n"
               "    d = chunk\n"
               "    while d: d = d[os.write(fd, d):]\n"
               "os.write(fd, b'\\nbegin x\\nend x\\n')\n"
               "time.sleep(0.3)\n"
               "st = open('/proc/%d/status' % os.getppid()).read()\n"
               "open(sys.argv[1], 'w').write(st.split('VmHWM:')[1].split()[0])\n",
               path, sizeof path);
    double t0 = hw_now();
    assert_int_equal(tu_sh("%s exec -o %s/flood.json -- python3 %s %s > /dev/null", bin, work, path, hwmfile), 0);
    double secs = hw_now() - t0;
    if (secs > 10)
        fail_msg("exec took %.1f s for 64 MiB of marker bytes", secs);
    int hwm_kib = read_int(hwmfile);
    if (!(hwm_kib > 0 && hwm_kib < 16 * 1024))
        fail_msg("exec's own VmHWM %d KiB, expected < 16 MiB", hwm_kib);
    cJSON *r = tu_report("%s/flood.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    const cJSON *w = cJSON_GetObjectItem(run, "warnings"), *phases = cJSON_GetObjectItem(run, "phases");
    assert_int_equal(cJSON_GetArraySize(w), 1);
    assert_string_equal(cJSON_GetArrayItem(w, 0)->valuestring, "marker line longer than 4096 bytes ignored, up to its newline");
    assert_int_equal(cJSON_GetArraySize(phases), 1);
    assert_string_equal(hw_jstr(cJSON_GetArrayItem(phases, 0), "name"), "x");
    assert_false(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(phases, 0), "closed_by_exit")));
    cJSON_Delete(r);
}

/* ---- a fork pool's Pss; the sampler's pace ---- */

/* A fork pool: the parent touches S = 200 MiB, then forks k - 1 = 2 children that only read it
 * (copy-on-write, never copied), and all hold it for 4 s. Summing RSS counts the S shared pages
 * once per process, Pss (and the cgroup's charge) once:
 * - every process maps all S pages, so the RSS sum's peak is at least k*S, and Pss counts them
 *   once, plus what is not the pool: RSS sum - Pss >= (k-1)*S, less the counters' resolution
 *   (statm's per-CPU batches, well under 1 MiB a process);
 * - no process is above the largest one L, so the RSS sum is at most k*L, and the Pss holds
 *   the pool at least once: RSS sum - Pss <= k*L - S;
 * - the group is charged each page once, by the parent that touched it: at least S, and below
 *   2*S (the interpreters and page tables are far below another S).
 * The Pss reader's gap after a reading is 399x its cost (0.5 s after its start at least): a
 * reading that came before the touch ended read at most the parent's S (6.6-7.1 ms measured
 * here), so the next one comes within 2.8 s, inside the 4 s after the touch. Measured: the
 * first reading at the start, the second at 0.5 s, after the touch; one of the whole pool
 * costs ~20 ms, so a third would be ~8 s later. */
static void fork_pool_pss(void **state)
{
    (void)state;
    const double S = 200 * MIB, k = 3;
    const char *py =
        "import os, time\n"
        "a = bytearray(b'\\x01') * (200 << 20)\n"
        "kids = []\n"
        "for i in range(2):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        s = sum(a[::4096]); time.sleep(4); os._exit(0 if s == (200 << 20) // 4096 else 1)\n"
        "    kids.append(pid)\n"
        "time.sleep(4)\n"
        "for k in kids: assert os.waitpid(k, 0)[1] == 0\n";
    char path[700];
    write_file("pool.py", py, path, sizeof path);
    assert_int_equal(tu_sh("%s exec -o %s/pool.json -- python3 %s > /dev/null", bin, work, path), 0);
    cJSON *r = tu_report("%s/pool.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    const cJSON *pss = cJSON_GetObjectItem(run, "pss");
    double rss = hw_jnum(run, "peak_rss_bytes"), L = hw_jnum(run, "largest_process_rss_bytes");
    double p = hw_jnum(pss, "peak_bytes"), eps = k * MIB;
    assert_int_equal(hw_jnum(run, "exit_code"), 0);
    assert_true(hw_jnum(pss, "readings") >= 1);
    if (!(p < rss && rss - p >= (k - 1) * S - eps && rss - p <= k * L - S))
        fail_msg("RSS sum %.0f MiB, Pss %.0f MiB, largest %.0f MiB: RSS - Pss should be within [%.0f, %.0f] MiB",
                 rss / MIB, p / MIB, L / MIB, ((k - 1) * S - eps) / MIB, (k * L - S) / MIB);
    double cg = hw_jnum(cJSON_GetObjectItem(run, "container"), "peak_bytes");
    if (!isnan(cg) && !(cg >= S && cg < 2 * S))
        fail_msg("cgroup peak %.0f MiB: the pool charged once is within [%.0f, %.0f) MiB", cg / MIB, S / MIB, 2 * S / MIB);
    cJSON_Delete(r);
}

/* 100 sleeping processes on the machine beside a command of 5 (sh and 4 sleeps) for 3 s, at
 * 1 ms: the tree is found from the kernel, not by scanning every process, so the sampler keeps
 * its interval and its cost. Bands, for a 2-core machine shared with other jobs:
 * - samples >= 80% of wall / interval: the sampler waits until each sample is due and only
 *   drops one when it wakes more than an interval late, so it loses samples only while it is
 *   off the CPU; 80% tolerates 0.6 s of that in 3 s. The scan made 27% here (61% in the
 *   issue), with the cgroup 81-88% before the wait was kept to the schedule; now 99%.
 * - exec's own CPU (every thread) < 10% of a core: merely waking 1000 times a second costs
 *   2-3% here, the scan cost 31-70%, and 10% leaves room for a loaded machine. */
static pid_t g_sleepers[100];

static void sleepers_end(void)
{
    for (size_t i = 0; i < sizeof g_sleepers / sizeof g_sleepers[0]; i++)
        if (g_sleepers[i] > 0) {
            kill(g_sleepers[i], SIGKILL);
            waitpid(g_sleepers[i], NULL, 0);
            g_sleepers[i] = 0;
        }
}

static int sleepers_teardown(void **state)
{
    (void)state;
    sleepers_end();
    return 0;
}

static void pace_with(const char *env)
{
    assert_int_equal(tu_sh("%s %s exec -o %s/pace.json -- sh -c 'for i in 1 2 3 4; do sleep 3 & done; wait' > /dev/null",
                           env, bin, work), 0);
    cJSON *r = tu_report("%s/pace.json", work);
    const cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(r, "runs"), 0);
    double wall = hw_jnum(run, "wall_seconds"), cpu = hw_jnum(run, "sampler_cpu_seconds");
    double samples = hw_jnum(cJSON_GetObjectItem(run, "timeline"), "samples"), expected = wall * 1000.0;
    if (!(samples >= 0.8 * expected && cpu < 0.10 * wall))
        fail_msg("%s: %.0f samples of %.0f expected in %.2f s, exec's CPU %.3f s (%.1f%% of a core); want >= 80%% "
                 "and < 10%%", env, samples, expected, wall, cpu, 100 * cpu / wall);
    cJSON_Delete(r);
}

static void sampler_keeps_pace(void **state)
{
    (void)state;
    pid_t self = getpid();
    for (size_t i = 0; i < sizeof g_sleepers / sizeof g_sleepers[0]; i++) {
        g_sleepers[i] = fork();
        if (g_sleepers[i] == 0) {
            /* Killed with this test even when it crashes before its teardown. */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != self)
                _exit(0);
            for (;;)
                pause();
        }
        assert_true(g_sleepers[i] > 0);
    }
    pace_with("HIGHWATER_UNUSED=1");    /* the tree's cgroup, where there is one */
    pace_with("HIGHWATER_NO_CGROUP=1"); /* the subreaper's children walk */
    sleepers_end();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fork_tree_is_summed),
        cmocka_unit_test(phases_attributed),
        cmocka_unit_test(marker_faults),
        cmocka_unit_test(missing_command_and_budget),
        cmocka_unit_test(ctrl_c_kills_the_tree),
        cmocka_unit_test(example_pipeline),
        cmocka_unit_test(marker_burst_before_exit),
        cmocka_unit_test(double_fork_counted),
        cmocka_unit_test(setsid_grandchild_killed),
        cmocka_unit_test(sigkill_of_exec_cleans_up),
        cmocka_unit_test(long_marker_line_capped),
        cmocka_unit_test(fork_pool_pss),
        cmocka_unit_test_teardown(sampler_keeps_pace, sleepers_teardown),
    };
    tu_scratch = work;
    return cmocka_run_group_tests(tests, setup, tu_scratch_teardown);
}
