/* The smallest container limit a run survives, by bisection between a limit known to fail
 * (lo: 0 at first: nothing runs in no memory) and one known to work (hi: the run's own
 * group peak without a limit, plus the kernel's charge batch), until the two are within a
 * step (1% of the output, as issue 14 asks) or the tries run out. Pure: the caller runs each
 * try and says whether the run completed with an output identical to the reference.
 *
 * A guess for lo shortens the search: the most anonymous and kernel memory the group held at
 * a phase end, which without swap no reclaim can give back. It is only a guess (pages an
 * allocator gave back with MADV_FREE count as anon until the kernel takes them), so it is
 * tried like any other limit before the search leans on it. */
#ifndef HW_LIMIT_SEARCH_H
#define HW_LIMIT_SEARCH_H
#include <stdbool.h>
#include <stdint.h>

struct hw_limit_search {
    uint64_t lo, hi;               /* largest failing, smallest surviving limit so far */
    uint64_t step;                 /* stop when hi - lo <= step */
    uint64_t align;                /* limits are multiples of it (the page size) */
    int tries, max_tries;
    bool hi_proven;                /* hi itself has been run and survived */
    uint64_t guess_lo;             /* to try after hi, 0 once tried or when none */
};

void hw_limit_search_init(struct hw_limit_search *s, uint64_t start_hi, uint64_t guess_lo, uint64_t step,
                          uint64_t align, int max_tries);
/* The next limit to try, or 0 when the search is done. hi is tried first: a limit it never
 * reaches is only believed once it has been run. */
uint64_t hw_limit_search_next(const struct hw_limit_search *s);
/* The try at limit survived (completed, identical output) or not. A failing hi is doubled. */
void hw_limit_search_record(struct hw_limit_search *s, uint64_t limit, bool survived);
/* Done with a proven answer: hi survived and hi - lo <= step. */
bool hw_limit_search_converged(const struct hw_limit_search *s);

#endif
