#include "cli.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_row(const struct hw_flag *f)
{
    return f->name || f->like;
}

/* The row as the parser and the help see it: a shared row with this command's offset, and
 * its arg, help and default when it gives them. */
static struct hw_flag resolve(const struct hw_flag *f)
{
    struct hw_flag r;

    if (!f->like)
        return *f;
    r = *f->like;
    r.opt.offset = f->opt.offset;
    if (f->arg)
        r.arg = f->arg;
    if (f->opt.help)
        r.opt.help = f->opt.help;
    if (f->opt.def)
        r.opt.def = f->opt.def;
    r.like = NULL;
    r.required = f->required;
    r.missing = f->missing;
    return r;
}

static const struct hw_flag *find(const struct hw_flag *flags, const char *arg, struct hw_flag *out)
{
    for (const struct hw_flag *f = flags; is_row(f); f++) {
        struct hw_flag r = resolve(f);
        if ((arg[0] == '-' && arg[1] == '-' && strcmp(arg, r.name) == 0) ||
            (arg[0] == '-' && arg[1] == r.short_name && r.short_name && arg[2] == '\0')) {
            *out = r;
            return f;
        }
    }
    return NULL;
}

static int flag_error(const char *cmd, const char *flag, const char *what)
{
    fprintf(stderr, "highwater %s: %s: %s; see 'highwater %s --help'\n", cmd, flag, what, cmd);
    return 2;
}

static int apply_defaults(const char *cmd, const struct hw_flag *flags, void *base)
{
    char err[256];

    for (const struct hw_flag *f = flags; is_row(f); f++) {
        struct hw_flag r = resolve(f);
        if (r.opt.def && hw_option_set(&r.opt, base, r.opt.def, err, sizeof err) != 0) {
            fprintf(stderr, "highwater %s: the default of %s: %s\n", cmd, r.name, err);
            return 3;
        }
    }
    return 0;
}

/* argv[first..last) into base and pos[]; given[i] says whether flags[i] was on the line. */
static int parse(const char *cmd, const struct hw_flag *flags, void *base, int last, char **argv,
                 int first, const char **pos, int max_pos, int *npos, bool *given)
{
    char err[256];

    *npos = 0;
    for (int i = first; i < last; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            if (*npos == max_pos)
                return flag_error(cmd, a, "unexpected argument");
            pos[(*npos)++] = a;
            continue;
        }
        /* --flag=value */
        char name[64];
        const char *inline_val = NULL, *eq = strchr(a, '=');
        if (eq && a[1] == '-' && (size_t)(eq - a) < sizeof name) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            inline_val = eq + 1;
            a = name;
        }
        struct hw_flag r;
        const struct hw_flag *f = find(flags, a, &r);
        if (!f)
            return flag_error(cmd, a, "unknown option");
        const char *val = "true";
        if (r.arg) {
            if (inline_val)
                val = inline_val;
            else if (i + 1 < last)
                val = argv[++i];
            else
                return flag_error(cmd, a, "needs a value");
        } else if (inline_val) {
            return flag_error(cmd, a, "takes no value");
        }
        if (hw_option_set(&r.opt, base, val, err, sizeof err) != 0)
            return flag_error(cmd, a, err);
        given[f - flags] = true;
    }
    return 0;
}

int hw_cli_needs(const struct hw_args *a)
{
    fprintf(stderr, "highwater %s: %s\n", a->cmd->name, a->cmd->needs);
    return 2;
}

/* Whether argv[first..] asks for help (--help or -h), up to a "--" that starts a command. */
static bool wants_help(int argc, char **argv, int first)
{
    for (int i = first; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

static size_t count_flags(const struct hw_flag *flags)
{
    size_t n = 0;
    while (flags && is_row(&flags[n]))
        n++;
    return n;
}

int hw_cli_run(const struct hw_command *c, int argc, char **argv)
{
    static const struct hw_flag none[] = {{0}};
    const struct hw_flag *flags = c->flags ? c->flags : none;
    size_t nflags = count_flags(flags);
    struct hw_args a = {.cmd = c};
    int last = argc, rc = 3;
    void *opts = NULL;
    bool *given = NULL;

    /* The same text as `help NAME`, from the command's own table. */
    if (wants_help(argc, argv, 2)) {
        hw_cli_help(stdout, c);
        return 0;
    }
    if (c->then_command) {
        for (int i = 2; i < argc && last == argc; i++)
            if (strcmp(argv[i], "--") == 0)
                last = i;
        if (last >= argc - 1)
            return hw_cli_needs(&a);
        a.ncmd = argc - last - 1;
        a.cmd_argv = argv + last + 1;
    }
    /* calloc's zeroes are every flag's value until its default or the line sets it. */
    opts = calloc(1, c->opts_size ? c->opts_size : 1);
    given = calloc(nflags + 1, sizeof *given);
    a.v = calloc((size_t)c->max_args + 1, sizeof *a.v);
    if (!opts || !given || !a.v) {
        fprintf(stderr, "highwater %s: out of memory\n", c->name);
        goto out;
    }
    if ((rc = apply_defaults(c->name, flags, opts)) ||
        (rc = parse(c->name, flags, opts, last, argv, 2, a.v, c->max_args, &a.n, given)))
        goto out;
    for (size_t i = 0; i < nflags; i++) {
        struct hw_flag r = resolve(&flags[i]);
        if (!r.required || given[i])
            continue;
        if (r.missing)
            fprintf(stderr, "highwater %s: %s: %s\n", c->name, r.name, r.missing);
        else
            hw_cli_needs(&a);
        rc = 2;
        goto out;
    }
    if (a.n < c->min_args) {
        rc = hw_cli_needs(&a);
        goto out;
    }
    rc = c->main(opts, &a);
out:
    free(a.v);
    free(given);
    free(opts);
    return rc;
}

/* Lines after the first indented by indent columns. */
static void indented(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1])
            fprintf(out, "%*s", indent, "");
    }
}

void hw_cli_help(FILE *out, const struct hw_command *c)
{
    static const struct hw_flag none[] = {{0}};
    const struct hw_flag *flags = c->flags ? c->flags : none;
    fprintf(out, "usage: highwater %s\n\n", c->usage);
    indented(out, c->summary, 0);
    fprintf(out, "\n\noptions:\n");
    for (const struct hw_flag *f = flags; is_row(f); f++) {
        struct hw_flag r = resolve(f);
        char left[64];
        if (r.short_name)
            snprintf(left, sizeof left, "-%c, %s%s%s", r.short_name, r.name, r.arg ? " " : "", r.arg ? r.arg : "");
        else
            snprintf(left, sizeof left, "    %s%s%s", r.name, r.arg ? " " : "", r.arg ? r.arg : "");
        fprintf(out, "  %-28s %s", left, r.opt.help);
        if (r.opt.def)
            fprintf(out, " (default %s)", r.opt.def);
        fputc('\n', out);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "this text");
}

void hw_cli_usage(FILE *out, const struct hw_command *cmds)
{
    fprintf(out, "usage: highwater COMMAND [ARGS]\n\ncommands:\n");
    for (const struct hw_command *c = cmds; c->name; c++) {
        /* A long usage takes its own line, the summary the next, both in the table's columns. */
        if (strlen(c->usage) > 22)
            fprintf(out, "  %s\n  %-22s ", c->usage, "");
        else
            fprintf(out, "  %-22s ", c->usage);
        indented(out, c->summary, 25);
        fputc('\n', out);
    }
}

const struct hw_command *hw_cli_find(const struct hw_command *cmds, const char *name)
{
    for (const struct hw_command *c = cmds; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}
