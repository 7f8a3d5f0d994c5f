#include "lines.h"
#include <stdlib.h>
#include <string.h>

void hw_lines_init(struct hw_lines *l, size_t max, void (*on_line)(void *, const char *, size_t, double),
                   void (*on_long)(void *), void *arg)
{
    memset(l, 0, sizeof *l);
    l->max = max;
    l->on_line = on_line;
    l->on_long = on_long;
    l->arg = arg;
}

static void lines_emit(struct hw_lines *l, double t)
{
    if (l->buf) {
        l->buf[l->len] = '\0';
        l->on_line(l->arg, l->buf, l->len, t);
    } else {
        l->on_line(l->arg, "", 0, t);
    }
    l->len = 0;
}

/* Room for need bytes and the NUL; -1 when out of memory (the line is then dropped). */
static int lines_room(struct hw_lines *l, size_t need)
{
    if (need + 1 <= l->cap)
        return 0;
    size_t cap = l->cap ? l->cap : 256;
    while (cap < need + 1)
        cap *= 2;
    char *b = realloc(l->buf, cap);
    if (!b)
        return -1;
    l->buf = b;
    l->cap = cap;
    return 0;
}

void hw_lines_feed(struct hw_lines *l, const char *p, size_t n, double t)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (!l->skipping && l->len + take > l->max) {
            if (l->on_long)
                l->on_long(l->arg);
            l->skipping = true;
            l->len = 0;
        }
        if (!l->skipping && lines_room(l, l->len + take) != 0) {
            l->skipping = true;
            l->len = 0;
        }
        if (!l->skipping) {
            memcpy(l->buf + l->len, p, take);
            l->len += take;
        }
        if (!nl)
            return;
        if (!l->skipping)
            lines_emit(l, t);
        l->skipping = false;
        l->len = 0;
        p = nl + 1;
        n -= take + 1;
    }
}

void hw_lines_end(struct hw_lines *l, double t)
{
    if (l->len > 0 && !l->skipping)
        lines_emit(l, t);
    l->len = 0;
    l->skipping = false;
}

void hw_lines_release(struct hw_lines *l)
{
    free(l->buf);
    l->buf = NULL;
    l->len = l->cap = 0;
}
