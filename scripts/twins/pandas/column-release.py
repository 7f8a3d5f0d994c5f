#!/usr/bin/python3
"""Twin of strategies/column-release.c: convert one column at a time and free it at once (what
pyarrow's to_pandas(self_destruct=True) does; pyarrow is not in Debian, so the columns are a
list and each entry is dropped after its column is written).

    medians = [median_column(c) for c in cols]
    X = np.empty((rows, cols), np.float32, order=ORDER)     # untouched: nothing committed
    for i in range(len(cols)):
        X[:, i] = fill(cols[i], medians[i]); cols[i] = None  # the column's buffers are freed

The median is numpy's (twin.median_column, see fused-single-pass.py): the strategy's is a radix
select in place; this one holds up to one column more during the median phase.
"""
import numpy as np

from twin import args, fill_column, keep, load_source, median_column, phase

a = args()
src = load_source(a)
rows = len(src[0][1])

phase("median")
medians = [median_column(values, bits) for _, values, bits in src]

phase("alloc_output")
X = np.empty((rows, len(src)), dtype=a.np_dtype, order=a.order)

phase("convert_release")
for i in range(len(src)):
    _, values, bits = src[i]
    fill_column(X[:, i], values, bits, medians[i])
    src[i] = None
    del values, bits      # the last references: the column is freed here

keep(X)
phase(None)
