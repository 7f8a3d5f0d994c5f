#!/usr/bin/python3
"""Twin of strategies/memmap.c: the output is a file mapping filled slice by slice.

    X = np.memmap(path, dtype=np.float32, mode="w+", shape=(rows, cols), order=ORDER)
    medians = [median_column(c) for c in cols]
    for r0 in range(0, rows, chunk_rows):
        chunk = np.empty((n, cols), np.float32, order=ORDER)          # a dense chunk
        for i, c in enumerate(cols): chunk[:, i] = fill(c[r0:r0+n], medians[i])
        X[r0:r0+n] = chunk
        if evict: msync, madvise(DONTNEED) and fadvise(DONTNEED) the written pages
    X.flush()                          # evict: then fadvise(DONTNEED) the whole file
    del cols

params: chunk_rows (10k), evict (false), as the strategy's. The file goes in $TMPDIR (the
strategy's in its run's tmpdir) and is removed at the end. np.memmap makes a sparse file
where the strategy reserves its blocks (posix_fallocate): no difference to memory. Eviction
is the strategy's, page for page: complete pages of the rows just written, through the
mapping's own mmap object. The median is numpy's (twin.median_column, see
fused-single-pass.py).
"""
import mmap
import os
import tempfile

import numpy as np

from twin import args, count, fill_column, keep, load_source, median_column, phase

a = args({"chunk_rows": "10k", "evict": "false"})
chunk_rows = count(a.params["chunk_rows"])
evict = a.params["evict"].lower() in ("true", "1", "yes")
src = load_source(a)
rows, cols = len(src[0][1]), len(src)
esz = np.dtype(a.np_dtype).itemsize
PAGE = mmap.PAGESIZE
fd, path = tempfile.mkstemp(prefix="hw-memmap-twin-")
os.close(fd)


def evict_range(X, start, end, last):
    """The strategy's evict_range: msync, MADV_DONTNEED and FADV_DONTNEED of whole pages."""
    start -= start % PAGE
    end = X.nbytes if last else end - end % PAGE
    if end <= start:
        return
    X._mmap.flush(start, end - start)
    X._mmap.madvise(mmap.MADV_DONTNEED, start, end - start)
    with open(path, "rb") as f:
        os.posix_fadvise(f.fileno(), start, end - start, os.POSIX_FADV_DONTNEED)


def evict_rows(X, r0, n):
    last = r0 + n >= rows
    if a.order == "C":
        evict_range(X, r0 * cols * esz, (r0 + n) * cols * esz, last)
        return
    for c in range(cols):
        base = c * rows
        evict_range(X, (base + r0) * esz, (base + r0 + n) * esz, last and c + 1 == cols)


try:
    phase("memmap_create")
    X = np.memmap(path, dtype=a.np_dtype, mode="w+", shape=(rows, cols), order=a.order)

    phase("median")
    medians = [median_column(values, bits) for _, values, bits in src]

    phase("fill")
    for r0 in range(0, rows, chunk_rows):
        n = min(chunk_rows, rows - r0)
        chunk = np.empty((n, cols), dtype=a.np_dtype, order=a.order)
        for i, (_, values, bits) in enumerate(src):
            b0 = r0 // 8   # the slice's validity: r0 is a multiple of 8 when chunk_rows is
            if r0 % 8:
                raise SystemExit("chunk_rows must be a multiple of 8 in this twin")
            fill_column(chunk[:, i], values[r0:r0 + n], bits[b0:], medians[i])
        X[r0:r0 + n] = chunk
        del chunk
        if evict:
            evict_rows(X, r0, n)

    phase("flush")
    X.flush()
    if evict:
        with open(path, "rb") as f:
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)

    phase("drop_source")
    del src, values, bits
    keep(X)
    phase(None)
finally:
    os.unlink(path)
