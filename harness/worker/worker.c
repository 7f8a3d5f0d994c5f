#include "worker.h"
#include "pool.h"
#include "calibrate.h"
#include "checksum.h"
#include "event.h"
#include "output.h"
#include "schema_fields.h"
#include "own_heap.h"
#include "phase.h"
#include "numpy_env.h"
#include "reference.h"
#include "source.h"
#include "spec.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The spec's text, in mappings of its own (own_heap.h): doubled until it fits. */
static char *read_all(int fd)
{
    size_t len = 0, cap = 64 * 1024;
    char *buf = hw_own_keep(cap);
    while (buf) {
        if (len + 1 == cap) {
            char *p = hw_own_keep(cap * 2);
            if (p)
                memcpy(p, buf, len);
            hw_own_release(buf);
            buf = p;
            cap *= 2;
            continue;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            buf[len] = '\0';
            return n == 0 ? buf : (hw_own_release(buf), NULL);
        }
        len += (size_t)n;
    }
    return NULL;
}

static void send_error(const char *msg)
{
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "error");
    cJSON_AddStringToObject(ev, "msg", msg);
    hw_event_send(HW_EVENT_FD, ev);
}

/* The machine's memory costs, in a process of its own: the parent stays small. */
static int run_calibrate(void)
{
    struct hw_calibration cal;
    char err[512];
    if (hw_calibrate(0, &cal, err, sizeof err) != 0) {
        send_error(err);
        return 3;
    }
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "calibration");
    cJSON_AddItemToObject(ev, "calibration", hw_calibration_json(&cal));
    hw_event_send(HW_EVENT_FD, ev);
    return 0;
}

static int run_reference(const struct hw_spec *spec)
{
    double *med = calloc(spec->ds.cols, sizeof *med);
    if (!med || hw_reference_medians(&spec->ds, med) != 0) {
        free(med);
        send_error("reference: out of memory for a column copy");
        return 3;
    }
    uint64_t sum = hw_reference_checksum(&spec->ds, med, spec->out_dtype);
    char hex[17];
    hw_u64_hex(sum, hex);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "reference");
    cJSON_AddStringToObject(ev, "checksum", hex);
    cJSON *m = cJSON_AddArrayToObject(ev, "medians");
    for (uint32_t c = 0; c < spec->ds.cols; c++)
        cJSON_AddItemToArray(m, cJSON_CreateNumber(med[c]));
    /* The same as bit patterns, which the parent reads: cJSON prints a double that reads back
     * within its epsilon, not exactly (an f64 column's median here lost its last bit). */
    m = cJSON_AddArrayToObject(ev, "median_bits");
    for (uint32_t c = 0; c < spec->ds.cols; c++) {
        uint64_t bits;
        memcpy(&bits, &med[c], sizeof bits);
        hw_u64_hex(bits, hex);
        cJSON_AddItemToArray(m, cJSON_CreateString(hex));
    }
    free(med);
    hw_event_send(HW_EVENT_FD, ev);
    return 0;
}

/* Visit the output in storage order in blocks. A file output is read back with pread after
 * the mapping is gone, so checking it faults nothing into this process's RSS. A heap
 * output is read in place: its pages are resident already. */
struct check {
    const struct hw_spec *spec;
    uint64_t checksum, differing;
    double max_abs;
    bool compare;
};

static void check_block(struct check *k, const struct hw_output *o, uint64_t e0, size_t n, const void *p)
{
    k->checksum += hw_checksum_range(o->dtype, o->order, o->rows, o->cols, e0, n, p);
    if (k->compare)
        hw_reference_compare(&k->spec->ds, k->spec->ref_medians, o->dtype, o->order, e0, n, p,
                             &k->differing, &k->max_abs);
}

static int check_output(struct check *k, struct hw_output *o)
{
    size_t esz = hw_dtype_size(o->dtype);
    uint64_t total = o->rows * o->cols;
    if (o->kind == HW_OUT_HEAP) {
        check_block(k, o, 0, total, o->data);
        return 0;
    }
    if (o->data)
        munmap(o->data, o->bytes);
    o->data = NULL;
    enum { BLOCK = 1u << 16 };   /* elements: a small buffer, it adds to the RSS at the end */
    void *buf = malloc(BLOCK * esz);
    if (!buf)
        return -1;
    for (uint64_t e = 0; e < total; e += BLOCK) {
        size_t n = total - e < BLOCK ? (size_t)(total - e) : BLOCK;
        ssize_t got = pread(o->fd, buf, n * esz, (off_t)(e * esz));
        if (got != (ssize_t)(n * esz)) {
            free(buf);
            return -1;
        }
        check_block(k, o, e, n, buf);
    }
    posix_fadvise(o->fd, 0, 0, POSIX_FADV_DONTNEED);
    free(buf);
    return 0;
}

