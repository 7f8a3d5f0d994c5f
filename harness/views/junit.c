/* The gate's verdicts as JUnit XML (gate_views.h): one testcase per compared run, so a CI
 * system shows a regression as a failed test with its message. */
#include "gate_views.h"
#include "schema_fields.h"
#include "atomic.h"
#include "json.h"
#include <string.h>

static void xml_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, f);
        }
    }
}

static int junit_body(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const cJSON *res = ctx, *e;
    int tests = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(res, "entries")), failures = 0, skipped = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "entries")) {
        failures += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "failed"));
        skipped += strcmp(hw_jstr(e, "verdict"), "skipped") == 0;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(f, "<testsuites name=\"highwater\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n",
            tests, failures, skipped);
    fprintf(f, "  <testsuite name=\"highwater gate\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n",
            tests, failures, skipped);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "entries")) {
        fputs("    <testcase classname=\"highwater.", f);
        xml_escaped(f, hw_jstr(e, HW_F_ALLOCATOR));
        if (hw_jstr(e, HW_F_ALLOCATOR_CONF)[0]) {
            fputc('+', f);
            xml_escaped(f, hw_jstr(e, HW_F_ALLOCATOR_CONF));
        }
        fputs("\" name=\"", f);
        xml_escaped(f, hw_jstr(e, HW_F_LABEL));
        fputs("\">\n", f);
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "failed"))) {
            fputs("      <failure type=\"", f);
            xml_escaped(f, hw_jstr(e, "verdict"));
            fputs("\" message=\"", f);
            xml_escaped(f, hw_jstr(e, "message"));
            fputs("\"/>\n", f);
        } else if (strcmp(hw_jstr(e, "verdict"), "skipped") == 0) {
            fputs("      <skipped message=\"", f);
            xml_escaped(f, hw_jstr(e, "message"));
            fputs("\"/>\n", f);
        } else {
            fputs("      <system-out>", f);
            xml_escaped(f, hw_jstr(e, "verdict"));
            fputs(": ", f);
            xml_escaped(f, hw_jstr(e, "message"));
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    (void)err, (void)errlen;   /* hw_atomic_write checks the stream and says what failed */
    return 0;
}

int hw_gate_write_junit(const cJSON *res, const char *path, char *err, size_t errlen)
{
    return hw_atomic_write(path, junit_body, res, err, errlen);
}
