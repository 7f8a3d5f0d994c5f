/* Tiles (C order by a scratch block and SIMD transposes, F order column by column) against the
 * one-cell path, bit for bit: every output dtype, column counts around the 8 x 8 blocks and
 * the scratch's chunking, ragged row counts and tiles, a row offset into a taller matrix, mixed
 * source dtypes, validity at bit offsets or absent; cells outside the rows written untouched. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include "convert.h"
#include "tiles.h"
#include <stdlib.h>
#include <string.h>

static const enum hw_dtype sources[] = {HW_F32, HW_F64, HW_I64, HW_I32, HW_I16, HW_I8};

struct column {
    struct hw_colview view;
    unsigned char *data;
    uint8_t *validity;
};

/* Column c: a source dtype by c, raw random bits (every float class, NaN and inf included)
 * or small values, a random bitmap from bit vbit0 (none on every 5th column). */
static void make_column(struct column *col, uint32_t c, uint64_t n, unsigned vbit0,
                        uint64_t *seed)
{
    enum hw_dtype t = sources[c % (sizeof sources / sizeof *sources)];
    size_t sz = hw_dtype_size(t), vbytes = (vbit0 + n + 7) / 8 + 1;
    col->data = malloc(n * sz + 1);
    col->validity = malloc(vbytes);
    assert_non_null(col->data);
    assert_non_null(col->validity);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = tu_rng(seed);
        if (r & 1)
            r >>= (r >> 58); /* every magnitude */
        memcpy(col->data + i * sz, &r, sz);
    }
    for (size_t i = 0; i < vbytes; i++)
        col->validity[i] = (uint8_t)tu_rng(seed);
    col->view = (struct hw_colview){t, col->data, c % 5 == 4 ? NULL : col->validity, vbit0};
}

static void check_tiles(uint32_t ncols, uint64_t n, enum hw_dtype out, enum hw_order order,
                        uint64_t row0, unsigned vbit0, uint64_t *seed)
{
    uint64_t rows = row0 + n + 3;
    size_t esz = hw_dtype_size(out);
    struct column *cols = calloc(ncols, sizeof *cols);
    struct hw_colview *views = calloc(ncols, sizeof *views);
    double *medians = calloc(ncols, sizeof *medians);
    unsigned char *m = malloc(rows * ncols * esz);
    assert_non_null(cols);
    assert_non_null(views);
    assert_non_null(medians);
    assert_non_null(m);
    for (uint32_t c = 0; c < ncols; c++) {
        make_column(&cols[c], c, n, vbit0, seed);
        views[c] = cols[c].view;
        medians[c] = (double)(int64_t)(tu_rng(seed) >> 40) / 7.0;
    }
    memset(m, 0xee, rows * ncols * esz);
    hw_tiles_convert(views, ncols, medians, n, out, order, rows, row0, m);
    for (uint64_t r = 0; r < rows; r++)
        for (uint32_t c = 0; c < ncols; c++) {
            uint64_t idx = order == HW_ORDER_C ? r * ncols + c : (uint64_t)c * rows + r;
            const unsigned char *e = m + idx * esz;
            unsigned char want[8];
            if (r < row0 || r >= row0 + n) {
                memset(want, 0xee, esz);
            } else {
                uint64_t i = r - row0, b = vbit0 + i;
                int valid = !views[c].validity || ((views[c].validity[b / 8] >> (b % 8)) & 1);
                hw_convert_cell(views[c].dtype, cols[c].data + i * hw_dtype_size(views[c].dtype),
                                valid, medians[c], out, want);
            }
            if (memcmp(e, want, esz) != 0)
                fail_msg("%u cols, %llu rows (+%llu), %s %s: cell (%llu, %u) of %s: %llx, "
                         "want %llx",
                         ncols, (unsigned long long)n, (unsigned long long)row0, hw_dtype_name(out),
                         hw_order_name(order), (unsigned long long)r, c,
                         hw_dtype_name(views[c].dtype), (unsigned long long)hw_out_bits(out, e),
                         (unsigned long long)hw_out_bits(out, want));
        }
    for (uint32_t c = 0; c < ncols; c++) {
        free(cols[c].data);
        free(cols[c].validity);
    }
    free(cols);
    free(views);
    free(medians);
    free(m);
}

