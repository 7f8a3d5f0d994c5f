/* An experiment, parsed from YAML with libyaml. Every key is declared once in a table (one
 * file per section, config_*.c); errors name file:line:column, what was expected and what to
 * do. */
#ifndef HW_CONFIG_H
#define HW_CONFIG_H
#include "allocator.h"
#include "dataset.h"
#include "options.h"
#include "size.h"
#include "strategy.h"
#include <limits.h>

#define HW_MAX_STRATEGIES 32
#define HW_MAX_ALLOCATORS 8
#define HW_MAX_PARAMS     8

enum hw_source_kind { HW_SOURCE_MEMORY, HW_SOURCE_STREAM };

struct hw_allocator_cfg {
    enum hw_allocator_kind kind;       /* its index in the registry (common/allocator.h) */
    char conf[HW_STR_MAX];             /* MALLOC_CONF for jemalloc, "" for none */
};

/* One param as the config wrote it: the label and the report's run record show it so. */
struct hw_param_kv {
    char key[64];
    char value[HW_STR_MAX];
};

struct hw_strategy_cfg {
    const struct hw_strategy *strategy;
    char label[HW_STR_MAX];            /* "chunked-vstack" or "chunked-vstack chunk_rows=100k" */
    uint32_t nparams;
    struct hw_param_kv params[HW_MAX_PARAMS];   /* as written, in the order written */
    /* The params struct, parsed once here through the strategy's table (its defaults and
     * then params); pre-flight and the spec read it, nothing parses the text again. */
    struct hw_params typed;
    enum hw_dtype out_dtype;           /* the experiment's output unless overridden */
    enum hw_order out_order;
    bool has_expect;
    struct hw_size expect;             /* what the team believes the peak is */
    bool has_budget;
    struct hw_size budget;             /* the most a gate allows */
    bool has_container_limit;          /* run under this memory cgroup limit (overrides run's) */
    struct hw_size container_limit;
    bool has_container_budget;         /* budget.container: must survive this limit (exit 1 if not) */
    struct hw_size container_budget;
};

struct hw_config {
    char path[PATH_MAX];
    char name[HW_STR_MAX];
    struct hw_dataset ds;
    enum hw_dtype out_dtype;
    enum hw_order out_order;
    uint32_t nallocators;
    struct hw_allocator_cfg allocators[HW_MAX_ALLOCATORS];
    uint32_t repeat;
    uint32_t sample_interval_ms;
    char limit_text[HW_STR_MAX];       /* run.limit as written: 90% or 20GiB */
    bool limit_is_fraction;            /* limit: 90% of MemAvailable, or bytes */
    double limit;
    double expect_tolerance;           /* 0.10: an expect holds within +-10% */
    bool has_container_limit;          /* run.container_limit: every worker's cgroup limit */
    struct hw_size container_limit;
    char tmpdir[HW_STR_MAX];
    size_t tmpdir_line, tmpdir_col;    /* where run.tmpdir was given (1-based); 0 from $TMPDIR */
    uint32_t nstrategies;
    struct hw_strategy_cfg strategies[HW_MAX_STRATEGIES];
};

/* 0, or 2 (bad input) with one line in err: "FILE:LINE:COL: what; what to do".
 * 3 when the file cannot be read at all is still reported as 2: it is the user's input. */
int hw_config_load(const char *path, struct hw_config *cfg, char *err, size_t errlen);
/* The file's bytes (a pipe works: read once), malloc'ed into *text. 0, or 2 with err
 * "FILE: cannot read: why". */
int hw_config_read(const char *path, char **text, size_t *len, char *err, size_t errlen);
/* The same from text in memory; name stands for the file in messages. */
int hw_config_parse(const char *name, const char *text, size_t len, struct hw_config *cfg,
                    char *err, size_t errlen);
/* Before anything is measured: is the tmpdir an existing, writable directory? (The parser
 * stays pure: a config is valid text on any machine.) 0, or 2 with err
 * "FILE:LINE:COL: run.tmpdir: ...; what to do" (no position when it came from $TMPDIR). */
int hw_config_check_tmpdir(const struct hw_config *cfg, char *err, size_t errlen);
/* The memory cgroup limit a strategy's runs get, in bytes (0: none): its budget.container,
 * else its container_limit, else run.container_limit. */
uint64_t hw_config_container_limit(const struct hw_config *cfg, const struct hw_strategy_cfg *sc,
                                   uint64_t output_bytes);

#endif
