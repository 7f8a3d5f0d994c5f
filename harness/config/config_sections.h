/* The pieces of config.c's parser, for the files of harness/config/ only: the file reader
 * (caps and the pre-pass) and one parser per section of the experiment schema, each given
 * the section's node (NULL when the file leaves out an optional one). */
#ifndef HW_CONFIG_SECTIONS_H
#define HW_CONFIG_SECTIONS_H
#include "config.h"
#include "yaml_walk.h"

/* c->text as one YAML document into *doc (the caller deletes it on 0): size and nesting
 * bounded before libyaml builds it, a second document refused. 0, or 2 with c->err. */
int hw_config_document(struct hw_yctx *c, yaml_document_t *doc);

int hw_config_dataset(struct hw_yctx *c, yaml_node_t *map, struct hw_config *cfg);
/* The output keys of map (NULL: not given) into *dtype and *order, which start from the
 * table's defaults (the experiment's output) or, when from_defaults is false, from what they
 * hold (the experiment's output, under a strategy's override). */
int hw_config_output(struct hw_yctx *c, yaml_node_t *map, const char *path, bool from_defaults,
                     enum hw_dtype *dtype, enum hw_order *order, bool *dtype_given,
                     bool *order_given);
int hw_config_run(struct hw_yctx *c, yaml_node_t *map, struct hw_config *cfg);
int hw_config_strategies(struct hw_yctx *c, yaml_node_t *list, struct hw_config *cfg);

#endif
