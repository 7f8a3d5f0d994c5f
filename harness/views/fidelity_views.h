/* The fidelity report (report/fidelity_report.h) shown: the table on stdout and one HTML page
 * of paired bars. Views only: they draw what the report holds. */
#ifndef HW_FIDELITY_VIEWS_H
#define HW_FIDELITY_VIEWS_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* The table of a fidelity report (fidelity_table.c). */
void hw_fidelity_print(const cJSON *fid, FILE *f);
/* The report as one HTML page, written through hw_atomic_write (fidelity_html.c). 0, or -1
 * with err. */
int hw_fidelity_html(const cJSON *fid, const char *path, char *err, size_t len);

#endif
