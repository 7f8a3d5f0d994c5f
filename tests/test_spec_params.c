/* Params parsed once and carried typed: the config parses each entry's params through its
 * strategy's table into the params struct, the spec carries that struct as typed JSON, and
 * the worker's reader decodes it back to the same bytes; a param of the wrong JSON type (or
 * unknown, missing, twice, out of range) is refused with one line naming it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "jobs.h"
#include "options_json.h"
#include "pframe.h"
#include "size.h"
#include "spec.h"
#include "testutil.h"

static const char yaml[] =
    "name: typed\n" TU_CI_DATASET
    "strategies:\n"
    "  - name: chunked-vstack\n"
    "    params: {chunk_rows: 50k, median: local}\n"
    "  - name: streaming\n"
    "    params: {source: ipc, batch_rows: 62500, read_rows: 1.5k, output: memmap, evict: yes}\n"
    "  - name: fused-single-pass\n"
    "    params: {extra_bytes: 1.5GiB}\n"
    "  - name: select-chain\n"
    "    params: {median: radix, threads: 3}\n"
    "  - name: memmap\n"
    "  - whole-copy\n";

static struct hw_config *load(void)
{
    struct hw_config *cfg = malloc(sizeof *cfg);
    char err[512] = "";
    assert_non_null(cfg);
    if (hw_config_parse("typed.yaml", yaml, strlen(yaml), cfg, err, sizeof err) != 0)
        fail_msg("config: %s", err);
    return cfg;
}

/* Entry i's spec as the parent writes it (hw_job_spec, then the JSON text on the pipe). */
static char *spec_text(const struct hw_config *cfg, uint32_t i)
{
    struct hw_job j = {.sc = &cfg->strategies[i], .ac = &cfg->allocators[0], .repeat = 1};
    struct hw_spec *spec = calloc(1, sizeof *spec);
    assert_non_null(spec);
    hw_job_spec(&j, cfg, true, "/tmp", spec);
    cJSON *o = hw_spec_json(spec);
    char *text = cJSON_PrintUnformatted(o);
    assert_non_null(text);
    cJSON_Delete(o);
    free(spec);
    return text;
}

/* The worker's reader on text: 0 with *back filled, or -1 with err. */
static int read_spec(const char *text, struct hw_spec *back, char *err, size_t len)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    err[0] = '\0';
    int rc = hw_spec_from_json(j, back, err, len);
    cJSON_Delete(j);
    return rc;
}

static void params_round_trip_typed(void **state)
{
    (void)state;
    struct hw_config *cfg = load();
    struct hw_spec *back = malloc(sizeof *back);
    char err[512];
    assert_non_null(back);
    for (uint32_t i = 0; i < cfg->nstrategies; i++) {
        const struct hw_strategy_cfg *sc = &cfg->strategies[i];
        char *text = spec_text(cfg, i);
        if (read_spec(text, back, err, sizeof err) != 0)
            fail_msg("%s: %s", sc->label, err);
        assert_ptr_equal(back->strategy, sc->strategy);
        assert_memory_equal(back->params.bytes, sc->typed.bytes, sc->strategy->params_size);
        cJSON_free(text);
    }
    /* Typed in the JSON, not as written: numbers, bytes, bools and choice names. */
    char *text = spec_text(cfg, 1);
    assert_non_null(strstr(text, "\"params\":{\"source\":\"ipc\",\"row_group_rows\":16000,\"batch_rows\":62500,"
                                 "\"read_rows\":1500,\"output\":\"memmap\",\"evict\":true}"));
    cJSON_free(text);
    text = spec_text(cfg, 2);
    assert_non_null(strstr(text, "\"params\":{\"extra_bytes\":1610612736}"));
    cJSON_free(text);
    text = spec_text(cfg, 5);
    assert_non_null(strstr(text, "\"params\":{}"));
    cJSON_free(text);
    /* Parsed once in the config, defaults included where none were given; the text stays
     * as written for the label and the report. */
    const struct hw_slice_params *slice = (const void *)cfg->strategies[0].typed.bytes;
    assert_int_equal(slice->chunk_rows, 50000);
    assert_int_equal(slice->median, 1);
    assert_int_equal(cfg->strategies[0].nparams, 2);
    assert_string_equal(cfg->strategies[0].params[0].key, "chunk_rows");
    assert_string_equal(cfg->strategies[0].params[0].value, "50k");
    assert_string_equal(cfg->strategies[0].label, "chunked-vstack chunk_rows=50k median=local");
    assert_int_equal(cfg->strategies[4].nparams, 0);
    text = spec_text(cfg, 4);
    assert_non_null(strstr(text, "\"params\":{\"chunk_rows\":10000,\"evict\":false}"));
    cJSON_free(text);
    free(back);
    free(cfg);
}

