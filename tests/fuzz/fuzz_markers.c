/* libFuzzer target: exec's phase-marker reader, the bytes a measured command writes to
 * HIGHWATER_PHASE_FD, fed as exec feeds them: through hw_marker_reader in reads of a size the
 * first byte picks, then EOF, then hw_markers_finish.
 * Asserted: no crash or leak; the same phases come out as from a plain whole-buffer split
 * (lines at '\n', those over 4096 bytes or holding a NUL dropped) fed line by line to
 * hw_markers_line, so chunking never loses, joins or splits a line; the phases are in start
 * order, each ending at or after it started, every depth below the nesting limit; every
 * warning is a string, at most 100 from the reader plus one per phase still open at the end
 * (at most the nesting limit, 64); the JSON prints. */
#include "exec.h"
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LINE_MAX_BYTES 4096

/* The reference: the whole input at once, every line at t = 0. */
static cJSON *plain_split(const uint8_t *data, size_t size)
{
    struct hw_markers *m = hw_markers_new();
    cJSON *warnings = cJSON_CreateArray(), *phases;
    char line[LINE_MAX_BYTES + 1], why[256];
    if (!m || !warnings)
        abort();
    for (size_t at = 0; at < size;) {
        const uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t n = nl ? (size_t)(nl - (data + at)) : size - at;
        if (n <= LINE_MAX_BYTES && !memchr(data + at, '\0', n)) {
            memcpy(line, data + at, n);
            line[n] = '\0';
            hw_markers_line(m, line, 0, why, sizeof why);
        }
        at += n + 1;
    }
    phases = hw_markers_finish(m, 0, warnings);
    cJSON_Delete(warnings);
    hw_markers_free(m);
    return phases;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hw_markers *m = hw_markers_new();
    cJSON *warnings = cJSON_CreateArray(), *phases, *want, *p, *q, *w;
    struct hw_marker_reader *r = hw_marker_reader_new(m, warnings);
    size_t chunk = size ? (size_t)data[0] % 61 + 1 : 1;
    double last_start = -1;
    char *printed;

    if (!m || !warnings || !r)
        abort();
    for (size_t off = 0; off < size; off += chunk)
        hw_marker_reader_feed(r, (const char *)data + off, size - off < chunk ? size - off : chunk, 0);
    hw_marker_reader_end(r, 0);
    phases = hw_markers_finish(m, 0, warnings);
    want = plain_split(data, size);
    if (!cJSON_IsArray(phases) || !cJSON_IsArray(want) ||
        cJSON_GetArraySize(phases) != cJSON_GetArraySize(want))
        abort();
    q = want->child;
    cJSON_ArrayForEach(p, phases) {
        double start = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "start_seconds"));
        double end = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "end_seconds"));
        double depth = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "depth"));
        if (!(start >= last_start) || !(end >= start) || !(depth >= 0 && depth < 64) ||
            strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(p, "name")),
                   cJSON_GetStringValue(cJSON_GetObjectItem(q, "name"))) != 0)
            abort();
        last_start = start;
        q = q->next;
    }
    if (cJSON_GetArraySize(warnings) > 100 + 64)
        abort();
    cJSON_ArrayForEach(w, warnings)
        if (!cJSON_IsString(w))
            abort();
    if (!(printed = cJSON_PrintUnformatted(phases)))
        abort();
    free(printed);
    cJSON_Delete(phases);
    cJSON_Delete(want);
    cJSON_Delete(warnings);
    hw_marker_reader_free(r);
    hw_markers_free(m);
    return 0;
}
