/* `highwater plot` and `run --html`: which view a path gets, written atomically (plot.h). */
#include "plot.h"
#include "schema_fields.h"
#include "atomic.h"
#include "json.h"
#include <stdbool.h>
#include <string.h>

struct plot_job { const cJSON *report; bool svg; };

static int plot_body(FILE *f, const void *ctx, char *err, size_t errlen)
{
    const struct plot_job *j = ctx;
    bool is_plan = strcmp(hw_jstr(j->report, HW_F_SCHEMA), "highwater.plan/1") == 0;
    return is_plan  ? hw_plot_plan_html(j->report, f, err, errlen)
           : j->svg ? hw_plot_summary_svg(j->report, f, err, errlen)
                    : hw_plot_html(j->report, NULL, f, err, errlen);
}

int hw_plot_write(const cJSON *report, const char *path, char *err, size_t errlen)
{
    size_t n = strlen(path);
    struct plot_job j = {report, n >= 4 && strcmp(path + n - 4, ".svg") == 0};
    if (hw_path_check("-o", path, err, errlen) != 0)
        return 2;
    return hw_atomic_write(path, plot_body, &j, err, errlen) == 0 ? 0 : 3;
}
