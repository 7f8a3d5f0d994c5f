// Twin of strategies/chunked-vstack.c: Option A on real Polars, step for step.
//
//   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in df.columns]
//   medians = df.select(clean).median()                     # median=global
//   chunks = []
//   for sl in df.iter_slices(n_rows=chunk_rows):
//       chunks.append(sl.select(clean).fill_null(medians).cast(pl.Float32).to_numpy())
//   X = np.vstack(chunks)
//   del chunks
//   del df
//
// nodejs-polars 0.26.1 has no iterSlices: Python's iter_slices is a loop of
// df.slice(offset, n_rows) (zero-copy), which is what this does. fill_null(medians) and the
// cast are one select of fillNull(median).cast(T) per column (one frame; lib/twin.js
// fillExprs: the median literal in the column's float dtype, as Python's float literal
// takes it, so an f32 column fills in f32; an integer column fills in Float64); the select of
// clean is a frame of its own, dropped once the filled frame exists (Python drops the
// temporary when fill_null returns); the filled frame is dropped once its chunk exists.
// median=local fills each slice with sl.select(clean).median() instead.
//
// Where the binding copies and Python would not: toNumpy reads each column of the filled
// frame as a typed-array copy (one column of one slice at a time, collected after its step);
// Python's to_numpy writes the array from the Arrow buffers. np.vstack is a new typed array
// of rows x cols filled from the chunks, as numpy's concatenate does.
"use strict";
const { select, phase, gc, main, loadSource, keep, f32, Typed, cleanExprs, fillExprs, sliceArgs, assignRows,
  sliceChunk } = require("./lib/twin");

// np.vstack: a new array of rows x cols, each chunk's rows copied into place (a function of
// its own for the same reason as sliceChunk: no chunk left in a register of main's frame).
function vstack(chunks, rows, cols, n, dtype, order) {
  const X = new (Typed(dtype))(rows * cols);
  for (let k = 0; k < chunks.length; k++) assignRows(X, chunks[k], k * n, rows, cols, order);
  return X;
}

main(async () => {
  const [a, n] = sliceArgs();
  let df = await loadSource(a);
  const T = f32(a.dtype);
  const rows = df.height, cols = df.width;
  const clean = cleanExprs(df);
  const fill = (med) => fillExprs(df, med, T);

  let medians = null;
  if (a.params.median === "global") {
    phase("median");
    medians = (() => select(df, clean).median())();   // the select's frame dropped at the gc
    await gc();
  }

  phase("chunks");
  let chunks = [];
  for (let off = 0; off < rows; off += n) {
    chunks.push(await sliceChunk(df.slice(off, Math.min(n, rows - off)), medians, clean, fill, a));
    await gc();   // sliceChunk's frame, and with it anything its registers still held
  }

  phase("vstack");
  const X = vstack(chunks, rows, cols, n, a.dtype, a.order);

  phase("free_chunks");
  chunks = null;
  await gc();

  phase("drop_source");
  df = null;
  await gc();
  keep(X);
});
