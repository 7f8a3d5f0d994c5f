#include "event.h"
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hw_event_send(int fd, cJSON *ev)
{
    int rc = -1;
    char *s = cJSON_PrintUnformatted(ev);
    cJSON_Delete(ev);
    if (!s)
        return -1;
    size_t len = strlen(s);
    s[len] = '\n';   /* overwrite the NUL: the line goes out in one write below */
    size_t off = 0;
    while (off < len + 1) {
        ssize_t n = write(fd, s + off, len + 1 - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto out;
        off += (size_t)n;
    }
    rc = 0;
out:
    free(s);
    return rc;
}

int hw_linebuf_feed(struct hw_linebuf *lb, const char *data, size_t n)
{
    if (lb->len + n + 1 > lb->cap) {
        size_t cap = lb->cap ? lb->cap : 4096;
        while (cap < lb->len + n + 1)
            cap *= 2;
        char *p = realloc(lb->buf, cap);
        if (!p)
            return -1;
        lb->buf = p;
        lb->cap = cap;
    }
    memcpy(lb->buf + lb->len, data, n);
    lb->len += n;
    return 0;
}

char *hw_linebuf_pop(struct hw_linebuf *lb)
{
    char *nl = lb->len ? memchr(lb->buf, '\n', lb->len) : NULL;
    if (!nl)
        return NULL;
    size_t n = (size_t)(nl - lb->buf);
    char *line = malloc(n + 1);
    if (!line)
        return NULL;
    memcpy(line, lb->buf, n);
    line[n] = '\0';
    memmove(lb->buf, nl + 1, lb->len - n - 1);
    lb->len -= n + 1;
    return line;
}

void hw_linebuf_release(struct hw_linebuf *lb)
{
    free(lb->buf);
    memset(lb, 0, sizeof *lb);
}

void hw_u64_hex(uint64_t v, char out[17]) { snprintf(out, 17, "%016" PRIx64, v); }

int hw_hex_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || strlen(s) != 16)
        return -1;
    errno = 0;
    *v = strtoull(s, &end, 16);
    return errno || *end ? -1 : 0;
}
