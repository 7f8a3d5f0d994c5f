/* Reading a libyaml document against option tables: a mapping's scalar keys are rows of a
 * struct hw_option table, set through hw_option_set (so parsing, ranges, defaults and help
 * come from one declaration); keys whose value is a mapping or a list are declared by name
 * beside them and left to their section's own function. Unknown keys get "did you mean",
 * duplicates are errors, and every message is "FILE:LINE:COL: what; what to do". Knows
 * nothing of the experiment schema. */
#ifndef HW_YAML_WALK_H
#define HW_YAML_WALK_H
#include "options.h"
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define HW_YAML_MAX_KEYS 32              /* scalar + nested keys of one mapping */

struct hw_yctx {
    const char *file;                    /* names the text in messages */
    const char *text;                    /* for positions of reader errors */
    size_t len;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
};

/* One mapping being read against its tables. */
struct hw_yscope {
    const char *path;                    /* "dataset", "strategies[2].params"; "" at the top */
    const char *owner;                   /* "in dataset", "for chunked-vstack" */
    const char *noun;                    /* "key" or "param" */
    bool list_always;                    /* list every name even when suggesting one */
    const struct hw_option *keys;        /* scalar keys, set through hw_option_set */
    const struct hw_option *nested;      /* mapping/list keys: names and help only */
    void *base;                          /* what keys' offsets point into */
    size_t nkeys, nnested;
    yaml_node_t *key_at[HW_YAML_MAX_KEYS];  /* by row: keys first, then nested */
    yaml_node_t *val_at[HW_YAML_MAX_KEYS];
};

/* Every failure is 2 (bad input) with one line in c->err, positions 1-based. */
__attribute__((format(printf, 4, 5)))
int hw_yfail_at(struct hw_yctx *c, size_t line, size_t col, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
int hw_yfail(struct hw_yctx *c, const yaml_node_t *at, const char *fmt, ...);

const char *hw_yvalue(const yaml_node_t *n);
/* What the user wrote, as a message says it: 'lots', a mapping, a list, nothing. */
const char *hw_ydescribe(const yaml_node_t *n, char *buf, size_t len);
yaml_node_t *hw_ynode(struct hw_yctx *c, int index);

/* Count the scope's tables (before hw_yset_scalar on a node that is not a mapping). */
int hw_yscope_init(struct hw_yctx *c, struct hw_yscope *s, const yaml_node_t *at);
/* Record every key of map (unknown and duplicate keys are errors) and set the scalar ones;
 * nested values are left to the caller, in the order it needs them. */
int hw_ywalk(struct hw_yctx *c, struct hw_yscope *s, yaml_node_t *map);
/* One scalar through opt's parser, with the message hw_ywalk would give. */
int hw_yset_scalar(struct hw_yctx *c, const struct hw_yscope *s, const struct hw_option *opt,
                   const yaml_node_t *val);
/* The value node of a key by name, or NULL when the file did not give it; its key node. */
yaml_node_t *hw_ygiven(const struct hw_yscope *s, const char *name);
yaml_node_t *hw_ygiven_key(const struct hw_yscope *s, const char *name);
/* A key the section cannot do without: "missing 'rows'; add it, e.g. rows: 1M". */
int hw_yrequire(struct hw_yctx *c, const struct hw_yscope *s, const yaml_node_t *map,
                const char *name, const char *example);
/* The table's defaults into base, through the same parser (a broken one is the source's). */
int hw_ydefaults(struct hw_yctx *c, const struct hw_option *table, void *base);
/* A list node with 1..max items, or the error naming what it should hold. */
int hw_yexpect_list(struct hw_yctx *c, const yaml_node_t *n, const char *path, const char *what,
                    const char *example, size_t max);

#endif
