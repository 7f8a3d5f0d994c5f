#include "json_file.h"
#include "json.h"
#include "schema_fields.h"
#include "size.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The whole file, read to EOF (never trusting st_size: it may shrink or grow meanwhile). */
static char *read_capped(int fd, const char *path, size_t *n, char *err, size_t len)
{
    struct stat st;
    char b1[32], b2[32];
    if (fstat(fd, &st) != 0) {
        snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, len, "%s: is %s, not a file; give the path of a JSON file", path,
                 S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a pipe"
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file");
        return NULL;
    }
    if ((unsigned long long)st.st_size > HW_JSON_MAX_BYTES) {
        snprintf(err, len, "%s: %s is over the %s a report may have; is it a report?", path,
                 hw_fmt_bytes((double)st.st_size, b1, sizeof b1),
                 hw_fmt_bytes(HW_JSON_MAX_BYTES, b2, sizeof b2));
        return NULL;
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    char *text = malloc(cap + 1);
    while (text) {
        if (used == cap) {
            if (cap > HW_JSON_MAX_BYTES) {
                snprintf(err, len, "%s: grew past the %s a report may have while read; is it "
                         "being written?", path, hw_fmt_bytes(HW_JSON_MAX_BYTES, b2, sizeof b2));
                free(text);
                return NULL;
            }
            char *p = realloc(text, (cap *= 2) + 1);
            if (!p)
                break;
            text = p;
        }
        ssize_t r = read(fd, text + used, cap - used);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
            free(text);
            return NULL;
        }
        if (r == 0) {
            text[used] = '\0';
            *n = used;
            return text;
        }
        used += (size_t)r;
    }
    snprintf(err, len, "%s: out of memory reading %s", path, hw_fmt_bytes((double)cap, b1, sizeof b1));
    free(text);
    return NULL;
}

void hw_json_file_one_line(char *err, size_t len)
{
    for (char *p = err; len && *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

/* "'a' or 'b'": the schemas a file may have, as the message names them. */
static void schema_list(const char *const *schemas, char *out, size_t len)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; schemas[i] && used < len; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "' or '" : "", schemas[i]);
}

int hw_file_read_text(const char *path, char **text, size_t *n, char *err, size_t len)
{
    *text = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
        return 2;
    }
    *text = read_capped(fd, path, n, err, len);
    close(fd);
    if (!*text)
        hw_json_file_one_line(err, len);
    return *text ? 0 : 2;
}

int hw_json_file_load(const char *path, const char *const *schemas, cJSON **out, char *err, size_t len)
{
    int rc = 2;
    char *text = NULL, want[256];
    size_t n = 0;
    cJSON *r = NULL;
    *out = NULL;
    /* O_NONBLOCK: a FIFO must not hang the open; it is refused as not a file right after. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, len, "%s: cannot read: %s", path, strerror(errno));
        return 2;
    }
    if (!(text = read_capped(fd, path, &n, err, len)))
        goto out;
    if (n == 0) {
        snprintf(err, len, "%s: is empty; expected a %s file (JSON); regenerate it", path, schemas[0]);
        goto out;
    }
    if (!(r = cJSON_ParseWithLength(text, n))) {
        const char *at = cJSON_GetErrorPtr();
        snprintf(err, len, "%s: not valid JSON (truncated or malformed) at byte %ld; "
                 "regenerate the report", path, at ? (long)(at - text) : -1L);
        goto out;
    }
    const char *schema = hw_jstr(r, HW_F_SCHEMA);
    bool known = false;
    for (int i = 0; schemas[i]; i++)
        known |= strcmp(schema, schemas[i]) == 0;
    if (!known) {
        schema_list(schemas, want, sizeof want);
        snprintf(err, len, "%s: field 'schema' is '%s', expected '%s'", path, schema, want);
        goto out;
    }
    *out = r;
    r = NULL;
    rc = 0;
out:
    if (rc)
        hw_json_file_one_line(err, len);
    cJSON_Delete(r);
    free(text);
    close(fd);
    return rc;
}
