#!/usr/bin/env bash
# Runs every libFuzzer target built under DIR (make fuzz builds them into build/fuzz) for
# FUZZ_SECONDS each, one after another, from the repository root. New inputs go to
# DIR/corpus/TARGET (the committed seeds in tests/fuzz/corpus/TARGET and the repo's own
# configs are read, never written); a crash, leak, timeout or OOM leaves its input in
# DIR/TARGET-crash-* (or -leak-, -timeout-, -oom-) and fails the run. Exit 1 if any failed.
set -u
dir=${1:-build/fuzz}
seconds=${FUZZ_SECONDS:-60}
rss=${FUZZ_RSS_MB:-2048}
pass=0; fail=0; failed=()

# target:max_len:extra seed dirs. Lengths sit above the largest real input of each kind
# (a config is 2.5 KB, a trimmed report 23 KB, a spec 0.5 KB) so the fuzzer can grow seeds.
targets=(
  "config:16384:configs"
  "report:65536:results/noise"
  "markers:8192:"
  "spec:8192:"
)
for entry in "${targets[@]}"; do
  IFS=: read -r t maxlen extra <<<"$entry"
  bin=$dir/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz: $bin not built; run make fuzz" >&2; exit 2; }
  mkdir -p "$dir/corpus/$t"
  seeds=("$dir/corpus/$t" "tests/fuzz/corpus/$t")
  [ -n "$extra" ] && seeds+=("$extra")
  log=$dir/$t.log
  if "$bin" -max_total_time="$seconds" -rss_limit_mb="$rss" -max_len="$maxlen" -timeout=10 \
       -artifact_prefix="$dir/$t-" -print_final_stats=1 "${seeds[@]}" >"$log" 2>&1; then
    pass=$((pass + 1)); r=ok
  else
    fail=$((fail + 1)); failed+=("$t"); r="FAILED (see $log, input in $dir/$t-*)"
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
  printf '== fuzz_%-10s %s (%s runs in %ss, %s)\n' "$t" "$r" "${runs:-?}" "$seconds" "${cov:-cov: ?}"
done
echo "fuzz summary: $pass passed, $fail failed${failed:+ (${failed[*]})}"
[ "$fail" -eq 0 ]
