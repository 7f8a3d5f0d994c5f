/* highwater dataset: the .npy files hold exactly the generator's cells, headers numpy reads,
 * a schema written last, the key that tells two datasets apart, and clean failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "export.h"
#include "testutil.h"

static struct hw_dataset small(uint64_t rows)
{
    struct hw_dataset ds = {.rows = rows, .cols = 4, .seed = 7, .ngroups = 3, .all_null_columns = 1};
    ds.groups[0] = (struct hw_col_group){HW_F32, 2, 0.1, 0.05, 0.05};
    ds.groups[1] = (struct hw_col_group){HW_I16, 1, 0.2, 0, 0};
    ds.groups[2] = (struct hw_col_group){HW_F64, 1, 0, 0, 0};
    return ds;
}

/* The header's dict and where the data starts (a 64-byte multiple, as numpy aligns). */
static const char *header(const char *file, size_t len, size_t *data_off)
{
    assert_true(len >= 10);
    assert_memory_equal(file, "\x93NUMPY\x01\x00", 8);
    size_t hlen = (unsigned char)file[8] | (size_t)(unsigned char)file[9] << 8;
    *data_off = 10 + hlen;
    assert_int_equal(*data_off % 64, 0);
    assert_int_equal(file[*data_off - 1], '\n');
    return file + 10;
}

static void columns_hold_the_generators_cells(void **state)
{
    (void)state;
    /* 70001 rows: past one 64k write block, and not a multiple of 8. */
    struct hw_dataset ds = small(70001);
    char err[512], path[512];
    assert_int_equal(hw_dataset_export(&ds, tu_scratch, err, sizeof err), 0);
    static const char *const descr[] = {"'<f4'", "'<f4'", "'<i2'", "'<f8'"};
    for (uint32_t c = 0; c < ds.cols; c++) {
        struct hw_colspec cs;
        hw_dataset_colspec(&ds, c, &cs);
        size_t len, vlen, off, voff, esz = hw_dtype_size(cs.dtype);
        snprintf(path, sizeof path, "%s/c%03u.npy", tu_scratch, c);
        char *v = tu_slurp(path, &len);
        snprintf(path, sizeof path, "%s/c%03u.valid.npy", tu_scratch, c);
        char *m = tu_slurp(path, &vlen);
        const char *h = header(v, len, &off), *vh = header(m, vlen, &voff);
        assert_non_null(strstr(h, descr[c]));
        assert_non_null(strstr(h, "'shape': (70001,)"));
        assert_non_null(strstr(vh, "'|b1'"));
        assert_int_equal(len, off + 70001 * esz);
        assert_int_equal(vlen, voff + 70001);
        for (uint64_t r = 0; r < ds.rows; r += 997) {
            char cell[8] = {0};
            bool valid = hw_gen_cell(&ds, c, r, cell);
            assert_int_equal(m[voff + r], valid ? 1 : 0);
            if (valid)
                assert_memory_equal(v + off + r * esz, cell, esz);
        }
        if (cs.all_null)
            for (uint64_t r = 0; r < ds.rows; r++)
                assert_int_equal(m[voff + r], 0);
        free(v);
        free(m);
    }
    char *schema = tu_read_or_fail("%s/schema.json", tu_scratch);
    assert_non_null(strstr(schema, "\"schema\":\t\"" HW_DATASET_SCHEMA "\""));
    assert_non_null(strstr(schema, "\"all_null\":\ttrue"));
    assert_true(hw_dataset_export_current(&ds, tu_scratch));
    ds.seed++;
    assert_false(hw_dataset_export_current(&ds, tu_scratch));
}

static void keys_tell_datasets_apart(void **state)
{
    (void)state;
    struct hw_dataset a = small(1000), b = a;
    char ka[65], kb[65], ma[65], mb[65];
    hw_dataset_key(&a, ka);
    hw_dataset_mix_key(&a, ma);
    b.rows = 2000;
    hw_dataset_key(&b, kb);
    hw_dataset_mix_key(&b, mb);
    assert_string_not_equal(ka, kb);      /* another scale: another export */
    assert_string_equal(ma, mb);          /* but the same mix */
    b = a;
    b.groups[0].null_rate = 0.1000001;    /* rates that print alike still differ */
    hw_dataset_mix_key(&b, mb);
    assert_string_not_equal(ma, mb);
}

static void a_file_in_the_way_is_one_line(void **state)
{
    (void)state;
    struct hw_dataset ds = small(100);
    char err[512], path[512];
    snprintf(path, sizeof path, "%s/plain-file", tu_scratch);
    tu_put_file(path, "x");
    assert_int_equal(hw_dataset_export(&ds, path, err, sizeof err), 2);
    char want[600];
    snprintf(want, sizeof want, "-o %s: not a directory; name a directory to write the columns into", path);
    assert_string_equal(err, want);
    snprintf(path, sizeof path, "%s/no/such/parent", tu_scratch);
    assert_int_equal(hw_dataset_export(&ds, path, err, sizeof err), 2);
    assert_non_null(strstr(err, "cannot create the directory: No such file or directory"));
}

/* A column that cannot be written half way through the export (its name taken by a
 * directory) fails the export and leaves no column and no schema behind. */
static void a_failed_write_leaves_nothing(void **state)
{
    (void)state;
    struct hw_dataset ds = small(100);
    char err[512], dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/blocked", tu_scratch);
    assert_int_equal(hw_dataset_export(&ds, dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/c002.npy", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(hw_dataset_export(&ds, dir, err, sizeof err), 3);
    assert_non_null(strstr(err, "c002.npy"));
    snprintf(path, sizeof path, "%s/c000.npy", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/c001.valid.npy", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/schema.json", dir);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_false(hw_dataset_export_current(&ds, dir));
}

int main(void)
{
    static char dir[] = "/tmp/hw-test-export-XXXXXX";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_hold_the_generators_cells),
        cmocka_unit_test(keys_tell_datasets_apart),
        cmocka_unit_test(a_file_in_the_way_is_one_line),
        cmocka_unit_test(a_failed_write_leaves_nothing),
    };
    tu_scratch = dir;
    return cmocka_run_group_tests(tests, tu_scratch_setup, tu_scratch_teardown);
}
