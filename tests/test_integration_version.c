/* The commit stamp is the commit that built the binary: in a fresh clone, build, commit,
 * build again; --version (which reports carry as tool.git_commit) names the new commit, the
 * second build recompiled only the stamp and relinked, a third rebuilds nothing, and an
 * uncommitted change is "-dirty". */
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

static char dir[] = "/tmp/hw-test-version-XXXXXX";

/* `git rev-parse --short=12 HEAD` of the clone. */
static void head(char *out, size_t len)
{
    assert_int_equal(tu_sh("git -C %s/repo rev-parse --short=12 HEAD > %s/head", dir, dir), 0);
    snprintf(out, len, "%s", tu_scratch_read("head"));
    out[strcspn(out, "\n")] = 0;
    assert_int_equal(strlen(out), 12);
}

/* The commit line of the clone's build/highwater --version. */
static void version_commit(char *out, size_t len)
{
    assert_int_equal(tu_sh("%s/repo/build/highwater --version > %s/version", dir, dir), 0);
    const char *c = strstr(tu_scratch_read("version"), "\ncommit ");
    assert_non_null(c);
    snprintf(out, len, "%s", c + 8);
    out[strcspn(out, "\n")] = 0;
}

/* make ARGS in the clone, its output in dir/LOG; a failure shows that output, which the
 * scratch teardown would otherwise take with it. */
static void make_clone(const char *args, const char *log)
{
    int rc = tu_sh("make -C %s/repo %s > %s/%s 2>&1", dir, args, dir, log);
    if (rc != 0)
        fail_msg("make %s in the clone: exit %d\n%s", args, rc, tu_scratch_read(log));
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void a_commit_relinks_with_its_stamp(void **state)
{
    (void)state;
    char before[64], after[64], v[128];
    assert_int_equal(tu_sh("git clone -q . %s/repo", dir), 0);
    make_clone("-j2 build/highwater", "make1");
    head(before, sizeof before);
    version_commit(v, sizeof v);
    assert_string_equal(v, before);

    assert_int_equal(tu_sh("git -C %s/repo -c user.name=test -c user.email=test@example.invalid "
                           "commit -q --allow-empty -m stamp", dir), 0);
    make_clone("build/highwater", "make2");
    head(after, sizeof after);
    assert_string_not_equal(before, after);
    version_commit(v, sizeof v);
    assert_string_equal(v, after);
    /* Only the stamp was compiled, then the link. */
    const char *log = tu_scratch_read("make2");
    assert_int_equal(count(log, "  CC "), 1);
    assert_non_null(strstr(log, "  CC      build/gen/version.c\n"));
    assert_non_null(strstr(log, "  LINK    build/highwater\n"));

    /* Nothing changed: nothing is rebuilt. */
    make_clone("build/highwater", "make3");
    log = tu_scratch_read("make3");
    assert_int_equal(count(log, "  CC ") + count(log, "  LINK "), 0);

    /* An uncommitted change to a tracked file marks the stamp. */
    assert_int_equal(tu_sh("echo >> %s/repo/README.md", dir), 0);
    make_clone("build/highwater", "make4");
    version_commit(v, sizeof v);
    char want[80];
    snprintf(want, sizeof want, "%s-dirty", after);
    assert_string_equal(v, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_commit_relinks_with_its_stamp),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
