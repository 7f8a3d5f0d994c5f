// Twin of strategies/select-chain.c: Attempt 1 on real Polars, step for step.
//
//   selected_df = df.select(pl.all().cast(pl.Float32))
//   selected_df = selected_df.select(pl.all().replace([inf, -inf], None))
//   filled_df = selected_df.select(pl.all().fill_null(df.median()))
//   X = filled_df.to_numpy()
//
// replace() is written per column as when(is_finite).then(col) (NaN too goes to null, the
// strategy's modelling choice). Rebinding selected_df frees the old frame in Python once the
// new one exists: here at the gc() after the rebinding.
"use strict";
const { pl, phase, gc, main, args, loadSource, toNumpy, keep, f32 } = require("./lib/twin");

main(async () => {
  const a = args();
  const df = await loadSource(a);
  const T = f32(a.dtype);
  const names = df.columns;

  phase("cast");
  let selected = df.select(pl.all().cast(T));

  phase("replace_inf");
  selected = selected.select(names.map((c) => pl.when(pl.col(c).isFinite()).then(pl.col(c)).otherwise(pl.lit(null)).alias(c)));
  await gc();

  phase("fill_null");
  const medians = df.median();   // a 1-row frame; an all-null column's is null
  const filled = selected.select(names.map((c) =>
    pl.col(c).fillNull(pl.lit(medians.getColumn(c).get(0) ?? 0).cast(T)).alias(c)));

  phase("to_numpy");
  const X = await toNumpy(filled, a.dtype, a.order);

  phase("release");
  keep([df, selected, filled, X]);
});
