/* An experiment from YAML, section by section: the file reader (config_file.c) gives one
 * bounded libyaml document, the walker (yaml_walk.c) reads each mapping against its option
 * table, and each section has its file (config_dataset.c, config_output.c, config_run.c,
 * config_strategies.c). The whole file is loaded as a document first, so every node keeps
 * its line and column for the message, and sections are read in dependency order. */
#include "config_sections.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Straight into the config, over the default name (the file's), with no defaults of its own. */
static const struct hw_option top_table[] = {
    {"name", HW_OPT_STRING, offsetof(struct hw_config, name), NULL, 0, 0, NULL,
     "names the experiment in reports; default: the file name without .yaml"},
    {0},
};
static const struct hw_option top_nested[] = {
    {.name = "dataset", .help = "the source table: rows, seed, column groups"},
    {.name = "output", .help = "the dense matrix: dtype and order"},
    {.name = "run", .help = "allocators, repetitions, sampling, memory limit"},
    {.name = "strategies", .help = "the ways to compare, with what the team expects"},
    {0},
};

/* "configs/ci.yaml" -> "ci": the report is named after the experiment. */
static void default_name(const char *file, char *out, size_t len)
{
    const char *base = strrchr(file, '/');
    size_t n;

    base = base ? base + 1 : file;
    n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".yaml") == 0)
        n -= 5;
    else if (n > 4 && strcmp(base + n - 4, ".yml") == 0)
        n -= 4;
    snprintf(out, len, "%.*s", (int)n, base);
}

/* The name ends up in file names: keep it to characters every shell and filesystem take. */
static int check_name(struct hw_yctx *c, const yaml_node_t *at, const char *name)
{
    if (name[0] && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789._-") == strlen(name))
        return 0;
    return hw_yfail(c, at, "name: expected letters, digits, '.', '_' or '-' (it names the report "
                    "files), got '%.64s'", name);
}

static int parse_root(struct hw_yctx *c, yaml_node_t *root, struct hw_config *cfg)
{
    struct hw_yscope s = {.path = "", .owner = "at the top level", .noun = "key",
                          .keys = top_table, .nested = top_nested, .base = cfg};
    bool unused_dtype, unused_order;
    char buf[80];
    int rc;

    if (root->type != YAML_MAPPING_NODE)
        return hw_yfail(c, root, "the top level must be a mapping with dataset, strategies and "
                        "optionally name, output, run; got %s", hw_ydescribe(root, buf, sizeof buf));
    if ((rc = hw_ywalk(c, &s, root)) ||
        (rc = hw_yrequire(c, &s, root, "dataset", "dataset: {rows: 1M, columns: [...]}")) ||
        (rc = hw_yrequire(c, &s, root, "strategies", "strategies: [whole-copy]")))
        return rc;
    if (hw_ygiven(&s, "name") && (rc = check_name(c, hw_ygiven(&s, "name"), cfg->name)))
        return rc;
    /* Output before the strategies that override it, whatever order the file lists them in. */
    if ((rc = hw_config_dataset(c, hw_ygiven(&s, "dataset"), cfg)) ||
        (rc = hw_config_output(c, hw_ygiven(&s, "output"), "output", true, &cfg->out_dtype,
                               &cfg->out_order, &unused_dtype, &unused_order)) ||
        (rc = hw_config_run(c, hw_ygiven(&s, "run"), cfg)))
        return rc;
    return hw_config_strategies(c, hw_ygiven(&s, "strategies"), cfg);
}

int hw_config_parse(const char *name, const char *text, size_t len, struct hw_config *cfg,
                    char *err, size_t errlen)
{
    yaml_document_t doc;
    struct hw_yctx c = {.file = name, .text = text, .len = len, .doc = &doc, .err = err,
                        .errlen = errlen};
    int rc;

    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", name);
    default_name(name, cfg->name, sizeof cfg->name);
    if ((rc = hw_config_document(&c, &doc)))
        return rc;
    rc = parse_root(&c, yaml_document_get_root_node(&doc), cfg);
    yaml_document_delete(&doc);
    return rc;
}

int hw_config_load(const char *path, struct hw_config *cfg, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    int rc;

    memset(cfg, 0, sizeof *cfg);
    if ((rc = hw_config_read(path, &text, &len, err, errlen)) == 0)
        rc = hw_config_parse(path, text, len, cfg, err, errlen);
    free(text);
    return rc;
}

int hw_config_check_tmpdir(const struct hw_config *cfg, char *err, size_t errlen)
{
    struct stat st;
    char where[PATH_MAX + 64];
    const char *why = NULL;
    if (cfg->tmpdir_line)
        snprintf(where, sizeof where, "%s:%zu:%zu: run.tmpdir", cfg->path, cfg->tmpdir_line,
                 cfg->tmpdir_col);
    else
        snprintf(where, sizeof where, "run.tmpdir (from $TMPDIR or /tmp)");
    if (stat(cfg->tmpdir, &st) != 0)
        why = errno == ENOENT ? "does not exist" : strerror(errno);
    else if (!S_ISDIR(st.st_mode))
        why = "is not a directory";
    else if (access(cfg->tmpdir, W_OK | X_OK) != 0)
        why = "is not writable";
    if (!why)
        return 0;
    snprintf(err, errlen, "%s: %s %s; create it or set run.tmpdir to a writable directory",
             where, cfg->tmpdir, why);
    return 2;
}

uint64_t hw_config_container_limit(const struct hw_config *cfg, const struct hw_strategy_cfg *sc,
                                   uint64_t output_bytes)
{
    const struct hw_size *z = sc->has_container_budget ? &sc->container_budget
                              : sc->has_container_limit ? &sc->container_limit
                              : cfg->has_container_limit ? &cfg->container_limit : NULL;
    double b = z ? hw_size_bytes(z, output_bytes) : 0;
    return b > 0 ? (uint64_t)b : 0;
}
