/* The output matrix: rows x cols of the output dtype, C or F order, either a heap allocation
 * owned by one side or a MAP_SHARED file mapping in the run's tmpdir (np.memmap). */
#ifndef HW_OUTPUT_H
#define HW_OUTPUT_H
#include "run.h"

enum hw_output_kind { HW_OUT_NONE, HW_OUT_HEAP, HW_OUT_FILE };

struct hw_output {
    uint64_t rows;
    uint32_t cols;
    enum hw_dtype dtype;
    enum hw_order order;
    uint64_t bytes;
    enum hw_output_kind kind;
    enum hw_side side;
    void *data;
    int fd;                  /* HW_OUT_FILE */
    char path[PATH_MAX];
};

/* Shape from the run; nothing allocated yet. */
void hw_output_init(struct hw_run *run, struct hw_output *out);
/* Allocate (untouched: pages commit when written). 0, or -1 (hw_run_fail called). */
int hw_output_alloc(struct hw_run *run, struct hw_output *out, enum hw_side side);
/* A file of out->bytes in the run's tmpdir, mapped MAP_SHARED. 0, or -1. */
int hw_output_map_file(struct hw_run *run, struct hw_output *out, const char *name);
void hw_output_release(struct hw_run *run, struct hw_output *out);
/* File output: write back and drop from RSS and the page cache the pages of rows
 * [row0, row0+n) that are complete (a page shared with rows not yet written stays until a
 * later call covers it). */
/* A chunk of n rows (laid out in the output's order: C, one block of rows; F, one column after
 * another) into rows [r0, r0+n) of the output: X[r0:r0+n] = chunk, and np.vstack's copy. */
void hw_output_put_rows(const struct hw_output *out, const void *chunk, uint64_t r0, uint64_t n);
void hw_output_evict_rows(const struct hw_output *out, uint64_t row0, uint64_t n);
/* File output: write every dirty page back (np.memmap.flush); with evict, also drop the
 * whole file from the page cache. 0, or -1 (hw_run_fail called: disk full?). */
int hw_output_flush(struct hw_run *run, const struct hw_output *out, bool evict);
/* File output: bytes of the file resident in the page cache (mincore), or -1. */
long long hw_output_file_resident(const struct hw_output *out);

/* Element stride between consecutive rows of one column, and a cell's element index. */
static inline size_t hw_output_col_stride(const struct hw_output *o)
{
    return o->order == HW_ORDER_C ? o->cols : 1;
}
static inline uint64_t hw_output_index(const struct hw_output *o, uint64_t r, uint32_t c)
{
    return o->order == HW_ORDER_C ? r * o->cols + c : (uint64_t)c * o->rows + r;
}

#endif
