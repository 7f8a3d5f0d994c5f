/* The command line as a user meets it, through the built binary: every command listed by
 * `highwater help` answers `help CMD`, `CMD --help` and `CMD -h` with the same text (its
 * usage and every one of its flags), an unknown command or `help NOSUCH` is one line and
 * exit 2, so is a bad NUMPY_MADVISE_HUGEPAGE, plot writes only the suffixes it can, and
 * --version names the build's commit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static char bin[512];
static char dir[] = "/tmp/hw-test-cli-XXXXXX";

/* Runs `highwater ARGS` with stdout in dir/out and stderr in dir/err; its exit code. */
static int hw(const char *args)
{
    return tu_sh("%s %s > %s/out 2> %s/err", bin, args, dir, dir);
}

/* Each command's flags, as the README documents them: the help must show exactly these. */
static const struct {
    const char *cmd;
    const char *flags[24];
} expected[] = {
    {"run", {"--output", "--strategies", "--allocators", "--rows", "--repeat", "--no-phase-reset",
             "--html", "--plan", "--fidelity", "--dry-run", "--no-timeline", "--find-limit", "--verbose",
             "--shard", "--shard-memory", "--jobs", "--recalibrate"}},
    {"list", {0}},
    {"gate", {"--baseline", "--tolerance", "--slack", "--junit", "--markdown", "--allow-missing",
              "--allow-shape-change"}},
    {"compare", {0}},
    {"merge", {"--output", "--allow-partial", "--sacct", "--sacct-interval"}},
    {"calibrate", {"--bytes", "--json"}},
    {"plan", {"--rows", "--fit", "--machine", "--headroom", "--output", "--strategies", "--allocators",
              "--from", "--find-limit"}},
    {"exec", {"--output", "--html", "--budget", "--container-limit", "--interval-ms", "--rows"}},
    {"plot", {"--output"}},
    {"dataset", {"--rows", "--output"}},
    {"fidelity", {"--rows", "--output", "--html", "--strategies", "--allocators", "--data", "--tolerance",
                  "--verbose"}},
    {"spec", {"--output", "--strategies", "--allocators", "--rows", "--repeat", "--no-phase-reset",
              "--html", "--plan", "--fidelity", "--dry-run", "--no-timeline", "--find-limit", "--verbose",
             "--shard", "--shard-memory", "--jobs", "--recalibrate"}},
    {"worker", {0}},
    {"help", {0}},
};

static void every_command_has_its_own_help(void **state)
{
    (void)state;
    assert_int_equal(hw("help"), 0);
    char *general = tu_scratch_slurp("out");
    /* The commands are the lines of the list indented by two spaces. */
    char names[32][32];
    int ncmd = 0;
    const char *p = strstr(general, "\ncommands:\n");
    assert_non_null(p);
    for (p = strchr(p + 1, '\n') + 1; *p && *p != '\n'; p = strchr(p, '\n') + 1) {
        if (p[0] == ' ' && p[1] == ' ' && p[2] != ' ') {
            assert_true(ncmd < 32);
            sscanf(p, "%31s", names[ncmd++]);
        }
    }
    assert_int_equal(ncmd, (int)(sizeof expected / sizeof expected[0]));
    for (int i = 0; i < ncmd; i++) {
        char args[1100];
        assert_string_equal(names[i], expected[i].cmd);
        snprintf(args, sizeof args, "help %s", names[i]);
        assert_int_equal(hw(args), 0);
        char *help = tu_scratch_slurp("out");
        snprintf(args, sizeof args, "%s --help", names[i]);
        assert_int_equal(hw(args), 0);
        char *dash = tu_scratch_slurp("out");
        char *err = tu_scratch_slurp("err");
        snprintf(args, sizeof args, "%s -h", names[i]);
        assert_int_equal(hw(args), 0);
        char *h = tu_scratch_slurp("out");
        if (strcmp(help, dash) != 0 || strcmp(help, h) != 0)
            fail_msg("%s: 'help %s' and '%s --help' differ:\n%s\n---\n%s", names[i], names[i], names[i], help, dash);
        assert_string_equal(err, "");
        char want[1100];
        snprintf(want, sizeof want, "usage: highwater %s", names[i]);
        assert_int_equal(strncmp(help, want, strlen(want)), 0);
        assert_string_not_equal(help, general);
        /* Every flag, and no other: one line each, plus -h, --help. */
        int nflags = 0;
        for (const char *const *f = expected[i].flags; *f; f++, nflags++) {
            char line[64];
            snprintf(line, sizeof line, " %s ", *f);
            if (!strstr(help, line))
                fail_msg("'%s --help' does not show %s:\n%s", names[i], *f, help);
        }
        assert_non_null(strstr(help, "  -h, --help "));
        const char *opts = strstr(help, "\noptions:\n");
        assert_non_null(opts);
        assert_int_equal(tu_lines(opts) - 2, nflags + 1);
        free(help);
        free(dash);
        free(err);
        free(h);
    }
    free(general);
}

