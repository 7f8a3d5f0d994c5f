#include "frame.h"
#include <stdlib.h>

int hw_frame_alloc(struct hw_run *run, struct hw_frame *f, enum hw_dtype dtype, uint64_t rows,
                   uint32_t cols, const bool *with_validity)
{
    *f = (struct hw_frame){.dtype = dtype, .rows = rows, .cols = cols};
    f->data = calloc(cols, sizeof *f->data);
    f->validity = calloc(cols, sizeof *f->validity);
    if (!f->data || !f->validity)
        return hw_run_fail(run, "out of memory for a frame's column table");
    for (uint32_t c = 0; c < cols; c++) {
        f->data[c] = hw_alloc(run, HW_SIDE_POLARS, rows * hw_dtype_size(dtype));
        bool v = !with_validity || with_validity[c];
        if (v)
            f->validity[c] = hw_alloc(run, HW_SIDE_POLARS, hw_validity_bytes(rows));
        if (!f->data[c] || (v && !f->validity[c]))
            return hw_run_fail(run, "out of memory for column %u of a %s frame", c, hw_dtype_name(dtype));
    }
    return 0;
}

void hw_frame_free(struct hw_run *run, struct hw_frame *f)
{
    for (uint32_t c = 0; f->data && c < f->cols; c++) {
        hw_free(run, HW_SIDE_POLARS, f->data[c]);
        if (f->validity)
            hw_free(run, HW_SIDE_POLARS, f->validity[c]);
    }
    free(f->data);
    free(f->validity);
    f->data = NULL;
    f->validity = NULL;
}

struct hw_colview hw_frame_view(const struct hw_frame *f, uint32_t c)
{
    return (struct hw_colview){.dtype = f->dtype, .data = f->data[c], .validity = f->validity[c]};
}
