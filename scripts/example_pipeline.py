#!/usr/bin/env python3
"""A stand-in for a team's conversion, standard library only, to try `highwater exec` on:

    build/highwater exec -o example.json -- python3 scripts/example_pipeline.py

It builds a "table" of columns (lists of floats), converts it into one dense row-major
bytearray of float32 while the columns are still alive (the two-copies peak), then drops
the columns. Sizes scale with ROWS (default 400k rows x 20 columns).
"""
import array
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from highwater_phase import phase  # noqa: E402

ROWS = int(os.environ.get("ROWS", "400000"))
COLS = 20

with phase("load"):
    columns = [array.array("d", (float((r * 7 + c) % 1000) for r in range(ROWS))) for c in range(COLS)]

with phase("to_dense"):
    dense = bytearray(ROWS * COLS * 4)
    view = memoryview(dense).cast("f")
    for c, col in enumerate(columns):
        view[c::COLS] = array.array("f", col)

with phase("drop_columns"):
    del columns

print("checksum", sum(view[::1000]))
