/* Sizes as configs write them: tables of text -> value, and text -> the exact message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "size.h"
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct good { const char *text; uint64_t value; };
struct bad { const char *text; const char *message; };

static void test_count_good(void **state)
{
    static const struct good cases[] = {
        {"70M", 70000000},       {"1.5k", 1500},   {"1.5K", 1500},
        {"250000", 250000},      {"2G", 2000000000}, {"1T", 1000000000000},
        {"1.1k", 1100},          {"0.5k", 500},    {".5k", 500},
        {"1.000k", 1000},        {"0", 0},         {"1.234567M", 1234567},
        {"9223372036854775807", 9223372036854775807ull},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        uint64_t v = 1;
        char err[160] = "";
        if (hw_parse_count(cases[i].text, &v, err, sizeof err) != 0 || v != cases[i].value)
            fail_msg("count '%s': got %llu (%s), expected %llu", cases[i].text,
                     (unsigned long long)v, err, (unsigned long long)cases[i].value);
        assert_string_equal(err, "");
    }
}

static void test_count_bad(void **state)
{
    static const struct bad cases[] = {
        {"lots", "expected a row count like 70M or 250k, got 'lots'"},
        {"", "expected a row count like 70M or 250k, got nothing"},
        {"-5", "expected a row count like 70M or 250k, got '-5' (negative)"},
        {"1.5", "expected a whole row count like 70M or 1.5k, got '1.5'"},
        {"1.0001k", "expected a whole row count like 70M or 1.5k, got '1.0001k'"},
        {"9223372036854775808", "expected a row count like 70M or 250k, "
                                "got '9223372036854775808' (more than 2^63)"},
        {"99999999999999999999999", "expected a row count like 70M or 250k, "
                                    "got '99999999999999999999999' (more than 2^63)"},
        {"10000000T", "expected a row count like 70M or 250k, got '10000000T' (more than 2^63)"},
        {"nan", "expected a row count like 70M or 250k, got 'nan'"},
        {"inf", "expected a row count like 70M or 250k, got 'inf'"},
        {"1e6", "expected a row count like 70M or 250k, got '1e6'"},
        {"+5", "expected a row count like 70M or 250k, got '+5'"},
        {" 5", "expected a row count like 70M or 250k, got ' 5'"},
        {"5 ", "expected a row count like 70M or 250k, got '5 '"},
        {"5m", "expected a row count like 70M or 250k, got '5m'"},
        {"5MB", "expected a row count like 70M or 250k, got '5MB'"},
        {"1,000", "expected a row count like 70M or 250k, got '1,000'"},
        {"0x10", "expected a row count like 70M or 250k, got '0x10'"},
        {".", "expected a row count like 70M or 250k, got '.'"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        uint64_t v = 7;
        char err[160] = "";
        if (hw_parse_count(cases[i].text, &v, err, sizeof err) != -1)
            fail_msg("count '%s' was accepted as %llu", cases[i].text, (unsigned long long)v);
        assert_string_equal(err, cases[i].message);
        assert_int_equal(v, 7); /* untouched on failure */
    }
}

