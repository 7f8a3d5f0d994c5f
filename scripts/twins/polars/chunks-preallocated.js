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
const { select, phase, gc, main, loadSource, keep, Typed, f32, cleanExprs, fillExprs, sliceArgs, assignRows,
  sliceChunk } = require("./lib/twin");

main(async () => {
  const [a, n] = sliceArgs();
  let df = await loadSource(a);
  const T = f32(a.dtype);
  const rows = df.height, cols = df.width;
  const clean = cleanExprs(df);
  const fill = (med) => fillExprs(df, med, T);

  // One slice into X: a function of its own, so nothing of it stays in a register of main's
  // suspended frame (V8 saves an async function's registers across each await).
  async function sliceInto(X, sl, off, medians) {
    let chunk = await sliceChunk(sl, medians, clean, fill, a);
    assignRows(X, chunk, off, rows, cols, a.order);
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
