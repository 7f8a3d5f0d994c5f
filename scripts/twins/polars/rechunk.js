// Twin of strategies/rechunk.c: a frame in many chunks per column, rechunked, converted.
//
//   parts = [pl.read_ipc(f) for f in batch_files]
//   df = pl.concat(parts, how="vertical", rechunk=False)
//   df = df.rechunk()
//   clean = [pl.when(pl.col(c).is_finite()).then(pl.col(c)) for c in df.columns]
//   medians = df.select(clean).median()
//   X = df.select(clean).fill_null(medians).cast(pl.Float32).to_numpy()
//   del df
//
// The multi-chunk source is made while loading, before the first phase: the dataset's frame
// cut into parts of chunk_rows rows, each part written to a batch file and read back
// (pl.readIPC decodes into buffers of its own; one temporary file at a time, in the temp
// directory, removed after), the whole frame then dropped, and the parts concatenated without rechunk (which
// shares their buffers: one chunk per part in every column).
//
// The binding copies where Python would not only in toNumpy (a typed-array copy per column,
// one at a time, collected after its step); rechunk, the select and fill_null are the Rust
// core's own.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const { pl, phase, gc, main, args, count, loadSource, toNumpy, keep, f32, cleanExprs, fillExprs } = require("./lib/twin");

// The parts, in a function of its own so that no part or IPC buffer stays referenced from a
// register of main's suspended frame (V8 saves an async function's registers at each await).
async function multiChunk(a, n) {
  let df = await loadSource(a);
  const parts = [];
  const tmp = path.join(os.tmpdir(), `highwater-rechunk-${process.pid}.ipc`);
  try {
    for (let off = 0; off < df.height; off += n) {
      df.slice(off, Math.min(n, df.height - off)).writeIPC(tmp);
      parts.push(pl.readIPC(tmp));
      await gc();
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  df = null;
  await gc();
  return pl.concat(parts, { how: "vertical", rechunk: false });
}

// X = df.select(clean).fill_null(medians).cast(T).to_numpy(), the chain's frames dropped as
// Python drops them (the select's once fill_null returns, the filled one after to_numpy).
async function convert(s, medians, a) {
  let sel = s.df.select(cleanExprs(s.df));
  let filled = sel.select(fillExprs(s.df, medians, f32(a.dtype)));
  sel = null;
  await gc();
  phase("to_numpy");
  const X = await toNumpy(filled, a.dtype, a.order);
  filled = null;
  await gc();
  return X;
}

// The frame lives in s.df only, and every step that touches it is a function of its own:
// a rebinding or a `del` then really drops the last reference (main's own registers never
// hold a frame across an await).
function rechunk(s) {
  s.df = s.df.rechunk();
}
function medianOf(s) {
  return s.df.select(cleanExprs(s.df)).median();
}
function chunksOf(s) {
  return s.df.nChunks();
}

main(async () => {
  const a = args({ chunk_rows: "250k" });
  const n = count(a.params.chunk_rows);
  if (!(n > 0)) throw new Error("chunk_rows must be at least 1");
  const s = { df: await multiChunk(a, n) };
  await gc();
  const chunks = chunksOf(s);
  if (chunks < 2 && n < a.schema.rows) throw new Error(`the source is in ${chunks} chunk(s), not ${Math.ceil(a.schema.rows / n)}`);

  phase("rechunk");
  rechunk(s);          // df = df.rechunk(): the old frame goes at the gc, once the new one exists
  await gc();

  phase("median");
  const medians = medianOf(s);
  await gc();

  phase("fill_null");
  const X = await convert(s, medians, a);

  phase("drop_source");
  s.df = null;         // del df
  await gc();
  keep(X);
});
