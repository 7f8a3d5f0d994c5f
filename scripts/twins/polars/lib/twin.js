// What every Polars twin shares: its arguments, phase markers for `highwater exec`, the
// source loaded from a `highwater dataset` directory, garbage collection where Python would
// drop a value, and the dense output that Polars' to_numpy() hands numpy.
//
//   node --expose-gc scripts/twins/polars/NAME.js --data DIR [--dtype f32] [--order C] [key=value...]
//
// Phase markers go to the fd in HIGHWATER_PHASE_FD ("begin NAME" / "end NAME"), one phase
// open at a time, as the strategies' hw_phase_begin does: beginning a phase ends the last.
//
// Warm-up. A library's first call costs memory that does not grow with the data: its code
// pages (measured at 250k rows: RssFile +13 MiB between the first phase and the last, the
// Polars kernels paged in on first use), its thread pool (7 threads before the first select,
// 11 after) and their glibc arenas. At 70M rows that is nothing; at the 250k rows a test
// affords it was a fifth of the output (D = 109 MiB), which a model of the data's memory
// must not be charged with. So a twin first runs its whole body once on the first
// --warmup-rows rows, unmarked but inside a phase "warmup" that highwater fidelity reports on
// its own and measures nothing from, then collects, then runs for real.
// The warm-up must leave glibc as a cold start has it. glibc mmaps a block of 128 KiB or
// more (M_MMAP_THRESHOLD), and freeing such a block raises the threshold to its size: from
// then on blocks that size come from the arenas, where a freed one may stay resident. A
// 4096-row warm-up freed a 1.8 MiB to_numpy array, and at 250k rows the real twins then
// kept every freed frame (rebind's to_numpy +2.10 D, cold +1.14; the model +1.13). So by
// default the warm-up takes as many rows as keep its largest block, a whole f64 array of
// them, under 128 KiB: 143 rows of 114 columns (rebind's to_numpy then +1.19 D).
const MMAP_THRESHOLD = 128 * 1024;
"use strict";
const fs = require("fs");
const path = require("path");
const pl = require("nodejs-polars");

const fd = process.env.HIGHWATER_PHASE_FD ? Number(process.env.HIGHWATER_PHASE_FD) : -1;
let open = null;
let warming = false;   // the warm-up round: args() hands out the warm-up data, phase() is mute

function mark(line) {
  if (fd < 0) return;
  try {
    fs.writeSync(fd, line + "\n");
  } catch (e) {
    // measuring must never break the program measured
  }
}

// Begin phase NAME (ending the open one); phase(null) ends the open one.
function phase(name) {
  if (warming) return;
  if (open) mark("end " + open);
  open = name;
  if (name) mark("begin " + name);
}

// Python frees a value at its last reference; the Node binding frees the Rust buffers behind
// a JS object only when V8 collects it, and then only when the event loop turns: Node-API
// runs the finalizers of collected objects from a task of their own (measured: 20 typed-array
// copies of a 2M-row f32 column stayed resident through 20 global.gc() calls, +152 MiB, and
// were gone after one setImmediate). So a twin awaits gc() wherever Python would free: after a
// rebinding, a `del`, the end of a per-column step. Twins run with --expose-gc.
// Two rounds: a frame rebound right after a df.median() (df.lazy().median().collect()) was
// still resident after one round and gone after the second (measured: `df = df.select(cast)`
// on the 1M-row f64 source, RSS 1397 MiB after one round, 527 MiB after two).
const tick = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function gc() {
  if (typeof global.gc !== "function") throw new Error("run twins with node --expose-gc");
  for (let round = 0; round < 2; round++) {
    global.gc();
    await tick();
  }
}

