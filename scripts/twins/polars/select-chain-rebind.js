// Twin of strategies/select-chain-rebind.c: the select chain that rebinds every name, the
// source included, on real Polars, step for step.
//
//   medians = df.median()                                  # before the source is rebound
//   df = df.select(pl.all().cast(pl.Float32))
//   df = df.select(pl.all().replace([inf, -inf], None))
//   df = df.select([pl.col(c).fill_null(medians[c]) for c in df.columns])
//   X = df.to_numpy()
//   del df
//
// Each rebinding frees the old frame once the new one exists (Python drops it when the name
// is rebound, after the right-hand side is built): here at the gc() after each rebinding;
// what the new frame shares with the old (the values a same-dtype cast or a when/then keeps,
// the bitmaps a cast keeps) stays. replace() is when(is_finite).then(col).otherwise(None),
// as in the select-chain twin; the cast is strict (Python's default). Native expressions
// (twin.js px/select), as the JS Expr wrappers would grow V8's heap. Where the binding copies
// and Python would not: to_numpy (one typed-array copy per column, twin.js toNumpy).
"use strict";
const { px, select, phase, gc, main, args, loadSource, toNumpy, keep, f32 } = require("./lib/twin");

main(async () => {
  const a = args();
  let df = await loadSource(a);
  const T = f32(a.dtype);
  const names = df.columns;

  phase("median");
  const medians = df.median().row(0);   // an all-null column's is null: filled with 0

  phase("cast");
  df = select(df, [px.col("*").cast(T, true)]);
  await gc();

  phase("replace_inf");
  df = select(df, names.map((c) =>
    px.when(px.col(c).isFinite()).then(px.col(c)).otherwise(px.lit(null)).alias(c)));
  await gc();

  phase("fill_null");
  df = select(df, names.map((c, i) => px.col(c).fillNull(px.lit(medians[i] ?? 0).cast(T, true)).alias(c)));
  await gc();

  phase("to_numpy");
  const X = await toNumpy(df, a.dtype, a.order);
  df = null;   // del df, in the step: the release phase then holds X alone (exec notes a
  await gc();  // phase's start when it reads the marker, so a free right after it races)

  phase("release");
  keep([medians, X]);
});
