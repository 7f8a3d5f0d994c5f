/* The worker's spec reader and the checked JSON number conversion under it: rows, cols,
 * seed and counts from a hand-edited or corrupt spec are errors, never a cast of a negative,
 * NaN-like, huge or fractional double (undefined behaviour). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "spec.h"

static void u64_table(void **state)
{
    (void)state;
    static const struct { const char *json; int rc; uint64_t v; const char *err; } cases[] = {
        {"{\"n\": 5}", 0, 5, ""},
        {"{\"n\": 1}", 0, 1, ""},
        {"{\"n\": 100}", 0, 100, ""},
        {"{\"n\": 0}", -1, 0, "field 'n' is 0, expected a whole number from 1 to 100"},
        {"{\"n\": 101}", -1, 0, "field 'n' is 101, expected a whole number from 1 to 100"},
        {"{\"n\": -1}", -1, 0, "field 'n' is -1, expected a whole number from 1 to 100"},
        {"{\"n\": 1e300}", -1, 0, "field 'n' is 1e+300, expected a whole number from 1 to 100"},
        {"{\"n\": 1e999}", -1, 0, "field 'n' is inf, expected a whole number from 1 to 100"},
        {"{\"n\": 18446744073709551616}", -1, 0, "field 'n' is 1.84467e+19, expected a whole number from 1 to 100"},
        {"{\"n\": 2.5}", -1, 0, "field 'n' is 2.5, expected a whole number from 1 to 100"},
        {"{\"n\": \"x\"}", -1, 0, "field 'n' is a string, expected a whole number from 1 to 100"},
        {"{\"n\": null}", -1, 0, "field 'n' is not a number, expected a whole number from 1 to 100"},
        {"{}", -1, 0, "field 'n' is missing, expected a whole number from 1 to 100"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *j = cJSON_Parse(cases[i].json);
        uint64_t v = 0;
        char err[256] = "";
        assert_non_null(j);
        assert_int_equal(hw_json_u64(j, "n", 1, 100, &v, err, sizeof err), cases[i].rc);
        assert_string_equal(err, cases[i].err);
        assert_int_equal(v, cases[i].v);
        cJSON_Delete(j);
    }
    /* The whole uint64 range is reachable, 2^64 is not. */
    cJSON *j = cJSON_Parse("{\"n\": 18446744073709549568}");
    uint64_t v;
    char err[256];
    assert_int_equal(hw_json_u64(j, "n", 0, UINT64_MAX, &v, err, sizeof err), 0);
    assert_true(v == 18446744073709549568ull);
    cJSON_Delete(j);
}

/* The largest seed a config takes reaches the worker unchanged: cJSON's 15-digit printing
 * had turned 9007199254740991 into ...990, another dataset. */
static void the_largest_seed_round_trips(void **state)
{
    (void)state;
    struct hw_dataset ds = {.rows = 1000, .cols = 3, .seed = 9007199254740991ull, .ngroups = 1};
    ds.groups[0].dtype = HW_F32;
    ds.groups[0].count = 3;
    cJSON *j = hw_dataset_json(&ds);
    char *text = cJSON_PrintUnformatted(j);
    assert_non_null(strstr(text, "\"seed\":9007199254740991"));
    cJSON *back = cJSON_Parse(text);
    struct hw_dataset got;
    char err[256];
    assert_int_equal(hw_dataset_from_json(back, &got, err, sizeof err), 0);
    assert_true(got.seed == 9007199254740991ull);
    cJSON_free(text);
    cJSON_Delete(j);
    cJSON_Delete(back);
}

/* A dataset as `highwater spec` writes it, with one field replaced. */
static int dataset_with(const char *field, const char *value, char *err, size_t len)
{
    char text[1024];
    const char *fields[] = {"rows", "cols", "seed", "all_null_columns", "count", "null_rate"};
    const char *values[] = {"1000", "3", "7", "0", "3", "0.1"};
    for (int i = 0; i < 6; i++)
        if (strcmp(fields[i], field) == 0)
            values[i] = value;
    snprintf(text, sizeof text, "{\"rows\": %s, \"cols\": %s, \"seed\": %s, \"all_null_columns\": %s, "
             "\"dtypes\": [{\"dtype\": \"f32\", \"count\": %s, \"null_rate\": %s, \"inf_rate\": 0, "
             "\"nan_rate\": 0}]}", values[0], values[1], values[2], values[3], values[4], values[5]);
    cJSON *j = cJSON_Parse(text);
    struct hw_dataset ds;
    assert_non_null(j);
    int rc = hw_dataset_from_json(j, &ds, err, len);
    if (rc == 0) {
        assert_int_equal(ds.rows, 1000);
        assert_int_equal(ds.cols, 3);
        assert_int_equal(ds.seed, 7);
    }
    cJSON_Delete(j);
    return rc;
}

static void spec_numbers_are_checked(void **state)
{
    (void)state;
    static const struct { const char *field, *value, *err; } cases[] = {
        {"rows", "-1", "field 'rows' is -1, expected a whole number from 1 to 1000000000000"},
        {"rows", "1e300", "field 'rows' is 1e+300, expected a whole number from 1 to 1000000000000"},
        {"rows", "2.5", "field 'rows' is 2.5, expected a whole number from 1 to 1000000000000"},
        {"rows", "\"x\"", "field 'rows' is a string, expected a whole number from 1 to 1000000000000"},
        {"rows", "0", "field 'rows' is 0, expected a whole number from 1 to 1000000000000"},
        {"cols", "-3", "field 'cols' is -3, expected a whole number from 1 to 4096"},
        {"cols", "4294967299", "field 'cols' is 4.29497e+09, expected a whole number from 1 to 4096"},
        {"seed", "-7", "field 'seed' is -7, expected a whole number from 0 to 9007199254740991"},
        {"seed", "1e300", "field 'seed' is 1e+300, expected a whole number from 0 to 9007199254740991"},
        {"all_null_columns", "1.5", "field 'all_null_columns' is 1.5, expected a whole number from 0 to 4096"},
        {"count", "-1", "field 'count' is -1, expected a whole number from 1 to 4096"},
        {"count", "1e300", "field 'count' is 1e+300, expected a whole number from 1 to 4096"},
        {"null_rate", "-0.5", "field 'null_rate' is -0.5, expected a fraction from 0 to 1"},
        {"null_rate", "1e999", "field 'null_rate' is inf, expected a fraction from 0 to 1"},
    };
    char err[256];
    assert_int_equal(dataset_with("rows", "1000", err, sizeof err), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err[0] = '\0';
        assert_int_equal(dataset_with(cases[i].field, cases[i].value, err, sizeof err), -1);
        if (strcmp(err, cases[i].err) != 0)
            fail_msg("%s = %s: got '%s', expected '%s'", cases[i].field, cases[i].value, err, cases[i].err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(u64_table),
        cmocka_unit_test(the_largest_seed_round_trips),
        cmocka_unit_test(spec_numbers_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
