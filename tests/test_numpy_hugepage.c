/* numpy's huge-page advice in the models (worker/run.h): a numpy-side block of 4 MiB or more
 * from hw_alloc carries the kernel's VM_HUGEPAGE flag ("hg" in /proc/self/smaps) from its
 * first page boundary on, as numpy 1.24's malloc path leaves it (strace of Debian's numpy:
 * madvise(p + 4080, 4190224, MADV_HUGEPAGE) for np.empty(4 MiB)); a block one byte smaller,
 * np.zeros's calloc path, the Polars side and a process where numpy would not advise carry
 * nothing; and NUMPY_MADVISE_HUGEPAGE decides as numpy's import does. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "numpy_env.h"
#include "run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The VmFlags of the mapping holding addr carry "hg": 1, 0 without, -1 when not found. */
static int vm_hugepage_at(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    assert_non_null(f);
    char line[512];
    int in = 0, found = -1;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {   /* a mapping's header line */
            in = a >= lo && a < hi;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0) {
            found = strstr(line, " hg") != NULL;
            break;
        }
    }
    fclose(f);
    return found;
}

static void setup_run(struct hw_run *run, bool advise)
{
    memset(run, 0, sizeof *run);
    run->alloc.kind = HW_ALLOC_GLIBC;
    run->numpy_hugepage = advise;
}

static void a_large_numpy_block_is_advised_from_its_first_page_boundary(void **state)
{
    (void)state;
    struct hw_run run;
    setup_run(&run, true);
    size_t n = HW_NUMPY_HUGEPAGE_MIN;
    char *p = hw_alloc(&run, HW_SIDE_NUMPY, n);
    assert_non_null(p);
    memset(p, 1, n);
    size_t offset = 4096u - (uintptr_t)p % 4096u;
    if (access("/sys/kernel/mm/transparent_hugepage", F_OK) != 0) {
        /* A kernel without THP refuses the advice: nothing is counted. */
        assert_int_equal(run.blocks.numpy_hugepage, 0);
    } else {
        assert_int_equal(run.blocks.numpy_hugepage, n - offset);
        assert_int_equal(vm_hugepage_at(p + offset), 1);
        assert_int_equal(vm_hugepage_at(p + n - 1), 1);
        /* The page the block starts in keeps its flags (glibc's chunk header is there). */
        assert_int_equal(vm_hugepage_at(p + offset - 1), 0);
    }
    hw_free(&run, HW_SIDE_NUMPY, p);
}

static void smaller_zeroed_polars_side_or_switched_off_blocks_are_not(void **state)
{
    (void)state;
    struct hw_run run;
    setup_run(&run, true);
    size_t n = 2 * HW_NUMPY_HUGEPAGE_MIN;
    char *small = hw_alloc(&run, HW_SIDE_NUMPY, HW_NUMPY_HUGEPAGE_MIN - 1);
    char *zeros = hw_alloc_zeros(&run, HW_SIDE_NUMPY, n);
    char *polars = hw_alloc(&run, HW_SIDE_POLARS, n);
    assert_non_null(small);
    assert_non_null(zeros);
    assert_non_null(polars);
    assert_int_equal(run.blocks.numpy_hugepage, 0);
    assert_int_equal(run.blocks.count, 3);
    assert_int_equal(vm_hugepage_at(small + HW_NUMPY_HUGEPAGE_MIN / 2), 0);
    assert_int_equal(vm_hugepage_at(zeros + n / 2), 0);
    assert_int_equal(vm_hugepage_at(polars + n / 2), 0);
    struct hw_run off;
    setup_run(&off, false);
    char *p = hw_alloc(&off, HW_SIDE_NUMPY, n);
    assert_non_null(p);
    assert_int_equal(off.blocks.numpy_hugepage, 0);
    assert_int_equal(vm_hugepage_at(p + n / 2), 0);
    hw_free(&off, HW_SIDE_NUMPY, p);
    hw_free(&run, HW_SIDE_NUMPY, small);
    hw_free(&run, HW_SIDE_NUMPY, zeros);
    hw_free(&run, HW_SIDE_POLARS, polars);
}

/* NUMPY_MADVISE_HUGEPAGE as numpy's hugepage_setup reads it: int(value) != 0. */
static void the_variable_decides_as_numpy_reads_it(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        int on;   /* -1: not an integer */
    } cases[] = {
        {"0", 0}, {"1", 1}, {"-0", 0}, {" +2 ", 1}, {"1_0", 1}, {"-3", 1}, {"00", 0},
        {"x", -1}, {"", -1}, {"1__0", -1}, {"_1", -1}, {"1_", -1}, {"1.0", -1}, {"0x1", -1},
    };
    char err[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool on = !cases[i].on;
        setenv("NUMPY_MADVISE_HUGEPAGE", cases[i].value, 1);
        err[0] = '\0';
        int rc = hw_numpy_hugepage_setting(&on, err, sizeof err);
        if (cases[i].on < 0) {
            assert_int_equal(rc, -1);
            char want[256];
            snprintf(want, sizeof want, "NUMPY_MADVISE_HUGEPAGE='%s' is not an integer (numpy's "
                     "import fails on it); set it to 0 or 1, or unset it", cases[i].value);
            assert_string_equal(err, want);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(on, cases[i].on);
        }
    }
    /* Unset: on, since every kernel highwater runs on is 4.6 or later (cgroup v2, pidfd). */
    unsetenv("NUMPY_MADVISE_HUGEPAGE");
    bool on = false;
    assert_int_equal(hw_numpy_hugepage_setting(&on, err, sizeof err), 0);
    assert_true(on);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_large_numpy_block_is_advised_from_its_first_page_boundary),
        cmocka_unit_test(smaller_zeroed_polars_side_or_switched_off_blocks_are_not),
        cmocka_unit_test(the_variable_decides_as_numpy_reads_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
