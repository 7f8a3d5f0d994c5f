/* Command-line flags declared once per command: one table row gives the flag, where its
 * value goes, its type (through options.c, the same parser configs use) and its help. */
#ifndef HW_CLI_H
#define HW_CLI_H
#include "options.h"
#include <stdio.h>

struct hw_flag {
    const char *name;        /* "--rows" */
    char short_name;         /* 'o', or 0 */
    const char *arg;         /* "N" for help; NULL: a switch (bool, no value) */
    struct hw_option opt;    /* type, offset into the command's options struct, range, help */
};

/* Parse argv[first..]: flags and at most max_pos positional arguments (stored in pos[]).
 * 0, or 2 with a one-line message on stderr naming the flag and what was expected. */
int hw_cli_parse(const char *cmd, const struct hw_flag *flags, void *base, int argc, char **argv,
                 int first, const char **pos, int max_pos, int *npos);
void hw_cli_help(FILE *f, const char *usage, const struct hw_flag *flags);

#endif
