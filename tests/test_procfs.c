/* The /proc readers on canned text, and on this process. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "procfs.h"
#include <unistd.h>

static const char *status_text =
    "Name:\tcat\nVmPeak:\t    5000 kB\nVmHWM:\t    1976 kB\nVmRSS:\t    1900 kB\n"
    "RssAnon:\t     144 kB\nRssFile:\t    1756 kB\nRssShmem:\t       0 kB\nVmSwap:\t 0 kB\n";

static void status_fields_in_bytes(void **state)
{
    (void)state;
    struct hw_status st;
    assert_int_equal(hw_status_parse(status_text, &st), 0);
    assert_int_equal(st.vm_hwm, 1976 * 1024);
    assert_int_equal(st.vm_rss, 1900 * 1024);
    assert_int_equal(st.rss_anon, 144 * 1024);
    assert_int_equal(st.rss_file, 1756 * 1024);
    assert_int_equal(st.rss_shmem, 0);
}

static void status_without_vmrss_is_an_error(void **state)
{
    (void)state;
    struct hw_status st;
    /* A kernel thread's status has no VmRSS line. */
    assert_int_equal(hw_status_parse("Name:\tkthreadd\nState:\tS\n", &st), -1);
    /* "VmRSSX" must not match "VmRSS". */
    assert_int_equal(hw_status_parse("VmRSSX:\t 5 kB\n", &st), -1);
}

static void meminfo_available_and_total(void **state)
{
    (void)state;
    uint64_t a, t;
    const char *text = "MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   20000000 kB\n";
    assert_int_equal(hw_meminfo_parse(text, &a, &t), 0);
    assert_int_equal(a, 20000000ull * 1024);
    assert_int_equal(t, 24000000ull * 1024);
    assert_int_equal(hw_meminfo_parse("MemTotal: 5 kB\n", &a, &t), -1);
}

/* clear_refs 5 really resets the high-water mark: touch 64 MiB, unmap it, reset, and VmHWM
 * falls back near the current RSS. mmap, not malloc: a sanitizer's allocator would keep
 * the freed block in quarantine. */
/* A stat line shaped as this machine's `cat /proc/self/stat` prints one, with a name
 * holding spaces and ')': fields restart after the last ')'. */
static void stat_ppid_and_start(void **state)
{
    (void)state;
    pid_t ppid = 0;
    uint64_t start = 0;
    assert_int_equal(hw_stat_parse("4242 (a) b (c)) S 17 4242 17 0 -1 4194304 93 0 0 0 0 0 0 0 20 0 1 0 "
                                   "27513913 5804032 250 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1",
                                   &ppid, &start), 0);
    assert_int_equal(ppid, 17);
    assert_int_equal(start, 27513913);
    assert_int_equal(hw_stat_parse("4242 (truncated", &ppid, &start), -1);
    assert_int_equal(hw_stat_parse("4242 (x) S 17", &ppid, &start), -1);
    /* Our own: the parent is the test runner, started before us. */
    uint64_t mine = 0;
    assert_int_equal(hw_stat_read(getpid(), &ppid, &mine), 0);
    assert_int_equal(ppid, getppid());
    assert_true(mine > 0);
}

/* statm in pages, as this kernel prints it; a zombie's is all zero; too few numbers fail. */
static void statm_in_bytes(void **state)
{
    (void)state;
    struct hw_statm st;
    assert_int_equal(hw_statm_parse("765 436 407 5 0 123 0\n", 4096, &st), 0);
    assert_int_equal(st.size, 765 * 4096);
    assert_int_equal(st.resident, 436 * 4096);
    assert_int_equal(st.shared, 407 * 4096);
    assert_int_equal(hw_statm_parse("0 0 0 0 0 0 0\n", 4096, &st), 0);
    assert_int_equal(st.size, 0);
    assert_int_equal(hw_statm_parse("765 436\n", 4096, &st), -1);
    assert_int_equal(hw_statm_parse("", 4096, &st), -1);
}

/* smaps_rollup as this kernel prints it: "Pss" must not be taken from "Pss_Anon" and the
 * like, nor "Rss" from anything but its own line. */
static void rollup_fields_in_bytes(void **state)
{
    (void)state;
    struct hw_rollup r;
    const char *text = "56351810a000-7ffe8dc0e000 ---p 00000000 00:00 0                          [rollup]\n"
                       "Rss:                1752 kB\nPss:                 315 kB\nPss_Dirty:           112 kB\n"
                       "Pss_Anon:            112 kB\nPss_File:            203 kB\nPss_Shmem:             0 kB\n"
                       "Shared_Clean:       1576 kB\nShared_Dirty:          0 kB\nPrivate_Clean:        64 kB\n"
                       "Private_Dirty:       112 kB\nReferenced:         1752 kB\nAnonymous:           112 kB\n"
                       "Swap:                  0 kB\nSwapPss:               0 kB\n";
    assert_int_equal(hw_rollup_parse(text, &r), 0);
    assert_int_equal(r.rss, 1752 * 1024);
    assert_int_equal(r.pss, 315 * 1024);
    assert_int_equal(r.pss_anon, 112 * 1024);
    assert_int_equal(r.pss_file, 203 * 1024);
    assert_int_equal(r.shared_clean, 1576 * 1024);
    assert_int_equal(r.private_dirty, 112 * 1024);
    assert_int_equal(hw_rollup_parse("Pss_Anon: 5 kB\nRss: 8 kB\n", &r), -1);
    /* Our own, read: Pss never above Rss. */
    assert_int_equal(hw_rollup_read(getpid(), &r), 0);
    assert_true(r.pss > 0 && r.pss <= r.rss);
}

static void clear_refs_resets_vmhwm(void **state)
{
    (void)state;
    struct hw_status before, after;
    size_t n = 64u << 20;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    memset(p, 1, n);
    assert_int_equal(p[n - 1], 1);
    munmap(p, n);
    assert_int_equal(hw_status_read(0, &before), 0);
    assert_true(before.vm_hwm >= before.vm_rss + (60u << 20));
    if (hw_clear_refs() != 0)
        skip();   /* no clear_refs here: the harness falls back to the sampler */
    assert_int_equal(hw_status_read(0, &after), 0);
    assert_true(after.vm_hwm < before.vm_hwm - (60u << 20));
    assert_true(after.vm_hwm <= after.vm_rss + (1u << 20));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_fields_in_bytes),
        cmocka_unit_test(status_without_vmrss_is_an_error),
        cmocka_unit_test(meminfo_available_and_total),
        cmocka_unit_test(stat_ppid_and_start),
        cmocka_unit_test(clear_refs_resets_vmhwm),
        cmocka_unit_test(statm_in_bytes),
        cmocka_unit_test(rollup_fields_in_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
