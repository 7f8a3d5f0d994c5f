/* A Polars DataFrame as the intermediate of a select: one buffer per column (and a validity
 * bitmap where the column can hold nulls), owned by the Polars side. Strategies that chain
 * selects allocate a frame per select, as Polars does. */
#ifndef HW_FRAME_H
#define HW_FRAME_H
#include "run.h"
#include "tiles.h"

struct hw_frame {
    enum hw_dtype dtype;
    uint64_t rows;
    uint32_t cols;
    void **data;           /* cols buffers of rows elements */
    uint8_t **validity;    /* cols bitmaps, or NULL entries for columns without nulls */
};

/* Columns listed in with_validity (NULL: all of them) get a bitmap. 0, or -1 (hw_run_fail). */
int hw_frame_alloc(struct hw_run *run, struct hw_frame *f, enum hw_dtype dtype, uint64_t rows,
                   uint32_t cols, const bool *with_validity);
void hw_frame_free(struct hw_run *run, struct hw_frame *f);
struct hw_colview hw_frame_view(const struct hw_frame *f, uint32_t c);

#endif
