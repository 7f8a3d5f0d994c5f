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
// The batch files are written by --prepare (prepare.js --parts), in a process of their own:
// the twin only reads them, as the Python does. (It once cut the loaded frame into parts and
// wrote and read each back itself; the IPC writer grows its buffer by doubling and frees each
// step, which left glibc's mmap threshold at 32 MiB, and the freed parts then stayed resident
// through every later phase, +0.9 D at 250k rows: a state of the twin's own making.)
//
// The binding copies where Python would not only in toNumpy (a typed-array copy per column,
// one at a time, collected after its step); rechunk, the select and fill_null are the Rust
// core's own.
"use strict";
const fs = require("fs");
const path = require("path");
const { pl, select, phase, gc, main, args, count, toNumpy, keep, f32, cleanExprs, fillExprs } = require("./lib/twin");

const partsDir = (dir, n) => path.join(dir, `source-p${n}`);

// The parts, in a function of its own so that no part stays referenced from a register of
// main's suspended frame (V8 saves an async function's registers at each await).
async function multiChunk(a, n) {
  const dir = partsDir(a.data, n);
  if (!fs.existsSync(path.join(dir, "complete"))) throw new Error(`${dir}: missing; run this twin with --prepare`);
  const parts = fs.readdirSync(dir).filter((f) => f.endsWith(".ipc")).sort().map((f) => pl.readIPC(path.join(dir, f)));
  await gc();
  return pl.concat(parts, { how: "vertical", rechunk: false });
}

// X = df.select(clean).fill_null(medians).cast(T).to_numpy(), the chain's frames dropped as
// Python drops them (the select's once fill_null returns, the filled one after to_numpy).
async function convert(s, medians, a) {
  let sel = select(s.df, cleanExprs(s.df));
  let filled = select(sel, fillExprs(s.df, medians, f32(a.dtype)));
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
  return select(s.df, cleanExprs(s.df)).median();
}
function chunksOf(s) {
  return s.df.nChunks();
}

main(async () => {
  const a = args({ chunk_rows: "250k" }, null, (dir, rows, params) => {
    const n = count(params.chunk_rows);
    return [[path.join(partsDir(dir, n), "complete"), ["--parts", String(n)]]];
  });
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
