/* Element types of source columns and of the output matrix. */
#ifndef HW_DTYPE_H
#define HW_DTYPE_H
#include <stdbool.h>
#include <stddef.h>

enum hw_dtype { HW_F64, HW_F32, HW_F16, HW_I64, HW_I32, HW_I16, HW_I8, HW_DTYPE_COUNT };
enum hw_order { HW_ORDER_C, HW_ORDER_F };

size_t      hw_dtype_size(enum hw_dtype t);
const char *hw_dtype_name(enum hw_dtype t);
bool        hw_dtype_is_float(enum hw_dtype t);
/* 0 and *out set, or -1 for an unknown name. */
int         hw_dtype_parse(const char *s, enum hw_dtype *out);
const char *hw_order_name(enum hw_order o);

#endif
