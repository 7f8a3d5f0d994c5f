// A `highwater dataset` directory as the Arrow IPC file the Polars twins read: the values of
// cNNN.npy with the nulls of cNNN.valid.npy. Run once per dataset, outside any measurement:
//
//   node --expose-gc scripts/twins/polars/prepare.js DIR [--batch-rows N]
//
// --batch-rows N writes source-bN.ipc in record batches of N rows (a scan decodes a whole
// batch at a time: the streaming twin's row groups); without it, source.ipc, one batch.
// --head W --out DIR2 writes the first W rows into DIR2 instead: the twins' warm-up data
// (lib/twin.js, "Warm-up"). --parts N writes source-pN/part-KKKKK.ipc, N rows each, then
// source-pN/complete: the batch files the rechunk twin reads one by one.
"use strict";
const fs = require("fs");
const path = require("path");
const pl = require("nodejs-polars");

const TYPED = { "<f8": Float64Array, "<f4": Float32Array, "<i8": BigInt64Array, "<i4": Int32Array,
  "<i2": Int16Array, "|i1": Int8Array, "|b1": Uint8Array };

function npy(p) {
  const b = fs.readFileSync(p);
  if (b.length < 10 || b[0] !== 0x93 || b.toString("latin1", 1, 6) !== "NUMPY")
    throw new Error(`${p}: not a .npy file`);
  const hlen = b.readUInt16LE(8), header = b.toString("latin1", 10, 10 + hlen);
  const descr = /'descr': '([^']+)'/.exec(header);
  const T = descr && TYPED[descr[1]];
  if (!T) throw new Error(`${p}: dtype ${descr ? descr[1] : "?"} is not one highwater writes`);
  const off = 10 + hlen;
  return new T(b.buffer.slice(b.byteOffset + off, b.byteOffset + b.length));
}

function column(dir, c) {
  const values = pl.Series(c.name, npy(path.join(dir, c.values)));
  const valid = pl.Series("valid", npy(path.join(dir, c.validity))).cast(pl.Bool);
  return pl.DataFrame([values, valid])
    .select(pl.when(pl.col("valid")).then(pl.col(c.name)).otherwise(pl.lit(null)).alias(c.name))
    .getColumn(c.name);
}

function main() {
  const argv = process.argv.slice(2);
  const dir = argv[0];
  let batch = 0, head = 0, parts = 0, outDir = dir, ok = Boolean(dir);
  for (let i = 1; ok && i < argv.length; i += 2) {
    const v = argv[i + 1];
    if (argv[i] === "--batch-rows") ok = (batch = Number(v)) > 0;
    else if (argv[i] === "--head") ok = (head = Number(v)) > 0;
    else if (argv[i] === "--parts") ok = (parts = Number(v)) > 0;
    else if (argv[i] === "--out") ok = Boolean((outDir = v));
    else ok = false;
  }
  if (!ok) {
    process.stderr.write("prepare.js: usage: node --expose-gc prepare.js DIR [--batch-rows N | --parts N] [--head W --out DIR2]\n");
    process.exit(2);
  }
  const schema = JSON.parse(fs.readFileSync(path.join(dir, "schema.json"), "utf8"));
  let df = pl.DataFrame(schema.columns.map((c) => column(dir, c)));
  if (head) df = df.head(head);
  fs.mkdirSync(outDir, { recursive: true });
  if (parts) {
    const pdir = path.join(outDir, `source-p${parts}`);
    fs.mkdirSync(pdir, { recursive: true });
    let k = 0;
    for (let r0 = 0; r0 < df.height; r0 += parts, k++) {
      const f = path.join(pdir, `part-${String(k).padStart(5, "0")}.ipc`);
      df.slice(r0, parts).writeIPC(f + ".tmp.ipc");
      fs.renameSync(f + ".tmp.ipc", f);
    }
    fs.writeFileSync(path.join(pdir, "complete"), `${k}\n`);
    process.stdout.write(`wrote ${pdir} (${k} parts of ${parts} rows)\n`);
    return;
  }
  if (batch) {
    // One chunk per batch: the IPC writer writes a record batch per chunk.
    const parts = [];
    for (let r0 = 0; r0 < df.height; r0 += batch) parts.push(df.slice(r0, batch).rechunk());
    df = pl.concat(parts, { how: "vertical", rechunk: false });
  }
  const out = path.join(outDir, batch ? `source-b${batch}.ipc` : "source.ipc");
  const tmp = out + ".tmp.ipc";
  df.writeIPC(tmp);
  fs.renameSync(tmp, out);
  process.stdout.write(`wrote ${out} (${df.height} rows, ${df.width} columns, ${df.nChunks ? df.nChunks() : "?"} chunks)\n`);
}

main();
