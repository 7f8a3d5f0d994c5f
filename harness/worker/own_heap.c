#include "own_heap.h"
#include <string.h>
#include <sys/mman.h>

/* A mapping's first 16 bytes hold its length, for munmap; the payload stays 16-aligned. */
#define HEADER 16u

void *hw_own_keep(size_t n)
{
    size_t len = n + HEADER;
    char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    memcpy(m, &len, sizeof len);
    return m + HEADER;
}

void hw_own_release(void *p)
{
    if (!p)
        return;
    char *m = (char *)p - HEADER;
    size_t len;
    memcpy(&len, m, sizeof len);
    munmap(m, len);
}