/* Entry i's spec with its text "from" replaced by "to" (once). */
static int edited(const struct hw_config *cfg, uint32_t i, const char *from, const char *to, char *err,
                  size_t len)
{
    char *text = spec_text(cfg, i), buf[8192];
    char *at = strstr(text, from);
    if (!at)
        fail_msg("'%s' not in %s", from, text);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    cJSON_free(text);
    struct hw_spec *back = malloc(sizeof *back);
    assert_non_null(back);
    int rc = read_spec(buf, back, err, len);
    free(back);
    return rc;
}

static void wrong_params_are_refused(void **state)
{
    (void)state;
    static const struct { uint32_t entry; const char *from, *to, *err; } cases[] = {
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":\"50k\"",
         "param 'chunk_rows' of chunked-vstack: expected a whole number from 1 to 1000000000000, got a string"},
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":true",
         "param 'chunk_rows' of chunked-vstack: expected a whole number from 1 to 1000000000000, got a bool"},
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":0",
         "param 'chunk_rows' of chunked-vstack: expected a whole number from 1 to 1000000000000, got 0"},
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":2.5",
         "param 'chunk_rows' of chunked-vstack: expected a whole number from 1 to 1000000000000, got 2.5"},
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":1e999",
         "param 'chunk_rows' of chunked-vstack: expected a whole number from 1 to 1000000000000, got inf"},
        {0, "\"median\":\"local\"", "\"median\":1",
         "param 'median' of chunked-vstack: expected a choice's name, got 1"},
        {0, "\"median\":\"local\"", "\"median\":\"middle\"",
         "param 'median' of chunked-vstack: expected one of global, local, got 'middle'"},
        {0, "\"chunk_rows\":50000,", "",
         "param 'chunk_rows' of chunked-vstack: missing; write the spec with 'highwater spec CONFIG'"},
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":50000,\"chunk_rows\":7",
         "param 'chunk_rows' of chunked-vstack: given twice"},
        {0, "\"chunk_rows\":50000", "\"chunk_rows\":50000,\"chunk_row\":7",
         "param 'chunk_row' of chunked-vstack: unknown; known: chunk_rows, median"},
        {0, "\"params\":{\"chunk_rows\":50000,\"median\":\"local\"}", "\"params\":[50000]",
         "field 'params' missing or not an object"},
        {1, "\"evict\":true", "\"evict\":\"true\"", "param 'evict' of streaming: expected true or false, got a string"},
        {1, "\"evict\":true", "\"evict\":1", "param 'evict' of streaming: expected true or false, got 1"},
        {2, "\"extra_bytes\":1610612736", "\"extra_bytes\":\"1.5GiB\"",
         "param 'extra_bytes' of fused-single-pass: expected a whole number from 0 to 999999999999999, got a string"},
        {2, "\"extra_bytes\":1610612736", "\"extra_bytes\":-1",
         "param 'extra_bytes' of fused-single-pass: expected a whole number from 0 to 999999999999999, got -1"},
        {2, "\"extra_bytes\":1610612736", "\"extra_bytes\":18446744073709551615",
         "param 'extra_bytes' of fused-single-pass: expected a whole number from 0 to 999999999999999, got 1.84467e+19"},
        {3, "\"threads\":3", "\"threads\":null", "param 'threads' of select-chain: expected a whole number from 0 to 1024, got null"},
        {3, "\"threads\":3", "\"threads\":1025", "param 'threads' of select-chain: expected a whole number from 0 to 1024, got 1025"},
        {5, "\"params\":{}", "\"params\":{\"rows\":1}", "param 'rows' of whole-copy: unknown; whole-copy takes no params"},
    };
    struct hw_config *cfg = load();
    char err[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (edited(cfg, cases[i].entry, cases[i].from, cases[i].to, err, sizeof err) != -1)
            fail_msg("case %zu (%s) accepted", i, cases[i].to);
        if (strcmp(err, cases[i].err) != 0)
            fail_msg("case %zu: got '%s', expected '%s'", i, err, cases[i].err);
        assert_null(strchr(err, '\n'));
    }
    free(cfg);
}

