/* Option tables: one row per key drives parsing, ranges, defaults, suggestions, formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "options.h"
#include "size.h"
#include "strategy.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct every {
    uint64_t rows, bytes, repeat;
    struct hw_size expect;
    double rate, limit;
    bool evict;
    int median;
    char dir[HW_STR_MAX];
};

static const struct hw_option table[] = {
    {"rows", HW_OPT_COUNT, offsetof(struct every, rows), "10k", 1, 1e12, NULL, "rows"},
    {"bytes", HW_OPT_BYTES, offsetof(struct every, bytes), "8MiB", 0, 0, NULL, "bytes"},
    {"repeat", HW_OPT_UINT, offsetof(struct every, repeat), "1", 1, 1000, NULL, "repeat"},
    {"expect", HW_OPT_SIZE, offsetof(struct every, expect), "2.0x", 0, 0, NULL, "expect"},
    {"rate", HW_OPT_RATE, offsetof(struct every, rate), "0.02", 0, 1, NULL, "rate"},
    {"limit", HW_OPT_PERCENT, offsetof(struct every, limit), "90%", 0.01, 1, NULL, "limit"},
    {"evict", HW_OPT_BOOL, offsetof(struct every, evict), "false", 0, 0, NULL, "evict"},
    {"median", HW_OPT_ENUM, offsetof(struct every, median), "global", 0, 0, "global|local",
     "median"},
    {"dir", HW_OPT_STRING, offsetof(struct every, dir), "/tmp", 0, 0, NULL, "dir"},
    {0},
};

static const struct hw_option *row(const char *name)
{
    const struct hw_option *o = hw_option_find(table, name);
    assert_non_null(o);
    return o;
}

static void test_defaults(void **state)
{
    struct every e;
    char err[256] = "";
    (void)state;
    memset(&e, 0xa5, sizeof e);
    assert_int_equal(hw_options_defaults(table, &e, err, sizeof err), 0);
    assert_int_equal(e.rows, 10000);
    assert_int_equal(e.bytes, 8u << 20);
    assert_int_equal(e.repeat, 1);
    assert_true(e.expect.is_ratio && e.expect.value == 2.0);
    assert_true(e.rate == 0.02);
    assert_true(e.limit == 0.9);
    assert_false(e.evict);
    assert_int_equal(e.median, 0);
    assert_string_equal(e.dir, "/tmp");
}

/* A default goes through the parser: a typo in a table is caught, not stored. */
static void test_broken_default(void **state)
{
    static const struct hw_option broken[] = {
        {"rows", HW_OPT_COUNT, offsetof(struct every, rows), "10q", 1, 1e12, NULL, NULL},
        {0},
    };
    struct every e = {0};
    char err[256];
    (void)state;
    assert_int_equal(hw_options_defaults(broken, &e, err, sizeof err), -1);
    assert_string_equal(err, "option 'rows' has a broken default '10q': expected a row count "
                             "like 70M or 250k, got '10q'");
}

/* No default means zero, whatever the struct held. */
static void test_null_default_zeroes(void **state)
{
    static const struct hw_option zero[] = {
        {"rows", HW_OPT_COUNT, offsetof(struct every, rows), NULL, 0, 0, NULL, NULL},
        {"dir", HW_OPT_STRING, offsetof(struct every, dir), NULL, 0, 0, NULL, NULL},
        {0},
    };
    struct every e;
    (void)state;
    memset(&e, 0xa5, sizeof e);
    assert_int_equal(hw_options_defaults(zero, &e, NULL, 0), 0);
    assert_int_equal(e.rows, 0);
    assert_string_equal(e.dir, "");
}

static void test_set_good(void **state)
{
    struct every e = {0};
    (void)state;
    assert_int_equal(hw_option_set(row("rows"), &e, "70M", NULL, 0), 0);
    assert_int_equal(e.rows, 70000000);
    assert_int_equal(hw_option_set(row("bytes"), &e, "1.5GiB", NULL, 0), 0);
    assert_int_equal(e.bytes, 1610612736);
    assert_int_equal(hw_option_set(row("repeat"), &e, "1000", NULL, 0), 0);
    assert_int_equal(e.repeat, 1000);
    assert_int_equal(hw_option_set(row("expect"), &e, "1GiB", NULL, 0), 0);
    assert_true(!e.expect.is_ratio && e.expect.value == 1073741824.0);
    assert_int_equal(hw_option_set(row("rate"), &e, "5e-3", NULL, 0), 0);
    assert_true(e.rate == 0.005);
    assert_int_equal(hw_option_set(row("rate"), &e, "1", NULL, 0), 0);
    assert_true(e.rate == 1.0);
    assert_int_equal(hw_option_set(row("limit"), &e, "100%", NULL, 0), 0);
    assert_true(e.limit == 1.0);
    assert_int_equal(hw_option_set(row("median"), &e, "local", NULL, 0), 0);
    assert_int_equal(e.median, 1);
    assert_int_equal(hw_option_set(row("dir"), &e, "/var/tmp", NULL, 0), 0);
    assert_string_equal(e.dir, "/var/tmp");
}

