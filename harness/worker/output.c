#include "output.h"
#include "size.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

void hw_output_init(struct hw_run *run, struct hw_output *out)
{
    memset(out, 0, sizeof *out);
    out->rows = run->ds->rows;
    out->cols = run->ds->cols;
    out->dtype = run->out_dtype;
    out->order = run->out_order;
    out->bytes = hw_dataset_output_bytes(run->ds, run->out_dtype);
    out->fd = -1;
}

int hw_output_alloc(struct hw_run *run, struct hw_output *out, enum hw_side side)
{
    out->data = hw_alloc(run, side, out->bytes);
    if (!out->data) {
        char b[32];
        return hw_run_fail(run, "out of memory allocating the output (%s)",
                           hw_fmt_bytes((double)out->bytes, b, sizeof b));
    }
    out->kind = HW_OUT_HEAP;
    out->side = side;
    return 0;
}

int hw_output_map_file(struct hw_run *run, struct hw_output *out, const char *name)
{
    char b1[32], b2[32];
    struct statvfs vfs;
    if ((size_t)snprintf(out->path, sizeof out->path, "%s/%s", run->tmpdir, name) >= sizeof out->path) {
        out->path[0] = '\0';
        return hw_run_fail(run, "tmpdir path too long: %s", run->tmpdir);
    }
    if (statvfs(run->tmpdir, &vfs) == 0) {
        double avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
        if (avail < (double)out->bytes)
            return hw_run_fail(run, "not enough free disk in %s for the memmap output: need %s, "
                               "have %s; set run.tmpdir to a larger filesystem", run->tmpdir,
                               hw_fmt_bytes((double)out->bytes, b1, sizeof b1),
                               hw_fmt_bytes(avail, b2, sizeof b2));
    }
    out->fd = open(out->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out->fd < 0)
        return hw_run_fail(run, "cannot create %s: %s", out->path, strerror(errno));
    /* Reserve the blocks now: a sparse file that hits a full disk kills the writer with
     * SIGBUS in the middle of a store, with no message. */
    int rc = posix_fallocate(out->fd, 0, (off_t)out->bytes);
    if (rc != 0) {
        hw_output_release(run, out);
        return hw_run_fail(run, "cannot reserve %s for %s: %s",
                           hw_fmt_bytes((double)out->bytes, b1, sizeof b1), out->path, strerror(rc));
    }
    void *p = mmap(NULL, out->bytes, PROT_READ | PROT_WRITE, MAP_SHARED, out->fd, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        hw_output_release(run, out);
        return hw_run_fail(run, "cannot map %s: %s", out->path, strerror(e));
    }
    /* Unlinked at once: the mapping and the fd keep it alive, and a worker killed by
     * anything (even SIGKILL, with its parent) leaves no 32 GB file behind. */
    unlink(out->path);
    out->data = p;
    out->kind = HW_OUT_FILE;
    return 0;
}

void hw_output_release(struct hw_run *run, struct hw_output *out)
{
    if (out->kind == HW_OUT_HEAP)
        hw_free(run, out->side, out->data);
    else if (out->data)
        munmap(out->data, out->bytes);
    if (out->fd >= 0)
        close(out->fd);
    if (out->path[0])
        unlink(out->path);
    out->data = NULL;
    out->fd = -1;
    out->path[0] = '\0';
    out->kind = HW_OUT_NONE;
}

/* Byte range [start, end) of the mapping, shrunk to whole pages: a page is dropped only once
 * nothing more will be written into it. */
static void evict_range(const struct hw_output *out, uint64_t start, uint64_t end, bool last)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    start -= start % page;
    end = last ? out->bytes : end - end % page;
    if (end <= start)
        return;
    char *p = (char *)out->data + start;
    msync(p, end - start, MS_SYNC);
    madvise(p, end - start, MADV_DONTNEED);
    posix_fadvise(out->fd, (off_t)start, (off_t)(end - start), POSIX_FADV_DONTNEED);
}

void hw_output_evict_rows(const struct hw_output *out, uint64_t row0, uint64_t n)
{
    size_t esz = hw_dtype_size(out->dtype);
    bool last = row0 + n >= out->rows;
    if (out->kind != HW_OUT_FILE)
        return;
    if (out->order == HW_ORDER_C) {
        evict_range(out, row0 * out->cols * esz, (row0 + n) * out->cols * esz, last);
        return;
    }
    for (uint32_t c = 0; c < out->cols; c++) {
        uint64_t base = (uint64_t)c * out->rows;
        evict_range(out, (base + row0) * esz, (base + row0 + n) * esz, last && c + 1 == out->cols);
    }
}

long long hw_output_file_resident(const struct hw_output *out)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), pages = (out->bytes + page - 1) / page;
    long long resident = 0;
    unsigned char vec[4096];
    if (out->kind != HW_OUT_FILE || !out->data)
        return -1;
    for (uint64_t p0 = 0; p0 < pages; p0 += sizeof vec) {
        uint64_t k = pages - p0 < sizeof vec ? pages - p0 : sizeof vec;
        if (mincore((char *)out->data + p0 * page, k * page, vec) != 0)
            return -1;
        for (uint64_t i = 0; i < k; i++)
            resident += vec[i] & 1;
    }
    return resident * (long long)page;
}

int hw_output_flush(struct hw_run *run, const struct hw_output *out, bool evict)
{
    if (msync(out->data, out->bytes, MS_SYNC) != 0)
        return hw_run_fail(run, "msync of %s failed: %s (disk full?)", out->path, strerror(errno));
    /* Pages evicted behind the write front can linger in per-CPU LRU batches; once all is
     * written back, one pass over the whole file drops what is left. */
    if (evict)
        posix_fadvise(out->fd, 0, 0, POSIX_FADV_DONTNEED);
    return 0;
}

void hw_output_put_rows(const struct hw_output *out, const void *chunk, uint64_t r0, uint64_t n)
{
    size_t esz = hw_dtype_size(out->dtype);
    if (out->order == HW_ORDER_C) {
        memcpy((char *)out->data + r0 * out->cols * esz, chunk, n * out->cols * esz);
        return;
    }
    for (uint32_t c = 0; c < out->cols; c++)
        memcpy((char *)out->data + ((uint64_t)c * out->rows + r0) * esz,
               (const char *)chunk + (uint64_t)c * n * esz, n * esz);
}
