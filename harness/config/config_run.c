/* The run section: repetitions, sampling, the memory limit, the tmpdir and the allocators
 * (their names from the registry, common/allocator.h, as configs, specs and reports spell them). */
#include "config_sections.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Straight into the config; limit is kept as written until parse_limit tells its two forms
 * apart. */
static const struct hw_option run_table[] = {
    {"repeat", HW_OPT_U32, offsetof(struct hw_config, repeat), "1", 1, 1000, NULL,
     "repetitions of every strategy x allocator run"},
    {"sample_interval_ms", HW_OPT_U32, offsetof(struct hw_config, sample_interval_ms), "1", 1,
     1000, NULL, "how often the parent samples the worker's RSS"},
    {"limit", HW_OPT_STRING, offsetof(struct hw_config, limit_text), "90%", 0, 0, NULL,
     "the most a run may use: a share of MemAvailable (90%) or bytes (20GiB)"},
    {"expect_tolerance", HW_OPT_PERCENT, offsetof(struct hw_config, expect_tolerance), "10%", 0,
     1, NULL, "how far a measured peak may be from its expect and still hold"},
    {"tmpdir", HW_OPT_STRING, offsetof(struct hw_config, tmpdir), NULL, 0, 0, NULL,
     "where runs keep files (memmap outputs); default: $TMPDIR, else /tmp"},
    {"container_limit", HW_OPT_SIZE, offsetof(struct hw_config, container_limit), NULL, 0, 0, NULL,
     "run every worker in a memory cgroup with this limit, as a pod's limits.memory or "
     "Slurm's --mem would: 1.5x the output, or bytes; default: a cgroup with no limit"},
    {0},
};
/* The allocator names come from the registry: filled in by fill_names before first use. */
static char nested_help[256], name_choices[256];
static const struct hw_option run_nested[] = {
    {.name = "allocators", .help = nested_help},
    {0},
};

/* Choices in enum hw_allocator_kind order (the registry's). */
struct alloc_keys { int name; char conf[HW_STR_MAX]; };
static const struct hw_option alloc_table[] = {
    {"name", HW_OPT_ENUM, offsetof(struct alloc_keys, name), NULL, 0, 0, name_choices,
     "which malloc the worker runs with"},
    {"conf", HW_OPT_STRING, offsetof(struct alloc_keys, conf), NULL, 0, 0, NULL,
     "MALLOC_CONF for jemalloc, e.g. dirty_decay_ms:0"},
    {0},
};

static void fill_names(void)
{
    char names[200];
    if (name_choices[0])
        return;
    hw_allocator_names(name_choices, sizeof name_choices, "|");
    snprintf(nested_help, sizeof nested_help, "%s, or {name: jemalloc, conf: ...}",
             hw_allocator_names(names, sizeof names, ", "));
}

static int parse_limit(struct hw_yctx *c, const yaml_node_t *at, const char *v,
                       struct hw_config *cfg)
{
    uint64_t bytes;
    double share;

    if (hw_parse_percent(v, &share, NULL, 0) == 0) {
        if (!(share > 0 && share <= 1))
            return hw_yfail(c, at, "run.limit: must be more than 0%% and at most 100%% of "
                            "MemAvailable, got %s; or give bytes like 20GiB", v);
        cfg->limit_is_fraction = true;
        cfg->limit = share;
        return 0;
    }
    if (hw_parse_bytes(v, &bytes, NULL, 0) == 0 && bytes > 0) {
        cfg->limit_is_fraction = false;
        cfg->limit = (double)bytes;
        return 0;
    }
    return hw_yfail(c, at, "run.limit: expected a share of MemAvailable like 90%% or a byte size "
                    "like 20GiB, got '%.64s'", v);
}

static int parse_allocator(struct hw_yctx *c, yaml_node_t *item, size_t i,
                           struct hw_allocator_cfg *out)
{
    char path[64], owner[80], buf[80];
    struct alloc_keys ak;
    struct hw_yscope s = {.path = path, .owner = owner, .noun = "key", .keys = alloc_table,
                          .base = &ak};
    int rc;

