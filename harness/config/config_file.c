/* The text of a config and its one YAML document, bounded before libyaml sees it: a config
 * is a page of text, so the file, the nesting and the node count are capped, and a pass over
 * the events comes before the document is built. */
#include "config_sections.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE      (16u << 20)        /* a config is a page of text, not a data file */
/* The schema nests 4 deep (the top, strategies, an entry, its params); 64 leaves room for
 * any layout a person writes while the scanner, which walks its stack of open brackets on
 * every token, stays cheap: a first pass stopping at level 65 has looked at most one
 * simple-key window (1024 characters) past it. */
#define MAX_DEPTH     64
/* The largest config the schema can read is a few thousand nodes (32 strategies of a dozen
 * each, 16 column groups); beyond this the document would cost memory for nothing. */
#define MAX_NODES     100000

/* libyaml's own words and position; reader errors (bad UTF-8) carry only an offset. */
static int syntax_error(struct hw_yctx *c, const yaml_parser_t *p)
{
    size_t line = p->problem_mark.line, col = p->problem_mark.column;

    if (p->error == YAML_MEMORY_ERROR)
        return hw_yfail_at(c, 0, 0, "out of memory while parsing; free some memory and retry");
    if (p->error == YAML_READER_ERROR) {
        line = col = 0;
        for (size_t i = 0; i < p->problem_offset && i < c->len; i++, col++)
            if (c->text[i] == '\n') {
                line++;
                col = (size_t)-1;
            }
    }
    if (p->context)
        return hw_yfail_at(c, line, col, "invalid YAML: %s %s (from line %zu); check the indentation, "
                           "colons, quotes and brackets here", p->problem ? p->problem : "error",
                           p->context, p->context_mark.line + 1);
    return hw_yfail_at(c, line, col, "invalid YAML: %s; check the indentation, colons, quotes and "
                       "brackets here", p->problem ? p->problem : "error");
}

/* A pass over the events before the document is built, which bounds what libyaml's loader
 * and scanner are given: 100k levels of '[' take the scanner minutes (its work per token
 * grows with the depth), and a flat list of millions of nodes takes gigabytes as a document.
 * Syntax errors come out here, with the same words the loader would give. */
static int check_shape(struct hw_yctx *c)
{
    yaml_parser_t p;
    yaml_event_t ev;
    size_t depth = 0, nodes = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&p))
        return hw_yfail_at(c, 0, 0, "out of memory while parsing; free some memory and retry");
    yaml_parser_set_input_string(&p, (const unsigned char *)c->text, c->len);
    for (;;) {
        yaml_event_type_t type;
        yaml_mark_t at;

        if (!yaml_parser_parse(&p, &ev)) {
            rc = syntax_error(c, &p);
            break;
        }
        type = ev.type;
        at = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
        if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
            continue;
        }
        if (type != YAML_SCALAR_EVENT && type != YAML_ALIAS_EVENT &&
            type != YAML_SEQUENCE_START_EVENT && type != YAML_MAPPING_START_EVENT)
            continue;
        if (++nodes > MAX_NODES) {
            rc = hw_yfail_at(c, at.line, at.column, "more than %d values, lists and mappings; a "
                             "config is a page of text, check that this is the file you meant",
                             MAX_NODES);
            break;
        }
        if ((type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) &&
            ++depth > MAX_DEPTH) {
            rc = hw_yfail_at(c, at.line, at.column, "lists and mappings nested more than %d deep; "
                             "a config needs 4, look for an unclosed '[' or '{' or runaway "
                             "indentation here", MAX_DEPTH);
            break;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Read it all before parsing, so messages can locate reader errors by offset too. */
int hw_config_read(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL, *grown;
    size_t cap = 0, used = 0;
    int rc = 2;

    if (!f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return 2;
    }
    for (;;) {
        size_t n;
        if (used == cap) {
            cap = cap ? cap * 2 : 4096;
            if (cap > MAX_FILE) {
                snprintf(err, errlen, "%s: cannot read: larger than %u MiB, not a config",
                         path, MAX_FILE >> 20);
                goto out;
            }
            if (!(grown = realloc(buf, cap))) {
                snprintf(err, errlen, "%s: cannot read: out of memory", path);
                goto out;
            }
            buf = grown;
        }
        n = fread(buf + used, 1, cap - used, f);
        used += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        goto out;
    }
    *text = buf;
    *len = used;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}

int hw_config_document(struct hw_yctx *c, yaml_document_t *doc)
{
    yaml_parser_t parser;
    yaml_document_t extra;
    bool have_doc = false;
    yaml_node_t *root;
    int rc;

    if ((rc = check_shape(c)))
        return rc;
    if (!yaml_parser_initialize(&parser))
        return hw_yfail_at(c, 0, 0, "out of memory while parsing; free some memory and retry");
    yaml_parser_set_input_string(&parser, (const unsigned char *)c->text, c->len);
    if (!(have_doc = yaml_parser_load(&parser, doc))) {
        rc = syntax_error(c, &parser);
        goto out;
    }
    if (!yaml_document_get_root_node(doc)) {
        rc = hw_yfail_at(c, 0, 0, "the file is empty; an experiment needs at least dataset and "
                         "strategies (see configs/quick.yaml)");
        goto out;
    }
    /* A second document would be silently ignored: the user meant it to count. */
    if (!yaml_parser_load(&parser, &extra)) {
        rc = syntax_error(c, &parser);
        goto out;
    }
    if ((root = yaml_document_get_root_node(&extra)))
        rc = hw_yfail_at(c, root->start_mark.line, root->start_mark.column, "a second YAML "
                         "document; a config holds one experiment, put others in their own file");
    yaml_document_delete(&extra);
out:
    if (rc && have_doc)
        yaml_document_delete(doc);
    yaml_parser_delete(&parser);
    return rc;
}
