/* The worker -> parent line protocol: one write per line, u64 through hex (the parent's line
 * reader is tested in test_supervisor). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "event.h"

static void send_writes_one_line(void **state)
{
    (void)state;
    int p[2];
    char buf[256];
    assert_int_equal(pipe(p), 0);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "done");
    assert_int_equal(hw_event_send(p[1], ev), 0);
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    assert_string_equal(buf, "{\"ev\":\"done\"}\n");
    close(p[0]);
    close(p[1]);
}

static void u64_survives_hex(void **state)
{
    (void)state;
    char hex[17];
    uint64_t v = 0xfedcba9876543210ull, back = 0;
    hw_u64_hex(v, hex);
    assert_string_equal(hex, "fedcba9876543210");
    assert_int_equal(hw_hex_u64(hex, &back), 0);
    assert_true(back == v);
    assert_int_equal(hw_hex_u64("xyz", &back), -1);
    assert_int_equal(hw_hex_u64("fedcba987654321g", &back), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(send_writes_one_line),
        cmocka_unit_test(u64_survives_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
