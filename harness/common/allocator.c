#include "allocator.h"
#include <stdio.h>
#include <string.h>

#define HW_ALLOCATOR(id, ID) extern const struct hw_allocator_ops hw_allocator_##id;
#include "../../allocators/list.h"
#undef HW_ALLOCATOR

/* Indexed by enum hw_allocator_kind: both come from the same list, in its order. */
static const struct hw_allocator_ops *const registry[] = {
#define HW_ALLOCATOR(id, ID) [HW_ALLOC_##ID] = &hw_allocator_##id,
#include "../../allocators/list.h"
#undef HW_ALLOCATOR
};

size_t hw_allocator_count(void) { return sizeof registry / sizeof registry[0]; }

const struct hw_allocator_ops *hw_allocator_at(size_t i)
{
    return i < hw_allocator_count() ? registry[i] : NULL;
}

const struct hw_allocator_ops *hw_allocator_find(const char *name)
{
    for (size_t i = 0; i < hw_allocator_count(); i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    return NULL;
}

const char *hw_allocator_names(char *buf, size_t len, const char *sep)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < hw_allocator_count() && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? sep : "", registry[i]->name);
    return buf;
}

const char *hw_allocator_name(enum hw_allocator_kind k)
{
    return (size_t)k < hw_allocator_count() ? registry[k]->name : "unknown";
}

int hw_allocator_parse(const char *s, enum hw_allocator_kind *out)
{
    for (size_t i = 0; i < hw_allocator_count(); i++)
        if (strcmp(s, registry[i]->name) == 0) {
            *out = (enum hw_allocator_kind)i;
            return 0;
        }
    return -1;
}

int hw_allocator_check(const struct hw_allocator_ops *a, char *err, size_t errlen)
{
    const char *missing = NULL;
    if (!a->name || !a->name[0])
        missing = "a name";
    else if (!a->summary)
        missing = "a summary";
    else if (!a->open || !a->alloc || !a->free || !a->size || !a->stats || !a->peak_reset)
        missing = "open, alloc, free, size, stats and peak_reset";
    else if (!(a->free_threshold > 0) || !a->threshold_name || !a->stats_name)
        missing = "a free threshold with its name, and a stats name";
    if (missing) {
        snprintf(err, errlen, "allocator '%s' has no %s; fix its definition in allocators/",
                 a->name ? a->name : "(unnamed)", missing);
        return -1;
    }
    return 0;
}
