/* The allocator registry (common/allocator.h, allocators/list.h): every entry is complete,
 * names and kinds agree both ways, a hand-made entry missing a callback is refused, and the
 * worker's dispatch reaches glibc's ops for both sides. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "alloc.h"
#include <string.h>

static void every_allocator_is_complete_and_named_once(void **state)
{
    char err[256], names[512];
    enum hw_allocator_kind k;
    (void)state;
    assert_true(hw_allocator_count() >= 3);
    for (size_t i = 0; i < hw_allocator_count(); i++) {
        const struct hw_allocator_ops *a = hw_allocator_at(i);
        if (hw_allocator_check(a, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_ptr_equal(hw_allocator_find(a->name), a);
        assert_int_equal(hw_allocator_parse(a->name, &k), 0);
        assert_int_equal((size_t)k, i);
        assert_string_equal(hw_allocator_name(k), a->name);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(hw_allocator_at(j)->name, a->name);
    }
    assert_null(hw_allocator_at(hw_allocator_count()));
    assert_string_equal(hw_allocator_name((enum hw_allocator_kind)hw_allocator_count()), "unknown");
    assert_int_equal(strncmp(hw_allocator_names(names, sizeof names, "|"), "glibc|jemalloc|mixed", 20), 0);
}

/* The facts the parent and the report models read, as they were before the registry. */
static void the_three_keep_their_environment_and_thresholds(void **state)
{
    const struct hw_allocator_ops *g = hw_allocator_at(HW_ALLOC_GLIBC);
    const struct hw_allocator_ops *j = hw_allocator_at(HW_ALLOC_JEMALLOC);
    const struct hw_allocator_ops *m = hw_allocator_at(HW_ALLOC_MIXED);
    (void)state;
    assert_null(g->preload);
    assert_string_equal(g->conf_env, "GLIBC_TUNABLES");
    assert_string_equal(j->preload, HW_JEMALLOC_SO);
    assert_string_equal(j->conf_env, "MALLOC_CONF");
    assert_null(m->preload);
    assert_string_equal(m->tunables, "glibc.rtld.optional_static_tls=65536");
    assert_true(!g->no_twin && !j->no_twin && m->no_twin);
    assert_true(g->free_threshold == 128.0 * 1024);
    assert_true(j->free_threshold == 8.0 * 1024 * 1024 && m->free_threshold == j->free_threshold);
    assert_null(g->keeps_freed);
    assert_non_null(j->keeps_freed);
    assert_string_equal(m->stats_name, "jemalloc");
}

static void an_entry_without_open_is_refused(void **state)
{
    struct hw_allocator_ops bad = *hw_allocator_at(HW_ALLOC_GLIBC);
    char err[256];
    (void)state;
    bad.name = "tcmalloc";
    bad.open = NULL;
    assert_int_equal(hw_allocator_check(&bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "allocator 'tcmalloc' has no open"));
}

static void glibc_serves_both_sides(void **state)
{
    struct hw_allocator a;
    struct hw_alloc_stats je, gl;
    char err[256];
    (void)state;
    assert_int_equal(hw_allocator_open(&a, HW_ALLOC_GLIBC, err, sizeof err), 0);
    assert_ptr_equal(a.ops, hw_allocator_find("glibc"));
    assert_non_null(strstr(a.version, "glibc"));
    void *p = hw_allocator_alloc(&a, HW_SIDE_POLARS, 1000), *q = hw_allocator_alloc(&a, HW_SIDE_NUMPY, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_true(hw_allocator_size(&a, HW_SIDE_POLARS, p) >= 1000);
    hw_allocator_stats(&a, &je, &gl);
    /* mallinfo2 counts glibc's heap; under ASan its malloc serves these, so only the shape. */
    assert_false(je.have);
    assert_true(gl.have);
    hw_allocator_peak_reset(&a);
    hw_allocator_free(&a, HW_SIDE_POLARS, p);
    hw_allocator_free(&a, HW_SIDE_NUMPY, q);
    hw_allocator_free(&a, HW_SIDE_NUMPY, NULL);
    hw_allocator_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocator_is_complete_and_named_once),
        cmocka_unit_test(the_three_keep_their_environment_and_thresholds),
        cmocka_unit_test(an_entry_without_open_is_refused),
        cmocka_unit_test(glibc_serves_both_sides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
