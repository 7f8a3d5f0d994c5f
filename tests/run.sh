#!/usr/bin/env bash
# Runs every test binary under BUILD/tests and every tests/test_*.sh script (given BUILD),
# integration tests too unless HW_UNIT_ONLY=1, from the repository root, and prints one
# summary line. Exit 1 if any failed. A test that cannot run here (a library it compares
# against is missing) exits 77 after one line saying why: it counts as skipped, never as passed,
# and the summary names it.
#
# Each test runs under a time limit, so a hang fails fast with its name instead of stalling
# CI: HW_TEST_TIMEOUT (default 300 s) for every test, the table below for the slow ones,
# HW_TEST_TIMEOUT_<name> (e.g. HW_TEST_TIMEOUT_test_plot=60) for one test, in that order of
# precedence from last to first. On a timeout the test's whole process group is killed.
set -u
build=${1:-build}

# Tests that measure for longer than the default allows on a loaded 2-core machine.
# test_integration_ci: 118 s alone, 131 s in make test here (2-core EPYC, 17 strategies), the
# longest test; 900 s is a margin over the 300 s default, not a measured need.
# test_integration_fidelity: every twin at 250k rows, 111-112 s here (2-core EPYC, helpers building
# beside it); 900 s likewise a margin.
declare -A limits=(
  [test_integration_ci]=900
  [test_integration_fidelity]=900
)

# The helper cache (calibration and references; README, "Calibration and reference caches") is
# this test run's own, so no cache on the machine can change a result, and the tests' many
# `highwater run`s share one calibration instead of measuring it each. A test of the cache
# itself sets its own HW_CACHE_DIR.
HW_CACHE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hw-test-cache-XXXXXX") || exit 1
export HW_CACHE_DIR
trap 'rm -rf "$HW_CACHE_DIR"' EXIT

pass=0; fail=0; failed=(); skip=0; skipped=()
# Scripts come from HW_TEST_SCRIPTS (default tests/; test_scripts points it elsewhere).
for t in "$build"/tests/test_* "${HW_TEST_SCRIPTS:-tests}"/test_*.sh; do
  { [ -x "$t" ] || [[ $t == *.sh && -f $t ]]; } || continue
  name=$(basename "$t" .sh)
  cmd=("$t")
  [[ $t == *.sh ]] && cmd=(bash "$t" "$build")
  if [ -n "${HW_UNIT_ONLY:-}" ] && [[ $name == test_integration* ]]; then continue; fi
  var=HW_TEST_TIMEOUT_$name
  limit=${!var:-${limits[$name]:-${HW_TEST_TIMEOUT:-300}}}
  start=$(date +%s.%N)
  # -k: a test that ignores SIGTERM is killed 10 s later.
  HW_BUILD="$build" timeout -k 10 "$limit" "${cmd[@]}"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    pass=$((pass + 1)); r=ok
  elif [ "$rc" -eq 77 ]; then
    skip=$((skip + 1)); r=SKIPPED; skipped+=("$name")
  elif [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && awk -v s="$start" -v e="$(date +%s.%N)" -v l="$limit" 'BEGIN{exit !(e-s >= l)}'; }; then
    fail=$((fail + 1)); r="FAILED: timed out after $limit s"; failed+=("$name: timed out after $limit s")
  else
    fail=$((fail + 1)); r=FAILED; failed+=("$name")
  fi
  printf '== %-32s %s (%.1fs)\n' "$name" "$r" "$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{print e-s}')"
done
list=$(IFS=,; echo "${failed[*]:-}" | sed 's/,/, /g')
slist=$(IFS=,; echo "${skipped[*]:-}" | sed 's/,/, /g')
echo "test summary: $pass passed, $fail failed${list:+ ($list)}${slist:+, $skip skipped ($slist)}"
[ "$fail" -eq 0 ]