/* Defaults are shown from the flag table, where the parser takes them from too. */
static void help_shows_defaults(void **state)
{
    (void)state;
    assert_int_equal(hw("gate --help"), 0);
    char *out = tu_scratch_slurp("out");
    assert_non_null(strstr(out, "(default 1%)\n"));
    assert_non_null(strstr(out, "(default 2MiB)\n"));
    free(out);
}

static void unknown_command_is_one_line(void **state)
{
    (void)state;
    assert_int_equal(hw("help nosuch"), 2);
    char *err = tu_scratch_slurp("err"), *out = tu_scratch_slurp("out");
    assert_string_equal(err, "highwater help: nosuch: no such command; see 'highwater help' for the commands\n");
    assert_string_equal(out, "");
    free(err);
    free(out);
    assert_int_equal(hw("nosuch --help"), 2);
    err = tu_scratch_slurp("err");
    assert_string_equal(err, "highwater: unknown command 'nosuch'; see 'highwater help'\n");
    free(err);
}

/* numpy's switch (NUMPY_MADVISE_HUGEPAGE, common/numpy_env.h) is input: a value numpy's import
 * would fail on is one line and exit 2 before anything runs, and no report is written. */
static void a_bad_numpy_switch_is_one_line_before_any_run(void **state)
{
    (void)state;
    assert_int_equal(tu_sh("NUMPY_MADVISE_HUGEPAGE=1.5 %s run configs/ci.yaml -o %s/r.json > %s/out 2> %s/err",
                           bin, dir, dir, dir), 2);
    char *err = tu_scratch_slurp("err"), *out = tu_scratch_slurp("out");
    assert_string_equal(err, "highwater: NUMPY_MADVISE_HUGEPAGE='1.5' is not an integer (numpy's import "
                             "fails on it); set it to 0 or 1, or unset it\n");
    assert_string_equal(out, "");
    assert_int_equal(tu_sh("test -e %s/r.json", dir), 1);
    free(err);
    free(out);
}

/* plot writes .html or .svg, nothing under another name (no HTML in a .png), and a plan,
 * which has no SVG form, only .html. */
static void plot_takes_only_its_suffixes(void **state)
{
    (void)state;
    char args[1024];
    snprintf(args, sizeof args, "plot results/baselines/ci.json -o %s/x.png", dir);
    assert_int_equal(hw(args), 2);
    char *err = tu_scratch_slurp("err");
    char want[512];
    snprintf(want, sizeof want, "highwater plot: %s/x.png: plot writes .html (the page) or .svg (the summary "
             "chart); name the output OUT.html or OUT.svg\n", dir);
    assert_string_equal(err, want);
    free(err);
    assert_int_equal(tu_sh("test -e %s/x.png || test -e %s/x.png.tmp", dir, dir), 1);

    snprintf(args, sizeof args, "plot results/ci-plan-16M.json -o %s/plan.svg", dir);
    assert_int_equal(hw(args), 2);
    err = tu_scratch_slurp("err");
    assert_non_null(strstr(err, "plan.svg: a plan plots as an HTML page only; name the output OUT.html\n"));
    assert_int_equal(tu_lines(err), 1);
    free(err);
    assert_int_equal(tu_sh("test -e %s/plan.svg", dir), 1);

    snprintf(args, sizeof args, "plot results/baselines/ci.json -o %s/x.svg", dir);
    assert_int_equal(hw(args), 0);
    assert_int_equal(tu_sh("head -c 200 %s/x.svg | grep -q '<svg'", dir), 0);
    snprintf(args, sizeof args, "plot results/ci-plan-16M.json -o %s/plan.html", dir);
    assert_int_equal(hw(args), 0);
    assert_int_equal(tu_sh("grep -q '<html' %s/plan.html", dir), 0);
}

