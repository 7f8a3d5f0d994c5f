/* libFuzzer target: the worker's spec reader, hw_spec_from_json, on arbitrary bytes as the
 * JSON the parent writes to the spec pipe. Asserted: no crash, leak or undefined behaviour
 * (UBSan aborts on a bad float-to-integer cast); an accepted spec has 1 to HW_MAX_COLS
 * columns in at most HW_MAX_GROUPS groups that add up to them and a strategy in run mode;
 * and it survives the trip the parent makes, hw_spec_json then hw_spec_from_json, with the
 * same dataset, mode, strategy, output, allocator and params struct, byte for byte. */
#include "spec.h"
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_dataset(const struct hw_dataset *a, const struct hw_dataset *b)
{
    if (a->rows != b->rows || a->cols != b->cols || a->seed != b->seed ||
        a->all_null_columns != b->all_null_columns || a->ngroups != b->ngroups)
        return 0;
    for (uint32_t i = 0; i < a->ngroups; i++)
        if (a->groups[i].dtype != b->groups[i].dtype || a->groups[i].count != b->groups[i].count)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct hw_spec spec, again;
    cJSON *j = cJSON_ParseWithLength((const char *)data, size), *out = NULL;
    char err[512] = "";
    uint32_t cols = 0;

    if (!j)
        return 0;
    if (hw_spec_from_json(j, &spec, err, sizeof err) != 0) {
        if (!err[0])
            abort();
        goto out;
    }
    if (spec.ds.cols < 1 || spec.ds.cols > HW_MAX_COLS || spec.ds.ngroups > HW_MAX_GROUPS ||
        (spec.mode == HW_MODE_RUN && !spec.strategy))
        abort();
    for (uint32_t i = 0; i < spec.ds.ngroups; i++)
        cols += spec.ds.groups[i].count;
    if (cols != spec.ds.cols)
        abort();
    if (!(out = hw_spec_json(&spec)) || hw_spec_from_json(out, &again, err, sizeof err) != 0 ||
        !same_dataset(&spec.ds, &again.ds) || spec.mode != again.mode ||
        spec.strategy != again.strategy || spec.out_dtype != again.out_dtype ||
        spec.out_order != again.out_order || spec.allocator != again.allocator ||
        (spec.strategy && memcmp(spec.params.bytes, again.params.bytes, spec.strategy->params_size) != 0))
        abort();
out:
    cJSON_Delete(out);
    cJSON_Delete(j);
    return 0;
}
