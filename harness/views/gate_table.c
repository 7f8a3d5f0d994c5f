/* The gate's verdicts as a table on stdout (gate_views.h), and the two cell formats the
 * Markdown shares with it. */
#include "gate_views.h"
#include "schema_fields.h"
#include "run_key.h"
#include "json.h"
#include "size.h"
#include <math.h>

const char *hw_gate_fmt_bytes(const cJSON *e, const char *k, char *buf, size_t len)
{
    double v = hw_jnum(e, k);
    if (isnan(v))
        return "-";
    return hw_fmt_bytes(v, buf, len);
}

const char *hw_gate_fmt_delta(const cJSON *e, char *buf, size_t len)
{
    double d = hw_jnum(e, "delta");
    if (isnan(d))
        return "-";
    snprintf(buf, len, "%+.1f%%", 100 * d);
    return buf;
}

void hw_gate_print_table(const cJSON *res, FILE *f)
{
    const cJSON *e, *counts = cJSON_GetObjectItemCaseSensitive(res, "counts");
    char b1[32], b2[32], b3[32], b4[32];
    if (cJSON_HasObjectItem(res, "host_change"))
        fprintf(f, "note: %s\n", hw_jstr(res, "host_change"));
    if (cJSON_HasObjectItem(res, "shape_change"))
        fprintf(f, "note: the dataset changed (%s); compared anyway (--allow-shape-change)\n",
                hw_jstr(res, "shape_change"));
    fprintf(f, "%-34s %-9s %10s %10s %8s %10s  %s\n", "strategy", "allocator", "old", "new",
            "delta", "limit", "verdict");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "entries")) {
        char alloc[64];
        hw_run_key_allocator(e, alloc, sizeof alloc);
        fprintf(f, "%-34s %-9s %10s %10s %8s %10s  %s%s: %s\n", hw_jstr(e, HW_F_LABEL), alloc,
                hw_gate_fmt_bytes(e, "old_peak_bytes", b1, sizeof b1), hw_gate_fmt_bytes(e, "new_peak_bytes", b2, sizeof b2),
                hw_gate_fmt_delta(e, b3, sizeof b3), hw_gate_fmt_bytes(e, "limit_bytes", b4, sizeof b4),
                cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "failed")) ? "FAIL " : "",
                hw_jstr(e, "verdict"), hw_jstr(e, "message"));
    }
    fprintf(f, "gate: %s (%.0f compared, %.0f failed, %.0f improved, %.0f missing, %.0f new; "
            "limit = baseline x %.0f%% + %s)\n",
            cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "passed")) ? "PASS" : "FAIL",
            hw_jnum(counts, "compared"), hw_jnum(counts, "failed"), hw_jnum(counts, "improved"),
            hw_jnum(counts, "missing"), hw_jnum(counts, "new"), 100 * (1 + hw_jnum(res, "tolerance")),
            hw_fmt_bytes(hw_jnum(res, "slack_bytes"), b1, sizeof b1));
}
