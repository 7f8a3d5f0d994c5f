#include "run_key.h"
#include "schema_fields.h"
#include "json.h"
#include <stdio.h>
#include <string.h>

bool hw_run_key_is(const cJSON *o, const char *label, const char *allocator, const char *conf)
{
    return strcmp(hw_jstr(o, HW_F_LABEL), label) == 0 && strcmp(hw_jstr(o, HW_F_ALLOCATOR), allocator) == 0 &&
           strcmp(hw_jstr(o, HW_F_ALLOCATOR_CONF), conf) == 0;
}

bool hw_run_key_equal(const cJSON *a, const cJSON *b)
{
    return hw_run_key_is(a, hw_jstr(b, HW_F_LABEL), hw_jstr(b, HW_F_ALLOCATOR), hw_jstr(b, HW_F_ALLOCATOR_CONF));
}

void hw_run_key_copy(cJSON *to, const cJSON *from)
{
    cJSON_AddStringToObject(to, HW_F_LABEL, hw_jstr(from, HW_F_LABEL));
    cJSON_AddStringToObject(to, HW_F_STRATEGY, hw_jstr(from, HW_F_STRATEGY));
    cJSON_AddStringToObject(to, HW_F_ALLOCATOR, hw_jstr(from, HW_F_ALLOCATOR));
    cJSON_AddStringToObject(to, HW_F_ALLOCATOR_CONF, hw_jstr(from, HW_F_ALLOCATOR_CONF));
}

const char *hw_run_key_allocator(const cJSON *o, char *buf, size_t len)
{
    const char *conf = hw_jstr(o, HW_F_ALLOCATOR_CONF);
    snprintf(buf, len, "%s%s%s", hw_jstr(o, HW_F_ALLOCATOR), conf[0] ? "+" : "", conf);
    return buf;
}
