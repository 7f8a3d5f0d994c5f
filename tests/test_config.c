/* Experiment configs: every kind of bad input gets one exact, one-line message naming
 * file:line:column, the key or value, and what to do; good input resolves to the values and
 * defaults the design names; the shipped configs parse and agree with each other. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FILE_NAME "configs/x.yaml"

/* Three lines of valid dataset and one line of strategies, to build cases around. */
#define DS "dataset:\n  rows: 1M\n  columns: [{dtype: f32, count: 4}]\n"
#define ST "strategies: [whole-copy]\n"

struct error_case {
    const char *name;
    const char *text;
    const char *message;     /* after "configs/x.yaml:" */
    bool with_strategy_list; /* message has one %s: the registry's names */
};

#define ERR(name, text, message, with_list) {name, text, message, with_list}
static const struct error_case errors[] = {
    /* unknown keys, with and without a suggestion */
    ERR("unknown key suggests", "dataset:\n  rowz: 1M\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "2:3: unknown key 'rowz' in dataset; did you mean 'rows'?", false),
    ERR("unknown key lists", "dataset:\n  rows: 1M\n  colour: red\n  columns: []\n" ST,
     "3:3: unknown key 'colour' in dataset; known keys: rows, seed, cols, "
     "all_null_columns, columns", false),
    ERR("seed beyond 2^53", "dataset:\n  rows: 1M\n  seed: 9007199254740993\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "3:9: dataset.seed: must be between 0 and 9007199254740991, got 9007199254740993; the same "
     "seed gives the same table, cell for cell", false),
    ERR("unknown section", "datset:\n  rows: 1M\n" ST,
     "1:1: unknown key 'datset' at the top level; did you mean 'dataset'?", false),
    ERR("unknown key in a column group",
     "dataset:\n  rows: 1M\n  columns:\n    - {dtype: f32, cuont: 4}\n" ST,
     "4:20: unknown key 'cuont' in dataset.columns[0]; did you mean 'count'?", false),
    /* strategies and their params */
    ERR("unknown strategy suggests", DS "strategies:\n  - whole_copy\n",
     "5:5: unknown strategy 'whole_copy'; did you mean 'whole-copy'? known: %s", true),
    ERR("unknown strategy lists", DS "strategies:\n  - name: median-magic\n",
     "5:11: unknown strategy 'median-magic'; known: %s", true),
    ERR("unknown param suggests",
     DS "strategies:\n  - name: chunked-vstack\n    params: {chunk_row: 10k}\n",
     "6:14: unknown param 'chunk_row' for chunked-vstack; did you mean 'chunk_rows'? "
     "(its params: chunk_rows, median)", false),
    ERR("unknown param lists",
     DS "strategies:\n  - name: chunked-vstack\n    params: {slices: 4}\n",
     "6:14: unknown param 'slices' for chunked-vstack; its params: chunk_rows, median", false),
    ERR("params for a strategy without any",
     DS "strategies:\n  - name: whole-copy\n    params: {chunk_rows: 10k}\n",
     "6:13: strategies[0].params: whole-copy takes no params; remove params", false),
    ERR("param of the wrong type",
     DS "strategies:\n  - name: chunked-vstack\n    params: {chunk_rows: lots}\n",
     "6:26: strategies[0].params.chunk_rows: expected a row count like 70M or 250k, "
     "got 'lots'", false),
    ERR("param outside its choices",
     DS "strategies:\n  - name: chunked-vstack\n    params: {median: median}\n",
     "6:22: strategies[0].params.median: expected one of global, local, got 'median'", false),
    ERR("params as a list", DS "strategies:\n  - name: memmap\n    params: [evict]\n",
     "6:13: strategies[0].params: expected a mapping of params (chunk_rows, evict), got a list", false),
    ERR("strategy without a name", DS "strategies:\n  - {expect: 2.0x}\n",
     "5:5: strategies[0]: missing 'name'; add it, e.g. name: whole-copy", false),
    ERR("strategy given as a list", DS "strategies:\n  - [whole-copy]\n",
     "5:5: strategies[0]: expected a strategy name or {name: chunked-vstack, expect: 1.25x, "
     "...}, got a list", false),
    ERR("same label twice",
     DS "strategies:\n  - {name: chunked-vstack, params: {chunk_rows: 100k}}\n"
        "  - {name: chunked-vstack, params: {chunk_rows: 100k}}\n",
     "6:5: strategies[1]: 'chunked-vstack chunk_rows=100k' is listed twice (also "
     "strategies[0]); change its params or remove one", false),
    ERR("expect of nothing", DS "strategies:\n  - {name: memmap, expect: 0x}\n",
     "5:28: strategies[0].expect: expected a size like 2.0x (times the output) or 1.5GiB, "
     "got '0x' (must be more than 0)", false),
    ERR("budget that is not a size", DS "strategies:\n  - {name: memmap, budget: lots}\n",
     "5:28: strategies[0].budget: expected a size like 2.0x (times the output) or 1.5GiB, "
     "got 'lots'", false),
    ERR("override that is not a mapping", DS "strategies:\n  - {name: memmap, output: F}\n",
     "5:28: strategies[0].output: expected a mapping of keys (dtype, order), got 'F'", false),
    ERR("no strategies", DS "strategies: []\n",
     "4:13: strategies: expected 1 to 32 strategies, got none; add one like "
     "[whole-copy, chunked-vstack]", false),
    /* wrong node types */
    ERR("mapping where a value goes", "dataset:\n  rows: {n: 1}\n  columns: []\n" ST,
     "2:9: dataset.rows: expected a single value, got a mapping", false),
    ERR("value where a mapping goes", "dataset: 1M\n" ST,
     "1:10: dataset: expected a mapping of keys (rows, seed, cols, all_null_columns, "
     "columns), got '1M'", false),
    ERR("value where a list goes", "dataset:\n  rows: 1M\n  columns: f32\n" ST,
     "3:12: dataset.columns: expected a list of column groups like "
     "[{dtype: f32, count: 114}], got 'f32'", false),
    ERR("list where a mapping goes", "dataset:\n  rows: 1M\n  columns: [[f32, 4]]\n" ST,
     "3:13: dataset.columns[0]: expected a mapping of keys (dtype, count, null_rate, inf_rate, "
     "nan_rate), got a list", false),
    ERR("empty section", "dataset:\n" ST,
     "1:9: dataset: expected a mapping of keys (rows, seed, cols, all_null_columns, "
     "columns), got nothing", false),
    ERR("key that is not a name", "dataset:\n  ? [a]\n  : 1\n" ST,
     "2:5: dataset: keys must be plain names, got a list", false),
    ERR("top level not a mapping", "- dataset\n- strategies\n",
     "1:1: the top level must be a mapping with dataset, strategies and optionally name, "
     "output, run; got a list", false),
    /* rows */
    ERR("negative rows", "dataset:\n  rows: -5\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "2:9: dataset.rows: expected a row count like 70M or 250k, got '-5' (negative)", false),
    ERR("absurd rows", "dataset:\n  rows: 5T\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "2:9: dataset.rows: must be between 1 and 1T, got 5T; rows of the source: 70M at full "
     "scale, 1M for a quick run, more than 1T is absurd", false),
    ERR("no rows", "dataset:\n  rows: 0\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "2:9: dataset.rows: must be between 1 and 1T, got 0; rows of the source: 70M at full "
     "scale, 1M for a quick run, more than 1T is absurd", false),
    ERR("a fraction of a row", "dataset:\n  rows: 1.5\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "2:9: dataset.rows: expected a whole row count like 70M or 1.5k, got '1.5'", false),
    ERR("rows on two lines", "dataset:\n  rows: \"1\n    rows\"\n  columns: []\n" ST,
     "2:9: dataset.rows: expected a row count like 70M or 250k, got '1 rows'", false),
    /* column groups */
    ERR("unknown dtype", "dataset:\n  rows: 1M\n  columns:\n    - {dtype: f128, count: 4}\n" ST,
     "4:15: dataset.columns[0].dtype: expected one of f64, f32, i64, i32, i16, i8, got 'f128'", false),
    ERR("f16 is an output dtype only",
     "dataset:\n  rows: 1M\n  columns:\n    - {dtype: f16, count: 4}\n" ST,
     "4:15: dataset.columns[0].dtype: expected one of f64, f32, i64, i32, i16, i8, got 'f16'", false),
    ERR("rate above 1",
     "dataset:\n  rows: 1M\n  columns:\n    - {dtype: f32, count: 4, null_rate: 1.5}\n" ST,
     "4:41: dataset.columns[0].null_rate: must be between 0 and 1, got 1.5; fraction of "
     "cells that are null", false),
    ERR("rates adding past 1",
     "dataset:\n  rows: 1M\n  columns:\n"
     "    - {dtype: f32, count: 4, null_rate: 0.5, inf_rate: 0.4, nan_rate: 0.3}\n" ST,
     "4:7: dataset.columns[0]: null_rate + inf_rate + nan_rate is 1.2, more than 1; "
     "lower them", false),
    ERR("inf on an integer dtype",
     "dataset:\n  rows: 1M\n  columns:\n    - {dtype: f32, count: 4}\n"
     "    - {dtype: i64, count: 1, inf_rate: 0.01}\n" ST,
     "5:30: dataset.columns[1].inf_rate: i64 columns cannot hold inf or NaN; remove it "
     "(inf_rate and nan_rate apply to f64 and f32 only)", false),
    ERR("nan on an integer dtype, dtype last",
     "dataset:\n  rows: 1M\n  columns:\n    - {count: 1, nan_rate: 0, dtype: i8}\n" ST,
     "4:18: dataset.columns[0].nan_rate: i8 columns cannot hold inf or NaN; remove it "
     "(inf_rate and nan_rate apply to f64 and f32 only)", false),
    ERR("group without a count", "dataset:\n  rows: 1M\n  columns:\n    - {dtype: f32}\n" ST,
     "4:7: dataset.columns[0]: missing 'count'; add it, e.g. count: 4", false),
    ERR("counts not adding up to cols",
     "dataset:\n  rows: 1M\n  cols: 114\n  columns:\n    - {dtype: f32, count: 102}\n"
     "    - {dtype: i8, count: 11}\n" ST,
     "3:9: dataset.cols is 114 but the column groups add up to 113; fix a group's count or "
     "cols", false),
    ERR("too many all-null columns",
     "dataset:\n  rows: 1M\n  all_null_columns: 5\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "3:21: dataset.all_null_columns is 5 but there are only 4 columns; use at most 4", false),
    ERR("no column groups", "dataset:\n  rows: 1M\n  columns: []\n" ST,
     "3:12: dataset.columns: expected 1 to 16 column groups, got none; add one like "
     "[{dtype: f32, count: 114}]", false),
    ERR("too many columns",
     "dataset:\n  rows: 1M\n  columns: [{dtype: f32, count: 4000}, {dtype: i8, count: 200}]\n"
     ST,
     "3:12: dataset.columns: the groups add up to 4200 columns, more than 4096; lower some "
     "counts", false),
    /* duplicates and missing pieces */
    ERR("duplicate key", "dataset:\n  rows: 1M\n  rows: 2M\n  columns: []\n" ST,
     "3:3: duplicate key 'rows' in dataset (first at line 2); keep one", false),
    ERR("duplicate section", DS ST "dataset: {}\n",
     "5:1: duplicate key 'dataset' at the top level (first at line 1); keep one", false),
    ERR("no dataset", ST,
     "1:1: missing 'dataset' section; add one, e.g. dataset: {rows: 1M, columns: [...]}", false),
    ERR("no strategies", DS,
     "1:1: missing 'strategies' section; add one, e.g. strategies: [whole-copy]", false),
    ERR("no rows", "dataset:\n  columns: [{dtype: f32, count: 4}]\n" ST,
     "2:3: dataset: missing 'rows'; add it, e.g. rows: 1M", false),
    /* empty and broken files */
    ERR("empty file", "",
     "1:1: the file is empty; an experiment needs at least dataset and strategies "
     "(see configs/quick.yaml)", false),
    ERR("only comments", "# nothing yet\n\n",
     "1:1: the file is empty; an experiment needs at least dataset and strategies "
     "(see configs/quick.yaml)", false),
    ERR("unclosed flow list", "dataset:\n  rows: 1M\n  columns: [{dtype: f32, count: 4}\n" ST,
     "4:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence "
     "(from line 3); check the indentation, colons, quotes and brackets here", false),
    ERR("bad indentation", "dataset:\n  rows: 1M\n columns: []\n" ST,
     "3:2: invalid YAML: did not find expected key while parsing a block mapping (from line "
     "1); check the indentation, colons, quotes and brackets here", false),
    ERR("a tab", "dataset:\n\trows: 1M\n" ST,
     "2:1: invalid YAML: found character that cannot start any token while scanning for the "
     "next token (from line 2); check the indentation, colons, quotes and brackets here", false),
    ERR("bad UTF-8", "dataset:\n  rows: 1M\xc3\n" ST,
     "2:12: invalid YAML: invalid trailing UTF-8 octet; check the indentation, colons, "
     "quotes and brackets here", false),
    ERR("second document", DS ST "---\nname: again\n",
     "6:1: a second YAML document; a config holds one experiment, put others in their own "
     "file", false),
    /* output and run */
    ERR("unknown order", DS "output: {order: G}\n" ST,
     "4:17: output.order: expected one of C, F, got 'G'", false),
    ERR("limit past 100%", DS "run: {limit: 150%}\n" ST,
     "4:14: run.limit: must be more than 0% and at most 100% of MemAvailable, got 150%; or "
     "give bytes like 20GiB", false),
    ERR("limit neither share nor bytes", DS "run: {limit: lots}\n" ST,
     "4:14: run.limit: expected a share of MemAvailable like 90% or a byte size like 20GiB, "
     "got 'lots'", false),
    ERR("repeat out of range", DS "run: {repeat: 0}\n" ST,
     "4:15: run.repeat: must be between 1 and 1000, got 0; repetitions of every strategy x "
     "allocator run", false),
    ERR("tolerance past 100%", DS "run: {expect_tolerance: 150%}\n" ST,
     "4:25: run.expect_tolerance: must be between 0% and 100%, got 150%; how far a measured "
     "peak may be from its expect and still hold", false),
    ERR("unknown allocator", DS "run:\n  allocators: [glibc, tcmalloc]\n" ST,
     "5:23: run.allocators[1]: expected one of glibc, jemalloc, mixed, mimalloc, got 'tcmalloc'", false),
    ERR("conf for glibc", DS "run:\n  allocators: [{name: glibc, conf: \"x:1\"}]\n" ST,
     "5:36: run.allocators[0].conf: for glibc, a GLIBC_TUNABLES string like "
     "glibc.malloc.hugetlb=1, got 'x:1'", false),
    ERR("same allocator twice", DS "run:\n  allocators: [jemalloc, jemalloc]\n" ST,
     "5:26: run.allocators[1]: jemalloc is listed twice (also run.allocators[0]); remove one "
     "or give it another conf", false),
    ERR("allocators not a list", DS "run:\n  allocators: jemalloc\n" ST,
     "5:15: run.allocators: expected a list of allocators like [glibc, {name: jemalloc, "
     "conf: \"dirty_decay_ms:0\"}], got 'jemalloc'", false),
    ERR("empty tmpdir", DS "run: {tmpdir: \"\"}\n" ST,
     "4:15: run.tmpdir: expected a directory like /tmp, got nothing", false),
    ERR("name unfit for a file", "name: my exp\n" DS ST,
     "1:7: name: expected letters, digits, '.', '_' or '-' (it names the report files), "
     "got 'my exp'", false),
};

static int parse(const char *text, struct hw_config *cfg, char *err, size_t errlen)
{
    return hw_config_parse(FILE_NAME, text, strlen(text), cfg, err, errlen);
}

static void test_error(void **state)
{
    const struct error_case *c = *state;
    struct hw_config *cfg = malloc(sizeof *cfg);
    char err[1024] = "", expected[1024], names[512], message[768];

    assert_non_null(cfg);
    snprintf(message, sizeof message, c->with_strategy_list ? c->message : "%s",
             c->with_strategy_list ? hw_strategy_names(names, sizeof names) : c->message);
    snprintf(expected, sizeof expected, "%s:%s", FILE_NAME, message);
    if (parse(c->text, cfg, err, sizeof err) != 2) {
        free(cfg);
        fail_msg("'%s' was accepted", c->name);
    }
    free(cfg);
    assert_string_equal(err, expected);
    assert_null(strchr(err, '\n'));
}

/* Too many groups: built, since 17 lines of YAML in the table would hide the point. */
static void test_too_many_groups(void **state)
{
    char text[2048] = "dataset:\n  rows: 1M\n  columns:\n", err[512];
    struct hw_config *cfg = malloc(sizeof *cfg);
    (void)state;
    assert_non_null(cfg);
    for (int i = 0; i <= HW_MAX_GROUPS; i++)
        strcat(text, "    - {dtype: i8, count: 1}\n");
    strcat(text, ST);
    assert_int_equal(parse(text, cfg, err, sizeof err), 2);
    free(cfg);
    assert_string_equal(err, FILE_NAME ":20:7: dataset.columns: at most 16 column groups, got "
                             "17; remove some");
}

static void test_missing_file(void **state)
{
    struct hw_config *cfg = malloc(sizeof *cfg);
    char err[512];
    (void)state;
    assert_non_null(cfg);
    assert_int_equal(hw_config_load("configs/nope.yaml", cfg, err, sizeof err), 2);
    free(cfg);
    assert_string_equal(err, "configs/nope.yaml: cannot read: No such file or directory");
}

static void test_directory_is_not_a_config(void **state)
{
    struct hw_config *cfg = malloc(sizeof *cfg);
    char err[512];
    (void)state;
    assert_non_null(cfg);
    assert_int_equal(hw_config_load("configs", cfg, err, sizeof err), 2);
    free(cfg);
    assert_string_equal(err, "configs: cannot read: Is a directory");
}

/* An error message never overruns a small buffer and stays terminated. */
static void test_small_error_buffer(void **state)
{
    struct hw_config *cfg = malloc(sizeof *cfg);
    char err[24];
    (void)state;
    assert_non_null(cfg);
    assert_int_equal(parse("dataset: 1M\n" ST, cfg, err, sizeof err), 2);
    free(cfg);
    assert_string_equal(err, "configs/x.yaml:1:10: da");
}

/* ---- shapes that would hang or bloat the parser --------------------------------------- */

#define DEPTH_ERR "lists and mappings nested more than 64 deep; a config needs 4, look for " \
                  "an unclosed '[' or '{' or runaway indentation here"

/* prefix, then n copies of open, then n copies of close, then suffix: parse it, return the
 * code and how long it took. */
static int parse_nested(const char *prefix, char open, char close, size_t n, const char *suffix,
                        char *err, size_t errlen, double *took)
{
    size_t lp = strlen(prefix), ls = strlen(suffix), len = lp + 2 * n + ls;
    char *text = malloc(len + 1);
    struct hw_config *cfg = malloc(sizeof *cfg);
    int rc;
    double t0;

    assert_non_null(text);
    assert_non_null(cfg);
    memcpy(text, prefix, lp);
    memset(text + lp, open, n);
    memset(text + lp + n, close, close ? n : 0);
    memcpy(text + lp + (close ? 2 * n : n), suffix, ls);
    len = lp + (close ? 2 * n : n) + ls;
    text[len] = '\0';
    t0 = hw_now();
    rc = hw_config_parse(FILE_NAME, text, len, cfg, err, errlen);
    *took = hw_now() - t0;
    free(cfg);
    free(text);
    return rc;
}

/* 100k levels of '[' (200 KB with the closing ones) took libyaml's yaml_parser_load 23.7 s
 * here; refused by the depth pass, a parse takes milliseconds (tests/test_integration_hostile.sh
 * times the same input through the binary: 0.01 s). The 1 s bound sits far from both. */
static void test_deep_flow_lists(void **state)
{
    char err[512];
    double took;
    (void)state;
    assert_int_equal(parse_nested("", '[', ']', 100000, "\n", err, sizeof err, &took), 2);
    assert_string_equal(err, FILE_NAME ":1:65: " DEPTH_ERR);
    assert_true(took < 1.0);
    /* Unclosed, as a truncated file would be. */
    assert_int_equal(parse_nested("", '[', 0, 100000, "", err, sizeof err, &took), 2);
    assert_string_equal(err, FILE_NAME ":1:65: " DEPTH_ERR);
    assert_true(took < 1.0);
}

static void test_deep_flow_mappings(void **state)
{
    char err[512];
    double took;
    (void)state;
    assert_int_equal(parse_nested("", '{', '}', 100000, "\n", err, sizeof err, &took), 2);
    assert_string_equal(err, FILE_NAME ":1:65: " DEPTH_ERR);
    assert_true(took < 1.0);
}

/* The top level and dataset are two levels: 62 lists under rows make 64, which is allowed
 * (rows then fails as what it is), and 63 are one too many. */
static void test_depth_limit(void **state)
{
    char err[512];
    double took;
    (void)state;
    assert_int_equal(parse_nested("dataset:\n  rows: ", '[', ']', 62, "\n" ST, err, sizeof err,
                                  &took), 2);
    assert_string_equal(err, FILE_NAME ":2:9: dataset.rows: expected a single value, got a list");
    assert_int_equal(parse_nested("dataset:\n  rows: ", '[', ']', 63, "\n" ST, err, sizeof err,
                                  &took), 2);
    assert_string_equal(err, FILE_NAME ":2:71: " DEPTH_ERR);
}

/* 65 block mappings, each indented two more: the 65th starts on line 65, column 129. */
static void test_deep_block_mappings(void **state)
{
    char text[8192] = "", err[512];
    struct hw_config *cfg = malloc(sizeof *cfg);
    size_t n = 0;
    (void)state;
    assert_non_null(cfg);
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%*sa:%s", 2 * i, "", i < 64 ? "\n" : " 1\n");
    assert_int_equal(parse(text, cfg, err, sizeof err), 2);
    free(cfg);
    assert_string_equal(err, FILE_NAME ":65:129: " DEPTH_ERR);
}

/* A flat list of millions of values: gigabytes as a libyaml document, refused after 100k. */
static void test_too_many_nodes(void **state)
{
    size_t items = 100001, len = 1 + 2 * items + 1;
    char *text = malloc(len + 1), err[512];
    struct hw_config *cfg = malloc(sizeof *cfg);
    (void)state;
    assert_non_null(text);
    assert_non_null(cfg);
    text[0] = '[';
    for (size_t i = 0; i < items; i++)
        memcpy(text + 1 + 2 * i, "1,", 2);
    memcpy(text + len - 2, "]\n", 3);
    assert_int_equal(hw_config_parse(FILE_NAME, text, len, cfg, err, sizeof err), 2);
    free(cfg);
    free(text);
    assert_string_equal(err, FILE_NAME ":1:200000: more than 100000 values, lists and mappings; "
                             "a config is a page of text, check that this is the file you meant");
}

/* Billion laughs: libyaml's document keeps an alias as a reference to its anchor's node, and
 * the walker reads only the keys the schema has, each once, so 9^8 implied strategies cost
 * nothing; nor does an anchor that contains itself. */
static void test_aliases_are_not_expanded(void **state)
{
    char text[4096] = "dataset: {rows: 1M, columns: [{dtype: f32, count: 4}]}\n"
                      "x0: &a0 [whole-copy, whole-copy, whole-copy, whole-copy, whole-copy, "
                      "whole-copy, whole-copy, whole-copy, whole-copy]\n", err[512];
    struct hw_config *cfg = malloc(sizeof *cfg);
    size_t n = strlen(text);
    double t0 = hw_now();
    (void)state;
    assert_non_null(cfg);
    n += (size_t)snprintf(text + n, sizeof text - n, "strategies: &a1 [*a0");
    for (int i = 1; i < 9; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, ", *a0");
    snprintf(text + n, sizeof text - n, "]\n");
    assert_int_equal(parse(text, cfg, err, sizeof err), 2);
    assert_string_equal(err, FILE_NAME ":2:1: unknown key 'x0' at the top level; known keys: "
                             "name, dataset, output, run, strategies");
    assert_int_equal(parse("dataset: {rows: 1M, columns: [{dtype: f32, count: 4}]}\n"
                           "strategies: &s [whole-copy, *s]\n", cfg, err, sizeof err), 2);
    free(cfg);
    assert_string_equal(err, FILE_NAME ":2:13: strategies[1]: expected a strategy name or "
                             "{name: chunked-vstack, expect: 1.25x, ...}, got a list");
    assert_true(hw_now() - t0 < 1.0);
}

/* ---- good input ---------------------------------------------------------------------- */

struct fixture {
    struct hw_config cfg;
    char err[1024];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    *state = f;
    return f ? 0 : -1;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static struct hw_config *parse_ok(void **state, const char *text)
{
    struct fixture *f = *state;
    if (parse(text, &f->cfg, f->err, sizeof f->err) != 0)
        fail_msg("rejected: %s", f->err);
    return &f->cfg;
}

/* run.tmpdir is checked before anything is measured (the parser stays pure): a missing
 * directory or a file names the config's line:column; $TMPDIR's has no position. */
static void test_tmpdir_checked(void **state)
{
    char err[1024];
    struct hw_config *cfg = parse_ok(state, DS "run:\n  tmpdir: /nonexistent-hw-tmp\n" ST);
    assert_int_equal(hw_config_check_tmpdir(cfg, err, sizeof err), 2);
    assert_string_equal(err, FILE_NAME ":5:11: run.tmpdir: /nonexistent-hw-tmp does not exist; "
                             "create it or set run.tmpdir to a writable directory");
    cfg = parse_ok(state, DS "run: {tmpdir: /etc/passwd}\n" ST);
    assert_int_equal(hw_config_check_tmpdir(cfg, err, sizeof err), 2);
    assert_string_equal(err, FILE_NAME ":4:15: run.tmpdir: /etc/passwd is not a directory; "
                             "create it or set run.tmpdir to a writable directory");
    cfg = parse_ok(state, DS "run: {tmpdir: /tmp}\n" ST);
    assert_int_equal(hw_config_check_tmpdir(cfg, err, sizeof err), 0);
    setenv("TMPDIR", "/nonexistent-hw-env", 1);
    cfg = parse_ok(state, DS ST);
    unsetenv("TMPDIR");
    assert_int_equal(hw_config_check_tmpdir(cfg, err, sizeof err), 2);
    assert_string_equal(err, "run.tmpdir (from $TMPDIR or /tmp): /nonexistent-hw-env does not "
                             "exist; create it or set run.tmpdir to a writable directory");
}

static void test_defaults(void **state)
{
    struct hw_config *cfg;

    setenv("TMPDIR", "/var/tmp/hw-test", 1);
    cfg = parse_ok(state, DS ST);
    unsetenv("TMPDIR");
    assert_string_equal(cfg->path, FILE_NAME);
    assert_string_equal(cfg->name, "x");
    assert_int_equal(cfg->ds.rows, 1000000);
    assert_int_equal(cfg->ds.seed, 42);
    assert_int_equal(cfg->ds.cols, 4);
    assert_int_equal(cfg->ds.all_null_columns, 0);
    assert_int_equal(cfg->ds.ngroups, 1);
    assert_int_equal(cfg->ds.groups[0].dtype, HW_F32);
    assert_true(cfg->ds.groups[0].null_rate == 0 && cfg->ds.groups[0].inf_rate == 0 &&
                cfg->ds.groups[0].nan_rate == 0);
    assert_int_equal(cfg->out_dtype, HW_F32);
    assert_int_equal(cfg->out_order, HW_ORDER_C);
    assert_int_equal(cfg->nallocators, 2);
    assert_int_equal(cfg->allocators[0].kind, HW_ALLOC_GLIBC);
    assert_int_equal(cfg->allocators[1].kind, HW_ALLOC_JEMALLOC);
    assert_string_equal(cfg->allocators[1].conf, "");
    assert_int_equal(cfg->repeat, 1);
    assert_int_equal(cfg->sample_interval_ms, 1);
    assert_true(cfg->limit_is_fraction);
    assert_true(cfg->limit == 0.9);
    assert_true(cfg->expect_tolerance == 0.1);
    assert_string_equal(cfg->tmpdir, "/var/tmp/hw-test");
    assert_int_equal(cfg->nstrategies, 1);
    assert_string_equal(cfg->strategies[0].label, "whole-copy");
    assert_false(cfg->strategies[0].has_expect);
    assert_false(cfg->strategies[0].has_budget);
    assert_int_equal(cfg->strategies[0].nparams, 0);
    assert_int_equal(cfg->strategies[0].out_dtype, HW_F32);

    cfg = parse_ok(state, DS ST);
    assert_string_equal(cfg->tmpdir, "/tmp");
}

static void test_everything_given(void **state)
{
    struct hw_config *cfg = parse_ok(state,
        "name: full.run-1\n"
        "dataset:\n"
        "  rows: 2.5k\n"
        "  seed: 7\n"
        "  cols: 6\n"
        "  all_null_columns: 2\n"
        "  columns:\n"
        "    - {dtype: f64, count: 2, null_rate: 0.1, inf_rate: 0.2, nan_rate: 0.3}\n"
        "    - {dtype: i16, count: 4, null_rate: 1}\n"
        "output: {dtype: f16, order: F}\n"
        "run:\n"
        "  repeat: 3\n"
        "  sample_interval_ms: 5\n"
        "  limit: 20GiB\n"
        "  expect_tolerance: 5%\n"
        "  tmpdir: /scratch\n"
        "strategies:\n"
        "  - {name: memmap, expect: 1.5GiB, budget: 2.5x}\n");
    const struct hw_strategy_cfg *s = &cfg->strategies[0];

    assert_string_equal(cfg->name, "full.run-1");
    assert_int_equal(cfg->ds.rows, 2500);
    assert_int_equal(cfg->ds.seed, 7);
    assert_int_equal(cfg->ds.cols, 6);
    assert_int_equal(cfg->ds.all_null_columns, 2);
    assert_int_equal(cfg->ds.groups[0].dtype, HW_F64);
    assert_true(cfg->ds.groups[0].nan_rate == 0.3);
    assert_int_equal(cfg->ds.groups[1].dtype, HW_I16);
    assert_int_equal(cfg->ds.groups[1].count, 4);
    assert_true(cfg->ds.groups[1].null_rate == 1.0);
    assert_int_equal(cfg->out_dtype, HW_F16);
    assert_int_equal(cfg->out_order, HW_ORDER_F);
    assert_int_equal(cfg->repeat, 3);
    assert_int_equal(cfg->sample_interval_ms, 5);
    assert_false(cfg->limit_is_fraction);
    assert_true(cfg->limit == 20.0 * (1 << 30));
    assert_true(cfg->expect_tolerance == 0.05);
    assert_string_equal(cfg->tmpdir, "/scratch");
    assert_true(s->has_expect && !s->expect.is_ratio && s->expect.value == 1610612736.0);
    assert_true(s->has_budget && s->budget.is_ratio && s->budget.value == 2.5);
    /* The experiment's output reaches strategies that do not override it. */
    assert_int_equal(s->out_dtype, HW_F16);
    assert_int_equal(s->out_order, HW_ORDER_F);
    assert_string_equal(s->label, "memmap");
}

static void test_bare_strategy_names(void **state)
{
    struct hw_config *cfg = parse_ok(state, DS "strategies:\n  - whole-copy\n  - memmap\n"
                                               "  - {name: chunked-vstack}\n");
    assert_int_equal(cfg->nstrategies, 3);
    assert_ptr_equal(cfg->strategies[0].strategy, hw_strategy_find("whole-copy"));
    assert_ptr_equal(cfg->strategies[1].strategy, hw_strategy_find("memmap"));
    assert_ptr_equal(cfg->strategies[2].strategy, hw_strategy_find("chunked-vstack"));
    assert_string_equal(cfg->strategies[1].label, "memmap");
    assert_int_equal(cfg->strategies[1].nparams, 0);
}

static void test_allocator_forms(void **state)
{
    struct hw_config *cfg = parse_ok(state, DS
        "run:\n  allocators:\n    - glibc\n    - {name: jemalloc, conf: \"dirty_decay_ms:0\"}\n"
        "    - jemalloc\n    - name: mixed\n" ST);
    assert_int_equal(cfg->nallocators, 4);
    assert_int_equal(cfg->allocators[0].kind, HW_ALLOC_GLIBC);
    assert_int_equal(cfg->allocators[1].kind, HW_ALLOC_JEMALLOC);
    assert_string_equal(cfg->allocators[1].conf, "dirty_decay_ms:0");
    assert_int_equal(cfg->allocators[2].kind, HW_ALLOC_JEMALLOC);
    assert_string_equal(cfg->allocators[2].conf, "");
    assert_int_equal(cfg->allocators[3].kind, HW_ALLOC_MIXED);
}

static void test_allocator_names(void **state)
{
    static const enum hw_allocator_kind kinds[] = {HW_ALLOC_GLIBC, HW_ALLOC_JEMALLOC,
                                                   HW_ALLOC_MIXED};
    enum hw_allocator_kind k;
    (void)state;
    for (size_t i = 0; i < N(kinds); i++) {
        assert_int_equal(hw_allocator_parse(hw_allocator_name(kinds[i]), &k), 0);
        assert_int_equal(k, kinds[i]);
    }
    assert_string_equal(hw_allocator_name(HW_ALLOC_MIXED), "mixed");
    assert_int_equal(hw_allocator_parse("tcmalloc", &k), -1);
}

/* Sections are read in dependency order: an override placed before the experiment's own
 * output still starts from it. */
static void test_output_override(void **state)
{
    struct hw_config *cfg = parse_ok(state, DS
        "strategies:\n"
        "  - name: chunked-vstack\n"
        "    output: {order: C}\n"
        "  - name: whole-copy\n"
        "  - {name: memmap, output: {dtype: f32, order: F}}\n"
        "output: {dtype: f64, order: F}\n");
    const struct hw_strategy_cfg *s = cfg->strategies;

    assert_int_equal(cfg->out_dtype, HW_F64);
    assert_int_equal(cfg->out_order, HW_ORDER_F);
    assert_int_equal(s[0].out_dtype, HW_F64);
    assert_int_equal(s[0].out_order, HW_ORDER_C);
    assert_string_equal(s[0].label, "chunked-vstack order=C");
    assert_int_equal(s[1].out_dtype, HW_F64);
    assert_int_equal(s[1].out_order, HW_ORDER_F);
    assert_string_equal(s[1].label, "whole-copy");
    assert_int_equal(s[2].out_dtype, HW_F32);
    assert_string_equal(s[2].label, "memmap dtype=f32 order=F");
}

static void test_labels_and_params(void **state)
{
    struct hw_config *cfg = parse_ok(state, DS
        "strategies:\n"
        "  - {name: chunked-vstack, params: {chunk_rows: 100k}}\n"
        "  - name: chunked-vstack\n"
        "    params: {median: local, chunk_rows: 1M}\n"
        "    output: {dtype: f16}\n"
        "    expect: 2.5x\n"
        "  - {name: chunked-vstack}\n"
        "  - {name: memmap, params: {evict: true}}\n");
    const struct hw_strategy_cfg *s = cfg->strategies;

    assert_int_equal(cfg->nstrategies, 4);
    assert_string_equal(s[0].label, "chunked-vstack chunk_rows=100k");
    assert_int_equal(s[0].nparams, 1);
    assert_string_equal(s[0].params[0].key, "chunk_rows");
    assert_string_equal(s[0].params[0].value, "100k");
    /* Params keep the order and spelling they were written in. */
    assert_string_equal(s[1].label, "chunked-vstack median=local chunk_rows=1M dtype=f16");
    assert_int_equal(s[1].nparams, 2);
    assert_string_equal(s[1].params[0].key, "median");
    assert_string_equal(s[1].params[1].value, "1M");
    assert_true(s[1].has_expect && s[1].expect.is_ratio && s[1].expect.value == 2.5);
    assert_string_equal(s[2].label, "chunked-vstack");
    assert_string_equal(s[3].label, "memmap evict=true");
}

/* ---- the shipped configs ---------------------------------------------------------------- */

/* The seed team's beliefs (issue 4): whole copy 2x, select chain and fused expression 1.25x,
 * chunked vstack 1.25x, memmap 1x; every shipped config carries them. */
static const char *const belief_labels[] = {"whole-copy", "select-chain", "fused-expr",
                                            "chunked-vstack", "memmap"};
static const double belief_expects[] = {2.0, 1.25, 1.25, 1.25, 1.0};
static const char *const other_labels[] = {"chunked-vstack median=local", "memmap evict=true",
    "fused-single-pass", "column-release order=F", "column-release order=C", "streaming",
    "streaming output=memmap evict=true", "streaming source=ipc", "select-chain-rebind",
    "chunks-preallocated", "rechunk chunk_rows=50k", "pandas-clean-chain"};

static const struct hw_strategy_cfg *by_label(const struct hw_config *cfg, const char *label)
{
    for (uint32_t i = 0; i < cfg->nstrategies; i++)
        if (strcmp(cfg->strategies[i].label, label) == 0)
            return &cfg->strategies[i];
    fail_msg("no strategy '%s' in %s", label, cfg->path);
    return NULL;
}

static void check_shipped(const struct hw_config *cfg, uint64_t rows, bool mixed)
{
    assert_int_equal(cfg->ds.rows, rows);
    assert_int_equal(cfg->ds.cols, 114);
    assert_int_equal(cfg->ds.all_null_columns, 1);
    assert_int_equal(cfg->ds.seed, 20261124);
    assert_int_equal(cfg->out_dtype, HW_F32);
    assert_int_equal(cfg->out_order, HW_ORDER_C);
    assert_int_equal(cfg->nallocators, mixed ? 3 : 2);
    assert_int_equal(cfg->allocators[0].kind, HW_ALLOC_GLIBC);
    assert_int_equal(cfg->allocators[1].kind, HW_ALLOC_JEMALLOC);
    if (mixed)
        assert_int_equal(cfg->allocators[2].kind, HW_ALLOC_MIXED);
    assert_int_equal(cfg->nstrategies, N(belief_labels) + N(other_labels));
    for (size_t i = 0; i < N(belief_labels); i++) {
        const struct hw_strategy_cfg *sc = by_label(cfg, belief_labels[i]);
        assert_true(sc->has_expect && sc->expect.is_ratio);
        assert_true(sc->expect.value == belief_expects[i]);
    }
    for (size_t i = 0; i < N(other_labels); i++)
        by_label(cfg, other_labels[i]);
    assert_int_equal(by_label(cfg, "column-release order=F")->out_order, HW_ORDER_F);
}

static struct hw_config *load_ok(const char *path, struct hw_config *cfg)
{
    char err[1024];
    if (hw_config_load(path, cfg, err, sizeof err) != 0)
        fail_msg("%s rejected: %s", path, err);
    return cfg;
}

static void test_shipped_configs(void **state)
{
    struct hw_config *cfg = malloc(sizeof *cfg);
    (void)state;
    assert_non_null(cfg);
    check_shipped(load_ok("configs/quick.yaml", cfg), 1000000, true);
    assert_string_equal(cfg->name, "quick");
    check_shipped(load_ok("configs/ci.yaml", cfg), 250000, false);
    assert_string_equal(cfg->name, "ci");
    check_shipped(load_ok("configs/seed-70m.yaml", cfg), 70000000, true);
    assert_string_equal(cfg->name, "seed-70m");
    /* The figures the design quotes for the full-scale table. */
    assert_int_equal(hw_dataset_output_bytes(&cfg->ds, cfg->out_dtype), 31920000000ull);
    free(cfg);
}

/* CI gates the shape of the real table, only smaller: same groups, same rates. */
static void test_ci_has_the_seed_dtype_mix(void **state)
{
    struct hw_config *ci = malloc(sizeof *ci), *seed = malloc(sizeof *seed);
    static const struct hw_col_group mix[] = {
        {HW_F32, 102, 0.02, 0.005, 0.005}, {HW_F64, 2, 0.01, 0.001, 0}, {HW_I64, 1, 0.05, 0, 0},
        {HW_I32, 2, 0, 0, 0},              {HW_I16, 3, 0.01, 0, 0},     {HW_I8, 4, 0, 0, 0},
    };
    (void)state;
    assert_non_null(ci);
    assert_non_null(seed);
    load_ok("configs/ci.yaml", ci);
    load_ok("configs/seed-70m.yaml", seed);
    assert_int_equal(ci->ds.ngroups, N(mix));
    assert_int_equal(seed->ds.ngroups, N(mix));
    for (size_t i = 0; i < N(mix); i++) {
        const struct hw_col_group *a = &ci->ds.groups[i], *b = &seed->ds.groups[i];
        if (a->dtype != mix[i].dtype || b->dtype != mix[i].dtype || a->count != mix[i].count ||
            b->count != mix[i].count || a->null_rate != mix[i].null_rate ||
            b->null_rate != mix[i].null_rate || a->inf_rate != mix[i].inf_rate ||
            b->inf_rate != mix[i].inf_rate || a->nan_rate != mix[i].nan_rate ||
            b->nan_rate != mix[i].nan_rate) {
            free(ci);
            free(seed);
            fail_msg("group %zu differs from the seed-70m mix", i);
        }
    }
    assert_int_equal(ci->ds.all_null_columns, seed->ds.all_null_columns);
    free(ci);
    free(seed);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_too_many_groups),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_directory_is_not_a_config),
        cmocka_unit_test(test_small_error_buffer),
        cmocka_unit_test(test_deep_flow_lists),
        cmocka_unit_test(test_deep_flow_mappings),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_deep_block_mappings),
        cmocka_unit_test(test_too_many_nodes),
        cmocka_unit_test(test_aliases_are_not_expanded),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tmpdir_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_everything_given, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bare_strategy_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocator_forms, setup, teardown),
        cmocka_unit_test(test_allocator_names),
        cmocka_unit_test_setup_teardown(test_output_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_labels_and_params, setup, teardown),
        cmocka_unit_test(test_shipped_configs),
        cmocka_unit_test(test_ci_has_the_seed_dtype_mix),
    };
    struct CMUnitTest tests[N(errors) + N(fixed)];
    size_t n = 0;

    /* One named test per error case, so a failure says which message broke. */
    for (size_t i = 0; i < N(errors); i++)
        tests[n++] = (struct CMUnitTest){errors[i].name, test_error, NULL, NULL,
                                         (void *)&errors[i]};
    for (size_t i = 0; i < N(fixed); i++)
        tests[n++] = fixed[i];
    return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
