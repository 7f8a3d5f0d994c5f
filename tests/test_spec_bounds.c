/* The worker's spec reader: a spec the parent wrote reads back to the same dataset; numbers
 * that do not fit the fields they are cast to (found by tests/fuzz/fuzz_spec.c: NaN, inf,
 * 1e63, a fraction, counts that wrap a 32-bit sum) are refused with the field's name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "spec.h"
#include <stdio.h>
#include <string.h>

#define DS_FMT "{\"rows\":%s,\"cols\":%s,\"seed\":%s,\"all_null_columns\":%s,\"dtypes\":[" \
               "{\"dtype\":\"f32\",\"count\":%s,\"null_rate\":0,\"inf_rate\":0,\"nan_rate\":0}," \
               "{\"dtype\":\"i8\",\"count\":%s,\"null_rate\":0,\"inf_rate\":0,\"nan_rate\":0}]}"

/* The dataset's fields as JSON text; the code of hw_dataset_from_json and its message. */
static int read_ds(const char *rows, const char *cols, const char *seed, const char *alln,
                   const char *c1, const char *c2, struct hw_dataset *ds, char *err, size_t len)
{
    char text[1024];
    cJSON *j;
    int rc;

    snprintf(text, sizeof text, DS_FMT, rows, cols, seed, alln, c1, c2);
    j = cJSON_Parse(text);
    assert_non_null(j);
    err[0] = '\0';
    rc = hw_dataset_from_json(j, ds, err, len);
    cJSON_Delete(j);
    return rc;
}

static void test_good_dataset(void **state)
{
    struct hw_dataset ds;
    char err[256];
    (void)state;
    assert_int_equal(read_ds("70000000", "6", "9007199254740991", "1", "4", "2", &ds, err, sizeof err), 0);
    assert_int_equal(ds.rows, 70000000);
    assert_int_equal(ds.cols, 6);
    assert_int_equal(ds.seed, 9007199254740991ull);
    assert_int_equal(ds.all_null_columns, 1);
    assert_int_equal(ds.ngroups, 2);
    assert_int_equal(ds.groups[0].count, 4);
    assert_int_equal(ds.groups[1].count, 2);
}

struct bad { const char *rows, *cols, *seed, *alln, *c1, *c2, *message; };

static void test_bad_numbers(void **state)
{
    static const struct bad cases[] = {
        {"1e63", "6", "1", "0", "4", "2", "field 'rows' is 1e+63, expected a whole number from 1 to 1000000000000"},
        {"1e999", "6", "1", "0", "4", "2", "field 'rows' is inf, expected a whole number from 1 to 1000000000000"},
        {"-1", "6", "1", "0", "4", "2", "field 'rows' is -1, expected a whole number from 1 to 1000000000000"},
        {"1.5", "6", "1", "0", "4", "2", "field 'rows' is 1.5, expected a whole number from 1 to 1000000000000"},
        {"10", "1e10", "1", "0", "4", "2", "field 'cols' is 1e+10, expected a whole number from 1 to 4096"},
        {"10", "6", "1e300", "0", "4", "2", "field 'seed' is 1e+300, expected a whole number from 0 to 9007199254740991"},
        {"10", "6", "1", "1.11e63", "4", "2", "field 'all_null_columns' is 1.11e+63, expected a whole number from 0 to 4096"},
        {"10", "6", "1", "7", "4", "2", "field 'all_null_columns' is 7, more than cols (6)"},
        {"10", "6", "1", "0", "-1e999", "2", "field 'count' is -inf, expected a whole number from 1 to 4096"},
        /* 4294967295 + 7 wraps a 32-bit sum to 6, which matched cols: it was accepted. */
        {"10", "6", "1", "0", "4294967295", "7", "field 'count' is 4.29497e+09, expected a whole number from 1 to 4096"},
    };
    struct hw_dataset ds;
    char err[256];
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad *c = &cases[i];
        if (read_ds(c->rows, c->cols, c->seed, c->alln, c->c1, c->c2, &ds, err, sizeof err) != -1)
            fail_msg("case %zu accepted", i);
        assert_string_equal(err, c->message);
    }
}

/* What the parent writes, the worker reads: the whole trip. */
static void test_round_trip(void **state)
{
    struct hw_spec spec = {.mode = HW_MODE_RUN, .out_dtype = HW_F16, .out_order = HW_ORDER_F,
                           .allocator = HW_ALLOC_JEMALLOC, .phase_reset = true, .tmpdir = "/tmp"},
                   back;
    char err[256] = "";
    cJSON *j;
    (void)state;
    spec.ds.rows = 1000000;
    spec.ds.cols = 3;
    spec.ds.seed = 42;
    spec.ds.ngroups = 1;
    spec.ds.groups[0].dtype = HW_I16;
    spec.ds.groups[0].count = 3;
    spec.strategy = hw_strategy_find("whole-copy");
    assert_non_null(spec.strategy);
    j = hw_spec_json(&spec);
    assert_non_null(j);
    assert_int_equal(hw_spec_from_json(j, &back, err, sizeof err), 0);
    cJSON_Delete(j);
    assert_int_equal(back.ds.rows, 1000000);
    assert_int_equal(back.ds.cols, 3);
    assert_int_equal(back.ds.groups[0].count, 3);
    assert_ptr_equal(back.strategy, spec.strategy);
    assert_int_equal(back.out_dtype, HW_F16);
    assert_int_equal(back.allocator, HW_ALLOC_JEMALLOC);
    assert_string_equal(back.tmpdir, "/tmp");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_dataset),
        cmocka_unit_test(test_bad_numbers),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
