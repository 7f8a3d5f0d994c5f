/* What the parent hands a worker (one JSON object on the spec pipe), and the dataset's
 * JSON form shared with the report. */
#ifndef HW_SPEC_H
#define HW_SPEC_H
#include "config.h"
#include <cjson/cJSON.h>

enum hw_spec_mode { HW_MODE_RUN, HW_MODE_REFERENCE, HW_MODE_CALIBRATE };

struct hw_spec {
    enum hw_spec_mode mode;
    struct hw_dataset ds;
    const struct hw_strategy *strategy;
    struct hw_params params;         /* the strategy's params struct, typed in the JSON */
    enum hw_dtype out_dtype;
    enum hw_order out_order;
    enum hw_allocator_kind allocator;
    bool phase_reset;
    char tmpdir[PATH_MAX];
    bool have_reference;             /* the reference result, to check the output against */
    uint64_t ref_checksum;
    double ref_medians[HW_MAX_COLS];
};

cJSON *hw_dataset_json(const struct hw_dataset *ds);
int hw_dataset_from_json(const cJSON *j, struct hw_dataset *ds, char *err, size_t len);
cJSON *hw_spec_json(const struct hw_spec *spec);
int hw_spec_from_json(const cJSON *j, struct hw_spec *spec, char *err, size_t len);

#endif
