/* A run's own directory (the memmap strategies' files): created before its worker starts,
 * removed whatever happens to it. */
#ifndef HW_TMPDIR_H
#define HW_TMPDIR_H
#include <stddef.h>

/* under/highwater-PID-XXXXXX into dir. 0, or -1 with err (and dir ""). */
int hw_tmpdir_make(const char *under, char *dir, size_t dirlen, char *err, size_t errlen);
/* Remove dir and the files in it; dir becomes "". Nothing when dir is "". */
void hw_tmpdir_drop(char *dir);

#endif
