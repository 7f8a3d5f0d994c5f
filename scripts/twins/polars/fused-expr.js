// Twin of strategies/fused-expr.c: Attempt 2 on real Polars, step for step.
//
//   medians = df.select(pl.all().median())                                  # a 1-row frame
//   result = df.select([pl.col(c).cast(pl.Float32)
//                          .replace([inf, -inf], None)
//                          .fill_null(medians[c]) for c in df.columns])     # one new frame
//   if result.null_count().sum_horizontal().item() > 0:                     # the null check
//       result = result.select(pl.all().fill_null(0))                       # all-null columns
//   X = result.to_numpy()
//
// replace() is Polars' own replace([inf, -inf], None) (NaN stays NaN here, the strategy turns
// it into null too: the same buffers either way, measured: a mask, a new bitmap, the values
// shared). Not when(is_finite(x)).then(x) on the cast x: that names x twice, the lazy
// engine's common-subexpression elimination then computes every column's cast first as a
// hidden column, all alive at once (+1 D on an f64 source, measured), which the seed's
// expression, naming the column once, does not do. The all-null
// column's median is null, so its fill_null leaves it null and the re-select runs. Native
// expressions (twin.js px/select): the JS Expr wrappers would grow V8's heap by tens of MiB
// per select, which Python's expressions do not. Rebinding `result` frees the old frame once
// the new one exists (the gc() after it). Where the binding copies and Python would not:
// to_numpy (one typed-array copy per column, collected after each, twin.js toNumpy).
"use strict";
const { pl, px, select, phase, gc, main, args, loadSource, toNumpy, keep, f32 } = require("./lib/twin");

main(async () => {
  const a = args();
  const df = await loadSource(a);
  const T = f32(a.dtype);
  const names = df.columns;

  phase("median");
  const medians = select(df, [px.col("*").median()]).row(0);

  phase("select");
  const inf = px.lit(pl.Series("inf", [Infinity, -Infinity]).cast(T).inner());
  let result = select(df, names.map((c, i) => px.col(c).cast(T, true)
    .replace(inf, px.lit(null)).fillNull(px.lit(medians[i]).cast(T, true)).alias(c)));

  phase("null_check");
  const nulls = result.nullCount().row(0).reduce((s, n) => s + n, 0);

  if (nulls > 0) {
    phase("fill_all_null");
    result = select(result, [px.col("*").fillNull(px.lit(0).cast(T, true))]);
    await gc();
  }

  phase("to_numpy");
  const X = await toNumpy(result, a.dtype, a.order);

  phase("release");
  keep([df, medians, result, X]);
});
