#!/usr/bin/env bash
# The CI gate's wall, two binaries back to back: `bash bench/ci_wall.sh OLD NEW [ROUNDS]`
# runs `OLD run configs/ci.yaml` (serial, as the old binary ran it) and `NEW run configs/ci.yaml
# -j 2` alternately, ROUNDS times (default 3), and prints each wall and the ratio of the
# medians. NEW also runs once first to warm its caches (calibration and reference, issue 16),
# and NEW_ARGS (default "-j 2") and OLD_ARGS (default empty) change the options. Each run writes
# its report into a temp dir removed at exit. A timing: run it on a quiet machine, and say
# which machine.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: bash bench/ci_wall.sh OLD_BINARY NEW_BINARY [ROUNDS]" >&2
    exit 2
fi
old=$1 new=$2 rounds=${3:-3}
config=${CONFIG:-configs/ci.yaml}
for b in "$old" "$new"; do
    [ -x "$b" ] || { echo "ci_wall.sh: $b is not an executable; build it first" >&2; exit 2; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
read -r -a old_args <<< "${OLD_ARGS:-}"
read -r -a new_args <<< "${NEW_ARGS:--j 2}"

wall() {   # wall seconds of one run; the run's own exit status is its verdict, not ours
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$tmp/stderr" || { [ $? -eq 1 ] || { cat "$tmp/stderr" >&2; exit 3; }; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

"$new" run "$config" "${new_args[@]}" -o "$tmp/warm.json" >/dev/null 2>&1 || true
olds=() news=()
for i in $(seq 1 "$rounds"); do
    o=$(wall "$old" run "$config" "${old_args[@]}" -o "$tmp/old.json")
    n=$(wall "$new" run "$config" "${new_args[@]}" -o "$tmp/new.json")
    printf 'round %d: old %.1f s, new %.1f s\n' "$i" "$o" "$n"
    olds+=("$o") news+=("$n")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mo=$(median "${olds[@]}") mn=$(median "${news[@]}")
printf 'median: old %.1f s, new %.1f s, new/old %.3f\n' "$mo" "$mn" "$(awk -v a="$mn" -v b="$mo" 'BEGIN { print a / b }')"