// A twin's body: an async function (gc() awaits the event loop) that reads its arguments with
// args(); run twice, the warm-up round first (see Warm-up above); its failure one line, exit 3.
function main(body) {
  const argv = process.argv.slice(2);
  const w = argv.indexOf("--warmup-rows");
  const warm = !argv.includes("--prepare") && !(w >= 0 && Number(argv[w + 1]) === 0);
  (async () => {
    if (warm) {
      phase("warmup");
      warming = true;
      await body();
      warming = false;
      keep.kept = null;
      await gc();
      phase(null);
      await sleep(50);   // exec reads what the warm-up left when it reads the end marker
    }
    await body();
  })().then(
    () => phase(null),
    (e) => {
      process.stderr.write(`${path.basename(process.argv[1])}: ${e && e.message ? e.message : e}\n`);
      process.exit(3);
    },
  );
}

function usage(msg) {
  process.stderr.write(`${path.basename(process.argv[1])}: ${msg}; usage: node --expose-gc ` +
    `${process.argv[1]} --data DIR [--dtype f32|f64] [--order C|F] [--warmup-rows N|auto] [--prepare] [key=value...]\n`);
  process.exit(2);
}

// --data DIR (a `highwater dataset` directory), --dtype, --order, then the strategy's params.
// noTwinIf(params) names params this twin cannot stand for (a reason, or null): the twin then
// exits 77 with "no twin: REASON", which highwater fidelity reports as that strategy's
// no-twin reason instead of a failure.
function args(defaults = {}, noTwinIf = null, files = null) {
  const a = { data: null, dtype: "f32", order: "C", warmup_rows: "auto", prepare: false, params: { ...defaults } };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === "--data" || k === "--dtype" || k === "--order" || k === "--warmup-rows") {
      if (i + 1 >= argv.length) usage(`${k} needs a value`);
      a[k.slice(2).replace("-", "_")] = argv[++i];
    } else if (k === "--prepare") {
      a.prepare = true;
    } else if (k.includes("=")) {
      const [key, ...rest] = k.split("=");
      if (!(key in a.params)) usage(`${key}: no such param (known: ${Object.keys(a.params).join(", ") || "none"})`);
      a.params[key] = rest.join("=");
    } else {
      usage(`${k}: unexpected argument`);
    }
  }
  if (!a.data) usage("--data DIR is required");
  if (a.dtype !== "f32" && a.dtype !== "f64") usage(`--dtype ${a.dtype}: the twins write f32 or f64`);
  if (a.order !== "C" && a.order !== "F") usage(`--order ${a.order}: C or F`);
  a.schema = JSON.parse(fs.readFileSync(path.join(a.data, "schema.json"), "utf8"));
  const why = noTwinIf ? noTwinIf(a.params) : null;
  if (why) {
    process.stderr.write(`no twin: ${why}\n`);
    process.exit(77);
  }
  const auto = Math.floor((MMAP_THRESHOLD - 4096) / (a.schema.cols * 8));
  a.warm = Math.min(a.warmup_rows === "auto" ? auto : count(a.warmup_rows), a.schema.rows);
  if (a.prepare) prepare(a, files);
  if (warming) {
    const dir = warmDir(a);
    if (!fs.existsSync(ipcPath(dir))) usage(`${dir}: no warm-up data; run this twin with --prepare first, or --warmup-rows 0`);
    return { ...a, data: dir, schema: { ...a.schema, rows: a.warm } };
  }
  return a;
}

// The warm-up data: the first W rows of the dataset, made by --prepare.
const warmDir = (a) => path.join(a.data, `warmup-${a.warm}`);

