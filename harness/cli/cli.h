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

/* One command: the same row gives `highwater help`'s line, `help NAME` and `NAME --help`
 * (the usage, the summary and every flag of its table), and the function that runs it. */
struct hw_command {
    const char *name;             /* "run" */
    const char *usage;            /* after "highwater ": "run CONFIG [options]" */
    const char *summary;          /* what it does; may hold '\n' */
    const struct hw_flag *flags;  /* NULL: the command has no options */
    int (*main)(int argc, char **argv);
};

/* Parse argv[first..]: each flag's default first (through the same parser), then the flags
 * and at most max_pos positional arguments (stored in pos[]). 0, 2 with a one-line message
 * on stderr naming the flag and what was expected, or 3 (a default the table cannot parse). */
int hw_cli_parse(const char *cmd, const struct hw_flag *flags, void *base, int argc, char **argv,
                 int first, const char **pos, int max_pos, int *npos);
/* A command's own help: usage, summary, and one line per flag (with its default). */
void hw_cli_help(FILE *f, const struct hw_command *c);
/* The list of commands, one entry per row of a table ending in a row with a NULL name. */
void hw_cli_usage(FILE *f, const struct hw_command *cmds);
/* The row named name, or NULL. */
const struct hw_command *hw_cli_find(const struct hw_command *cmds, const char *name);
/* Whether argv[first..] asks for help (--help or -h), up to a "--" that starts a command. */
int hw_cli_wants_help(int argc, char **argv, int first);

#endif
