/* The worker -> parent line protocol: lines split across reads, u64 through hex. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "event.h"

static void lines_split_across_feeds(void **state)
{
    (void)state;
    struct hw_linebuf lb = {0};
    assert_int_equal(hw_linebuf_feed(&lb, "{\"a\":1}\n{\"b\"", 12), 0);
    char *l = hw_linebuf_pop(&lb);
    assert_string_equal(l, "{\"a\":1}");
    free(l);
    assert_null(hw_linebuf_pop(&lb));
    assert_int_equal(hw_linebuf_feed(&lb, ":2}\n", 4), 0);
    l = hw_linebuf_pop(&lb);
    assert_string_equal(l, "{\"b\":2}");
    free(l);
    assert_null(hw_linebuf_pop(&lb));
    hw_linebuf_release(&lb);
}

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
        cmocka_unit_test(lines_split_across_feeds),
        cmocka_unit_test(send_writes_one_line),
        cmocka_unit_test(u64_survives_hex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
