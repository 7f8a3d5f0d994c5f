/* libFuzzer target: the experiment config parser, hw_config_parse, on arbitrary bytes as a
 * YAML file. Asserted: it never crashes, leaks or hangs (the depth and node caps keep every
 * input linear); it returns 0 or 2; an error is one line that starts with the file name and a
 * position; an accepted config holds 1 to HW_MAX_STRATEGIES strategies, 1 to
 * HW_MAX_ALLOCATORS allocators and columns that add up to cols. */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hw_config cfg;             /* 300 KB: not on the stack */
    char err[1024] = "";
    int rc = hw_config_parse("fuzz.yaml", (const char *)data, size, &cfg, err, sizeof err);

    if (rc != 0 && rc != 2)
        abort();
    if (rc == 2 && (strncmp(err, "fuzz.yaml:", 10) != 0 || strchr(err, '\n')))
        abort();
    if (rc == 0) {
        uint32_t cols = 0;
        if (cfg.nstrategies < 1 || cfg.nstrategies > HW_MAX_STRATEGIES || cfg.nallocators < 1 ||
            cfg.nallocators > HW_MAX_ALLOCATORS || cfg.ds.ngroups > HW_MAX_GROUPS)
            abort();
        for (uint32_t i = 0; i < cfg.ds.ngroups; i++)
            cols += cfg.ds.groups[i].count;
        if (cols != cfg.ds.cols)
            abort();
    }
    return 0;
}
