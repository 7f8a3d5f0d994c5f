/* Commands and their flags declared once: a command row gives `highwater help`'s line,
 * `help NAME` and `NAME --help`, its flags, its positional arguments and the function that
 * runs it; a flag row gives the flag, where its value goes, its type (through options.c, the
 * same parser configs use) and its help. Flags several commands take are shared rows that
 * each command's table refers to (like), so their type and range are written once. */
#ifndef HW_CLI_H
#define HW_CLI_H
#include "options.h"
#include <stdbool.h>
#include <stdio.h>

struct hw_flag {
    const char *name;        /* "--rows" */
    char short_name;         /* 'o', or 0 */
    const char *arg;         /* "N" for help; NULL: a switch (bool, no value) */
    struct hw_option opt;    /* type, offset into the command's options struct, range, help */
    /* A shared row this one stands for: name, short name, type, range and choices come from
     * it, the offset always from here, and arg, help and default from here when given. */
    const struct hw_flag *like;
    bool required;           /* not given: the command's `needs` line, or missing's */
    const char *missing;     /* "the target row count is required, e.g. --rows 70M" */
};

/* A command's positional arguments, after the flags took theirs. */
struct hw_args {
    const struct hw_command *cmd;
    int n;                   /* positionals, in v[] */
    const char **v;
    int ncmd;                /* after "--" (then_command): the program and its arguments */
    char **cmd_argv;
};

struct hw_command {
    const char *name;             /* "run" */
    const char *usage;            /* after "highwater ": "run CONFIG [options]" */
    const char *summary;          /* what it does; may hold '\n' */
    const struct hw_flag *flags;  /* NULL: the command has no options */
    size_t opts_size;             /* the struct flags fill: zeroed, then defaults, then argv */
    int min_args, max_args;       /* positionals; fewer: `needs`, more: "unexpected argument" */
    bool then_command;            /* takes "-- CMD ARGS..." after its options */
    const char *needs;            /* one line after "highwater NAME: " for missing arguments */
    int (*main)(void *opts, const struct hw_args *a);
};

/* Run row c for argv ("highwater NAME ..."): its help when asked, else the flags parsed into
 * a fresh options struct (each flag's default first, through the same parser), the required
 * flags and the positional count checked, then c->main. Its exit code, or 2 with one line on
 * stderr naming the flag and what was expected, or 3 (a default the table cannot parse). */
int hw_cli_run(const struct hw_command *c, int argc, char **argv);
/* "highwater NAME: NEEDS" on stderr; 2. For checks only a command's own code can make. */
int hw_cli_needs(const struct hw_args *a);
/* A command's own help: usage, summary, and one line per flag (with its default). */
void hw_cli_help(FILE *f, const struct hw_command *c);
/* The list of commands, one entry per row of a table ending in a row with a NULL name. */
void hw_cli_usage(FILE *f, const struct hw_command *cmds);
/* The row named name, or NULL. */
const struct hw_command *hw_cli_find(const struct hw_command *cmds, const char *name);

#endif
