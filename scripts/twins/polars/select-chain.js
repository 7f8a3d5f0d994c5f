// Twin of strategies/select-chain.c: Attempt 1 on real Polars, step for step.
//
//   selected_df = df.select(pl.all().cast(pl.Float32))
//   selected_df = selected_df.select(pl.all().replace([inf, -inf], None))
//   filled_df = selected_df.select(pl.all().fill_null(df.median()))
//   X = filled_df.to_numpy()
//
// replace() is written per column as when(is_finite).then(col) (NaN too goes to null, the
// strategy's modelling choice). The cast is strict, Python's default (the JS wrapper's
// default is strict=false, whose f64 -> f32 kernel writes a new validity bitmap per column).
// Expressions are native (twin.js px/select): the JS Expr wrappers alone grew V8's heap by
// 0.19 D at 1M rows in replace_inf, garbage Python does not make. Rebinding selected_df frees
// the old frame in Python once the new one exists: here at the gc() after the rebinding.
// Where the binding copies and Python would not: to_numpy (one typed-array copy per column,
// collected after each, twin.js toNumpy).
"use strict";
const { px, select, phase, gc, main, args, loadSource, toNumpy, keep, f32 } = require("./lib/twin");

main(async () => {
  const a = args();
  const df = await loadSource(a);
  const T = f32(a.dtype);
  const names = df.columns;

  phase("cast");
  let selected = select(df, [px.col("*").cast(T, true)]);

  phase("replace_inf");
  selected = select(selected, names.map((c) =>
    px.when(px.col(c).isFinite()).then(px.col(c)).otherwise(px.lit(null)).alias(c)));
  await gc();

  phase("fill_null");
  const medians = df.median().row(0);   // a 1-row frame; an all-null column's is null
  const filled = select(selected, names.map((c, i) =>
    px.col(c).fillNull(px.lit(medians[i] ?? 0).cast(T, true)).alias(c)));

  phase("to_numpy");
  const X = await toNumpy(filled, a.dtype, a.order);

  phase("release");
  keep([df, selected, filled, X]);
});