static void test_long_text_is_shortened(void **state)
{
    char text[200], err[200];
    uint64_t v;
    (void)state;
    memset(text, 'a', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    assert_int_equal(hw_parse_count(text, &v, err, sizeof err), -1);
    assert_string_equal(err, "expected a row count like 70M or 250k, got 'aaaaaaaaaaaaaaaa"
                             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

static void test_bytes_good(void **state)
{
    static const struct good cases[] = {
        {"8MiB", 8u << 20},       {"1.5GiB", 1610612736},   {"32GB", 32000000000},
        {"4096", 4096},           {"512B", 512},            {"1.5 GiB", 1610612736},
        {"1KB", 1000},            {"1kB", 1000},            {"1TiB", 1ull << 40},
        {"0.5KiB", 512},          {"0.1KiB", 102},          {"1.1MB", 1100000},
        {"1KiB", 1024},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        uint64_t v = 1;
        if (hw_parse_bytes(cases[i].text, &v, NULL, 0) != 0 || v != cases[i].value)
            fail_msg("bytes '%s': got %llu, expected %llu", cases[i].text,
                     (unsigned long long)v, (unsigned long long)cases[i].value);
    }
}

static void test_bytes_bad(void **state)
{
    static const struct bad cases[] = {
        {"8G", "expected a byte size like 1.5GiB, 512MiB or 4096, got '8G'"},
        {"8 ", "expected a byte size like 1.5GiB, 512MiB or 4096, got '8 '"},
        {"8MiBs", "expected a byte size like 1.5GiB, 512MiB or 4096, got '8MiBs'"},
        {"1 2MiB", "expected a byte size like 1.5GiB, 512MiB or 4096, got '1 2MiB'"},
        {"-1MiB", "expected a byte size like 1.5GiB, 512MiB or 4096, got '-1MiB' (negative)"},
        {"9000000TiB", "expected a byte size like 1.5GiB, 512MiB or 4096, got '9000000TiB' "
                       "(more than 2^63)"},
        {"", "expected a byte size like 1.5GiB, 512MiB or 4096, got nothing"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        uint64_t v = 0;
        char err[160];
        if (hw_parse_bytes(cases[i].text, &v, err, sizeof err) != -1)
            fail_msg("bytes '%s' was accepted as %llu", cases[i].text, (unsigned long long)v);
        assert_string_equal(err, cases[i].message);
    }
}

static void test_size(void **state)
{
    static const struct { const char *text; bool is_ratio; double value; } good[] = {
        {"2.0x", true, 2.0}, {"2X", true, 2.0}, {"1.25x", true, 1.25},
        {"1.5GiB", false, 1610612736.0}, {"4096", false, 4096.0},
    };
    static const struct bad bad[] = {
        {"0x", "expected a size like 2.0x (times the output) or 1.5GiB, got '0x' "
               "(must be more than 0)"},
        {"0", "expected a size like 2.0x (times the output) or 1.5GiB, got '0' "
              "(must be more than 0)"},
        {"-1x", "expected a size like 2.0x (times the output) or 1.5GiB, got '-1x' (negative)"},
        {"x", "expected a size like 2.0x (times the output) or 1.5GiB, got 'x'"},
        {"2.0xx", "expected a size like 2.0x (times the output) or 1.5GiB, got '2.0xx'"},
        {"twice", "expected a size like 2.0x (times the output) or 1.5GiB, got 'twice'"},
        {"9000000TiB", "expected a size like 2.0x (times the output) or 1.5GiB, "
                       "got '9000000TiB' (more than 2^63)"},
    };
    (void)state;
    for (size_t i = 0; i < N(good); i++) {
        struct hw_size sz = {0};
        if (hw_parse_size(good[i].text, &sz, NULL, 0) != 0 || sz.is_ratio != good[i].is_ratio ||
            sz.value != good[i].value)
            fail_msg("size '%s': got %g ratio=%d", good[i].text, sz.value, sz.is_ratio);
    }
    for (size_t i = 0; i < N(bad); i++) {
        struct hw_size sz = {0};
        char err[160];
        if (hw_parse_size(bad[i].text, &sz, err, sizeof err) != -1)
            fail_msg("size '%s' was accepted as %g", bad[i].text, sz.value);
        assert_string_equal(err, bad[i].message);
    }
}

static void test_percent(void **state)
{
    static const struct { const char *text; double value; } good[] = {
        {"90%", 0.90}, {"12.5%", 0.125}, {"0%", 0.0}, {"100%", 1.0}, {"150%", 1.5},
    };
    static const struct bad bad[] = {
        {"90", "expected a percentage like 90%, got '90'"},
        {"%", "expected a percentage like 90%, got '%'"},
        {"-5%", "expected a percentage like 90%, got '-5%' (negative)"},
        {"90 %", "expected a percentage like 90%, got '90 %'"},
        {"90%%", "expected a percentage like 90%, got '90%%'"},
        {"nan%", "expected a percentage like 90%, got 'nan%'"},
    };
    (void)state;
    for (size_t i = 0; i < N(good); i++) {
        double v = -1;
        if (hw_parse_percent(good[i].text, &v, NULL, 0) != 0 || v != good[i].value)
            fail_msg("percent '%s': got %.17g, expected %.17g", good[i].text, v, good[i].value);
    }
    for (size_t i = 0; i < N(bad); i++) {
        double v = 0;
        char err[160];
        if (hw_parse_percent(bad[i].text, &v, err, sizeof err) != -1)
            fail_msg("percent '%s' was accepted as %g", bad[i].text, v);
        assert_string_equal(err, bad[i].message);
    }
}

static void test_size_bytes(void **state)
{
    struct hw_size ratio = {true, 2.0}, bytes = {false, 512};
    (void)state;
    assert_true(hw_size_bytes(&ratio, 1000) == 2000.0);
    assert_true(hw_size_bytes(&bytes, 1000) == 512.0);
}

static void test_fmt_bytes(void **state)
{
    static const struct { double bytes; const char *text; } cases[] = {
        {812, "812 B"},           {0, "0 B"},                  {1023, "1023 B"},
        {1024, "1.00 KiB"},       {1048575, "1.00 MiB"},       {327574323, "312.4 MiB"},
        {1610612736, "1.50 GiB"}, {10485760, "10.0 MiB"},      {31.92e9, "29.7 GiB"},
        {-2048, "-2.00 KiB"},     {1024.0 * 1024 * 1024 * 1024 * 3, "3.00 TiB"},
    };
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        char buf[32];
        assert_string_equal(hw_fmt_bytes(cases[i].bytes, buf, sizeof buf), cases[i].text);
    }
}

static void test_fmt_count(void **state)
{
    static const struct { uint64_t n; const char *text; } fmt[] = {
        {70000000, "70M"}, {250000, "250k"}, {1200000, "1.2M"}, {999, "999"}, {0, "0"},
        {1500, "1.5k"},    {1234567, "1.2M"}, {999999, "1.0M"}, {123456, "123k"},
        {1000000000000, "1T"}, {12345, "12.3k"}, {20261124, "20.3M"},
    };
    (void)state;
    for (size_t i = 0; i < N(fmt); i++) {
        char buf[32];
        assert_string_equal(hw_fmt_count(fmt[i].n, buf, sizeof buf), fmt[i].text);
    }
}

/* Exact counts format to text that reads back to the same count. */
static void test_fmt_count_round_trip(void **state)
{
    static const uint64_t exact[] = {70000000, 250000, 1500, 999, 100000, 2000000000};
    (void)state;
    for (size_t i = 0; i < N(exact); i++) {
        char buf[32];
        uint64_t back = 0;
        assert_int_equal(hw_parse_count(hw_fmt_count(exact[i], buf, sizeof buf), &back, NULL, 0),
                         0);
        assert_int_equal(back, exact[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_good),
        cmocka_unit_test(test_count_bad),
        cmocka_unit_test(test_long_text_is_shortened),
        cmocka_unit_test(test_bytes_good),
        cmocka_unit_test(test_bytes_bad),
        cmocka_unit_test(test_size),
        cmocka_unit_test(test_percent),
        cmocka_unit_test(test_size_bytes),
        cmocka_unit_test(test_fmt_bytes),
        cmocka_unit_test(test_fmt_count),
        cmocka_unit_test(test_fmt_count_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
