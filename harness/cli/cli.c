#include "cli.h"
#include <stdbool.h>
#include <string.h>

static const struct hw_flag *find(const struct hw_flag *flags, const char *arg)
{
    for (const struct hw_flag *f = flags; f->name; f++) {
        if (arg[0] == '-' && arg[1] == '-' && strcmp(arg, f->name) == 0)
            return f;
        if (arg[0] == '-' && arg[1] == f->short_name && f->short_name && arg[2] == '\0')
            return f;
    }
    return NULL;
}

static int flag_error(const char *cmd, const char *flag, const char *what)
{
    fprintf(stderr, "highwater %s: %s: %s; see 'highwater %s --help'\n", cmd, flag, what, cmd);
    return 2;
}

int hw_cli_parse(const char *cmd, const struct hw_flag *flags, void *base, int argc, char **argv,
                 int first, const char **pos, int max_pos, int *npos)
{
    char err[256];
    *npos = 0;
    for (const struct hw_flag *f = flags; f->name; f++)
        if (f->opt.def && hw_option_set(&f->opt, base, f->opt.def, err, sizeof err) != 0) {
            fprintf(stderr, "highwater %s: the default of %s: %s\n", cmd, f->name, err);
            return 3;
        }
    for (int i = first; i < argc; i++) {
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
        const struct hw_flag *f = find(flags, a);
        if (!f)
            return flag_error(cmd, a, "unknown option");
        const char *val = "true";
        if (f->arg) {
            if (inline_val)
                val = inline_val;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return flag_error(cmd, a, "needs a value");
        } else if (inline_val) {
            return flag_error(cmd, a, "takes no value");
        }
        if (hw_option_set(&f->opt, base, val, err, sizeof err) != 0)
            return flag_error(cmd, a, err);
    }
    return 0;
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
    for (const struct hw_flag *f = flags; f->name; f++) {
        char left[64];
        if (f->short_name)
            snprintf(left, sizeof left, "-%c, %s%s%s", f->short_name, f->name, f->arg ? " " : "", f->arg ? f->arg : "");
        else
            snprintf(left, sizeof left, "    %s%s%s", f->name, f->arg ? " " : "", f->arg ? f->arg : "");
        fprintf(out, "  %-28s %s", left, f->opt.help);
        if (f->opt.def)
            fprintf(out, " (default %s)", f->opt.def);
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

int hw_cli_wants_help(int argc, char **argv, int first)
{
    for (int i = first; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    return 0;
}
