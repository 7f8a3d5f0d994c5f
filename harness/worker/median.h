/* Exact column medians without copying the column: a radix select on the order-preserving
 * bit pattern of each value. Pass 0 histograms the top 16 bits into a 65536-entry table; when
 * the bucket(s) holding the two middle ranks are small enough to fit in the tables' own
 * memory (131072 keys), pass 1 collects those keys and the median is selected among them in
 * memory: two passes for every dtype (one for i8 and i16) on the data this harness generates.
 * A larger bucket takes another 16-bit histogram pass first (one table per middle rank), as
 * many as the key has digits. Works on chunks, so a streaming source can feed it pass after
 * pass. The tables and the candidates share one 1 MiB allocation.
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
    int bits, pass, npasses;
    uint64_t count;            /* valid finite values, known after pass 0 */
    uint64_t rank[2];          /* remaining rank inside the chosen prefix, per middle rank */
    uint64_t prefix[2];        /* key bits resolved so far, per middle rank */
    uint64_t *hist[2];         /* one allocation: hist[1] = hist[0] + 65536 */
    bool collect;              /* this pass gathers the candidate keys into the tables' memory */
    uint64_t ncand, below;     /* candidates so far; keys of the lower prefix among them */
};

/* npasses is the most passes a dtype can take (its key's 16-bit digits); the usual number is
 * two. 0, or -1 if the tables could not be allocated. */
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

/* All passes over one in-memory column; -1 on allocation failure. */
int hw_median_column(enum hw_dtype dtype, const void *data, const uint8_t *validity, size_t n,
                     double *median);

/* The one definition of "midpoint" every implementation shares. */
static inline double hw_median_mid(double lo, double hi) { return (lo + hi) / 2.0; }

/* The fidelity gap of every strategy that uses this median where its twin runs numpy's:
 * numpy has no radix select, so the twin's median holds up to a column more. */
extern const struct hw_fidelity_gap hw_numpy_median_gaps[];

#endif
