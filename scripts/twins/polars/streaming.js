// Twin of strategies/streaming.c with source: ipc, on real Polars: a lazy scan of an Arrow
// IPC file, medians from the scan, then slice after slice into a preallocated array.
//
//   lf = pl.scan_ipc(path)                    # DIR/source-b{batch_rows}.ipc, or source.ipc
//   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in cols]
//   medians = lf.select(clean).median().collect()           # phase median
//   fills = [pl.col(c).fill_null(medians[c][0] or 0.0) for c in cols]
//   X = np.empty((rows, cols), np.float32)                   # phase alloc_output
//   for off in range(0, rows, read_rows):                    # phase convert
//       X[off:off+n] = lf.slice(off, n).select(clean).select(fills).collect().to_numpy()
//
// Params as the strategy's: source=ipc (the only one twinned: source: generate is a Parquet
// reader loop a team writes by hand, not a Polars call), batch_rows (the file's record batch
// size: a file prepare.js wrote with --batch-rows N; batch_rows >= rows means the one-batch
// source.ipc), read_rows (the slice each step asks for), output=memory. output: memmap is
// not twinned: Node has no np.memmap (no mmap of a file into a typed array), so the memmap
// and evict params have no twin and the twin refuses them.
//
// What the binding changes, and where the twin does what Python would:
// - Python's fill_null(float) takes a dynamic float literal that keeps an f32 column f32 and
//   makes an int column f64; the binding's literal is a strict Float64, so the twin casts it
//   to the column's dtype for float columns (as Python's supertype rule would) and leaves
//   it f64 for int columns.
// - to_numpy(): the binding has no numpy; a column reaches JS only as a typed-array copy.
//   The twin builds what Polars' to_numpy builds (one array of the frame's supertype,
//   n x cols, Fortran order, Polars' default) from those copies, one column at a time,
//   collecting each copy (1/cols of a chunk alive at a time; Python makes none).
// - Python frees the collected frame when to_numpy() returns and the chunk after the
//   assignment; the twin collects at both points and waits until they are gone (settle()).
"use strict";
const fs = require("fs");
const { pl, px, phase, gc, main, args, count, ipcPath, keep } = require("./lib/twin");

// The dtype numpy gets from Polars' to_numpy of a frame: the supertype of its columns.
// Every column here is float or int after fill_null; f32 survives only if every column
// is f32 or an int of 16 bits or fewer (Polars' supertype of f32 and i32/i64 is f64).
function supertype(dtypes) {
  const f32ok = new Set(["Float32", "Int16", "Int8", "UInt16", "UInt8"]);
  const name = (d) => String(d).replace(/^DataType\((.*)\)$/, "$1");
  return dtypes.every((d) => f32ok.has(name(d))) && dtypes.some((d) => name(d) === "Float32") ? "f32" : "f64";
}

// Python frees a frame at its last reference; here a frame is freed only once V8 has
// collected every JS object holding it (the DataFrame and each Series taken from it), and
// a suspended async function can keep a temporary in its saved registers (measured: the
// collected frame of one step in three stayed resident through 50 gc() rounds when it was
// a local of this loop). So the big values live only in a holder object (h.df, h.Y) and
// settle() collects until the FinalizationRegistry has seen every tracked object go; a
// value that will not go is reported on stderr (the twin would then overstate).
const pending = new Map();
const registry = new FinalizationRegistry((id) => pending.delete(id));
let lastId = 0;
function track(o, what) {
  const id = ++lastId;
  pending.set(id, what);
  registry.register(o, id);
  return o;
}
async function settle(what) {
  const left = () => [...pending.values()].filter((w) => w === what);
  for (let i = 0; i < 20 && left().length; i++) await gc();
  if (left().length) process.stderr.write(`streaming.js: not collected: ${what}\n`);
  await gc();   // the Node-API finalizers of what was just collected
}

// df.to_numpy(): one n x cols array of the supertype, Fortran order (Polars' default).
async function toNumpyChunk(h, names) {
  const n = h.df.height;
  const T = supertype(h.df.dtypes) === "f32" ? Float32Array : Float64Array;
  const Y = new T(n * names.length);
  for (let c = 0; c < names.length; c++) {
    const v = track(track(h.df.inner().column(names[c]), "a Series").toTypedArray(), "a column copy");
    if (v.length !== n) throw new Error(`column ${names[c]}: ${v.length} rows, expected ${n}`);
    Y.set(v, c * n);
    await gc();   // the binding's copy of this column, see above
  }
  return Y;
}

// One step: X[off:off+n] = lf.slice(off, n).select(clean).select(fills).collect().to_numpy()
async function step(lf, clean, fills, names, X, a, off, readRows) {
  const rows = a.schema.rows, cols = names.length;
  const h = { df: track(pl._DataFrame(lf._ldf.slice(off, readRows).select(clean).select(fills).collectSync("auto")),
    "the collected frame") };
  const n = h.df.height;
  h.Y = track(await toNumpyChunk(h, names), "the to_numpy chunk");
  h.df = null;                                     // the collected frame, once to_numpy returns
  await settle("the collected frame");
  const Y = h.Y;
  if (a.order === "F") for (let c = 0; c < cols; c++) for (let r = 0; r < n; r++) X[c * rows + off + r] = Y[c * n + r];
  else for (let r = 0; r < n; r++) { const o = (off + r) * cols; for (let c = 0; c < cols; c++) X[o + c] = Y[c * n + r]; }
}

main(async () => {
  const a = args({ source: "generate", row_group_rows: "16k", batch_rows: "250k", read_rows: "250k", output: "memory",
    evict: "false" }, (p) =>
    p.source !== "ipc" ? `source: ${p.source} is a hand-written row-group loop, not a Polars call; source: ipc has the twin`
      : p.output !== "memory" || p.evict !== "false" ? "output: memmap has none: Node has no np.memmap" : null);
  const p = a.params;
  const rows = a.schema.rows, cols = a.schema.cols;
  const batchRows = count(p.batch_rows), readRows = count(p.read_rows);
  const file = ipcPath(a.data, batchRows >= rows ? 0 : batchRows);
  if (!fs.existsSync(file))
    throw new Error(`${file}: missing; run node --expose-gc scripts/twins/polars/prepare.js ${a.data}` +
      (batchRows >= rows ? "" : ` --batch-rows ${batchRows}`));
  const names = a.schema.columns.map((c) => c.name);
  const clean = names.map((c) => px.when(px.col(c).isFinite()).then(px.col(c)).otherwise(px.lit(null)).alias(c));
  const lf = pl.scanIPC(file);
  await gc();

  phase("median");
  const med = { df: track(pl._DataFrame(lf._ldf.select(clean.map((e) => e.median())).collectSync("auto")), "the medians") };
  const row = med.df.row(0);
  const fills = names.map((c, i) => {
    const src = a.schema.columns[i].dtype;        // an all-null column's median is null: 0
    const lit = px.lit(row[i] ?? 0).cast(src === "f32" ? pl.Float32 : pl.Float64, true);
    return px.col(c).fillNull(lit).alias(c);
  });
  med.df = null;
  await settle("the medians");

  phase("alloc_output");
  const X = a.dtype === "f64" ? new Float64Array(rows * cols) : new Float32Array(rows * cols);

  phase("convert");
  for (let off = 0; off < rows; off += readRows) {
    await step(lf, clean, fills, names, X, a, off, readRows);
    await settle("the to_numpy chunk");              // the chunk, after the assignment
  }
  phase(null);
  keep([lf, X]);
});
