/* Exact column medians without copying the column: a radix select on the order-preserving
 * bit pattern of each value. Pass 0 histograms a 16-bit digit of every key (f32, f64, i32:
 * the top 16 bits; i64: a float-like digit, 6 bits of magnitude and 9 below the leading one,
 * so small and large values both resolve; i16: the top byte; i8: the whole key, in one pass).
 * The bucket holding each middle rank is a key range; a range of one key is the answer, a
 * range whose keys fit in the tables' own memory (131072 keys) is collected by the next pass
 * and selected in memory, and a larger one takes a 15-bit histogram pass inside the range.
 * On the data this harness generates: one pass for i8, two for every other dtype. Works on
 * chunks, so a streaming source can feed it pass after pass. The tables and the candidates
 * share one 1 MiB allocation.
 *
 * The median of a column is over its valid, finite values: nulls (validity 0), +-inf and NaN
 * are skipped. Even count: the midpoint of the two middle values, hw_median_mid(). No such
 * value: 0. */
#ifndef HW_MEDIAN_H
#define HW_MEDIAN_H
#include "dtype.h"
#include "strategy.h"
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct hw_median {
    enum hw_dtype dtype;
    int bits, npasses;
    int mode;                  /* what this pass does (median.c) */
    bool done;
    uint64_t count;            /* valid finite values, known after pass 0 */
    uint64_t rank[2];          /* remaining rank inside the chosen range, per middle rank */
    uint64_t lo[2], span[2];   /* key range [lo, lo + span] of each middle rank */
    int shift[2];              /* digit shift of a histogram pass inside the ranges */
    uint64_t *mem;             /* the one allocation: the wide tables, then the 32-bit ones */
    uint32_t *t32;             /* the counters a pass increments */
    bool wide_used;            /* counts folded into mem (a pass of 2^32 values or more) */
    uint64_t fed;              /* values counted in t32 since the last fold */
    uint64_t fold_at;          /* fold when fed reaches it: UINT32_MAX (a test lowers it) */
    uint64_t ncand, below;     /* candidates so far; keys of the lower range among them */
};

/* npasses is the most passes a dtype can take (pass 0, then 15 bits of the range a pass);
 * the usual number is two, one for i8. 0, or -1 if the tables could not be allocated. */
int  hw_median_init(struct hw_median *m, enum hw_dtype dtype);
/* Start over for another column, keeping the tables (cleared): no allocation. */
void hw_median_reset(struct hw_median *m, enum hw_dtype dtype);
bool hw_median_pass_needed(const struct hw_median *m);
/* Feed n values; validity bit (vbit0 + i) says whether element i is valid (NULL: all valid). */
void hw_median_feed(struct hw_median *m, const void *data, const uint8_t *validity,
                    uint64_t vbit0, size_t n);
void hw_median_end_pass(struct hw_median *m);
double hw_median_value(const struct hw_median *m);
void hw_median_release(struct hw_median *m);

/* A short column in one step: when n <= HW_MEDIAN_SHORT, its valid finite values are copied
 * into the tables' memory and their median found there in place (buffer_median.h), and true
 * is returned with *median and *count (the values counted); otherwise false, nothing done.
 * The passes pay for clearing and scanning the 64K-bucket tables whatever the column's
 * length: 73-78 us for a 10k-value f32 column, 141-171 us for a 64-value one, against 24-25
 * and 0.2-0.3 us this way (2000 columns each, AMD EPYC); chunked-vstack's median=local has
 * 2 850 such columns a run. The same median as the passes give. */
#define HW_MEDIAN_SHORT 32768u
bool hw_median_short(struct hw_median *m, enum hw_dtype dtype, const void *data,
                     const uint8_t *validity, uint64_t vbit0, size_t n, double *median,
                     uint64_t *count);

/* All passes over one in-memory column; -1 on allocation failure. */
int hw_median_column(enum hw_dtype dtype, const void *data, const uint8_t *validity, size_t n,
                     double *median);

/* The one definition of "midpoint" every implementation shares. */
static inline double hw_median_mid(double lo, double hi) { return (lo + hi) / 2.0; }

/* The fidelity gap of every strategy that uses this median where its twin runs numpy's:
 * numpy has no radix select, so the twin's median holds up to a column more. */
extern const struct hw_fidelity_gap hw_numpy_median_gaps[];

#endif
