/* libFuzzer target: exec's phase-marker reader, the bytes a measured command writes to
 * HIGHWATER_PHASE_FD, fed as exec feeds them: through the line buffer (in reads of a size
 * the first byte picks) to hw_markers_line, one call per line, then hw_markers_finish.
 * Asserted: no crash or leak; each line is accepted (0) or warned about (-1 with a
 * message); the phases come out in start order, one per accepted begin, each ending
 * at or after it started, every depth below the nesting limit, and as JSON that prints. */
#include "event.h"
#include "exec.h"
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hw_markers *m = hw_markers_new();
    struct hw_linebuf lb = {0};
    cJSON *warnings = cJSON_CreateArray(), *phases = NULL, *p;
    size_t chunk = size ? (size_t)data[0] % 61 + 1 : 1, begins = 0;
    double t = 0, last_start = -1;
    char *line, *printed;

    if (!m || !warnings)
        abort();
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (hw_linebuf_feed(&lb, (const char *)data + off, n) != 0)
            abort();
        while ((line = hw_linebuf_pop(&lb))) {
            char why[256] = "";
            int rc = hw_markers_line(m, line, t, why, sizeof why);
            if ((rc != 0 && rc != -1) || (rc == -1 && !why[0]))
                abort();
            begins += rc == 0 && strncmp(line, "begin ", 6) == 0;
            t += 0.001;
            free(line);
        }
    }
    phases = hw_markers_finish(m, t, warnings);
    if (!cJSON_IsArray(phases) || (size_t)cJSON_GetArraySize(phases) != begins)
        abort();
    cJSON_ArrayForEach(p, phases) {
        double start = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "start_seconds"));
        double end = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "end_seconds"));
        double depth = cJSON_GetNumberValue(cJSON_GetObjectItem(p, "depth"));
        if (!(start >= last_start) || !(end >= start) || !(depth >= 0 && depth < 64))
            abort();
        last_start = start;
    }
    if (!(printed = cJSON_PrintUnformatted(phases)))
        abort();
    free(printed);
    cJSON_Delete(phases);
    cJSON_Delete(warnings);
    hw_linebuf_release(&lb);
    hw_markers_free(m);
    return 0;
}
