"""What every pandas twin shares: arguments, phase markers for `highwater exec`, and the
source of a `highwater dataset` directory as numpy arrays.

    /usr/bin/python3 scripts/twins/pandas/NAME.py --data DIR [--dtype f32] [--order C] [key=value...]

Phase markers go to the fd in HIGHWATER_PHASE_FD ("begin NAME" / "end NAME"), one phase open
at a time, as the strategies' hw_phase_begin does: beginning a phase ends the last. Debian's
python3-pandas (1.5.3) and python3-numpy (1.24.2); run with /usr/bin/python3.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

_FD = os.environ.get("HIGHWATER_PHASE_FD")
_open = [None]
# highwater exec resets the peak when it reads a begin marker, a moment after it is written.
# A phase that starts by freeing (drop_source, a rebinding) would lose its starting level in
# that moment; the strategies' phases start from it (the worker resets synchronously). So
# each begin waits this long for the reader before the phase's code runs.
_SETTLE = float(os.environ.get("HIGHWATER_TWIN_SETTLE", "0.05"))


def _mark(line):
    if _FD is None:
        return
    try:
        os.write(int(_FD), (line + "\n").encode())
    except (OSError, ValueError):
        pass  # measuring must never break the program measured


def phase(name):
    """Begin phase NAME, ending the open one; phase(None) ends the open one."""
    if _open[0]:
        _mark("end " + _open[0])
    _open[0] = name
    if name:
        _mark("begin " + name)
        if _FD is not None and _SETTLE > 0:
            time.sleep(_SETTLE)


def count(s):
    """'250k' / '2M' / '16384' -> a row count, as highwater's configs write them."""
    s = str(s)
    mult = {"k": 10**3, "K": 10**3, "m": 10**6, "M": 10**6}.get(s[-1:], 1)
    return int(float(s[:-1] if mult != 1 else s) * mult)


def args(defaults=None, no_twin_if=None):
    """--data DIR, --dtype, --order, then the strategy's params as key=value."""
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True, help="a `highwater dataset` directory")
    p.add_argument("--dtype", default="f32", choices=["f32", "f64"])
    p.add_argument("--order", default="C", choices=["C", "F"])
    p.add_argument("--prepare", action="store_true",
                   help="make what this twin reads, then exit (the .npy files need nothing)")
    p.add_argument("params", nargs="*", help="key=value")
    a = p.parse_args()
    params = dict(defaults or {})
    for kv in a.params:
        k, _, v = kv.partition("=")
        if k not in params:
            p.error("%s: no such param (known: %s)" % (k, ", ".join(params) or "none"))
        params[k] = v
    a.params = params
    with open(os.path.join(a.data, "schema.json")) as f:
        a.schema = json.load(f)
    a.np_dtype = np.float32 if a.dtype == "f32" else np.float64
    # Params this twin cannot stand for: exit 77 with the reason, which highwater fidelity
    # reports as the strategy's no-twin reason instead of a failure.
    why = no_twin_if(a.params) if no_twin_if else None
    if why:
        sys.stderr.write("no twin: %s\n" % why)
        sys.exit(77)
    if a.prepare:
        sys.exit(0)
    return a


def load_columns(a):
    """[(name, values, valid)]: each column's values (a null cell holds 0) and its validity
    as numpy bools, one array each, as Arrow holds them."""
    out = []
    for c in a.schema["columns"]:
        values = np.load(os.path.join(a.data, c["values"]))
        valid = np.load(os.path.join(a.data, c["validity"]))
        out.append((c["name"], values, valid))
    return out


def to_pandas_columns(cols):
    """{name: array} as pyarrow's to_pandas gives them: a float column's nulls become NaN; an
    int column with nulls becomes float64 (NaN for null); an int column without keeps its
    dtype. Each array is new (pyarrow copies out of the Arrow buffers)."""
    out = {}
    for name, values, valid in cols:
        if valid.all():
            out[name] = values.copy()
        else:
            dt = values.dtype if values.dtype.kind == "f" else np.float64
            col = values.astype(dt, copy=True)
            col[~valid] = np.nan
            out[name] = col
    return out


def keep(x):
    """The twin's result stays referenced to the end, as a script's variable would."""
    keep.kept = x


