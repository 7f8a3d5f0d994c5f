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
    cJSON_free(s);   /* what cJSON allocated, by cJSON's own free: hooks may be set */
    return rc;
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