/* Every type a table row can have survives the trip, a size as bytes and as a ratio. */
struct all {
    uint64_t count, bytes, uint;
    uint32_t u32;
    struct hw_size size, ratio;
    double rate, percent;
    bool flag;
    int choice;
    char text[HW_STR_MAX];
};
static const struct hw_option all_table[] = {
    {"count", HW_OPT_COUNT, offsetof(struct all, count), "70M", 1, 1e12, NULL, ""},
    {"bytes", HW_OPT_BYTES, offsetof(struct all, bytes), "8MiB", 0, 0, NULL, ""},
    {"uint", HW_OPT_UINT, offsetof(struct all, uint), "999999999999999", 0, 0, NULL, ""},
    {"u32", HW_OPT_U32, offsetof(struct all, u32), "4294967295", 0, 0, NULL, ""},
    {"size", HW_OPT_SIZE, offsetof(struct all, size), "3GiB", 0, 0, NULL, ""},
    {"ratio", HW_OPT_SIZE, offsetof(struct all, ratio), "2.25x", 0, 0, NULL, ""},
    {"rate", HW_OPT_RATE, offsetof(struct all, rate), "0.1", 0, 1, NULL, ""},
    {"percent", HW_OPT_PERCENT, offsetof(struct all, percent), "90%", 0, 0, NULL, ""},
    {"flag", HW_OPT_BOOL, offsetof(struct all, flag), "true", 0, 0, NULL, ""},
    {"choice", HW_OPT_ENUM, offsetof(struct all, choice), "c", 0, 0, "a|b|c", ""},
    {"text", HW_OPT_STRING, offsetof(struct all, text), "any text", 0, 0, NULL, ""},
    {0},
};

static void every_type_round_trips(void **state)
{
    (void)state;
    struct all a, b;
    char err[256] = "";
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(hw_options_defaults(all_table, &a, err, sizeof err), 0);
    cJSON *o = hw_options_to_json(all_table, &a);
    char *text = cJSON_PrintUnformatted(o);
    assert_string_equal(text, "{\"count\":70000000,\"bytes\":8388608,\"uint\":999999999999999,"
                              "\"u32\":4294967295,\"size\":3221225472,\"ratio\":{\"ratio\":2.25},\"rate\":0.1,"
                              "\"percent\":0.9,\"flag\":true,\"choice\":\"c\",\"text\":\"any text\"}");
    cJSON *back = cJSON_Parse(text);
    if (hw_options_from_json(all_table, back, &b, "t", err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_memory_equal(&a, &b, sizeof a);
    cJSON_Delete(back);
    cJSON_free(text);
    cJSON_Delete(o);
    static const struct { const char *json, *err; } bad[] = {
        {"{\"ratio\":{\"ratio\":0}}", "param 'ratio' of t: expected a byte count or {\"ratio\": a number above 0}, got 0"},
        {"{\"ratio\":{\"r\":1}}", "param 'ratio' of t: expected a byte count or {\"ratio\": a number above 0}, got another object"},
        {"{\"size\":0}", "param 'size' of t: expected a whole number from 1 to 999999999999999, got 0"},
        {"{\"u32\":4294967296}", "param 'u32' of t: expected a whole number from 0 to 4294967295, got 4.29497e+09"},
        {"{\"uint\":1e15}", "param 'uint' of t: expected a whole number from 0 to 999999999999999, got 1e+15"},
        {"{\"rate\":1.5}", "param 'rate' of t: expected a number from 0 to 1, got 1.5"},
        {"{\"percent\":\"90%\"}", "param 'percent' of t: expected a number, got a string"},
        {"{\"text\":7}", "param 'text' of t: expected a string, got 7"},
        {"[]", "params of t: expected an object of params"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *j = cJSON_Parse(bad[i].json);
        assert_non_null(j);
        assert_int_equal(hw_options_from_json(all_table, j, &b, "t", err, sizeof err), -1);
        if (strcmp(err, bad[i].err) != 0)
            fail_msg("%s: got '%s', expected '%s'", bad[i].json, err, bad[i].err);
        cJSON_Delete(j);
    }
}

/* Each params struct is held inline (struct hw_params): every definition must fit it. */
static void every_strategy_fits(void **state)
{
    (void)state;
    char err[256];
    for (size_t i = 0; i < hw_strategy_count(); i++)
        if (hw_strategy_check(hw_strategy_at(i), err, sizeof err) != 0)
            fail_msg("%s", err);
    struct hw_strategy big = *hw_strategy_find("chunked-vstack");
    big.params_size = HW_PARAMS_MAX_BYTES + 1;
    assert_int_equal(hw_strategy_check(&big, err, sizeof err), -1);
    assert_non_null(strstr(err, "params_size"));
    big.params_size = sizeof(uint64_t);   /* median's row lies past the end */
    assert_int_equal(hw_strategy_check(&big, err, sizeof err), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params_round_trip_typed),
        cmocka_unit_test(wrong_params_are_refused),
        cmocka_unit_test(every_type_round_trips),
        cmocka_unit_test(every_strategy_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
