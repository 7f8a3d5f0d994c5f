/* Calibration on this machine, with properties the numbers must have: first touch is slower
 * than copying between warm pages, the RSS step matches the THP mode sysfs reports, the
 * buffers are gone afterwards, and the JSON and table carry every field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "calibrate.h"
#include "procfs.h"

#define MiB (1ull << 20)

/* The THP mode as sysfs says, read here independently of calibrate.c: the global mode and,
 * on kernels with multi-size THP, the 2 MiB size's own ("inherit" follows the global). */
static bool sysfs_thp_enabled(char *mode, size_t len)
{
    char buf[256];
    snprintf(mode, len, "absent");
    if (hw_read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof buf) < 0)
        return false;
    buf[strcspn(buf, "\n")] = '\0';
    snprintf(mode, len, "%s", buf);
    if (strstr(buf, "[never]"))
        return false;
    if (hw_read_text("/sys/kernel/mm/transparent_hugepage/hugepages-2048kB/enabled", buf,
                     sizeof buf) >= 0 && strstr(buf, "[never]")) {
        snprintf(mode, len, "hugepages-2048kB: never");
        return false;
    }
    return true;
}

static bool rate_ok(double r) { return isfinite(r) && r > 0; }

static void calibrate_64mib(void **state)
{
    (void)state;
    struct hw_calibration c;
    struct hw_status before, after;
    char err[256] = "";
    assert_int_equal(hw_status_read(0, &before), 0);
    int rc = hw_calibrate(64 * MiB, &c, err, sizeof err);
    if (rc != 0)
        fail_msg("hw_calibrate: %s", err);
    assert_int_equal(hw_status_read(0, &after), 0);
    hw_calibration_print(&c, stdout);

    assert_int_equal(c.bytes, 64 * MiB);
    assert_true(rate_ok(c.memcpy_warm_bytes_per_s));
    assert_true(rate_ok(c.fault_4k_bytes_per_s));
    /* First touch is much slower than a warm copy (here ~1.5 GB/s against ~8 GB/s). */
    if (!(c.memcpy_warm_bytes_per_s > 1.5 * c.fault_4k_bytes_per_s))
        fail_msg("memcpy warm %.2f GB/s is not > 1.5 x first touch %.2f GB/s",
                 c.memcpy_warm_bytes_per_s / 1e9, c.fault_4k_bytes_per_s / 1e9);
    assert_true(c.seconds > 0 && c.seconds < 5);

    /* Buffers unmapped: RSS back where it was (a few pages of slack for stdio and /proc
     * reads); peak well under the 300 MiB limit (2 x 64 MiB of memcpy buffers). */
    assert_true(after.vm_rss < before.vm_rss + 4 * MiB);
    assert_true(after.vm_hwm < 300 * MiB);

    char mode[256];
    bool thp = sysfs_thp_enabled(mode, sizeof mode);
    assert_int_equal(c.thp_available, thp);
    if (thp) {
        assert_true(rate_ok(c.fault_thp_bytes_per_s));
        if (c.thp_rss_granularity != 2 * MiB)
            fail_msg("THP is \"%s\" but one touch of a MADV_HUGEPAGE region added %llu bytes, "
                     "not 2 MiB", mode, (unsigned long long)c.thp_rss_granularity);
    } else {
        print_message("THP is \"%s\": skipping the 2 MiB granularity check\n", mode);
        assert_true(c.fault_thp_bytes_per_s == 0);
        assert_int_equal(c.thp_rss_granularity, 4096);
    }

    cJSON *j = hw_calibration_json(&c);
    assert_non_null(j);
    static const char *numbers[] = {"bytes", "memcpy_warm_bytes_per_s", "fault_4k_bytes_per_s",
                                    "fault_thp_bytes_per_s", "thp_rss_granularity_bytes",
                                    "seconds"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, numbers[i])))
            fail_msg("JSON lacks the number \"%s\"", numbers[i]);
    assert_true(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(j, "thp_available")));
    assert_int_equal(cJSON_GetArraySize(j), 7);
    assert_true(cJSON_GetObjectItemCaseSensitive(j, "memcpy_warm_bytes_per_s")->valuedouble ==
                c.memcpy_warm_bytes_per_s);
    assert_true(cJSON_GetObjectItemCaseSensitive(j, "thp_rss_granularity_bytes")->valuedouble ==
                (double)c.thp_rss_granularity);
    cJSON_Delete(j);
}

/* Sizes: 0 means the default, a ragged size is rounded up to 2 MiB, a tiny one refused. */
static void sizes(void **state)
{
    (void)state;
    struct hw_calibration c;
    char err[256] = "";
    assert_int_equal(hw_calibrate(1 * MiB, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "minimum"));
    assert_int_equal(hw_calibrate(5 * MiB + 1, &c, err, sizeof err), 0);
    assert_int_equal(c.bytes, 6 * MiB);
    assert_int_equal(HW_CALIBRATE_DEFAULT_BYTES, 256 * MiB);
}

/* The JSON and the table of a known calibration. */
static void json_and_table(void **state)
{
    (void)state;
    struct hw_calibration c = {
        .bytes = 256 * MiB, .memcpy_warm_bytes_per_s = 12.5e9, .fault_4k_bytes_per_s = 1.25e9,
        .fault_thp_bytes_per_s = 0, .thp_available = false, .thp_rss_granularity = 4096,
        .seconds = 0.75,
    };
    cJSON *j = hw_calibration_json(&c);
    assert_non_null(j);
    char *text = cJSON_PrintUnformatted(j);
    assert_string_equal(text, "{\"bytes\":268435456,\"memcpy_warm_bytes_per_s\":12500000000,"
                              "\"fault_4k_bytes_per_s\":1250000000,\"fault_thp_bytes_per_s\":0,"
                              "\"thp_available\":false,\"thp_rss_granularity_bytes\":4096,"
                              "\"seconds\":0.75}");
    free(text);
    cJSON_Delete(j);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    hw_calibration_print(&c, f);
    c.thp_available = true;
    c.thp_rss_granularity = 2 * MiB;
    c.fault_thp_bytes_per_s = 9e9;
    hw_calibration_print(&c, f);
    fclose(f);
    assert_non_null(strstr(buf, "256 MiB buffers"));
    assert_non_null(strstr(buf, "12.50 GB/s"));
    assert_non_null(strstr(buf, "1.25 GB/s"));
    assert_non_null(strstr(buf, "no THP"));
    assert_non_null(strstr(buf, "4 KiB"));
    assert_non_null(strstr(buf, "9.00 GB/s"));
    assert_non_null(strstr(buf, "2 MiB"));
    assert_non_null(strstr(buf, "10.0x"));
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calibrate_64mib),
        cmocka_unit_test(sizes),
        cmocka_unit_test(json_and_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
