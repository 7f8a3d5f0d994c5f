/* The fidelity report as a table on stdout (fidelity_views.h): per strategy and allocator,
 * each phase's model and real increments in D and their difference, marked OFF (or gap) past
 * the tolerance, then the run row and the verdict. */
#include "fidelity_views.h"
#include "schema_fields.h"
#include "json.h"
#include <math.h>
#include <string.h>

static void print_d(FILE *f, const cJSON *o, const char *k)
{
    double v = hw_jnum(o, k);
    if (isfinite(v))
        fprintf(f, " %+8.2f", v);
    else
        fprintf(f, " %8s", "-");
}

/* Beside a row: nothing when within, "gap" when a stated gap's band holds it, "OFF" if not. */
static const char *mark(const cJSON *row)
{
    if (cJSON_IsTrue(cJSON_GetObjectItem(row, "within")))
        return "";
    return hw_jstr(row, "gap")[0] ? "  gap" : "  OFF";
}

void hw_fidelity_print(const cJSON *fid, FILE *f)
{
    const cJSON *e, *p;
    fprintf(f, "increments over the loaded source, in output sizes (D); tolerance +-%.2f D\n",
            hw_jnum(fid, "tolerance_d"));
    fprintf(f, "%-34s %-8s %-14s %8s %8s %8s\n", "strategy", "alloc", "phase", "model", "real", "diff");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(fid, "entries")) {
        const char *label = hw_jstr(e, HW_F_LABEL), *alloc = hw_jstr(e, HW_F_ALLOCATOR);
        if (strcmp(hw_jstr(e, HW_F_STATUS), "compared") != 0) {
            fprintf(f, "%-34.34s %-8s %s\n", label, alloc, hw_jstr(e, HW_F_REASON));
            continue;
        }
        cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(e, HW_F_PHASES)) {
            fprintf(f, "%-34.34s %-8s %-14.14s", label, alloc, hw_jstr(p, HW_F_NAME));
            print_d(f, p, "model_d");
            print_d(f, p, "real_d");
            print_d(f, p, "diff_d");
            fprintf(f, "%s\n", mark(p));
            label = alloc = "";
        }
        const cJSON *run = cJSON_GetObjectItemCaseSensitive(e, "run");
        fprintf(f, "%-34s %-8s %-14s", "", "", "run");
        print_d(f, run, "model_d");
        print_d(f, run, "real_d");
        print_d(f, run, "diff_d");
        fprintf(f, "%s  %s\n", mark(run), hw_jstr(e, "verdict"));
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(e, "twin_warmup");
        if (w)
            fprintf(f, "%-34s   the twin's warm-up left %.1f MiB resident (%+.2f D): the library's fixed costs, "
                       "not compared\n", "", hw_jnum(w, "kept_bytes") / 1048576.0, hw_jnum(w, "kept_d"));
        if (hw_jstr(e, "gap")[0])
            fprintf(f, "%-34s   gap: %s\n", "", hw_jstr(e, "gap"));
    }
}
