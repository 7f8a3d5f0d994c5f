/* Reading one of our JSON files (a report, a plan, a dataset's schema.json) from disk: a
 * regular file of bounded size, parsed, its "schema" field one of the expected names. The
 * checks of what is inside belong to the reader (report/report_check.h for reports). */
#ifndef HW_JSON_FILE_H
#define HW_JSON_FILE_H
#include <cjson/cJSON.h>
#include <stddef.h>

/* The largest report or plan read: past it a file is refused before malloc. Real reports are
 * far smaller (timelines are decimated to 1000 buckets a run; the biggest in results/ is 20 MB
 * with 1 ms timelines), and cJSON's tree takes about 10x the text, so 256 MiB of text is
 * already ~2.5 GiB in memory: generous for a report, safe for a CI runner. */
#define HW_JSON_MAX_BYTES (256ull << 20)

/* Read and parse path, whose "schema" must be one of schemas (NULL-terminated; the first
 * names the file in the messages). A directory, FIFO, device or empty file is an error, never
 * a hang or a huge malloc. 0, or 2 with err naming the file, on one line. */
int hw_json_file_load(const char *path, const char *const *schemas, cJSON **out, char *err, size_t len);
/* The text of path (any file merge or a reader takes whole: sacct's output), NUL-terminated,
 * under the same size cap and refusals as above. 0, or 2 with err naming the file. */
int hw_file_read_text(const char *path, char **text, size_t *n, char *err, size_t len);
/* err made one line, whatever the file held (a schema is quoted back as written). */
void hw_json_file_one_line(char *err, size_t len);

#endif
