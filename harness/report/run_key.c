#include "run_key.h"
#include "json.h"
#include <stdio.h>
#include <string.h>

bool hw_run_key_is(const cJSON *o, const char *label, const char *allocator, const char *conf)
{
    return strcmp(hw_jstr(o, "label"), label) == 0 && strcmp(hw_jstr(o, "allocator"), allocator) == 0 &&
           strcmp(hw_jstr(o, "allocator_conf"), conf) == 0;
}

bool hw_run_key_equal(const cJSON *a, const cJSON *b)
{
    return hw_run_key_is(a, hw_jstr(b, "label"), hw_jstr(b, "allocator"), hw_jstr(b, "allocator_conf"));
}

void hw_run_key_copy(cJSON *to, const cJSON *from)
{
    cJSON_AddStringToObject(to, "label", hw_jstr(from, "label"));
    cJSON_AddStringToObject(to, "strategy", hw_jstr(from, "strategy"));
    cJSON_AddStringToObject(to, "allocator", hw_jstr(from, "allocator"));
    cJSON_AddStringToObject(to, "allocator_conf", hw_jstr(from, "allocator_conf"));
}

const char *hw_run_key_allocator(const cJSON *o, char *buf, size_t len)
{
    const char *conf = hw_jstr(o, "allocator_conf");
    snprintf(buf, len, "%s%s%s", hw_jstr(o, "allocator"), conf[0] ? "+" : "", conf);
    return buf;
}