static void test_bool_spellings(void **state)
{
    static const struct { const char *text; bool value; } cases[] = {
        {"true", true}, {"yes", true}, {"True", true}, {"false", false}, {"no", false},
        {"NO", false},
    };
    struct every e = {0};
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        e.evict = !cases[i].value;
        if (hw_option_set(row("evict"), &e, cases[i].text, NULL, 0) != 0 ||
            e.evict != cases[i].value)
            fail_msg("bool '%s' did not read as %d", cases[i].text, cases[i].value);
    }
}

static void test_set_bad(void **state)
{
    static const struct { const char *key, *text, *message; } cases[] = {
        {"rows", "lots", "expected a row count like 70M or 250k, got 'lots'"},
        {"rows", "0", "must be between 1 and 1T, got 0"},
        {"rows", "2T", "must be between 1 and 1T, got 2T"},
        {"repeat", "0", "must be between 1 and 1000, got 0"},
        {"repeat", "-1", "expected a whole number like 42, got '-1'"},
        {"repeat", "1.5", "expected a whole number like 42, got '1.5'"},
        {"repeat", "", "expected a whole number like 42, got nothing"},
        {"repeat", "99999999999999999999", "expected a whole number below 2^64 like 42, "
                                           "got '99999999999999999999'"},
        {"bytes", "8G", "expected a byte size like 1.5GiB, 512MiB or 4096, got '8G'"},
        {"expect", "0x", "expected a size like 2.0x (times the output) or 1.5GiB, got '0x' "
                         "(must be more than 0)"},
        {"rate", "1.5", "must be between 0 and 1, got 1.5"},
        {"rate", "-0.1", "must be between 0 and 1, got -0.1"},
        {"rate", "nan", "expected a number like 0.01, got 'nan'"},
        {"rate", "inf", "expected a number like 0.01, got 'inf'"},
        {"rate", "0x1p-3", "expected a number like 0.01, got '0x1p-3'"},
        {"rate", " 0.1", "expected a number like 0.01, got ' 0.1'"},
        {"rate", "0.1 ", "expected a number like 0.01, got '0.1 '"},
        {"rate", "2%", "expected a number like 0.01, got '2%'"},
        {"limit", "150%", "must be between 1% and 100%, got 150%"},
        {"limit", "0.9", "expected a percentage like 90%, got '0.9'"},
        {"evict", "maybe", "expected true or false, got 'maybe'"},
        {"median", "median", "expected one of global, local, got 'median'"},
        {"median", "Global", "expected one of global, local, got 'Global'"},
        {"median", "", "expected one of global, local, got nothing"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct every before, after;
        char err[256] = "";
        memset(&before, 0x5a, sizeof before);
        memcpy(&after, &before, sizeof after);
        if (hw_option_set(row(cases[i].key), &after, cases[i].text, err, sizeof err) != -1)
            fail_msg("%s: '%s' was accepted", cases[i].key, cases[i].text);
        assert_string_equal(err, cases[i].message);
        /* A failed set leaves the struct as it was. */
        assert_memory_equal(&before, &after, sizeof before);
    }
}

static void test_string_too_long(void **state)
{
    char text[HW_STR_MAX + 10], err[128];
    struct every e = {0};
    (void)state;
    memset(text, 'd', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    assert_int_equal(hw_option_set(row("dir"), &e, text, err, sizeof err), -1);
    assert_string_equal(err, "expected at most 255 characters, got 265");
    text[HW_STR_MAX - 1] = '\0';
    assert_int_equal(hw_option_set(row("dir"), &e, text, err, sizeof err), 0);
    assert_int_equal(strlen(e.dir), HW_STR_MAX - 1);
}

static void test_suggest(void **state)
{
    static const struct hw_option names[] = {
        {.name = "rows"}, {.name = "seed"}, {.name = "chunk_rows"},
        {.name = "sample_interval_ms"}, {.name = "all_null_columns"}, {0},
    };
    static const struct { const char *typed, *suggested; } cases[] = {
        {"rowz", "rows"},             {"row", "rows"},
        {"chunk_row", "chunk_rows"},  {"chunkrows", "chunk_rows"},
        {"seeds", "seed"},            {"sample_intervall_msec", "sample_interval_ms"},
        {"all_nul_column", "all_null_columns"},
        {"xyz", NULL},                {"", NULL},
        {"ab", NULL},                 {"median", NULL},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const char *got = hw_option_suggest(names, cases[i].typed);
        if (cases[i].suggested ? !got || strcmp(got, cases[i].suggested) : got != NULL)
            fail_msg("'%s' suggested '%s', expected '%s'", cases[i].typed, got ? got : "(none)",
                     cases[i].suggested ? cases[i].suggested : "(none)");
    }
}

static void test_names_and_find(void **state)
{
    char buf[256], small[12];
    (void)state;
    assert_string_equal(hw_option_names(table, buf, sizeof buf),
                        "rows, bytes, repeat, expect, rate, limit, evict, median, dir");
    /* Truncates, terminated, never overflows. */
    assert_string_equal(hw_option_names(table, small, sizeof small), "rows, bytes");
    assert_null(hw_option_find(table, "nope"));
    assert_ptr_equal(hw_option_find(table, "dir"), &table[8]);
}

/* Format then set again: a value written back into a report reads back the same. */
static void test_format_round_trip(void **state)
{
    static const struct { const char *key, *text, *formatted; } cases[] = {
        {"rows", "1.5k", "1.5k"},       {"rows", "1234567", "1234567"},
        {"rows", "70M", "70M"},         {"bytes", "1.5GiB", "1536MiB"},
        {"bytes", "4097", "4097"},      {"bytes", "8MiB", "8MiB"},
        {"repeat", "3", "3"},           {"expect", "1.25x", "1.25x"},
        {"expect", "2GiB", "2GiB"},     {"rate", "0.005", "0.005"},
        {"limit", "90%", "90%"},        {"evict", "yes", "true"},
        {"median", "local", "local"},   {"dir", "/tmp/x y", "/tmp/x y"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct every a, b;
        char buf[HW_STR_MAX];
        const struct hw_option *o = row(cases[i].key);
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        assert_int_equal(hw_option_set(o, &a, cases[i].text, NULL, 0), 0);
        assert_string_equal(hw_option_format(o, &a, buf, sizeof buf), cases[i].formatted);
        assert_int_equal(hw_option_set(o, &b, buf, NULL, 0), 0);
        assert_memory_equal(&a, &b, sizeof a);
    }
}

/* Every registered strategy's params table must have defaults that parse. */
/* A uint32_t field is written as 4 bytes (the neighbours untouched) and refuses what does
 * not fit, so config rows can point straight at the config's own 32-bit fields. */
static void test_u32_in_place(void **state)
{
    struct pair { uint32_t before, value, after; } p = {7, 0, 9};
    static const struct hw_option u32[] = {
        {"count", HW_OPT_U32, offsetof(struct pair, value), "3", 0, 0, NULL, "count"},
        {"ranged", HW_OPT_U32, offsetof(struct pair, value), NULL, 1, 1000, NULL, "ranged"},
        {0},
    };
    char err[256], buf[32];
    (void)state;
    assert_int_equal(hw_options_defaults(u32, &p, err, sizeof err), 0);
    assert_int_equal(p.value, 0); /* the last row, without a default, zeroes the field */
    assert_int_equal(hw_option_set(&u32[0], &p, "4294967295", err, sizeof err), 0);
    assert_int_equal(p.value, UINT32_MAX);
    assert_int_equal(p.before, 7);
    assert_int_equal(p.after, 9);
    assert_string_equal(hw_option_format(&u32[0], &p, buf, sizeof buf), "4294967295");
    assert_int_equal(hw_option_set(&u32[0], &p, "4294967296", err, sizeof err), -1);
    assert_string_equal(err, "expected at most 4294967295, got 4294967296");
    assert_int_equal(p.value, UINT32_MAX);
    assert_int_equal(hw_option_set(&u32[1], &p, "0", err, sizeof err), -1);
    assert_string_equal(err, "must be between 1 and 1000, got 0");
}

static void test_strategy_param_defaults(void **state)
{
    (void)state;
    for (size_t i = 0; i < hw_strategy_count(); i++) {
        const struct hw_strategy *st = hw_strategy_at(i);
        char err[256] = "";
        void *p;
        if (!st->params)
            continue;
        p = calloc(1, st->params_size);
        assert_non_null(p);
        if (hw_options_defaults(st->params, p, err, sizeof err) != 0) {
            free(p);
            fail_msg("%s: %s", st->name, err);
        }
        free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_broken_default),
        cmocka_unit_test(test_null_default_zeroes),
        cmocka_unit_test(test_set_good),
        cmocka_unit_test(test_bool_spellings),
        cmocka_unit_test(test_set_bad),
        cmocka_unit_test(test_string_too_long),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_names_and_find),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_strategy_param_defaults),
        cmocka_unit_test(test_u32_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