static int run_strategy(const struct hw_spec *spec, struct hw_run *run)
{
    int rc = 3;
    struct hw_source src = {0};
    struct hw_output out;
    const struct hw_strategy *s = spec->strategy;

    hw_output_init(run, &out);
    run->params = hw_strategy_params(s, &spec->params);   /* decoded and checked with the spec */

    if (!s->streams_source) {
        hw_phase_begin(run, "load_source");
        int lrc = hw_source_load(run, &src, &spec->ds);
        hw_phase_end(run);
        if (lrc != 0)
            goto out;
    } else {
        src.kind = HW_SOURCE_STREAM;
        src.ds = &spec->ds;
        src.rows = spec->ds.rows;
        src.cols = spec->ds.cols;
    }
    int src_rc = s->run(run, &src, &out);
    hw_phase_end(run);
    hw_pool_stop(run);
    if (src_rc != 0)
        goto out;
    if (out.kind == HW_OUT_NONE || (!out.data && out.kind == HW_OUT_HEAP)) {
        hw_run_fail(run, "strategy %s returned without an output", s->name);
        goto out;
    }
    /* Check after the last phase: none of this is measured, and it must not raise the
     * high-water mark (it allocates one small buffer at most). */
    long long resident = hw_output_file_resident(&out);   /* before the mapping goes */
    struct check k = {.spec = spec};
    if (check_output(&k, &out) != 0) {
        hw_run_fail(run, "cannot read back the output file %s", out.path);
        goto out;
    }
    if (spec->have_reference && k.checksum != spec->ref_checksum) {
        k = (struct check){.spec = spec, .compare = true};
        check_output(&k, &out);
    }
    char hex[17];
    hw_u64_hex(k.checksum, hex);
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "ev", "output");
    cJSON_AddStringToObject(ev, "checksum", hex);
    cJSON_AddStringToObject(ev, "kind", out.kind == HW_OUT_FILE ? "file" : "heap");
    cJSON_AddNumberToObject(ev, "bytes", (double)out.bytes);
    if (resident >= 0)   /* the file's pages still in the page cache (mincore) */
        cJSON_AddNumberToObject(ev, "file_resident_bytes", (double)resident);
    cJSON *bl = cJSON_AddObjectToObject(ev, "blocks");
    cJSON_AddNumberToObject(bl, "allocations", (double)run->blocks.count);
    cJSON_AddNumberToObject(bl, "largest_bytes", (double)run->blocks.largest);
    cJSON_AddNumberToObject(bl, "largest_freed_bytes", (double)run->blocks.largest_freed);
    cJSON_AddNumberToObject(bl, "freed_below_8MiB_bytes", (double)run->blocks.freed_small);
    cJSON_AddNumberToObject(bl, "freed_8MiB_or_more_bytes", (double)run->blocks.freed_large);
    cJSON_AddNumberToObject(bl, "numpy_hugepage_advised_bytes", (double)run->blocks.numpy_hugepage);
    if (spec->have_reference) {
        cJSON_AddBoolToObject(ev, "matches_reference", k.checksum == spec->ref_checksum);
        cJSON_AddNumberToObject(ev, "cells_differing", (double)k.differing);
        cJSON_AddNumberToObject(ev, "max_abs_diff", k.max_abs);
    }
    hw_event_send(HW_EVENT_FD, ev);
    rc = 0;
out:
    hw_output_release(run, &out);
    hw_source_release(run, &src);
    if (rc != 0)
        send_error(run->error[0] ? run->error : "strategy failed without a reason");
    return rc;
}