// "250k" / "2M" / "16384" -> a row count, as highwater's configs write them.
function count(s) {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(String(s));
  if (!m) usage(`${s}: expected a count such as 250k`);
  return Math.round(Number(m[1]) * ({ "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2]]));
}

// --prepare (highwater fidelity, before measuring): make the files this twin's params read,
// for the dataset and for its warm-up rows, then exit. A `batch_rows` param reads the file in
// record batches of that many rows; files(dir, rows, params), given by a twin, names more:
// [path, prepare.js arguments] pairs.
function prepare(a, files) {
  const { execFileSync } = require("child_process");
  const script = path.join(__dirname, "..", "prepare.js");
  const n = a.params.batch_rows ? count(a.params.batch_rows) : 0;
  const dirs = [[a.data, a.schema.rows, []]];
  if (a.warm) dirs.push([warmDir(a), a.warm, ["--head", String(a.warm), "--out", warmDir(a)]]);
  const want = [];
  for (const [dir, rows, head] of dirs) {
    want.push([ipcPath(dir), head]);
    if (n && n < rows) want.push([ipcPath(dir, n), [...head, "--batch-rows", String(n)]]);
    for (const [file, extra] of files ? files(dir, rows, a.params) : []) want.push([file, [...head, ...extra]]);
  }
  for (const [file, extra] of want)
    if (!fs.existsSync(file))
      execFileSync(process.execPath, ["--expose-gc", script, a.data, ...extra], { stdio: ["ignore", 2, 2] });
  process.exit(0);
}

// The source as an in-memory DataFrame, read from the IPC file prepare.js made of the
// dataset (readIPC decodes into anonymous memory: measured, RssAnon grows by the file's
// size). batchRows names the file written in record batches of that many rows.
function ipcPath(dir, batchRows) {
  return path.join(dir, batchRows ? `source-b${batchRows}.ipc` : "source.ipc");
}

async function loadSource(a) {
  const p = ipcPath(a.data);
  if (!fs.existsSync(p)) usage(`${p}: missing; run node scripts/twins/polars/prepare.js ${a.data}`);
  const df = pl.readIPC(p);
  await gc();
  return df;
}

// Expressions on the binding's native objects. Each nodejs-polars Expr wrapper is a JS object
// of some 300 closures: building the 114 x 8 wrappers of one when/then/otherwise select grew
// V8's heap from 8.7 to 72 MiB (RSS peak +82 MiB, most of it garbage collected later),
// memory Python's Expr objects never take. The native expression (px.col, px.lit, px.when,
// and .cast(dtype, strict), .isFinite(), .fillNull(e), .median(), .alias(name), ...) is a
// small Node-API object: +2 MiB for the same 114. Twins build their expressions with px and
// run them with select(df, exprs), the binding's own df.select path (lazy select, collect)
// without the wrappers.
const px = require("nodejs-polars/bin/internals/polars_internal").default;
function select(df, exprs) {
  return pl._DataFrame(df.inner().lazy().select(exprs).collectSync("auto"));
}

const f32 = (dtype) => (dtype === "f64" ? pl.Float64 : pl.Float32);
const Typed = (dtype) => (dtype === "f64" ? Float64Array : Float32Array);

// One column as the binding's typed-array copy, through the native Series: the JS Series
// wrapper is some 300 closures, and 114 of them grew V8's heap from 9 to 21 MiB over one
// to_numpy at 250k rows (+0.11 D there; garbage Python never makes).
function column(df, name) {
  const s = df.inner().column(name);
  if (s.nullCount() !== 0) throw new Error(`column ${name} holds nulls: to_numpy would not give floats`);
  return s.toTypedArray();
}

// to_numpy() of a frame whose columns are all the output dtype and hold no nulls: numpy's
// array (rows x cols, C or F order) filled column by column. The binding has no numpy: a
// column reaches JS only as a typed-array copy (toTypedArray), which Python's to_numpy does
// not make (it writes the array from the Arrow buffers directly). V8 does not count that
// external buffer against its heap: left alone it kept all 114 copies (+0.98 D measured at
// 2M rows), so the copies are collected as they go, whenever more than `slack` bytes of
// them are uncollected (0: after every column, one column alive at a time, about 1/cols of
// D). The slicing twins convert small frames and pass D/256: a collection costs 5-10 ms,
// and one per column of every slice took the 2M-row twin with 10k-row slices past 10 min.
async function toNumpy(df, dtype, order, slack = 0) {
  const rows = df.height, cols = df.width;
  const X = new (Typed(dtype))(rows * cols);
  const names = df.columns;
  let pending = 0;
  for (let c = 0; c < cols; c++) {
    let v = column(df, names[c]);
    if (order === "F") X.set(v, c * rows);
    else for (let r = 0; r < rows; r++) X[r * cols + c] = v[r];
    pending += v.byteLength;
    v = null;
    if (pending > slack || c === cols - 1) {
      await gc();
      pending = 0;
    }
  }
  return X;
}

// The slack the slicing twins give toNumpy: 1/256 of the whole output.
const sliceSlack = (a) => (a.schema.rows * a.schema.cols * (a.dtype === "f64" ? 8 : 4)) / 256;

// The cleaning select of the slicing twins: every column with inf and NaN turned null
// (native expressions, as everywhere: see px above).
function cleanExprs(df) {
  return df.columns.map((c) => px.when(px.col(c).isFinite()).then(px.col(c)).otherwise(px.lit(null)).alias(c));
}

// fill_null(medians).cast(T) per column, medians a 1-row frame (df.median()). Python's float
// literal is "dynamic": on a Float32 column it fills in Float32; a JS number is a strict
// Float64 literal, which would make the binding fill every f32 column in f64 first (measured:
// an n x 8 buffer per column that Python never makes), so the literal takes the column's
// float dtype. On an integer column the supertype is Float64 either way. An all-null
// column's median is null: filled with 0, as the models do. The cast is strict, as Python's.
// The dtypes come from the native frame as strings: the wrapper's df.schema builds a JS
// DataType object per column and grew V8's heap by 50 MiB at every call (measured).
function fillExprs(df, medians, T) {
  const dtypes = df.inner().dtypes(), m = medians.row(0);
  return df.columns.map((c, i) => {
    let v = px.lit(m[i] ?? 0);
    if (dtypes[i] === "Float32") v = v.cast(pl.Float32, true);
    return px.col(c).fillNull(v).cast(T, true).alias(c);
  });
}

// The slicing twins' params (chunked-vstack, chunks-preallocated), checked: [a, rows per slice].
function sliceArgs() {
  const a = args({ chunk_rows: "10k", median: "global" });
  if (a.params.median !== "global" && a.params.median !== "local")
    throw new Error(`median=${a.params.median}: global or local`);
  const n = count(a.params.chunk_rows);
  if (!(n > 0)) throw new Error("chunk_rows must be at least 1");
  return [a, n];
}

// X[off:off+m] = chunk, for a C chunk (a block of rows) or an F chunk (column after column).
function assignRows(X, chunk, off, rows, cols, order) {
  const m = chunk.length / cols;
  if (order === "C") X.set(chunk, off * cols);
  else for (let c = 0; c < cols; c++) X.set(chunk.subarray(c * m, (c + 1) * m), c * rows + off);
}

// One slice's chunk, sl.select(clean).fill_null(medians).cast(T).to_numpy() (medians null:
// the slice's own, median=local; fill(medians) gives the fill expressions). A function of its
// own, so that nothing of it (the select's frame, the filled one) stays referenced from a
// register of the caller's suspended frame (V8 saves an async function's registers at each await).
async function sliceChunk(sl, medians, clean, fill, a) {
  let med = medians;
  if (!med) {
    med = select(sl, clean).median();
    await gc();
  }
  let sel = select(sl, clean);
  let filled = select(sel, fill(med));
  sel = null;
  await gc();
  const chunk = await toNumpy(filled, a.dtype, a.order, sliceSlack(a));
  filled = null;
  await gc();
  return chunk;
}

// The twin's result stays referenced to the end, as a Python variable would.
function keep(x) {
  keep.kept = x;
}

module.exports = { pl, px, select, phase, gc, main, args, count, loadSource, ipcPath, toNumpy, sliceSlack, sliceArgs,
  assignRows, sliceChunk, keep, f32, Typed,
  cleanExprs, fillExprs };