def fail(msg):
    sys.stderr.write("%s: %s\n" % (os.path.basename(sys.argv[0]), msg))
    sys.exit(2)


def load_source(a):
    """[(name, values, bits)]: the source as Arrow holds it, each column's values (a null cell
    holds 0) and its validity as a bitmap, one bit a row, least significant bit first (what
    the model's source holds too: numpy bools would be 8 times larger, and dropping the source
    would then free more in the twin than in the model). The bools are read through a file
    mapping (np.load mmap_mode) and packed from it, so the load leaves no freed heap buffers
    behind: under jemalloc, 114 freed bool arrays below its 8 MiB oversize_threshold would
    stay dirty in the baseline and be purged during the phases (measured -0.26 D at 1M rows).
    Before any phase: not measured."""
    out = []
    for c in a.schema["columns"]:
        values = np.load(os.path.join(a.data, c["values"]))
        valid = np.load(os.path.join(a.data, c["validity"]), mmap_mode="r")
        out.append((c["name"], values, np.packbits(valid, bitorder="little")))
        del valid   # unmaps the file's pages
    return out


def valid_of(bits, rows):
    """A bitmap from load_source as numpy bools (a temporary of `rows` bytes)."""
    return np.unpackbits(bits, count=rows, bitorder="little").view(np.bool_)


def pandas_dtype(values, bits, rows):
    """The dtype pyarrow's to_pandas gives a column: a float keeps its type, an int with nulls
    becomes float64, an int without keeps its type."""
    if values.dtype.kind == "f":
        return values.dtype
    return np.dtype(np.float64) if not valid_of(bits, rows).all() else values.dtype


def to_pandas(src):
    """pyarrow's Table.to_pandas() (split_blocks=False, the default) on load_source's columns:
    one 2-D block per dtype, (columns of that dtype) x rows, each column contiguous, every
    column written straight into its block (a float null -> NaN, an int column with nulls ->
    float64 with NaN), and a DataFrame over those blocks with no further copy, as
    pyarrow.pandas_compat does (make_block + BlockManager). The source stays alive.

    pd.DataFrame(dict_of_arrays) is not the same: it stacks the arrays into new blocks
    (a second copy while the arrays are alive), which pyarrow does not make."""
    import pandas as pd
    from pandas.core.internals import BlockManager
    from pandas.core.internals.api import make_block

    rows = len(src[0][1])
    groups = {}   # dtype -> [column positions], in column order
    dts = [pandas_dtype(values, bits, rows) for _, values, bits in src]
    for i, dt in enumerate(dts):
        groups.setdefault(dt, []).append(i)
    blocks = []
    for dt, pos in groups.items():
        blk = np.empty((len(pos), rows), dtype=dt)
        for j, i in enumerate(pos):
            _, values, bits = src[i]
            blk[j] = values
            if dt.kind == "f":
                blk[j][~valid_of(bits, rows)] = np.nan
        blocks.append(make_block(blk, placement=pos))
    mgr = BlockManager(blocks, [pd.Index([n for n, _, _ in src]), pd.RangeIndex(rows)])
    return pd.DataFrame(mgr)


def finite_valid(values, bits, rows):
    """Numpy bools: the rows that are valid and finite (temporaries of `rows` bytes each)."""
    ok = valid_of(bits, rows)
    if values.dtype.kind == "f":
        ok &= np.isfinite(values)
    return ok


def median_column(values, bits):
    """The exact median of a column's valid finite values, as a team writes it in numpy: the
    values compressed into a new array (up to a column), then np.median partitioning that
    array in place (overwrite_input: introselect, no sort, no second copy). 0 when there is
    none (highwater's reference). numpy has no radix select: this is the closest numpy code to
    the strategies' in-place median, and it holds one column more at its peak."""
    x = values[finite_valid(values, bits, len(values))]
    if x.size == 0:
        return 0.0
    return float(np.median(x, overwrite_input=True))


def fill_column(out, values, bits, median):
    """out[:] = values cast to out's dtype, then the invalid or non-finite rows = median: in
    place, a bool mask of the rows the only temporary."""
    out[...] = values
    bad = ~finite_valid(values, bits, len(values))
    out[bad] = median
