/* --shard K/N (parent/shard.h): the slices of a real job list (configs/ci.yaml, 4 entries x 2
 * allocators x 3 repeats = 24 jobs, costed by the pre-flight) are a partition for every N,
 * the same every time the list is built, balanced as greedy LPT guarantees (no shard over the
 * lightest by more than the largest job), and a bad K/N is one exact line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "allocator.h"
#include "jobs.h"
#include "preflight.h"
#include "sha256.h"
#include "shard.h"

struct list {
    struct hw_config *cfg;
    char *text;
    struct hw_job *jobs;
    uint32_t njobs;
};

/* ci.yaml's whole-copy, select-chain and its two chunked-vstack entries, 3 repeats, with the
 * pre-flight's predictions under a limit of 1 GiB (select-chain's 448 MiB fits, nothing is
 * skipped) or of limit bytes. */
static void build(struct list *l, uint64_t limit)
{
    size_t len = 0;
    struct hw_run_opts o = {.config = "configs/ci.yaml", .strategies = "whole-copy,select-chain,chunked-vstack",
                            .repeat = 3};
    memset(l, 0, sizeof *l);
    assert_int_equal(hw_jobs_config(&o, &l->cfg, &l->text, &len), 0);
    l->jobs = hw_jobs_list(l->cfg, o.strategies, &l->njobs);
    assert_non_null(l->jobs);
    assert_int_equal(l->njobs, 24);
    struct hw_preflight pf = {.limit = limit, .limit_text = "the test's limit"};
    for (uint32_t i = 0; i < l->njobs; i++) {
        assert_int_equal(l->jobs[i].index, i);
        hw_preflight_job(&l->jobs[i], l->cfg, &pf);
        assert_true(l->jobs[i].predicted > 0);
    }
}

static void drop(struct list *l)
{
    free(l->jobs);
    free(l->cfg);
    free(l->text);
}

/* Shard k's jobs (a copy of the list, selected), as their indices into idx; the count. */
static uint32_t shard_of(const struct list *l, uint32_t k, uint32_t n, uint32_t *idx, double *cost)
{
    struct hw_job *copy = malloc(sizeof *copy * l->njobs);
    uint32_t m = l->njobs;
    memcpy(copy, l->jobs, sizeof *copy * m);
    struct hw_shard s = {k, n};
    assert_int_equal(hw_shard_select(copy, &m, &s), 0);
    *cost = 0;
    for (uint32_t i = 0; i < m; i++) {
        idx[i] = copy[i].index;
        *cost += hw_shard_cost(&copy[i]);
        if (i)
            assert_true(idx[i] > idx[i - 1]);   /* a shard runs its jobs in list order */
    }
    free(copy);
    return m;
}

static void every_job_is_in_exactly_one_shard(void **state)
{
    (void)state;
    struct list l;
    build(&l, 1ull << 30);
    for (uint32_t n = 1; n <= 8; n++) {
        int seen[24] = {0};
        uint32_t idx[24], total = 0;
        double cost;
        for (uint32_t k = 1; k <= n; k++) {
            uint32_t m = shard_of(&l, k, n, idx, &cost);
            total += m;
            for (uint32_t i = 0; i < m; i++)
                seen[idx[i]]++;
        }
        assert_int_equal(total, 24);
        for (int i = 0; i < 24; i++)
            assert_int_equal(seen[i], 1);
    }
    drop(&l);
}

/* Two builds of the list (as two machines would make it) give every shard the same jobs. */
static void the_same_list_gives_the_same_shards(void **state)
{
    (void)state;
    struct list a, b;
    build(&a, 1ull << 30);
    build(&b, 1ull << 30);
    for (uint32_t n = 1; n <= 8; n++)
        for (uint32_t k = 1; k <= n; k++) {
            uint32_t ia[24], ib[24];
            double ca, cb;
            uint32_t ma = shard_of(&a, k, n, ia, &ca), mb = shard_of(&b, k, n, ib, &cb);
            assert_int_equal(ma, mb);
            assert_memory_equal(ia, ib, sizeof ia[0] * ma);
        }
    char ha[65], hb[65];
    hw_shard_list_sha256(a.jobs, a.njobs, ha);
    hw_shard_list_sha256(b.jobs, b.njobs, hb);
    assert_string_equal(ha, hb);
    drop(&a);
    drop(&b);
}

static void shards_are_balanced_by_predicted_peak(void **state)
{
    (void)state;
    struct list l;
    build(&l, 1ull << 30);
    double largest = 0;
    for (uint32_t i = 0; i < l.njobs; i++)
        largest = fmax(largest, l.jobs[i].predicted);
    for (uint32_t n = 1; n <= 8; n++) {
        double most = 0, least = INFINITY, cost;
        uint32_t idx[24];
        for (uint32_t k = 1; k <= n; k++) {
            shard_of(&l, k, n, idx, &cost);
            most = fmax(most, cost);
            least = fmin(least, cost);
        }
        assert_true(most <= least + largest);
    }
    drop(&l);
}

/* The rule itself: by cost descending, ties by the lower index, each to the lightest shard,
 * ties to the lowest; a cost that is no number counts as 0. */
