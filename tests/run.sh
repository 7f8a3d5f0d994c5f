#!/usr/bin/env bash
# Runs every test binary under BUILD/tests (integration tests too, unless HW_UNIT_ONLY=1),
# from the repository root, and prints one summary line. Exit 1 if any failed.
set -u
build=${1:-build}
pass=0; fail=0; failed=()
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if [ -n "${HW_UNIT_ONLY:-}" ] && [[ $name == test_integration* ]]; then continue; fi
  start=$(date +%s.%N)
  if HW_BUILD="$build" "$t"; then pass=$((pass + 1)); r=ok; else fail=$((fail + 1)); failed+=("$name"); r=FAILED; fi
  printf '== %-32s %s (%.1fs)\n' "$name" "$r" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{print e-s}')"
done
echo "test summary: $pass passed, $fail failed${failed:+ (${failed[*]})}"
[ "$fail" -eq 0 ]