    snprintf(path, sizeof path, "run.allocators[%zu]", i);
    snprintf(owner, sizeof owner, "in %s", path);
    if ((rc = hw_ydefaults(c, alloc_table, &ak)))
        return rc;
    if (item->type == YAML_SCALAR_NODE) {
        /* A bare name is the name row alone: same parser, same message. */
        char why[320];
        if (hw_option_set(&alloc_table[0], &ak, hw_yvalue(item), why, sizeof why) != 0)
            return hw_yfail(c, item, "%s: %s", path, why);
    } else if (item->type == YAML_MAPPING_NODE) {
        if ((rc = hw_ywalk(c, &s, item)) || (rc = hw_yrequire(c, &s, item, "name", "name: jemalloc")))
            return rc;
        /* A conf that goes to GLIBC_TUNABLES: name=value pairs of glibc.* tunables. */
        const struct hw_allocator_ops *ops = hw_allocator_at((size_t)ak.name);
        if (!ops->conf_env && hw_ygiven(&s, "conf"))
            return hw_yfail(c, hw_ygiven(&s, "conf"), "%s.conf: %s takes no conf; set its own "
                            "environment variables before highwater instead", path, ops->name);
        if (strcmp(ops->conf_env, "GLIBC_TUNABLES") == 0 && hw_ygiven(&s, "conf") &&
            (strncmp(ak.conf, "glibc.", 6) != 0 || !strchr(ak.conf, '=')))
            return hw_yfail(c, hw_ygiven(&s, "conf"),
                            "%s.conf: for %s, a GLIBC_TUNABLES string like glibc.malloc.hugetlb=1, "
                            "got '%s'", path, ops->name, ak.conf);
    } else {
        return hw_yfail(c, item, "%s: expected an allocator name or {name: jemalloc, conf: ...}, "
                        "got %s", path, hw_ydescribe(item, buf, sizeof buf));
    }
    out->kind = (enum hw_allocator_kind)ak.name;
    memcpy(out->conf, ak.conf, sizeof out->conf);
    return 0;
}

static int parse_allocators(struct hw_yctx *c, yaml_node_t *list, struct hw_config *cfg)
{
    static const char *const example = "[glibc, {name: jemalloc, conf: \"dirty_decay_ms:0\"}]";
    int rc;

    if (!list) {
        cfg->nallocators = 2;
        cfg->allocators[0] = (struct hw_allocator_cfg){.kind = HW_ALLOC_GLIBC};
        cfg->allocators[1] = (struct hw_allocator_cfg){.kind = HW_ALLOC_JEMALLOC};
        return 0;
    }
    if ((rc = hw_yexpect_list(c, list, "run.allocators", "allocators", example, HW_MAX_ALLOCATORS)))
        return rc;
    for (yaml_node_item_t *it = list->data.sequence.items.start;
         it < list->data.sequence.items.top; it++) {
        struct hw_allocator_cfg *a = &cfg->allocators[cfg->nallocators];
        if ((rc = parse_allocator(c, hw_ynode(c, *it), cfg->nallocators, a)))
            return rc;
        for (uint32_t j = 0; j < cfg->nallocators; j++)
            if (cfg->allocators[j].kind == a->kind && !strcmp(cfg->allocators[j].conf, a->conf))
                return hw_yfail(c, hw_ynode(c, *it), "run.allocators[%u]: %s%s%s is listed twice (also "
                                "run.allocators[%u]); remove one or give it another conf",
                                cfg->nallocators, hw_allocator_name(a->kind), a->conf[0] ? " " : "",
                                a->conf, j);
        cfg->nallocators++;
    }
    return 0;
}

int hw_config_run(struct hw_yctx *c, yaml_node_t *map, struct hw_config *cfg)
{
    struct hw_yscope s = {.path = "run", .owner = "in run", .noun = "key", .keys = run_table,
                          .nested = run_nested, .base = cfg};
    const char *tmp = getenv("TMPDIR");
    int rc;

    fill_names();
    if ((rc = hw_ydefaults(c, run_table, cfg)) || (rc = hw_yscope_init(c, &s, map)))
        return rc;
    if (map && (rc = hw_ywalk(c, &s, map)))
        return rc;
    if ((rc = parse_limit(c, hw_ygiven(&s, "limit"), cfg->limit_text, cfg)) ||
        (rc = parse_allocators(c, hw_ygiven(&s, "allocators"), cfg)))
        return rc;
    cfg->has_container_limit = hw_ygiven(&s, "container_limit") != NULL;
    if (hw_ygiven(&s, "tmpdir") && !cfg->tmpdir[0])
        return hw_yfail(c, hw_ygiven(&s, "tmpdir"), "run.tmpdir: expected a directory like /tmp, got "
                        "nothing");
    /* An over-long $TMPDIR is the environment's problem, not the config's: fall back. */
    if (!cfg->tmpdir[0])
        snprintf(cfg->tmpdir, sizeof cfg->tmpdir, "%s",
                 tmp && tmp[0] && strlen(tmp) < HW_STR_MAX ? tmp : "/tmp");
    if (hw_ygiven(&s, "tmpdir")) {
        cfg->tmpdir_line = hw_ygiven(&s, "tmpdir")->start_mark.line + 1;
        cfg->tmpdir_col = hw_ygiven(&s, "tmpdir")->start_mark.column + 1;
    }
    return 0;
}
