#include "yaml_walk.h"
#include "size.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* "FILE:LINE:COL: ..." with 1-based positions, flattened to one line whatever the user's
 * text held (a quoted scalar may span lines). */
static int vfail(struct hw_yctx *c, size_t line, size_t col, const char *fmt, va_list ap)
{
    int n;

    if (!c->err || c->errlen == 0)
        return 2;
    n = snprintf(c->err, c->errlen, "%s:%zu:%zu: ", c->file, line + 1, col + 1);
    if (n >= 0 && (size_t)n < c->errlen)
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
    for (char *p = c->err; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return 2;
}

int hw_yfail_at(struct hw_yctx *c, size_t line, size_t col, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(c, line, col, fmt, ap);
    va_end(ap);
    return rc;
}

int hw_yfail(struct hw_yctx *c, const yaml_node_t *at, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = vfail(c, at ? at->start_mark.line : 0, at ? at->start_mark.column : 0, fmt, ap);
    va_end(ap);
    return rc;
}

const char *hw_yvalue(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* What the user wrote, as a message says it: 'lots', a mapping, a list, nothing. */
const char *hw_ydescribe(const yaml_node_t *n, char *buf, size_t len)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (n->data.scalar.length == 0 && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
        return "nothing";
    snprintf(buf, len, "'%.64s%s'", hw_yvalue(n), n->data.scalar.length > 64 ? "..." : "");
    return buf;
}

yaml_node_t *hw_ynode(struct hw_yctx *c, int index)
{
    return yaml_document_get_node(c->doc, index);
}

static size_t table_len(const struct hw_option *t)
{
    size_t n = 0;
    while (t && t[n].name)
        n++;
    return n;
}

int hw_yscope_init(struct hw_yctx *c, struct hw_yscope *s, const yaml_node_t *at)
{
    s->nkeys = table_len(s->keys);
    s->nnested = table_len(s->nested);
    memset(s->key_at, 0, sizeof s->key_at);
    memset(s->val_at, 0, sizeof s->val_at);
    if (s->nkeys + s->nnested > HW_YAML_MAX_KEYS)
        return hw_yfail(c, at, "%s: more than %d keys declared; raise HW_YAML_MAX_KEYS in yaml_walk.h",
                        s->path, HW_YAML_MAX_KEYS);
    return 0;
}

static int scope_index(const struct hw_yscope *s, const char *name)
{
    const struct hw_option *o = hw_option_find(s->keys, name);
    if (o)
        return (int)(o - s->keys);
    o = hw_option_find(s->nested, name);
    return o ? (int)(s->nkeys + (size_t)(o - s->nested)) : -1;
}

/* The value node of a key by name, or NULL when the file did not give it. */
yaml_node_t *hw_ygiven(const struct hw_yscope *s, const char *name)
{
    int i = scope_index(s, name);
    return i >= 0 ? s->val_at[i] : NULL;
}

yaml_node_t *hw_ygiven_key(const struct hw_yscope *s, const char *name)
{
    int i = scope_index(s, name);
    return i >= 0 ? s->key_at[i] : NULL;
}

/* Both tables as one, for suggestions and listings. */
static void scope_names(const struct hw_yscope *s, struct hw_option *all)
{
    size_t n = 0;
    memset(all, 0, (HW_YAML_MAX_KEYS + 1) * sizeof *all);
    for (size_t i = 0; i < s->nkeys; i++)
        all[n++].name = s->keys[i].name;
    for (size_t i = 0; i < s->nnested; i++)
        all[n++].name = s->nested[i].name;
}

static int unknown_key(struct hw_yctx *c, const struct hw_yscope *s, const yaml_node_t *key)
{
    struct hw_option all[HW_YAML_MAX_KEYS + 1];
    char names[512];
    const char *close;

    scope_names(s, all);
    hw_option_names(all, names, sizeof names);
    close = hw_option_suggest(all, hw_yvalue(key));
    if (close && s->list_always)
        return hw_yfail(c, key, "unknown %s '%s' %s; did you mean '%s'? (its %ss: %s)", s->noun,
                        hw_yvalue(key), s->owner, close, s->noun, names);
    if (close)
        return hw_yfail(c, key, "unknown %s '%s' %s; did you mean '%s'?", s->noun, hw_yvalue(key),
                        s->owner, close);
    if (s->list_always)
        return hw_yfail(c, key, "unknown %s '%s' %s; its %ss: %s", s->noun, hw_yvalue(key), s->owner,
                        s->noun, names);
    return hw_yfail(c, key, "unknown %s '%s' %s; known %ss: %s", s->noun, hw_yvalue(key), s->owner,
                    s->noun, names);
}

/* Would value pass without opt's range? Then the range is what failed, and the key's help
 * says what a sensible value is (rows: "more than 1T rows is absurd"). */
static bool only_range_failed(const struct hw_option *opt, const char *value)
{
    struct hw_option bare = *opt;
    union { uint64_t u; double d; char s[HW_STR_MAX]; struct hw_size sz; int i; } scratch;

    bare.offset = 0;
    bare.min = bare.max = 0;
    return hw_option_set(&bare, &scratch, value, NULL, 0) == 0;
}

int hw_yset_scalar(struct hw_yctx *c, const struct hw_yscope *s, const struct hw_option *opt,
                      const yaml_node_t *val)
{
    char why[320], buf[80];
    const char *sep = s->path[0] ? "." : "";

    if (val->type != YAML_SCALAR_NODE)
        return hw_yfail(c, val, "%s%s%s: expected a single value, got %s", s->path, sep, opt->name,
                        hw_ydescribe(val, buf, sizeof buf));
    if (hw_option_set(opt, s->base, hw_yvalue(val), why, sizeof why) == 0)
        return 0;
    if (opt->help && only_range_failed(opt, hw_yvalue(val)))
        return hw_yfail(c, val, "%s%s%s: %s; %s", s->path, sep, opt->name, why, opt->help);
    return hw_yfail(c, val, "%s%s%s: %s", s->path, sep, opt->name, why);
}

/* Record every key (unknown and duplicate keys are errors) and set the scalar ones;
 * nested values are left to the section's own parser, in the order it needs them. */
int hw_ywalk(struct hw_yctx *c, struct hw_yscope *s, yaml_node_t *map)
{
    char buf[80], names[512];
    struct hw_option all[HW_YAML_MAX_KEYS + 1];
    const char *where = s->path[0] ? s->path : "the top level";
    int rc = hw_yscope_init(c, s, map);

    if (rc)
        return rc;
    if (map->type != YAML_MAPPING_NODE) {
        scope_names(s, all);
        return hw_yfail(c, map, "%s: expected a mapping of %ss (%s), got %s", where, s->noun,
                        hw_option_names(all, names, sizeof names), hw_ydescribe(map, buf, sizeof buf));
    }
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = hw_ynode(c, p->key), *val = hw_ynode(c, p->value);
        int i;

        if (key->type != YAML_SCALAR_NODE)
            return hw_yfail(c, key, "%s: %ss must be plain names, got %s", where, s->noun,
                            hw_ydescribe(key, buf, sizeof buf));
        i = scope_index(s, hw_yvalue(key));
        if (i < 0)
            return unknown_key(c, s, key);
        if (s->val_at[i])
            return hw_yfail(c, key, "duplicate %s '%s' %s (first at line %zu); keep one", s->noun,
                            hw_yvalue(key), s->owner, s->key_at[i]->start_mark.line + 1);
        s->key_at[i] = key;
        s->val_at[i] = val;
        if ((size_t)i < s->nkeys && (rc = hw_yset_scalar(c, s, &s->keys[i], val)))
            return rc;
    }
    return 0;
}

int hw_yrequire(struct hw_yctx *c, const struct hw_yscope *s, const yaml_node_t *map,
                   const char *name, const char *example)
{
    if (hw_ygiven(s, name))
        return 0;
    if (!s->path[0])
        return hw_yfail(c, map, "missing '%s' section; add one, e.g. %s", name, example);
    return hw_yfail(c, map, "%s: missing '%s'; add it, e.g. %s", s->path, name, example);
}

int hw_ydefaults(struct hw_yctx *c, const struct hw_option *table, void *base)
{
    char why[320];
    if (hw_options_defaults(table, base, why, sizeof why) != 0)
        return hw_yfail(c, NULL, "%s; fix the table in the source", why);
    return 0;
}

/* A list node with 1..max items, or the error naming what it should hold. */
int hw_yexpect_list(struct hw_yctx *c, const yaml_node_t *n, const char *path, const char *what,
                       const char *example, size_t max)
{
    char buf[80];
    size_t items;

    if (n->type != YAML_SEQUENCE_NODE)
        return hw_yfail(c, n, "%s: expected a list of %s like %s, got %s", path, what, example,
                        hw_ydescribe(n, buf, sizeof buf));
    items = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (items == 0)
        return hw_yfail(c, n, "%s: expected 1 to %zu %s, got none; add one like %s", path, max, what,
                        example);
    if (items > max)
        return hw_yfail(c, hw_ynode(c, n->data.sequence.items.start[max]),
                        "%s: at most %zu %s, got %zu; remove some", path, max, what, items);
    return 0;
}
