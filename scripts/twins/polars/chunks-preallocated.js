// Twin of strategies/chunks-preallocated.c: the chunks written into one preallocated array.
//
//   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in df.columns]
//   medians = df.select(clean).median()                      # median=global
//   X = np.empty((df.height, df.width), dtype=np.float32)
//   for off in range(0, df.height, chunk_rows):
//       sl = df.slice(off, chunk_rows)
//       X[off:off + sl.height] = sl.select(clean).fill_null(medians).cast(pl.Float32).to_numpy()
//   del df
//
// The slice's frames are chunked-vstack.js's (lib/twin.js cleanExprs and fillExprs); the
// select's frame is dropped once the filled one exists, the filled frame once its chunk
// exists, the chunk once it is in X (the right-hand side of the assignment). np.empty is a
// typed array of rows x cols: V8 allocates it zeroed (calloc), which for a block this big is
// fresh pages that commit as written, like numpy's untouched np.empty.
//
// Where the binding copies and Python would not: toNumpy reads each column of the filled
// frame as a typed-array copy (one column of one slice at a time, collected after its step).
"use strict";
const { select, phase, gc, main, args, count, loadSource, toNumpy, sliceSlack, keep, Typed, f32, cleanExprs, fillExprs } = require("./lib/twin");

// X[off:off+m] = chunk, for a C chunk (a block of rows) or an F chunk (column after column).
function assign(X, chunk, off, rows, cols, order) {
  const m = chunk.length / cols;
  if (order === "C") X.set(chunk, off * cols);
  else for (let c = 0; c < cols; c++) X.set(chunk.subarray(c * m, (c + 1) * m), c * rows + off);
}

main(async () => {
  const a = args({ chunk_rows: "10k", median: "global" });
  if (a.params.median !== "global" && a.params.median !== "local")
    throw new Error(`median=${a.params.median}: global or local`);
  const n = count(a.params.chunk_rows);
  if (!(n > 0)) throw new Error("chunk_rows must be at least 1");
  let df = await loadSource(a);
  const T = f32(a.dtype);
  const rows = df.height, cols = df.width;
  const clean = cleanExprs(df);

  // One slice into X: a function of its own, so nothing of it stays in a register of main's
  // suspended frame (V8 saves an async function's registers across each await).
  async function sliceInto(X, sl, off, medians) {
    let med = medians;
    if (!med) {
      med = select(sl, clean).median();
      await gc();
    }
    let sel = select(sl, clean);
    let filled = select(sel, fillExprs(df, med, T));
    sel = null;
    await gc();
    let chunk = await toNumpy(filled, a.dtype, a.order, sliceSlack(a));
    filled = null;
    await gc();
    assign(X, chunk, off, rows, cols, a.order);
    chunk = null;
  }

  let medians = null;
  if (a.params.median === "global") {
    phase("median");
    medians = (() => select(df, clean).median())();   // the select's frame dropped at the gc
    await gc();
  }

  phase("chunks");
  const X = new (Typed(a.dtype))(rows * cols);   // np.empty
  for (let off = 0; off < rows; off += n) {
    await sliceInto(X, df.slice(off, Math.min(n, rows - off)), off, medians);
    await gc();   // the chunk, and anything sliceInto's registers still held
  }

  phase("drop_source");
  df = null;
  await gc();
  keep(X);
});
