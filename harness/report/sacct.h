/* Slurm's own accounting of finished jobs, as `sacct --parsable2` prints it (one header line,
 * then one line a job step, fields split by '|'), read into rows that `merge --sacct` puts
 * beside highwater's figures. Read by column name, so the order of --format does not matter:
 *
 *   sacct -P --noconvert -j ARRAY_JOB --format=JobIDRaw,JobID,State,MaxRSS,Elapsed,NodeList
 *
 * JobIDRaw (or JobID) and MaxRSS are required; the rest are kept when present. */
#ifndef HW_SACCT_H
#define HW_SACCT_H
#include <stdbool.h>
#include <stddef.h>

/* Past this many lines a file is not one array's accounting (a step a line). */
#define HW_SACCT_MAX_ROWS 100000

struct hw_sacct_row {
    char job_id_raw[64];       /* "125.batch": the task's own job id, then the step */
    char job_id[64];           /* "123_4.batch": array job, task, step ("" without the column) */
    char state[32];
    char node[128];
    bool have_rss, have_elapsed;
    double max_rss_bytes;
    double elapsed_seconds;
};

struct hw_sacct {
    struct hw_sacct_row *rows;
    size_t n;
};

/* The text of path (NUL-terminated) into *out (hw_sacct_free it). 0, or 2 with err
 * "PATH:LINE: what; what to do". */
int hw_sacct_parse(const char *text, const char *path, struct hw_sacct *out, char *err, size_t len);
/* A MaxRSS field in bytes: bare digits are bytes (--noconvert: "67538944"), a suffix K, M, G,
 * T or P a power of 1024 (sacct's default: "65956K", "1.50M"). false for "" or anything else. */
bool hw_sacct_bytes(const char *text, double *bytes);
/* "[D-][HH:]MM:SS[.frac]" -> seconds; false for anything else. */
bool hw_sacct_elapsed(const char *text, double *seconds);
/* The step line "ID.batch" of the job whose JobIDRaw (or, without it, JobID) is id; NULL. */
const struct hw_sacct_row *hw_sacct_batch(const struct hw_sacct *s, const char *id);
void hw_sacct_free(struct hw_sacct *s);

#endif