static void assignment_is_greedy_lpt(void **state)
{
    (void)state;
    uint32_t owner[6];
    const double c1[] = {5, 4, 3, 3, 3};
    assert_int_equal(hw_shard_assign(c1, 5, 2, owner), 0);
    const uint32_t w1[] = {0, 1, 1, 0, 1};
    assert_memory_equal(owner, w1, sizeof w1);
    const double c2[] = {1, 1, 1, 1, 1, 1};
    assert_int_equal(hw_shard_assign(c2, 6, 4, owner), 0);
    const uint32_t w2[] = {0, 1, 2, 3, 0, 1};
    assert_memory_equal(owner, w2, sizeof w2);
    const double c3[] = {NAN, 2, -1, 1};
    assert_int_equal(hw_shard_assign(c3, 4, 2, owner), 0);
    const uint32_t w3[] = {1, 0, 1, 1};   /* 2 -> 0; 1 -> 1; then NaN (index 0), -1 to shard 1 */
    assert_memory_equal(owner, w3, sizeof(uint32_t) * 4);
}

/* A job the pre-flight skips still has its shard, which records it as skipped. */
static void skipped_jobs_belong_to_a_shard(void **state)
{
    (void)state;
    struct list l;
    build(&l, 400ull << 20);   /* select-chain's 448 MiB is skipped, the rest (at most 339 MiB) run */
    uint32_t skipped = 0, found = 0;
    for (uint32_t i = 0; i < l.njobs; i++)
        skipped += l.jobs[i].skip[0] != 0;
    assert_int_equal(skipped, 6);
    for (uint32_t k = 1; k <= 3; k++) {
        struct hw_job copy[24];
        uint32_t m = l.njobs;
        memcpy(copy, l.jobs, sizeof copy);
        assert_int_equal(hw_shard_select(copy, &m, &(struct hw_shard){k, 3}), 0);
        for (uint32_t i = 0; i < m; i++)
            found += copy[i].skip[0] != 0;
    }
    assert_int_equal(found, skipped);
    drop(&l);
}

static void parse_accepts_k_of_n_and_names_what_is_wrong(void **state)
{
    (void)state;
    struct hw_shard s;
    char err[256];
    assert_int_equal(hw_shard_parse("3/8", &s, err, sizeof err), 0);
    assert_int_equal(s.index, 3);
    assert_int_equal(s.count, 8);
    assert_int_equal(hw_shard_parse("4096/4096", &s, err, sizeof err), 0);
    assert_int_equal(hw_shard_parse("1/1", &s, err, sizeof err), 0);
    static const struct { const char *in, *err; } bad[] = {
        {"5/4", "--shard 5/4: K must be from 1 to N; e.g. --shard 1/4"},
        {"0/4", "--shard 0/4: K must be from 1 to N; e.g. --shard 1/4"},
        {"9/8", "--shard 9/8: K must be from 1 to N; e.g. --shard 1/8"},
        {"1/0", "--shard 1/0: N must be from 1 to 4096; e.g. --shard 1/4"},
        {"1/4097", "--shard 1/4097: N must be from 1 to 4096; e.g. --shard 1/4"},
        {"1/99999999999999999999999", "--shard 1/99999999999999999999999: N must be from 1 to 4096; e.g. --shard 1/4"},
        {"4", "--shard 4: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"1/", "--shard 1/: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"/4", "--shard /4: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"1/4x", "--shard 1/4x: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"-1/4", "--shard -1/4: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"1/+4", "--shard 1/+4: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {" 1/4", "--shard  1/4: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"1.5/4", "--shard 1.5/4: expected K/N, two whole numbers; e.g. --shard 1/4"},
        {"", "--shard : expected K/N, two whole numbers; e.g. --shard 1/4"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(hw_shard_parse(bad[i].in, &s, err, sizeof err), -1);
        assert_string_equal(err, bad[i].err);
    }
}

/* The report's block, and the digest of the full list's keys as the contract spells them. */
static void the_block_names_the_shard_and_the_full_list(void **state)
{
    (void)state;
    struct list l;
    build(&l, 1ull << 30);
    char want[4096] = "", hex[65], mine[65];
    size_t used = 0;
    for (uint32_t i = 0; i < l.njobs; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s\t%s\t%s\t%u\n", l.jobs[i].sc->label,
                                 hw_allocator_name(l.jobs[i].ac->kind), l.jobs[i].ac->conf, l.jobs[i].repeat);
    assert_non_null(strstr(want, "chunked-vstack median=local\tjemalloc\t\t3\n"));
    hw_sha256_hex(want, used, hex);
    hw_shard_list_sha256(l.jobs, l.njobs, mine);
    assert_string_equal(mine, hex);
    uint32_t m = l.njobs;
    assert_int_equal(hw_shard_select(l.jobs, &m, &(struct hw_shard){2, 5}), 0);
    cJSON *b = hw_shard_json(&(struct hw_shard){2, 5}, 24, hex, l.jobs, m);
    assert_int_equal(cJSON_GetObjectItem(b, "index")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(b, "count")->valueint, 5);
    assert_int_equal(cJSON_GetObjectItem(b, "jobs_total")->valueint, 24);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(b, "job_list_sha256")), hex);
    const cJSON *jobs = cJSON_GetObjectItem(b, "jobs");
    assert_int_equal(cJSON_GetArraySize(jobs), (int)m);
    for (uint32_t i = 0; i < m; i++)
        assert_int_equal(cJSON_GetArrayItem(jobs, (int)i)->valueint, (int)l.jobs[i].index);
    cJSON_Delete(b);
    drop(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_job_is_in_exactly_one_shard),
        cmocka_unit_test(the_same_list_gives_the_same_shards),
        cmocka_unit_test(shards_are_balanced_by_predicted_peak),
        cmocka_unit_test(assignment_is_greedy_lpt),
        cmocka_unit_test(skipped_jobs_belong_to_a_shard),
        cmocka_unit_test(parse_accepts_k_of_n_and_names_what_is_wrong),
        cmocka_unit_test(the_block_names_the_shard_and_the_full_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