static const enum hw_dtype outputs[] = {HW_F64, HW_F32, HW_F16};

/* Around the blocks (1..17 columns, 114) and the chunks: 129 f64 columns are 128 + 1 beside 64
 * rows, 300 f32 columns 256 + 44. Row counts around 8, the kernel's 64 and a 128-row tile. */
static void test_tiles_shapes(void **state)
{
    (void)state;
    static const uint32_t ncols[] = {1, 3, 7, 8, 9, 16, 17, 114, 129, 300};
    static const uint64_t lengths[] = {0, 1, 7, 8, 9, 63, 64, 65, 200, 389};
    uint64_t seed = 16;
    for (size_t c = 0; c < sizeof ncols / sizeof *ncols; c++)
        for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++)
            for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++) {
                unsigned vbit0 = (unsigned)(l % 3) * 5;
                check_tiles(ncols[c], lengths[l], outputs[o], HW_ORDER_C, l % 2 ? 5 : 0, vbit0,
                            &seed);
                check_tiles(ncols[c], lengths[l], outputs[o], HW_ORDER_F, l % 2 ? 0 : 3, vbit0,
                            &seed);
            }
}

/* Few columns: tiles of thousands of rows, so a column's rows cross tiles and the last is
 * ragged; and 600 half columns, chunked. */
static void test_tiles_long(void **state)
{
    (void)state;
    uint64_t seed = 61;
    for (size_t o = 0; o < sizeof outputs / sizeof *outputs; o++) {
        check_tiles(1, 40000, outputs[o], HW_ORDER_C, 2, 3, &seed);
        check_tiles(3, 25000, outputs[o], HW_ORDER_C, 0, 0, &seed);
        check_tiles(10, 5000, outputs[o], HW_ORDER_C, 1, 7, &seed);
        check_tiles(600, 130, outputs[o], HW_ORDER_C, 4, 1, &seed);
    }
}

/* The copy (no conversion): raw random bits of the output dtype, NaN payloads included, into
 * rows [row0, row0 + n) of a taller matrix; every other byte untouched. */
static void test_tiles_copy(void **state)
{
    (void)state;
    static const enum hw_dtype outs[] = {HW_F64, HW_F32, HW_F16};
    static const uint32_t widths[] = {1, 7, 8, 9, 114, 300, 1100};
    static const uint64_t lengths[] = {0, 1, 63, 64, 65, 1000, 3001};
    uint64_t seed = 5;
    for (size_t o = 0; o < 3; o++)
        for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
            for (size_t l = 0; l < sizeof lengths / sizeof *lengths; l++) {
                size_t esz = hw_dtype_size(outs[o]);
                uint32_t ncols = widths[w];
                uint64_t n = lengths[l], row0 = 3, rows = n + 5;
                struct hw_colview *v = calloc(ncols, sizeof *v);
                unsigned char **data = calloc(ncols, sizeof *data);
                unsigned char *want = malloc(rows * ncols * esz + 1);
                unsigned char *got = malloc(rows * ncols * esz + 1);
                assert_non_null(v);
                assert_non_null(data);
                assert_non_null(want);
                assert_non_null(got);
                for (size_t i = 0; i < rows * ncols * esz; i++)
                    want[i] = got[i] = (unsigned char)tu_rng(&seed);
                for (uint32_t c = 0; c < ncols; c++) {
                    data[c] = malloc(n * esz + 1);
                    assert_non_null(data[c]);
                    for (size_t i = 0; i < n * esz; i++)
                        data[c][i] = (unsigned char)tu_rng(&seed);
                    v[c] = (struct hw_colview){.dtype = outs[o], .data = data[c]};
                    for (uint64_t r = 0; r < n; r++)
                        memcpy(want + ((row0 + r) * ncols + c) * esz, data[c] + r * esz, esz);
                }
                hw_tiles_copy(v, ncols, n, outs[o], row0, got);
                assert_memory_equal(got, want, rows * ncols * esz);
                for (uint32_t c = 0; c < ncols; c++)
                    free(data[c]);
                free(data);
                free(v);
                free(want);
                free(got);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiles_shapes),
        cmocka_unit_test(test_tiles_long),
        cmocka_unit_test(test_tiles_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
