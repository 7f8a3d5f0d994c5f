#include "dtype.h"
#include <string.h>

static const struct { const char *name; size_t size; bool is_float; } dtypes[HW_DTYPE_COUNT] = {
    [HW_F64] = {"f64", 8, true},  [HW_F32] = {"f32", 4, true},  [HW_F16] = {"f16", 2, true},
    [HW_I64] = {"i64", 8, false}, [HW_I32] = {"i32", 4, false}, [HW_I16] = {"i16", 2, false},
    [HW_I8] = {"i8", 1, false},
};

size_t hw_dtype_size(enum hw_dtype t) { return dtypes[t].size; }
const char *hw_dtype_name(enum hw_dtype t) { return dtypes[t].name; }
bool hw_dtype_is_float(enum hw_dtype t) { return dtypes[t].is_float; }
const char *hw_order_name(enum hw_order o) { return o == HW_ORDER_F ? "F" : "C"; }

int hw_dtype_parse(const char *s, enum hw_dtype *out)
{
    for (int i = 0; i < HW_DTYPE_COUNT; i++)
        if (strcmp(s, dtypes[i].name) == 0) {
            *out = (enum hw_dtype)i;
            return 0;
        }
    return -1;
}
