#include "limit_search.h"

static uint64_t up(uint64_t v, uint64_t a)
{
    return a > 1 ? (v + a - 1) / a * a : v;
}

void hw_limit_search_init(struct hw_limit_search *s, uint64_t start_hi, uint64_t guess_lo, uint64_t step,
                          uint64_t align, int max_tries)
{
    s->align = align ? align : 1;
    s->lo = 0;
    s->hi = up(start_hi ? start_hi : s->align, s->align);
    s->step = step > s->align ? step : s->align;
    s->tries = 0;
    s->max_tries = max_tries;
    s->hi_proven = false;
    s->guess_lo = guess_lo / s->align * s->align;
}

bool hw_limit_search_converged(const struct hw_limit_search *s)
{
    return s->hi_proven && s->hi - s->lo <= s->step;
}

uint64_t hw_limit_search_next(const struct hw_limit_search *s)
{
    if (s->tries >= s->max_tries || hw_limit_search_converged(s))
        return 0;
    if (!s->hi_proven)
        return s->hi;
    if (s->guess_lo > s->lo && s->guess_lo < s->hi && s->hi - s->lo > s->step)
        return s->guess_lo;
    uint64_t mid = up(s->lo + (s->hi - s->lo) / 2, s->align);
    /* Rounding up may land on hi when the gap is under two pages: then it is done. */
    return mid > s->lo && mid < s->hi ? mid : 0;
}

void hw_limit_search_record(struct hw_limit_search *s, uint64_t limit, bool survived)
{
    s->tries++;
    if (limit == s->guess_lo)
        s->guess_lo = 0;
    if (survived) {
        if (limit <= s->hi) {
            s->hi = limit;
            s->hi_proven = true;
        }
    } else if (!s->hi_proven && limit == s->hi) {
        /* The unlimited run's peak was not enough under a limit (reclaim costs more than it
         * frees, say): what failed is a lower bound, and twice it the next try. */
        s->lo = limit;
        s->hi = up(limit * 2, s->align);
    } else if (limit > s->lo) {
        s->lo = limit;
    }
}