int hw_worker_main(void)
{
    int rc = 3;
    char err[512];
    cJSON *j = NULL;
    struct hw_spec *spec = hw_own_keep(sizeof *spec);
    struct hw_run *run = hw_own_keep(sizeof *run);
    char *text = read_all(HW_SPEC_FD);
    close(HW_SPEC_FD);
    if (!spec || !run || !text) {
        send_error("worker: cannot read its spec (out of memory or a broken pipe)");
        goto out;
    }
    /* A spec that is not one is bad input (exit 2), whoever wrote it. */
    if (!(j = cJSON_Parse(text))) {
        send_error("worker: bad spec: not valid JSON; make one with 'highwater spec CONFIG'");
        rc = 2;
        goto out;
    }
    if (hw_spec_from_json(j, spec, err, sizeof err) != 0) {
        char msg[600];
        snprintf(msg, sizeof msg, "worker: bad spec: %s", err);
        send_error(msg);
        rc = 2;
        goto out;
    }
    cJSON_Delete(j);
    j = NULL;
    hw_own_release(text);
    text = NULL;
    if (spec->mode == HW_MODE_REFERENCE) {
        rc = run_reference(spec);
        goto out;
    }
    if (spec->mode == HW_MODE_CALIBRATE) {
        rc = run_calibrate();
        goto out;
    }
    run->ds = &spec->ds;
    run->strategy = spec->strategy;
    run->out_dtype = spec->out_dtype;
    run->out_order = spec->out_order;
    run->phase_reset = spec->phase_reset;
    /* A test hook: behave as on a kernel that refuses clear_refs (the sampler fallback). */
    run->clear_refs_ok = getenv("HW_TEST_REFUSE_CLEAR_REFS") == NULL;
    run->event_fd = HW_EVENT_FD;
    if (hw_numpy_hugepage_setting(&run->numpy_hugepage, err, sizeof err) != 0) {
        send_error(err);
        rc = 2;
        goto out;
    }
    hw_container_open(&run->container);
    run->t0 = hw_now();
    snprintf(run->tmpdir, sizeof run->tmpdir, "%s", spec->tmpdir);
    if (hw_allocator_open(&run->alloc, spec->allocator, err, sizeof err) != 0) {
        send_error(err);
        goto out;
    }
    cJSON *hello = cJSON_CreateObject();
    cJSON_AddStringToObject(hello, "ev", "hello");
    cJSON_AddStringToObject(hello, "allocator_version", run->alloc.version);
    cJSON_AddNumberToObject(hello, "t_abs", run->t0);
    /* The parent made a group, but this worker is not measuring in it: the report must say
     * why, not show the empty group's figures. */
    if (!run->container.on && getenv(HW_RUN_CGROUP_ERR_ENV))
        cJSON_AddStringToObject(hello, HW_F_CONTAINER_ERROR, run->container.why);
    hw_event_send(HW_EVENT_FD, hello);
    rc = run_strategy(spec, run);
    hw_allocator_close(&run->alloc);
    hw_container_close(&run->container);
out:
    cJSON_Delete(j);
    hw_own_release(text);
    hw_own_release(spec);
    hw_own_release(run);
    if (rc == 0) {
        cJSON *ev = cJSON_CreateObject();
        cJSON_AddStringToObject(ev, "ev", "done");
        hw_event_send(HW_EVENT_FD, ev);
    }
    return rc;
}

int hw_worker_standalone(const char *spec_path)
{
    /* With 0-2 closed at start, open() would hand one of them out and stdout's number could
     * be the spec file's: give any closed one /dev/null first (in order, so each lands on its
     * own number). */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) {
            fprintf(stderr, "highwater worker: cannot open /dev/null for fd %d\n", fd);
            return 3;
        }
    int spec = open(spec_path, O_RDONLY | O_CLOEXEC);
    if (spec < 0) {
        fprintf(stderr, "highwater worker: %s: cannot read: %s\n", spec_path, strerror(errno));
        return 2;
    }
    /* Both sources moved above 3 and 4 first: an inherited fd 3 puts the spec on 4, and
     * dup2(stdout, 4) would then replace the spec and the close of the spec close stdout. */
    fflush(stdout);
    int spec_hi = fcntl(spec, F_DUPFD_CLOEXEC, 16), out_hi = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 16);
    close(spec);
    int rc = 3;
    if (spec_hi < 0 || out_hi < 0 || dup2(spec_hi, HW_SPEC_FD) < 0 || dup2(out_hi, HW_EVENT_FD) < 0)
        fprintf(stderr, "highwater worker: cannot set up fds %d and %d: %s\n", HW_SPEC_FD,
                HW_EVENT_FD, strerror(errno));
    else
        rc = 0;
    if (spec_hi >= 0)
        close(spec_hi);
    if (out_hi >= 0)
        close(out_hi);
    return rc ? rc : hw_worker_main();
}
