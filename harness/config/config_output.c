/* The output section: the dense matrix's dtype and order, for the experiment and for a
 * strategy's own override of it. */
#include "config_sections.h"
#include <stdio.h>

static const enum hw_dtype output_dtypes[] = {HW_F32, HW_F16, HW_F64};
static const enum hw_order output_orders[] = {HW_ORDER_C, HW_ORDER_F};
struct output_keys { int dtype, order; };
static const struct hw_option output_table[] = {
    {"dtype", HW_OPT_ENUM, offsetof(struct output_keys, dtype), "f32", 0, 0, "f32|f16|f64",
     "element type of the output matrix"},
    {"order", HW_OPT_ENUM, offsetof(struct output_keys, order), "C", 0, 0, "C|F",
     "C: rows contiguous (numpy default); F: columns contiguous"},
    {0},
};

static int index_of_dtype(enum hw_dtype d)
{
    for (int i = 0; i < (int)(sizeof output_dtypes / sizeof output_dtypes[0]); i++)
        if (output_dtypes[i] == d)
            return i;
    return 0;
}

int hw_config_output(struct hw_yctx *c, yaml_node_t *map, const char *path, bool from_defaults,
                     enum hw_dtype *dtype, enum hw_order *order, bool *dtype_given,
                     bool *order_given)
{
    char owner[80];
    /* Choices are indexes into output_dtypes and output_orders. */
    struct output_keys ok = {index_of_dtype(*dtype), *order == HW_ORDER_F};
    struct hw_yscope s = {.path = path, .owner = owner, .noun = "key", .keys = output_table,
                          .base = &ok};
    int rc;

    snprintf(owner, sizeof owner, "in %s", path);
    *dtype_given = *order_given = false;
    if (from_defaults && (rc = hw_ydefaults(c, output_table, &ok)))
        return rc;
    if (map && (rc = hw_ywalk(c, &s, map)))
        return rc;
    *dtype_given = map && hw_ygiven(&s, "dtype") != NULL;
    *order_given = map && hw_ygiven(&s, "order") != NULL;
    *dtype = output_dtypes[ok.dtype];
    *order = output_orders[ok.order];
    return 0;
}
