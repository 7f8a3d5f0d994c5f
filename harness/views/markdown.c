/* The gate's verdicts as Markdown (gate_views.h), for a pull-request comment or a job
 * summary. */
#include "gate_views.h"
#include "schema_fields.h"
#include "atomic.h"
#include "json.h"
#include "size.h"
#include <stdbool.h>

/* Markdown table cells: a | would split the cell. */
static void md_cell(FILE *f, const char *s)
{
    for (; *s; s++)
        fputs(*s == '|' ? "\\|" : (char[]){*s, 0}, f);
}

static int markdown_body(FILE *f, const void *ctx, char *err, size_t errlen)
{
    char b1[32], b2[32], b3[32], b4[32];
    const cJSON *res = ctx, *e, *counts = cJSON_GetObjectItemCaseSensitive(res, "counts");
    bool passed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "passed"));
    fprintf(f, "### highwater gate: %s\n\n", passed ? "PASS" : "FAIL");
    fprintf(f, "%.0f compared, %.0f failed, %.0f improved, %.0f missing, %.0f new. Limit: baseline "
            "peak x %.0f%% + %s. Baseline `%s`, report `%s`.\n\n", hw_jnum(counts, "compared"),
            hw_jnum(counts, "failed"), hw_jnum(counts, "improved"), hw_jnum(counts, "missing"), hw_jnum(counts, "new"),
            100 * (1 + hw_jnum(res, "tolerance")), hw_fmt_bytes(hw_jnum(res, "slack_bytes"), b1, sizeof b1),
            hw_jstr(res, "baseline"), hw_jstr(res, "report"));
    fprintf(f, "| strategy | allocator | baseline | new | delta | limit | verdict |\n");
    fprintf(f, "|---|---|---:|---:|---:|---:|---|\n");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "entries")) {
        bool failed = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "failed"));
        fputs("| ", f);
        md_cell(f, hw_jstr(e, HW_F_LABEL));
        fputs(" | ", f);
        md_cell(f, hw_jstr(e, HW_F_ALLOCATOR));
        if (hw_jstr(e, HW_F_ALLOCATOR_CONF)[0]) {
            fputc('+', f);
            md_cell(f, hw_jstr(e, HW_F_ALLOCATOR_CONF));
        }
        fprintf(f, " | %s | %s | %s | %s | %s", hw_gate_fmt_bytes(e, "old_peak_bytes", b1, sizeof b1),
                hw_gate_fmt_bytes(e, "new_peak_bytes", b2, sizeof b2), hw_gate_fmt_delta(e, b3, sizeof b3),
                hw_gate_fmt_bytes(e, "limit_bytes", b4, sizeof b4), failed ? "**FAIL** " : "");
        md_cell(f, hw_jstr(e, "verdict"));
        fputs(": ", f);
        md_cell(f, hw_jstr(e, "message"));
        fputs(" |\n", f);
    }
    (void)err, (void)errlen;   /* hw_atomic_write checks the stream and says what failed */
    return 0;
}

int hw_gate_write_markdown(const cJSON *res, const char *path, char *err, size_t errlen)
{
    return hw_atomic_write(path, markdown_body, res, err, errlen);
}