/* Arguments are checked from the command table, the same way for every command: too few
 * positionals or a required flag left out is the command's one `needs` line, one too many is
 * "unexpected argument", a shared flag (--rows) keeps its type and range in each command, and
 * a command's own default (fidelity's --allocators) is shown in its help only. */
static void arguments_checked_from_the_table(void **state)
{
    static const struct { const char *args, *err; } cases[] = {
        {"plot results/baselines/ci.json", "highwater plot: needs a REPORT and -o OUT, e.g. 'highwater plot "
                                           "results/runs/quick.json -o quick.html'\n"},
        {"gate results/baselines/ci.json", "highwater gate: needs a REPORT and --baseline BASE, e.g. 'highwater "
                                           "gate results/runs/ci.json --baseline results/baselines/ci.json'\n"},
        {"plan configs/ci.yaml", "highwater plan: --rows: the target row count is required, e.g. --rows 70M\n"},
        {"compare a.json", "highwater compare: needs two reports, e.g. 'highwater compare before.json after.json'\n"},
        {"compare a.json b.json c.json", "highwater compare: c.json: unexpected argument; see 'highwater compare "
                                         "--help'\n"},
        {"exec --rows 5", "highwater exec: needs a command after '--', e.g. 'highwater exec -- python3 "
                          "scripts/example_pipeline.py'\n"},
        {"exec --rows 0 -- true", "highwater exec: --rows: must be between 1 and 1T, got 0; see 'highwater exec "
                                  "--help'\n"},
        {"dataset configs/ci.yaml --rows lots -o x", "highwater dataset: --rows: expected a row count like 70M or "
                                                     "250k, got 'lots'; see 'highwater dataset --help'\n"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(hw(cases[i].args), 2);
        char *err = tu_scratch_slurp("err");
        if (strcmp(err, cases[i].err) != 0)
            fail_msg("'highwater %s' said:\n%swanted:\n%s", cases[i].args, err, cases[i].err);
        free(err);
    }
    assert_int_equal(hw("fidelity --help"), 0);
    char *out = tu_scratch_slurp("out");
    assert_non_null(strstr(out, "(default glibc,jemalloc)\n"));
    free(out);
    assert_int_equal(hw("run --help"), 0);
    out = tu_scratch_slurp("out");
    assert_null(strstr(out, "(default glibc,jemalloc)"));
    free(out);
}

/* The binary's commit is the checkout's (test_integration_version checks a rebuild after
 * a commit). Outside git the build says "unknown", and so must the binary. */
static void version_names_the_commit(void **state)
{
    (void)state;
    assert_int_equal(hw("--version"), 0);
    char *out = tu_scratch_slurp("out");
    assert_int_equal(strncmp(out, "highwater ", 10), 0);
    if (tu_sh("git rev-parse --short=12 HEAD > %s/head 2>/dev/null", dir) != 0) {
        assert_non_null(strstr(out, "\ncommit unknown\n"));
    } else {
        char *head = tu_scratch_slurp("head"), want[64];
        head[strcspn(head, "\n")] = 0;
        snprintf(want, sizeof want, "\ncommit %s", head);
        assert_non_null(strstr(out, want));
        free(head);
    }
    assert_non_null(strstr(out, "\ncompiler "));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_command_has_its_own_help),
        cmocka_unit_test(help_shows_defaults),
        cmocka_unit_test(unknown_command_is_one_line),
        cmocka_unit_test(a_bad_numpy_switch_is_one_line_before_any_run),
        cmocka_unit_test(plot_takes_only_its_suffixes),
        cmocka_unit_test(arguments_checked_from_the_table),
        cmocka_unit_test(version_names_the_commit),
    };
    tu_bin(bin, sizeof bin);
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
